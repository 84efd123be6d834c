"""The records' writes as Chatwoot's models make them: ids, the clock, contact inboxes, conversations, messages,
status changes and the reporting events their listeners record."""

from __future__ import annotations

import random
import uuid
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from .helpers import (
    ACTIVITY,
    CLOSE_HOUR,
    CONVERSATION_DB_ID_OFFSET,
    INCOMING,
    OPEN_HOUR,
    OUTGOING,
    TEMPLATE,
    _blank,
    _Fail,
    _server_error,
    _truncate,
)
from .liquid import (
    contact_drop,
    conversation_drop,
    named_drop,
    render_liquid,
    render_message,
    user_drop,
)

CONTENT_MAX = 150_000


class SourceIdTaken(Exception):
    """ContactInboxBuilder's RecordNotUnique: another contact has that source id in that inbox."""


class Store:
    """Creates records and runs the model callbacks (ids, timestamps, reopen on incoming, first reply,
    Liquid, processed_message_content).

    Like every mixin of ``Sandbox``, it works on the state the seed builds (``self.contacts``, ...).
    """

    # ------------------------------------------------------------------ clock and ids

    def _now(self) -> float:
        """The sandbox's clock (``self.clock``, real time by default), never earlier than the seeded data."""
        return max(self.clock(), self._time_floor)

    def _next_id(self, kind: str) -> int:
        self._ids[kind] = self._ids.get(kind, 0) + 1
        return self._ids[kind]

    def _uuid(self) -> str:
        return self._rng_uuid() if self._seeding else str(uuid.uuid4())

    # ------------------------------------------------------------------ contact inboxes

    def _generated_source_id(self, contact: dict, inbox: dict) -> str:
        """ContactInboxBuilder#generate_source_id: by channel type, or RuntimeError (a 500) for the others."""
        channel_type = inbox["channel_type"]
        if channel_type in ("Channel::Api", "Channel::WebWidget"):
            return self._uuid()
        if channel_type == "Channel::Email":
            if not contact.get("email"):
                raise _Fail(422, {"error": "param is missing or the value is empty: contact email"})
            return contact["email"]
        if channel_type in ("Channel::Sms", "Channel::Whatsapp", "Channel::TwilioSms"):
            phone = contact.get("phone_number")
            if not phone:
                raise _Fail(422, {"error": "param is missing or the value is empty: contact phone number"})
            if channel_type == "Channel::Whatsapp":
                return phone.replace("+", "")
            if channel_type == "Channel::TwilioSms" and inbox["channel"].get("medium") == "whatsapp":
                return f"whatsapp:{phone}"
            return phone
        raise _server_error()  # RuntimeError "Unsupported operation for this channel: Channel::Telegram"

    def _contact_inbox(self, contact: dict, inbox: dict, source_id: Any = None) -> dict[str, Any]:
        """ContactInboxBuilder#perform: the given source id or a generated one, then ``first_or_create!``.

        A source id another contact holds in that inbox: e-mail, SMS, Twilio and WhatsApp inboxes move
        the old row to a new source id and retry; other inboxes raise ``SourceIdTaken``."""
        source = self._generated_source_id(contact, inbox) if _blank(source_id) else str(source_id)
        for ci_id in self._ci_by_contact.get(contact["id"], []):
            ci = self.contact_inboxes[ci_id]
            if ci["inbox_id"] == inbox["id"] and ci["source_id"] == source:
                return ci
        taken = next(
            (ci for ci in self.contact_inboxes.values() if ci["inbox_id"] == inbox["id"] and ci["source_id"] == source),
            None,
        )
        if taken is not None:
            channel_type = inbox["channel_type"]
            if channel_type == "Channel::Email":
                taken["source_id"] = f"{random.randrange(10)}{source}"
            elif channel_type in ("Channel::Sms", "Channel::Whatsapp", "Channel::TwilioSms"):
                taken["source_id"] = f"whatsapp:{source}{random.randrange(100)}"
            else:
                raise SourceIdTaken(source)
        ci_id = self._next_id("contact_inbox")
        ci = {"id": ci_id, "contact_id": contact["id"], "inbox_id": inbox["id"], "source_id": source}
        self.contact_inboxes[ci_id] = ci
        self._ci_by_contact.setdefault(contact["id"], []).append(ci_id)
        return ci

    def _pair_contact_inbox(self, contact_id: int, inbox_id: int) -> dict[str, Any]:
        """The contact's first contact inbox in that inbox (a returning visitor), else a new one as the
        builder makes it (with a generated source id where the channel cannot make one)."""
        for ci_id in self._ci_by_contact.get(contact_id, []):
            if self.contact_inboxes[ci_id]["inbox_id"] == inbox_id:
                return self.contact_inboxes[ci_id]
        contact, inbox = self.contacts[contact_id], self.inboxes[inbox_id]
        try:
            return self._contact_inbox(contact, inbox)
        except _Fail:
            return self._contact_inbox(contact, inbox, self._uuid())

    # ------------------------------------------------------------------ conversations

    def _new_conversation(
        self,
        display_id: int,
        contact_inbox: dict,
        *,
        created_at: float,
        assignee_id: int | None,
        team_id: int | None,
        labels: list[str],
        priority: str | None,
        custom_attributes: dict,
        additional_attributes: dict,
        status: str = "open",
        snoozed_until: float | None = None,
    ) -> dict[str, Any]:
        contact = self.contacts[contact_inbox["contact_id"]]
        conv = {
            "id": display_id,
            "account_id": contact["account_id"],
            "inbox_id": contact_inbox["inbox_id"],
            "contact_id": contact["id"],
            "contact_inbox_id": contact_inbox["id"],
            "uuid": self._uuid(),
            "status": status,
            "assignee_id": assignee_id,
            "assignee_agent_bot_id": None,
            "team_id": team_id,
            "priority": priority,
            "snoozed_until": snoozed_until if status == "snoozed" else None,
            "labels": list(labels),
            "custom_attributes": dict(custom_attributes),
            "additional_attributes": dict(additional_attributes),
            "created_at": int(created_at),
            "updated_at": float(created_at),
            "last_activity_at": int(created_at),
            "agent_last_seen_at": None,
            "assignee_last_seen_at": None,
            "contact_last_seen_at": None,
            "first_reply_created_at": None,
            "waiting_since": int(created_at),
            "muted": False,
            "message_ids": [],
        }
        self.conversations[display_id] = conv
        self._ids["conversation"] = max(self._ids["conversation"], display_id)
        return conv

    # ------------------------------------------------------------------ messages

    def _attachment_url(self, attachment: dict) -> str:
        """An attachment's download URL (ActiveStorage's redirect route, served by the sandbox)."""
        base = self.url if self._server is not None else ""
        return f"{base}/rails/active_storage/blobs/redirect/{attachment['id']}/{attachment['filename']}"

    def _sender(self, sender_type: str | None, sender_id: int | None) -> dict[str, Any] | None:
        if sender_type == "User":
            return self.users.get(sender_id)  # type: ignore[arg-type]
        if sender_type == "AgentBot":
            return self.agent_bots.get(sender_id)  # type: ignore[arg-type]
        if sender_type == "Contact":
            return self.contacts.get(sender_id)  # type: ignore[arg-type]
        return None

    def _liquid_drops(self, conv: dict, sender_type: str | None, sender_id: int | None) -> dict[str, Any]:
        """liquidable.rb ``message_drops``: contact, agent (the sender), conversation, inbox, account."""
        contact = self.contacts[conv["contact_id"]]
        recent = []
        chat = [
            self.messages[i]
            for i in conv["message_ids"]
            if self.messages[i]["message_type"] != ACTIVITY and not self.messages[i]["private"]
        ]
        for message in chat[-5:]:  # conversation.rb recent_messages: messages.chat.last(5)
            sender = self._sender(message["sender_type"], message["sender_id"])
            if sender is None:
                name = "Bot"
            elif message["sender_type"] == "Contact":
                name = "Customer" if contact.get("name") is None else contact["name"].capitalize()
            else:
                name = sender.get("display_name") or sender.get("name")
            urls = [self._attachment_url(a) for a in message["attachments"]]
            recent.append((name, message["content"], urls))
        return {
            "contact": contact_drop(contact),
            "agent": user_drop(self._sender(sender_type, sender_id) if sender_type != "Contact" else None),
            "conversation": conversation_drop(conv["id"] + CONVERSATION_DB_ID_OFFSET, conv, contact, recent),
            "inbox": named_drop("InboxDrop", self.inboxes[conv["inbox_id"]]),
            "account": named_drop("AccountDrop", self.accounts[conv["account_id"]]),
        }

    @staticmethod
    def _processed_content(message: dict) -> str | None:
        """message.rb ``ensure_processed_message_content`` (before_save): the e-mail's quoted text, else content."""
        email = message["content_attributes"].get("email") if isinstance(message["content_attributes"], dict) else None
        quoted = None
        if isinstance(email, dict):
            for part in ("text_content", "html_content"):
                section = email.get(part)
                if isinstance(section, dict) and section.get("quoted"):
                    quoted = section["quoted"]
                    break
        return _truncate(quoted or message["content"], CONTENT_MAX)

    def _save_message(self, message: dict, at: float) -> None:
        """A later save of a message (an update): its callbacks recompute processed_message_content."""
        message["processed_message_content"] = self._processed_content(message)
        message["updated_at"] = float(at)

    def _process_liquid(self, message: dict, conv: dict) -> None:
        """liquidable.rb (before_create): outgoing and template messages with content, notes included."""
        if message["message_type"] not in (OUTGOING, TEMPLATE):
            return
        drops = self._liquid_drops(conv, message["sender_type"], message["sender_id"])
        if not _blank(message["content"]):
            message["content"] = render_message(message["content"], drops)
        params = message["additional_attributes"].get("template_params")
        if isinstance(params, dict) and not _blank(params.get("processed_params")):

            def walk(value: Any) -> Any:
                if isinstance(value, str):
                    return value if _blank(value) else render_liquid(value, drops)
                if isinstance(value, list):
                    return [walk(v) for v in value]
                if isinstance(value, dict):
                    return {k: walk(v) for k, v in value.items()}
                return value

            if isinstance(params["processed_params"], dict):
                message["additional_attributes"]["template_params"] = {
                    **params,
                    "processed_params": walk(params["processed_params"]),
                }

    def _add_message(
        self,
        conv: dict,
        content: str | None,
        message_type: int,
        sender_type: str | None,
        sender_id: int | None,
        *,
        at: float,
        private: bool = False,
        content_type: str = "text",
        content_attributes: dict | None = None,
        source_id: Any = None,
        echo_id: Any = None,
        additional_attributes: dict | None = None,
        liquid: bool = False,
    ) -> dict[str, Any]:
        """Create a message; ``liquid`` runs Liquidable (messages created through the API, not the seed)."""
        message_id = self._next_id("message")
        message = {
            "id": message_id,
            "account_id": conv["account_id"],
            "conversation_id": conv["id"],
            "inbox_id": conv["inbox_id"],
            "content": content,
            "message_type": message_type,
            "content_type": content_type,
            "status": "sent",
            "private": private,
            "source_id": source_id,
            "content_attributes": content_attributes or {},
            "additional_attributes": additional_attributes or {},
            "processed_message_content": None,
            "sender_type": sender_type,
            "sender_id": sender_id,
            "created_at": int(at),
            "updated_at": float(at),
            "echo_id": echo_id,
            "attachments": [],
        }
        # Rails runs before_save (processed_message_content, from the content as sent) before before_create (Liquid).
        message["processed_message_content"] = self._processed_content(message)
        if liquid:
            self._process_liquid(message, conv)
        self.messages[message_id] = message
        conv["message_ids"].append(message_id)
        # Message callbacks: conversation activity, reopen on incoming, first reply, waiting_since,
        # contact activity.
        conv["last_activity_at"] = int(at)
        conv["updated_at"] = float(at)
        if message_type == INCOMING:
            if conv["status"] in ("resolved", "snoozed") and not conv["muted"]:
                self._change_status(conv, "open", at=at)  # reopen_conversation
            if conv["waiting_since"] is None:
                conv["waiting_since"] = int(at)
            contact = self.contacts.get(conv["contact_id"])
            if contact is not None and sender_type == "Contact":
                contact["last_activity_at"] = int(at)
        elif message_type == OUTGOING and not private and sender_type == "User":
            # FIRST_REPLY_CREATED, else REPLY_CREATED while the contact was waiting (message.rb)
            if conv["first_reply_created_at"] is None:
                conv["first_reply_created_at"] = int(at)
                self._record_event("first_response", conv, self._last_non_human_activity(conv), at, sender_id)
            elif conv["waiting_since"] is not None:
                self._record_event("reply_time", conv, conv["waiting_since"], at, conv["assignee_id"])
            conv["waiting_since"] = None
        return message

    def _change_status(self, conv: dict, status: str, *, at: float, snoozed_until: float | None = None) -> None:
        """``update(status:)`` and its callbacks: snoozed_until reset, waiting_since cleared on resolve,
        and the CONVERSATION_RESOLVED / CONVERSATION_OPENED reporting events."""
        previous = conv["status"]
        conv["status"] = status
        conv["snoozed_until"] = snoozed_until if status == "snoozed" else None
        conv["updated_at"] = float(at)
        if status == previous:
            return
        if status == "resolved":
            conv["waiting_since"] = None
            self._record_event("conversation_resolved", conv, conv["created_at"], at, conv["assignee_id"])
        elif status == "open":
            resolved = [
                e for e in self._events_by_conversation.get(conv["id"], []) if e["name"] == "conversation_resolved"
            ]
            if resolved:
                last = max(resolved, key=lambda e: e["event_end_time"])["event_end_time"]
                self._record_event("conversation_opened", conv, last, at, conv["assignee_id"])
            else:
                self._record_event("conversation_opened", conv, conv["created_at"], at, conv["assignee_id"], first=True)

    # ------------------------------------------------------------------ reporting events

    def _record_event(
        self, name: str, conv: dict, start: float, end: float, user_id: int | None, *, first: bool = False
    ) -> dict[str, Any]:
        """ReportingEventListener: ``value`` is ``end.to_i - start.to_i`` seconds (0 for a first opening),
        ``value_in_business_hours`` the working seconds in between (0 when the inbox has no working hours)."""
        inbox = self.inboxes[conv["inbox_id"]]
        event = {
            "id": self._next_id("reporting_event"),
            "name": name,
            "value": 0.0 if first else float(int(end) - int(start)),
            "value_in_business_hours": 0.0 if first else float(self._business_seconds(inbox, start, end)),
            "account_id": conv["account_id"],
            "inbox_id": conv["inbox_id"],
            "user_id": user_id,
            "conversation_id": conv["id"],
            "event_start_time": int(start),
            "event_end_time": int(end),
            "created_at": int(end),
        }
        self.reporting_events.append(event)
        self._events_by_conversation.setdefault(conv["id"], []).append(event)
        return event

    def _last_non_human_activity(self, conv: dict) -> float:
        """ReportingEventHelper: the latest handoff or (re)opening, else a bot resolution, else the creation."""
        events = self._events_by_conversation.get(conv["id"], [])
        latest = [e for e in events if e["name"] in ("conversation_bot_handoff", "conversation_opened")]
        if latest:
            return max(e["event_end_time"] for e in latest)
        bot = [e for e in events if e["name"] == "conversation_bot_resolved"]
        return bot[-1]["event_end_time"] if bot else conv["created_at"]

    @staticmethod
    def _business_seconds(inbox: dict, start: float, end: float) -> int:
        """``working_time_until`` in the inbox's zone: the seconds of [start, end) that fall on Monday to
        Friday between OPEN_HOUR and CLOSE_HOUR; 0 when the inbox's working hours are off."""
        if not inbox["working_hours_enabled"] or end <= start:
            return 0
        zone = ZoneInfo(inbox["timezone"])
        day: date = datetime.fromtimestamp(start, zone).date()
        last: date = datetime.fromtimestamp(end, zone).date()
        total = 0.0
        while day <= last:
            if day.weekday() < 5:
                opens = datetime(day.year, day.month, day.day, OPEN_HOUR, tzinfo=zone).timestamp()
                closes = datetime(day.year, day.month, day.day, CLOSE_HOUR, tzinfo=zone).timestamp()
                total += max(0.0, min(end, closes) - max(start, opens))
            day += timedelta(days=1)
        return int(total)
