"""conversation_context.py: everything one ticket needs in one call. What it reads (the conversation
first, then the rest together over one session), what it prints (JSON or a page), how much (the
last N messages, texts cut, about 60 KB, the contact's other conversations) and what it says it left out."""

from __future__ import annotations

from datetime import datetime, timezone

import requests
from conftest import ACCOUNT_PATH
from sandbox import Sandbox

NOTE = "Called the carrier:\nthe parcel is in Leipzig."


def utc(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def sent(sandbox, start: int = 0) -> list:
    return [(r.method, r.path, list(r.query.items(multi=True))) for r in sandbox.requests[start:]]


def transcript_lines(agent, number: int) -> list:
    """list_messages.py --all --transcript as one entry a message (a multi-line text's lines indented)."""
    result = agent("list_messages", str(number), "--all", "--transcript")
    assert result.code == 0, result.stderr
    entries: list = []
    for line in result.stdout.splitlines():
        if line.startswith("  ") and entries:
            entries[-1] += "\n" + line
        else:
            entries.append(line)
    return entries


def test_context_is_the_summary_contact_attributes_transcript_and_other_conversations(sandbox, agent, sessions):
    assert agent("add_note", "1", NOTE).code == 0
    start, made = len(sandbox.requests), len(sessions.made)
    sessions.together(5, after=1)  # after the conversation: contact, labels, other conversations, inboxes, messages
    result = agent("conversation_context", "1")
    assert (result.code, result.stderr) == (0, "")
    assert len(sessions.made) - made == 1  # every read of this run went over one session
    requests_made = sent(sandbox, start)
    assert requests_made[0] == ("GET", f"{ACCOUNT_PATH}/conversations/1", [])  # it names the contact
    assert sorted(requests_made[1:]) == [
        ("GET", f"{ACCOUNT_PATH}/contacts/1", []),
        ("GET", f"{ACCOUNT_PATH}/contacts/1/conversations", []),
        ("GET", f"{ACCOUNT_PATH}/contacts/1/labels", []),
        ("GET", f"{ACCOUNT_PATH}/conversations/1/messages", []),
        ("GET", f"{ACCOUNT_PATH}/conversations/1/messages", [("before", "1")]),  # nothing older: the end
        ("GET", f"{ACCOUNT_PATH}/inboxes", []),
    ]

    context = result.json
    assert list(context) == ["conversation", "contact", "attributes", "messages", "other_conversations", "omitted"]
    assert context["conversation"] == agent("get_conversation", "1", "--summary").json
    assert context["conversation"]["last_message"] == {"from": "note", "text": " ".join(NOTE.split())}
    person = agent("get_contact", "1").json["payload"]
    assert context["contact"] == {
        **{key: person[key] for key in ("id", "name", "email", "phone_number", "identifier")},
        "labels": agent("contact_labels", "1").json["payload"],
        "custom_attributes": person["custom_attributes"],
        "additional_attributes": person["additional_attributes"],
    }
    assert context["contact"]["labels"] == ["customer"]
    assert context["attributes"] == agent("get_conversation", "1").json["custom_attributes"] == {"order_id": "A-1001"}
    assert context["messages"] == transcript_lines(agent, 1)
    assert context["messages"][-1].endswith(
        " Owner Admin (agent) [note]:\n  Called the carrier:\n  the parcel is in Leipzig."
    )
    inboxes = {inbox["id"]: inbox["name"] for inbox in agent("list_inboxes").json["payload"]}
    others = agent("contact_conversations", "1").json["payload"]
    assert context["other_conversations"] == [
        {"id": other["id"], "status": other["status"], "inbox": inboxes[other["inbox_id"]],
         "last_activity_at": utc(other["last_activity_at"])}
        for other in others
        if other["id"] != 1
    ]  # fmt: skip
    assert len(context["other_conversations"]) == len(others) - 1 == 11
    assert context["omitted"] == {
        "earlier_messages": False,
        "messages_over_budget": 0,
        "texts_cut": 0,
        "older_conversations": False,
    }


def test_context_as_text_is_a_page_to_read(sandbox, agent):
    result = agent("conversation_context", "19", "--text")
    assert (result.code, result.stderr) == (0, "")
    assert result.stdout == (
        "Conversation #19 · resolved\n"
        "assigned to Ana Silva · waiting since 2026-01-24T18:40:00Z\n"
        "\n"
        "Contact #19: Ava Thompson · ava.thompson@example.com · +61412345678\n"
        "  additional attributes: city=Sydney, country=Australia, country_code=au\n"
        "\n"
        "Messages:\n"
        "2026-01-24 18:40Z #273 Ava Thompson (contact): Buy 10,000 followers now!!! "
        "<a href='http://spam.example'>click</a>\n"
        "2026-01-24 18:47Z #274 Ana Silva (agent) [note]: Spam; contact blocked.\n"
        "2026-01-24 18:54Z #275 [activity] Conversation was marked resolved by Ana Silva\n"
    )


def test_a_long_conversation_gives_its_last_50_messages_and_says_what_was_left_out(sandbox, agent):
    everything = transcript_lines(agent, 7)
    assert len(everything) == 230
    start = len(sandbox.requests)
    result = agent("conversation_context", "7")
    assert result.code == 0
    assert result.stderr == (
        "left out: earlier messages (past the last 50; --messages N or --all); "
        "list_messages.py 7 --all shows everything\n"
    )
    assert result.json["messages"] == everything[-50:]
    assert result.json["omitted"] == {
        "earlier_messages": True,
        "messages_over_budget": 0,
        "texts_cut": 0,
        "older_conversations": False,
    }
    pages = [query for method, path, query in sent(sandbox, start) if path.endswith("/conversations/7/messages")]
    assert len(pages) == 3  # 20 a page: three pages hold the last 50

    few = agent("conversation_context", "7", "--messages", "5", "--text")
    assert few.stdout.endswith("Messages (earlier ones left out):\n" + "\n".join(everything[-5:]) + "\n")
    assert few.stderr.startswith("left out: earlier messages (past the last 5;")

    every = agent("conversation_context", "7", "--all")
    assert (every.code, every.stderr) == (0, "")
    assert every.json["messages"] == everything
    assert every.json["omitted"] == {
        "earlier_messages": False,
        "messages_over_budget": 0,
        "texts_cut": 0,
        "older_conversations": False,
    }


def test_long_texts_are_cut_and_the_oldest_dropped_to_stay_near_60_kb(sandbox, agent):
    number = sandbox.add_conversation(4, 2)["id"]
    url = f"{sandbox.url}{ACCOUNT_PATH}/conversations/{number}/messages"
    for index in range(32):
        text = f"Message {index:02d}: " + "the parcel is late again. " * 80  # 2,092 characters
        answer = requests.post(url, json={"content": text}, headers={"Api-Access-Token": Sandbox.TOKEN}, timeout=5)
        assert answer.status_code == 200
    result = agent("conversation_context", str(number), "--all")
    assert result.code == 0
    kept = result.json["messages"]
    dropped = result.json["omitted"]["messages_over_budget"]
    assert result.json["omitted"] == {
        "earlier_messages": False,
        "messages_over_budget": dropped,
        "texts_cut": 32,
        "older_conversations": False,
    }
    assert len(kept) == 32 - dropped and dropped > 0
    assert all(line.endswith("… [92 more characters]") for line in kept)  # each text cut at 2,000 characters
    assert [line.split(": ", 2)[1][len("Message ") :][:2] for line in kept] == [
        f"{index:02d}" for index in range(dropped, 32)
    ]  # the newest kept, in order
    size = sum(len(line) + 1 for line in kept)
    assert size <= 60_000 < size + len(kept[0]) + 1  # one more would pass the budget
    assert result.stderr == (
        f"left out: the {dropped} oldest of those fetched, to stay near 60 KB; the end of 32 long message texts "
        f"(cut at 2,000 characters); list_messages.py {number} --all shows everything\n"
    )


def test_other_conversations_are_the_contacts_20_most_recent_and_the_rest_is_said_left_out(sandbox, agent):
    own = [c for c in sandbox.conversations.values() if c["contact_id"] == 4]
    first = min(own, key=lambda c: c["last_activity_at"])["id"]
    base = max(c["last_activity_at"] for c in own)  # the 22 added are the contact's newest
    added = [sandbox.add_conversation(4, 2, last_activity_at=base + hours * 3600)["id"] for hours in range(1, 23)]
    result = agent("conversation_context", str(first))
    assert result.code == 0
    assert (
        result.stderr == "left out: any conversations of the contact's before its 20 newest (Chatwoot lists no more)\n"
    )
    assert result.json["omitted"]["older_conversations"] is True
    assert [other["id"] for other in result.json["other_conversations"]] == added[::-1][:20]
    newest = agent("conversation_context", str(added[-1])).json["other_conversations"]
    assert [other["id"] for other in newest] == added[::-1][1:20]  # itself left out of the 20


def test_an_unknown_conversation_is_a_404_naming_it(sandbox, agent):
    result = agent("conversation_context", "9999")
    assert (result.code, result.stdout) == (1, "")
    assert result.error_lines == [
        "error: HTTP 404 from Chatwoot: Resource could not be found",
        "error: hint: there is no conversation 9999 in account 1 "
        "(list_conversations.py; ids are the numbers shown in Chatwoot's UI)",
    ]
    assert sent(sandbox) == [("GET", f"{ACCOUNT_PATH}/conversations/9999", []), ("GET", "/api/v1/profile", [])]
