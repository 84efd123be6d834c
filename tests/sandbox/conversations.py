"""The conversation endpoints: list, meta, filter, create, show, update, messages and the conversation actions."""

from __future__ import annotations

import bisect
import json
import operator
import re
from typing import Any, Callable

from .filtering import _CONVERSATION_CUSTOM_DEFINED, _CONVERSATION_FILTER_KEYS, Filtering
from .helpers import (
    _EMPTY,
    ACTIVITY,
    INCOMING,
    OUTGOING,
    TEMPLATE,
    _blank,
    _clean_labels,
    _Ctx,
    _Fail,
    _int_or_none,
    _iso,
    _list_param,
    _not_found,
    _page,
    _parse_when,
    _server_error,
    _truthy,
    _unauthorized,
)
from .views import Views

CONVERSATIONS_PER_PAGE = 25
MESSAGES_BEFORE_LIMIT = 20
MESSAGES_AFTER_LIMIT = 100
MESSAGES_BETWEEN_LIMIT = 1000
CONTENT_MAX = 150_000

MESSAGE_TYPES = {"incoming": INCOMING, "outgoing": OUTGOING, "activity": ACTIVITY, "template": TEMPLATE}
CONVERSATION_STATUSES = ["open", "resolved", "pending", "snoozed"]  # Rails enum order (0..3)
PRIORITIES = ["low", "medium", "high", "urgent"]  # Rails enum order (0..3)


def _enum(value: Any, names: list[str]) -> str:
    """Rails enum assignment: a known name or its integer index, else ArgumentError (-> 500)."""
    if isinstance(value, str) and value in names:
        return value
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < len(names):
        return names[value]
    raise _server_error()


