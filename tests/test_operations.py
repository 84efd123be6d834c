"""What Chatwoot receives and what the agent reads back, for each of the seed's thirteen operations."""

from __future__ import annotations

import json

import pytest
from conftest import (
    ACCOUNT_PATH,
    assert_received,
    body_of,
    only_request,
    only_write,
    reads,
    serve_directory,
)

# --------------------------------------------------------------------------- canned answers
# Taken from reference/chatwoot-api.md; a few names carry non-ASCII so that the output's
# "UTF-8, not ASCII-escaped" rule is exercised (pytest-httpserver sends them \u-escaped).

CONTACT = json.loads(
    """{"additional_attributes": {"city": "Berlin", "country": "Germany", "company_name": "Acme GmbH"},
    "availability_status": "offline", "email": "jane.doe@example.com", "id": 17, "name": "Jane Doë",
    "phone_number": "+4915112345678", "blocked": false, "identifier": "cust-1042", "thumbnail": "",
    "custom_attributes": {"plan": "pro"}, "last_activity_at": 1770990000, "created_at": 1768000000,
    "contact_inboxes": [{"source_id": "b7e2c1d4-5f6a-4b3c-9d8e-1a2b3c4d5e6f", "inbox": {"id": 3, "avatar_url": "",
    "channel_id": 2, "name": "Support API", "channel_type": "Channel::Api", "provider": null}}]}"""
)
CREATED_CONTACT = json.loads(
    """{"payload": {
    "contact": {"additional_attributes": {}, "availability_status": "offline", "email": "new.lead@example.com", "id": 88,
      "name": "New Lead", "phone_number": null, "blocked": false, "identifier": null, "thumbnail": "",
      "custom_attributes": {}, "created_at": 1771000000, "contact_inboxes": [{"source_id": "0c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f",
      "inbox": {"id": 3, "avatar_url": "", "channel_id": 2, "name": "Support API", "channel_type": "Channel::Api", "provider": null}}]},
    "contact_inbox": {"inbox": {"id": 3, "channel_id": 2, "account_id": 1, "name": "Support API",
      "created_at": "2025-11-02T09:15:22.412Z", "updated_at": "2025-11-02T09:15:22.412Z", "channel_type": "Channel::Api",
      "enable_auto_assignment": true, "greeting_enabled": false, "greeting_message": null, "email_address": null,
      "working_hours_enabled": false, "out_of_office_message": null, "timezone": "UTC", "enable_email_collect": true,
      "csat_survey_enabled": false, "allow_messages_after_resolved": true, "auto_assignment_config": {},
      "lock_to_single_conversation": false, "portal_id": null, "sender_name_type": "friendly", "business_name": null,
      "csat_config": {}},
    "source_id": "0c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f"}}}"""
)
SECOND_CONTACT = {**CONTACT, "id": 18, "name": "Zoë Müller 李", "email": None, "contact_inboxes": []}
SEARCH_PAGE = {"meta": {"count": 2, "current_page": 1, "has_more": False}, "payload": [CONTACT, SECOND_CONTACT]}

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
COUNTS = {"mine_count": 3, "assigned_count": 10, "unassigned_count": 4, "all_count": 14}
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


def conversation(number: int, name: str, status: str = "open") -> dict:
    meta = {**CONVERSATION["meta"], "sender": {**CONVERSATION["meta"]["sender"], "name": name}}
    return {**CONVERSATION, "id": number, "status": status, "meta": meta}


def summary(number: int, name: str, status: str = "open") -> dict:
    """What --summary prints for conversation(number, name, status)."""
    return {
        "id": number, "status": status, "priority": None, "contact": name, "contact_id": 17, "inbox_id": 3,
        "assignee": None, "team": None, "labels": ["billing"], "unread": 1, "waiting_since": "2026-02-13T13:40:00Z",
        "last_message": None,
    }  # fmt: skip


# --------------------------------------------------------------------------- helpers


def compact(document) -> str:
    return json.dumps(document, ensure_ascii=False) + "\n"


def one_per_line(items: list) -> str:
    return "[\n" + ",\n".join(json.dumps(item, ensure_ascii=False) for item in items) + "\n]\n"


def answer(httpserver, method: str, path: str, document, query: dict | None = None) -> None:
    httpserver.expect_request(ACCOUNT_PATH + path, method=method, query_string=query).respond_with_json(document)


def assert_success(run, result, stdout: str) -> None:
    assert result.code == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout == stdout
    assert run.request_files() == []


# --------------------------------------------------------------------------- search_contacts


