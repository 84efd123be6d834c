"""Every way a run can fail: Chatwoot's error answers, bad input, bad configuration, the network."""

from __future__ import annotations

import json
import os
import socket
import stat

import pytest
from conftest import ACCOUNT_PATH, TOKEN, assert_received, only_request, only_write, profile, reads

MESSAGE_PATH = f"{ACCOUNT_PATH}/conversations/42/messages"
MESSAGE_BODY = {"content": "Hallo, wir prüfen das.", "message_type": "outgoing", "private": False}
CONTACT = {"payload": {"id": 17, "name": "Jane Doe", "email": "jane.doe@example.com"}}

# The hints the contract asks for, in the scripts' words.
HINT_SIGN_IN = (
    "hint: the Api-Access-Token header never reached Chatwoot; a reverse proxy in front of it may be "
    "dropping it (nginx: set underscores_in_headers on, or forward the header)"
)
HINT_BAD_TOKEN = "hint: CHATWOOT_API_TOKEN is wrong or revoked; copy it again from Profile Settings → Access Token"
HINT_ACCOUNT = "hint: CHATWOOT_ACCOUNT_ID is not an account this token belongs to; run whoami.py to list yours"
HINT_ROLE = "hint: the token's user lacks the role for this (administrators only, or not a member of that inbox)"
# A 404 names the record, after one read of the profile shows the account exists.
HINT_NOT_FOUND = "hint: there is no {record} in account 1 ({where})"
NOT_FOUND = {
    "contact 17": "search_contacts.py finds ids",
    "conversation 42": "list_conversations.py; ids are the numbers shown in Chatwoot's UI",
}
HINT_RATE = "hint: rate limited by Chatwoot; wait a minute before trying again"
HINT_SERVER = "hint: Chatwoot failed on its side; an invalid value (status, priority, filter) can cause this"

NGINX_502 = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n"
    "<hr><center>nginx/1.24.0</center>\r\n</body>\r\n</html>\r\n"
)


def _json(document) -> tuple[str, str]:
    return json.dumps(document), "application/json; charset=utf-8"


# (status, (body, content type), Chatwoot's message as the agent should read it, hint line or None)
API_ERRORS = [
    pytest.param(
        401,
        _json({"errors": ["You need to sign in or sign up before continuing."]}),
        "You need to sign in or sign up before continuing.",
        HINT_SIGN_IN,
        id="401-header-never-arrived",
    ),
    pytest.param(
        401, _json({"error": "Invalid Access Token"}), "Invalid Access Token", HINT_BAD_TOKEN, id="401-bad-token"
    ),
    pytest.param(
        401,
        _json({"error": "You are not authorized to access this account"}),
        "You are not authorized to access this account",
        HINT_ACCOUNT,
        id="401-wrong-account",
    ),
    pytest.param(
        401,
        _json({"error": "You are not authorized to do this action"}),
        "You are not authorized to do this action",
        HINT_ROLE,
        id="401-role",
    ),
    pytest.param(
        404, _json({"error": "Resource could not be found"}), "Resource could not be found", HINT_NOT_FOUND, id="404"
    ),
    pytest.param(
        422,
        _json({"message": "Email has already been taken", "attributes": ["email"]}),
        "Email has already been taken",
        None,
        id="422-validation",
    ),
    pytest.param(
        422,
        _json({"error": "Validation failed: Content is too long (maximum is 150000 characters)"}),
        "Validation failed: Content is too long (maximum is 150000 characters)",
        None,
        id="422-error",
    ),
    pytest.param(429, ("Retry later\n", "text/plain"), "Retry later", HINT_RATE, id="429-text"),
    pytest.param(
        502,
        (NGINX_502, "text/html"),
        "502 Bad Gateway (an HTML page, probably from a proxy in front of Chatwoot)",
        HINT_SERVER,
        id="502-html",
    ),
    pytest.param(
        500, _json({"status": 500, "error": "Internal Server Error"}), "Internal Server Error", HINT_SERVER, id="500"
    ),
]


