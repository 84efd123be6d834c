#!/usr/bin/env python3
# /// script
# requires-python = ">=3.9"
# dependencies = ["requests>=2.28,<3", "jinja2>=3.0,<4"]
# ///
"""Filter conversations with Chatwoot's own filter (status, priority, labels, assignee, dates, custom attributes), 25 a page.

Example:
  python3 scripts/filter_conversations.py --where status=open,pending 'priority=urgent' --summary
  python3 scripts/filter_conversations.py --where labels=vip --where 'created_at>2026-01-01' --all --summary
  python3 scripts/filter_conversations.py --any --where 'assignee_id!?' 'custom.order_id=A-1'
  python3 scripts/filter_conversations.py --payload filter.json   # [{"attribute_key", "filter_operator", "values", "query_operator"}...]
Prints {"meta": {"mine_count", "unassigned_count", "all_count"}, "payload": [conversation...]},
or with --summary one compact line a conversation. --all walks every page.
"""

from chatwoot_cli import Command
from chatwoot_filters import add_filter_arguments, filter_payload, where_help
from chatwoot_listings import CONVERSATION_FILTER


def arguments(parser):
    add_filter_arguments(parser, "status=open 'labels=vip'")


def run(args, api):
    return CONVERSATION_FILTER.query(
        "/conversations/filter", template="filter", payload=filter_payload(args, "conversations")
    )


command = Command(__doc__ + where_help("conversations"), arguments, run, listing=CONVERSATION_FILTER, paged=True)

if __name__ == "__main__":
    command.exit()
