"""Bad input is refused before anything is sent: ids that are not positive integers, malformed
flags and values, unreadable message files and stdin, unknown flags — exit 2, one error line naming
what was wrong, no request, no request file."""

from __future__ import annotations

import pytest
from conftest import assert_nothing_sent, assert_one_error
from samples import VALID_CALLS

# (script, arguments with {} where the id goes, the argument's name, the bad values tried):
# every script that takes an id gets a word, zero and a negative number; further id
# arguments of the same script get one of them.
NOT_IDS = ("abc", "0", "-3")
ID_ARGUMENTS = [
    ("get_contact", ["{}"], "CONTACT_ID", NOT_IDS),
    ("get_conversation", ["{}"], "CONVERSATION_ID", NOT_IDS),
    ("send_message", ["{}", "hi"], "CONVERSATION_ID", NOT_IDS),
    ("add_note", ["{}", "hi"], "CONVERSATION_ID", NOT_IDS),
    ("set_status", ["{}", "resolved"], "CONVERSATION_ID", (*NOT_IDS, "4.5")),
    ("assign_conversation", ["{}", "--agent-id", "5"], "CONVERSATION_ID", NOT_IDS),
    ("assign_conversation", ["42", "--agent-id", "{}"], "--agent-id", ("0",)),
    ("assign_conversation", ["42", "--team-id", "{}"], "--team-id", ("-3",)),
    ("create_contact", ["--name", "Jane", "--inbox-id", "{}"], "--inbox-id", NOT_IDS),
    ("create_conversation", ["--inbox-id", "{}", "--contact-id", "17"], "--inbox-id", NOT_IDS),
    ("create_conversation", ["--inbox-id", "3", "--contact-id", "{}"], "--contact-id", ("abc",)),
    ("create_conversation", ["--inbox-id", "3", "--contact-id", "17", "--assignee-id", "{}"], "--assignee-id", ("0",)),
    ("create_conversation", ["--inbox-id", "3", "--contact-id", "17", "--team-id", "{}"], "--team-id", ("-3",)),
    ("list_conversations", ["--inbox-id", "{}"], "--inbox-id", NOT_IDS),
    ("list_conversations", ["--team-id", "{}"], "--team-id", ("abc",)),
    ("list_conversations", ["--page", "{}"], "--page", ("0",)),
    ("conversation_counts", ["--inbox-id", "{}"], "--inbox-id", NOT_IDS),
    ("conversation_counts", ["--team-id", "{}"], "--team-id", ("-3",)),
    ("search_contacts", ["jane", "--page", "{}"], "--page", NOT_IDS),
]
ID_CASES = [
    pytest.param(script, [a.replace("{}", value) for a in arguments], name, value, id=f"{script}-{name}-{value}")
    for script, arguments, name, values in ID_ARGUMENTS
    for value in values
]


@pytest.mark.parametrize(("script", "arguments", "name", "value"), ID_CASES)
def test_id_that_is_not_a_positive_integer_is_refused(run, httpserver, script, arguments, name, value):
    result = run(script, *arguments)
    assert_nothing_sent(run, httpserver, result, 2)
    assert_one_error(result, f"argument {name}: expected ", f"got {value!r}")


