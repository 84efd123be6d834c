#!/usr/bin/env python3
# /// script
# requires-python = ">=3.9"
# dependencies = ["requests>=2.28,<3", "jinja2>=3.0,<4"]
# ///
"""List conversations, newest activity first, 25 a page (Chatwoot's default status: open).

Example:
  python3 scripts/list_conversations.py --status open --assignee-type unassigned --summary
  python3 scripts/list_conversations.py --label vip --all --summary
Prints {"data": {"meta": {"mine_count", "assigned_count", "unassigned_count", "all_count"},
"payload": [conversation...]}}; a full page is about 80 KB, so prefer --summary: one line a
conversation with what choosing the next action needs (see --summary). --all walks every page.
"""

from chatwoot_cli import Command
from chatwoot_listings import CONVERSATIONS
from chatwoot_names import add_conversation_filters, conversation_filter_params


def arguments(parser):
    add_conversation_filters(parser)
    parser.add_argument("--assignee-type", choices=("me", "unassigned", "assigned", "all"), help="whose conversations")


def run(args, api):
    params = conversation_filter_params(args, api)
    if args.assignee_type:
        params["assignee_type"] = args.assignee_type
    return CONVERSATIONS.query("/conversations", params)


command = Command(__doc__, arguments, run, listing=CONVERSATIONS, paged=True)

if __name__ == "__main__":
    command.exit()
