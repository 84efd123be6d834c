"""Macros: the list, show, and execute, whose work a background job does later (MacrosExecutionJob)."""

from __future__ import annotations

from typing import Any

from .conversations import CONVERSATION_STATUSES, PRIORITIES, _enum
from .helpers import _EMPTY, OUTGOING, _clean_labels, _Ctx, _Fail, _int_or_none, _ruby_int, _ruby_to_s, _unauthorized
from .views import Views

# id, name, visibility, created_by_id (None: the author was deleted), updated_by_id, actions (as posted)
_SEED_MACROS: list[tuple[Any, ...]] = [
    (1, "Close as refunded", "global", 1, 1, [
        {"action_name": "add_label", "action_params": ["refund"]},
        {"action_name": "add_private_note", "action_params": ["Refund issued via macro"]},
        {"action_name": "resolve_conversation"},
    ]),
    (2, "Escalate to tier 2", "global", 1, 1, [
        {"action_name": "assign_team", "action_params": [2]},
        {"action_name": "change_priority", "action_params": ["high"]},
    ]),
    (3, "Follow up tomorrow", "personal", 2, 2, [
        {"action_name": "send_message", "action_params": ["Thanks for your patience! I'll follow up tomorrow."]},
        {"action_name": "assign_agent", "action_params": ["self"]},
        {"action_name": "snooze_conversation"},
    ]),
    (4, "Hand over to billing", "personal", 3, 3, [
        {"action_name": "assign_team", "action_params": [1]},
        {"action_name": "add_label", "action_params": ["billing"]},
        {"action_name": "remove_label", "action_params": ["bug"]},
    ]),
    (5, "Notify CRM and send transcript", "global", None, 1, [
        {"action_name": "send_webhook_event", "action_params": ["https://crm.acme.example/hooks/macro"]},
        {"action_name": "send_email_transcript", "action_params": ["support-leads@acme.example, crm@acme.example"]},
    ]),
]  # fmt: skip


def _first(params: Any) -> Any:
    """Ruby's ``params[0]``: an array's first element (nil when empty), a string's first character."""
    if isinstance(params, list):
        return params[0] if params else None
    if isinstance(params, str):
        return params[:1] or None
    raise TypeError(f"undefined method '[]' for {params!r}")


def _same_number(a: Any, b: Any) -> bool:
    """Ruby's ``==`` between an id from the JSON and an integer id: numbers compare by value, strings never."""
    return isinstance(a, (int, float)) and not isinstance(a, bool) and a == b


