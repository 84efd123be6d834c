#!/usr/bin/env python3
# /// script
# requires-python = ">=3.9"
# dependencies = ["requests>=2.28,<3", "jinja2>=3.0,<4"]
# ///
"""List the account's inboxes (channels: website, API, e-mail, WhatsApp...).

Example:
  python3 scripts/list_inboxes.py --summary
Prints {"payload": [inbox...]}, or with --summary the compact array.
"""

from chatwoot_cli import Command
from chatwoot_listings import INBOXES


def arguments(parser):
    pass


def run(args, api):
    return INBOXES.query("/inboxes")


command = Command(__doc__, arguments, run, listing=INBOXES)

if __name__ == "__main__":
    command.exit()
