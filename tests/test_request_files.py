"""Request files: --dry-run previews, hostile text arriving byte-exact, the file's life cycle,
and scripts run from anywhere."""

from __future__ import annotations

import json
import os
import shlex
import stat
import subprocess
import sys

import pytest
from conftest import (
    ACCOUNT_PATH,
    SCRIPTS_DIR,
    TOKEN,
    assert_received,
    body_of,
    only_request,
    only_write,
    serve_directory,
    strict_equal,
)

# (script, arguments, path under the account, the body Chatwoot must receive)
WRITES = [
    pytest.param(
        "create_contact",
        ["--name", "Jane Doë", "--email", "jane@example.com", "--phone", "+49 151 1234-5678", "--inbox-id", "3",
         "--attr", "company=Acme", "--custom-attr", "seats:=12"],
        "/contacts",
        {"name": "Jane Doë", "email": "jane@example.com", "phone_number": "+4915112345678", "inbox_id": 3,
         "additional_attributes": {"company": "Acme"}, "custom_attributes": {"seats": 12}},
        id="create_contact",
    ),
    pytest.param(
        "create_conversation",
        ["--inbox-id", "3", "--contact-id", "17", "--message", "Hallo 👋"],
        "/conversations",
        {"inbox_id": 3, "contact_id": 17, "message": {"content": "Hallo 👋"}},
        id="create_conversation",
    ),
    pytest.param(
        "send_message",
        ["42", 'Grüße, "quoted"\n'],
        "/conversations/42/messages",
        {"content": 'Grüße, "quoted"\n', "message_type": "outgoing", "private": False},
        id="send_message",
    ),
    pytest.param(
        "send_message",
        ["42", "internal", "--private"],
        "/conversations/42/messages",
        {"content": "internal", "message_type": "outgoing", "private": True},
        id="send_message-private",
    ),
    pytest.param(
        "add_note",
        ["42", "VIP"],
        "/conversations/42/messages",
        {"content": "VIP", "message_type": "outgoing", "private": True},
        id="add_note",
    ),
    pytest.param(
        "assign_conversation", ["42", "--agent-id", "5"], "/conversations/42/assignments", {"assignee_id": 5}, id="assign-agent"
    ),
    pytest.param(
        "assign_conversation", ["42", "--unassign"], "/conversations/42/assignments", {"assignee_id": None}, id="unassign"
    ),
    pytest.param(
        "set_status",
        ["42", "snoozed", "--until", "1906448400"],
        "/conversations/42/toggle_status",
        {"status": "snoozed", "snoozed_until": 1906448400},
        id="set_status",
    ),
]  # fmt: skip

MESSAGE_PATH = f"{ACCOUNT_PATH}/conversations/42/messages"


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def only_request_file(run):
    files = run.request_files()
    assert len(files) == 1, files
    return files[0]


# --------------------------------------------------------------------------- --dry-run


@pytest.mark.parametrize(("script", "arguments", "path", "body"), WRITES)
def test_dry_run_previews_and_sends_nothing(run, httpserver, script, arguments, path, body):
    serve_directory(httpserver)  # an inbox or agent named is still checked (a read)
    result = run(script, *arguments, "--dry-run")
    assert result.code == 0, result.stderr
    assert result.stderr == ""
    assert all(request.method == "GET" for request, _ in httpserver.log)
    preview = json.loads(result.stdout)  # exactly one JSON document
    assert isinstance(preview, dict)
    assert list(preview) == ["method", "url", "body", "curl"]
    assert preview["method"] == "POST"
    assert preview["url"] == run.env["CHATWOOT_BASE_URL"] + ACCOUNT_PATH + path
    assert strict_equal(preview["body"], body), preview["body"]
    assert run.request_files() == []  # a dry run leaves nothing behind
    words = shlex.split(preview["curl"])
    assert words[:4] == ["curl", "-sS", "-X", "POST"] and preview["url"] in words
    assert "Api-Access-Token: $CHATWOOT_API_TOKEN" in words
    assert strict_equal(json.loads(words[words.index("--data-binary") + 1]), body)  # the body, inline


