#!/usr/bin/env python3
# /// script
# requires-python = ">=3.9"
# dependencies = ["requests>=2.28,<3", "jinja2>=3.0,<4"]
# ///
"""Change a conversation's status: open, resolved, pending, or snoozed (until a time).

Example:
  python3 scripts/set_status.py 42 resolved
  python3 scripts/set_status.py 42 snoozed --until 2h
  python3 scripts/set_status.py 42 snoozed --until 2026-12-01T09:00
Prints {"payload": {"success": true, "conversation_id", "current_status", "snoozed_until"}}.
A snooze without --until lasts until the customer's next reply.
"""

from chatwoot_cli import Command, add_conversation_ids, snooze_until
from chatwoot_client import CONVERSATION_STATUSES, UsageError


def arguments(parser):
    add_conversation_ids(parser)
    parser.add_argument(
        "status", choices=CONVERSATION_STATUSES, metavar="STATUS", help="open, resolved, pending or snoozed"
    )
    parser.add_argument(
        "--until",
        type=snooze_until,
        metavar="WHEN",
        help="with snoozed: 30m, 2h, 3d, 1w, YYYY-MM-DD[THH:MM[:SS]][Z|+HH:MM] (no offset = this machine's time zone) or unix seconds",
    )


def run(args, api):
    if args.until is not None and args.status != "snoozed":
        raise UsageError(f"--until goes only with the status snoozed, not {args.status}")
    return api.send(
        "POST",
        f"/conversations/{args.conversation_id}/toggle_status",
        "set_status",
        status=args.status,
        snoozed_until=args.until,
    )


command = Command(__doc__, arguments, run, writes=True)

if __name__ == "__main__":
    command.exit()
