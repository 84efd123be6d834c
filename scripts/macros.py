#!/usr/bin/env python3
# /// script
# requires-python = ">=3.9"
# dependencies = ["requests>=2.28,<3", "jinja2>=3.0,<4"]
# ///
"""List the macros this token can run: the account's global ones and its own personal ones.

Example:
  python3 scripts/macros.py --summary
Prints {"payload": [macro...]} (each with its "actions"), or with --summary the compact array.
Run one with run_macro.py.
"""

from chatwoot_cli import Command
from chatwoot_listings import MACROS


def arguments(parser):
    pass


def run(args, api):
    return MACROS.query("/macros")


command = Command(__doc__, arguments, run, listing=MACROS)

if __name__ == "__main__":
    command.exit()
