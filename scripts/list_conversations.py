#!/usr/bin/env python3
# /// script
# requires-python = ">=3.9"
# dependencies = ["requests>=2.28,<3", "jinja2>=3.0,<4"]
# ///
"""List conversations, newest activity first (or --sort), 25 a page (Chatwoot's default status: open).

Example:
  python3 scripts/list_conversations.py --status open --assignee-type unassigned --sort priority_desc --summary
  python3 scripts/list_conversations.py --label vip --all --summary
Prints {"data": {"meta": {"mine_count", "assigned_count", "unassigned_count", "all_count"},
"payload": [conversation...]}}; a full page is about 80 KB, so prefer --summary: one line a
conversation with what choosing the next action needs (see --summary). --all walks every page.
"""

from chatwoot_cli import Command
from chatwoot_listings import CONVERSATIONS
from chatwoot_names import add_conversation_filters, conversation_filter_params

# ConversationFinder's SORT_OPTIONS; an unknown value falls back to the default without a word
SORTS = tuple(
    f"{key}_{way}" for key in ("last_activity_at", "priority", "waiting_since", "created_at") for way in ("desc", "asc")
)


def arguments(parser):
    add_conversation_filters(parser)
    parser.add_argument(
        "--assignee-type",
        choices=("me", "unassigned", "assigned", "all"),
        help="whose: me (assigned to the token's owner), unassigned, assigned, or all (the default)",
    )
    parser.add_argument(
        "--sort",
        choices=SORTS,
        metavar="ORDER",
        help="Chatwoot's order: last_activity_at_desc (the default), last_activity_at_asc, priority_desc "
        "(urgent first), priority_asc, waiting_since_asc (longest waiting first), waiting_since_desc, "
        "created_at_asc or created_at_desc",
    )


def run(args, api):
    params = conversation_filter_params(args, api)
    if args.assignee_type:
        params["assignee_type"] = args.assignee_type
    if args.sort:
        params["sort_by"] = args.sort
    return CONVERSATIONS.query("/conversations", params)


command = Command(__doc__, arguments, run, listing=CONVERSATIONS, paged=True)

if __name__ == "__main__":
    command.exit()
