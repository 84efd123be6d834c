"""set_status.py (statuses, snoozes, the assignee Chatwoot takes on opening put back, --take) and
set_priority.py: the exact requests, and the state they leave on a Chatwoot-like server."""

from __future__ import annotations

import calendar
import json
import re
import time
from datetime import datetime, timezone

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
)
from sandbox import Sandbox


def toggled(status: str, until: str | None = None) -> dict:
    return {"payload": {"success": True, "conversation_id": 42, "current_status": status, "snoozed_until": until}}


# --------------------------------------------------------------------------- set_status: the request


@pytest.mark.parametrize("status", ["open", "resolved", "pending", "snoozed"])
def test_set_status_sends_status_only(run, httpserver, status):
    serve_directory(httpserver)  # an administrator's token: Chatwoot changes nothing else
    answer(httpserver, "POST", "/conversations/42/toggle_status", toggled(status))
    result = run("set_status", "42", status)
    assert_received(
        only_write(httpserver), "POST", f"{ACCOUNT_PATH}/conversations/42/toggle_status", body={"status": status}
    )
    assert reads(httpserver) == (["/api/v1/profile"] if status == "open" else [])
    assert_success(run, result, printed(toggled(status)))


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
    assert_success(run, result, printed(document))


SNOOZE_END = calendar.timegm((2099, 6, 1, 9, 0, 0))  # 2099-06-01T09:00:00Z


@pytest.mark.parametrize(
    ("until", "tz", "expected"),
    [
        ("2099-06-01T09:00:00Z", None, SNOOZE_END),
        ("2099-06-01T09:00Z", None, SNOOZE_END),
        ("2099-06-01T11:00:00+02:00", None, SNOOZE_END),
        (str(SNOOZE_END), None, SNOOZE_END),
        ("2099-06-01T09:00", "UTC0", SNOOZE_END),
        ("2099-06-01T09:00", "CEST-2", SNOOZE_END - 7200),  # no offset: the user's local time
    ],
    ids=["iso-z", "iso-minutes-z", "iso-offset", "unix", "local-utc", "local-plus2"],
)
def test_set_status_snooze_until_a_moment(run, httpserver, until, tz, expected):
    answer(httpserver, "POST", "/conversations/42/toggle_status", toggled("snoozed", "2099-06-01T09:00:00.000Z"))
    result = run("set_status", "42", "snoozed", "--until", until, env={"TZ": tz})
    assert_received(
        only_request(httpserver),
        "POST",
        f"{ACCOUNT_PATH}/conversations/42/toggle_status",
        body={"status": "snoozed", "snoozed_until": expected},
    )
    assert_success(run, result, printed(toggled("snoozed", "2099-06-01T09:00:00.000Z")))


# --------------------------------------------------------------------------- set_status on the sandbox


@pytest.fixture
def agent(sandbox, run):
    """`run` pointed at the sandbox with the agent-role token (Ana Silva, user 2)."""
    run.env.update({**sandbox.env(), "CHATWOOT_API_TOKEN": Sandbox.AGENT_TOKEN})
    return run


def state(sandbox, number: int) -> tuple:
    """(status, assignee id, agent bot id, team id) of a conversation on the sandbox."""
    c = sandbox.conversations[number]
    return c["status"], c["assignee_id"], c["assignee_agent_bot_id"], c["team_id"]


def sent(sandbox) -> list[tuple]:
    """Every request the sandbox received: (method, path without the account prefix, JSON body)."""
    return [(r.method, r.path.replace(ACCOUNT_PATH, ""), r.json) for r in sandbox.requests]


def toggle_answer(number: int, status: str, until: str | None = None) -> dict:
    return {"payload": {"success": True, "conversation_id": number, "current_status": status, "snoozed_until": until}}


def put_back(number: int, who: str) -> str:
    return (
        f"conversation {number}: Chatwoot made you its assignee on opening it; put back {who} (--take keeps it yours)"
    )


def test_the_sandbox_makes_an_agent_who_opens_a_conversation_its_assignee(sandbox):
    """What the script undoes: Chatwoot's toggle_status assigns an agent-role caller whatever was there."""
    import requests

    assert state(sandbox, 5) == ("snoozed", 3, None, 1)
    response = requests.post(
        f"{sandbox.url}{ACCOUNT_PATH}/conversations/5/toggle_status",
        headers={"api_access_token": Sandbox.AGENT_TOKEN},
        json={"status": "open"},
        timeout=5,
    )
    assert response.json() == toggle_answer(5, "open")
    assert state(sandbox, 5) == ("open", 2, None, 1)


