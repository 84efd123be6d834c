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
would change, nothing is sent. Chatwoot accepts any label, but its UI shows only defined ones.
"""

import argparse

from chatwoot_cli import Command, add_conversation_ids, warn
from chatwoot_client import ApiError, UsageError


def label(text):
    if not text.strip() or "," in text:
        raise argparse.ArgumentTypeError(f"expected a label (not empty, no commas), got {text!r}")
    return text.strip()


def arguments(parser):
    add_conversation_ids(parser)
    parser.add_argument("--add", type=label, action="append", default=[], metavar="L", help="add a label (repeatable)")
    parser.add_argument(
        "--remove", type=label, action="append", default=[], metavar="L", help="remove a label (repeatable)"
    )


def run(args, api):
    both = sorted(set(args.add) & set(args.remove))
    if both:
        raise UsageError(f"label {both[0]!r} is both added and removed; give it once")
    path = f"/conversations/{args.conversation_id}/labels"
    current = api.get(path)
    if not (args.add or args.remove):
        return current
    existing = current.get("payload") if isinstance(current, dict) else None
    if not isinstance(existing, list):  # sending a list built on nothing would wipe the labels
        raise ApiError(None, f"Chatwoot's answer to GET {path} holds no label list; nothing was changed")
    for name in args.remove:
        if name not in existing:
            warn(f"warning: conversation {args.conversation_id} has no label {name!r}")
    labels = [name for name in existing if name not in args.remove]
    labels += [name for name in dict.fromkeys(args.add) if name not in labels]
    if labels == existing:
        warn(f"the labels of conversation {args.conversation_id} already are as asked; nothing was sent")
        return current
    return api.send("POST", path, "labels", labels=labels)


command = Command(__doc__, arguments, run, writes=lambda args: bool(args.add or args.remove))

if __name__ == "__main__":
    command.exit()
