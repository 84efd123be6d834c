"""Chatwoot's answers as the reference shows them (agents, inboxes, contacts, messages), and the
paths and bodies several pytest-httpserver test files send and expect."""

from __future__ import annotations

import json

from conftest import ACCOUNT_PATH
from werkzeug import Response

CONTACT = json.loads(
    """{"additional_attributes": {"city": "Berlin", "country": "Germany", "company_name": "Acme GmbH"},
    "availability_status": "offline", "email": "jane.doe@example.com", "id": 17, "name": "Jane Doë",
    "phone_number": "+4915112345678", "blocked": false, "identifier": "cust-1042", "thumbnail": "",
    "custom_attributes": {"plan": "pro"}, "last_activity_at": 1770990000, "created_at": 1768000000,
    "contact_inboxes": [{"source_id": "b7e2c1d4-5f6a-4b3c-9d8e-1a2b3c4d5e6f", "inbox": {"id": 3, "avatar_url": "",
    "channel_id": 2, "name": "Support API", "channel_type": "Channel::Api", "provider": null}}]}"""
)


CONVERSATION = json.loads(
    """{"meta": {"sender": {"additional_attributes": {}, "availability_status": "offline", "email": "jane.doe@example.com",
    "id": 17, "name": "Jane Doë", "phone_number": "+4915112345678", "blocked": false, "identifier": "cust-1042", "thumbnail": "",
    "custom_attributes": {}, "created_at": 1768000000}, "channel": "Channel::Api", "hmac_verified": false}, "id": 42,
    "messages": [], "account_id": 1, "uuid": "0f9b6a4e-3c2d-4e1f-8a7b-6c5d4e3f2a1b", "additional_attributes": {},
    "agent_last_seen_at": 0, "assignee_last_seen_at": 0, "can_reply": true, "contact_last_seen_at": 0,
    "custom_attributes": {"order_id": "A-1001"}, "inbox_id": 3, "labels": ["billing"], "muted": false, "snoozed_until": null,
    "status": "open", "created_at": 1770990000, "updated_at": 1770990000.512345, "timestamp": 1770990000,
    "first_reply_created_at": 0, "unread_count": 1, "last_non_activity_message": null, "last_activity_at": 1770990000,
    "priority": null, "waiting_since": 1770990000, "sla_policy_id": null}"""
)


SENDER = {
    "additional_attributes": {},
    "custom_attributes": {},
    "email": "jane.doe@example.com",
    "id": 17,
    "identifier": "cust-1042",
    "name": "Jane Doë",
    "phone_number": "+4915112345678",
    "thumbnail": "",
    "blocked": False,
    "type": "contact",
}


AGENT = {
    "id": 5,
    "name": "Ana Silva",
    "available_name": "Ana",
    "avatar_url": "",
    "type": "user",
    "availability_status": "available",
    "thumbnail": "",
}


META = {
    "labels": ["billing"],
    "additional_attributes": {},
    "contact": SENDER,
    "assignee": AGENT,
    "agent_last_seen_at": None,
    "assignee_last_seen_at": None,
}


def conversation(number: int, name: str, status: str = "open") -> dict:
    meta = {**CONVERSATION["meta"], "sender": {**CONVERSATION["meta"]["sender"], "name": name}}
    return {**CONVERSATION, "id": number, "status": status, "meta": meta}


def message(id_, content="Hello", message_type=0, sender=SENDER, private=False, created_at=None, **extra):
    """A `_message` partial (reference §3.6a): no sender key on activity messages."""
    item = {
        "id": id_,
        "content": content,
        "inbox_id": 3,
        "conversation_id": 42,
        "message_type": message_type,
        "content_type": "text",
        "status": "sent",
        "content_attributes": {},
        "created_at": T0 + 60 * id_ if created_at is None else created_at,
        "private": private,
        "source_id": None,
    }
    if sender is not None:
        item["sender"] = sender
    item.update(extra)
    return item


AGENTS = json.loads(
    """[{"id": 5, "account_id": 1, "availability_status": "available", "auto_offline": true, "confirmed": true,
    "email": "ana@example.com", "provider": "email", "available_name": "Ana", "name": "Ana Silva", "role": "agent",
    "thumbnail": "", "custom_role_id": null},
    {"id": 1, "account_id": 1, "availability_status": "offline", "auto_offline": true, "confirmed": true,
    "email": "owner@example.com", "provider": "email", "available_name": "Owner", "name": "Öwner", "role": "administrator",
    "thumbnail": "", "custom_role_id": null}]"""
)


