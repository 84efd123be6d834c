"""The seeded fortnight: resolved conversations of the last 14 days, with replies, reporting events and CSAT.

The base seed (display ids 1-30) lives around ``BASE_TIME``; reports over "the last 7 days" need recent
activity, so this seeds two weeks before today's midnight (UTC) of the moment of seeding: the last 7 days
and the 7 days before (the reports' ``previous`` period). The random generator has a fixed seed and
every day gets the same number of conversations, so the same day always gives the same data and every day
the same totals (only ``business_hours`` values depend on which weekdays the window holds).

Every conversation goes through the model paths (``_add_message``, ``_change_status``), so the reporting
events are the ones Chatwoot's listeners would record (first_response, reply_time, conversation_resolved,
conversation_opened on a reopen), and ends ``resolved``: open/pending/snoozed counts stay the base seed's.
Inboxes 1 and 2 have CSAT on: each resolution sends an ``input_csat`` template message and about two in
three contacts answer it (a CsatSurveyResponse; a feedback text for about half of them).
"""

from __future__ import annotations

import math
import random
from typing import Any

from .helpers import ACTIVITY, INCOMING, OUTGOING, TEMPLATE
from .store import Store

WEEK_DAYS = 14
CONVERSATIONS_PER_DAY = (5, 9)  # inclusive bounds of each day's count
CSAT_MESSAGE = "Please rate the conversation"  # conversations.templates.csat_input_message_body

# labels, team, opening (one or two incoming lines), first reply, follow-up, second reply, private note
_TOPICS: list[tuple[list[str], int | None, list[str], str, str, str, str]] = [
    (
        ["billing"],
        1,
        ["Could you resend last month's invoice? I can't find it anywhere."],
        "I've just re-sent the invoice to your billing address.",
        "Got it, thanks. Can it show our VAT number too?",
        "Done: the corrected invoice is on its way.",
        "Customer needs VAT id on every invoice; updated the billing profile.",
    ),
    (
        ["billing", "refund"],
        1,
        ["I returned my order last week but the refund hasn't arrived."],
        "The return reached our warehouse; the refund was issued today and takes 3-5 business days.",
        "Okay. Will I get an email when it's done?",
        "Yes, you'll get a confirmation as soon as the bank settles it.",
        "Refund issued in the payment console.",
    ),
    (
        ["billing", "refund"],
        1,
        ["I was charged twice for the same order!", "Both charges are from yesterday."],
        "Sorry about that. The second charge was an authorisation hold; I've voided it.",
        "I still see it on my card.",
        "Holds can take 2 business days to disappear; it will not be collected.",
        "Duplicate authorisation voided.",
    ),
    (
        [],
        None,
        ["My package still says 'label created' after four days."],
        "I've asked the carrier; it was held at the depot and should arrive tomorrow.",
        "Thanks for checking.",
        "You're welcome! Here's the tracking link again: https://acme.example.com/orders.",
        "",
    ),
    (
        [],
        None,
        ["The password reset link says it has expired."],
        "Reset links are valid for 30 minutes; I've sent you a fresh one.",
        "That worked, I'm in.",
        "Great to hear!",
        "",
    ),
    (
        ["enterprise"],
        2,
        ["We're setting up SSO with Okta and get 'invalid audience'."],
        "The Audience URI must be https://acme.example.com/saml/metadata; could you check that field?",
        "That was it, but now users land on an empty page.",
        "Please enable 'Just-in-time provisioning' in the Acme SSO settings and try again.",
        "Okta SAML misconfiguration; sent the setup article.",
    ),
    (
        ["bug"],
        2,
        ["We get HTTP 429 from your API during our nightly sync."],
        "The limit is 3000 requests per minute per IP; spreading the sync over a few minutes fixes it.",
        "Is there a header telling us when to retry?",
        "Not at the moment: back off until the next minute starts.",
        "Another rate-limit question; worth a help-center article.",
    ),
    (
        ["bug"],
        2,
        ["Our webhook endpoint stopped receiving events yesterday."],
        "Your endpoint answered 500 to every delivery; deliveries aren't retried.",
        "We fixed our side, can you resend them?",
        "Missed events can't be replayed, but everything from now on will arrive.",
        "Customer endpoint was failing; nothing wrong on our side.",
    ),
    (
        ["bug"],
        2,
        ["The CSV export hangs at 99%."],
        "Thanks for the report. Does it happen with a smaller date range?",
        "Only for ranges over a year.",
        "Reproduced; we've raised the export timeout and it works now.",
        "ENG-412: export timeout raised to 10 minutes.",
    ),
    (
        ["customer"],
        1,
        ["We'd like to upgrade to the Pro plan for 10 seats."],
        "Happy to help! I've sent a quote for 10 Pro seats to your email.",
        "Can we pay yearly?",
        "Yes, yearly billing gets 15% off; the quote now shows both options.",
        "Upsell: 10 Pro seats.",
    ),
    (
        ["churn-risk"],
        None,
        ["We're thinking about cancelling, the price went up a lot."],
        "I'm sorry to hear that. Could I offer you the yearly plan at the old price?",
        "That could work. What's the total?",
        "It would be 1,080 EUR for the year; I can switch you today.",
        "Retention offer sent (old price, yearly).",
    ),
    (
        ["vip"],
        2,
        ["Nobody on our team can log in since this morning!", "It's urgent, we have a launch today."],
        "I'm on it. An expired certificate on our login service was renewed; please try again now.",
        "Working again, thank you for the quick help.",
        "Glad it's sorted. We've added monitoring so it won't happen again.",
        "Incident INC-512: login certificate expired.",
    ),
    (
        [],
        None,
        ["How do I change my delivery address for an order that hasn't shipped?"],
        "You can change it under Account > Orders until the order ships; I've updated this one for you.",
        "",
        "",
        "",
    ),
    ([], None, ["Is there a dark mode in the app?"], "Yes: Settings > Appearance > Dark.", "", "", ""),
]

