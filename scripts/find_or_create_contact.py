#!/usr/bin/env python3
# /// script
# requires-python = ">=3.9"
# dependencies = ["requests>=2.28,<3", "jinja2>=3.0,<4"]
# ///
"""Find a contact by identifier, e-mail or phone (exact match), or create it. Safe to re-run.

Example:
  python3 scripts/find_or_create_contact.py --email jane@example.com --name "Jane Doe"
Looks for an exact match on --identifier, then --email (case-insensitive), then --phone, among
Chatwoot's search results; creates the contact only when none matches. Prints
{"created": false, "contact": {...}} or {"created": true, "contact": {...}}.
"""

from chatwoot_cli import Command
from chatwoot_contacts import add_contact_keys, find_or_create, keys_of


def arguments(parser):
    add_contact_keys(parser)
    parser.add_argument("--name", help="name to give the contact if it has to be created")


def run(args, api):
    created, contact = find_or_create(api, keys_of(args), args.name)
    return {"created": created, "contact": contact}


command = Command(__doc__, arguments, run, writes=True)

if __name__ == "__main__":
    command.exit()
