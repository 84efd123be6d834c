#!/usr/bin/env python3
# /// script
# requires-python = ">=3.9"
# dependencies = ["requests>=2.28,<3", "jinja2>=3.0,<4"]
# ///
"""List contacts, 15 a page (Chatwoot lists only contacts with an e-mail, phone or identifier).

Example:
  python3 scripts/list_contacts.py --sort=-last_activity_at --summary
  python3 scripts/list_contacts.py --label vip --all --summary
Prints {"meta": {"count" (total), "current_page"}, "payload": [contact...]}, or with --summary
the compact array. Pages come in an order (--sort, default created_at): Chatwoot has none of its
own, and unsorted pages skip and repeat contacts. A sort value starting with - is written --sort=-name.
"""

from chatwoot_cli import Command
from chatwoot_listings import CONTACTS

SORT_KEYS = ("name", "email", "phone_number", "last_activity_at", "created_at", "company", "city", "country")


def arguments(parser):
    parser.add_argument(
        "--sort",
        choices=[prefix + key for key in SORT_KEYS for prefix in ("", "-")],
        metavar="KEY",
        help=f"order by {', '.join(SORT_KEYS)}; prefix - for descending",
    )
    parser.add_argument("--label", action="append", metavar="L", help="having this label (repeat for any of several)")


def run(args, api):
    return CONTACTS.query("/contacts", {"sort": args.sort, "labels[]": args.label})


command = Command(__doc__, arguments, run, listing=CONTACTS, paged=True)

if __name__ == "__main__":
    command.exit()