def refuse(httpserver, path: str, status: int, body: str, content_type: str, method: str = "GET") -> None:
    httpserver.expect_request(path, method=method).respond_with_data(body, status=status, content_type=content_type)


def assert_nothing_sent(run, httpserver, result, code: int) -> None:
    assert result.code == code, result.stderr
    assert result.stdout == ""
    assert httpserver.log == []
    assert run.request_files() == []


def closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def assert_request_file_kept(run, result, body: dict, resendable: bool = True) -> str:
    """The failed write's body waits in a 0600 file, named on stderr; where the same request may
    yet succeed (429, 5xx, network), with a curl that resends it."""
    files = run.request_files()
    assert len(files) == 1, files
    path = str(files[0])
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert json.loads(files[0].read_bytes()) == body
    assert f"error: request body kept at {path}" in result.error_lines
    resend = [line for line in result.error_lines if line.startswith("error: resend with: curl ")]
    assert len(resend) == (1 if resendable else 0), result.stderr
    for line in resend:
        assert f"@{path}" in line and "$CHATWOOT_API_TOKEN" in line
    return path


def expected_hint(hint: str | None, record: str) -> list[str]:
    if hint is None:
        return []
    return [f"error: {hint.format(record=record, where=NOT_FOUND[record])}" if "{record}" in hint else f"error: {hint}"]


# --------------------------------------------------------------------------- Chatwoot's answers


@pytest.mark.parametrize(("status", "answer", "message", "hint"), API_ERRORS)
def test_read_error_shows_status_message_and_hint(run, httpserver, status, answer, message, hint):
    refuse(httpserver, f"{ACCOUNT_PATH}/contacts/17", status, *answer)
    httpserver.expect_request("/api/v1/profile").respond_with_json(profile())  # read to explain a 404
    result = run("get_contact", "17")
    assert result.code == 1
    assert result.stdout == ""
    assert result.error_lines == [f"error: HTTP {status} from Chatwoot: {message}", *expected_hint(hint, "contact 17")]
    assert reads(httpserver) == [f"{ACCOUNT_PATH}/contacts/17", *(["/api/v1/profile"] if status == 404 else [])]


@pytest.mark.parametrize(("status", "answer", "message", "hint"), API_ERRORS)
def test_write_error_keeps_request_file(run, httpserver, status, answer, message, hint):
    refuse(httpserver, MESSAGE_PATH, status, *answer, method="POST")
    httpserver.expect_request("/api/v1/profile").respond_with_json(profile())
    result = run("send_message", "42", MESSAGE_BODY["content"])
    assert result.code == 1
    assert result.stdout == ""
    head = [f"error: HTTP {status} from Chatwoot: {message}", *expected_hint(hint, "conversation 42")]
    assert result.error_lines[: len(head)] == head
    assert_received(only_write(httpserver), "POST", MESSAGE_PATH, body=MESSAGE_BODY)  # a POST is never resent
    assert_request_file_kept(run, result, MESSAGE_BODY, resendable=status == 429 or status >= 500)


def test_error_body_is_not_dumped_into_stderr(run, httpserver):
    refuse(httpserver, f"{ACCOUNT_PATH}/contacts/17", 502, NGINX_502, "text/html")
    result = run("get_contact", "17")
    assert "<" not in result.stderr


# --------------------------------------------------------------------------- bad input: exit 2, nothing sent


def assert_one_error(result, *fragments: str) -> None:
    """One `error:` line that names what was wrong (the argument, the offending value)."""
    assert len(result.error_lines) == 1, result.stderr
    for fragment in fragments:
        assert fragment in result.error_lines[0], (fragment, result.error_lines[0])


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


