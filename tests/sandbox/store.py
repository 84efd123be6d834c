"""The records' writes as Chatwoot's models make them: ids, the clock, contact inboxes, conversations, messages,
status changes and the reporting events their listeners record."""

from __future__ import annotations

import time
import uuid
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from .helpers import CLOSE_HOUR, INCOMING, OPEN_HOUR, OUTGOING, _blank, _Fail


class Store:
    """Creates records and runs the model callbacks (ids, timestamps, reopen on incoming, first reply).

    Like every mixin of ``Sandbox``, it works on the state the seed builds (``self.contacts``, ...).
    """

    # ------------------------------------------------------------------ clock and ids

    def _now(self) -> float:
        """Real time, but never earlier than the seeded data."""
        return max(time.time(), self._time_floor)

    def _next_id(self, kind: str) -> int:
        self._ids[kind] = self._ids.get(kind, 0) + 1
        return self._ids[kind]

    # ------------------------------------------------------------------ state mutation

    def _contact_inbox(self, contact: dict, inbox: dict, source_id: Any = None) -> dict[str, Any]:
        """ContactInboxBuilder: find or create the contact's contact_inbox for an inbox."""
        source = None if _blank(source_id) else str(source_id)
        existing = self._ci_by_pair.get((contact["id"], inbox["id"]))
        if existing is not None and (source is None or self.contact_inboxes[existing]["source_id"] == source):
            return self.contact_inboxes[existing]
        if source is None:
            if inbox["channel_type"] == "Channel::Email":
                if not contact.get("email"):
                    raise _Fail(422, {"error": "param is missing or the value is empty: contact email"})
                source = contact["email"]
            else:
                source = self._rng_uuid() if self._seeding else str(uuid.uuid4())
        for ci in self.contact_inboxes.values():
            if ci["inbox_id"] == inbox["id"] and ci["source_id"] == source:
                raise _Fail(422, {"error": "source_id should be unique"})
        ci_id = self._next_id("contact_inbox")
        ci = {"id": ci_id, "contact_id": contact["id"], "inbox_id": inbox["id"], "source_id": source}
        self.contact_inboxes[ci_id] = ci
        self._ci_by_pair.setdefault((contact["id"], inbox["id"]), ci_id)
        self._ci_by_contact.setdefault(contact["id"], []).append(ci_id)
        return ci

    def _new_conversation(
        self,
        display_id: int,
        contact_id: int,
        inbox_id: int,
        *,
        created_at: float,
        assignee_id: int | None,
        team_id: int | None,
        labels: list[str],
        priority: str | None,
        custom_attributes: dict,
        additional_attributes: dict,
        contact_inbox: dict | None = None,
        status: str = "open",
        snoozed_until: float | None = None,
    ) -> dict[str, Any]:
        contact = self.contacts[contact_id]
        ci = contact_inbox or self._contact_inbox(contact, self.inboxes[inbox_id])
        conv = {
            "id": display_id,
            "account_id": contact["account_id"],
            "inbox_id": inbox_id,
            "contact_id": contact_id,
            "contact_inbox_id": ci["id"],
            "uuid": self._rng_uuid() if self._seeding else str(uuid.uuid4()),
            "status": status,
            "assignee_id": assignee_id,
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
    ) -> dict[str, Any]:
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
            "sender_type": sender_type,
            "sender_id": sender_id,
            "created_at": int(at),
            "updated_at": float(at),
            "echo_id": echo_id,
            "attachments": [],
        }
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
