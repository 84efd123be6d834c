"""Bulk conversation actions: ids as a list or on stdin (one a line, a JSON array, or what a
conversation --summary prints; anything else refused before sending), one session, at most
--parallel requests at once, and a dry run that previews every request."""

from __future__ import annotations

import pytest
from conftest import ACCOUNT_PATH

NOT_CONVERSATION_IDS = (
    "error: stdin holds JSON that is not conversation ids: expected an array of ids, or the array a conversation "
    "--summary prints (objects with id and status); a contact summary's ids are contact ids"
)


def statuses(sandbox, numbers) -> dict:
    return {number: sandbox.conversations[number]["status"] for number in numbers}


# --------------------------------------------------------------------------- lists of ids, one session


def test_bulk_resolve_over_one_session(sandbox, agent, sessions):
    result = agent("set_status", "1,2,9999", "resolved", "--parallel", "2")
    assert result.code == 1
    items = result.json
    assert [(i["id"], i["ok"]) for i in items] == [(1, True), (2, True), (9999, False)]
    assert items[2]["error"] == {
        "status": 404,
        "message": "Resource could not be found",
        "request_file": items[2]["error"]["request_file"],
    }
    assert result.error_lines == ["error: 1 of 3 failed: 9999"]
    assert sandbox.conversations[1]["status"] == "resolved"
    assert sandbox.conversations[2]["status"] == "resolved"
    assert len(sessions.made) == 1  # every worker's request went over the one session


@pytest.mark.parametrize(("flags", "most"), [([], 4), (["--parallel", "2"], 2)])
def test_at_most_parallel_requests_are_in_flight(sandbox, agent, sessions, flags, most):
    sessions.together(most)  # the first `most` requests go out together
    numbers = [1, 2, 6, 7, 8, 11, 12, 15]
    result = agent("set_priority", ",".join(map(str, numbers)), "low", *flags)
    assert (result.code, result.stderr) == (0, "")
    assert [(item["id"], item["ok"]) for item in result.json] == [(number, True) for number in numbers]
    assert sessions.most == most
    assert len(sessions.made) == 1
    assert {number: sandbox.conversations[number]["priority"] for number in numbers} == dict.fromkeys(numbers, "low")
    assert len(sandbox.find_requests("POST", r"/toggle_priority$")) == len(numbers)


def test_parallel_is_bounded(httpserver, run):
    result = run("set_status", "1,2", "resolved", "--parallel", "99")
    assert result.code == 2
    assert "argument --parallel: expected a number from 1 to 16, got '99'" in result.error_lines[0]
    assert httpserver.log == []


def test_bulk_dry_run_previews_every_request_and_sends_nothing(httpserver, run):
    result = run("set_priority", "5,6,7", "high", "--dry-run")
    assert result.code == 0, result.stderr
    previews = result.json
    assert [p["url"] for p in previews] == [
        f"{httpserver.url_for('/').rstrip('/')}{ACCOUNT_PATH}/conversations/{n}/toggle_priority" for n in (5, 6, 7)
    ]
    assert all(p["body"] == {"priority": "high"} for p in previews)
    assert [p["method"] for p in previews] == ["POST"] * 3
    assert all("$CHATWOOT_API_TOKEN" in p["curl"] for p in previews)
    assert httpserver.log == []
    assert run.request_files() == []


@pytest.mark.parametrize(
    ("ids", "error"),
    [
        ("5,x", "error: argument CONVERSATION_ID: expected a conversation id, a list like 101,102,103, or - to read "
                "ids from stdin, got '5,x' (see set_status.py --help)"),
        ("0,1", "error: argument CONVERSATION_ID: expected a conversation id, a list like 101,102,103, or - to read "
                "ids from stdin, got '0,1' (see set_status.py --help)"),
        ("-", "error: stdin line 2: expected a conversation id, got 'not-an-id'"),
    ],
)  # fmt: skip
def test_bulk_ids_are_checked_before_anything_is_sent(httpserver, run, ids, error):
    result = run("set_status", ids, "resolved", stdin="12\nnot-an-id\n")
    assert (result.code, result.stdout) == (2, "")
    assert result.error_lines == [error]
    assert httpserver.log == []


# --------------------------------------------------------------------------- ids on stdin


