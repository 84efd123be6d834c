#!/usr/bin/env python3
# /// script
# requires-python = ">=3.9"
# dependencies = ["requests>=2.28,<3", "jinja2>=3.0,<4"]
# ///
"""Show one conversation: status, assignee, team, labels, contact and its latest message.

Example:
  python3 scripts/get_conversation.py 42
Prints the conversation object (bare, not wrapped): {"id": 42, "status", "meta": {"sender", "assignee"}, ...}.
Use list_messages.py for its history.
"""

from chatwoot_cli import Command, add_conversation_id
from chatwoot_listings import conversation_summary


def arguments(parser):
    add_conversation_id(parser)


def run(args, api):
    return api.get(f"/conversations/{args.conversation_id}")


command = Command(__doc__, arguments, run, summary=conversation_summary)

if __name__ == "__main__":
    command.exit()
