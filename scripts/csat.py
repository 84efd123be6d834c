#!/usr/bin/env python3
# /// script
# requires-python = ">=3.9"
# dependencies = ["requests>=2.28,<3", "jinja2>=3.0,<4"]
# ///
"""Read customer-satisfaction (CSAT) survey answers, or their totals (administrators only).

Example:
  python3 scripts/csat.py --since 7d --summary
  python3 scripts/csat.py --since 60d --until 30d --agent "Ana Silva" --rating 1,2 --all --summary
  python3 scripts/csat.py --since 30d --metrics --summary
Prints Chatwoot's answers, newest first, 25 a page ([{"id", "rating", "feedback_message", "contact",
"conversation_id" (the number shown in the UI), "assigned_agent", "created_at"}...]), or with
--summary the compact array; --all walks every page. --metrics prints {"total_count",
"ratings_count", "total_sent_messages_count"}: the surveys sent there count every survey in the
period whatever --agent, --inbox, --team or --rating say. --metrics --summary prints {"answers",
"average_rating", "satisfied" (the share of 4 and 5), "ratings", "surveys_sent", "response_rate"}
(the last two null when the answers were narrowed). Times (--since, --until): YYYY-MM-DD,
an ISO time, unix seconds, today, yesterday, or 7d / 24h for that long ago; no offset means this
machine's time zone. Chatwoot drops the date filter when one end is missing, so when either is
given both are sent (the other: the beginning, or now).
"""

import time

from chatwoot_cli import Command, past_moment, warn
from chatwoot_client import UsageError
from chatwoot_listings import CSAT_RESPONSES
from chatwoot_names import AGENT, INBOX, TEAM, add_named, named_id


def ratings(text: str) -> list:
    values = [part.strip() for part in text.split(",") if part.strip()]
    if not values or not all(value in "12345" and len(value) == 1 for value in values):
        raise UsageError(f"--rating takes ratings from 1 to 5, such as 1,2; got {text!r}")
    return [int(value) for value in dict.fromkeys(values)]


def metrics_summary(metrics: dict, narrowed: bool) -> dict:
    """The figures Chatwoot's CSAT page shows: answers, the average rating, the share of 4 and 5
    (its satisfaction score) and the response rate (null when --agent, --inbox, --team or
    --rating narrowed the answers, since the surveys sent are never narrowed)."""
    answers = metrics.get("total_count") or 0
    counts = {int(rating): count for rating, count in (metrics.get("ratings_count") or {}).items()}
    sent = metrics.get("total_sent_messages_count") or 0
    return {
        "answers": answers,
        "average_rating": round(sum(r * n for r, n in counts.items()) / answers, 2) if answers else None,
        "satisfied": f"{round(100 * (counts.get(4, 0) + counts.get(5, 0)) / answers)}%" if answers else None,
        "ratings": {str(rating): counts.get(rating, 0) for rating in range(1, 6)},
        "surveys_sent": None if narrowed else sent,
        "response_rate": f"{round(100 * answers / sent)}%" if sent and not narrowed else None,
    }


def arguments(parser):
    parser.add_argument("--since", type=past_moment, metavar="WHEN", help="answers from this moment on")
    parser.add_argument("--until", type=past_moment, metavar="WHEN", help="answers before this moment")
    add_named(parser, AGENT, "--agent", None, help="only answers about this agent's conversations")
    add_named(parser, INBOX, "--inbox", None, help="only this inbox")
    add_named(parser, TEAM, "--team", None, help="only this team")
    parser.add_argument("--rating", metavar="1,2", help="only these ratings (1 to 5)")
    parser.add_argument("--metrics", action="store_true", help="the totals instead of the answers")


def run(args, api):
    params = {
        "user_ids[]": named_id(api, AGENT, args.agent),
        "inbox_id": named_id(api, INBOX, args.inbox),
        "team_id": named_id(api, TEAM, args.team),
        "rating[]": ratings(args.rating) if args.rating else None,
    }
    if args.since is not None or args.until is not None:
        params["since"] = args.since if args.since is not None else 0
        params["until"] = args.until if args.until is not None else int(time.time())
    if args.metrics:
        if args.page or args.all:
            raise UsageError("--metrics prints totals: it takes no --page or --all")
        metrics = api.get("/csat_survey_responses/metrics", params)
        narrowed = any(params[key] is not None for key in ("user_ids[]", "inbox_id", "team_id", "rating[]"))
        if args.summary:
            return metrics_summary(metrics, narrowed)
        warn("note: total_sent_messages_count counts every survey sent in the period, whatever the other filters")
        return metrics
    return CSAT_RESPONSES.query("/csat_survey_responses", {**params, "sort": "-created_at"})


command = Command(__doc__, arguments, run, listing=CSAT_RESPONSES, paged=True, admin_only=True)

if __name__ == "__main__":
    command.exit()
