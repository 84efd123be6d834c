"""Self-tests for tests/sandbox/: the fake Chatwoot server must behave like the reference says."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))

from sandbox import Sandbox

JSON_TYPE = "application/json; charset=utf-8"


@pytest.fixture(scope="module")
def running():
    with Sandbox() as sandbox:
        yield sandbox


@pytest.fixture
def sb(running):
    running.reset()
    running.latency = 0.0
    yield running
    assert running.errors == []


def call(sb, method, path, token=Sandbox.TOKEN, **kwargs):
    headers = kwargs.pop("headers", {})
    if token is not None:
        headers.setdefault("api_access_token", token)
    url = sb.url + (path if path.startswith("/api/") else f"/api/v1/accounts/1{path}")
    return requests.request(method, url, headers=headers, timeout=5, **kwargs)


# ---------------------------------------------------------------- auth and generic errors


def test_auth_error_shapes(sb):
    missing = call(sb, "GET", "/contacts", token=None)
    assert missing.status_code == 401
    assert missing.json() == {"errors": ["You need to sign in or sign up before continuing."]}
    assert call(sb, "GET", "/contacts", token="").json() == missing.json()

    unknown = call(sb, "GET", "/contacts", token="nope")
    assert (unknown.status_code, unknown.json()) == (401, {"error": "Invalid Access Token"})

    other = call(sb, "GET", "/api/v1/accounts/2/contacts")
    assert (other.status_code, other.json()) == (401, {"error": "You are not authorized to access this account"})

    absent = call(sb, "GET", "/api/v1/accounts/99/contacts")
    assert (absent.status_code, absent.json()) == (404, {"error": "Resource could not be found"})

    denied = call(sb, "DELETE", "/contacts/1", token=Sandbox.AGENT_TOKEN)
    assert (denied.status_code, denied.json()) == (401, {"error": "You are not authorized to do this action"})


def test_both_header_spellings_are_accepted_and_recorded(sb):
    assert call(sb, "GET", "/agents").status_code == 200  # api_access_token (underscore)
    hyphen = call(sb, "GET", "/agents", token=None, headers={"Api-Access-Token": Sandbox.TOKEN})
    assert hyphen.status_code == 200
    first, second = sb.find_requests("GET", r"/agents$")
    assert "api_access_token" in first.headers and "Api-Access-Token" not in first.headers
    assert second.headers["api-access-token"] == Sandbox.TOKEN
    assert first.token == second.token == Sandbox.TOKEN
    assert first.status == 200


def test_unknown_route_and_malformed_json(sb):
    route = call(sb, "GET", "/nothing-here")
    assert (route.status_code, route.json()) == (404, {"status": 404, "error": "Not Found"})
    bad = call(sb, "POST", "/contacts", data=b"{not json", headers={"Content-Type": "application/json"})
    assert (bad.status_code, bad.json()) == (400, {"status": 400, "error": "Bad Request"})
    assert bad.headers["Content-Type"] == JSON_TYPE


# ---------------------------------------------------------------- contacts


def test_contact_create_then_duplicate_is_422(sb):
    created = call(sb, "POST", "/contacts", json={"name": "New Lead", "email": "New.Lead@Example.com", "inbox_id": 2})
    assert created.status_code == 200
    payload = created.json()["payload"]
    contact = payload["contact"]
    assert contact["email"] == "new.lead@example.com"
    assert list(contact) == [
        "additional_attributes",
        "availability_status",
        "email",
        "id",
        "name",
        "phone_number",
        "blocked",
        "identifier",
        "thumbnail",
        "custom_attributes",
        "created_at",
        "contact_inboxes",
    ]  # no last_activity_at key while it is null
    assert contact["contact_inboxes"][0]["inbox"]["name"] == "Support API"
    assert payload["contact_inbox"]["inbox"]["channel_type"] == "Channel::Api"
    assert payload["contact_inbox"]["source_id"] == contact["contact_inboxes"][0]["source_id"]

    duplicate = call(sb, "POST", "/contacts", json={"name": "Again", "email": "NEW.LEAD@example.com"})
    assert duplicate.status_code == 422
    assert duplicate.json() == {"message": "Email has already been taken", "attributes": ["email"]}

    several = call(sb, "POST", "/contacts", json={"email": "jane.doe@example.com", "phone_number": "0151 123"})
    assert several.json() == {
        "message": "Email has already been taken, Phone number should be in e164 format",
        "attributes": ["email", "phone_number"],
    }
    assert call(sb, "POST", "/contacts", json={"name": "X", "inbox_id": 999}).status_code == 404
    assert not any(c["name"] == "X" for c in sb.contacts.values())  # rolled back


def test_contact_list_hides_name_only_contacts_and_pages_by_15(sb):
    first = call(sb, "GET", "/contacts").json()
    assert first["meta"] == {"count": 19, "current_page": 1}
    assert len(first["payload"]) == 15
    second = call(sb, "GET", "/contacts", params={"page": 2}).json()
    assert second["meta"] == {"count": 19, "current_page": "2"}
    ids = {c["id"] for c in first["payload"] + second["payload"]}
    assert len(ids) == 19 and not ids & {20, 21, 22}
    found = call(sb, "GET", "/contacts/search", params={"q": "hana"}).json()
    assert [c["id"] for c in found["payload"]] == [21]
    by_name = call(sb, "GET", "/contacts", params={"sort": "-name", "include_contact_inboxes": "false"}).json()
    assert by_name["payload"][0]["name"] == "Zoë Müller" and "contact_inboxes" not in by_name["payload"][0]
    vip = call(sb, "GET", "/contacts", params={"labels[]": ["vip"]}).json()
    assert {c["id"] for c in vip["payload"]} == {2, 10, 12}


def test_contact_search_has_more_and_per_page_count(sb):
    page1 = call(sb, "GET", "/contacts/search", params={"q": "EXAMPLE"}).json()
    assert page1["meta"] == {"count": 15, "current_page": 1, "has_more": True}
    page2 = call(sb, "GET", "/contacts/search", params={"q": "example", "page": "2"}).json()
    assert page2["meta"] == {"count": 2, "current_page": "2", "has_more": False}
    assert call(sb, "GET", "/contacts/search", params={"q": "CUST-10"}).json()["payload"] == []  # identifier: LIKE
    assert len(call(sb, "GET", "/contacts/search", params={"q": "cust-10"}).json()["payload"]) == 2


def test_contact_update_merges_attributes_and_delete(sb):
    updated = call(sb, "PATCH", "/contacts/1", json={"custom_attributes": {"seats": 3}, "name": "Jane D."})
    body = updated.json()["payload"]
    assert body["custom_attributes"] == {"plan": "pro", "seats": 3} and body["name"] == "Jane D."
    assert call(sb, "PUT", "/contacts/1", json={"phone_number": "+34612345678"}).status_code == 422
    deleted = call(sb, "DELETE", "/contacts/2")
    assert (deleted.status_code, deleted.content) == (200, b"")
    assert 2 not in sb.contacts and call(sb, "GET", "/contacts/2").status_code == 404
    online = call(sb, "DELETE", "/contacts/4")
    assert online.json() == {"message": "Liam o'brien is Online, please try again later"}


def test_contact_filter_validation_and_match(sb):
    rule = {"attribute_key": "country_code", "filter_operator": "contains", "values": ["de"]}
    bad_op = call(sb, "POST", "/contacts/filter", json={"payload": [rule]})
    assert bad_op.status_code == 422
    assert bad_op.json() == {
        "error": "Invalid operator. The allowed operators for country_code are [equal_to,not_equal_to]."
    }
    bad_key = call(sb, "POST", "/contacts/filter", json={"payload": [{**rule, "attribute_key": "foo"}]})
    assert bad_key.json()["error"].startswith("Invalid attribute key - [foo]. The key should be one of [name,")
    ok = call(
        sb,
        "POST",
        "/contacts/filter",
        json={"payload": [{**rule, "filter_operator": "equal_to", "values": ["DE"], "query_operator": None}]},
    )
    assert ok.json()["meta"] == {"count": 2, "current_page": 1}
    assert {c["id"] for c in ok.json()["payload"]} == {1, 3}
    custom = call(
        sb,
        "POST",
        "/contacts/filter",
        json={"payload": [{"attribute_key": "plan", "filter_operator": "equal_to", "values": ["pro"]}]},
    )
    assert {c["id"] for c in custom.json()["payload"]} == {1, 5, 11, 12}


# ---------------------------------------------------------------- conversations


def test_conversation_list_envelope_and_pages_of_25():
    with Sandbox(extra_conversations=40) as sb:
        first = call(sb, "GET", "/conversations", params={"status": "all"}).json()
        assert list(first) == ["data"]
        # the base seed and the extras, plus the seeded fortnight (all resolved, all assigned)
        week = [c for c in sb.conversations.values() if c["created_at"] > sb.BASE_TIME]
        mine = 2 + sum(c["assignee_id"] == 1 for c in week)
        total = 70 + len(week)
        assert first["data"]["meta"] == {
            "mine_count": mine,
            "assigned_count": 53 + len(week),
            "unassigned_count": 17,
            "all_count": total,
        }
        seen = []
        page = 1
        while True:
            rows = call(sb, "GET", "/conversations", params={"status": "all", "page": page}).json()["data"]["payload"]
            if not rows:
                break
            assert len(rows) <= 25
            seen.extend(rows)
            page += 1
        assert page == -(-total // 25) + 1 and len({c["id"] for c in seen}) == total
        activity = [c["last_activity_at"] for c in seen]
        assert activity == sorted(activity, reverse=True)
        conv = seen[0]
        assert list(conv)[:3] == ["meta", "id", "messages"] and isinstance(conv["updated_at"], float)
        default = call(sb, "GET", "/conversations", params={"assignee_type": "unassigned"}).json()["data"]
        assert default["meta"]["all_count"] == 56  # status defaults to open; counts ignore assignee_type
        assert all(c["status"] == "open" and "assignee" not in c["meta"] for c in default["payload"])
        assert call(sb, "GET", "/conversations/meta").json() == {"meta": default["meta"]}
        assert sb.errors == []


def test_conversation_filter_errors_and_envelope(sb):
    status_rule = {"attribute_key": "status", "filter_operator": "equal_to", "values": ["open", "pending"]}
    bad_op = call(
        sb, "POST", "/conversations/filter", json={"payload": [{**status_rule, "filter_operator": "contains"}]}
    )
    assert bad_op.status_code == 422
    assert bad_op.json() == {"error": "Invalid operator. The allowed operators for status are [equal_to,not_equal_to]."}
    xor = call(sb, "POST", "/conversations/filter", json={"payload": [{**status_rule, "query_operator": "XOR"}]})
    assert xor.json() == {"error": 'Query operator must be either "AND" or "OR".'}
    label_rule = {"attribute_key": "labels", "filter_operator": "equal_to", "values": ["vip"]}
    unchained = call(sb, "POST", "/conversations/filter", json={"payload": [status_rule, label_rule]})
    assert unchained.status_code == 500
    trailing = call(sb, "POST", "/conversations/filter", json={"payload": [{**status_rule, "query_operator": "AND"}]})
    assert (trailing.status_code, trailing.json()) == (500, {"status": 500, "error": "Internal Server Error"})
    ok = call(
        sb,
        "POST",
        "/conversations/filter",
        json={"payload": [{**status_rule, "query_operator": "AND"}, {**label_rule, "query_operator": None}]},
    )
    body = ok.json()
    assert list(body) == ["meta", "payload"]
    assert list(body["meta"]) == ["mine_count", "unassigned_count", "all_count"]
    assert {c["id"] for c in body["payload"]} == {2, 7, 12, 21, 26}


def test_messages_before_cursor_walks_the_long_conversation(sb):
    latest = call(sb, "GET", "/conversations/7/messages").json()
    ids = [m["id"] for m in latest["payload"]]
    assert len(ids) == 20 and ids == sorted(ids)
    assert latest["meta"]["assignee"]["type"] == "user" and latest["meta"]["contact"]["type"] == "contact"
    collected = list(ids)
    while True:
        page = call(sb, "GET", "/conversations/7/messages", params={"before": collected[0]}).json()["payload"]
        if not page:
            break
        page_ids = [m["id"] for m in page]
        assert page_ids == sorted(page_ids) and len(page_ids) <= 20
        assert page_ids[-1] < collected[0]
        collected = page_ids + collected
    assert len(collected) == 230
    assert collected == list(range(collected[0], collected[0] + 230))  # no gaps, no duplicates
    after = call(sb, "GET", "/conversations/7/messages", params={"after": collected[0]}).json()["payload"]
    assert [m["id"] for m in after] == collected[1:101]
    between = call(
        sb, "GET", "/conversations/7/messages", params={"after": collected[10], "before": collected[15]}
    ).json()["payload"]
    assert [m["id"] for m in between] == collected[10:15]
    public = call(sb, "GET", "/conversations/7/messages", params={"filter_internal_messages": "true"}).json()
    assert all(not m["private"] and m["message_type"] != 2 for m in public["payload"])
    assert all("account_id" not in m and "updated_at" not in m for m in public["payload"])


def test_toggle_priority_answers_an_empty_200(sb):
    answer = call(sb, "POST", "/conversations/2/toggle_priority", json={"priority": "high"})
    assert (answer.status_code, answer.content) == (200, b"")
    assert sb.conversations[2]["priority"] == "high"
    assert call(sb, "POST", "/conversations/2/toggle_priority", json={"priority": "none"}).status_code == 500
    call(sb, "POST", "/conversations/2/toggle_priority", json={})
    assert call(sb, "GET", "/conversations/2").json()["priority"] is None


def test_toggle_status(sb):
    resolved = call(sb, "POST", "/conversations/2/toggle_status", json={"status": "resolved"}).json()
    assert resolved == {
        "payload": {"success": True, "conversation_id": 2, "current_status": "resolved", "snoozed_until": None}
    }
    snoozed = call(
        sb, "POST", "/conversations/2/toggle_status", json={"status": "snoozed", "snoozed_until": 1771000000}
    ).json()
    assert snoozed["payload"]["snoozed_until"] == "2026-02-13T16:26:40.000Z"
    assert call(sb, "POST", "/conversations/2/toggle_status", json={"status": "closed"}).status_code == 500
    reopened = call(sb, "POST", "/conversations/2/toggle_status", json={}, token=Sandbox.AGENT_TOKEN).json()
    assert reopened["payload"]["current_status"] == "open"
    assert sb.conversations[2]["assignee_id"] == 2  # an agent reopening self-assigns


def test_labels_replace_and_custom_attributes(sb):
    assert call(sb, "GET", "/conversations/1/labels").json() == {"payload": ["billing"]}
    replaced = call(sb, "POST", "/conversations/1/labels", json={"labels": ["vip", "refund"]}).json()
    assert replaced == {"payload": ["vip", "refund"]}
    assert call(sb, "GET", "/conversations/1").json()["labels"] == ["vip", "refund"]
    assert call(sb, "POST", "/conversations/1/labels", json={"labels": "vip"}).json() == {"payload": []}
    attrs = call(sb, "POST", "/conversations/1/custom_attributes", json={"custom_attributes": {"x": 1}})
    assert attrs.json() == {"custom_attributes": {"x": 1}}


def test_assignment_branches(sb):
    agent = call(sb, "POST", "/conversations/2/assignments", json={"assignee_id": 3, "team_id": 1}).json()
    assert agent["id"] == 3 and agent["role"] == "agent" and "access_token" not in agent
    assert sb.conversations[2]["team_id"] is None  # one branch per call
    unassigned = call(sb, "POST", "/conversations/2/assignments", json={"assignee_id": None})
    assert unassigned.text == "null" and sb.conversations[2]["assignee_id"] is None
    team = call(sb, "POST", "/conversations/2/assignments", json={"team_id": 2}).json()
    assert list(team) == ["id", "name", "description", "allow_auto_assign", "account_id", "created_at", "updated_at"]
    assert team["created_at"].endswith("Z")
    assert call(sb, "POST", "/conversations/2/assignments", json={"team_id": 0}).text == "null"
    assert sb.conversations[2]["team_id"] is None
    assert call(sb, "POST", "/conversations/2/assignments", json={}).text == "null"


def test_agent_cannot_see_conversations_outside_their_inboxes_and_teams(sb):
    hidden = call(sb, "GET", "/conversations/3", token=Sandbox.AGENT_TOKEN)
    assert (hidden.status_code, hidden.json()) == (401, {"error": "You are not authorized to do this action"})
    assert call(sb, "GET", "/conversations/8", token=Sandbox.AGENT_TOKEN).status_code == 200  # via team billing


def test_create_conversation(sb):
    next_id = max(sb.conversations) + 1  # after the base seed (1-30) and the seeded fortnight
    created = call(
        sb,
        "POST",
        "/conversations",
        json={"inbox_id": 2, "contact_id": 13, "message": {"content": "Hello!"}, "status": "pending"},
    )
    body = created.json()
    assert body["id"] == next_id and body["status"] == "pending" and body["inbox_id"] == 2
    assert body["messages"][0]["content"] == "Hello!" and body["messages"][0]["sender_type"] == "User"
    assert body["waiting_since"] == 0 and body["first_reply_created_at"] > 0
    assert call(sb, "POST", "/conversations", json={"source_id": "missing"}).status_code == 404
    assert (
        call(sb, "POST", "/conversations", json={"inbox_id": 2, "contact_id": 13, "status": "archived"}).status_code
        == 500
    )


# ---------------------------------------------------------------- messages


def test_message_create_shape_and_errors(sb):
    sent = call(sb, "POST", "/conversations/1/messages", json={"content": "On it!", "private": False})
    body = sent.json()
    assert body["message_type"] == 1 and body["conversation_id"] == 1 and body["sender"]["id"] == 1
    assert list(body) == [
        "id",
        "content",
        "inbox_id",
        "conversation_id",
        "message_type",
        "content_type",
        "status",
        "content_attributes",
        "created_at",
        "private",
        "source_id",
        "sender",
    ]
    incoming = call(sb, "POST", "/conversations/1/messages", json={"content": "hi", "message_type": "incoming"})
    assert incoming.json()["sender"]["type"] == "contact"
    web = call(sb, "POST", "/conversations/2/messages", json={"content": "hi", "message_type": "incoming"})
    assert (web.status_code, web.json()) == (422, {"error": "Incoming messages are only allowed in Api inboxes"})
    foo = call(sb, "POST", "/conversations/2/messages", json={"content": "hi", "message_type": "foo"})
    assert foo.json() == {"error": "'foo' is not a valid message_type"}
    long = call(sb, "POST", "/conversations/2/messages", json={"content": "x" * 150_001})
    assert long.json() == {"error": "Validation failed: Content is too long (maximum is 150000 characters)"}


def test_multipart_attachment(sb):
    answer = call(
        sb,
        "POST",
        "/conversations/1/messages",
        data={"content": "See attached", "private": "false", "message_type": "outgoing"},
        files={"attachments[]": ("invoice.pdf", b"%PDF-1.4 test", "application/pdf")},
    )
    assert answer.status_code == 200
    body = answer.json()
    assert body["private"] is False
    attachment = body["attachments"][0]
    assert attachment["file_type"] == "file" and attachment["extension"] == "pdf"
    assert attachment["file_size"] == 13 and attachment["message_id"] == body["id"]
    upload = sb.uploads[0]
    assert (upload["filename"], upload["content_type"], upload["file_size"]) == ("invoice.pdf", "application/pdf", 13)
    assert sb.requests[-1].files == [
        {"field": "attachments[]", "filename": "invoice.pdf", "content_type": "application/pdf", "size": 13}
    ]
    assert requests.get(attachment["data_url"], timeout=5).content == b"%PDF-1.4 test"


# ---------------------------------------------------------------- harness features


def test_fail_next_and_latency(sb):
    sb.fail_next("GET", r"/contacts/search$", 429, "Retry later\n", content_type="text/plain", times=2)
    for _ in range(2):
        limited = call(sb, "GET", "/contacts/search", params={"q": "a"})
        assert (limited.status_code, limited.text) == (429, "Retry later\n")
        assert limited.headers["Content-Type"].startswith("text/plain") and "Retry-After" not in limited.headers
    assert call(sb, "GET", "/contacts/search", params={"q": "a"}).status_code == 200
    assert [r.status for r in sb.requests] == [429, 429, 200]
    sb.latency = 0.1
    started = time.monotonic()
    call(sb, "GET", "/agents")
    assert time.monotonic() - started >= 0.1


def test_seeding_5000_conversations_is_fast():
    started = time.monotonic()
    big = Sandbox(extra_conversations=5000)
    assert time.monotonic() - started < 1.0
    week = sum(c["created_at"] > big.BASE_TIME for c in big.conversations.values())
    assert len(big.conversations) == 5030 + week and max(big.conversations) == 5030 + week


def test_reset_restores_the_seed(sb):
    call(sb, "DELETE", "/contacts/2")
    sb.reset()
    assert 2 in sb.contacts and sb.requests == []


def test_command_line_prints_the_exports():
    proc = subprocess.Popen(
        [sys.executable, "-m", "sandbox", "--quiet"],
        cwd=Path(__file__).resolve().parent,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        lines = [proc.stdout.readline().rstrip("\n") for _ in range(3)]
        assert lines[0].startswith("export CHATWOOT_BASE_URL=http://127.0.0.1:")
        assert lines[1:] == ["export CHATWOOT_API_TOKEN=sandbox-token", "export CHATWOOT_ACCOUNT_ID=1"]
        url = lines[0].split("=", 1)[1]
        assert (
            requests.get(url + "/api/v1/profile", headers={"api_access_token": "sandbox-token"}, timeout=5).json()["id"]
            == 1
        )
        assert "Ctrl-C" in proc.stderr.readline()
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=5) == 0
