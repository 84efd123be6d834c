"""assign_conversation.py: agents and teams by id, name or e-mail, --unassign / --unassign-team,
bulk ids, and never clearing an assignment by accident (Chatwoot clears it for an id it does not know)."""

from __future__ import annotations

import json

import pytest
import requests
from conftest import (
    ACCOUNT_PATH,
    DIRECTORY_AGENTS,
    answer,
    assert_received,
    assert_success,
    only_write,
    printed,
    serve_directory,
)

AGENT = DIRECTORY_AGENTS[0]
TEAM_ROW = json.loads(
    """{"id": 2, "name": "billing", "description": "Billing questions", "allow_auto_assign": true, "account_id": 1,
    "created_at": "2025-10-01T08:00:00.000Z", "updated_at": "2025-10-01T08:00:00.000Z"}"""
)

AGENT_LINES = [
    "error:   2  Ana Silva  ana@acme.example",
    "error:   3  Bruno Costa  bruno@acme.example",
    "error:   4  Chen Wei  chen@acme.example",
    "error:   1  Owner Admin  owner@acme.example",
]
TEAM_LINES = ["error:   1  billing", "error:   2  tier-2"]


def held(sandbox, number: int) -> tuple:
    """(assignee id, agent bot id, team id) of a conversation on the sandbox."""
    conversation = sandbox.conversations[number]
    return conversation["assignee_id"], conversation["assignee_agent_bot_id"], conversation["team_id"]


def api(sandbox, method: str, path: str, **kwargs) -> requests.Response:
    return requests.request(
        method, f"{sandbox.url}{ACCOUNT_PATH}{path}", headers={"api_access_token": sandbox.TOKEN}, timeout=5, **kwargs
    )


def agent_row(sandbox, user_id: int) -> dict:
    return next(row for row in api(sandbox, "GET", "/agents").json() if row["id"] == user_id)


# --------------------------------------------------------------------------- the request


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
    assert_success(run, result, printed(document))


# --------------------------------------------------------------------------- what Chatwoot would do


def test_chatwoot_clears_the_assignment_for_an_id_it_does_not_know(sandbox):
    """The trap the script's check exists for: the sandbox, like Chatwoot's find_by, clears and answers null."""
    assert held(sandbox, 1) == (2, None, 1)
    unknown_agent = api(sandbox, "POST", "/conversations/1/assignments", json={"assignee_id": 99})
    assert (unknown_agent.status_code, unknown_agent.text) == (200, "null")
    assert held(sandbox, 1) == (None, None, 1)
    unknown_team = api(sandbox, "POST", "/conversations/1/assignments", json={"team_id": 99})
    assert (unknown_team.status_code, unknown_team.text) == (200, "null")
    assert held(sandbox, 1) == (None, None, None)


# --------------------------------------------------------------------------- never clearing by accident


@pytest.mark.parametrize(
    ("flags", "head", "candidates"),
    [
        (["--agent-id", "99"], "error: no agent has the id 99 in this account;", AGENT_LINES),
        (["--agent", "99"], "error: no agent has the id 99 in this account;", AGENT_LINES),
        (["--agent", "Dana Scully"], "error: no agent is named 'Dana Scully';", AGENT_LINES),
        (["--agent", "dana@acme.example"], "error: no agent is named 'dana@acme.example';", AGENT_LINES),
        (["--team-id", "9"], "error: no team has the id 9 in this account;", TEAM_LINES),
        (["--team", "sales"], "error: no team is named 'sales';", TEAM_LINES),
    ],
    ids=["agent-id", "agent-digits", "agent-name", "agent-email", "team-id", "team-name"],
)
def test_an_unknown_agent_or_team_changes_nothing_and_lists_the_valid_ones(sandbox, admin, flags, head, candidates):
    result = admin("assign_conversation", "1", *flags)
    kind = "agents" if candidates is AGENT_LINES else "teams"
    assert result.code == 2
    assert result.stdout == ""
    assert result.error_lines == [
        f"{head} the {kind} this token can see (list_{kind}.py) are:",
        *candidates,
    ]
    assert [(r.method, r.path) for r in sandbox.requests] == [("GET", f"{ACCOUNT_PATH}/{kind}")]
    assert held(sandbox, 1) == (2, None, 1)


