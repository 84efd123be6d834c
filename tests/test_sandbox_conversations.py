"""Self-tests of the sandbox's conversation side (tests/sandbox/): authentication and errors, contacts,
conversations, messages, Liquid, assignments, statuses, an agent token's permissions, paging, the
filter engine, rate limits, a suspended account, and the harness (faults, latency, reset). It must
behave as Chatwoot's source does, as the reference reads it; the team endpoints have their own file."""

from __future__ import annotations

import os
import random
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
    first = call(sb, "GET", "/contacts", params={"sort": "created_at"}).json()  # no sort: no stable order
    assert first["meta"] == {"count": 19, "current_page": 1}
    assert len(first["payload"]) == 15
    second = call(sb, "GET", "/contacts", params={"page": 2, "sort": "created_at"}).json()
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


def test_extra_conversations_follow_the_starting_data_with_consecutive_ids():
    big = Sandbox(extra_conversations=5000)
    week = sum(c["created_at"] > big.BASE_TIME for c in big.conversations.values())
    assert len(big.conversations) == 5030 + week and max(big.conversations) == 5030 + week


def test_reset_restores_the_starting_data(sb):
    before = call(sb, "GET", "/contacts/2").json()
    assert call(sb, "DELETE", "/contacts/2").status_code == 200
    sb.reset()
    assert sb.requests == []
    assert call(sb, "GET", "/contacts/2").json() == before


def test_command_line_prints_the_exports():
    proc = subprocess.Popen(
        [sys.executable, "-m", "sandbox", "--quiet", "--conversations-per-page", "3"],
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
        listed = requests.get(
            url + "/api/v1/accounts/1/conversations", headers={"api_access_token": "sandbox-token"}, timeout=5
        )
        assert len(listed.json()["data"]["payload"]) == 3
        assert "Ctrl-C" in proc.stderr.readline()
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=5) == 0


# ---------------------------------------------------------------- Liquid in messages (liquidable.rb)


def test_liquid_renders_the_drops_in_outgoing_messages_and_notes(sb):
    sb.contacts[1]["name"] = "jANE  mcDONALD"
    text = (
        "Hi {{ contact.name }} ({{ contact.first_name }}/{{ contact.last_name }}, {{ contact.email }}, "
        "{{ contact.custom_attribute.plan }}) from {{ agent.name }} aka {{ agent.available_name }}; "
        "#{{ conversation.display_id }} id {{ conversation.id }} for {{ conversation.contact_name }} "
        "in {{ inbox.name }} of {{ account.name }}{{ contact.identifier }}{{ nothing.here }}. `{{ code }}` {{ 7*7 }}"
    )
    expected = (
        "Hi Jane Mcdonald (Jane/Mcdonald, jane.doe@example.com, pro) from Owner Admin aka Owner; "
        "#1 id 1001 for Jane  mcdonald in Support API of Acme Support. `{{ code }}` "
    )
    sent = call(sb, "POST", "/conversations/1/messages", json={"content": text}).json()
    assert sent["content"] == expected and "processed_message_content" not in sent
    stored = sb.messages[sent["id"]]
    assert (stored["content"], stored["processed_message_content"]) == (expected, text)  # before_save, then Liquid
    note = call(sb, "POST", "/conversations/1/messages", json={"content": "{{ agent.first_name }}", "private": True})
    assert note.json()["content"] == "Owner"  # private notes are outgoing messages too
    incoming = call(
        sb, "POST", "/conversations/1/messages", json={"content": "{{ contact.name }}", "message_type": "incoming"}
    )
    assert incoming.json()["content"] == "{{ contact.name }}"
    activity = call(sb, "POST", "/conversations/1/messages", json={"content": "{{ x }}", "message_type": "activity"})
    assert activity.json()["content"] == "{{ x }}"
    template = call(
        sb, "POST", "/conversations/1/messages", json={"content": "{{ inbox.id }}", "message_type": "template"}
    )
    assert template.json()["content"] == "2"

    listed = call(sb, "GET", "/conversations/1/messages").json()["payload"]
    assert all("processed_message_content" not in m for m in listed)
    shown = call(sb, "GET", "/conversations/1").json()
    assert shown["messages"][0]["processed_message_content"] == "{{ inbox.id }}"
    assert shown["messages"][0]["content"] == "2"
    assert shown["last_non_activity_message"]["processed_message_content"] == "{{ inbox.id }}"


def test_liquid_syntax_errors_keep_the_content_and_render_errors_are_written_in(sb):
    kept = [
        "{% foo %} hi",
        "{% if x %} never closed",
        "{% raw %} never closed",
        "{% endif %} alone",
        "{{contact.email}  {{hi}}",
        "{% if",
        "{% for %}{% endfor %}",
        "price {{ contact.name }} {%- endraw %}",
    ]
    for text in kept:
        answer = call(sb, "POST", "/conversations/2/messages", json={"content": text}).json()
        assert answer["content"] == text, text
        assert sb.messages[answer["id"]]["content"] == text
    division = call(sb, "POST", "/conversations/2/messages", json={"content": "a {{ 10 | divided_by: 0 }} b"})
    assert division.json()["content"] == "a Liquid error: divided by 0 b"
    blank = call(sb, "POST", "/conversations/2/messages", json={"content": "  "})
    assert blank.json()["content"] == "  "  # content.present? is false: no Liquid


