"""message_contact.py end to end on the sandbox: the contact and the conversation are found or made
once (even behind more than 20 conversations), a new contact gets a name, --once never sends a
text twice, with or without --liquid."""

from __future__ import annotations

import pytest


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


def test_a_resolved_conversation_is_not_reused(sandbox, agent):
    first = agent("message_contact", "--inbox-id", "2", "--identifier", "ext-77", "--name", "Ext", "One").json
    agent("set_status", str(first["conversation_id"]), "resolved")
    second = agent("message_contact", "--inbox-id", "2", "--identifier", "ext-77", "Two").json
    assert second["created_contact"] is False
    assert second["created_conversation"] is True
    assert second["conversation_id"] != first["conversation_id"]


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


def contact_conversations(sandbox, contact_id: int) -> list[dict]:
    return [c for c in sandbox.conversations.values() if c["contact_id"] == contact_id]


def test_an_open_conversation_behind_twenty_newer_ones_is_reused_not_duplicated(sandbox, agent):
    now = sandbox.clock()
    sandbox.clock = lambda: now
    fatima = 9  # fatima.zahra@example.ma: six resolved conversations in the Support API inbox (2)
    waiting = sandbox.add_conversation(fatima, 2, status="pending", last_activity_at=now - 40 * 86400)
    for minute in range(30):  # newer, all resolved, in the same inbox and contact inbox
        sandbox.add_conversation(fatima, 2, status="resolved", last_activity_at=now - 86400 + 60 * minute)
    elsewhere = sandbox.add_conversation(fatima, 1, last_activity_at=now - 60)  # open, but in the website inbox
    before = contact_conversations(sandbox, fatima)
    latest = sorted(before, key=lambda c: c["last_activity_at"], reverse=True)[:20]
    assert waiting not in latest and elsewhere in latest  # what GET /contacts/9/conversations would show

    result = agent("message_contact", "--inbox", "Support API", "--email", "fatima.zahra@example.ma", "Any news?")
    assert (result.code, result.stderr) == (0, ""), result.stderr
    output = result.json
    assert {key: output[key] for key in list(output)[:4]} == {
        "contact_id": fatima,
        "conversation_id": waiting["id"],
        "created_contact": False,
        "created_conversation": False,
    }
    assert len(contact_conversations(sandbox, fatima)) == len(before)
    assert sandbox.conversation_messages(waiting["id"])[-1]["content"] == "Any news?"
    assert output["message"]["id"] == waiting["message_ids"][-1]
    assert sandbox.conversation_messages(elsewhere["id"]) == []


@pytest.mark.parametrize(
    ("key", "name"),
    [(["--email", "Li.Wei@Example.com"], "Li.Wei"), (["--phone", "+1 415 555 0100"], "+14155550100")],
)
def test_a_contact_made_without_a_name_is_named_after_its_email_or_phone(sandbox, agent, key, name):
    contacts = len(sandbox.contacts)
    result = agent("message_contact", "--inbox-id", "2", *key, "Welcome!")
    assert (result.code, result.stderr) == (0, ""), result.stderr
    output = result.json
    assert list(output) == ["contact_id", "conversation_id", "created_contact", "created_conversation", "message"]
    assert (output["created_contact"], output["created_conversation"]) == (True, True)
    assert len(sandbox.contacts) == contacts + 1
    assert sandbox.contacts[output["contact_id"]]["name"] == name
    assert [m["content"] for m in sandbox.conversation_messages(output["conversation_id"])] == ["Welcome!"]


def test_message_contact_once_with_liquid_recognises_the_rendered_text(sandbox, agent):
    priya = ["--inbox-id", "2", "--email", "priya.sharma@example.in", "--once", "--liquid"]
    first = agent("message_contact", *priya, "Hi {{contact.first_name}}, it shipped!")
    assert (first.code, first.stderr) == (0, ""), first.stderr
    conversation_id = first.json["conversation_id"]
    count = len(sandbox.conversation_messages(conversation_id))
    assert sandbox.conversation_messages(conversation_id)[-1]["content"] == "Hi Priya, it shipped!"

    again = agent("message_contact", *priya, "Hi {{contact.first_name}}, it shipped!")
    assert again.code == 0, again.stderr
    sent = first.json["message"]["id"]
    assert (again.json["already_sent"], again.json["message"]["id"]) == (True, sent)
    assert again.stderr == (
        f"message {sent} in conversation {conversation_id} already says this; nothing was sent (--once)\n"
    )
    assert len(sandbox.conversation_messages(conversation_id)) == count


def test_message_contact_once_with_liquid_sends_when_the_same_words_went_out_unrendered(sandbox, agent):
    """Sent first without --liquid, the customer read the braces; with --liquid the text is another one."""
    priya = ["--inbox-id", "2", "--email", "priya.sharma@example.in"]
    literal = agent("message_contact", *priya, "Hi {{contact.first_name}}")
    conversation_id = literal.json["conversation_id"]
    assert sandbox.conversation_messages(conversation_id)[-1]["content"] == "Hi {{contact.first_name}}"
    filled = agent("message_contact", *priya, "--once", "--liquid", "Hi {{contact.first_name}}")
    assert (filled.code, filled.stderr) == (0, ""), filled.stderr
    assert "already_sent" not in filled.json
    contents = [m["content"] for m in sandbox.conversation_messages(conversation_id)][-2:]
    assert contents == ["Hi {{contact.first_name}}", "Hi Priya"]
    # and the other way round: the rendered words, sent again as plain text, are already there
    count = len(sandbox.conversation_messages(conversation_id))
    plain = agent("message_contact", *priya, "--once", "Hi Priya")
    assert (plain.code, plain.json["already_sent"]) == (0, True)
    assert plain.json["message"]["id"] == filled.json["message"]["id"]
    assert len(sandbox.conversation_messages(conversation_id)) == count
