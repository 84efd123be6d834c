#!/usr/bin/env python3
# /// script
# requires-python = ">=3.9"
# dependencies = ["requests>=2.28,<3", "jinja2>=3.0,<4"]
# ///
"""Filter contacts with Chatwoot's own filter (name, e-mail, phone, city, labels, dates, custom attributes), 15 a page.

Example:
  python3 scripts/filter_contacts.py --where 'email~@example.com' 'city=Berlin' --summary
  python3 scripts/filter_contacts.py --where labels=vip --where 'last_activity_at<today-30' --all --summary
  python3 scripts/filter_contacts.py --any --where 'phone_number^+49' 'custom.plan=pro'
  python3 scripts/filter_contacts.py --payload filter.json   # [{"attribute_key", "filter_operator", "values", "query_operator"}...]
Prints {"meta": {"count" (total), "current_page"}, "payload": [contact...]}, or with --summary
the compact array. Like the contact list, it finds only contacts with an e-mail, phone or
identifier. --all walks every page.
"""

from chatwoot_cli import Command
from chatwoot_filters import add_filter_arguments, filter_payload, where_help
from chatwoot_listings import CONTACTS


def arguments(parser):
    add_filter_arguments(parser, "'email~@example.com' 'labels=vip'")


def run(args, api):
    return CONTACTS.query("/contacts/filter", template="filter", payload=filter_payload(args, "contacts"))


command = Command(__doc__ + where_help("contacts"), arguments, run, listing=CONTACTS, paged=True)

if __name__ == "__main__":
    command.exit()
