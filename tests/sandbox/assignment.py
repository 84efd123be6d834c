"""Who a conversation is assigned to, as Chatwoot's models and services change it.

``Conversations::AssignmentService`` (an agent or an agent bot), the conversation's
``reset_agent_bot_when_assignee_present`` (before_validation) and ``AssignmentHandler``'s
``ensure_assignee_is_from_team`` (before_save, when the team changes).
"""

from __future__ import annotations

from typing import Any

from .access import Access


class Assignment(Access):
    """Assignee, agent bot and team changes, with the callbacks that follow them."""

    def _assign_agent(self, conv: dict, user: dict | None) -> None:
        """AssignmentService#assign_agent: the user (or nobody), and never an agent bot."""
        conv["assignee_id"] = user["id"] if user else None
        conv["assignee_agent_bot_id"] = None

    def _assign_agent_bot(self, conv: dict, bot: dict) -> None:
        """AssignmentService#assign_agent_bot: the bot, and no user."""
        conv["assignee_id"] = None
        conv["assignee_agent_bot_id"] = bot["id"]

    def _change_team(self, conv: dict, team_id: int | None) -> None:
        """Save a new team_id; when it changed, AssignmentHandler#ensure_assignee_is_from_team runs.

        An assignee outside the team is dropped; then, if the team auto-assigns and nobody is assigned,
        one of its members is picked. Both happen after before_validation, so an agent bot stays."""
        if conv["team_id"] == team_id:
            return
        conv["team_id"] = team_id
        team = self.teams.get(team_id) if team_id is not None else None
        if team is None:
            return
        if conv["assignee_id"] not in team["members"]:
            conv["assignee_id"] = None
        if conv["assignee_id"] is None:
            picked = self._team_auto_assignee(conv, team)
            conv["assignee_id"] = picked["id"] if picked else None

    def _team_auto_assignee(self, conv: dict, team: dict) -> dict[str, Any] | None:
        """find_assignee_from_team: if the team allows auto-assignment, an online member of both the team and
        the conversation's inbox (Chatwoot's round robin; here the one with the fewest open conversations,
        ties by id)."""
        if not team["allow_auto_assign"]:
            return None
        members = set(self.inboxes[conv["inbox_id"]]["members"]) & set(team["members"])
        online = [
            self.users[i] for i in sorted(members) if i in self.users and self.users[i]["availability"] == "online"
        ]
        if not online:
            return None

        def load(user: dict) -> tuple[int, int]:
            open_count = sum(
                1 for c in self.conversations.values() if c["assignee_id"] == user["id"] and c["status"] == "open"
            )
            return open_count, user["id"]

        return min(online, key=load)