def test_liquid_in_the_first_message_of_a_new_conversation_and_in_template_params(sb):
    created = call(
        sb,
        "POST",
        "/conversations",
        json={
            "inbox_id": 2,
            "contact_id": 12,
            "message": {
                "content": "Hello {{ contact.first_name }}, `{{ kept }}`",
                "template_params": {
                    "name": "t",
                    "processed_params": {"1": "{{ contact.last_name }}", "2": ["{{ inbox.name }}"]},
                },
            },
        },
    ).json()
    message = sb.conversation_messages(created["id"])[0]
    assert message["content"] == "Hello Olivia, `{{ kept }}`"
    assert message["processed_message_content"] == "Hello {{ contact.first_name }}, `{{ kept }}`"
    params = message["additional_attributes"]["template_params"]
    assert params["processed_params"] == {"1": "Brown", "2": ["Support API"]}
    assert created["messages"][0]["processed_message_content"] == "Hello {{ contact.first_name }}, `{{ kept }}`"


def test_render_message_and_the_ruby_tokenizer_model():
    from sandbox.liquid import contact_drop, conversation_drop, render_message, ruby_liquid_syntax_error

    drops = {"contact": contact_drop({"id": 1, "name": "ada lovelace byron", "custom_attributes": {"k": 1}})}
    assert render_message("{{ contact.name }}|{{ contact.last_name }}|{{ contact.custom_attribute.k }}", drops) == (
        "Ada Lovelace Byron|Byron|1"
    )
    single = {"contact": contact_drop({"id": 1, "name": "ada"})}
    assert render_message("[{{ contact.first_name }}{{ contact.last_name }}]", single) == "[]"
    assert render_message("`{{ a }}` and ```\n{% if %}\n```", {}) == "`{{ a }}` and ```\n{% if %}\n```"
    assert render_message("{% raw %}{{ a }}{% endraw %} {{ 'x' | upcase }} {{ 'x' | nofilter }}", {}) == "{{ a }} X x"
    assert render_message("{% raw %}a{%- endraw -%}b{% endraw %}", {}) == "a{%- endraw -%}b"  # 5.4: no "-" in endraw
    assert render_message("{{ 7 | modulo: 0 }}{{ 7 | divided_by: 2 }}", {}) == "Liquid error: divided by 03"
    assert render_message("{% comment %}{% anything %}{% endcomment %}ok", {}) == "ok"
    assert render_message("{% doc %}{% enddoc %}", {}) == "{% doc %}{% enddoc %}"  # no doc tag in 5.4
    assert conversation_drop(1001, {"id": 1}, {"name": "john DOE"}, [])["contact_name"] == "John doe"
    assert conversation_drop(1001, {"id": 1}, {"name": None}, [])["contact_name"] == "Customer"
    assert ruby_liquid_syntax_error("plain 50% off, {not liquid}") is None
    assert ruby_liquid_syntax_error("{{ a }") is not None and ruby_liquid_syntax_error("{% %}") is not None
    assert ruby_liquid_syntax_error("{% case x %}{% when 1 %}{% else %}{% endcase %}") is None
    assert ruby_liquid_syntax_error("{% for i in x %}{% elsif %}{% endfor %}") == "Unknown tag 'elsif'"
    assert ruby_liquid_syntax_error("{% liquid\nassign a = 1\nfoo\n%}") == "Unknown tag 'foo'"


# ---------------------------------------------------------------- assignments (assignments_controller.rb)


def test_assignee_ids_that_are_not_account_users_clear_assignee_and_bot(sb):
    for value in (999, 0, None, "abc"):
        sb.conversations[1]["assignee_id"], sb.conversations[1]["assignee_agent_bot_id"] = 2, 1
        answer = call(sb, "POST", "/conversations/1/assignments", json={"assignee_id": value})
        assert answer.text == "null", value
        assert (sb.conversations[1]["assignee_id"], sb.conversations[1]["assignee_agent_bot_id"]) == (None, None)
    sb.conversations[1]["assignee_agent_bot_id"] = 1
    agent = call(sb, "POST", "/conversations/1/assignments", json={"assignee_id": "3", "team_id": 2}).json()
    assert agent["id"] == 3 and agent["role"] == "agent"
    assert sb.conversations[1]["assignee_id"] == 3 and sb.conversations[1]["assignee_agent_bot_id"] is None
    assert sb.conversations[1]["team_id"] == 1  # team_id ignored when assignee_id is sent
    other_account_bot_user = call(sb, "POST", "/conversations/1/assignments", json={"assignee_type": "User"})
    assert other_account_bot_user.text == "null" and sb.conversations[1]["assignee_id"] == 3  # no branch


