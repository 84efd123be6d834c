#!/usr/bin/env python3
# /// script
# requires-python = ">=3.9"
# dependencies = ["requests>=2.28,<3", "jinja2>=3.0,<4"]
# ///
"""Delete a contact and its conversations for good (administrators only). Needs --yes.

Example:
  python3 scripts/delete_contact.py 17 --yes
Prints {"deleted": true, "contact_id": 17}.
"""

from chatwoot_cli import Command, positive_id
from chatwoot_client import UsageError


def arguments(parser):
    parser.add_argument("contact_id", type=positive_id, metavar="CONTACT_ID", help="the contact's id")
    parser.add_argument("--yes", action="store_true", help="confirm: this cannot be undone")


def run(args, api):
    if not args.yes and not args.dry_run:
        raise UsageError(f"deleting contact {args.contact_id} cannot be undone; add --yes to confirm")
    api.send("DELETE", f"/contacts/{args.contact_id}", empty_ok=True)
    return {"deleted": True, "contact_id": args.contact_id}


command = Command(__doc__, arguments, run, writes=True)

if __name__ == "__main__":
    command.exit()