class ConversationRoutes(Views, Filtering):
    """Handlers for /api/v1/accounts/:account/conversations... (messages and actions included)."""

    def _visible_conversations(self, ctx: _Ctx) -> list[dict[str, Any]]:
        account_id = ctx.account_id
        if self._is_admin(ctx.user):
            return [c for c in self.conversations.values() if c["account_id"] == account_id]
        return [c for c in self.conversations.values() if c["account_id"] == account_id and self._can_see(ctx.user, c)]

    def _conversation_search(self, rows: list[dict], q: str) -> list[dict]:
        needle = q.lower()
        out = []
        for conv in rows:
            for message_id in conv["message_ids"]:
                message = self.messages[message_id]
                if message["message_type"] in (INCOMING, OUTGOING) and needle in (message["content"] or "").lower():
                    out.append(conv)
                    break
        return out

    def _finder(self, ctx: _Ctx) -> tuple[list[dict], dict[str, int]]:
        """ConversationFinder: the filtered rows (before assignee_type) and the four counts."""
        params = ctx.params
        team = None
        if not _blank(params.get("team_id")):
            team = self._account_team(ctx, params["team_id"])
            if team is None:
                raise _not_found()
        rows = self._visible_conversations(ctx)
        if not _blank(params.get("inbox_id")):
            inbox_id = _int_or_none(params["inbox_id"])
            if inbox_id not in self._visible_inbox_ids(ctx.user, ctx.account_id):  # type: ignore[arg-type]
                rows = []
            else:
                rows = [c for c in rows if c["inbox_id"] == inbox_id]
        if team is not None:
            rows = [c for c in rows if c["team_id"] == team["id"]]
        labels = _list_param(params.get("labels"))
        if labels:
            rows = [c for c in rows if set(c["labels"]) & set(labels)]
        q = params.get("q")
        if not _blank(q):
            rows = self._conversation_search(rows, str(q).strip())
        else:
            status = params.get("status")
            status = "open" if _blank(status) else str(status)
            if status != "all":
                rows = [c for c in rows if c["status"] == status]
        me = ctx.user["id"]
        mine = sum(1 for c in rows if c["assignee_id"] == me)
        unassigned = sum(1 for c in rows if c["assignee_id"] is None)
        counts = {
            "mine_count": mine,
            "assigned_count": len(rows) - unassigned,
            "unassigned_count": unassigned,
            "all_count": len(rows),
        }
        return rows, counts

    @staticmethod
    def _sort_conversations(rows: list[dict], sort_by: Any) -> list[dict]:
        sort_by = sort_by if isinstance(sort_by, str) else "last_activity_at_desc"
        rank = {p: i for i, p in enumerate(PRIORITIES)}
        far = float("inf")
        if sort_by == "last_activity_at_asc":
            return sorted(rows, key=operator.itemgetter("last_activity_at", "id"))
        if sort_by in ("created_at_asc", "sort_on_created_at"):
            return sorted(rows, key=lambda c: (c["created_at"], c["id"]))
        if sort_by == "created_at_desc":
            return sorted(rows, key=lambda c: (-c["created_at"], -c["id"]))
        if sort_by in ("priority_desc", "sort_on_priority"):
            return sorted(rows, key=lambda c: (-rank.get(c["priority"], -1), -c["last_activity_at"], -c["id"]))
        if sort_by == "priority_asc":
            return sorted(rows, key=lambda c: (rank.get(c["priority"], far), -c["last_activity_at"], -c["id"]))
        if sort_by in ("waiting_since_asc", "sort_on_waiting_since"):
            return sorted(rows, key=lambda c: (c["waiting_since"] if c["waiting_since"] is not None else far, c["id"]))
        if sort_by == "waiting_since_desc":
            return sorted(rows, key=lambda c: (c["waiting_since"] is None, -(c["waiting_since"] or 0), -c["id"]))
        return sorted(rows, key=operator.itemgetter("last_activity_at", "id"), reverse=True)

    def _conversations_index(self, ctx: _Ctx) -> Any:
        rows, counts = self._finder(ctx)
        assignee_type = ctx.params.get("assignee_type")
        me = ctx.user["id"]
        if assignee_type == "me":
            rows = [c for c in rows if c["assignee_id"] == me]
        elif assignee_type == "unassigned":
            rows = [c for c in rows if c["assignee_id"] is None]
        elif assignee_type == "assigned":
            rows = [c for c in rows if c["assignee_id"] is not None]
        rows = self._sort_conversations(rows, ctx.params.get("sort_by"))
        page = _page(ctx.params.get("page"))
        chunk = rows[(page - 1) * CONVERSATIONS_PER_PAGE : page * CONVERSATIONS_PER_PAGE]
        return {"data": {"meta": counts, "payload": [self._conversation_json(c, ctx.user) for c in chunk]}}

    def _conversations_meta(self, ctx: _Ctx) -> Any:
        return {"meta": self._finder(ctx)[1]}

    def _conversations_show(self, ctx: _Ctx, id: str) -> Any:
        return self._conversation_json(self._find_conversation(ctx, id), ctx.user)

    def _conversations_update(self, ctx: _Ctx, id: str) -> Any:
        conv = self._find_conversation(ctx, id)
        if "priority" in ctx.params:
            value = ctx.params["priority"]
            conv["priority"] = None if _blank(value) else _enum(value, PRIORITIES)
            conv["updated_at"] = self._now()
        return self._conversation_json(conv, ctx.user)

    def _parse_snooze(self, value: Any) -> float:
        """`DateTime.strptime(value.to_s, '%s')`: integer unix seconds, else an exception (500)."""
        if isinstance(value, bool):
            raise _server_error()
        if isinstance(value, int):
            return float(value)
        if isinstance(value, str) and re.fullmatch(r"\s*[+-]?\d+\s*", value):
            return float(int(value))
        raise _server_error()

    def _conversations_create(self, ctx: _Ctx) -> Any:
        params = ctx.params
        status = "open"
        if not _blank(params.get("status")):
            status = _enum(params["status"], CONVERSATION_STATUSES)
        if not _blank(params.get("contact_id")) and not _blank(params.get("inbox_id")):
            contact = self._find_contact(ctx, params["contact_id"])
            inbox = self._find_inbox(ctx, params["inbox_id"])
            ci = self._contact_inbox(contact, inbox, params.get("source_id"))
        else:
            source = params.get("source_id")
            ci = next(
                (
                    c
                    for c in self.contact_inboxes.values()
                    if not _blank(source)
                    and c["source_id"] == str(source)
                    and self.inboxes[c["inbox_id"]]["account_id"] == ctx.account_id
                ),
                None,
            )
            if ci is None:
                raise _not_found()
            contact, inbox = self.contacts[ci["contact_id"]], self.inboxes[ci["inbox_id"]]
        if inbox["id"] not in self._visible_inbox_ids(ctx.user, ctx.account_id):  # type: ignore[arg-type]
            raise _unauthorized("You are not authorized to do this action")
        message_params = params.get("message")
        if isinstance(message_params, dict) and message_params:
            content = message_params.get("content")
            if isinstance(content, str) and len(content) > CONTENT_MAX:
                raise _Fail(
                    422, {"message": "Content is too long (maximum is 150000 characters)", "attributes": ["content"]}
                )
        snoozed_until = None
        if not _blank(params.get("snoozed_until")):
            raw = params["snoozed_until"]
            snoozed_until = self._parse_snooze(raw) if _int_or_none(raw) is not None else _parse_when(raw)
        assignee = self._account_user(ctx, params.get("assignee_id"))
        team = self._account_team(ctx, params.get("team_id"))
        now = self._now()
        display_id = self._next_id("conversation")
        conv = self._new_conversation(
            display_id,
            contact["id"],
            inbox["id"],
            created_at=now,
            assignee_id=assignee["id"] if assignee else None,
            team_id=team["id"] if team else None,
            labels=[],
            priority=None,
            custom_attributes=params["custom_attributes"] if isinstance(params.get("custom_attributes"), dict) else {},
            additional_attributes=(
                params["additional_attributes"] if isinstance(params.get("additional_attributes"), dict) else {}
            ),
            contact_inbox=ci,
            status=status,
            snoozed_until=snoozed_until,
        )
        conv["updated_at"] = now
        if isinstance(message_params, dict) and message_params:
            content = message_params.get("content")
            extra = {}
            if isinstance(message_params.get("template_params"), dict):
                extra["template_params"] = message_params["template_params"]
            self._add_message(
                conv,
                None if content is None else str(content),
                OUTGOING,
                "User",
                ctx.user["id"],
                at=self._now(),
                additional_attributes=extra,
            )
            conv["status"] = status  # the builder's first message doesn't change the requested status
        return self._conversation_json(conv, ctx.user)

    def _conversations_filter(self, ctx: _Ctx) -> Any:
        custom_keys = set(_CONVERSATION_CUSTOM_DEFINED)
        for c in self.conversations.values():
            if c["account_id"] == ctx.account_id:
                custom_keys.update(c["custom_attributes"])

        def getter(key: str) -> Callable[[dict], Any]:
            if key == "display_id":
                return lambda c: c["id"]
            if key == "campaign_id":
                return lambda c: None
            if key in (
                "status",
                "priority",
                "assignee_id",
                "inbox_id",
                "team_id",
                "labels",
                "created_at",
                "last_activity_at",
            ):
                return lambda c: c[key]
            if key in ("browser_language", "conversation_language", "referer", "mail_subject"):
                return lambda c: c["additional_attributes"].get(key)
            return lambda c: c["custom_attributes"].get(key)

        predicate = self._compile_filter(
            ctx.params.get("payload"), _CONVERSATION_FILTER_KEYS, custom_keys, getter, first_value_only=False
        )
        rows = [c for c in self._visible_conversations(ctx) if predicate(c)]
        me = ctx.user["id"]
        meta = {
            "mine_count": sum(1 for c in rows if c["assignee_id"] == me),
            "unassigned_count": sum(1 for c in rows if c["assignee_id"] is None),
            "all_count": len(rows),
        }
        rows = self._sort_conversations(rows, None)
        page = _page(ctx.params.get("page"))
        chunk = rows[(page - 1) * CONVERSATIONS_PER_PAGE : page * CONVERSATIONS_PER_PAGE]
        return {"meta": meta, "payload": [self._conversation_json(c, ctx.user) for c in chunk]}

    # ------------------------------------------------------------------ messages

    def _messages_index(self, ctx: _Ctx, id: str) -> Any:
        conv = self._find_conversation(ctx, id)
        ids = conv["message_ids"]
        if str(ctx.params.get("filter_internal_messages", "")).lower() == "true":
            ids = [i for i in ids if not self.messages[i]["private"] and self.messages[i]["message_type"] != ACTIVITY]

        def cursor(name: str) -> int | None:
            raw = ctx.params.get(name)
            if _blank(raw):
                return None
            value = _int_or_none(raw)
            if value is None:
                raise _server_error()  # PostgreSQL can't compare an integer id with 'abc'
            return value

        before, after = cursor("before"), cursor("after")
        if before is not None and after is not None:
            selected = ids[bisect.bisect_left(ids, after) : bisect.bisect_left(ids, before)][:MESSAGES_BETWEEN_LIMIT]
        elif before is not None:
            end = bisect.bisect_left(ids, before)
            selected = ids[max(0, end - MESSAGES_BEFORE_LIMIT) : end]
        elif after is not None:
            begin = bisect.bisect_right(ids, after)
            selected = ids[begin : begin + MESSAGES_AFTER_LIMIT]
        else:
            selected = ids[-MESSAGES_BEFORE_LIMIT:]
        contact = self.contacts[conv["contact_id"]]
        meta: dict[str, Any] = {
            "labels": list(conv["labels"]),
            "additional_attributes": conv["additional_attributes"],
            "contact": self._contact_push(contact),
        }
        assignee = self.users.get(conv["assignee_id"]) if conv["assignee_id"] else None
        if assignee is not None:
            meta["assignee"] = self._user_push(assignee)
        meta["agent_last_seen_at"] = _iso(conv["agent_last_seen_at"])
        meta["assignee_last_seen_at"] = _iso(conv["assignee_last_seen_at"])
        return {"meta": meta, "payload": [self._message_json(self.messages[i]) for i in selected]}

    def _messages_create(self, ctx: _Ctx, id: str) -> Any:
        conv = self._find_conversation(ctx, id)
        params = ctx.params
        raw_type = params.get("message_type")
        type_name = "outgoing" if raw_type is None else str(raw_type)
        if type_name not in MESSAGE_TYPES:
            raise _Fail(422, {"error": f"'{type_name}' is not a valid message_type"})
        inbox = self.inboxes[conv["inbox_id"]]
        if type_name == "incoming" and inbox["channel_type"] != "Channel::Api":
            raise _Fail(422, {"error": "Incoming messages are only allowed in Api inboxes"})
        content = params.get("content")
        if content is not None and not isinstance(content, str):
            content = json.dumps(content) if isinstance(content, (dict, list)) else str(content)
        if content is not None and len(content) > CONTENT_MAX:
            raise _Fail(422, {"error": "Validation failed: Content is too long (maximum is 150000 characters)"})
        attributes = params.get("content_attributes")
        if isinstance(attributes, str):
            try:
                attributes = json.loads(attributes)
            except ValueError:
                attributes = {}
        if not isinstance(attributes, dict):
            attributes = {}
        message_type = MESSAGE_TYPES[type_name]
        if message_type == INCOMING:
            sender_type, sender_id = "Contact", conv["contact_id"]
        else:
            sender_type, sender_id = "User", ctx.user["id"]
        extra = {}
        if isinstance(params.get("template_params"), dict):
            extra["template_params"] = params["template_params"]
        content_type = params.get("content_type")
        message = self._add_message(
            conv,
            content,
            message_type,
            sender_type,
            sender_id,
            at=self._now(),
            private=_truthy(params.get("private", False)),
            content_type=str(content_type) if not _blank(content_type) else "text",
            content_attributes=attributes,
            source_id=params.get("source_id"),
            echo_id=params.get("echo_id"),
            additional_attributes=extra,
        )
        for storage in ctx.files.get("attachments", []):
            data = storage.read()
            mimetype = storage.mimetype or "application/octet-stream"
            if mimetype.startswith("image/"):
                file_type = "image"
            elif mimetype.startswith("audio/"):
                file_type = "audio"
            elif mimetype.startswith("video/"):
                file_type = "video"
            else:
                file_type = "file"
            filename = storage.filename or "file"
            extension = filename.rsplit(".", 1)[1] if "." in filename else None
            attachment = {
                "id": self._next_id("attachment"),
                "message_id": message["id"],
                "file_type": file_type,
                "account_id": conv["account_id"],
                "extension": extension,
                "file_size": len(data),
                "filename": filename,
                "content_type": mimetype,
                "data": data,
            }
            message["attachments"].append(attachment)
            self.uploads.append(attachment)
        return self._message_json(message)

    # ------------------------------------------------------------------ conversation actions

    def _assignments(self, ctx: _Ctx, id: str) -> Any:
        conv = self._find_conversation(ctx, id)
        params = ctx.params
        if "assignee_id" in params or params.get("assignee_type") == "AgentBot":
            user = (
                None
                if params.get("assignee_type") == "AgentBot"
                else self._account_user(ctx, params.get("assignee_id"))
            )
            conv["assignee_id"] = user["id"] if user else None
            conv["updated_at"] = self._now()
            return self._agent_json(user) if user else None
        if "team_id" in params:
            team = self._account_team(ctx, params.get("team_id"))
            conv["team_id"] = team["id"] if team else None
            conv["updated_at"] = self._now()
            return self._team_raw(team) if team else None
        return None

    def _toggle_status(self, ctx: _Ctx, id: str) -> Any:
        conv = self._find_conversation(ctx, id)
        params = ctx.params
        if not _blank(params.get("status")):
            status = _enum(params["status"], CONVERSATION_STATUSES)
            snoozed_until = conv["snoozed_until"]
            if "snoozed_until" in params and params["snoozed_until"] is not None:
                snoozed_until = self._parse_snooze(params["snoozed_until"])
            self._change_status(conv, status, at=self._now(), snoozed_until=snoozed_until)
        else:
            self._change_status(conv, "resolved" if conv["status"] == "open" else "open", at=self._now())
        if conv["status"] == "open" and ctx.user["role"] == "agent":
            conv["assignee_id"] = ctx.user["id"]
        conv["updated_at"] = self._now()
        return {
            "payload": {
                "success": True,
                "conversation_id": conv["id"],
                "current_status": conv["status"],
                "snoozed_until": _iso(conv["snoozed_until"]),
            }
        }

    def _toggle_priority(self, ctx: _Ctx, id: str) -> Any:
        conv = self._find_conversation(ctx, id)
        value = ctx.params.get("priority")
        conv["priority"] = None if _blank(value) else _enum(value, PRIORITIES)
        conv["updated_at"] = self._now()
        return _EMPTY

    def _conversation_labels(self, ctx: _Ctx, id: str) -> Any:
        return {"payload": list(self._find_conversation(ctx, id)["labels"])}

    def _conversation_labels_update(self, ctx: _Ctx, id: str) -> Any:
        conv = self._find_conversation(ctx, id)
        conv["labels"] = _clean_labels(ctx.params.get("labels"))
        conv["updated_at"] = self._now()
        return {"payload": list(conv["labels"])}

    def _conversation_custom_attributes(self, ctx: _Ctx, id: str) -> Any:
        conv = self._find_conversation(ctx, id)
        value = ctx.params.get("custom_attributes")
        conv["custom_attributes"] = dict(value) if isinstance(value, dict) else {}
        conv["updated_at"] = self._now()
        return {"custom_attributes": conv["custom_attributes"]}
