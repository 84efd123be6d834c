#!/usr/bin/env python3
# /// script
# requires-python = ">=3.9"
# dependencies = ["requests>=2.28,<3", "jinja2>=3.0,<4"]
# ///
"""Count conversations: mine, assigned, unassigned and all, for a status and filters.

Example:
  python3 scripts/conversation_counts.py --status open
Prints {"meta": {"mine_count", "assigned_count", "unassigned_count", "all_count"}}.
"""

from chatwoot_cli import Command
from chatwoot_names import add_conversation_filters, conversation_filter_params


def arguments(parser):
    add_conversation_filters(parser)


def run(args, api):
    return api.get("/conversations/meta", conversation_filter_params(args, api))


command = Command(__doc__, arguments, run)

if __name__ == "__main__":
    command.exit()
