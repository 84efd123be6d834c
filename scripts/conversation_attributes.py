#!/usr/bin/env python3
# /// script
# requires-python = ">=3.9"
# dependencies = ["requests>=2.28,<3", "jinja2>=3.0,<4"]
# ///
"""Show, set or unset a conversation's custom attributes; the other attributes are kept.

Example:
  python3 scripts/conversation_attributes.py 42
  python3 scripts/conversation_attributes.py 42 --set order_id=A-1001 --set seats:=12 --unset coupon
Prints {"custom_attributes": {...}}: the attributes after the change. K=V sets a string, K:=JSON a
number, true/false or list. Chatwoot replaces the whole object on every write, so this reads the
conversation, merges, and sends the whole object; if nothing would change, nothing is sent.
"""

import argparse
import json

from chatwoot_cli import Command, add_conversation_id, attributes, key_value, warn
from chatwoot_client import ApiError, UsageError


def key(text):
    if not text.strip():
        raise argparse.ArgumentTypeError("expected an attribute name, got an empty one")
    return text.strip()


def arguments(parser):
    add_conversation_id(parser)
    parser.add_argument(
        "--set", type=key_value, action="append", default=[], metavar="K=V", help="set an attribute (repeatable)"
    )
    parser.add_argument("--unset", type=key, action="append", default=[], metavar="K", help="remove an attribute")


def run(args, api):
    changes = attributes(args.set)
    both = sorted(set(changes) & set(args.unset))
    if both:
        raise UsageError(f"attribute {both[0]!r} is both set and unset; give it once")
    conversation = api.get(f"/conversations/{args.conversation_id}")
    found = isinstance(conversation, dict) and "custom_attributes" in conversation
    current = (conversation["custom_attributes"] or {}) if found else None
    if not isinstance(current, dict):  # a merge built on nothing would wipe the attributes
        raise ApiError(None, "Chatwoot's answer holds no custom_attributes object; nothing was changed")
    if not (args.set or args.unset):
        return {"custom_attributes": current}
    merged = {**current, **changes}
    for name in args.unset:
        if name not in merged:
            warn(f"warning: conversation {args.conversation_id} has no custom attribute {name!r}")
        merged.pop(name, None)
    if json.dumps(merged, sort_keys=True) == json.dumps(current, sort_keys=True):
        warn(f"the custom attributes of conversation {args.conversation_id} already are as asked; nothing was sent")
        return {"custom_attributes": current}
    return api.send(
        "POST",
        f"/conversations/{args.conversation_id}/custom_attributes",
        "conversation_attributes",
        custom_attributes=merged,
    )


command = Command(__doc__, arguments, run, writes=lambda args: bool(args.set or args.unset))

if __name__ == "__main__":
    command.exit()
