#!/usr/bin/env python3
# /// script
# requires-python = ">=3.9"
# dependencies = ["requests>=2.28,<3", "jinja2>=3.0,<4"]
# ///
"""Show, add or remove a conversation's labels; the labels already there are kept.

Example:
  python3 scripts/labels.py 42
  python3 scripts/labels.py 42 --add vip --add billing
  python3 scripts/labels.py 42 --remove billing --add refund
  python3 scripts/labels.py 101,102,103 --add vip
Prints {"payload": ["vip", ...]}: the labels after the change. Chatwoot replaces the whole list on
every write, so this reads the current labels, merges, and sends the whole new list; if nothing
would change, nothing is sent. Chatwoot accepts any label, but its UI shows only the account's
defined ones: adding another says so on stderr.
"""

from chatwoot_cli import Command, add_conversation_ids
from chatwoot_labels import add_label_arguments, change_labels, changes_labels


def arguments(parser):
    add_conversation_ids(parser)
    add_label_arguments(parser)


def run(args, api):
    path = f"/conversations/{args.conversation_id}/labels"
    return change_labels(api, path, f"conversation {args.conversation_id}", args.add, args.remove)


command = Command(__doc__, arguments, run, writes=changes_labels)

if __name__ == "__main__":
    command.exit()
