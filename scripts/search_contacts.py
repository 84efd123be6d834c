#!/usr/bin/env python3
# /// script
# requires-python = ">=3.9"
# dependencies = ["requests>=2.28,<3", "jinja2>=3.0,<4"]
# ///
"""Search contacts by name, e-mail, phone or identifier (substring match, 15 a page).

Example:
  python3 scripts/search_contacts.py jane@example.com --summary
Prints {"meta": {"count", "current_page", "has_more"}, "payload": [contact...]}, or with
--summary the compact array (with each contact's phone and identifier). --all walks every page.
"""

from chatwoot_cli import Command
from chatwoot_client import UsageError
from chatwoot_listings import CONTACT_SEARCH


def arguments(parser):
    parser.add_argument(
        "query", metavar="QUERY", help="text to look for, e.g. an e-mail, a phone number or part of a name"
    )


def run(args, api):
    if not args.query.strip():
        raise UsageError("QUERY is empty; give part of a name, e-mail, phone number or identifier")
    return CONTACT_SEARCH.query("/contacts/search", {"q": args.query.strip()})


command = Command(__doc__, arguments, run, listing=CONTACT_SEARCH, paged=True)

if __name__ == "__main__":
    command.exit()