class MacroRoutes(Views):
    """Handlers for /api/v1/accounts/:account/macros..., and the job that executes a macro."""

    def _seed_macros(self) -> None:
        self.macros: dict[int, dict[str, Any]] = {}
        for macro_id, name, visibility, created_by, updated_by, actions in _SEED_MACROS:
            self.macros[macro_id] = {
                "id": macro_id,
                "account_id": 1,
                "name": name,
                "visibility": visibility,
                "created_by_id": created_by,
                "updated_by_id": updated_by,
                "actions": [dict(action) for action in actions],
            }
        self._ids["macro"] = max(self.macros)
        self.webhook_events: list[dict[str, Any]] = []
        self.email_transcripts: list[dict[str, Any]] = []
        self.tracked_errors: list[dict[str, Any]] = []

    def _macro_json(self, macro: dict) -> dict[str, Any]:
        """``_macro.json.jbuilder``: created_by/updated_by are left out when the user is gone."""
        out: dict[str, Any] = {"id": macro["id"], "name": macro["name"], "visibility": macro["visibility"]}
        for key in ("created_by", "updated_by"):
            user = self.users.get(macro[f"{key}_id"]) if macro[f"{key}_id"] is not None else None
            if user is not None:
                out[key] = self._agent_json(user)
        out["account_id"] = macro["account_id"]
        out["actions"] = macro["actions"]
        return out

    def _account_macro(self, ctx: _Ctx, raw_id: Any) -> dict[str, Any] | None:
        """``Current.account.macros.find_by(id:)``: None when missing (no 404 of its own)."""
        macro = self.macros.get(_int_or_none(raw_id))  # type: ignore[arg-type]
        return macro if macro is not None and macro["account_id"] == ctx.account_id else None

    def _authorize_macro(self, ctx: _Ctx, macro: dict | None) -> None:
        """MacroPolicy#show?/execute?: global, or the caller wrote it; skipped when the macro is missing."""
        if macro is not None and macro["visibility"] != "global" and macro["created_by_id"] != ctx.user["id"]:
            raise _unauthorized("You are not authorized to do this action")

    def _macros_index(self, ctx: _Ctx) -> Any:
        visible = [
            m
            for m in self.macros.values()
            if m["account_id"] == ctx.account_id
            and (
                m["visibility"] == "global" or (m["visibility"] == "personal" and m["created_by_id"] == ctx.user["id"])
            )
        ]
        return {"payload": [self._macro_json(m) for m in sorted(visible, key=lambda m: m["id"])]}

    def _macros_show(self, ctx: _Ctx, id: str) -> Any:
        macro = self._account_macro(ctx, id)
        if macro is None:
            raise _Fail(404, _EMPTY)  # head :not_found
        self._authorize_macro(ctx, macro)
        return {"payload": self._macro_json(macro)}

    def _macros_execute(self, ctx: _Ctx, id: str) -> Any:
        macro = self._account_macro(ctx, id)
        self._authorize_macro(ctx, macro)
        self._enqueue(
            "MacrosExecutionJob",
            self._perform_macro,
            macro_id=macro["id"] if macro else None,
            conversation_ids=ctx.params.get("conversation_ids"),
            user_id=ctx.user["id"],
        )
        return _EMPTY

    # ------------------------------------------------------------------ the job

    def _perform_macro(self, macro_id: int | None, conversation_ids: Any, user_id: int) -> None:
        """MacrosExecutionJob#perform: each conversation of the macro's account whose display id is listed
        (unknown ones skipped), each action in order; a failing action is only reported (execution_service.rb)."""
        macro = self.macros.get(macro_id) if macro_id is not None else None
        if macro is None:
            raise AttributeError("undefined method 'account' for nil")
        if conversation_ids is None:
            wanted: list[Any] = []
        elif isinstance(conversation_ids, list):
            wanted = conversation_ids
        elif isinstance(conversation_ids, dict):  # Hash#to_a: pairs, which match no display id
            wanted = []
        else:
            raise AttributeError(f"undefined method 'to_a' for {conversation_ids!r}")
        ids = {_ruby_int(x) for x in wanted if not isinstance(x, (list, dict))} - {None}
        user = self.users[user_id]
        for conv in sorted(
            (c for c in self.conversations.values() if c["account_id"] == macro["account_id"] and c["id"] in ids),
            key=lambda c: c["id"],
        ):
            for action in macro["actions"]:
                try:
                    self._macro_action(conv, user, action.get("action_name"), action.get("action_params"))
                except Exception as error:  # ChatwootExceptionTracker#capture_exception, then the next action
                    self.tracked_errors.append(
                        {"macro_id": macro["id"], "conversation_id": conv["id"], "action": action, "error": repr(error)}
                    )

    def _macro_action(self, conv: dict, user: dict, name: Any, params: Any) -> None:
        """Macros::ExecutionService / ActionService, one action."""
        now = self._now()
        inbox = self.inboxes[conv["inbox_id"]]
        tweet = conv["additional_attributes"].get("type") == "tweet"
        if name in ("send_message", "add_private_note"):
            if tweet:
                return
            content = _first(params)
            self._add_message(
                conv,
                None if content is None else _ruby_to_s(content),
                OUTGOING,
                "User",
                user["id"],
                at=now,
                private=name == "add_private_note",
            )
        elif name == "send_attachment":
            return  # only when the macro has files, and the seeded ones have none
        elif name == "add_label":
            labels = [params] if isinstance(params, str) else params
            if not isinstance(labels, list):
                raise AttributeError("undefined method 'empty?' for nil")
            if labels:
                if any(isinstance(x, (list, dict)) for x in labels):
                    raise TypeError("labels must be scalars")
                conv["labels"] = _clean_labels([*conv["labels"], *labels])
                conv["updated_at"] = now
        elif name == "remove_label":
            if not isinstance(params, list):
                raise TypeError("no implicit conversion into Array")
            if params:
                conv["labels"] = [label for label in conv["labels"] if label not in params]
                conv["updated_at"] = now
        elif name == "assign_agent":
            if not isinstance(params, list):
                raise AttributeError("undefined method 'map'")
            agent_id = user["id"] if _first(params) == "self" else _first(params)
            if agent_id == "nil":
                conv["assignee_id"] = None
                conv["updated_at"] = now
                return
            admins = [
                u["id"] for u in self.users.values() if conv["account_id"] in u["account_ids"] and self._is_admin(u)
            ]
            if any(_same_number(agent_id, member) for member in [*inbox["members"], *admins]):
                conv["assignee_id"] = int(agent_id)
                conv["updated_at"] = now
        elif name == "assign_team":
            team_id = None if params in (None, [], "") else _first(params)
            if team_id is None or _ruby_to_s(team_id) in ("nil", "0"):
                conv["team_id"] = None
                conv["updated_at"] = now
                return
            teams = [t["id"] for t in self.teams.values() if t["account_id"] == conv["account_id"]]
            if any(_same_number(team_id, team) for team in teams):
                conv["team_id"] = int(team_id)
                conv["updated_at"] = now
        elif name == "remove_assigned_team":
            conv["team_id"] = None
            conv["updated_at"] = now
        elif name == "change_status":
            self._change_status(conv, _enum(_first(params), CONVERSATION_STATUSES), at=now)
        elif name == "resolve_conversation":
            self._change_status(conv, "resolved", at=now)
        elif name == "snooze_conversation":  # snoozed!: snoozed_until stays what it was
            self._change_status(conv, "snoozed", at=now, snoozed_until=conv["snoozed_until"])
        elif name == "mute_conversation":  # mute!: resolved, and the contact blocked (muted? is contact.blocked?)
            self._change_status(conv, "resolved", at=now)
            self.contacts[conv["contact_id"]]["blocked"] = True
            for other in self.conversations.values():
                if other["contact_id"] == conv["contact_id"]:
                    other["muted"] = True
        elif name == "change_priority":
            priority = _first(params)
            conv["priority"] = None if priority in (None, "nil") else _enum(priority, PRIORITIES)
            conv["updated_at"] = now
        elif name == "send_email_transcript":  # email transcripts are on for every community account
            emails = _first(params)
            if not isinstance(emails, str):
                raise AttributeError("undefined method 'gsub'")
            for email in "".join(emails.split()).split(","):
                if email:
                    self.email_transcripts.append({"conversation_id": conv["id"], "email": email, "at": int(now)})
        elif name == "send_webhook_event":  # WebhookJob with conversation.webhook_data + event
            self.webhook_events.append(
                {"url": _first(params), "event": "macro.executed", "conversation_id": conv["id"], "at": int(now)}
            )
        else:
            raise AttributeError(f"undefined method '{name}'")
