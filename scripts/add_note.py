#!/usr/bin/env python3
# /// script
# requires-python = ">=3.9"
# dependencies = ["requests>=2.28,<3", "jinja2>=3.0,<4"]
# ///
"""Add a private note to a conversation: only agents see it, never the customer.

Example:
  python3 scripts/add_note.py 42 "Customer is a VIP - handle with priority"
Prints the created message, with "private": true.
"""

from chatwoot_cli import Command, add_conversation_ids, add_text_arguments
from chatwoot_messages import post


def arguments(parser):
    add_conversation_ids(parser)
    add_text_arguments(parser, "note", attachments=True)


def run(args, api):
    return post(api, args.conversation_id, args.content, private=True, attachments=args.attach)


command = Command(__doc__, arguments, run, writes=True)

if __name__ == "__main__":
    command.exit()
