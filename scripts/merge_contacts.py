#!/usr/bin/env python3
# /// script
# requires-python = ">=3.9"
# dependencies = ["requests>=2.28,<3", "jinja2>=3.0,<4"]
# ///
"""Merge two contacts that are the same person: BASE stays, OTHER is merged into it and deleted. Needs --yes.

Example:
  python3 scripts/merge_contacts.py 17 42 --dry-run
  python3 scripts/merge_contacts.py 17 42 --yes
Prints Chatwoot's answer: the contact that stays. OTHER's conversations, messages, inboxes and
notes move to BASE; for name, e-mail, phone, identifier and each attribute, BASE's value wins and
OTHER's fills what BASE lacks. Chatwoot drops OTHER's labels, so they are added to BASE first; it
also deletes OTHER's CSAT survey answers, which is said on stderr when there are any (an
administrator's token is needed to look). --dry-run reads both contacts and prints the first
write with "result": the value of each field after the merge. Cannot be undone.
"""

from __future__ import annotations

from chatwoot_cli import Command, positive_id, warn
from chatwoot_client import ApiError, Failure, UsageError
from chatwoot_labels import change_labels

FIELDS = ("name", "email", "phone_number", "identifier")
ATTRIBUTES = ("additional_attributes", "custom_attributes")
CSAT_PAGES = 40  # at 25 a page: the most recent 1,000 survey answers are searched


def arguments(parser):
    parser.add_argument("base", type=positive_id, metavar="BASE_ID", help="the contact that stays")
    parser.add_argument("other", type=positive_id, metavar="OTHER_ID", help="the contact merged into it and deleted")
    parser.add_argument("--yes", action="store_true", help="confirm: OTHER is deleted for good")


def blank(value) -> bool:
    return value is None or value == "" or value == {} or value == []


def deep_merge(mergee: dict, base: dict) -> dict:
    """Ruby's Hash#deep_merge as Chatwoot calls it (mergee.deep_merge(base)): base wins at every key."""
    merged = dict(mergee)
    for key, value in base.items():
        both = isinstance(merged.get(key), dict) and isinstance(value, dict)
        merged[key] = deep_merge(merged[key], value) if both else value
    return merged


def merged_fields(base: dict, other: dict) -> dict:
    """What the contact looks like after the merge (app/actions/contact_merge_action.rb): blank
    top-level values are dropped on both sides, then the mergee's are deep-merged under the base's."""
    keys = FIELDS + ATTRIBUTES
    kept_base = {key: base.get(key) for key in keys if not blank(base.get(key))}
    kept_other = {key: other.get(key) for key in keys if not blank(other.get(key))}
    result = deep_merge(kept_other, kept_base)
    return {key: result.get(key, {} if key in ATTRIBUTES else None) for key in keys}


def csat_answers(api, contact_id: int) -> int | None:
    """How many CSAT survey answers the contact gave (None when the token may not look)."""
    found = 0
    for page in range(1, CSAT_PAGES + 1):
        try:
            answers = api.get("/csat_survey_responses", {"sort": "-created_at", "page": page})
        except ApiError as problem:
            if problem.status == 401:
                return None
            raise
        if not answers:
            break
        found += sum(1 for answer in answers if (answer.get("contact") or {}).get("id") == contact_id)
    return found


def run(args, api):
    if args.base == args.other:
        raise UsageError(f"BASE_ID and OTHER_ID are both {args.base}: there is nothing to merge")
    if not args.yes and not args.dry_run:
        raise UsageError(f"merging deletes contact {args.other} for good; add --yes to confirm (or --dry-run to see)")
    base = api.get(f"/contacts/{args.base}")["payload"]
    other = api.get(f"/contacts/{args.other}")["payload"]
    other_labels = api.get(f"/contacts/{args.other}/labels").get("payload") or []
    result = merged_fields(base, other)
    lost = csat_answers(api, args.other)
    if lost is None:
        warn(
            f"note: Chatwoot deletes contact {args.other}'s CSAT survey answers, if any (an administrator's token can count them)"
        )
    elif lost:
        warn(f"warning: Chatwoot will delete contact {args.other}'s {lost} CSAT survey answer(s) with it")
    preview = {"result": result, "csat_answers_lost": lost}
    merge = f"merge contact {args.other} into {args.base}"
    labels_moved = False
    try:
        if other_labels:
            change_labels(
                api, f"/contacts/{args.base}/labels", f"contact {args.base}", other_labels, [], then=merge,
                preview_also={**preview, "labels_added": other_labels},
            )  # fmt: skip
            labels_moved = True
        return api.send(
            "POST", "/actions/contact_merge", "contact_merge", preview_also=preview,
            base_contact_id=args.base, mergee_contact_id=args.other,
        )  # fmt: skip
    except Failure as failure:
        if labels_moved:
            failure.lines.append(
                f"contact {args.base} already has contact {args.other}'s labels (added before the merge)"
            )
        raise


command = Command(__doc__, arguments, run, writes=True)

if __name__ == "__main__":
    command.exit()
