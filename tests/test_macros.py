"""macros.py and run_macro.py against the sandbox: which macros a token sees, the macro and the
conversations checked before anything runs, the one execute request, and what the background
job does to exactly those conversations, only once it has run."""

from __future__ import annotations

import pytest
import requests
from conftest import one_per_line, strict_equal
from sandbox import Sandbox

QUEUED = (
    "macro {id} queued for {n} conversation(s): Chatwoot applies it in the background and says nothing of the "
    "result; check with get_conversation.py\n"
)
CLOSE = {"id": 1, "name": "Close as refunded", "visibility": "global",
         "actions": ["add_label", "add_private_note", "resolve_conversation"]}  # fmt: skip
ESCALATE = {
    "id": 2,
    "name": "Escalate to tier 2",
    "visibility": "global",
    "actions": ["assign_team", "change_priority"],
}
FOLLOW_UP = {"id": 3, "name": "Follow up tomorrow", "visibility": "personal",
             "actions": ["send_message", "assign_agent", "snooze_conversation"]}  # fmt: skip
NOTIFY = {"id": 5, "name": "Notify CRM and send transcript", "visibility": "global",
          "actions": ["send_webhook_event", "send_email_transcript"]}  # fmt: skip


def state(sandbox, number: int) -> tuple:
    conversation = sandbox.conversations[number]
    contents = [m["content"] for m in sandbox.conversation_messages(number)]
    return (conversation["labels"], conversation["status"], conversation["team_id"], conversation["priority"],
            conversation["assignee_id"], contents)  # fmt: skip


def test_macros_lists_the_global_ones_and_the_tokens_own(sandbox, agent):
    admin = agent("macros", "--summary")
    assert (admin.code, admin.stdout, admin.stderr) == (0, one_per_line([CLOSE, ESCALATE, NOTIFY]), "")
    ana = agent("macros", "--summary", env={"CHATWOOT_API_TOKEN": Sandbox.AGENT_TOKEN})
    assert ana.stdout == one_per_line([CLOSE, ESCALATE, FOLLOW_UP, NOTIFY])  # her personal macro; not Bruno's
    full = agent("macros")
    answer = requests.get(f"{sandbox.url}/api/v1/accounts/1/macros", headers={"Api-Access-Token": Sandbox.TOKEN})
    assert full.json == answer.json()
    assert full.json["payload"][0]["actions"] == sandbox.macros[1]["actions"]


def test_run_macro_by_name_queues_it_and_the_job_changes_exactly_those_conversations(sandbox, agent):
    before = {number: state(sandbox, number) for number in (1, 2, 3)}
    result = agent("run_macro", "close AS refunded", "1,2")
    assert (result.code, result.stderr) == (0, QUEUED.format(id=1, n=2))
    assert (
        result.stdout
        == '{"macro": {"id": 1, "name": "Close as refunded"}, "conversation_ids": [1, 2], "queued": true}\n'
    )
    (execute,) = sandbox.find_requests("POST", r"/macros/\d+/execute$")
    assert execute.path == "/api/v1/accounts/1/macros/1/execute"
    assert execute.headers["Content-Type"] == "application/json"
    assert strict_equal(execute.json, {"conversation_ids": [1, 2]})  # display ids, integers, one JSON array
    assert {number: state(sandbox, number) for number in (1, 2, 3)} == before  # queued: nothing done yet

    assert sandbox.run_jobs() == 1
    assert sandbox.failed_jobs == [] and sandbox.tracked_errors == []
    for number in (1, 2):
        labels, status, _, _, _, contents = state(sandbox, number)
        assert "refund" in labels and set(before[number][0]) <= set(labels)
        assert status == "resolved"
        assert contents[: len(before[number][5])] == before[number][5]
        assert "Refund issued via macro" in contents[len(before[number][5]) :]
        note = next(m for m in sandbox.conversation_messages(number) if m["content"] == "Refund issued via macro")
        assert (note["private"], note["sender_id"]) == (True, 1)
    assert state(sandbox, 3) == before[3]