def test_dry_run_with_token_set_never_shows_it(run, httpserver):
    result = run("send_message", "42", "hello", "--dry-run")
    assert result.code == 0, result.stderr
    assert httpserver.log == []
    assert TOKEN not in result.stdout
    assert "$CHATWOOT_API_TOKEN" in result.json["curl"]


@pytest.mark.parametrize("size", [100, 120_000], ids=["argument", "heredoc"])
def test_dry_run_curl_sends_the_same_bytes_as_a_real_run(run, httpserver, size):
    """The printed curl, run as printed, sends what the script itself sends; above 100 KB the body
    travels through a quoted heredoc (one argument is capped at 128 KiB)."""
    text = ('Grüße "quoted" \\ back\nslash 👍 {{ x }} $HOME `date` JSON\n' * 4000)[:size]
    preview = run("send_message", "42", text, "--liquid", "--dry-run", env={"CHATWOOT_API_TOKEN": None}).json
    assert ("<<'JSON" in preview["curl"]) == (size > 100_000)
    httpserver.expect_request(MESSAGE_PATH, method="POST").respond_with_json({"id": 1})
    shell_env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "CHATWOOT_API_TOKEN": TOKEN}
    # As a user pastes it into a shell: the shell reads the command, heredoc included, from its input.
    subprocess.run(["sh"], input=preview["curl"].encode(), env=shell_env, capture_output=True, timeout=30, check=True)
    assert run("send_message", "42", text, "--liquid").code == 0
    by_curl, by_script = (request for request, _ in httpserver.log)
    assert_received(by_curl, "POST", MESSAGE_PATH, body={"content": text, "message_type": "outgoing", "private": False})
    assert by_curl.get_data() == by_script.get_data()


# --------------------------------------------------------------------------- hostile text arrives unchanged

HOSTILE = {
    "quotes": """She said "hello", it's 'quoted'""",
    "backslashes": "C:\\path\\to \\n is not a newline, \\u00e9 is not é, \\\\ two",
    "newlines": "line 1\nline 2\n\nline 4\n",
    "crlf": "line 1\r\nline 2\r\nlone\rcr",
    "tabs": "  col1\tcol2\t\tcol4  ",
    "jinja-expression": "{{ x }} and {{ content | safe }} and {{''.__class__}}",
    "jinja-statement": "{% if true %}yes{% endif %} {# not a comment #} {%- raw %}",
    "json-injection": '", "private": true, "x": "',
    "emoji": "thanks 👍🏽 family 👨‍👩‍👧 flag 🇩🇪",
    "combining": "e\u0301 vs \u00e9, a\u0308, Z\u0351\u0311\u0300",
    "rtl": "مرحبا بك — שלום עולם \u202eabc\u202c",
    "separators-and-controls": "a\u2028b\u2029c\u0085d bell\x07 escape\x1b[31m",
    "shell-and-html": "$(rm -rf ~) `id` $HOME </script><b> &amp;",
    "dash-first": "- item one\n- item two",
}


@pytest.mark.parametrize("text", list(HOSTILE.values()), ids=list(HOSTILE))
def test_hostile_text_arrives_byte_exact(run, httpserver, text):
    """The transport: with --liquid nothing is escaped, so the JSON must carry every byte as is."""
    httpserver.expect_request(MESSAGE_PATH, method="POST").respond_with_json({"id": 1, "content": text})
    result = run("send_message", "42", text, "--liquid")
    assert result.code == 0, result.stderr
    body = body_of(only_request(httpserver))
    assert list(body) == ["content", "message_type", "private"]
    assert body["content"] == text
    assert body["private"] is False
    assert body["message_type"] == "outgoing"
    assert result.json == {"id": 1, "content": text}
    assert run.request_files() == []


def _long_text() -> str:
    unit = 'Zeile «{}» with "quotes", \\ and 👍\r\n\ttab {{ x }} {% y %}\n'
    text = "".join(unit.replace("{}", str(n)) for n in range(3000))
    return text[:150_000]


