#!/usr/bin/env python3
# /// script
# requires-python = ">=3.9"
# dependencies = ["requests>=2.28,<3", "jinja2>=3.0,<4"]
# ///
"""Search contacts by name, e-mail, phone or identifier (substring match, 15 a page).

Example:
  python3 scripts/search_contacts.py jane@example.com --summary
Prints {"meta": {"count", "current_page", "has_more"}, "payload": [contact...]}, or with
--summary [{"id", "name", "email"}...]. --all walks every page.
"""

from chatwoot_core import CONTACT_SEARCH, UsageError, run_script


def arguments(parser):
    parser.add_argument(
        "query", metavar="QUERY", help="text to look for, e.g. an e-mail, a phone number or part of a name"
    )


def run(args, api):
    if not args.query.strip():
        raise UsageError("QUERY is empty; give part of a name, e-mail, phone number or identifier")
    return api.list("/contacts/search", {"q": args.query.strip()})


if __name__ == "__main__":
    run_script(__doc__, arguments, run, listing=CONTACT_SEARCH, paged=True)
