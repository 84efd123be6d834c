#!/usr/bin/env python3
# /// script
# requires-python = ">=3.9"
# dependencies = ["requests>=2.28,<3", "jinja2>=3.0,<4"]
# ///
"""List a contact's conversations (Chatwoot returns the 20 most recent, newest first).

Example:
  python3 scripts/contact_conversations.py 17 --summary
Prints {"payload": [conversation...]}, or with --summary one compact line each (see --summary).
"""

from chatwoot_cli import Command, positive_id
from chatwoot_listings import CONTACT_CONVERSATIONS


def arguments(parser):
    parser.add_argument("contact_id", type=positive_id, metavar="CONTACT_ID", help="the contact's id")


def run(args, api):
    return CONTACT_CONVERSATIONS.query(f"/contacts/{args.contact_id}/conversations")


command = Command(__doc__, arguments, run, listing=CONTACT_CONVERSATIONS)

if __name__ == "__main__":
    command.exit()
