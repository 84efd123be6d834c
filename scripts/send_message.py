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

Chatwoot renders Liquid in every outgoing message and note; the text is escaped so the customer
sees it exactly as written. With --liquid it goes as written, for Chatwoot to fill in:
  {{contact.name}} {{contact.first_name}} {{contact.last_name}} {{contact.email}}
  {{contact.phone_number}} {{contact.custom_attribute.KEY}}
  {{agent.name}} {{agent.first_name}} {{agent.last_name}} {{agent.available_name}}  (the sender)
  {{conversation.display_id}} {{conversation.contact_name}} {{conversation.custom_attribute.KEY}}
  {{inbox.name}} {{account.name}}
first_name and last_name are empty for a one-word name; an unknown variable prints nothing; a
`code span` is printed as written either way.
"""

from chatwoot_cli import Command, add_conversation_id, add_text_arguments
from chatwoot_messages import post


def arguments(parser):
    add_conversation_id(parser)
    add_text_arguments(parser, attachments=True)
    parser.add_argument(
        "--private", action="store_true", help="a private note instead of a reply (add_note.py does the same)"
    )


def run(args, api):
    return post(api, args.conversation_id, args.content, private=args.private, attachments=args.attach)


command = Command(__doc__, arguments, run, writes=True)

if __name__ == "__main__":
    command.exit()
