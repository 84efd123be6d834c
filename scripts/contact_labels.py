#!/usr/bin/env python3
# /// script
# requires-python = ">=3.9"
# dependencies = ["requests>=2.28,<3", "jinja2>=3.0,<4"]
# ///
"""Show, add or remove a contact's labels; the labels already there are kept.

Example:
  python3 scripts/contact_labels.py 17
  python3 scripts/contact_labels.py 17 --add vip --remove churn-risk
Prints {"payload": ["vip", ...]}: the labels after the change. Chatwoot replaces the whole list on
every write, so this reads the current labels, merges, and sends the whole new list; if nothing
would change, nothing is sent. (A conversation's labels: labels.py.)
"""

from chatwoot_cli import Command, positive_id
from chatwoot_labels import add_label_arguments, change_labels, changes_labels


def arguments(parser):
    parser.add_argument("contact_id", type=positive_id, metavar="CONTACT_ID", help="the contact's id")
    add_label_arguments(parser)


def run(args, api):
    return change_labels(
        api, f"/contacts/{args.contact_id}/labels", f"contact {args.contact_id}", args.add, args.remove
    )


command = Command(__doc__, arguments, run, writes=changes_labels)

if __name__ == "__main__":
    command.exit()
