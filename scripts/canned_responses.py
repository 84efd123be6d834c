#!/usr/bin/env python3
# /// script
# requires-python = ">=3.9"
# dependencies = ["requests>=2.28,<3", "jinja2>=3.0,<4"]
# ///
"""List the account's canned responses (saved replies), optionally matching a search.

Example:
  python3 scripts/canned_responses.py --search refund
Prints a bare array of {"id", "short_code", "content", ...}, or with --summary the compact array.
Send one with send_message.py, adding --liquid when it holds variables such as {{contact.name}}.
"""

from chatwoot_cli import Command
from chatwoot_listings import CANNED_RESPONSES


def arguments(parser):
    parser.add_argument("--search", metavar="Q", help="only responses whose short code or text contains Q")


def run(args, api):
    return CANNED_RESPONSES.query("/canned_responses", {"search": args.search})


command = Command(__doc__, arguments, run, listing=CANNED_RESPONSES)

if __name__ == "__main__":
    command.exit()