BAD_INPUT = [
    ("create_contact", ["--name", "J", "--email", "jane@example"], ["--email", "'jane@example'"], "email-no-tld"),
    (
        "create_contact",
        ["--name", "J", "--email", "jane example.com"],
        ["--email", "'jane example.com'"],
        "email-no-at",
    ),
    ("create_contact", ["--name", "J", "--email", "a@b@c.com"], ["--email", "'a@b@c.com'"], "email-two-at"),
    (
        "create_contact",
        ["--name", "J", "--phone", "0151 1234567"],
        ["--phone", "'0151 1234567'", "E.164"],
        "phone-no-plus",
    ),
    (
        "create_contact",
        ["--name", "J", "--phone", "+49 151 CALL-ME"],
        ["--phone", "'+49 151 CALL-ME'"],
        "phone-letters",
    ),
    ("create_contact", ["--name", "J", "--phone", "+0151234567"], ["--phone", "'+0151234567'"], "phone-leading-zero"),
    (
        "create_contact",
        ["--name", "J", "--phone", "+1234567890123456"],
        ["--phone", "'+1234567890123456'"],
        "phone-16-digits",
    ),
    ("create_contact", ["--name", "J", "--attr", "company"], ["--attr", "'company'"], "attr-no-value"),
    (
        "create_contact",
        ["--name", "J", "--custom-attr", "seats:=twelve"],
        ["--custom-attr", "'seats:=twelve'", "JSON"],
        "custom-attr-not-json",
    ),
    ("create_contact", ["--email", "jane@example.com"], ["required", "--name"], "name-missing"),
    ("create_conversation", ["--inbox-id", "3"], ["required", "--contact-id"], "contact-id-missing"),
    (
        "create_conversation",
        ["--inbox-id", "3", "--contact-id", "17", "--status", "all"],
        ["--status", "'all'"],
        "create-status-all",
    ),
    ("set_status", ["42", "closed"], ["STATUS", "'closed'"], "status-unknown"),
    ("set_status", ["42", "open", "--until", "2h"], ["--until", "snoozed"], "until-without-snoozed"),
    (
        "set_status",
        ["42", "snoozed", "--until", "2020-01-01T09:00:00Z"],
        ["--until", "2020-01-01T09:00:00Z", "past"],
        "until-past-iso",
    ),
    ("set_status", ["42", "snoozed", "--until", "1000000000"], ["--until", "'1000000000'", "past"], "until-past-unix"),
    ("set_status", ["42", "snoozed", "--until", "tomorrow"], ["--until", "'tomorrow'"], "until-garbage"),
    ("set_status", ["42", "snoozed", "--until", "0h"], ["--until", "'0h'"], "until-zero"),
    ("list_conversations", ["--status", "closed"], ["--status", "'closed'"], "list-status-unknown"),
    ("list_conversations", ["--assignee-type", "nobody"], ["--assignee-type", "'nobody'"], "assignee-type-unknown"),
    ("list_conversations", ["--page", "2", "--all"], ["--all", "--page"], "page-and-all"),
    ("search_contacts", ["jane", "--page", "2", "--all"], ["--all", "--page"], "search-page-and-all"),
    ("conversation_counts", ["--status", "closed"], ["--status", "'closed'"], "counts-status-unknown"),
    ("assign_conversation", ["42"], ["--agent-id", "--team-id", "--unassign"], "assign-no-target"),
    (
        "assign_conversation",
        ["42", "--agent-id", "5", "--team-id", "2"],
        ["--agent-id", "--team-id"],
        "assign-two-targets",
    ),
    (
        "assign_conversation",
        ["42", "--agent-id", "5", "--unassign"],
        ["--agent-id", "--unassign"],
        "assign-and-unassign",
    ),
    ("search_contacts", [""], ["QUERY", "empty"], "search-empty"),
    ("search_contacts", ["  \t "], ["QUERY", "empty"], "search-blank"),
    ("send_message", ["42"], ["TEXT", "--file"], "text-missing"),
    ("add_note", ["42"], ["TEXT", "--file"], "note-missing"),
    ("send_message", ["42", " \n\t "], ["empty"], "text-blank"),
]


@pytest.mark.parametrize(
    ("script", "arguments", "fragments"), [c[:3] for c in BAD_INPUT], ids=[c[3] for c in BAD_INPUT]
)
def test_bad_input_is_refused_before_sending(run, httpserver, script, arguments, fragments):
    result = run(script, *arguments)
    assert_nothing_sent(run, httpserver, result, 2)
    assert_one_error(result, *fragments)


# The message text: TEXT or --file, never both; the file must exist, be UTF-8 and hold no NUL.


@pytest.mark.parametrize("script", ["send_message", "add_note"])
def test_text_and_file_together_are_refused(run, httpserver, script):
    (run.cwd / "message.txt").write_text("hello", encoding="utf-8")
    result = run(script, "42", "hello", "--file", "message.txt")
    assert_nothing_sent(run, httpserver, result, 2)
    assert_one_error(result, "TEXT", "--file", "not both")


@pytest.mark.parametrize(
    ("content", "fragments"),
    [
        (None, ["message.txt", "No such file or directory"]),
        (b"caf\xe9 latin-1", ["message.txt", "UTF-8"]),
        (b"\xff\xfeh\x00i\x00", ["message.txt", "UTF-8"]),
        (b"hello\x00world", ["message.txt", "NUL"]),
        (b"", ["empty"]),
    ],
    ids=["missing", "latin-1", "utf-16", "nul", "empty"],
)
def test_bad_file_is_refused(run, httpserver, content, fragments):
    if content is not None:
        (run.cwd / "message.txt").write_bytes(content)
    result = run("send_message", "42", "--file", "message.txt")  # relative: the agent's working directory
    assert_nothing_sent(run, httpserver, result, 2)
    assert_one_error(result, *fragments)


def test_directory_as_file_is_refused(run, httpserver):
    result = run("add_note", "42", "--file", str(run.cwd))
    assert_nothing_sent(run, httpserver, result, 2)
    assert_one_error(result, str(run.cwd))


@pytest.mark.parametrize(
    ("stdin", "fragments"),
    [(b"ok\x00", ["stdin", "NUL"]), (b"\xc3\x28", ["stdin", "UTF-8"]), (b"", ["empty"])],
    ids=["nul", "not-utf8", "empty"],
)
def test_bad_stdin_is_refused(run, httpserver, stdin, fragments):
    result = run("add_note", "42", "--file", "-", stdin=stdin)
    assert_nothing_sent(run, httpserver, result, 2)
    assert_one_error(result, *fragments)


@pytest.mark.parametrize("script", sorted(VALID_CALLS))
def test_unknown_flag_is_refused(run, httpserver, script):
    result = run(script, *VALID_CALLS[script], "--colour")
    assert_nothing_sent(run, httpserver, result, 2)
    assert_one_error(result, "unrecognized arguments: --colour")
