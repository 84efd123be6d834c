"""contact_notes.py and merge_contacts.py against the sandbox: the notes read and written, and a
merge that keeps the labels Chatwoot would drop, moves the conversations, and never happens
without --yes."""

from __future__ import annotations

import json

import pytest
from conftest import strict_equal
from sandbox import Sandbox

NOTE_LIMIT = 20_000


def notes_of(sandbox, contact_id: int) -> list:
    """The contact's notes as stored, newest first: (content, author id)."""
    rows = sorted(
        (n for n in sandbox.notes.values() if n["contact_id"] == contact_id),
        key=lambda n: (n["created_at"], n["id"]),
        reverse=True,
    )
    return [(n["content"], n["user_id"]) for n in rows]


def csat_of(sandbox, contact_id: int) -> int:
    return sum(
        1
        for r in sandbox.csat_responses.values()
        if r["contact_id"] == contact_id and r["conversation_id"] in sandbox.conversations
    )


# --------------------------------------------------------------------------- contact_notes.py


def test_contact_notes_lists_newest_first_with_their_authors(sandbox, agent):
    result = agent("contact_notes", "1")
    assert (result.code, result.stderr) == (0, "")
    assert [(n["content"], n["user"]["name"]) for n in result.json] == [
        ("Asked about annual billing for next year; follow up in March.", "Owner Admin"),
        ("Prefers email over phone; based in Berlin (CET).", "Ana Silva"),
    ]
    assert [(n["content"], n["user"]["id"]) for n in result.json] == notes_of(sandbox, 1)
    (request,) = sandbox.requests
    assert (request.method, request.path) == ("GET", "/api/v1/accounts/1/contacts/1/notes")


def test_contact_notes_add_stores_the_text_as_written(sandbox, agent):
    added = agent("contact_notes", "3", "--add", "Called {{ contact.name }}: refund approved")
    assert (added.code, added.stderr) == (0, "")
    assert (added.json["content"], added.json["user"]["name"]) == (
        "Called {{ contact.name }}: refund approved",
        "Owner Admin",
    )
    (post,) = sandbox.find_requests("POST")
    assert post.path == "/api/v1/accounts/1/contacts/3/notes"
    assert strict_equal(post.json, {"content": "Called {{ contact.name }}: refund approved"})  # notes have no Liquid
    letter = "Spoke with Zoë on 12 March.\n\n  - wants invoices monthly\n"
    from_stdin = agent(
        "contact_notes", "3", "--file", "-", env={"CHATWOOT_API_TOKEN": Sandbox.AGENT_TOKEN}, stdin=letter
    )
    assert from_stdin.json["content"] == letter.removesuffix("\n")
    assert notes_of(sandbox, 3) == [
        (letter.removesuffix("\n"), 2),
        ("Called {{ contact.name }}: refund approved", 1),
    ]
    listed = agent("contact_notes", "3")
    assert [n["content"] for n in listed.json] == [
        letter.removesuffix("\n"),
        "Called {{ contact.name }}: refund approved",
    ]
    assert agent.request_files() == []


@pytest.mark.parametrize(
    ("argv", "stdin", "error"),
    [
        (
            ["--add", "x" * (NOTE_LIMIT + 1)],
            None,
            "error: the note is 20,001 characters; Chatwoot takes at most 20,000",
        ),
        (["--add", "   "], None, "error: the note text is empty"),
        (["--add", "hi", "--file", "-"], "there", "error: give the note text either as TEXT or with --file, not both"),
        (["--file", "-"], b"\xff\xfe", "error: stdin is not UTF-8 text (bad byte at offset 0)"),
    ],
)
def test_contact_notes_bad_text_is_refused_before_sending(sandbox, agent, argv, stdin, error):
    result = agent("contact_notes", "3", *argv, stdin=stdin)
    assert (result.code, result.stdout, result.error_lines) == (2, "", [error])
    assert sandbox.requests == [] and notes_of(sandbox, 3) == []


def test_contact_notes_at_the_limit_and_for_an_unknown_contact(sandbox, agent):
    longest = agent("contact_notes", "3", "--add", "é" * NOTE_LIMIT)
    assert longest.code == 0, longest.stderr
    assert notes_of(sandbox, 3) == [("é" * NOTE_LIMIT, 1)]
    missing = agent("contact_notes", "999", "--add", "hello")
    assert (missing.code, missing.stdout) == (1, "")
    assert missing.error_lines[:2] == [
        "error: HTTP 404 from Chatwoot: Resource could not be found",
        "error: hint: there is no contact 999 in account 1 (search_contacts.py finds ids)",
    ]


# --------------------------------------------------------------------------- merge_contacts.py


def test_merge_without_yes_changes_nothing(sandbox, agent):
    refused = agent("merge_contacts", "1", "10")
    assert (refused.code, refused.stdout) == (2, "")
    assert refused.error_lines == [
        "error: merging deletes contact 10 for good; add --yes to confirm (or --dry-run to see)"
    ]
    same = agent("merge_contacts", "10", "10", "--yes")
    assert (same.code, same.error_lines) == (2, ["error: BASE_ID and OTHER_ID are both 10: there is nothing to merge"])
    read_only = agent("merge_contacts", "1", "10", "--yes", env={"CHATWOOT_READ_ONLY": "1"})
    assert (read_only.code, read_only.stdout) == (3, "")
    assert sandbox.requests == []
    assert 10 in sandbox.contacts and sandbox.contacts[1]["labels"] == ["customer"]


