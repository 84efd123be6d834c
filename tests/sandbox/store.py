"""The records' writes as Chatwoot's models make them: ids, the clock, contact inboxes, conversations, messages."""

from __future__ import annotations

import time
import uuid
from typing import Any

from .helpers import INCOMING, OUTGOING, _blank, _Fail


class Store:
    """Creates records and runs the model callbacks (ids, timestamps, reopen on incoming, first reply).

    Like every mixin of ``Sandbox``, it works on the state the seed builds (``self.contacts``, ...).
    """

    # ------------------------------------------------------------------ clock and ids

    def _now(self) -> float:
        """Real time, but never earlier than the seeded data."""
        return max(time.time(), self._time_floor)

    def _next_id(self, kind: str) -> int:
        self._ids[kind] += 1
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
                conv["status"] = "open"
                conv["snoozed_until"] = None
            if conv["waiting_since"] is None:
                conv["waiting_since"] = int(at)
            contact = self.contacts.get(conv["contact_id"])
            if contact is not None and sender_type == "Contact":
                contact["last_activity_at"] = int(at)
        elif message_type == OUTGOING and not private and sender_type == "User":
            if conv["first_reply_created_at"] is None:
                conv["first_reply_created_at"] = int(at)
            conv["waiting_since"] = None
        return message
