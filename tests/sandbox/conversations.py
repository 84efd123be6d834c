"""The conversation endpoints: list, meta, filter, create, show, update, messages and the conversation actions."""

from __future__ import annotations

import bisect
import json
import operator
import re
from typing import Any

from .assignment import Assignment
from .filtering import Filtering
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
from .store import CONTENT_MAX, SourceIdTaken
from .views import Views

# conversations/filter pages by Kaminari's default (no .per); GET /conversations by sb.conversations_per_page
FILTER_PER_PAGE = 25
MESSAGES_BEFORE_LIMIT = 20
MESSAGES_AFTER_LIMIT = 100
MESSAGES_BETWEEN_LIMIT = 1000
DELETED_MESSAGE = "This message was deleted"  # config/locales/en.yml conversations.messages.deleted

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


class ConversationRoutes(Views, Assignment, Filtering):
    """Handlers for /api/v1/accounts/:account/conversations... (messages and actions included)."""

    def _listed_conversations(self, ctx: _Ctx) -> list[dict[str, Any]]:
        """The account's conversations through Conversations::PermissionFilterService."""
        return [
            c for c in self.conversations.values() if c["account_id"] == ctx.account_id and self._listable(ctx.user, c)
        ]

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
        if params.get("team_id") is not None:  # teams.find(params[:team_id]): 404 for an unknown (or "") id
            team = self._account_team(ctx, params["team_id"])
            if team is None:
                raise _not_found()
        rows = self._listed_conversations(ctx)
        if params.get("inbox_id") is not None:  # assigned_inboxes.where(id: inbox_id): inaccessible -> nothing
            inbox_id = _int_or_none(params["inbox_id"])
            visible = self._visible_inbox_ids(ctx.user, ctx.account_id)  # type: ignore[arg-type]
            rows = [c for c in rows if c["inbox_id"] == inbox_id and inbox_id in visible]
        q = params.get("q")
        if q is None:
            status = params.get("status")
            if status != "all":  # where(status: params[:status] || 'open'): an unknown status matches nothing
                status = "open" if status is None else status
                rows = [c for c in rows if c["status"] == status]
        if team is not None:
            rows = [c for c in rows if c["team_id"] == team["id"]]
        labels = _list_param(params.get("labels"))
        if labels:
            rows = [c for c in rows if set(c["labels"]) & set(labels)]
        if q is not None:
            rows = self._conversation_search(rows, str(q).strip())
        source_id = params.get("source_id")
        if source_id is not None:  # filter_by_source_id: the conversations of the contact inboxes with that id
            rows = [c for c in rows if self.contact_inboxes[c["contact_inbox_id"]]["source_id"] == str(source_id)]
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
        size = self.conversations_per_page  # ENV CONVERSATION_RESULTS_PER_PAGE
        page = _page(ctx.params.get("page"))
        chunk = rows[(page - 1) * size : page * size]
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

    def _create_contact_inbox(self, ctx: _Ctx) -> dict[str, Any]:
        """The create action's before_actions: inbox (404, then InboxPolicy 401), contact (404), and the
        contact inbox ContactInboxBuilder makes for both, else the legacy ``find_by!(source_id:)`` (any account)."""
        params = ctx.params
        inbox = None if _blank(params.get("inbox_id")) else self._find_inbox(ctx, params["inbox_id"], authorize=True)
        contact = None if _blank(params.get("contact_id")) else self._find_contact(ctx, params["contact_id"])
        ci = None
        if inbox is not None and contact is not None:
            try:
                ci = self._contact_inbox(contact, inbox, params.get("source_id"))
            except SourceIdTaken:
                raise _Fail(422, {"error": "source_id should be unique"}) from None
        if ci is None:
            source = params.get("source_id")
            ci = next(
                (c for c in self.contact_inboxes.values() if source is not None and c["source_id"] == str(source)),
                None,
            )
            if ci is None:
                raise _not_found()
        visible = self._visible_inbox_ids(ctx.user, ctx.account_id)  # type: ignore[arg-type]
        if ci["inbox_id"] not in visible and not self._is_bot(ctx.user):  # InboxPolicy#show?: bots always pass
            raise _unauthorized("You are not authorized to do this action")
        return ci

    def _caller(self, ctx: _Ctx) -> tuple[str, int]:
        """The sender of what the caller writes: the user, or the agent bot whose token it is."""
        return ("AgentBot" if self._is_bot(ctx.user) else "User"), ctx.user["id"]

    def _conversations_create(self, ctx: _Ctx) -> Any:
        params = ctx.params
        ci = self._create_contact_inbox(ctx)
        inbox = self.inboxes[ci["inbox_id"]]
        if inbox["lock_to_single_conversation"]:  # ConversationBuilder: the contact inbox's last conversation
            existing = [c for c in self.conversations.values() if c["contact_inbox_id"] == ci["id"]]
            if existing:
                return self._conversation_json(existing[-1], ctx.user)
        status = "open"
        if not _blank(params.get("status")):
            status = _enum(params["status"], CONVERSATION_STATUSES)
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
        if self.contacts[ci["contact_id"]]["blocked"]:
            status = "resolved"  # determine_conversation_status (before_create)
        now = self._now()
        conv = self._new_conversation(
            self._next_id("conversation"),
            ci,
            created_at=now,
            assignee_id=_int_or_none(params.get("assignee_id")),  # raw: the builder checks nothing
            team_id=None,
            labels=[],
            priority=None,
            custom_attributes=params["custom_attributes"] if isinstance(params.get("custom_attributes"), dict) else {},
            additional_attributes=(
                params["additional_attributes"] if isinstance(params.get("additional_attributes"), dict) else {}
            ),
            status=status,
            snoozed_until=snoozed_until,
        )
        self._change_team(conv, _int_or_none(params.get("team_id")))  # the raw team_id, with AssignmentHandler
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
                *self._caller(ctx),
                at=self._now(),
                additional_attributes=extra,
                liquid=True,
            )
            conv["status"] = status  # the builder's first message doesn't change the requested status
        return self._conversation_json(conv, ctx.user)

    def _conversations_filter(self, ctx: _Ctx) -> Any:
        rows = self._listed_conversations(ctx)
        predicate = self._compile_filter(ctx.params.get("payload"), "conversation", rows)
        rows = [c for c in rows if predicate(c)]
        me = ctx.user["id"]
        meta = {
            "mine_count": sum(1 for c in rows if c["assignee_id"] == me),
            "unassigned_count": sum(1 for c in rows if c["assignee_id"] is None),
            "all_count": len(rows),
        }
        rows = self._sort_conversations(rows, None)
        page = _page(ctx.params.get("page"))
        chunk = rows[(page - 1) * FILTER_PER_PAGE : page * FILTER_PER_PAGE]
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
            sender_type, sender_id = self._caller(ctx)
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
            liquid=True,
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

    def _messages_destroy(self, ctx: _Ctx, id: str, message_id: str) -> Any:
        """messages_controller.rb#destroy: a soft delete of any message of a conversation the caller may see."""
        conv = self._find_conversation(ctx, id)
        message = self.messages.get(_int_or_none(message_id))  # type: ignore[arg-type]
        if message is None or message["id"] not in conv["message_ids"]:
            raise _not_found()
        message["content"] = DELETED_MESSAGE
        message["content_type"] = "text"
        message["content_attributes"] = {"deleted": True}  # replaced, not merged
        message["attachments"] = []  # destroyed: their downloads answer 404 from now on
        self._save_message(message, self._now())
        return self._message_json(message)

    # ------------------------------------------------------------------ conversation actions

    def _assignments(self, ctx: _Ctx, id: str) -> Any:
        """assignments_controller.rb: an agent (or agent bot) if assignee_id is sent or the type is AgentBot,
        else the team if team_id is sent, else nothing; unknown ids clear (an unknown bot changes nothing)."""
        conv = self._find_conversation(ctx, id)
        params = ctx.params
        agent_bot = params.get("assignee_type") == "AgentBot"
        if "assignee_id" in params or agent_bot:
            if agent_bot:
                bot = self._accessible_bot(ctx, params.get("assignee_id"))
                if bot is None:
                    return None  # assign_agent_bot returns before saving
                self._assign_agent_bot(conv, bot)
                conv["updated_at"] = self._now()
                return self._agent_bot_slim(bot)
            user = self._account_user(ctx, params.get("assignee_id"))
            self._assign_agent(conv, user)
            conv["updated_at"] = self._now()
            return self._agent_json(user) if user else None
        if "team_id" in params:
            team = self._account_team(ctx, params.get("team_id"))
            self._change_team(conv, team["id"] if team else None)
            conv["updated_at"] = self._now()
            return self._team_raw(team) if team else None
        return None

    def _toggle_status(self, ctx: _Ctx, id: str) -> Any:
        """conversations_controller.rb#toggle_status, with the self-assignment of agent-role users."""
        conv = self._find_conversation(ctx, id)
        params = ctx.params
        success: bool | None = True
        if self._is_bot(ctx.user) and conv["status"] == "pending" and params.get("status") == "open":
            conv["status"] = "open"  # bot_handoff!: @status is never set
            success = None
        elif not _blank(params.get("status")):
            status = _enum(params["status"], CONVERSATION_STATUSES)
            snoozed_until = conv["snoozed_until"]
            raw = params.get("snoozed_until")
            if raw is not None and raw is not False:  # `if params[:snoozed_until]`: "" and 0 are truthy
                snoozed_until = self._parse_snooze(raw)
            self._change_status(conv, status, at=self._now(), snoozed_until=snoozed_until)
        else:
            self._change_status(conv, "resolved" if conv["status"] == "open" else "open", at=self._now())
        if conv["status"] == "open" and self._is_agent(ctx.user):
            self._assign_agent(conv, ctx.user)  # assign_conversation: replaces anyone, even when nothing changed
        conv["updated_at"] = self._now()
        return {
            "payload": {
                "success": success,
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