def test_merge_dry_run_shows_what_survives_and_sends_nothing(sandbox, agent):
    lost = csat_of(sandbox, 10)
    assert lost > 0  # Noah Williams answered surveys in the seeded fortnight
    result = agent("merge_contacts", "1", "10", "--dry-run")
    assert result.code == 0
    assert result.stderr == (
        f"warning: Chatwoot will delete contact 10's {lost} CSAT survey answer(s) with it\n"
        "dry run: this preview is the first change; the script would then merge contact 10 into 1\n"
    )
    preview = result.json
    assert (preview["method"], preview["url"]) == ("POST", f"{sandbox.url}/api/v1/accounts/1/contacts/1/labels")
    assert strict_equal(preview["body"], {"labels": ["customer", "vip", "enterprise"]})  # 10's labels, kept on 1
    assert preview["labels_added"] == ["vip", "enterprise"]
    assert preview["csat_answers_lost"] == lost
    assert preview["result"] == {
        "name": "Jane Doe",  # the base's values win…
        "email": "jane.doe@example.com",
        "phone_number": "+4915112345678",
        "identifier": "cust-1042",
        "additional_attributes": {
            "company_name": "Acme GmbH",
            "city": "Berlin",
            "country": "Germany",
            "country_code": "de",
        },
        "custom_attributes": {"plan": "pro", "seats": 40},  # …and the other's fill what the base lacks
    }
    assert {r.method for r in sandbox.requests} == {"GET"}
    assert 10 in sandbox.contacts and sandbox.contacts[1]["labels"] == ["customer"]


def test_merge_keeps_the_labels_moves_the_conversations_and_deletes_the_other(sandbox, agent):
    moving = sorted(c["id"] for c in sandbox.conversations.values() if c["contact_id"] == 10)
    staying = sorted(c["id"] for c in sandbox.conversations.values() if c["contact_id"] == 1)
    lost = csat_of(sandbox, 10)
    other_notes = notes_of(sandbox, 10)
    result = agent("merge_contacts", "1", "10", "--yes")
    assert result.code == 0
    assert result.stderr == f"warning: Chatwoot will delete contact 10's {lost} CSAT survey answer(s) with it\n"
    merged = result.json
    assert (merged["id"], merged["name"], merged["identifier"]) == (1, "Jane Doe", "cust-1042")
    assert merged["custom_attributes"] == {"plan": "pro", "seats": 40}
    labels_post, merge_post = sandbox.find_requests("POST")
    assert labels_post.path == "/api/v1/accounts/1/contacts/1/labels"
    assert strict_equal(labels_post.json, {"labels": ["customer", "vip", "enterprise"]})
    assert merge_post.path == "/api/v1/accounts/1/actions/contact_merge"
    assert strict_equal(merge_post.json, {"base_contact_id": 1, "mergee_contact_id": 10})
    assert 10 not in sandbox.contacts
    assert sandbox.contacts[1]["labels"] == ["customer", "vip", "enterprise"]
    assert sorted(c["id"] for c in sandbox.conversations.values() if c["contact_id"] == 1) == sorted(staying + moving)
    assert set(other_notes) <= set(notes_of(sandbox, 1))
    assert csat_of(sandbox, 10) == 0


def test_merge_by_an_agent_says_the_survey_answers_may_go(sandbox, agent):
    result = agent("merge_contacts", "3", "4", "--yes", env={"CHATWOOT_API_TOKEN": Sandbox.AGENT_TOKEN})
    assert result.code == 0
    assert result.stderr == (
        "note: Chatwoot deletes contact 4's CSAT survey answers, if any (an administrator's token can count them)\n"
    )
    assert (result.json["id"], result.json["name"]) == (3, "Zoë Müller")
    (merge_post,) = sandbox.find_requests("POST")  # 4 had no labels: nothing to keep
    assert strict_equal(merge_post.json, {"base_contact_id": 3, "mergee_contact_id": 4})
    assert 4 not in sandbox.contacts


def test_a_failed_merge_says_the_labels_were_already_added(sandbox, agent):
    sandbox.fail_next(
        "POST", r"/actions/contact_merge$", 500, json.dumps({"status": 500, "error": "Internal Server Error"})
    )
    result = agent("merge_contacts", "1", "10", "--yes")
    assert (result.code, result.stdout) == (1, "")
    assert result.error_lines[0] == "error: HTTP 500 from Chatwoot: Internal Server Error"
    assert result.error_lines[-1] == "error: contact 1 already has contact 10's labels (added before the merge)"
    assert 10 in sandbox.contacts
    assert sandbox.contacts[1]["labels"] == ["customer", "vip", "enterprise"]
    assert len(agent.request_files()) == 1  # the merge's body, kept to resend