@pytest.mark.parametrize("source", ["file", "stdin"])
def test_150000_character_text_arrives_whole(run, httpserver, source):
    text = _long_text()
    assert len(text) == 150_000 and not text.endswith("\n")
    httpserver.expect_request(MESSAGE_PATH, method="POST").respond_with_json({"id": 1})
    if source == "file":
        (run.cwd / "long.txt").write_text(text + "\n", encoding="utf-8", newline="")
        result = run("send_message", "42", "--file", "long.txt", "--liquid")
    else:
        result = run("send_message", "42", "--file", "-", "--liquid", stdin=text + "\n")
    assert result.code == 0, result.stderr
    body = body_of(only_request(httpserver))
    assert body["content"] == text  # the final newline dropped, as $(cat file) would
    assert list(body) == ["content", "message_type", "private"]
    assert run.request_files() == []


def test_request_file_is_readable_utf8(run, httpserver):
    text = "Grüße aus Köln 👍 مرحبا 日本語"
    httpserver.expect_request(MESSAGE_PATH, method="POST").respond_with_json({"error": "nope"}, status=422)
    result = run("send_message", "42", text)
    assert result.code == 1, result.stderr
    raw = only_request_file(run).read_bytes()
    assert text.encode("utf-8") in raw  # not \u-escaped
    assert b"\\u" not in raw
    assert json.loads(raw.decode("utf-8"))["content"] == text


def test_bytes_sent_are_the_request_file_bytes(run, httpserver):
    text = 'Grüße "x" \\ 👍\n'
    httpserver.expect_request(MESSAGE_PATH, method="POST").respond_with_json(
        {"error": "Incoming messages are only allowed in Api inboxes"}, status=422
    )
    result = run("send_message", "42", text)
    assert result.code == 1
    assert only_request(httpserver).get_data() == only_request_file(run).read_bytes()


# --------------------------------------------------------------------------- the file's life cycle


@pytest.mark.parametrize(("script", "arguments", "path", "body"), WRITES)
def test_request_file_removed_after_success(run, httpserver, script, arguments, path, body):
    serve_directory(httpserver)
    httpserver.expect_request(ACCOUNT_PATH + path, method="POST").respond_with_json({"id": 1})
    result = run(script, *arguments)
    assert result.code == 0, result.stderr
    assert_received(only_write(httpserver), "POST", ACCOUNT_PATH + path, body=body)
    assert run.request_files() == []
    assert list(run.tmpdir.iterdir()) == []  # nothing else left behind either


@pytest.mark.parametrize("status", [422, 500])
@pytest.mark.parametrize(("script", "arguments", "path", "body"), WRITES)
def test_request_file_kept_after_failure(run, httpserver, script, arguments, path, body, status):
    """The body is kept and named; a resend is offered only where the same request might succeed
    (a 500 may pass, a 422 would be refused again)."""
    serve_directory(httpserver)
    httpserver.expect_request(ACCOUNT_PATH + path, method="POST").respond_with_json({"error": "no"}, status=status)
    result = run(script, *arguments)
    assert result.code == 1
    assert result.stdout == ""
    kept = only_request_file(run)
    assert mode(kept) == 0o600
    assert strict_equal(json.loads(kept.read_bytes()), body)
    assert f"error: request body kept at {kept}" in result.error_lines
    resend = [line for line in result.error_lines if line.startswith("error: resend with: curl ")]
    assert [f"@{kept}" in line for line in resend] == ([True] if status == 500 else [])


def test_each_run_gets_its_own_request_file(run, httpserver):
    httpserver.expect_request(MESSAGE_PATH, method="POST").respond_with_json({"error": "nope"}, status=422)
    run("send_message", "42", "first")
    run("send_message", "42", "second")
    kept = run.request_files()
    assert len(kept) == 2
    assert sorted(json.loads(f.read_bytes())["content"] for f in kept) == ["first", "second"]


# --------------------------------------------------------------------------- from any working directory


def test_relative_script_path_from_root_directory(run, httpserver):
    httpserver.expect_request(MESSAGE_PATH, method="POST").respond_with_json({"id": 1})
    script = os.path.relpath(SCRIPTS_DIR / "send_message.py", "/")
    completed = subprocess.run(
        [sys.executable, script, "42", "from /"], cwd="/", env=run.env, capture_output=True, timeout=60
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stderr == b""
    assert json.loads(completed.stdout) == {"id": 1}
    assert_received(
        only_request(httpserver),
        "POST",
        MESSAGE_PATH,
        body={"content": "from /", "message_type": "outgoing", "private": False},
    )
    assert run.request_files() == []
