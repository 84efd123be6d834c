#!/usr/bin/env python3
# /// script
# requires-python = ">=3.9"
# dependencies = ["requests>=2.28,<3", "jinja2>=3.0,<4"]
# ///
"""Set a conversation's priority: urgent, high, medium, low, or none to clear it.

Example:
  python3 scripts/set_priority.py 42 urgent
  python3 scripts/set_priority.py 42 none
Prints {"conversation_id": 42, "priority": "urgent"} (Chatwoot itself answers with an empty body).
"""

from chatwoot_cli import Command, add_conversation_ids
from chatwoot_client import PRIORITIES


def arguments(parser):
    add_conversation_ids(parser)
    parser.add_argument(
        "priority",
        choices=(*reversed(PRIORITIES), "none"),
        metavar="PRIORITY",
        help="urgent, high, medium, low or none",
    )


def run(args, api):
    # "none" is not a value Chatwoot knows (it answers 500): clearing means leaving priority out.
    priority = None if args.priority == "none" else args.priority
    api.send(
        "POST",
        f"/conversations/{args.conversation_id}/toggle_priority",
        "set_priority",
        empty_ok=True,
        priority=priority,
    )
    return {"conversation_id": args.conversation_id, "priority": priority}


command = Command(__doc__, arguments, run, writes=True)

if __name__ == "__main__":
    command.exit()
