"""What Chatwoot receives and what the agent reads back, for each of the seed's thirteen operations."""

from __future__ import annotations

import calendar
import json
import time

import pytest
from conftest import (
    ACCOUNT_PATH,
    assert_received,
    body_of,
    only_request,
    only_write,
    reads,
    serve_directory,
    strict_equal,
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
MESSAGE = json.loads(
    """{"id": 612, "content": "We've issued a refund.", "inbox_id": 3, "conversation_id": 42, "message_type": 1,
    "content_type": "text", "status": "sent", "content_attributes": {}, "created_at": 1771001000, "private": false,
    "source_id": null, "sender": {"id": 5, "name": "Ana Silva", "available_name": "Ana", "avatar_url": "", "type": "user",
    "availability_status": "available", "thumbnail": ""}}"""
)
AGENTS = json.loads(
    """[{"id": 5, "account_id": 1, "availability_status": "available", "auto_offline": true, "confirmed": true,
    "email": "ana@example.com", "provider": "email", "available_name": "Ana", "name": "Ana Silva", "role": "agent",
    "thumbnail": "", "custom_role_id": null},
    {"id": 1, "account_id": 1, "availability_status": "offline", "auto_offline": true, "confirmed": true,
    "email": "owner@example.com", "provider": "email", "available_name": "Owner", "name": "Öwner", "role": "administrator",
    "thumbnail": "", "custom_role_id": null}]"""
)
AGENT = AGENTS[0]
TEAM_ROW = json.loads(
    """{"id": 2, "name": "billing", "description": "Billing questions", "allow_auto_assign": true, "account_id": 1,
    "created_at": "2025-10-01T08:00:00.000Z", "updated_at": "2025-10-01T08:00:00.000Z"}"""
)


def toggled(status: str, until: str | None = None) -> dict:
    return {"payload": {"success": True, "conversation_id": 42, "current_status": status, "snoozed_until": until}}


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


# --------------------------------------------------------------------------- create_contact


def test_create_contact_sends_every_flag_typed(run, httpserver):
    serve_directory(httpserver)
    answer(httpserver, "POST", "/contacts", CREATED_CONTACT)
    result = run(
        "create_contact",
        "--name", "Jane Doë",
        "--email", "jane.doe@example.com",
        "--phone", "+49 151 1234-5678",
        "--identifier", "cust-1042",
        "--inbox-id", "3",
        "--attr", "company=Acme GmbH",
        "--attr", "url=https://acme.example/?a=b",
        "--custom-attr", "seats:=12",
        "--custom-attr", "plan=pro",
        "--custom-attr", "vip:=true",
        "--custom-attr", "tags:=[\"a\", 2]",
        "--custom-attr", "ratio:=1.5",
    )  # fmt: skip
    assert reads(httpserver) == [f"{ACCOUNT_PATH}/inboxes"]
    assert_received(
        only_write(httpserver),
        "POST",
        f"{ACCOUNT_PATH}/contacts",
        body={
            "name": "Jane Doë",
            "email": "jane.doe@example.com",
            "phone_number": "+4915112345678",
            "identifier": "cust-1042",
            "inbox_id": 3,
            "additional_attributes": {"company": "Acme GmbH", "url": "https://acme.example/?a=b"},
            "custom_attributes": {"seats": 12, "plan": "pro", "vip": True, "tags": ["a", 2], "ratio": 1.5},
        },
        query=[],
    )
    assert_success(run, result, compact(CREATED_CONTACT))


def test_create_contact_with_name_only_sends_only_the_name(run, httpserver):
    answer(httpserver, "POST", "/contacts", CREATED_CONTACT)
    result = run("create_contact", "--name", "New Lead")
    assert_received(only_request(httpserver), "POST", f"{ACCOUNT_PATH}/contacts", body={"name": "New Lead"})
    assert_success(run, result, compact(CREATED_CONTACT))


@pytest.mark.parametrize("written", ["+49 151 1234-5678", "+49 (151) 1234.5678", "+4915112345678"])
def test_create_contact_normalises_phone_to_e164(run, httpserver, written):
    answer(httpserver, "POST", "/contacts", CREATED_CONTACT)
    result = run("create_contact", "--name", "Jane", "--phone", written)
    assert body_of(only_request(httpserver)) == {"name": "Jane", "phone_number": "+4915112345678"}
    assert_success(run, result, compact(CREATED_CONTACT))


def test_create_contact_repeated_attr_key_keeps_the_last_value(run, httpserver):
    answer(httpserver, "POST", "/contacts", CREATED_CONTACT)
    result = run(
        "create_contact", "--name", "Jane", "--attr", "city=Bonn", "--attr", "city=Köln", "--custom-attr", "n=12"
    )
    body = body_of(only_request(httpserver))
    assert strict_equal(
        body, {"name": "Jane", "additional_attributes": {"city": "Köln"}, "custom_attributes": {"n": "12"}}
    ), body
    assert_success(run, result, compact(CREATED_CONTACT))


# --------------------------------------------------------------------------- search_contacts


def test_search_contacts_sends_query_and_prints_answer(run, httpserver):
    answer(httpserver, "GET", "/contacts/search", SEARCH_PAGE)
    result = run("search_contacts", "Zoë Müller")
    assert_received(
        only_request(httpserver),
        "GET",
        f"{ACCOUNT_PATH}/contacts/search",
        query=[("q", "Zoë Müller"), ("sort", "created_at")],
    )
    assert_success(run, result, compact(SEARCH_PAGE))


def test_search_contacts_strips_query_and_sends_page(run, httpserver):
    answer(httpserver, "GET", "/contacts/search", SEARCH_PAGE)
    result = run("search_contacts", "  +49151  ", "--page", "2")
    assert_received(
        only_request(httpserver),
        "GET",
        f"{ACCOUNT_PATH}/contacts/search",
        query=[("q", "+49151"), ("sort", "created_at"), ("page", "2")],
    )
    assert_success(run, result, compact(SEARCH_PAGE))


def _two_search_pages(httpserver):
    first = {"meta": {"count": 1, "current_page": "1", "has_more": True}, "payload": [CONTACT]}
    second = {"meta": {"count": 1, "current_page": "2", "has_more": False}, "payload": [SECOND_CONTACT]}
    answer(httpserver, "GET", "/contacts/search", first, query={"q": "jane", "sort": "created_at", "page": "1"})
    answer(httpserver, "GET", "/contacts/search", second, query={"q": "jane", "sort": "created_at", "page": "2"})


def test_search_contacts_all_merges_pages_into_one_envelope(run, httpserver):
    _two_search_pages(httpserver)
    result = run("search_contacts", "jane", "--all")
    assert [list(r.args.items(multi=True)) for r, _ in httpserver.log] == [
        [("q", "jane"), ("sort", "created_at"), ("page", "1")],
        [("q", "jane"), ("sort", "created_at"), ("page", "2")],
    ]
    assert result.code == 0, result.stderr
    assert result.error_lines == []
    merged = {"meta": {"count": 2, "current_page": "1", "has_more": False}, "payload": [CONTACT, SECOND_CONTACT]}
    assert result.stdout == compact(merged)


def test_search_contacts_all_summary_covers_every_page(run, httpserver):
    _two_search_pages(httpserver)
    result = run("search_contacts", "jane", "--all", "--summary")
    assert len(httpserver.log) == 2
    assert result.code == 0, result.stderr
    assert [(item["id"], item["name"]) for item in result.json] == [(17, "Jane Doë"), (18, "Zoë Müller 李")]


# --------------------------------------------------------------------------- get_contact / get_conversation


def test_get_contact_prints_payload(run, httpserver):
    document = {"payload": CONTACT}
    answer(httpserver, "GET", "/contacts/17", document)
    result = run("get_contact", "17")
    assert_received(only_request(httpserver), "GET", f"{ACCOUNT_PATH}/contacts/17", query=[])
    assert_success(run, result, compact(document))


# --------------------------------------------------------------------------- create_conversation


# --------------------------------------------------------------------------- list_conversations


def test_list_conversations_all_walks_pages_of_25(run, httpserver):
    first = [conversation(100 + n, f"Kunde {n}") for n in range(25)]
    second = [conversation(200, "Letzte Kundin")]
    counts = {"mine_count": 3, "assigned_count": 20, "unassigned_count": 6, "all_count": 26}
    answer(
        httpserver,
        "GET",
        "/conversations",
        {"data": {"meta": counts, "payload": first}},
        {"labels[]": "x", "page": "1"},
    )
    answer(
        httpserver,
        "GET",
        "/conversations",
        {"data": {"meta": counts, "payload": second}},
        {"labels[]": "x", "page": "2"},
    )
    result = run("list_conversations", "--label", "x", "--all", "--summary")
    assert [list(r.args.items(multi=True)) for r, _ in httpserver.log] == [
        [("labels[]", "x"), ("page", "1")],
        [("labels[]", "x"), ("page", "2")],
    ]
    assert result.code == 0, result.stderr
    assert result.error_lines == []
    expected = [summary(c["id"], c["meta"]["sender"]["name"]) for c in first + second]
    assert result.stdout == one_per_line(expected)


# --------------------------------------------------------------------------- send_message / add_note


@pytest.mark.parametrize(("flags", "private"), [([], False), (["--private"], True)])
def test_send_message_body_is_outgoing_with_boolean_private(run, httpserver, flags, private):
    answer(httpserver, "POST", "/conversations/42/messages", MESSAGE)
    result = run("send_message", "42", "We've issued a refund.", *flags)
    assert_received(
        only_request(httpserver),
        "POST",
        f"{ACCOUNT_PATH}/conversations/42/messages",
        body={"content": "We've issued a refund.", "message_type": "outgoing", "private": private},
        query=[],
    )
    assert_success(run, result, compact(MESSAGE))


def test_send_message_accepts_flag_before_text(run, httpserver):
    # `send_message.py 42 --private "text"` is how people write it; flags go anywhere.
    answer(httpserver, "POST", "/conversations/42/messages", MESSAGE)
    result = run("send_message", "42", "--private", "Internal: refund approved")
    assert result.code == 0, result.stderr
    assert_received(
        only_request(httpserver),
        "POST",
        f"{ACCOUNT_PATH}/conversations/42/messages",
        body={"content": "Internal: refund approved", "message_type": "outgoing", "private": True},
    )
    assert_success(run, result, compact(MESSAGE))


def test_send_message_reads_text_from_file(run, httpserver):
    (run.cwd / "reply.txt").write_text("Zeile 1\nZeile 2 — ü\n\n", encoding="utf-8")
    answer(httpserver, "POST", "/conversations/42/messages", MESSAGE)
    result = run("send_message", "42", "--file", "reply.txt")
    assert_received(
        only_request(httpserver),
        "POST",
        f"{ACCOUNT_PATH}/conversations/42/messages",
        body={"content": "Zeile 1\nZeile 2 — ü\n", "message_type": "outgoing", "private": False},  # one newline dropped
    )
    assert_success(run, result, compact(MESSAGE))


def test_add_note_sends_private_true(run, httpserver):
    note = {**MESSAGE, "content": "Customer is a VIP", "private": True}
    answer(httpserver, "POST", "/conversations/42/messages", note)
    result = run("add_note", "42", "Customer is a VIP")
    assert_received(
        only_request(httpserver),
        "POST",
        f"{ACCOUNT_PATH}/conversations/42/messages",
        body={"content": "Customer is a VIP", "message_type": "outgoing", "private": True},
        query=[],
    )
    assert_success(run, result, compact(note))


def test_add_note_reads_stdin(run, httpserver):
    answer(httpserver, "POST", "/conversations/7/messages", MESSAGE)
    result = run("add_note", "7", "--file", "-", stdin="from stdin\r\n»quoted«\r\n")
    assert_received(
        only_request(httpserver),
        "POST",
        f"{ACCOUNT_PATH}/conversations/7/messages",
        body={"content": "from stdin\r\n»quoted«", "message_type": "outgoing", "private": True},
    )
    assert_success(run, result, compact(MESSAGE))


# --------------------------------------------------------------------------- assign_conversation


@pytest.mark.parametrize(
    ("flags", "body", "document"),
    [
        (["--agent-id", "5"], {"assignee_id": 5}, AGENT),
        (["--team-id", "2"], {"team_id": 2}, TEAM_ROW),
        (["--unassign"], {"assignee_id": None}, None),
    ],
    ids=["agent", "team", "unassign"],
)
def test_assign_conversation(run, httpserver, flags, body, document):
    serve_directory(httpserver)
    answer(httpserver, "POST", "/conversations/42/assignments", document)
    result = run("assign_conversation", "42", *flags)
    assert_received(only_write(httpserver), "POST", f"{ACCOUNT_PATH}/conversations/42/assignments", body=body)
    assert_success(run, result, compact(document))


# --------------------------------------------------------------------------- set_status


@pytest.mark.parametrize("status", ["open", "resolved", "pending", "snoozed"])
def test_set_status_sends_status_only(run, httpserver, status):
    serve_directory(httpserver)  # an administrator's token: Chatwoot changes nothing else
    answer(httpserver, "POST", "/conversations/42/toggle_status", toggled(status))
    result = run("set_status", "42", status)
    assert_received(
        only_write(httpserver), "POST", f"{ACCOUNT_PATH}/conversations/42/toggle_status", body={"status": status}
    )
    assert reads(httpserver) == (["/api/v1/profile"] if status == "open" else [])
    assert_success(run, result, compact(toggled(status)))


@pytest.mark.parametrize(("until", "seconds"), [("30m", 1800), ("2h", 7200), ("1w", 604800)])
def test_set_status_snooze_for_a_duration_sends_unix_seconds(run, httpserver, until, seconds):
    document = toggled("snoozed", "2026-12-01T09:00:00.000Z")
    answer(httpserver, "POST", "/conversations/42/toggle_status", document)
    before = int(time.time())
    result = run("set_status", "42", "snoozed", "--until", until)
    after = int(time.time())
    body = body_of(only_request(httpserver))
    assert body.keys() == {"status", "snoozed_until"}
    assert body["status"] == "snoozed"
    assert type(body["snoozed_until"]) is int, body
    assert before + seconds <= body["snoozed_until"] <= after + seconds
    assert_success(run, result, compact(document))


SNOOZE_END = calendar.timegm((2030, 6, 1, 9, 0, 0))  # 2030-06-01T09:00:00Z


@pytest.mark.parametrize(
    ("until", "tz", "expected"),
    [
        ("2030-06-01T09:00:00Z", None, SNOOZE_END),
        ("2030-06-01T09:00Z", None, SNOOZE_END),
        ("2030-06-01T11:00:00+02:00", None, SNOOZE_END),
        (str(SNOOZE_END), None, SNOOZE_END),
        ("2030-06-01T09:00", "UTC0", SNOOZE_END),
        ("2030-06-01T09:00", "CEST-2", SNOOZE_END - 7200),  # no offset: the user's local time
    ],
    ids=["iso-z", "iso-minutes-z", "iso-offset", "unix", "local-utc", "local-plus2"],
)
def test_set_status_snooze_until_a_moment(run, httpserver, until, tz, expected):
    answer(httpserver, "POST", "/conversations/42/toggle_status", toggled("snoozed", "2030-06-01T09:00:00.000Z"))
    result = run("set_status", "42", "snoozed", "--until", until, env={"TZ": tz})
    assert_received(
        only_request(httpserver),
        "POST",
        f"{ACCOUNT_PATH}/conversations/42/toggle_status",
        body={"status": "snoozed", "snoozed_until": expected},
    )
    assert_success(run, result, compact(toggled("snoozed", "2030-06-01T09:00:00.000Z")))


# --------------------------------------------------------------------------- list_agents / list_inboxes


# --------------------------------------------------------------------------- conversation_counts