def test_bulk_ids_from_stdin(sandbox, agent):
    result = agent("add_note", "-", "Checked by the night shift", stdin="3\n4\n\n5\n")
    assert result.code == 0, result.stderr
    assert [i["id"] for i in result.json] == [3, 4, 5]
    for conversation_id in (3, 4, 5):
        assert sandbox.conversation_messages(conversation_id)[-1]["content"] == "Checked by the night shift"


def test_a_json_array_of_ids_on_stdin_acts_on_exactly_those(sandbox, agent):
    result = agent("set_status", "-", "resolved", stdin="[6, 8]\n")
    assert (result.code, result.stderr) == (0, "")
    assert [(item["id"], item["ok"], item["result"]["payload"]["current_status"]) for item in result.json] == [
        (6, True, "resolved"),
        (8, True, "resolved"),
    ]
    assert statuses(sandbox, (6, 7, 8)) == {6: "resolved", 7: "open", 8: "resolved"}
    assert sorted(r.path for r in sandbox.find_requests("POST")) == [
        f"{ACCOUNT_PATH}/conversations/{n}/toggle_status" for n in (6, 8)
    ]

    one = agent("set_status", "-", "pending", stdin="[7]")  # one id from stdin still gives the array
    assert (one.code, [(item["id"], item["ok"]) for item in one.json]) == (0, [(7, True)])
    assert statuses(sandbox, (6, 7, 8)) == {6: "resolved", 7: "pending", 8: "resolved"}


def test_a_conversation_summary_piped_in_labels_exactly_the_conversations_listed(sandbox, agent):
    listed = agent("list_conversations", "--label", "vip", "--summary")
    numbers = [item["id"] for item in listed.json]
    assert len(numbers) >= 2
    others = [number for number in range(1, 31) if number not in numbers]
    before = {number: list(sandbox.conversations[number]["labels"]) for number in range(1, 31)}
    result = agent("labels", "-", "--add", "churn-risk", stdin=listed.stdout)
    assert (result.code, result.stderr) == (0, "")
    assert [(item["id"], item["ok"]) for item in result.json] == [(number, True) for number in numbers]
    for number in numbers:
        assert sandbox.conversations[number]["labels"] == [*before[number], "churn-risk"]
    assert {number: sandbox.conversations[number]["labels"] for number in others} == {n: before[n] for n in others}


def test_a_contact_summary_on_stdin_is_refused_and_nothing_is_sent(sandbox, agent):
    contacts = agent("search_contacts", "jane", "--summary")
    assert contacts.json[0]["id"] == 1  # contact 1: its id is also conversation 1's number
    start = len(sandbox.requests)
    result = agent("set_status", "-", "resolved", stdin=contacts.stdout)
    assert (result.code, result.stdout) == (2, "")
    assert result.stderr.splitlines() == [NOT_CONVERSATION_IDS]
    assert sandbox.requests[start:] == []
    assert sandbox.conversations[1]["status"] == "open"


@pytest.mark.parametrize(
    ("stdin", "error"),
    [
        ('{"id": 1, "status": "open"}', NOT_CONVERSATION_IDS),  # one object, not an array
        ('[1, "2"]', NOT_CONVERSATION_IDS),
        ("[0, 1]", NOT_CONVERSATION_IDS),
        ("[1.0]", NOT_CONVERSATION_IDS),
        ("[true]", NOT_CONVERSATION_IDS),
        ('[{"id": 1}]', NOT_CONVERSATION_IDS),  # ids without a status: not a conversation summary
        ('[{"id": 1, "status": "open"}, 2]', NOT_CONVERSATION_IDS),
        (
            "[1, 2",
            "error: stdin looks like JSON but does not parse (Expecting ',' delimiter: line 1 column 6 (char 5))",
        ),
        ("", "error: no conversation ids given"),
        (" \n\n", "error: no conversation ids given"),
        ("[]\n", "error: no conversation ids given"),  # an empty summary
    ],
)
def test_other_stdin_is_refused_with_one_line_and_nothing_sent(sandbox, agent, stdin, error):
    result = agent("set_status", "-", "resolved", stdin=stdin)
    assert (result.code, result.stdout) == (2, "")
    assert result.stderr.splitlines() == [error]
    assert sandbox.requests == []


def test_bulk_text_cannot_also_come_from_stdin(sandbox, agent):
    result = agent("add_note", "-", "--file", "-", stdin="3\n")
    assert result.code == 2
    assert result.error_lines == [
        "error: the ids come from stdin, so the text cannot: give it as TEXT or with --file PATH"
    ]
    assert sandbox.requests == []