def test_agent_bot_assignment(sb):
    shown = call(sb, "GET", "/conversations/16").json()["meta"]
    assert shown["assignee_type"] == "AgentBot"
    assert shown["assignee"] == {
        "id": 1,
        "name": "Triage Bot",
        "description": "Routes new conversations",
        "thumbnail": "",
        "outgoing_url": "https://bots.acme.example/triage",
        "bot_type": "webhook",
    }
    counts = call(sb, "GET", "/conversations/meta", params={"status": "all"}).json()["meta"]
    assert counts["unassigned_count"] == sum(1 for c in sb.conversations.values() if c["assignee_id"] is None) == 7
    unassigned = call(sb, "GET", "/conversations", params={"status": "all", "assignee_type": "unassigned"}).json()
    assert 16 in {c["id"] for c in unassigned["data"]["payload"]}  # a bot is not an assignee_id

    sb.conversations[2]["assignee_id"] = 2
    system = call(sb, "POST", "/conversations/2/assignments", json={"assignee_type": "AgentBot", "assignee_id": 2})
    assert system.json() == {
        "id": 2,
        "name": "Captain",
        "description": "Chatwoot's system bot",
        "thumbnail": "",
        "bot_type": "webhook",
    }
    assert (sb.conversations[2]["assignee_id"], sb.conversations[2]["assignee_agent_bot_id"]) == (None, 2)
    for unknown in (3, 99, None):  # another account's bot, no such bot, no id: nothing changes
        answer = call(
            sb, "POST", "/conversations/2/assignments", json={"assignee_type": "AgentBot", "assignee_id": unknown}
        )
        assert answer.text == "null"
        assert sb.conversations[2]["assignee_agent_bot_id"] == 2
    call(sb, "POST", "/conversations/2/assignments", json={"assignee_id": 2})
    assert (sb.conversations[2]["assignee_id"], sb.conversations[2]["assignee_agent_bot_id"]) == (2, None)
    assert call(sb, "GET", "/conversations/2").json()["meta"]["assignee_type"] == "User"


def test_team_assignment_drops_non_members_and_auto_assigns_an_online_member(sb):
    # conversation 6: Website inbox (Ana, Bruno), assigned to Chen (not in billing), team tier-2
    team = call(sb, "POST", "/conversations/6/assignments", json={"team_id": 1}).json()
    assert team["id"] == 1 and "is_member" not in team and team["updated_at"].endswith("Z")
    assert sb.conversations[6]["team_id"] == 1
    assert sb.conversations[6]["assignee_id"] == 2  # Chen dropped; Ana is online, Bruno busy
    again = call(sb, "POST", "/conversations/6/assignments", json={"team_id": 1})
    assert again.json()["id"] == 1 and sb.conversations[6]["assignee_id"] == 2  # unchanged team: no callback
    # tier-2 does not auto-assign: Ana (not a member) is dropped and nobody is picked
    call(sb, "POST", "/conversations/6/assignments", json={"team_id": 2})
    assert (sb.conversations[6]["team_id"], sb.conversations[6]["assignee_id"]) == (2, None)
    # a member of the new team stays
    sb.conversations[6]["assignee_id"] = 3
    call(sb, "POST", "/conversations/6/assignments", json={"team_id": 1})
    assert sb.conversations[6]["assignee_id"] == 3
    for value in (0, None, 99, "x"):
        assert call(sb, "POST", "/conversations/6/assignments", json={"team_id": value}).text == "null"
        assert sb.conversations[6]["team_id"] is None and sb.conversations[6]["assignee_id"] == 3  # assignee stays


# ---------------------------------------------------------------- toggle_status (conversations_controller.rb)


def test_an_agent_token_takes_over_every_conversation_it_leaves_open(sb):
    agent = Sandbox.AGENT_TOKEN
    # already open, assigned to Chen: status "open" is no change, the agent still takes it
    same = call(sb, "POST", "/conversations/18/toggle_status", json={"status": "open"}, token=agent).json()
    assert same["payload"] == {"success": True, "conversation_id": 18, "current_status": "open", "snoozed_until": None}
    assert sb.conversations[18]["assignee_id"] == 2
    # a toggle without status reopens a resolved conversation of Bruno's
    call(sb, "POST", "/conversations/10/toggle_status", json={}, token=agent)
    assert (sb.conversations[10]["status"], sb.conversations[10]["assignee_id"]) == ("open", 2)
    # the bot's pending conversation: the agent replaces the bot
    call(sb, "POST", "/conversations/16/toggle_status", json={"status": "open"}, token=agent)
    assert (sb.conversations[16]["assignee_id"], sb.conversations[16]["assignee_agent_bot_id"]) == (2, None)
    # resolving, or an administrator reopening, assigns nobody
    call(sb, "POST", "/conversations/17/toggle_status", json={"status": "resolved"}, token=agent)
    assert sb.conversations[17]["assignee_id"] is None
    call(sb, "POST", "/conversations/17/toggle_status", json={"status": "open"})
    assert sb.conversations[17]["assignee_id"] is None