# Each script, called correctly apart from one unknown flag.
VALID_CALLS = {
    "create_contact": ["--name", "Jane"],
    "search_contacts": ["jane"],
    "get_contact": ["17"],
    "create_conversation": ["--inbox-id", "3", "--contact-id", "17"],
    "list_conversations": [],
    "get_conversation": ["42"],
    "send_message": ["42", "hi"],
    "add_note": ["42", "hi"],
    "assign_conversation": ["42", "--unassign"],
    "set_status": ["42", "open"],
    "list_agents": [],
    "list_inboxes": [],
    "conversation_counts": [],
}


@pytest.mark.parametrize("script", sorted(VALID_CALLS))
def test_unknown_flag_is_refused(run, httpserver, script):
    result = run(script, *VALID_CALLS[script], "--colour")
    assert_nothing_sent(run, httpserver, result, 2)
    assert_one_error(result, "unrecognized arguments: --colour")


# --------------------------------------------------------------------------- configuration: exit 3, nothing sent

BOGUS = "bogus-7731"  # recognisable: the value must never be echoed back

CONFIG_ERRORS = [
    ("CHATWOOT_API_TOKEN", None, "token-missing"),
    ("CHATWOOT_API_TOKEN", " \t\n", "token-blank"),
    ("CHATWOOT_API_TOKEN", f"{BOGUS} with spaces", "token-with-spaces"),
    ("CHATWOOT_ACCOUNT_ID", None, "account-missing"),
    ("CHATWOOT_ACCOUNT_ID", "", "account-empty"),
    ("CHATWOOT_ACCOUNT_ID", "0", "account-zero"),
    ("CHATWOOT_ACCOUNT_ID", BOGUS, "account-word"),
    ("CHATWOOT_ACCOUNT_ID", "-7731", "account-negative"),
    ("CHATWOOT_ACCOUNT_ID", "7731.5", "account-fraction"),
    ("CHATWOOT_BASE_URL", f"ftp://{BOGUS}.example", "base-url-ftp"),
    ("CHATWOOT_BASE_URL", f"{BOGUS}.example", "base-url-no-scheme"),
    ("CHATWOOT_BASE_URL", f"https://{BOGUS}.example/app/accounts/1", "base-url-browser-url"),
    ("CHATWOOT_BASE_URL", f"https://{BOGUS}.example/api/v1/accounts/1/", "base-url-api-url"),
    ("CHATWOOT_BASE_URL", f"http://{BOGUS} host.example", "base-url-space"),
    ("CHATWOOT_BASE_URL", f"http://[{BOGUS}", "base-url-bracket"),
    ("CHATWOOT_BASE_URL", f"http://{BOGUS}.example:99999", "base-url-bad-port"),
    ("CHATWOOT_TIMEOUT", BOGUS, "timeout-word"),
    ("CHATWOOT_TIMEOUT", "0", "timeout-zero"),
    ("CHATWOOT_TIMEOUT", "-7731", "timeout-negative"),
    ("CHATWOOT_TIMEOUT", "nan", "timeout-nan"),
]


@pytest.mark.parametrize(("variable", "value"), [c[:2] for c in CONFIG_ERRORS], ids=[c[2] for c in CONFIG_ERRORS])
def test_bad_configuration_names_the_variable_not_its_value(run, httpserver, variable, value):
    result = run("send_message", "42", "hi", env={variable: value})
    assert result.code == 3, result.stderr
    assert_one_error(result, variable)
    assert "7731" not in result.stderr
    assert_nothing_sent(run, httpserver, result, 3)


@pytest.mark.parametrize("script", sorted(VALID_CALLS))
def test_every_script_needs_the_token(run, httpserver, script):
    result = run(script, *VALID_CALLS[script], env={"CHATWOOT_API_TOKEN": None})
    assert_nothing_sent(run, httpserver, result, 3)
    assert_one_error(result, "CHATWOOT_API_TOKEN")


# --------------------------------------------------------------------------- configuration that works


def test_trailing_slash_in_base_url_is_ignored(run, httpserver):
    httpserver.expect_request(f"{ACCOUNT_PATH}/contacts/17").respond_with_json(CONTACT)
    result = run("get_contact", "17", env={"CHATWOOT_BASE_URL": httpserver.url_for("/") + "/"})
    assert result.code == 0, result.stderr
    assert_received(only_request(httpserver), "GET", f"{ACCOUNT_PATH}/contacts/17")
    assert result.stdout == json.dumps(CONTACT) + "\n"