_RATINGS = [5, 5, 5, 5, 5, 5, 5, 5, 5, 4, 4, 4, 4, 4, 3, 3, 2, 1, 1]
_FEEDBACK = {
    5: ["Super fast, thank you!", "Friendly and quick, thanks!", "Problem solved in minutes.", "Excellent support."],
    4: ["Good help, a bit slow at first.", "Solved, thanks.", "Helpful answer."],
    3: ["It took a while.", "Okay, but I had to explain twice."],
    2: ["Slow reply and the issue came back.", "Not very helpful."],
    1: ["Nobody read my message properly.", "Still not fixed."],
}


class ActivitySeeding(Store):
    """Seeds the fortnight of activity (``_seed_week``) after the base conversations."""

    def _seed_week(self, today: int) -> None:
        """Conversations on each of the WEEK_DAYS days before ``today`` (a UTC midnight), all resolved
        before it, over the (contact, inbox) pairs the base seed already has (no new contact inboxes)."""
        rng = random.Random(410)
        pairs = sorted(
            (ci["contact_id"], ci["inbox_id"], ci["id"])
            for ci in self.contact_inboxes.values()
            if not self.contacts[ci["contact_id"]]["blocked"]
        )
        self.csat_responses: dict[int, dict[str, Any]] = {}
        for days_ago in range(WEEK_DAYS, 0, -1):
            day = today - days_ago * 86400
            offsets = sorted(rng.randint(7 * 3600, 15 * 3600) for _ in range(rng.randint(*CONVERSATIONS_PER_DAY)))
            for offset in offsets:
                self._seed_week_conversation(rng, day + offset, pairs, limit=today - 60)

    def _seed_week_conversation(self, rng: random.Random, start: int, pairs: list, limit: int) -> None:
        labels, team_id, opening, reply, follow_up, second_reply, note = rng.choice(_TOPICS)
        contact_id, inbox_id, ci_id = rng.choice(pairs)
        inbox = self.inboxes[inbox_id]
        candidates = [u for u in inbox["members"] if team_id is None or u in self.teams[team_id]["members"]]
        assignee = 1 if rng.random() < 0.1 else rng.choice(candidates or inbox["members"])
        if team_id is not None and rng.random() < 0.2:
            team_id = None

        # the timeline, as offsets from the start; squeezed if it would run past ``limit``
        steps: list[tuple[int, str, str]] = [(0, "in", opening[0])]
        if len(opening) > 1:
            steps.append((rng.randint(40, 240), "in", opening[1]))
        at = max(steps[-1][0] + 30, _minutes(rng, 20, 0.9, 1, 360))
        steps.append((at, "out", reply))
        if note and rng.random() < 0.35:
            steps.append((at + rng.randint(30, 300), "note", note))
        if follow_up and rng.random() < 0.65:
            at = steps[-1][0] + rng.randint(180, 5400)
            steps.append((at, "in", follow_up))
            at += _minutes(rng, 12, 0.8, 1, 180)
            steps.append((at, "out", second_reply))
        at = steps[-1][0] + rng.randint(300, 3 * 3600)
        steps.append((at, "resolve", ""))
        if rng.random() < 0.08:  # the contact writes again: reopened, answered, resolved again
            at += rng.randint(1200, 7200)
            steps.append((at, "in", "Sorry, one more question about this."))
            at += _minutes(rng, 10, 0.6, 1, 120)
            steps.append((at, "out", "Of course, I've added the details to your account."))
            at += rng.randint(300, 3600)
            steps.append((at, "resolve", ""))
        csat = inbox["csat_survey_enabled"]
        answered = csat and rng.random() < 0.65
        if answered:
            steps.append((at + 1 + rng.randint(120, 3 * 3600), "rate", ""))
        rating = rng.choice(_RATINGS)
        feedback = rng.choice(_FEEDBACK[rating]) if rng.random() < 0.5 else ""
        span = steps[-1][0]
        scale = min(1.0, (limit - start) / span) if span else 1.0

        display_id = self._next_id("conversation")
        conv = self._new_conversation(
            display_id,
            self.contact_inboxes[ci_id],
            created_at=start,
            assignee_id=assignee,
            team_id=team_id,
            labels=labels,
            priority=rng.choice([None, None, None, "low", "medium", "high", "urgent"]),
            custom_attributes={},
            additional_attributes=_attributes(inbox_id, opening[0]),
        )
        agent = self.users[assignee]
        final_resolve = max(offset for offset, kind, _ in steps if kind == "resolve")
        survey: dict[str, Any] = {}
        for offset, kind, text in steps:
            when = start + int(offset * scale)
            if kind == "in":
                self._add_message(conv, text, INCOMING, "Contact", contact_id, at=when)
            elif kind in ("out", "note"):
                self._add_message(conv, text, OUTGOING, "User", assignee, at=when, private=kind == "note")
            elif kind == "resolve":
                resolved = f"Conversation was marked resolved by {agent['name']}"
                self._add_message(conv, resolved, ACTIVITY, None, None, at=when)
                self._change_status(conv, "resolved", at=when)
                if csat and offset == final_resolve:  # CsatSurveyService, after the last resolution
                    survey = self._add_message(
                        conv,
                        CSAT_MESSAGE,
                        TEMPLATE,
                        None,
                        None,
                        at=when + 1,
                        content_type="input_csat",
                        content_attributes={"display_type": "emoji"},
                    )
            else:  # the contact rates: the survey message records the answer, the response is created
                survey["content_attributes"]["submitted_values"] = {
                    "csat_survey_response": {"rating": rating, "feedback_message": feedback}
                }
                survey["updated_at"] = float(when)
                self._new_csat_response(conv, survey, rating, feedback, at=when)
        conv["agent_last_seen_at"] = conv["last_activity_at"]
        conv["assignee_last_seen_at"] = conv["last_activity_at"]
        if inbox_id == 1:
            conv["contact_last_seen_at"] = conv["last_activity_at"]

    def _new_csat_response(self, conv: dict, message: dict, rating: int, feedback: str, *, at: int) -> dict:
        """CsatSurveys::ResponseBuilder: the response of a rated ``input_csat`` message."""
        response = {
            "id": self._next_id("csat_response"),
            "account_id": conv["account_id"],
            "conversation_id": conv["id"],
            "contact_id": conv["contact_id"],
            "message_id": message["id"],
            "rating": rating,
            "feedback_message": feedback,
            "assigned_agent_id": conv["assignee_id"],
            "csat_review_notes": None,
            "review_notes_updated_at": None,
            "created_at": int(at),
        }
        self.csat_responses[response["id"]] = response
        return response


def _minutes(rng: random.Random, median: float, sigma: float, low: float, high: float) -> int:
    """A log-normal delay in seconds (median and bounds in minutes): most replies are quick, a few slow."""
    value = rng.lognormvariate(math.log(median), sigma)
    return int(60 * min(high, max(low, value)))


def _attributes(inbox_id: int, first_line: str) -> dict[str, Any]:
    if inbox_id == 1:
        return {"browser_language": "en", "referer": "https://acme.example.com/help"}
    if inbox_id == 3:
        return {"mail_subject": first_line[:60], "source": "email"}
    return {}