def test_search_contacts_summary_prints_id_name_email(run, httpserver):
    answer(httpserver, "GET", "/contacts/search", SEARCH_PAGE)
    result = run("search_contacts", "jane", "--summary")
    assert_received(
        only_request(httpserver),
        "GET",
        f"{ACCOUNT_PATH}/contacts/search",
        query=[("q", "jane"), ("sort", "created_at")],
    )
    assert_success(
        run,
        result,
        one_per_line(
            [
                {"id": 17, "name": "Jane Doë", "email": "jane.doe@example.com", "phone_number": "+4915112345678",
                 "identifier": "cust-1042"},
                {"id": 18, "name": "Zoë Müller 李", "email": None, "phone_number": "+4915112345678",
                 "identifier": "cust-1042"},
            ]
        ),
    )  # fmt: skip


# --------------------------------------------------------------------------- get_contact / get_conversation


def test_get_conversation_prints_bare_object(run, httpserver):
    answer(httpserver, "GET", "/conversations/42", CONVERSATION)
    result = run("get_conversation", "42")
    assert_received(only_request(httpserver), "GET", f"{ACCOUNT_PATH}/conversations/42", query=[])
    assert_success(run, result, compact(CONVERSATION))


# --------------------------------------------------------------------------- create_conversation


def test_create_conversation_minimal_body(run, httpserver):
    created = conversation(57, "New Lead")
    serve_directory(httpserver)
    answer(httpserver, "POST", "/conversations", created)
    result = run("create_conversation", "--inbox-id", "3", "--contact-id", "88")
    assert_received(
        only_write(httpserver), "POST", f"{ACCOUNT_PATH}/conversations", body={"inbox_id": 3, "contact_id": 88}
    )
    assert reads(httpserver) == [f"{ACCOUNT_PATH}/inboxes"]  # the inbox id is checked first
    assert_success(run, result, compact(created))


def test_create_conversation_with_message_and_every_option(run, httpserver):
    created = conversation(57, "New Lead", status="pending")
    serve_directory(httpserver)
    answer(httpserver, "POST", "/conversations", created)
    result = run(
        "create_conversation",
        "--inbox-id", "3",
        "--contact-id", "88",
        "--source-id", "0c1d2e3f-4a5b",
        "--status", "pending",
        "--message", "Hello! How can we help? 👋\nSecond line",
        "--assignee-id", "5",
        "--team-id", "2",
    )  # fmt: skip
    assert reads(httpserver) == [f"{ACCOUNT_PATH}/{path}" for path in ("inboxes", "agents", "teams")]
    assert_received(
        only_write(httpserver),
        "POST",
        f"{ACCOUNT_PATH}/conversations",
        body={
            "inbox_id": 3,
            "contact_id": 88,
            "source_id": "0c1d2e3f-4a5b",
            "status": "pending",
            "assignee_id": 5,
            "team_id": 2,
            "message": {"content": "Hello! How can we help? 👋\nSecond line"},
        },
    )
    assert_success(run, result, compact(created))


# --------------------------------------------------------------------------- list_conversations

LIST_COUNTS = {"mine_count": 1, "assigned_count": 1, "unassigned_count": 1, "all_count": 2}  # the page holds all
LIST_PAGE = {
    "data": {"meta": LIST_COUNTS, "payload": [conversation(42, "Jane Doë"), conversation(43, "李雷", "pending")]}
}


def test_list_conversations_without_flags_sends_no_query(run, httpserver):
    answer(httpserver, "GET", "/conversations", LIST_PAGE)
    result = run("list_conversations")
    assert_received(only_request(httpserver), "GET", f"{ACCOUNT_PATH}/conversations", query=[])
    assert_success(run, result, compact(LIST_PAGE))


def test_list_conversations_sends_every_filter(run, httpserver):
    serve_directory(httpserver)
    answer(httpserver, "GET", "/conversations", LIST_PAGE)
    result = run(
        "list_conversations",
        "--status", "pending",
        "--assignee-type", "unassigned",
        "--inbox-id", "3",
        "--team-id", "2",
        "--label", "vip",
        "--label", "billing",
        "--query", "Rückerstattung & refund",
        "--page", "2",
    )  # fmt: skip
    assert reads(httpserver) == [f"{ACCOUNT_PATH}/{path}" for path in ("inboxes", "teams", "conversations")]
    assert_received(
        httpserver.log[-1][0],
        "GET",
        f"{ACCOUNT_PATH}/conversations",
        query=[
            ("status", "pending"),
            ("inbox_id", "3"),
            ("team_id", "2"),
            ("labels[]", "vip"),
            ("labels[]", "billing"),
            ("q", "Rückerstattung & refund"),
            ("assignee_type", "unassigned"),
            ("page", "2"),
        ],
    )
    assert_success(run, result, compact(LIST_PAGE))


