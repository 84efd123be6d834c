#!/usr/bin/env python3
# /// script
# requires-python = ">=3.9"
# dependencies = ["requests>=2.28,<3", "jinja2>=3.0,<4"]
# ///
"""Assign a conversation to an agent or a team, or take its agent or team away.

Example:
  python3 scripts/assign_conversation.py 42 --agent "Ana Silva"
  python3 scripts/assign_conversation.py 42 --team billing
  python3 scripts/assign_conversation.py 101,102,103 --agent ana@acme.example
  python3 scripts/assign_conversation.py 42 --unassign
Prints the assigned agent, the team, or null after --unassign / --unassign-team. The agent or team
is checked against the account before anything is sent (Chatwoot itself would clear the assignment
for an id it does not know). One call sets one of them; to set both, set the team first, then the
agent: assigning a team drops an agent who is not in it.
"""

from chatwoot_cli import Command, add_conversation_ids
from chatwoot_names import AGENT, TEAM, add_named, named_id


def arguments(parser):
    add_conversation_ids(parser)
    target = parser.add_mutually_exclusive_group(required=True)
    add_named(parser, AGENT, "--agent", "--agent-id", group=target, help="the agent to assign")
    add_named(parser, TEAM, "--team", "--team-id", group=target, help="the team to assign")
    target.add_argument("--unassign", action="store_true", help="remove the assigned agent")
    target.add_argument("--unassign-team", action="store_true", help="remove the assigned team")


def run(args, api):
    if args.unassign or args.agent is not None:
        field, value = "assignee_id", named_id(api, AGENT, args.agent)
    else:
        field, value = "team_id", named_id(api, TEAM, args.team)
    path = f"/conversations/{args.conversation_id}/assignments"
    return api.send("POST", path, "assign_conversation", field=field, value=value, assignee_type=None)


command = Command(__doc__, arguments, run, writes=True)

if __name__ == "__main__":
    command.exit()
