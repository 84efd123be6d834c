"""Who may see what (Chatwoot's policies), and the records a request names, looked up within its account."""

from __future__ import annotations

from typing import Any

from .helpers import _Ctx, _int_or_none, _not_found, _unauthorized


class Access:
    """Permissions (admins, inbox members, team members, agent bots) and the 404/401 lookups."""

    # ------------------------------------------------------------------ permissions

    @staticmethod
    def _is_bot(user: dict) -> bool:
        """The token belongs to an agent bot (``agent_bots``), not a user."""
        return user.get("type") == "agent_bot"

    def _is_admin(self, user: dict) -> bool:
        return user.get("role") == "administrator"

    def _is_agent(self, user: dict) -> bool:
        """``Current.user.agent?``: a user whose account role is agent (administrators and bots are not)."""
        return user.get("role") == "agent"

    def _visible_inbox_ids(self, user: dict, account_id: int) -> set[int]:
        """``assigned_inboxes``: every inbox of the account for administrators (and bots, whom InboxPolicy
        lets through), else the inboxes the user is a member of."""
        everything = self._is_admin(user) or self._is_bot(user)
        return {
            i["id"]
            for i in self.inboxes.values()
            if i["account_id"] == account_id and (everything or user["id"] in i["members"])
        }

    def _can_see(self, user: dict, conv: dict) -> bool:
        """ConversationPolicy#show?: administrator, agent bot, inbox member or member of the conversation's team."""
        if self._is_admin(user) or self._is_bot(user):
            return True
        if user["id"] in self.inboxes[conv["inbox_id"]]["members"]:
            return True
        team = self.teams.get(conv["team_id"]) if conv["team_id"] else None
        return bool(team and user["id"] in team["members"])

    def _listable(self, user: dict, conv: dict) -> bool:
        """Conversations::PermissionFilterService (lists, counts, filter, a contact's conversations):
        administrators see all; agents only their inboxes' conversations (team membership does not count)."""
        return self._is_admin(user) or user["id"] in self.inboxes[conv["inbox_id"]]["members"]

    # ------------------------------------------------------------------ lookups

    def _find_contact(self, ctx: _Ctx, raw_id: Any) -> dict[str, Any]:
        contact = self.contacts.get(_int_or_none(raw_id))  # type: ignore[arg-type]
        if contact is None or contact["account_id"] != ctx.account_id:
            raise _not_found()
        return contact

    def _find_conversation(self, ctx: _Ctx, raw_id: Any) -> dict[str, Any]:
        conv = self.conversations.get(_int_or_none(raw_id))  # type: ignore[arg-type]
        if conv is None or conv["account_id"] != ctx.account_id:
            raise _not_found()
        if not self._can_see(ctx.user, conv):
            raise _unauthorized("You are not authorized to do this action")
        return conv

    def _find_inbox(self, ctx: _Ctx, raw_id: Any, *, authorize: bool = False) -> dict[str, Any]:
        """``Current.account.inboxes.find``; with ``authorize``, InboxPolicy#show? too (401 for a non-member agent)."""
        inbox = self.inboxes.get(_int_or_none(raw_id))  # type: ignore[arg-type]
        if inbox is None or inbox["account_id"] != ctx.account_id:
            raise _not_found()
        if authorize and inbox["id"] not in self._visible_inbox_ids(ctx.user, ctx.account_id):  # type: ignore[arg-type]
            raise _unauthorized("You are not authorized to do this action")
        return inbox

    def _account_user(self, ctx: _Ctx, raw_id: Any) -> dict[str, Any] | None:
        user = self.users.get(_int_or_none(raw_id))  # type: ignore[arg-type]
        return user if user is not None and ctx.account_id in user["account_ids"] else None

    def _account_team(self, ctx: _Ctx, raw_id: Any) -> dict[str, Any] | None:
        team = self.teams.get(_int_or_none(raw_id))  # type: ignore[arg-type]
        return team if team is not None and team["account_id"] == ctx.account_id else None

    def _accessible_bot(self, ctx: _Ctx, raw_id: Any) -> dict[str, Any] | None:
        """``AgentBot.accessible_to(account).find_by(id:)``: the account's bots and the global ones."""
        bot = self.agent_bots.get(_int_or_none(raw_id))  # type: ignore[arg-type]
        return bot if bot is not None and bot["account_id"] in (None, ctx.account_id) else None
