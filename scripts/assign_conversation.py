#!/usr/bin/env python3
# /// script
# requires-python = ">=3.9"
# dependencies = ["requests>=2.28,<3", "jinja2>=3.0,<4"]
# ///
"""Assign a conversation to an agent or a team, or remove its agent.

Example:
  python3 scripts/assign_conversation.py 42 --agent-id 3
  python3 scripts/assign_conversation.py 42 --team-id 1
  python3 scripts/assign_conversation.py 42 --unassign
Prints the assigned agent, the team, or null after --unassign. One call sets one of them:
to set both agent and team, run it twice.
"""

from chatwoot_cli import Command, add_conversation_ids, positive_id


def arguments(parser):
    add_conversation_ids(parser)
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--agent-id", type=positive_id, metavar="N", help="agent to assign (list_agents.py)")
    target.add_argument("--team-id", type=positive_id, metavar="N", help="team to assign (list_teams.py)")
    target.add_argument("--unassign", action="store_true", help="remove the assigned agent")


def run(args, api):
    return api.send(
        "POST",
        f"/conversations/{args.conversation_id}/assignments",
        "assign_conversation",
        assignee_id=args.agent_id,
        team_id=args.team_id,
    )


command = Command(__doc__, arguments, run, writes=True)

if __name__ == "__main__":
    command.exit()
