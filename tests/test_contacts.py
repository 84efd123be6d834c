"""Contacts: create, search, get, update (and removing custom attributes), list, delete, and
find-or-create with its exact matching and its create race — what Chatwoot receives, what the agent
reads back, and what the contacts are afterwards."""

from __future__ import annotations

import json

import pytest
from conftest import (
    ACCOUNT_PATH,
    answer,
    assert_received,
    assert_success,
    body_of,
    only_request,
    only_write,
    printed,
    reads,
    serve_directory,
    strict_equal,
)
from samples import CONTACT, SEARCH_PAGE
from werkzeug.wrappers import Response

# --------------------------------------------------------------------------- canned answers
# Taken from reference/chatwoot-api.md; a few names carry non-ASCII so that the output's
# "UTF-8, not ASCII-escaped" rule is exercised (pytest-httpserver sends them \u-escaped).

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
STORED_CONTACT = {
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
    assert_success(run, result, printed(CREATED_CONTACT))


def test_create_contact_with_name_only_sends_only_the_name(run, httpserver):
    answer(httpserver, "POST", "/contacts", CREATED_CONTACT)
    result = run("create_contact", "--name", "New Lead")
    assert_received(only_request(httpserver), "POST", f"{ACCOUNT_PATH}/contacts", body={"name": "New Lead"})
    assert_success(run, result, printed(CREATED_CONTACT))


@pytest.mark.parametrize("written", ["+49 151 1234-5678", "+49 (151) 1234.5678", "+4915112345678"])
def test_create_contact_normalises_phone_to_e164(run, httpserver, written):
    answer(httpserver, "POST", "/contacts", CREATED_CONTACT)
    result = run("create_contact", "--name", "Jane", "--phone", written)
    assert body_of(only_request(httpserver)) == {"name": "Jane", "phone_number": "+4915112345678"}
    assert_success(run, result, printed(CREATED_CONTACT))


def test_create_contact_repeated_attr_key_keeps_the_last_value(run, httpserver):
    answer(httpserver, "POST", "/contacts", CREATED_CONTACT)
    result = run(
        "create_contact", "--name", "Jane", "--attr", "city=Bonn", "--attr", "city=Köln", "--custom-attr", "n=12"
    )
    body = body_of(only_request(httpserver))
    assert strict_equal(
        body, {"name": "Jane", "additional_attributes": {"city": "Köln"}, "custom_attributes": {"n": "12"}}
    ), body
    assert_success(run, result, printed(CREATED_CONTACT))


# --------------------------------------------------------------------------- search_contacts / get_contact


def test_search_contacts_sends_query_and_prints_answer(run, httpserver):
    answer(httpserver, "GET", "/contacts/search", SEARCH_PAGE)
    result = run("search_contacts", "Zoë Müller")
    assert_received(
        only_request(httpserver),
        "GET",
        f"{ACCOUNT_PATH}/contacts/search",
        query=[("q", "Zoë Müller"), ("sort", "created_at")],
    )
    assert_success(run, result, printed(SEARCH_PAGE))


def test_search_contacts_strips_query_and_sends_page(run, httpserver):
    answer(httpserver, "GET", "/contacts/search", SEARCH_PAGE)
    result = run("search_contacts", "  +49151  ", "--page", "2")
    assert_received(
        only_request(httpserver),
        "GET",
        f"{ACCOUNT_PATH}/contacts/search",
        query=[("q", "+49151"), ("sort", "created_at"), ("page", "2")],
    )
    assert_success(run, result, printed(SEARCH_PAGE))


def test_get_contact_prints_payload(run, httpserver):
    document = {"payload": CONTACT}
    answer(httpserver, "GET", "/contacts/17", document)
    result = run("get_contact", "17")
    assert_received(only_request(httpserver), "GET", f"{ACCOUNT_PATH}/contacts/17", query=[])
    assert_success(run, result, printed(document))


# --------------------------------------------------------------------------- update_contact


def test_update_contact_sends_only_the_named_fields_with_typed_attributes(httpserver, run):
    httpserver.expect_request(f"{ACCOUNT_PATH}/contacts/17", method="PATCH").respond_with_json(
        {"payload": STORED_CONTACT}
    )
    result = run("update_contact", "17", "--name", "Jane D.", "--custom-attr", "seats:=12", "--attr", "city=Munich")
    assert result.code == 0, result.stderr
    assert result.stdout == printed({"payload": STORED_CONTACT})
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


def test_unsetting_a_custom_attribute_removes_that_key_and_keeps_the_others(sandbox, agent):
    # A PATCH merges: leaving a key out of custom_attributes does not remove it.
    merged = agent("update_contact", "2", "--custom-attr", "plan=pro")
    assert merged.code == 0, merged.stderr
    assert merged.json["payload"]["custom_attributes"] == {"plan": "pro", "seats": 25}
    assert sandbox.contacts[2]["custom_attributes"] == {"plan": "pro", "seats": 25}

    result = agent(
        "update_contact", "2", "--name", "José A. Álvarez", "--custom-attr", "tier=gold",
        "--unset-custom-attr", "seats", "--unset-custom-attr", "not_there",
    )  # fmt: skip
    assert result.code == 0, result.stderr
    assert result.stderr == ""
    assert result.json["payload"]["name"] == "José A. Álvarez"
    assert result.json["payload"]["custom_attributes"] == {"plan": "pro", "tier": "gold"}
    contact = sandbox.contacts[2]
    assert (contact["name"], contact["email"]) == ("José A. Álvarez", "jose.alvarez@example.com")
    assert contact["custom_attributes"] == {"plan": "pro", "tier": "gold"}
    assert contact["additional_attributes"]["city"] == "Madrid"  # untouched
    writes = [(r.method, r.path, r.json) for r in sandbox.requests if r.method != "GET"]
    assert writes == [
        ("PATCH", f"{ACCOUNT_PATH}/contacts/2", {"custom_attributes": {"plan": "pro"}}),
        ("PATCH", f"{ACCOUNT_PATH}/contacts/2", {"name": "José A. Álvarez", "custom_attributes": {"tier": "gold"}}),
        ("POST", f"{ACCOUNT_PATH}/contacts/2/destroy_custom_attributes", {"custom_attributes": ["seats", "not_there"]}),
    ]
    assert agent.request_files() == []


def test_unsetting_alone_sends_no_update(sandbox, agent):
    result = agent("update_contact", "5", "--unset-custom-attr", "plan")
    assert result.code == 0, result.stderr
    assert result.json["payload"]["custom_attributes"] == {"seats": 5}
    assert sandbox.contacts[5]["custom_attributes"] == {"seats": 5}
    assert [(r.method, r.path) for r in sandbox.requests] == [
        ("POST", f"{ACCOUNT_PATH}/contacts/5/destroy_custom_attributes")
    ]


# --------------------------------------------------------------------------- list_contacts / delete_contact


def test_list_contacts_sort_label_and_page(httpserver, run):
    page = {"meta": {"count": 1, "current_page": "2"}, "payload": [STORED_CONTACT]}
    httpserver.expect_request(f"{ACCOUNT_PATH}/contacts").respond_with_json(page)
    result = run("list_contacts", "--sort=-last_activity_at", "--label", "vip", "--label", "b2b", "--page", "2")
    assert result.code == 0, result.stderr
    assert result.stdout == printed(page)
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


# --------------------------------------------------------------------------- find_or_create_contact


def test_find_or_create_survives_the_already_taken_race(httpserver, run):
    """Another client creates the contact between our search and our create."""
    jane = {"id": 17, "name": "Jane", "email": "jane@example.com", "phone_number": None, "identifier": None}
    searches = iter([[], [jane]])

    def search(request):
        return Response(
            json.dumps({"meta": {"has_more": False}, "payload": next(searches)}), mimetype="application/json"
        )

    httpserver.expect_request(f"{ACCOUNT_PATH}/contacts/search").respond_with_handler(search)
    httpserver.expect_request(f"{ACCOUNT_PATH}/contacts", method="POST").respond_with_json(
        {"message": "Email has already been taken", "attributes": ["email"]}, status=422
    )
    result = run("find_or_create_contact", "--email", "Jane@Example.com")
    assert result.code == 0, result.stderr
    assert result.json == {"created": False, "contact": jane}
    assert [r.method for r, _ in httpserver.log] == ["GET", "POST", "GET"]


def test_find_or_create_needs_a_key(httpserver, run):
    result = run("find_or_create_contact", "--name", "Only A Name")
    assert result.code == 2
    assert result.error_lines == ["error: give at least one of --identifier, --email or --phone to find the contact by"]
    assert httpserver.log == []


def test_find_or_create_is_idempotent_and_matches_exactly(sandbox, agent):
    made = agent("find_or_create_contact", "--phone", "+1 415 555 0199", "--name", "Phone Only").json
    again = agent("find_or_create_contact", "--phone", "+14155550199").json
    assert made["created"] is True and again["created"] is False
    assert again["contact"]["id"] == made["contact"]["id"]
    # A substring hit is not a match: "jane" is in jane.doe@example.com but is not that e-mail.
    other = agent("find_or_create_contact", "--email", "jane@example.com").json
    assert other["created"] is True
    assert other["contact"]["id"] != 1


EMPTY_SEARCH = '{"meta": {"count": 0, "current_page": 1, "has_more": false}, "payload": []}'


def test_find_or_create_matches_only_the_exact_value_in_key_order(sandbox, agent):
    before = len(sandbox.contacts)
    cases = [
        (["--email", "JANE.DOE@Example.com"], 1),  # an e-mail in any case
        (["--phone", "+49 176 1234 5678"], 3),  # the phone, written with spaces
        (["--identifier", "cust-2001", "--email", "jane.doe@example.com"], 3),  # the identifier first
        (["--identifier", "nobody", "--phone", "+4915112345678"], 1),  # then the next key
    ]
    for flags, contact_id in cases:
        result = agent("find_or_create_contact", *flags)
        assert result.code == 0, result.stderr
        assert result.json["created"] is False
        assert result.json["contact"]["id"] == contact_id, flags
    assert len(sandbox.contacts) == before
    assert sandbox.find_requests("POST") == []


def test_find_or_create_takes_no_substring_hit_for_a_match(sandbox, agent):
    # Chatwoot's search finds cust-1042 and cust-1077 for "cust-10", jane.doe@example.com for
    # "doe@example.com" and +4915112345678 for "+491511234567": none is the contact asked for.
    result = agent(
        "find_or_create_contact", "--identifier", "cust-10", "--email", "doe@example.com", "--phone", "+491511234567"
    )
    assert result.code == 0, result.stderr
    assert result.json["created"] is True
    searches = sandbox.find_requests("GET", r"/contacts/search$")
    assert [r.query["q"] for r in searches] == ["cust-10", "doe@example.com", "+491511234567"]
    new = sandbox.contacts[result.json["contact"]["id"]]
    assert (new["name"], new["identifier"], new["email"], new["phone_number"]) == (
        "doe",
        "cust-10",
        "doe@example.com",
        "+491511234567",
    )
    assert agent.request_files() == []


def test_a_lost_create_race_ends_in_the_existing_contact_and_removes_the_body(sandbox, agent):
    """Another client creates the contact between our search and our create: Chatwoot refuses ours
    as taken, and the search after it finds theirs."""
    sandbox.fail_next("GET", r"/contacts/search$", 200, EMPTY_SEARCH)  # our first search ran before theirs
    before = len(sandbox.contacts)
    result = agent("find_or_create_contact", "--email", "jose.alvarez@example.com", "--name", "José")
    assert result.code == 0, result.stderr
    assert result.stderr == ""
    assert result.json["created"] is False
    assert (result.json["contact"]["id"], result.json["contact"]["name"]) == (2, "José Álvarez")
    assert [(r.method, r.status) for r in sandbox.requests] == [("GET", 200), ("POST", 422), ("GET", 200)]
    assert len(sandbox.contacts) == before
    assert agent.request_files() == []  # the body is not needed: the contact exists


def test_a_create_refused_as_taken_that_no_search_finds_keeps_the_body(sandbox, agent):
    sandbox.fail_next("GET", r"/contacts/search$", 200, EMPTY_SEARCH, times=2)
    before = len(sandbox.contacts)
    result = agent("find_or_create_contact", "--email", "jose.alvarez@example.com")
    assert (result.code, result.stdout) == (1, "")
    kept = agent.request_files()
    assert len(kept) == 1
    assert json.loads(kept[0].read_text()) == {"name": "jose.alvarez", "email": "jose.alvarez@example.com"}
    assert result.error_lines == [
        "error: HTTP 422 from Chatwoot: Email has already been taken",
        f"error: request body kept at {kept[0]}",
    ]
    assert [(r.method, r.status) for r in sandbox.requests] == [("GET", 200), ("POST", 422), ("GET", 200)]
    assert len(sandbox.contacts) == before
