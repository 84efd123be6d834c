#!/usr/bin/env python3
# /// script
# requires-python = ">=3.9"
# dependencies = ["requests>=2.28,<3", "jinja2>=3.0,<4"]
# ///
"""Send a reply the customer sees (or, with --private, a note only agents see).

Example:
  python3 scripts/send_message.py 42 "Thanks, we are checking your order."
  python3 scripts/send_message.py 42 --file - <<'TEXT'
  Multi-line text needs no shell quoting this way.
  TEXT
Prints the created message: {"id", "content", "message_type": 1, "private", "sender", ...}.
"""

from chatwoot_cli import Command, add_conversation_id, add_text_arguments


def arguments(parser):
    add_conversation_id(parser)
    add_text_arguments(parser, attachments=True)
    parser.add_argument(
        "--private", action="store_true", help="a private note instead of a reply (add_note.py does the same)"
    )


def run(args, api):
    return api.send(
        "POST",
        f"/conversations/{args.conversation_id}/messages",
        "send_message",
        content=args.content,
        attachments=args.attach,
        private=args.private,
    )


command = Command(__doc__, arguments, run, writes=True)

if __name__ == "__main__":
    command.exit()
