"""Contacts beyond the seed (update, list, delete, a contact's conversations), priority,
teams, canned responses and whoami: the exact requests and outputs."""

from __future__ import annotations

import json

import pytest
from conftest import ACCOUNT_PATH, assert_received, only_request

CONTACT = {
    "additional_attributes": {"city": "Munich"},
    "availability_status": "offline",
    "email": "jane.doe@example.com",
    "id": 17,
    "name": "Jane D.",
    "phone_number": "+4915112345678",
    "blocked": False,
    "identifier": "cust-1042",
    "thumbnail": "",
    "custom_attributes": {"plan": "enterprise", "seats": 12},
    "created_at": 1768000000,
    "contact_inboxes": [],
}
CONVERSATION = {"meta": {"sender": {"name": "Jane Doe"}, "channel": "Channel::Api"}, "id": 42, "status": "open"}


def compact(document) -> str:
    return json.dumps(document, ensure_ascii=False) + "\n"


def lines(items) -> str:
    return "[\n" + ",\n".join(json.dumps(i, ensure_ascii=False) for i in items) + "\n]\n"


# ----------------------------------------------------------------------------- update_contact


def test_update_contact_sends_only_the_named_fields_with_typed_attributes(httpserver, run):
    httpserver.expect_request(f"{ACCOUNT_PATH}/contacts/17", method="PATCH").respond_with_json({"payload": CONTACT})
    result = run("update_contact", "17", "--name", "Jane D.", "--custom-attr", "seats:=12", "--attr", "city=Munich")
    assert result.code == 0, result.stderr
    assert result.stdout == compact({"payload": CONTACT})
    assert_received(
        only_request(httpserver),
        "PATCH",
        f"{ACCOUNT_PATH}/contacts/17",
        body={"name": "Jane D.", "additional_attributes": {"city": "Munich"}, "custom_attributes": {"seats": 12}},
    )
    assert run.request_files() == []


def test_update_contact_with_nothing_to_change_is_a_usage_error(httpserver, run):
    result = run("update_contact", "17")
    assert result.code == 2
    assert result.error_lines == [
        "error: nothing to update; give at least one of --name, --email, --phone, --identifier, --attr, --custom-attr, "
        "--unset-custom-attr"
    ]
    assert httpserver.log == []


# ----------------------------------------------------------------------------- list_contacts


def test_list_contacts_sort_label_and_page(httpserver, run):
    page = {"meta": {"count": 1, "current_page": "2"}, "payload": [CONTACT]}
    httpserver.expect_request(f"{ACCOUNT_PATH}/contacts").respond_with_json(page)
    result = run("list_contacts", "--sort=-last_activity_at", "--label", "vip", "--label", "b2b", "--page", "2")
    assert result.code == 0, result.stderr
    assert result.stdout == compact(page)
    assert_received(
        only_request(httpserver),
        "GET",
        f"{ACCOUNT_PATH}/contacts",
        query=[("sort", "-last_activity_at"), ("labels[]", "vip"), ("labels[]", "b2b"), ("page", "2")],
    )


def test_list_contacts_rejects_an_unknown_sort(httpserver, run):
    result = run("list_contacts", "--sort", "age")
    assert result.code == 2
    assert result.error_lines[0].startswith("error: argument --sort: invalid choice: 'age'")
    assert httpserver.log == []


# ----------------------------------------------------------------------------- delete_contact


def test_delete_contact_needs_yes_and_sends_nothing_without_it(httpserver, run):
    result = run("delete_contact", "17")
    assert result.code == 2
    assert result.error_lines == ["error: deleting contact 17 cannot be undone; add --yes to confirm"]
    assert httpserver.log == []


def test_delete_contact_reports_the_empty_bodied_success(httpserver, run):
    httpserver.expect_request(f"{ACCOUNT_PATH}/contacts/17", method="DELETE").respond_with_data("", status=200)
    result = run("delete_contact", "17", "--yes")
    assert result.code == 0, result.stderr
    assert result.stdout == '{"deleted": true, "contact_id": 17}\n'
    assert_received(only_request(httpserver), "DELETE", f"{ACCOUNT_PATH}/contacts/17")
    assert only_request(httpserver).get_data() == b""


def test_delete_contact_as_an_agent_gets_the_role_hint(httpserver, run):
    httpserver.expect_request(f"{ACCOUNT_PATH}/contacts/17", method="DELETE").respond_with_json(
        {"error": "You are not authorized to do this action"}, status=401
    )
    result = run("delete_contact", "17", "--yes")
    assert result.code == 1
    assert result.error_lines == [
        "error: HTTP 401 from Chatwoot: You are not authorized to do this action",
        "error: hint: the token's user lacks the role for this (administrators only, or not a member of that inbox)",
    ]


