"""list_agents, list_inboxes, list_teams and canned_responses: the account's lists as Chatwoot gives them."""

from __future__ import annotations

from conftest import ACCOUNT_PATH, answer, assert_received, assert_success, one_per_line, only_request, printed
from samples import AGENTS, INBOXES


def test_list_agents_prints_the_bare_array_one_agent_a_line(run, httpserver):
    answer(httpserver, "GET", "/agents", AGENTS)
    result = run("list_agents")
    assert_received(only_request(httpserver), "GET", f"{ACCOUNT_PATH}/agents", query=[])
    assert_success(run, result, one_per_line(AGENTS))  # any array of objects: one object a line


def test_list_inboxes_prints_payload(run, httpserver):
    answer(httpserver, "GET", "/inboxes", INBOXES)
    result = run("list_inboxes")
    assert_received(only_request(httpserver), "GET", f"{ACCOUNT_PATH}/inboxes", query=[])
    assert_success(run, result, printed(INBOXES))


def test_canned_responses_search(httpserver, run):
    rows = [{"id": 1, "account_id": 1, "short_code": "refund", "content": "We've processed your refund."}]
    httpserver.expect_request(f"{ACCOUNT_PATH}/canned_responses", query_string="search=refund").respond_with_json(rows)
    result = run("canned_responses", "--search", "refund")
    assert result.code == 0, result.stderr
    assert result.stdout == one_per_line(rows)
    assert_received(only_request(httpserver), "GET", f"{ACCOUNT_PATH}/canned_responses", query=[("search", "refund")])


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
