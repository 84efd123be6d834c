"""The skill against the sandbox, as an agent would use it: real round trips through a stateful
Chatwoot-compatible server, checking the state each step leaves behind."""

from __future__ import annotations

import time

import pytest
from sandbox import Sandbox


@pytest.fixture(scope="module")
def sandbox():
    with Sandbox() as server:
        yield server


@pytest.fixture
def agent(sandbox, run):
    """The `run` fixture pointed at a freshly seeded sandbox with its token."""
    sandbox.reset()
    run.env.update(sandbox.env())
    yield run
    assert sandbox.errors == []


def test_an_agent_works_a_new_customer_from_contact_to_snooze(sandbox, agent):
    before = agent("conversation_counts", "--status", "open").json["meta"]["all_count"]
    assert agent("search_contacts", "maria.garcia@example.com", "--summary").json == []
    created = agent(
        "create_contact", "--name", "María García", "--email", "Maria.Garcia@example.com",
        "--phone", "+34 699 000 111", "--inbox", "support api", "--custom-attr", "seats:=3",
    ).json["payload"]["contact"]  # fmt: skip
    contact_id = created["id"]
    assert sandbox.contacts[contact_id]["custom_attributes"] == {"seats": 3}
    found = agent("search_contacts", "maria.garcia", "--summary").json
    assert found == [
        {"id": contact_id, "name": "María García", "email": "maria.garcia@example.com",
         "phone_number": "+34699000111", "identifier": None}
    ]  # fmt: skip

    conversation = agent(
        "create_conversation", "--inbox", "Support API", "--contact-id", str(contact_id), "--message", "Hola María!"
    ).json
    conversation_id = conversation["id"]
    assert agent("conversation_counts", "--status", "open").json["meta"]["all_count"] == before + 1
    listed = agent("list_conversations", "--status", "open", "--all", "--summary").json
    line = next(item for item in listed if item["id"] == conversation_id)
    assert (line["contact"], line["inbox_id"], line["last_message"]) == (
        "María García",
        2,
        {"from": "agent", "text": "Hola María!"},
    )

    # Chatwoot renders Liquid in outgoing messages; the customer still sees exactly what was written.
    reply = 'Your order "A-1001" shipped.\nTracking: {{ DHL }} {% if x %}✈\n'
    message = agent("send_message", str(conversation_id), "--file", "-", stdin=reply).json
    assert message["content"] == reply.removesuffix("\n")  # the heredoc's final newline is not the message's
    assert message["private"] is False
    note = agent("add_note", str(conversation_id), "VIP - answer within {{1h}}").json
    assert (note["private"], note["content"]) == (True, "VIP - answer within {{1h}}")

    assigned = agent("assign_conversation", str(conversation_id), "--agent", "ana silva").json
    assert assigned["name"] == "Ana Silva"
    status = agent("set_status", str(conversation_id), "snoozed", "--until", "2h").json["payload"]
    assert status["current_status"] == "snoozed"

    shown = agent("get_conversation", str(conversation_id)).json
    assert shown["status"] == "snoozed"
    assert shown["meta"]["assignee"]["name"] == "Ana Silva"
    snoozed_until = time.mktime(time.strptime(shown["snoozed_until"][:19], "%Y-%m-%dT%H:%M:%S")) - time.timezone
    assert abs(snoozed_until - (time.time() + 7200)) < 60
    contents = [m["content"] for m in sandbox.conversation_messages(conversation_id)]
    assert contents == ["Hola María!", reply.removesuffix("\n"), "VIP - answer within {{1h}}"]
    assert agent.request_files() == []


def test_read_only_mode_refuses_every_change_before_sending(sandbox, agent):
    agent.env["CHATWOOT_READ_ONLY"] = "1"
    for script, args in [
        ("send_message", ["1", "hi"]),
        ("labels", ["1", "--add", "x"]),
        ("message_contact", ["--inbox-id", "2", "--email", "x@example.com", "hi"]),
        ("set_status", ["1,2", "resolved"]),
    ]:
        result = agent(script, *args)
        assert result.code == 3, (script, result.stderr)
        assert result.error_lines == [
            "error: CHATWOOT_READ_ONLY is set: this would change Chatwoot, so nothing was sent (--dry-run still works)"
        ]
    assert sandbox.requests == []
    assert agent("list_conversations", "--summary").code == 0
    assert agent("send_message", "1", "hi", "--dry-run").code == 0
