#!/usr/bin/env python3
# /// script
# requires-python = ">=3.9"
# dependencies = ["requests>=2.28,<3", "jinja2>=3.0,<4"]
# ///
"""Create a contact (optionally in an inbox, so a conversation can be opened with it).

Example:
  python3 scripts/create_contact.py --name "Jane Doe" --email jane@example.com \\
      --phone +4915112345678 --inbox "Support API" --attr company=Acme --custom-attr seats:=12
Prints {"payload": {"contact": {...}, "contact_inbox": {"inbox", "source_id"}}}.
"""

from chatwoot_cli import Command
from chatwoot_contacts import add_contact_fields, contact_values


def arguments(parser):
    add_contact_fields(parser, creating=True)


def run(args, api):
    return api.send("POST", "/contacts", "contact", **contact_values(args, api))


command = Command(__doc__, arguments, run, writes=True)

if __name__ == "__main__":
    command.exit()