# ----------------------------------------------------------------------------- contact_conversations


def test_contact_conversations_summary(httpserver, run):
    httpserver.expect_request(f"{ACCOUNT_PATH}/contacts/17/conversations").respond_with_json(
        {"payload": [CONVERSATION]}
    )
    result = run("contact_conversations", "17", "--summary")
    assert result.code == 0, result.stderr
    assert result.stdout == lines(
        [
            {
                "id": 42, "status": "open", "priority": None, "contact": "Jane Doe", "contact_id": None,
                "inbox_id": None, "assignee": None, "team": None, "labels": [], "unread": None, "waiting_since": None,
                "last_message": None,
            }
        ]
    )  # fmt: skip


# ----------------------------------------------------------------------------- teams, canned responses


def test_list_teams_summary(httpserver, run):
    teams = [{"id": 2, "name": "billing", "description": "", "allow_auto_assign": True, "account_id": 1}]
    httpserver.expect_request(f"{ACCOUNT_PATH}/teams").respond_with_json(teams)
    result = run("list_teams", "--summary")
    assert result.stdout == lines([{"id": 2, "name": "billing"}])
    result = run("list_teams")
    assert result.stdout == lines(teams)  # any array of objects prints one object a line


def test_canned_responses_search(httpserver, run):
    rows = [{"id": 1, "account_id": 1, "short_code": "refund", "content": "We've processed your refund."}]
    httpserver.expect_request(f"{ACCOUNT_PATH}/canned_responses", query_string="search=refund").respond_with_json(rows)
    result = run("canned_responses", "--search", "refund")
    assert result.code == 0, result.stderr
    assert result.stdout == lines(rows)
    assert_received(only_request(httpserver), "GET", f"{ACCOUNT_PATH}/canned_responses", query=[("search", "refund")])


# ----------------------------------------------------------------------------- whoami

PROFILE = {
    "access_token": "profile-secret-token",
    "account_id": 1,
    "available_name": "Ana",
    "email": "ana@example.com",
    "id": 5,
    "name": "Ana Silva",
    "pubsub_token": "pubsub-secret",
    "role": "administrator",  # the role in the account used last in the browser: account 2 here
    "accounts": [
        {"id": 1, "name": "Acme Support", "role": "agent", "status": "active", "availability": "online"},
        {"id": 2, "name": "Side Project", "role": "administrator", "status": "active", "availability": "online"},
    ],
}
SHOWN = {k: v for k, v in PROFILE.items() if k not in ("access_token", "pubsub_token")}


def test_whoami_prints_the_profile_without_its_tokens(httpserver, run):
    httpserver.expect_request("/api/v1/profile").respond_with_json(PROFILE)
    result = run("whoami")
    assert result.code == 0, result.stderr
    account = {"id": 1, "name": "Acme Support", "role": "agent", "status": "active"}  # CHATWOOT_ACCOUNT_ID's
    assert result.stdout == compact({**SHOWN, "account": account})
    assert "secret" not in result.stdout
    assert_received(only_request(httpserver), "GET", "/api/v1/profile")


def test_whoami_says_when_the_account_is_not_the_tokens(httpserver, run):
    httpserver.expect_request("/api/v1/profile").respond_with_json(PROFILE)
    result = run("whoami", env={"CHATWOOT_ACCOUNT_ID": "9"})
    assert result.code == 1
    assert result.stdout == compact({**SHOWN, "account": None})
    assert result.error_lines == [
        "error: CHATWOOT_ACCOUNT_ID=9 is not one of this token's accounts: 1 (Acme Support, agent), "
        "2 (Side Project, administrator); set it to one of them"
    ]


def test_whoami_needs_no_account_id(httpserver, run):
    httpserver.expect_request("/api/v1/profile").respond_with_json(PROFILE)
    result = run("whoami", env={"CHATWOOT_ACCOUNT_ID": None})
    assert result.code == 0, result.stderr
    assert result.stdout == compact(SHOWN)


def test_whoami_with_a_wrong_token(httpserver, run):
    httpserver.expect_request("/api/v1/profile").respond_with_json({"error": "Invalid Access Token"}, status=401)
    result = run("whoami")
    assert result.code == 1
    assert result.error_lines == [
        "error: HTTP 401 from Chatwoot: Invalid Access Token",
        "error: hint: CHATWOOT_API_TOKEN is wrong or revoked; copy it again from Profile Settings → Access Token",
    ]