@pytest.mark.parametrize("ids", ["8\n9\n", "[8, 9]", '[{"id": 8, "status": "open"}, {"id": 9, "status": "pending"}]'])
def test_run_macro_by_id_takes_the_ids_from_stdin(sandbox, agent, ids):
    def team_and_priority():
        return [(sandbox.conversations[n]["team_id"], sandbox.conversations[n]["priority"]) for n in (8, 9)]

    assert team_and_priority() == [(1, None), (None, None)]
    result = agent("run_macro", "2", "-", stdin=ids)
    assert (result.code, result.stderr) == (0, QUEUED.format(id=2, n=2))
    assert result.json == {"macro": {"id": 2, "name": "Escalate to tier 2"}, "conversation_ids": [8, 9], "queued": True}
    (execute,) = sandbox.find_requests("POST", r"/execute$")
    assert strict_equal(execute.json, {"conversation_ids": [8, 9]})
    assert team_and_priority() == [(1, None), (None, None)]
    sandbox.run_jobs()
    assert team_and_priority() == [(2, "high"), (2, "high")]


def test_a_personal_macro_runs_for_its_author(sandbox, agent):
    ana = {"CHATWOOT_API_TOKEN": Sandbox.AGENT_TOKEN}
    result = agent("run_macro", "Follow up tomorrow", "2", env=ana)
    assert result.json == {"macro": {"id": 3, "name": "Follow up tomorrow"}, "conversation_ids": [2], "queued": True}
    sandbox.run_jobs()
    conversation = sandbox.conversations[2]
    assert (conversation["assignee_id"], conversation["status"]) == (2, "snoozed")
    last = sandbox.conversation_messages(2)[-1]
    assert (last["content"], last["private"], last["sender_id"]) == (
        "Thanks for your patience! I'll follow up tomorrow.", False, 2
    )  # fmt: skip


def test_an_unknown_macro_is_refused_and_nothing_runs(sandbox, agent):
    unknown = agent("run_macro", "Close as resolved and archived", "1")
    assert (unknown.code, unknown.stdout) == (2, "")
    assert unknown.error_lines == [
        "error: no macro is named 'Close as resolved and archived'; the macros this token can see (macros.py) are:",
        "error:   1  Close as refunded",
        "error:   2  Escalate to tier 2",
        "error:   5  Notify CRM and send transcript",
    ]
    by_id = agent("run_macro", "99", "1")  # Chatwoot would answer 200 and fail in its job
    assert (by_id.code, by_id.stdout) == (2, "")
    assert (
        by_id.error_lines[0]
        == "error: no macro has the id 99 in this account; the macros this token can see (macros.py) are:"
    )
    others = agent("run_macro", "Hand over to billing", "1")  # Bruno's personal macro: not this token's to run
    assert (others.code, others.error_lines[0]) == (
        2, "error: no macro is named 'Hand over to billing'; the macros this token can see (macros.py) are:"
    )  # fmt: skip
    assert sandbox.find_requests("POST") == []
    assert (sandbox.jobs, sandbox.run_jobs()) == ([], 0)


def test_an_unknown_conversation_is_refused_and_the_macro_is_not_run(sandbox, agent):
    before = state(sandbox, 1)
    result = agent("run_macro", "1", "1,9999,1")
    assert (result.code, result.stdout) == (2, "")
    assert result.error_lines == [
        "error: no conversation 9999 in this account (list_conversations.py; the ids are the numbers shown in "
        "Chatwoot's UI); the macro was not run"
    ]
    assert sorted(r.path for r in sandbox.find_requests("GET", r"/conversations/")) == [
        "/api/v1/accounts/1/conversations/1",
        "/api/v1/accounts/1/conversations/9999",
    ]  # each id checked once (at the same time)
    assert sandbox.find_requests("POST") == [] and sandbox.jobs == []
    assert state(sandbox, 1) == before


def test_run_macro_dry_run_and_read_only_send_nothing(sandbox, agent):
    preview = agent("run_macro", "Close as refunded", "1,2", "--dry-run")
    assert (preview.code, preview.stderr) == (0, "")
    assert preview.json["method"] == "POST"
    assert preview.json["url"] == f"{sandbox.url}/api/v1/accounts/1/macros/1/execute"
    assert strict_equal(preview.json["body"], {"conversation_ids": [1, 2]})
    refused = agent("run_macro", "Close as refunded", "1", env={"CHATWOOT_READ_ONLY": "1"})
    assert (refused.code, refused.stdout) == (3, "")
    assert refused.error_lines == [
        "error: CHATWOOT_READ_ONLY is set: this would change Chatwoot, so nothing was sent (--dry-run still works)"
    ]
    assert sandbox.find_requests("POST") == [] and sandbox.jobs == []
    assert agent.request_files() == []
