"""Who may see what (Chatwoot's policies), and the records a request names, looked up within its account."""

from __future__ import annotations

from typing import Any

from .helpers import _Ctx, _int_or_none, _not_found, _unauthorized


class Access:
    """Permissions (admins, inbox members, assignees, team members) and the 404/401 lookups."""

    # ------------------------------------------------------------------ permissions

    def _is_admin(self, user: dict) -> bool:
        return user["role"] == "administrator"

    def _visible_inbox_ids(self, user: dict, account_id: int) -> set[int]:
        return {
            i["id"]
            for i in self.inboxes.values()
            if i["account_id"] == account_id and (self._is_admin(user) or user["id"] in i["members"])
        }

    def _can_see(self, user: dict, conv: dict) -> bool:
        if self._is_admin(user) or conv["assignee_id"] == user["id"]:
            return True
        if user["id"] in self.inboxes[conv["inbox_id"]]["members"]:
            return True
        team = self.teams.get(conv["team_id"]) if conv["team_id"] else None
        return bool(team and user["id"] in team["members"])

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

    def _find_inbox(self, ctx: _Ctx, raw_id: Any) -> dict[str, Any]:
        inbox = self.inboxes.get(_int_or_none(raw_id))  # type: ignore[arg-type]
        if inbox is None or inbox["account_id"] != ctx.account_id:
            raise _not_found()
        return inbox

    def _account_user(self, ctx: _Ctx, raw_id: Any) -> dict[str, Any] | None:
        user = self.users.get(_int_or_none(raw_id))  # type: ignore[arg-type]
        return user if user is not None and ctx.account_id in user["account_ids"] else None

    def _account_team(self, ctx: _Ctx, raw_id: Any) -> dict[str, Any] | None:
        team = self.teams.get(_int_or_none(raw_id))  # type: ignore[arg-type]
        return team if team is not None and team["account_id"] == ctx.account_id else None