def test_an_unknown_agent_in_a_bulk_call_sends_nothing_for_any_id(sandbox, admin):
    result = admin("assign_conversation", "1,7,22", "--agent", "Dana")
    assert result.code == 2
    assert result.stdout == ""
    assert (
        result.error_lines[0] == "error: no agent is named 'Dana'; the agents this token can see (list_agents.py) are:"
    )
    assert sandbox.find_requests("POST") == []
    assert [held(sandbox, n) for n in (1, 7, 22)] == [(2, None, 1), (2, None, 2), (2, None, None)]


# --------------------------------------------------------------------------- each flag changes only its part


def test_agent_and_team_are_set_and_cleared_independently(sandbox, admin):
    assert held(sandbox, 22) == (2, None, None)  # Ana, no team

    team = admin("assign_conversation", "22", "--team", "Billing")
    assert team.code == 0, team.stderr
    assert (team.json["id"], team.json["name"], team.stderr) == (1, "billing", "")
    assert held(sandbox, 22) == (2, None, 1)  # Ana is in billing: she stays

    unassign = admin("assign_conversation", "22", "--unassign")
    assert (unassign.code, unassign.stdout, unassign.stderr) == (0, "null\n", "")
    assert held(sandbox, 22) == (None, None, 1)  # the team stays

    agent = admin("assign_conversation", "22", "--agent", "bruno@acme.example")
    assert (agent.code, agent.stderr) == (0, "")
    assert agent.json == agent_row(sandbox, 3)
    assert held(sandbox, 22) == (3, None, 1)  # the team stays

    unassign_team = admin("assign_conversation", "22", "--unassign-team")
    assert (unassign_team.code, unassign_team.stdout, unassign_team.stderr) == (0, "null\n", "")
    assert held(sandbox, 22) == (3, None, None)  # the agent stays

    bodies = [r.json for r in sandbox.find_requests("POST", r"/conversations/22/assignments$")]
    assert bodies == [{"team_id": 1}, {"assignee_id": None}, {"assignee_id": 3}, {"team_id": None}]


def test_a_team_the_agent_is_not_in_drops_the_agent_as_the_help_warns(sandbox, admin):
    """Chatwoot's own rule (the --help says: set the team first, then the agent)."""
    assert "assigning a team drops an agent who is not in it" in " ".join(
        admin("assign_conversation", "--help").stdout.split()
    )
    assert held(sandbox, 22) == (2, None, None)
    result = admin("assign_conversation", "22", "--team", "tier-2")
    assert (result.code, result.json["name"], result.stderr) == (0, "tier-2", "")
    assert held(sandbox, 22) == (None, None, 2)
    again = admin("assign_conversation", "22", "--agent", "Ana Silva")
    assert (again.code, again.json["id"]) == (0, 2)
    assert held(sandbox, 22) == (2, None, 2)  # agent after team: both kept


def test_bulk_assign_sets_each_conversation_and_reads_the_agents_once(sandbox, admin):
    result = admin("assign_conversation", "1,7,22", "--agent", "chen")
    assert result.code == 0, result.stderr
    assert result.stderr == ""
    assert len(sandbox.find_requests("GET", r"/agents$")) == 1  # once for the whole call
    assert result.json == [{"id": n, "ok": True, "result": agent_row(sandbox, 4)} for n in (1, 7, 22)]
    assert [held(sandbox, n) for n in (1, 7, 22)] == [(4, None, 1), (4, None, 2), (4, None, None)]
    posts = sandbox.find_requests("POST")
    assert sorted((r.path, json.dumps(r.json)) for r in posts) == [
        (f"{ACCOUNT_PATH}/conversations/{n}/assignments", '{"assignee_id": 4}') for n in (1, 22, 7)
    ]
