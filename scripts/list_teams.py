#!/usr/bin/env python3
# /// script
# requires-python = ">=3.9"
# dependencies = ["requests>=2.28,<3", "jinja2>=3.0,<4"]
# ///
"""List the account's teams (for assign_conversation.py --team-id).

Example:
  python3 scripts/list_teams.py --summary
Prints Chatwoot's bare array of teams, or with --summary the compact array.
"""

from chatwoot_cli import Command
from chatwoot_listings import TEAMS


def arguments(parser):
    pass


def run(args, api):
    return TEAMS.query("/teams")


command = Command(__doc__, arguments, run, listing=TEAMS)

if __name__ == "__main__":
    command.exit()