def test_opening_as_an_agent_puts_the_other_agent_back(sandbox, agent):
    assert state(sandbox, 5) == ("snoozed", 3, None, 1)  # Bruno's, team billing
    result = agent("set_status", "5", "open")
    assert result.code == 0, result.stderr
    assert result.stdout == printed(toggle_answer(5, "open"))
    assert result.stderr == put_back(5, "Bruno Costa (agent 3)") + "\n"
    assert state(sandbox, 5) == ("open", 3, None, 1)
    assert sandbox.conversations[5]["snoozed_until"] is None
    assert sent(sandbox) == [
        ("GET", "/api/v1/profile", None),
        ("GET", "/conversations/5", None),
        ("POST", "/conversations/5/toggle_status", {"status": "open"}),
        ("POST", "/conversations/5/assignments", {"assignee_id": 3}),
    ]


def test_opening_several_as_an_agent_restores_each_and_reads_the_profile_once(sandbox, agent):
    before = {n: state(sandbox, n) for n in (4, 9, 10, 16)}
    assert before == {
        4: ("resolved", 2, None, None),  # already the caller's
        9: ("pending", None, None, None),  # nobody's
        10: ("resolved", 3, None, None),  # Bruno's
        16: ("pending", None, 1, None),  # the Triage Bot's
    }
    result = agent("set_status", "4,9,10,16", "open")
    assert result.code == 0, result.stderr
    assert result.json == [{"id": n, "ok": True, "result": toggle_answer(n, "open")} for n in (4, 9, 10, 16)]
    assert sorted(result.stderr.splitlines()) == [
        put_back(10, "Bruno Costa (agent 3)"),
        put_back(16, "Triage Bot (agent bot 1)"),
        put_back(9, "nobody"),
    ]
    assert {n: state(sandbox, n) for n in before} == {
        4: ("open", 2, None, None),
        9: ("open", None, None, None),
        10: ("open", 3, None, None),
        16: ("open", None, 1, None),
    }
    assert len(sandbox.find_requests("GET", r"^/api/v1/profile$")) == 1
    restores = sorted((path, json.dumps(body)) for method, path, body in sent(sandbox) if path.endswith("/assignments"))
    assert restores == [
        ("/conversations/10/assignments", '{"assignee_id": 3}'),
        ("/conversations/16/assignments", '{"assignee_id": 1, "assignee_type": "AgentBot"}'),
        ("/conversations/9/assignments", '{"assignee_id": null}'),
    ]


def test_take_keeps_the_caller_as_the_assignee_and_sends_no_restore(sandbox, agent):
    assert state(sandbox, 10) == ("resolved", 3, None, None)
    result = agent("set_status", "10", "open", "--take")
    assert (result.code, result.stderr) == (0, "")
    assert result.stdout == printed(toggle_answer(10, "open"))
    assert state(sandbox, 10) == ("open", 2, None, None)
    assert sent(sandbox) == [("POST", "/conversations/10/toggle_status", {"status": "open"})]


def test_an_agent_dry_run_of_open_previews_the_toggle_and_says_a_restore_would_follow(sandbox, agent):
    result = agent("set_status", "10", "open", "--dry-run")
    assert result.code == 0, result.stderr
    assert (result.json["method"], result.json["body"]) == ("POST", {"status": "open"})
    assert result.json["url"] == f"{sandbox.url}{ACCOUNT_PATH}/conversations/10/toggle_status"
    assert result.stderr.startswith("dry run: this preview is the first change; the script would then put the previous")
    assert state(sandbox, 10) == ("resolved", 3, None, None)
    assert sandbox.find_requests("POST") == []


@pytest.mark.parametrize("number", [5, 24])
def test_an_administrator_opening_changes_only_the_status(sandbox, admin, number):
    before = state(sandbox, number)
    result = admin("set_status", str(number), "open")
    assert (result.code, result.stderr) == (0, "")
    assert result.stdout == printed(toggle_answer(number, "open"))
    assert state(sandbox, number) == ("open", *before[1:])
    assert sent(sandbox) == [  # the role is read once; nothing else is read or written
        ("GET", "/api/v1/profile", None),
        ("POST", f"/conversations/{number}/toggle_status", {"status": "open"}),
    ]


@pytest.mark.parametrize("token", ["admin", "agent"])
def test_other_statuses_send_only_the_toggle_and_keep_the_assignee(sandbox, run, token):
    """Chatwoot assigns the caller only when the result is open: nothing to put back, nothing read."""
    run.env.update(sandbox.env())
    if token == "agent":
        run.env["CHATWOOT_API_TOKEN"] = Sandbox.AGENT_TOKEN
    cases = {24: "resolved", 17: "pending", 2: "snoozed"}  # Bruno's, nobody's, nobody's; all open
    before = {n: state(sandbox, n) for n in cases}
    for number, status in cases.items():
        result = run("set_status", str(number), status)
        assert (result.code, result.stderr) == (0, "")
        assert result.stdout == printed(toggle_answer(number, status))
    assert {n: state(sandbox, n) for n in cases} == {n: (cases[n], *before[n][1:]) for n in cases}
    assert sent(sandbox) == [("POST", f"/conversations/{n}/toggle_status", {"status": s}) for n, s in cases.items()]


