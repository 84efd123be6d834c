"""The catalog endpoints: the profile, and the account's agents, inboxes, teams, canned responses and labels."""

from __future__ import annotations

from typing import Any

from .helpers import BASE_TIME, _blank, _Ctx, _iso
from .views import Views


class CatalogRoutes(Views):
    """Handlers for /api/v1/profile and the account's read-only lists."""

    def _profile(self, ctx: _Ctx) -> Any:
        user = ctx.user
        accounts = []
        for index, account_id in enumerate(user["account_ids"]):
            role = user["account_roles"][account_id]
            accounts.append(
                {
                    "id": account_id,
                    "name": self.accounts[account_id]["name"],
                    "status": self.accounts[account_id]["status"],
                    "active_at": _iso(BASE_TIME - 3600 - index * 90 * 86400),  # the first is the active one
                    "role": role,
                    "permissions": [role],
                    "availability": user["availability"],
                    "availability_status": user["availability_status"],
                    "auto_offline": user["auto_offline"],
                }
            )
        return {
            "access_token": user["access_token"],
            "account_id": user["account_ids"][0] if user["account_ids"] else None,
            "available_name": self._available_name(user),
            "avatar_url": "",
            "confirmed": True,
            "display_name": user["display_name"],
            "message_signature": None,
            "email": user["email"],
            "id": user["id"],
            "inviter_id": None,
            "name": user["name"],
            "provider": "email",
            "pubsub_token": user["pubsub_token"],
            "role": user["role"],
            "ui_settings": {},
            "uid": user["email"],
            "type": "user",
            "accounts": accounts,
        }

    # ------------------------------------------------------------------ agents, inboxes, teams, ...

    def _agents_index(self, ctx: _Ctx) -> Any:
        users = [u for u in self.users.values() if ctx.account_id in u["account_ids"]]
        users.sort(key=lambda u: (u["name"].lower(), u["id"]))
        return [self._agent_json(u) for u in users]

    def _inboxes_index(self, ctx: _Ctx) -> Any:
        visible = self._visible_inbox_ids(ctx.user, ctx.account_id)  # type: ignore[arg-type]
        inboxes = sorted((self.inboxes[i] for i in visible), key=lambda i: (i["name"].lower(), i["id"]))
        return {"payload": [self._inbox_json(i, ctx.user) for i in inboxes]}

    def _inboxes_show(self, ctx: _Ctx, id: str) -> Any:
        """inboxes_controller.rb#show: the inbox partial; InboxPolicy#show? lets agents see their own only."""
        return self._inbox_json(self._find_inbox(ctx, id, authorize=True), ctx.user)

    def _teams_index(self, ctx: _Ctx) -> Any:
        teams = sorted((t for t in self.teams.values() if t["account_id"] == ctx.account_id), key=lambda t: t["id"])
        return [self._team_json(t, ctx.user) for t in teams]

    def _canned_responses_index(self, ctx: _Ctx) -> Any:
        rows = sorted(
            (c for c in self.canned_responses.values() if c["account_id"] == ctx.account_id), key=lambda c: c["id"]
        )
        search = ctx.params.get("search")
        if not _blank(search):
            needle = str(search).strip().lower()
            by_code = [c for c in rows if needle in c["short_code"].lower()]
            by_content = [c for c in rows if needle in c["content"].lower() and c not in by_code]
            rows = by_code + by_content
        return [
            {
                **{k: c[k] for k in ("id", "account_id", "short_code", "content")},
                "created_at": _iso(c["created_at"]),
                "updated_at": _iso(c["updated_at"]),
            }
            for c in rows
        ]

    def _labels_index(self, ctx: _Ctx) -> Any:
        return {"payload": [dict(label) for label in sorted(self.labels.values(), key=lambda x: x["title"])]}
