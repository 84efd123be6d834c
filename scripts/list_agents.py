#!/usr/bin/env python3
# /// script
# requires-python = ">=3.9"
# dependencies = ["requests>=2.28,<3", "jinja2>=3.0,<4"]
# ///
"""List the account's agents (id, name, e-mail, role, availability).

Example:
  python3 scripts/list_agents.py --summary
Prints Chatwoot's bare array of agents, or with --summary the compact array.
"""

from chatwoot_cli import Command
from chatwoot_listings import AGENTS


def arguments(parser):
    pass


def run(args, api):
    return AGENTS.query("/agents")


command = Command(__doc__, arguments, run, listing=AGENTS)

if __name__ == "__main__":
    command.exit()