INBOX = json.loads(
    """{"id": 3, "avatar_url": "", "channel_id": 2, "name": "Support API", "channel_type": "Channel::Api",
    "greeting_enabled": false, "greeting_message": null, "working_hours_enabled": false, "enable_email_collect": true,
    "csat_survey_enabled": false, "csat_config": {}, "enable_auto_assignment": true, "auto_assignment_config": {},
    "out_of_office_message": null, "working_hours": [{"day_of_week": 0, "closed_all_day": true, "open_hour": null,
    "open_minutes": null, "close_hour": null, "close_minutes": null, "open_all_day": false}], "timezone": "UTC",
    "callback_webhook_url": null, "allow_messages_after_resolved": true, "lock_to_single_conversation": false,
    "sender_name_type": "friendly", "business_name": null, "allowed_domains": null, "widget_color": null,
    "website_url": null, "hmac_mandatory": false, "welcome_title": null, "welcome_tagline": null,
    "web_widget_script": null, "website_token": null, "selected_feature_flags": null, "reply_time": null,
    "messaging_service_sid": null, "phone_number": null, "webhook_url": "https://hooks.example.com/chatwoot",
    "inbox_identifier": "a1B2c3D4e5F6g7H8", "additional_attributes": {}, "provider": null}"""
)


INBOXES = {"payload": [INBOX, {**INBOX, "id": 4, "name": "E-Mail Kundendienst ✉", "channel_type": "Channel::Email"}]}


MESSAGE_PATH = f"{ACCOUNT_PATH}/conversations/42/messages"


MESSAGE_BODY = {"content": "Hallo, wir prüfen das.", "message_type": "outgoing", "private": False}


SECOND_CONTACT = {**CONTACT, "id": 18, "name": "Zoë Müller 李", "email": None, "contact_inboxes": []}


SEARCH_PAGE = {"meta": {"count": 2, "current_page": 1, "has_more": False}, "payload": [CONTACT, SECOND_CONTACT]}


NO_CONVERSATION = (
    "error: hint: there is no conversation 42 in account 1 "
    "(list_conversations.py; ids are the numbers shown in Chatwoot's UI)"
)


def newest_activity_first(rows) -> list[int]:
    return [c["id"] for c in sorted(rows, key=lambda c: (c["last_activity_at"], c["id"]), reverse=True)]


MESSAGES_PATH = f"{ACCOUNT_PATH}/conversations/42/messages"


T0 = 1770991380  # 2026-02-13 14:03:00 UTC


def history(total: int, overlap: int = 0, ignore_cursor: bool = False):
    """A handler with Chatwoot's MessageFinder semantics over messages 1..total: the 20 newest
    below `before` (or the latest 20), up to 100 above `after`, ascending. `overlap` widens the
    before-window upwards (a sloppy server); `ignore_cursor` always answers the latest 20."""
    everything = [message(i, f"message {i}") for i in range(1, total + 1)]

    def handler(request):
        before = request.args.get("before", type=int)
        after = request.args.get("after", type=int)
        if ignore_cursor or (before is None and after is None):
            page = everything[-20:]
        elif after is not None:
            page = [m for m in everything if m["id"] > after][:100]
        else:
            page = [m for m in everything if m["id"] < before + overlap][-20:]
        return Response(json.dumps({"meta": META, "payload": page}), content_type="application/json")

    return handler


def summary(number: int, name: str, status: str = "open") -> dict:
    """What --summary prints for conversation(number, name, status)."""
    return {
        "id": number, "status": status, "priority": None, "contact": name, "contact_id": 17, "inbox_id": 3,
        "assignee": None, "team": None, "labels": ["billing"], "unread": 1, "waiting_since": "2026-02-13T13:40:00Z",
        "last_message": None,
    }  # fmt: skip


# Each script, called correctly apart from one unknown flag.
VALID_CALLS = {
    "create_contact": ["--name", "Jane"],
    "search_contacts": ["jane"],
    "get_contact": ["17"],
    "create_conversation": ["--inbox-id", "3", "--contact-id", "17"],
    "list_conversations": [],
    "get_conversation": ["42"],
    "send_message": ["42", "hi"],
    "add_note": ["42", "hi"],
    "assign_conversation": ["42", "--unassign"],
    "set_status": ["42", "open"],
    "list_agents": [],
    "list_inboxes": [],
    "conversation_counts": [],
}
