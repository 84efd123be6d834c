"""list_agents, list_inboxes, list_teams and canned_responses: the account's lists as Chatwoot gives them."""

from __future__ import annotations

import json

import pytest
from conftest import ACCOUNT_PATH, assert_received, only_request

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


def test_list_agents_prints_the_bare_array_one_agent_a_line(run, httpserver):
    answer(httpserver, "GET", "/agents", AGENTS)
    result = run("list_agents")
    assert_received(only_request(httpserver), "GET", f"{ACCOUNT_PATH}/agents", query=[])
    assert_success(run, result, one_per_line(AGENTS))  # any array of objects: one object a line


def test_list_inboxes_prints_payload(run, httpserver):
    answer(httpserver, "GET", "/inboxes", INBOXES)
    result = run("list_inboxes")
    assert_received(only_request(httpserver), "GET", f"{ACCOUNT_PATH}/inboxes", query=[])
    assert_success(run, result, compact(INBOXES))


def test_canned_responses_search(httpserver, run):
    rows = [{"id": 1, "account_id": 1, "short_code": "refund", "content": "We've processed your refund."}]
    httpserver.expect_request(f"{ACCOUNT_PATH}/canned_responses", query_string="search=refund").respond_with_json(rows)
    result = run("canned_responses", "--search", "refund")
    assert result.code == 0, result.stderr
    assert result.stdout == one_per_line(rows)
    assert_received(only_request(httpserver), "GET", f"{ACCOUNT_PATH}/canned_responses", query=[("search", "refund")])


@pytest.fixture
def agent(sandbox, run):
    run.env.update(sandbox.env())
    return run


def test_canned_responses_search_lists_short_code_matches_before_text_matches(sandbox, agent):
    result = agent("canned_responses", "--search", "ORDER")
    assert (result.code, result.stderr) == (0, "")
    assert [(row["id"], row["short_code"]) for row in result.json] == [(4, "order-status"), (2, "shipping")]
    assert result.stdout == one_per_line(result.json)
    [request] = sandbox.requests
    assert (request.method, request.path, list(request.query.items(multi=True))) == (
        "GET", f"{ACCOUNT_PATH}/canned_responses", [("search", "ORDER")],
    )  # fmt: skip


def test_list_teams_and_agents_print_every_one_of_the_account(sandbox, agent):
    teams = agent("list_teams")
    assert (teams.code, teams.stderr) == (0, "")
    assert [(team["id"], team["name"]) for team in teams.json] == [(1, "billing"), (2, "tier-2")]
    agents = agent("list_agents")
    assert [(user["id"], user["email"], user["role"]) for user in agents.json] == [
        (user["id"], user["email"], user["role"]) for user in sorted(sandbox.users.values(), key=lambda u: u["name"])
    ]
    assert agents.stdout == one_per_line(agents.json)
