#!/usr/bin/env python3
# /// script
# requires-python = ">=3.9"
# dependencies = ["requests>=2.28,<3", "jinja2>=3.0,<4"]
# ///
"""Update a contact. Only the fields given change; attributes are merged by Chatwoot, not replaced.

Example:
  python3 scripts/update_contact.py 17 --name "Jane Smith" --custom-attr plan=enterprise --attr city=Munich
Prints {"payload": contact}.
"""

from chatwoot_cli import Command, positive_id
from chatwoot_client import UsageError
from chatwoot_contacts import add_contact_fields, contact_values


def arguments(parser):
    parser.add_argument("contact_id", type=positive_id, metavar="CONTACT_ID", help="the contact's id")
    add_contact_fields(parser, creating=False)


def run(args, api):
    values = contact_values(args)
    if not any(values.values()):
        raise UsageError(
            "nothing to update; give at least one of --name, --email, --phone, --identifier, --attr, --custom-attr"
        )
    return api.send("PATCH", f"/contacts/{args.contact_id}", "contact", **values)


command = Command(__doc__, arguments, run, writes=True)

if __name__ == "__main__":
    command.exit()