def test_toggle_status_errors_snooze_and_bot_handoff(sb):
    assert call(sb, "POST", "/conversations/2/toggle_status", json={"status": "closed"}).status_code == 500
    assert (
        call(
            sb, "POST", "/conversations/2/toggle_status", json={"status": "snoozed", "snoozed_until": "soon"}
        ).status_code
        == 500
    )
    assert (
        call(sb, "POST", "/conversations/2/toggle_status", json={"status": "snoozed", "snoozed_until": ""}).status_code
        == 500
    )
    assert sb.conversations[2]["status"] == "open"
    snoozed = call(
        sb, "POST", "/conversations/2/toggle_status", json={"status": "snoozed", "snoozed_until": "1771000000"}
    )
    assert snoozed.json()["payload"]["snoozed_until"] == "2026-02-13T16:26:40.000Z"
    assert sb.conversations[2]["snoozed_until"] == 1771000000
    reopened = call(sb, "POST", "/conversations/2/toggle_status", json={"status": "open", "snoozed_until": 1771000000})
    assert reopened.json()["payload"]["snoozed_until"] is None and sb.conversations[2]["snoozed_until"] is None
    handoff = call(sb, "POST", "/conversations/16/toggle_status", json={"status": "open"}, token=Sandbox.BOT_TOKEN)
    assert handoff.json()["payload"]["success"] is None  # bot_handoff! leaves @status unset
    assert sb.conversations[16]["status"] == "open" and sb.conversations[16]["assignee_agent_bot_id"] == 1


# ---------------------------------------------------------------- permissions of an agent-role token


