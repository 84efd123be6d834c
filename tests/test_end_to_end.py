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


def test_reaching_a_customer_twice_never_duplicates_contact_or_conversation(sandbox, agent):
    first = agent("message_contact", "--inbox-id", "2", "--email", "new.lead@example.com", "--name", "New Lead", "Hi!")
    assert first.code == 0, first.stderr
    second = agent("message_contact", "--inbox-id", "2", "--email", "NEW.LEAD@example.com", "Hi again!")
    assert second.code == 0, second.stderr
    one, two = first.json, second.json
    assert (one["created_contact"], one["created_conversation"]) == (True, True)
    assert (two["created_contact"], two["created_conversation"]) == (False, False)
    assert (two["contact_id"], two["conversation_id"]) == (one["contact_id"], one["conversation_id"])
    matching = [c for c in sandbox.contacts.values() if (c.get("email") or "") == "new.lead@example.com"]
    assert len(matching) == 1
    contents = [m["content"] for m in sandbox.conversation_messages(one["conversation_id"])]
    assert contents == ["Hi!", "Hi again!"]


def test_find_or_create_is_idempotent_and_matches_exactly(sandbox, agent):
    made = agent("find_or_create_contact", "--phone", "+1 415 555 0199", "--name", "Phone Only").json
    again = agent("find_or_create_contact", "--phone", "+14155550199").json
    assert made["created"] is True and again["created"] is False
    assert again["contact"]["id"] == made["contact"]["id"]
    # A substring hit is not a match: "jane" is in jane.doe@example.com but is not that e-mail.
    other = agent("find_or_create_contact", "--email", "jane@example.com").json
    assert other["created"] is True
    assert other["contact"]["id"] != 1


def test_a_resolved_conversation_is_not_reused(sandbox, agent):
    first = agent("message_contact", "--inbox-id", "2", "--identifier", "ext-77", "--name", "Ext", "One").json
    agent("set_status", str(first["conversation_id"]), "resolved")
    second = agent("message_contact", "--inbox-id", "2", "--identifier", "ext-77", "Two").json
    assert second["created_contact"] is False
    assert second["created_conversation"] is True
    assert second["conversation_id"] != first["conversation_id"]


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


def test_message_contact_once_does_not_send_the_same_text_twice(sandbox, agent):
    first = agent("message_contact", "--inbox-id", "2", "--email", "priya@example.com", "--once", "Shipped!")
    again = agent("message_contact", "--inbox-id", "2", "--email", "priya@example.com", "--once", "Shipped!")
    assert first.code == 0 and again.code == 0, again.stderr
    assert list(first.json) == [
        "contact_id", "conversation_id", "created_contact", "created_conversation", "message",
    ]  # fmt: skip
    assert again.json["already_sent"] is True
    assert again.json["message"]["id"] == first.json["message"]["id"]
    assert "nothing was sent (--once)" in again.stderr
    contents = [m["content"] for m in sandbox.conversation_messages(first.json["conversation_id"])]
    assert contents == ["Shipped!"]


def test_message_contact_dry_run_says_it_stops_at_the_first_change(sandbox, agent):
    result = agent("message_contact", "--inbox-id", "2", "--email", "nobody.yet@example.com", "Hi", "--dry-run")
    assert result.code == 0, result.stderr
    assert result.json["url"].endswith("/contacts")
    assert result.stderr == (
        "dry run: this preview is the first change; the script would then open a conversation with the new "
        "contact and send the message\n"
    )
    assert result.json["body"] == {"name": "nobody.yet", "email": "nobody.yet@example.com"}  # never nameless
    reads = [(r.method, r.path.rsplit("/", 1)[-1]) for r in sandbox.requests]
    assert reads == [("GET", "inboxes"), ("GET", "search")]  # the inbox checked, the contact looked for