@pytest.mark.parametrize("status", ["snoozed", "all"])
def test_list_conversations_status_values(run, httpserver, status):
    answer(httpserver, "GET", "/conversations", LIST_PAGE)
    result = run("list_conversations", "--status", status)
    assert_received(only_request(httpserver), "GET", f"{ACCOUNT_PATH}/conversations", query=[("status", status)])
    assert_success(run, result, compact(LIST_PAGE))


def test_list_conversations_summary_prints_id_status_sender_name(run, httpserver):
    answer(httpserver, "GET", "/conversations", LIST_PAGE)
    result = run("list_conversations", "--summary", "--assignee-type", "me")
    assert_received(only_request(httpserver), "GET", f"{ACCOUNT_PATH}/conversations", query=[("assignee_type", "me")])
    assert_success(
        run,
        result,
        one_per_line([summary(42, "Jane Doë"), summary(43, "李雷", "pending")]),
    )


# --------------------------------------------------------------------------- list_agents / list_inboxes


def test_list_agents_prints_the_bare_array_one_agent_a_line(run, httpserver):
    answer(httpserver, "GET", "/agents", AGENTS)
    result = run("list_agents")
    assert_received(only_request(httpserver), "GET", f"{ACCOUNT_PATH}/agents", query=[])
    assert_success(run, result, one_per_line(AGENTS))  # any array of objects: one object a line


def test_list_agents_summary(run, httpserver):
    answer(httpserver, "GET", "/agents", AGENTS)
    result = run("list_agents", "--summary")
    assert_received(only_request(httpserver), "GET", f"{ACCOUNT_PATH}/agents", query=[])
    assert_success(
        run,
        result,
        one_per_line(
            [
                {
                    "id": 5,
                    "name": "Ana Silva",
                    "email": "ana@example.com",
                    "role": "agent",
                    "availability_status": "available",
                },
                {
                    "id": 1,
                    "name": "Öwner",
                    "email": "owner@example.com",
                    "role": "administrator",
                    "availability_status": "offline",
                },
            ]
        ),
    )


def test_list_inboxes_prints_payload(run, httpserver):
    answer(httpserver, "GET", "/inboxes", INBOXES)
    result = run("list_inboxes")
    assert_received(only_request(httpserver), "GET", f"{ACCOUNT_PATH}/inboxes", query=[])
    assert_success(run, result, compact(INBOXES))


def test_list_inboxes_summary(run, httpserver):
    answer(httpserver, "GET", "/inboxes", INBOXES)
    result = run("list_inboxes", "--summary")
    assert_received(only_request(httpserver), "GET", f"{ACCOUNT_PATH}/inboxes", query=[])
    assert_success(
        run,
        result,
        one_per_line(
            [
                {"id": 3, "name": "Support API", "channel_type": "Channel::Api"},
                {"id": 4, "name": "E-Mail Kundendienst ✉", "channel_type": "Channel::Email"},
            ]
        ),
    )


# --------------------------------------------------------------------------- conversation_counts


def test_conversation_counts_without_flags(run, httpserver):
    answer(httpserver, "GET", "/conversations/meta", {"meta": COUNTS})
    result = run("conversation_counts")
    assert_received(only_request(httpserver), "GET", f"{ACCOUNT_PATH}/conversations/meta", query=[])
    assert_success(run, result, compact({"meta": COUNTS}))


def test_conversation_counts_sends_every_filter(run, httpserver):
    serve_directory(httpserver)
    answer(httpserver, "GET", "/conversations/meta", {"meta": COUNTS})
    result = run(
        "conversation_counts",
        "--status", "resolved",
        "--inbox-id", "3",
        "--team-id", "2",
        "--label", "vip",
        "--label", "billing",
        "--query", "Lieferung",
    )  # fmt: skip
    assert reads(httpserver) == [f"{ACCOUNT_PATH}/{path}" for path in ("inboxes", "teams", "conversations/meta")]
    assert_received(
        httpserver.log[-1][0],
        "GET",
        f"{ACCOUNT_PATH}/conversations/meta",
        query=[
            ("status", "resolved"),
            ("inbox_id", "3"),
            ("team_id", "2"),
            ("labels[]", "vip"),
            ("labels[]", "billing"),
            ("q", "Lieferung"),
        ],
    )
    assert_success(run, result, compact({"meta": COUNTS}))
