#!/usr/bin/env python3
# /// script
# requires-python = ">=3.9"
# dependencies = ["requests>=2.28,<3", "jinja2>=3.0,<4"]
# ///
"""List the account's help-center portals (their slugs are what search_articles.py --portal takes).

Example:
  python3 scripts/list_portals.py --summary
Prints {"payload": [portal...], "meta": {...}}, or with --summary the compact array. The list's
own article counts are wrong in Chatwoot (always 0 or null); config.allowed_locales holds the real
per-locale counts.
"""

from chatwoot_cli import Command
from chatwoot_listings import PORTALS


def arguments(parser):
    pass


def run(args, api):
    return PORTALS.query("/portals")


command = Command(__doc__, arguments, run, listing=PORTALS)

if __name__ == "__main__":
    command.exit()