def test_snoozes_reach_the_sandbox_as_unix_seconds(sandbox, admin):
    start = int(time.time())
    relative = admin("set_status", "17", "snoozed", "--until", "2h")
    end = int(time.time())
    absolute = admin("set_status", "2", "snoozed", "--until", "2099-06-01T11:00+02:00")
    assert (relative.code, relative.stderr, absolute.code, absolute.stderr) == (0, "", 0, "")
    bodies = [r.json for r in sandbox.find_requests("POST")]
    assert bodies[1] == {"status": "snoozed", "snoozed_until": SNOOZE_END}
    until = bodies[0]["snoozed_until"]
    assert type(until) is int and start + 7200 <= until <= end + 7200
    assert sandbox.conversations[17]["snoozed_until"] == until
    assert sandbox.conversations[2]["snoozed_until"] == SNOOZE_END
    iso = datetime.fromtimestamp(until, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    assert relative.stdout == printed(toggle_answer(17, "snoozed", iso))
    assert absolute.stdout == printed(toggle_answer(2, "snoozed", "2099-06-01T09:00:00.000Z"))
    assert (state(sandbox, 17)[0], state(sandbox, 2)[0]) == ("snoozed", "snoozed")


def test_the_snooze_examples_in_the_help_are_accepted(sandbox, admin):
    shown = admin("set_status", "--help")
    text = " ".join(shown.stdout.split())
    examples = re.findall(r"--until (\d\S*)", text)  # the examples' values
    examples += re.findall(
        r"\b\d+[mhdw]\b", text.split("--until WHEN with snoozed:", 1)[1].split("--take", 1)[0]
    )  # the flag's
    refused = admin("set_status", "17", "snoozed", "--until", "soon")  # the refusal shows an example too
    assert refused.code == 2
    examples += re.findall(r"such as (\d[^,\s]*)", refused.stderr)
    assert {"2h", "30m", "1w", f"{datetime.now().year + 1}-01-15T09:00"} <= set(examples), examples
    for when in dict.fromkeys(examples):
        result = admin("set_status", "17", "snoozed", "--until", when, "--dry-run")
        assert result.code == 0, (when, result.stderr)
        assert type(result.json["body"]["snoozed_until"]) is int
        assert result.json["body"]["snoozed_until"] > time.time()
    assert sandbox.find_requests("POST") == []
    assert state(sandbox, 17) == ("open", None, None, None)


# --------------------------------------------------------------------------- set_priority


@pytest.mark.parametrize(("priority", "body"), [("urgent", {"priority": "urgent"}), ("low", {"priority": "low"})])
def test_set_priority(httpserver, run, priority, body):
    path = f"{ACCOUNT_PATH}/conversations/42/toggle_priority"
    httpserver.expect_request(path, method="POST").respond_with_data("", status=200)
    result = run("set_priority", "42", priority)
    assert result.code == 0, result.stderr
    assert result.stdout == printed({"conversation_id": 42, "priority": priority})
    assert_received(only_request(httpserver), "POST", path, body=body)


def test_set_priority_none_clears_without_sending_none(httpserver, run):
    path = f"{ACCOUNT_PATH}/conversations/42/toggle_priority"
    httpserver.expect_request(path, method="POST").respond_with_data("", status=200)
    result = run("set_priority", "42", "none")
    assert result.code == 0, result.stderr
    assert result.stdout == '{"conversation_id": 42, "priority": null}\n'
    assert_received(only_request(httpserver), "POST", path, body={})
    assert b"none" not in only_request(httpserver).get_data()


def test_set_priority_rejects_unknown_values_before_sending(httpserver, run):
    result = run("set_priority", "42", "critical")
    assert result.code == 2
    assert "invalid choice: 'critical'" in result.error_lines[0]
    assert httpserver.log == []


def test_priority_is_set_and_none_clears_it_on_the_sandbox(sandbox, admin):
    assert (sandbox.conversations[17]["priority"], sandbox.conversations[2]["priority"]) == (None, "urgent")
    urgent = admin("set_priority", "17", "urgent")
    assert (urgent.code, urgent.stderr, urgent.stdout) == (0, "", '{"conversation_id": 17, "priority": "urgent"}\n')
    assert sandbox.conversations[17]["priority"] == "urgent"
    cleared = admin("set_priority", "17,2", "none")
    assert (cleared.code, cleared.stderr) == (0, "")
    assert cleared.json == [{"id": n, "ok": True, "result": {"conversation_id": n, "priority": None}} for n in (17, 2)]
    assert (sandbox.conversations[17]["priority"], sandbox.conversations[2]["priority"]) == (None, None)
    assert sent(sandbox)[0] == ("POST", "/conversations/17/toggle_priority", {"priority": "urgent"})
    assert sorted(sent(sandbox)[1:], key=str) == [  # "none" is sent as no priority at all
        ("POST", "/conversations/17/toggle_priority", {}),
        ("POST", "/conversations/2/toggle_priority", {}),
    ]
