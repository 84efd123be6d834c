#!/usr/bin/env python3
# /// script
# requires-python = ">=3.9"
# dependencies = ["requests>=2.28,<3", "jinja2>=3.0,<4"]
# ///
"""Show one contact: name, e-mail, phone, identifier, attributes and inboxes.

Example:
  python3 scripts/get_contact.py 17
Prints Chatwoot's answer: {"payload": {"id": 17, "name": ..., "email": ..., "contact_inboxes": [...]}}.
"""

from chatwoot_cli import Command, positive_id


def arguments(parser):
    parser.add_argument(
        "contact_id", type=positive_id, metavar="CONTACT_ID", help="the contact's id (search_contacts.py finds it)"
    )


def run(args, api):
    return api.get(f"/contacts/{args.contact_id}")


command = Command(__doc__, arguments, run)

if __name__ == "__main__":
    command.exit()