@pytest.mark.parametrize("suffix", ["", "/"])
def test_base_url_path_prefix_is_honoured(run, httpserver, suffix):
    httpserver.expect_request(f"/chatwoot{ACCOUNT_PATH}/contacts/17").respond_with_json(CONTACT)
    result = run("get_contact", "17", env={"CHATWOOT_BASE_URL": httpserver.url_for("/chatwoot") + suffix})
    assert result.code == 0, result.stderr
    assert_received(only_request(httpserver), "GET", f"/chatwoot{ACCOUNT_PATH}/contacts/17")


def test_base_url_path_prefix_is_honoured_for_writes(run, httpserver):
    httpserver.expect_request(f"/support/chat{MESSAGE_PATH}", method="POST").respond_with_json({"id": 1})
    result = run(
        "send_message", "42", MESSAGE_BODY["content"], env={"CHATWOOT_BASE_URL": httpserver.url_for("/support/chat")}
    )
    assert result.code == 0, result.stderr
    assert_received(only_request(httpserver), "POST", f"/support/chat{MESSAGE_PATH}", body=MESSAGE_BODY)
    assert run.request_files() == []


def test_whitespace_around_token_is_ignored(run, httpserver):
    httpserver.expect_request(f"{ACCOUNT_PATH}/contacts/17").respond_with_json(CONTACT)
    result = run("get_contact", "17", env={"CHATWOOT_API_TOKEN": f"  {TOKEN}\t\n"})
    assert result.code == 0, result.stderr
    assert_received(only_request(httpserver), "GET", f"{ACCOUNT_PATH}/contacts/17")


def test_whitespace_around_account_id_is_ignored(run, httpserver):
    httpserver.expect_request(f"{ACCOUNT_PATH}/contacts/17").respond_with_json(CONTACT)
    result = run("get_contact", "17", env={"CHATWOOT_ACCOUNT_ID": " 1 "})
    assert result.code == 0, result.stderr
    assert_received(only_request(httpserver), "GET", f"{ACCOUNT_PATH}/contacts/17")


def test_host_named_app_is_a_valid_base_url(run):
    # A self-hosted server reached as http://app (a compose service name) has no /app path.
    result = run("set_status", "42", "resolved", "--dry-run", env={"CHATWOOT_BASE_URL": "http://app"})
    assert result.code == 0, result.stderr
    assert result.json["url"] == f"http://app{ACCOUNT_PATH}/conversations/42/toggle_status"


# --------------------------------------------------------------------------- network: exit 4


def test_closed_port_on_read_is_a_network_failure(run):
    port = closed_port()
    result = run("get_contact", "17", env={"CHATWOOT_BASE_URL": f"http://127.0.0.1:{port}"})
    assert result.code == 4
    assert result.stdout == ""
    assert_one_error(result, f"could not connect to http://127.0.0.1:{port}")


def test_closed_port_on_write_keeps_request_file(run):
    port = closed_port()
    result = run("send_message", "42", MESSAGE_BODY["content"], env={"CHATWOOT_BASE_URL": f"http://127.0.0.1:{port}"})
    assert result.code == 4
    assert result.stdout == ""
    assert result.error_lines[0].startswith(f"error: could not connect to http://127.0.0.1:{port}")
    assert_request_file_kept(run, result, MESSAGE_BODY)


def test_unresolvable_host_is_could_not_connect(run):
    result = run("send_message", "42", "hi", env={"CHATWOOT_BASE_URL": "http://chatwoot.invalid"})
    assert result.code == 4
    assert result.stdout == ""
    assert result.error_lines[0].startswith("error: could not connect to http://chatwoot.invalid ("), result.stderr
    assert not any("may have reached" in line for line in result.error_lines), result.stderr