def test_an_agent_lists_only_its_inboxes_but_opens_its_teams_conversations(sb):
    agent = Sandbox.AGENT_TOKEN  # Ana: inboxes Website, Support API, SMS, Telegram; team billing
    visible = {c["id"] for c in sb.conversations.values() if c["inbox_id"] in (1, 2)}  # the seeded fortnight too
    ids = set()
    for page in range(1, len(visible) // 25 + 2):
        listed = call(sb, "GET", "/conversations", params={"status": "all", "page": page}, token=agent).json()["data"]
        ids |= {c["id"] for c in listed["payload"]}
        assert listed["meta"]["all_count"] == len(visible)
    assert ids == visible
    counts = call(sb, "GET", "/conversations/meta", params={"status": "all"}, token=agent).json()["meta"]
    assert counts["all_count"] == len(visible)
    everything = {"attribute_key": "status", "filter_operator": "equal_to", "values": ["all"]}
    filtered = call(sb, "POST", "/conversations/filter", json={"payload": [everything]}, token=agent).json()
    assert filtered["meta"]["all_count"] == len(visible)
    assert call(sb, "GET", "/conversations/8", token=agent).status_code == 200  # Email inbox, team billing
    assert 8 not in ids  # ... yet never listed (PermissionFilterService: inboxes only)
    for hidden in (3, 29):  # Email inbox, team tier-2 / no team
        denied = call(sb, "GET", f"/conversations/{hidden}", token=agent)
        assert (denied.status_code, denied.json()) == (401, {"error": "You are not authorized to do this action"})
        assert (
            call(sb, "POST", f"/conversations/{hidden}/messages", json={"content": "x"}, token=agent).status_code == 401
        )
    own = {c["id"] for c in call(sb, "GET", "/contacts/1/conversations", token=agent).json()["payload"]}
    janes = [c for c in sb.conversations.values() if c["contact_id"] == 1]
    assert own == {c["id"] for c in janes if c["inbox_id"] in (1, 2)}  # not conversation 20, in the Email inbox
    assert 1 in own and 20 not in own
    everyone = call(sb, "GET", "/contacts/1/conversations").json()["payload"]
    assert len(everyone) == min(20, len(janes))
    # Chen is assigned conversation 25 in the Website inbox he is not a member of: being the assignee is not enough
    assert call(sb, "GET", "/conversations/25", token="sandbox-chen-token").status_code == 401


def test_inboxes_list_and_show_by_role(sb):
    names = [i["name"] for i in call(sb, "GET", "/inboxes", token=Sandbox.AGENT_TOKEN).json()["payload"]]
    assert names == ["SMS", "Support API", "Telegram", "Website"]
    assert len(call(sb, "GET", "/inboxes").json()["payload"]) == 6
    shown = call(sb, "GET", "/inboxes/2", token=Sandbox.AGENT_TOKEN).json()
    assert shown["channel_type"] == "Channel::Api" and "hmac_token" not in shown
    assert call(sb, "GET", "/inboxes/2").json()["hmac_token"] == "sbxHmacToken4Kd8"
    denied = call(sb, "GET", "/inboxes/3", token=Sandbox.AGENT_TOKEN)
    assert (denied.status_code, denied.json()) == (401, {"error": "You are not authorized to do this action"})
    assert call(sb, "GET", "/inboxes/99").json() == {"error": "Resource could not be found"}
    whatsapp = call(sb, "GET", "/inboxes/5").json()
    assert (whatsapp["phone_number"], whatsapp["provider"], whatsapp["message_templates"]) == (
        "+15005550007",
        "whatsapp_cloud",
        [],
    )
    assert call(sb, "GET", "/inboxes/6").json()["bot_name"] == "AcmeSupportBot"


def test_agent_bot_token_reaches_only_the_bot_endpoints(sb):
    bot = Sandbox.BOT_TOKEN
    for method, path in [
        ("GET", "/contacts"),
        ("GET", "/conversations"),
        ("GET", "/api/v1/profile"),
        ("DELETE", "/conversations/1/messages/1"),
    ]:
        denied = call(sb, method, path, token=bot)
        assert (denied.status_code, denied.json()) == (
            401,
            {"error": "Access to this endpoint is not authorized for bots"},
        )
    sent = call(sb, "POST", "/conversations/3/messages", json={"content": "I am {{ agent.name }}"}, token=bot).json()
    assert sent["sender"] == {"id": 1, "name": "Triage Bot", "avatar_url": "", "type": "agent_bot"}
    assert sent["content"] == "I am Triage Bot"
    assert sb.messages[sent["id"]]["sender_type"] == "AgentBot"
    other = call(sb, "POST", "/api/v1/accounts/2/conversations/1/toggle_status", json={}, token=bot)
    assert (other.status_code, other.json()) == (401, {"error": "Bot is not authorized to access this account"})


# ---------------------------------------------------------------- conversation list: page size, status, source_id


def test_conversation_page_size_comes_from_the_constructor_and_filter_stays_25():
    with Sandbox(extra_conversations=43, conversations_per_page=10) as sb:
        total = len(sb.conversations)  # the base seed, the fortnight, the 43 extra
        assert total % 10 == 4
        pages = [
            call(sb, "GET", "/conversations", params={"status": "all", "page": n}).json()["data"]["payload"]
            for n in range(1, total // 10 + 3)
        ]
        assert [len(p) for p in pages] == [10] * (total // 10) + [4, 0]
        everything = {"attribute_key": "status", "filter_operator": "equal_to", "values": ["all"]}
        filtered = call(sb, "POST", "/conversations/filter", json={"payload": [everything]}).json()
        assert len(filtered["payload"]) == 25 and filtered["meta"]["all_count"] == total
        unknown = call(sb, "GET", "/conversations", params={"status": "archived"}).json()["data"]
        assert unknown["meta"]["all_count"] == 0  # where(status: 'archived') matches nothing
        assert sb.errors == []


def test_source_id_narrows_to_one_contact_inbox(sb):
    first = call(sb, "POST", "/conversations", json={"inbox_id": 2, "contact_id": 13}).json()
    second = call(sb, "POST", "/conversations", json={"inbox_id": 2, "contact_id": 13, "status": "resolved"}).json()
    sources = [sb.contact_inboxes[sb.conversations[c["id"]]["contact_inbox_id"]]["source_id"] for c in (first, second)]
    assert sources[0] != sources[1]  # a new UUID contact inbox per conversation in an API inbox
    found = call(sb, "GET", "/conversations", params={"inbox_id": 2, "source_id": sources[1]}).json()["data"]
    assert found["payload"] == []  # status defaults to open
    found = call(sb, "GET", "/conversations", params={"inbox_id": 2, "source_id": sources[1], "status": "all"}).json()
    assert [c["id"] for c in found["data"]["payload"]] == [second["id"]]
    contact = call(sb, "GET", "/contacts/13").json()["payload"]
    assert {ci["source_id"] for ci in contact["contact_inboxes"]} >= set(sources)


# ---------------------------------------------------------------- contacts: no order without sort


def test_contacts_come_in_a_new_order_each_request_without_sort(sb):
    sb.contact_order = random.Random(7)
    orders = [tuple(c["id"] for c in call(sb, "GET", "/contacts").json()["payload"]) for _ in range(3)]
    assert len(set(orders)) == 3  # three requests, three orders (and paging may skip or repeat rows)
    searches = {
        tuple(c["id"] for c in call(sb, "GET", "/contacts/search", params={"q": "example"}).json()["payload"])
        for _ in range(3)
    }
    assert len(searches) == 3
    # with sort: NULLS LAST on the scopes, Postgres' default (NULLs first descending) on email; ties in random order
    ties = set()
    for _ in range(12):
        rows = call(sb, "GET", "/contacts", params={"sort": "country", "include_contact_inboxes": "false"}).json()[
            "payload"
        ]
        countries = [c["additional_attributes"].get("country") for c in rows]
        assert countries[0] == "Australia"
        germans = [c["id"] for c in rows if c["additional_attributes"].get("country") == "Germany"]
        ties.add(tuple(germans))
    assert ties == {(1, 3), (3, 1)}
    by_email = call(sb, "GET", "/contacts", params={"sort": "-email"}).json()["payload"]
    assert [c["email"] for c in by_email[:2]] == [None, None]
    late = call(sb, "GET", "/contacts", params={"sort": "-country", "page": 2}).json()["payload"]
    assert late[-1]["additional_attributes"].get("country") is None
    rule = {"attribute_key": "country_code", "filter_operator": "equal_to", "values": ["de"]}
    sorted_filter = call(sb, "POST", "/contacts/filter", params={"sort": "-name"}, json={"payload": [rule]}).json()
    assert [c["id"] for c in sorted_filter["payload"]] == [3, 1]
    assert (
        call(sb, "GET", "/contacts", params={"include_contact_inboxes": "False"})
        .json()["payload"][0]
        .get("contact_inboxes")
        is None
    )


# ---------------------------------------------------------------- contact inboxes (ContactInboxBuilder)


def test_contact_inboxes_by_channel_type(sb):
    no_email = call(sb, "POST", "/conversations", json={"inbox_id": 3, "contact_id": 17})
    assert (no_email.status_code, no_email.json()) == (
        422,
        {"error": "param is missing or the value is empty: contact email"},
    )
    no_phone = call(sb, "POST", "/conversations", json={"inbox_id": 4, "contact_id": 13})
    assert no_phone.json() == {"error": "param is missing or the value is empty: contact phone number"}
    count = len(sb.conversations)
    sms = call(sb, "POST", "/conversations", json={"inbox_id": 4, "contact_id": 1}).json()
    whatsapp = call(sb, "POST", "/conversations", json={"inbox_id": 5, "contact_id": 1}).json()
    email = call(sb, "POST", "/conversations", json={"inbox_id": 3, "contact_id": 17 - 16}).json()
    sources = [
        sb.contact_inboxes[sb.conversations[c["id"]]["contact_inbox_id"]]["source_id"] for c in (sms, whatsapp, email)
    ]
    assert sources == ["+4915112345678", "4915112345678", "jane.doe@example.com"]
    assert sb.conversations[email["id"]]["contact_inbox_id"] == sb.conversations[20]["contact_inbox_id"]  # reused
    telegram = call(sb, "POST", "/conversations", json={"inbox_id": 6, "contact_id": 1})
    assert (telegram.status_code, telegram.json()) == (500, {"status": 500, "error": "Internal Server Error"})
    assert len(sb.conversations) == count + 3
    with_source = call(sb, "POST", "/conversations", json={"inbox_id": 6, "contact_id": 1, "source_id": "tg-1"})
    assert with_source.status_code == 200 and with_source.json()["meta"]["channel"] == "Channel::Telegram"
    taken = call(sb, "POST", "/conversations", json={"inbox_id": 6, "contact_id": 2, "source_id": "tg-1"})
    assert (taken.status_code, taken.json()) == (422, {"error": "source_id should be unique"})
    denied = call(sb, "POST", "/conversations", json={"inbox_id": 5, "contact_id": 1}, token=Sandbox.AGENT_TOKEN)
    assert denied.status_code == 401  # Ana is not in the WhatsApp inbox
    # POST /contacts uses the same builder, inside the contact's transaction
    before = set(sb.contacts)
    assert call(sb, "POST", "/contacts", json={"name": "T", "email": "t@example.com", "inbox_id": 6}).status_code == 500
    assert call(sb, "POST", "/contacts", json={"name": "S", "email": "s@example.com", "inbox_id": 4}).status_code == 422
    assert (
        call(
            sb, "POST", "/contacts", json={"name": "U", "email": "u@example.com", "inbox_id": 6, "source_id": "tg-1"}
        ).status_code
        == 500
    )
    assert set(sb.contacts) == before
    made = call(sb, "POST", "/contacts", json={"name": "W", "phone_number": "+14155550100", "inbox_id": 5}).json()
    assert made["payload"]["contact_inbox"]["source_id"] == "14155550100"


# ---------------------------------------------------------------- a contact's conversations


def test_contact_conversations_are_the_20_last_active_of_every_status(sb):
    contact = call(sb, "POST", "/contacts", json={"name": "Busy", "email": "busy@example.com"}).json()["payload"][
        "contact"
    ]
    statuses = ["open", "resolved", "pending", "snoozed"]
    made = [
        sb.add_conversation(
            contact["id"], 2 if k % 3 else 3, status=statuses[k % 4], last_activity_at=Sandbox.BASE_TIME - k * 3600
        )
        for k in range(23)
    ]
    payload = call(sb, "GET", f"/contacts/{contact['id']}/conversations").json()["payload"]
    assert [c["id"] for c in payload] == [c["id"] for c in made[:20]]
    assert {c["status"] for c in payload} == set(statuses)
    agent = call(sb, "GET", f"/contacts/{contact['id']}/conversations", token=Sandbox.AGENT_TOKEN).json()["payload"]
    assert [c["id"] for c in agent] == [c["id"] for c in made if c["inbox_id"] == 2][:20]


# ---------------------------------------------------------------- deleting a message


def test_deleting_a_message_keeps_the_row(sb):
    sent = call(
        sb,
        "POST",
        "/conversations/1/messages",
        data={"content": "See the file", "content_attributes": '{"in_reply_to": 3}'},
        files={"attachments[]": ("a.txt", b"abc", "text/plain")},
    ).json()
    url = sent["attachments"][0]["data_url"]
    deleted = call(sb, "DELETE", f"/conversations/1/messages/{sent['id']}")
    body = deleted.json()
    assert body["content"] == "This message was deleted" and body["content_attributes"] == {"deleted": True}
    assert "attachments" not in body and "processed_message_content" not in body
    row = sb.messages[sent["id"]]
    assert (row["content_type"], row["attachments"], row["processed_message_content"]) == (
        "text",
        [],
        "This message was deleted",
    )
    assert sent["id"] in sb.conversations[1]["message_ids"]
    assert requests.get(url, timeout=5).status_code == 404
    assert (
        call(sb, "GET", "/conversations/1").json()["messages"][0]["processed_message_content"]
        == "This message was deleted"
    )
    incoming = sb.conversations[2]["message_ids"][0]  # the contact's message, deleted by an agent: allowed
    assert call(sb, "DELETE", f"/conversations/2/messages/{incoming}", token=Sandbox.AGENT_TOKEN).status_code == 200
    assert call(sb, "DELETE", f"/conversations/1/messages/{incoming}").json() == {
        "error": "Resource could not be found"
    }
    assert call(sb, "DELETE", "/conversations/3/messages/1", token=Sandbox.AGENT_TOKEN).status_code == 401


def test_destroy_custom_attributes(sb):
    answer = call(sb, "POST", "/contacts/2/destroy_custom_attributes", json={"custom_attributes": ["seats", "nope"]})
    payload = answer.json()["payload"]
    assert payload["custom_attributes"] == {"plan": "enterprise"} and "contact_inboxes" in payload
    assert sb.contacts[2]["custom_attributes"] == {"plan": "enterprise"}
    assert call(sb, "POST", "/contacts/2/destroy_custom_attributes", json={}).json()["payload"][
        "custom_attributes"
    ] == {"plan": "enterprise"}


# ---------------------------------------------------------------- rate limiting (Rack::Attack)


def test_throttle_windows_follow_the_sandbox_clock(sb):
    now = [1_771_000_010.0]  # 10 s into a minute window
    sb.clock = lambda: now[0]
    sb.throttle(3, 60)
    answers = [call(sb, "GET", "/agents") for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    refused = answers[-1]
    assert (refused.text, refused.headers["Content-Type"]) == ("Retry later\n", "text/plain")
    assert "Retry-After" not in refused.headers
    assert answers[0].headers["Date"] == "Fri, 13 Feb 2026 16:26:50 GMT"
    assert sb.requests[-1].status == 429
    now[0] = 1_771_000_019.9  # same window
    assert call(sb, "GET", "/agents").status_code == 429
    now[0] = 1_771_000_020.0  # the next minute starts at a multiple of 60
    assert call(sb, "GET", "/agents").status_code == 200
    sb.fail_next("GET", r"/agents$", 503)
    assert call(sb, "GET", "/agents").status_code == 503  # faults come first and are not counted
    searches = sb.throttle(1, 60, r"/contacts/search$", per_account=True)
    assert call(sb, "GET", "/contacts/search", params={"q": "a"}).status_code == 200
    assert call(sb, "GET", "/contacts/search", params={"q": "a"}).status_code == 429
    assert searches.limit == 1
    sb.reset()
    assert call(sb, "GET", "/agents").status_code == 200  # reset drops throttle() ones and the clock


def test_rate_limit_from_the_constructor_survives_reset():
    now = [1_771_000_000.0]
    with Sandbox(rate_limit=(2, 10), clock=lambda: now[0]) as sb:
        assert [call(sb, "GET", "/agents").status_code for _ in range(3)] == [200, 200, 429]
        sb.reset()
        assert [call(sb, "GET", "/agents").status_code for _ in range(3)] == [200, 200, 429]
        now[0] += 10
        assert call(sb, "GET", "/agents").status_code == 200
        assert sb.errors == []


# ---------------------------------------------------------------- the filter engine (filter_service.rb)


class _AllPages:
    """Every page of a filter answer as one (the seeded fortnight makes more than a page)."""

    def __init__(self, first, payload):
        self.status_code = first.status_code
        self._body = {**first.json(), "payload": payload} if first.status_code == 200 else first.json()

    def json(self):
        return self._body


def _filter(sb, kind, *conditions, token=Sandbox.TOKEN):
    first = call(sb, "POST", f"/{kind}/filter", json={"payload": list(conditions)}, token=token)
    if first.status_code != 200:
        return first
    payload, page = list(first.json()["payload"]), 1
    while True:
        page += 1
        more = call(
            sb, "POST", f"/{kind}/filter", params={"page": page}, json={"payload": list(conditions)}, token=token
        )
        if not more.json()["payload"]:
            return _AllPages(first, payload)
        payload += more.json()["payload"]


def _ids(answer):
    return _ids_of(answer.json())


def _ids_of(body):
    return {row["id"] for row in body["payload"]}


def test_contact_filter_uses_the_first_value_and_starts_with_is_exact(sb):
    phone = {"attribute_key": "phone_number", "filter_operator": "starts_with"}
    assert _ids(_filter(sb, "contacts", {**phone, "values": ["4915112345678", "+34612345678"]})) == {1}
    assert _ids(_filter(sb, "contacts", {**phone, "values": ["+4915"]})) == set()
    names = {"attribute_key": "name", "filter_operator": "equal_to", "values": ["JANE DOE", "Zoë Müller"]}
    assert _ids(_filter(sb, "contacts", names)) == {1}
    contains = {"attribute_key": "name", "filter_operator": "contains", "values": ["jane", "zoë"]}
    assert _ids(_filter(sb, "contacts", contains)) == {1, 3}  # contains uses every value
    not_email = {"attribute_key": "email", "filter_operator": "not_equal_to", "values": ["jane.doe@example.com"]}
    with_email = [c for c in range(2, 20) if sb.contacts[c]["email"]]
    assert _filter(sb, "contacts", not_email).json()["meta"]["count"] == len(with_email) == 16  # no NULL e-mails
    company = {"attribute_key": "company", "filter_operator": "equal_to", "values": ["Acme GmbH"]}
    assert _ids(_filter(sb, "contacts", company)) == set()  # reads additional_attributes.company, not company_name
    sb.contacts[1]["additional_attributes"]["company"] = "ACME gmbh"
    assert _ids(_filter(sb, "contacts", company)) == {1}


def test_a_custom_attribute_condition_truncates_later_string_values(sb):
    custom = {"attribute_key": "order_id", "filter_operator": "equal_to", "values": ["A-1001", "A-0977"]}
    labels = {"attribute_key": "labels", "filter_operator": "equal_to", "values": ["vip", "billing"]}
    assert _ids(_filter(sb, "conversations", {**labels, "query_operator": "AND"}, custom)) == {1}
    assert _ids(_filter(sb, "conversations", {**custom, "query_operator": "AND"}, labels)) == set()  # labels = 'vip'
    inboxes = {"attribute_key": "inbox_id", "filter_operator": "equal_to", "values": ["1", "2"]}
    before = _ids(_filter(sb, "conversations", {**inboxes, "query_operator": "OR"}, custom))
    after = _ids(_filter(sb, "conversations", {**custom, "query_operator": "OR"}, inboxes))
    assert 17 in before and 17 not in after  # conversation 17 is in inbox 2: only "1" is left after the custom one
    assert 1 in after and 5 not in after  # the custom condition itself keeps "a-1001" only (lowercased)
    assert _ids(_filter(sb, "conversations", custom)) == {1}
    numbers = {**inboxes, "values": [1, 2]}
    assert 1 in _ids(_filter(sb, "conversations", {**custom, "query_operator": "OR"}, numbers))  # not strings: kept


def test_filter_errors_500s_and_days_before(sb):
    display = {"attribute_key": "display_id", "filter_operator": "contains", "values": ["1"]}
    assert _filter(sb, "conversations", display).status_code == 500
    unknown = {"attribute_key": "nope", "filter_operator": "equal_to", "values": ["x"], "query_operator": "AND"}
    xor = {"attribute_key": "status", "filter_operator": "equal_to", "values": ["open"], "query_operator": "XOR"}
    assert _filter(sb, "conversations", unknown, xor).json() == {
        "error": 'Query operator must be either "AND" or "OR".'
    }
    assert (
        _filter(sb, "conversations", {**unknown, "query_operator": None})
        .json()["error"]
        .startswith(
            "Invalid attribute key - [nope]. The key should be one of [status,assignee_id,inbox_id,team_id,priority,"
        )
    )
    blank = {**unknown, "values": [], "query_operator": None}
    assert _filter(sb, "conversations", blank).json() == {
        "error": "Invalid value. The values provided for nope are invalid"
    }
    not_gold = {"attribute_key": "order_id", "filter_operator": "not_equal_to", "values": ["a-1001"]}
    status = {"attribute_key": "status", "filter_operator": "equal_to", "values": ["resolved"], "query_operator": "AND"}
    assert (
        _filter(
            sb, "conversations", {**not_gold, "query_operator": "AND"}, {**status, "query_operator": None}
        ).status_code
        == 500
    )
    # last: "status = resolved AND order_id != 'a-1001' OR order_id IS NULL" keeps every row without an order id
    found = _filter(sb, "conversations", status, not_gold).json()
    without = [c for c in sb.conversations.values() if "order_id" not in c["custom_attributes"]]
    assert found["meta"]["all_count"] == len(without) and 1 not in _ids_of(found)
    midnight = int(sb._now()) // 86400 * 86400  # today, UTC (Time.zone is UTC)
    sb.conversations[2]["created_at"] = midnight - 2 * 86400 + 3600  # two days ago: not before it
    sb.conversations[4]["created_at"] = midnight - 3 * 86400 + 3600  # three days ago
    days = {"attribute_key": "created_at", "filter_operator": "days_before", "values": ["2"]}
    found = _ids(_filter(sb, "conversations", days))
    assert 4 in found and 2 not in found
    assert _filter(sb, "conversations", {**days, "values": ["soon"]}).status_code == 200  # "soon".to_i == 0


# ---------------------------------------------------------------- a suspended account


def test_a_suspended_account_refuses_before_membership(sb):
    for token in (Sandbox.TOKEN, Sandbox.AGENT_TOKEN):  # a member, and a user who is not one
        answer = call(sb, "GET", f"/api/v1/accounts/{Sandbox.SUSPENDED_ACCOUNT_ID}/contacts", token=token)
        assert (answer.status_code, answer.json()) == (401, {"error": "Account is suspended"})
    bot = call(sb, "POST", "/api/v1/accounts/3/conversations/1/toggle_status", json={}, token=Sandbox.BOT_TOKEN)
    assert bot.json() == {"error": "Account is suspended"}
    assert call(sb, "GET", "/api/v1/accounts/99/contacts").status_code == 404
    accounts = call(sb, "GET", "/api/v1/profile").json()["accounts"]
    assert [(a["id"], a["status"], a["role"], a["permissions"]) for a in accounts] == [
        (1, "active", "administrator", ["administrator"]),
        (3, "suspended", "agent", ["agent"]),
    ]
