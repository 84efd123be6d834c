"""Request files and dry runs: the body a write sends is the request file's bytes; the file is
private (0600, never through a symlink, in $TMPDIR), removed after a success and kept and named
after a failure; a --dry-run of every write sends nothing, leaves nothing and prints a curl that
sends what the script would; hostile text arrives byte-exact; the templates render strictly."""

from __future__ import annotations

import json
import os
import re
import shlex
import stat
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import chatwoot_client  # on sys.path through conftest, as the scripts see it
import jinja2
import pytest
from conftest import (
    ACCOUNT_PATH,
    OPERATIONS,
    SCRIPTS_DIR,
    TOKEN,
    Result,
    assert_received,
    body_of,
    closed_port,
    load_script,
    only_request,
    only_write,
    serve_directory,
    strict_equal,
)
from samples import MESSAGE_PATH
from sandbox import Sandbox

TEXT = 'Grüße "quoted" \\ {{ x }} 👍\u2028end\n'
BODY = {"content": TEXT, "message_type": "outgoing", "private": False}


def mode(path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


def assert_private_regular_file(path) -> None:
    info = os.lstat(path)
    assert stat.S_ISREG(info.st_mode), f"{path} is not a regular file"
    assert stat.S_IMODE(info.st_mode) == 0o600, oct(info.st_mode)
    assert info.st_uid == os.getuid()
    assert info.st_nlink == 1


@pytest.fixture
def private_tmp(tmp_path, monkeypatch) -> Path:
    """In-process temp dir for the core (tempfile caches its choice in tempfile.tempdir)."""
    directory = tmp_path / "tmp"
    directory.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(directory))
    return directory


class Names:
    """Stands in for tempfile's random names: these first, then fresh ones; records what was tried."""

    def __init__(self, *first: str):
        self.first = list(first)
        self.tried: list[str] = []

    def __call__(self):
        return self

    def __iter__(self):
        return self

    def __next__(self) -> str:
        name = self.first.pop(0) if self.first else f"fresh{len(self.tried)}"
        self.tried.append(name)
        return name


# --------------------------------------------------------------------------- symlinks and umask (in-process)


@pytest.mark.parametrize("victim_exists", [True, False], ids=["victim-file", "dangling-link"])
def test_planted_symlink_is_never_followed(private_tmp, tmp_path, monkeypatch, victim_exists):
    victim = tmp_path / "victim.txt"
    if victim_exists:
        victim.write_bytes(b"precious\n")
        victim.chmod(0o644)
    planted = private_tmp / "chatwoot_request_planted.json"
    planted.symlink_to(victim)
    names = Names("planted")
    monkeypatch.setattr(tempfile, "_get_candidate_names", names)

    path = chatwoot_client.write_request_file(b'{"content": "hi"}')

    assert names.tried[0] == "planted" and len(names.tried) >= 2, names.tried  # the collision did happen
    assert path != str(planted)
    assert Path(path).parent == private_tmp
    assert not os.path.islink(path)
    assert_private_regular_file(path)
    assert Path(path).read_bytes() == b'{"content": "hi"}'
    assert os.readlink(planted) == str(victim)  # the planted link is left alone…
    if victim_exists:  # …and so is what it points at
        assert victim.read_bytes() == b"precious\n"
        assert mode(victim) == 0o644
    else:
        assert not victim.exists()  # not created through the dangling link either


def test_several_planted_names_are_all_skipped(private_tmp, tmp_path, monkeypatch):
    victim = tmp_path / "victim.txt"
    victim.write_bytes(b"precious\n")
    (private_tmp / "chatwoot_request_a.json").symlink_to(victim)
    (private_tmp / "chatwoot_request_b.json").symlink_to(tmp_path / "nowhere")
    squatter = private_tmp / "chatwoot_request_c.json"
    squatter.write_bytes(b"someone else's file")
    squatter.chmod(0o666)
    monkeypatch.setattr(tempfile, "_get_candidate_names", Names("a", "b", "c"))

    path = chatwoot_client.write_request_file(b"{}")

    assert Path(path).name not in {"chatwoot_request_a.json", "chatwoot_request_b.json", "chatwoot_request_c.json"}
    assert_private_regular_file(path)
    assert victim.read_bytes() == b"precious\n"
    assert not (tmp_path / "nowhere").exists()
    assert squatter.read_bytes() == b"someone else's file"  # an existing file is never opened


@pytest.mark.parametrize("umask", [0o000, 0o002, 0o022])
def test_request_file_is_0600_under_a_permissive_umask_in_process(private_tmp, umask):
    previous = os.umask(umask)
    try:
        path = chatwoot_client.write_request_file("é 👍".encode())
    finally:
        os.umask(previous)
    assert_private_regular_file(path)
    assert Path(path).read_bytes() == "é 👍".encode()
    assert Path(path).name.startswith("chatwoot_request_") and path.endswith(".json")


# --------------------------------------------------------------------------- subprocesses


def run_with_umask(run, umask: int, script: str, *args: str, env: dict | None = None) -> Result:
    """Like the `run` fixture, under `umask` (set by a shell, not by a fork hook in this threaded process)."""
    environment = {**run.env, **(env or {})}
    completed = subprocess.run(
        ["sh", "-c", f'umask {umask:03o} && exec "$@"', "sh", sys.executable, str(SCRIPTS_DIR / f"{script}.py"), *args],
        capture_output=True,
        env=environment,
        cwd=run.cwd,
        timeout=60,
    )
    result = Result(completed.returncode, completed.stdout.decode("utf-8"), completed.stderr.decode("utf-8"))
    assert "Traceback" not in result.stderr, result.stderr
    assert TOKEN not in result.stdout + result.stderr
    return result


def test_request_files_are_0600_under_umask_000(run, httpserver):
    httpserver.expect_request(MESSAGE_PATH, method="POST").respond_with_json({"error": "nope"}, status=422)
    failed = run_with_umask(run, 0o000, "send_message", "42", TEXT, "--liquid")
    assert failed.code == 1
    files = run.request_files()
    assert len(files) == 1
    assert_private_regular_file(files[0])
    assert strict_equal(json.loads(files[0].read_bytes()), BODY)
    assert f"error: request body kept at {files[0]}" in failed.stderr


def test_tmpdir_is_honoured(run, httpserver, tmp_path):
    """$TMPDIR (here with a space and non-ASCII) holds the file; the curl still names it correctly."""
    elsewhere = tmp_path / "my temp dïr"
    elsewhere.mkdir()
    marker = f"tmpdir-marker-{uuid.uuid4()}"  # to tell our files from anyone else's in /tmp
    httpserver.expect_request(MESSAGE_PATH, method="POST").respond_with_json({"error": "boom"}, status=500)
    failed = run("send_message", "42", marker, env={"TMPDIR": str(elsewhere)})
    assert failed.code == 1
    kept = sorted(elsewhere.glob("chatwoot_request_*.json"))
    assert len(kept) == 1
    assert any(str(kept[0]) in line for line in failed.error_lines)
    resend = next(line for line in failed.error_lines if line.startswith("error: resend with: "))
    assert f"@{kept[0]}" in shlex.split(resend.removeprefix("error: resend with: "))

    assert run.request_files() == []  # the fixture's own TMPDIR was not used
    for path in Path("/tmp").glob("chatwoot_request_*.json"):  # nor the system default
        try:
            content = path.read_bytes()
        except OSError:  # another user's 0600 file: not ours
            continue
        assert marker.encode() not in content, path


def test_unusable_tmpdir_fails_cleanly(run, httpserver, tmp_path):
    """A $TMPDIR that does not exist: Python falls back to /tmp, or the script says what failed."""
    missing = tmp_path / "no such dir"
    httpserver.expect_request(MESSAGE_PATH, method="POST").respond_with_json({"error": "nope"}, status=422)
    result = run("send_message", "42", "hi", env={"TMPDIR": str(missing)})
    assert result.code == 1
    assert result.stdout == ""
    kept = next(line for line in result.error_lines if line.startswith("error: request body kept at "))
    request_file = Path(kept.removeprefix("error: request body kept at "))
    assert_private_regular_file(request_file)
    request_file.unlink()


def _sleepy(request):
    time.sleep(1.0)
    from werkzeug import Response

    return Response("{}", status=201, content_type="application/json")


FAILURES = {
    "422": lambda server: server.expect_request(MESSAGE_PATH).respond_with_json({"error": "no"}, status=422),
    "500": lambda server: server.expect_request(MESSAGE_PATH).respond_with_json({"error": "boom"}, status=500),
    "502-html": lambda server: server.expect_request(MESSAGE_PATH).respond_with_data(
        "<html><title>502 Bad Gateway</title></html>", status=502, content_type="text/html"
    ),
    "timeout": lambda server: server.expect_request(MESSAGE_PATH).respond_with_handler(_sleepy),
    "refused": None,
}


@pytest.mark.parametrize("failure", list(FAILURES))
def test_failed_write_keeps_exactly_the_body_and_never_the_token(run, httpserver, failure):
    env = {"CHATWOOT_TIMEOUT": "0.4"}
    if FAILURES[failure] is None:
        env["CHATWOOT_BASE_URL"] = f"http://127.0.0.1:{closed_port()}"
    else:
        FAILURES[failure](httpserver)
    result = run("send_message", "42", TEXT, "--liquid", env=env)
    if failure == "timeout":  # let the slow handler finish here, not during the next test
        deadline = time.monotonic() + 5
        while not httpserver.log and time.monotonic() < deadline:
            time.sleep(0.05)
    assert result.code in (1, 4), result.stderr
    assert result.stdout == ""
    files = run.request_files()
    assert len(files) == 1, files
    kept = files[0]
    assert_private_regular_file(kept)
    raw = kept.read_bytes()
    assert TOKEN.encode() not in raw
    assert strict_equal(json.loads(raw), BODY)
    if httpserver.log:  # what was sent is byte for byte what was kept
        assert httpserver.log[0][0].get_data() == raw
    # …and byte for byte the body a --dry-run of the same call prints in its curl
    preview = run("send_message", "42", TEXT, "--liquid", "--dry-run", env={**env, "CHATWOOT_API_TOKEN": None})
    words = shlex.split(preview.json["curl"])
    assert words[words.index("--data-binary") + 1].encode() == raw
    assert any(str(kept) in line for line in result.error_lines), result.stderr


def test_dry_run_leaves_nothing_in_the_temp_dir(run, httpserver):
    first = run("send_message", "42", TEXT, "--liquid", "--dry-run")
    second = run("add_note", "42,43", "second", "--dry-run")
    assert first.code == second.code == 0
    assert httpserver.log == []
    assert list(run.tmpdir.iterdir()) == []
    for preview in (first.json, *second.json):
        assert list(preview) == ["method", "url", "body", "curl"]
        assert "$CHATWOOT_API_TOKEN" in preview["curl"] and TOKEN not in preview["curl"]


# --------------------------------------------------------------------------- the token, across a day's runs


def test_token_never_reaches_the_temp_dir(run, tmp_path):
    """Success, failure, dry-run, bulk (mixed), network failure, multipart: scan TMPDIR after each."""
    attachment = run.cwd / "notes.txt"
    attachment.write_text("attached ü\n", encoding="utf-8")
    with Sandbox() as sandbox:
        token = sandbox.TOKEN
        env = {**sandbox.env(), "CHATWOOT_MAX_RETRIES": "0"}
        steps = [  # (arguments, exit code, request files it leaves behind)
            (["send_message", "1", "hello ü"], 0, 0),
            (["send_message", "99999", "lost"], 1, 1),
            (["send_message", "1", "preview", "--dry-run"], 0, 0),
            (["set_status", "1,2,99999", "resolved"], 1, 1),  # the failed item's body only
            (["add_note", "1,2", "bulk preview", "--dry-run"], 0, 0),
            (["labels", "3", "--add", "vip"], 0, 0),
            (["labels", "99999", "--add", "vip"], 1, 0),  # the read failed: no body was written
            (["conversation_attributes", "1", "--set", "plan=gold"], 0, 0),
            (["create_contact", "--name", "Temp Test", "--email", "temp@example.com"], 0, 0),
            (["create_contact", "--name", "Temp Test", "--email", "temp@example.com"], 1, 1),  # taken
            (["send_message", "1", "with file", "--attach", str(attachment)], 0, 0),
            (["send_message", "99999", "with file", "--attach", str(attachment)], 1, 1),
            (["filter_conversations", "--where", "status=open", "--summary"], 0, 0),
        ]
        kept = 0
        for argv, code, left in steps:
            result = run(*argv, env=env)
            assert result.code == code, (argv, result.stderr)
            assert token not in result.stdout + result.stderr
            assert_nothing_holds(run.tmpdir, token)
            kept += left
            assert len(run.request_files()) == kept, (argv, run.request_files())
        assert sandbox.errors == []
    refused = run("send_message", "1", "hello", env={**env, "CHATWOOT_BASE_URL": f"http://127.0.0.1:{closed_port()}"})
    assert refused.code == 4, refused.stderr
    assert_nothing_holds(run.tmpdir, token)
    assert len(run.request_files()) == kept + 1
    assert sorted(p.name for p in run.tmpdir.iterdir()) == sorted(p.name for p in run.request_files())
    for path in run.request_files():
        assert_private_regular_file(path)


def assert_nothing_holds(directory: Path, token: str) -> None:
    for path in directory.rglob("*"):
        assert token not in path.name
        if path.is_file():
            assert token.encode() not in path.read_bytes(), f"the token was written to {path}"


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


def run_in_bash(command: str, token: str) -> subprocess.CompletedProcess:
    """A printed command as a user pastes it into bash: read from its input, heredoc included,
    with the token in the environment as $CHATWOOT_API_TOKEN."""
    environment = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "CHATWOOT_API_TOKEN": token}
    return subprocess.run(["bash"], input=command.encode(), env=environment, capture_output=True, timeout=30)


# The writes that carry long text: (arguments, path, the body Chatwoot must receive), for a text.
LONG_TEXT_CALLS = {
    "send_message": (
        lambda text: ["42", text, "--liquid"],
        MESSAGE_PATH,
        lambda text: {"content": text, "message_type": "outgoing", "private": False},
    ),
    "add_note": (
        lambda text: ["42", text, "--liquid"],
        MESSAGE_PATH,
        lambda text: {"content": text, "message_type": "outgoing", "private": True},
    ),
    "create_conversation": (
        lambda text: ["--inbox-id", "3", "--contact-id", "17", "--message", text, "--liquid"],
        f"{ACCOUNT_PATH}/conversations",
        lambda text: {"inbox_id": 3, "contact_id": 17, "message": {"content": text}},
    ),
}


@pytest.mark.parametrize("size", [100, 120_000], ids=["argument", "heredoc"])
@pytest.mark.parametrize("script", list(LONG_TEXT_CALLS))
def test_dry_run_curl_sends_the_same_bytes_as_a_real_run(run, httpserver, script, size):
    """The printed curl, run by bash as printed, sends what the script itself sends; above 100 KB
    the body travels through a quoted heredoc (one argument is capped at 128 KiB)."""
    arguments, path, body = LONG_TEXT_CALLS[script]
    text = ('Grüße "quoted" \\ back\nslash 👍 {{ x }} $HOME `date` JSON\n' * 4000)[:size]
    serve_directory(httpserver)  # the inbox named is checked (a read)
    preview = run(script, *arguments(text), "--dry-run", env={"CHATWOOT_API_TOKEN": None}).json
    assert ("<<'JSON" in preview["curl"]) == (size > 100_000)
    assert ("--data-binary @- <<'JSON'\n" in preview["curl"]) == (size > 100_000)
    httpserver.expect_request(path, method="POST").respond_with_json({"id": 1})
    by_bash = run_in_bash(preview["curl"], TOKEN)
    assert by_bash.returncode == 0, by_bash.stderr
    assert json.loads(by_bash.stdout) == {"id": 1}
    assert run(script, *arguments(text)).code == 0
    by_curl, by_script = (request for request, _ in httpserver.log if request.method == "POST")
    assert_received(by_curl, "POST", path, body=body(text))
    assert by_curl.get_data() == by_script.get_data()


# --------------------------------------------------------------------------- every write, on the sandbox

SNOOZE_END = str(int(time.time()) + 86_400)  # one moment, so that a dry run and a real run send one body

# A call of every script that writes (Command.writes), against the sandbox's account, with the
# request it makes first (what its --dry-run prints).
WRITING_CALLS = {
    "add_note": (["1", "VIP - answer within 1h"], "POST /conversations/1/messages"),
    "assign_conversation": (["1", "--agent", "Ana Silva"], "POST /conversations/1/assignments"),
    "contact_labels": (["1", "--add", "vip"], "POST /contacts/1/labels"),
    "contact_notes": (["1", "--add", "Prefers e-mail ✉"], "POST /contacts/1/notes"),
    "conversation_attributes": (["1", "--set", "order_id=A-2002"], "POST /conversations/1/custom_attributes"),
    "create_contact": (["--name", "María García", "--email", "maria.garcia@example.com"], "POST /contacts"),
    "create_conversation": (["--inbox", "Support API", "--contact-id", "1", "--message", "Hola!"], "POST /conversations"),
    "delete_contact": (["2", "--yes"], "DELETE /contacts/2"),
    "delete_message": (["1", "1", "--yes"], "DELETE /conversations/1/messages/1"),
    "find_or_create_contact": (["--email", "maria.garcia@example.com", "--name", "María García"], "POST /contacts"),
    "labels": (["1", "--add", "refund"], "POST /conversations/1/labels"),
    "merge_contacts": (["1", "2", "--yes"], "POST /contacts/1/labels"),  # its labels first, then the merge
    "message_contact": (["--inbox-id", "2", "--email", "jane.doe@example.com", "Your refund was approved."],
                        "POST /conversations/1/messages"),
    "run_macro": (["Close as refunded", "1"], "POST /macros/1/execute"),
    "send_message": (["1", 'Grüße, "quoted" {{ x }}\n'], "POST /conversations/1/messages"),
    "set_priority": (["1", "urgent"], "POST /conversations/1/toggle_priority"),
    "set_status": (["1", "snoozed", "--until", SNOOZE_END], "POST /conversations/1/toggle_status"),
    "update_contact": (["1", "--custom-attr", "plan=enterprise"], "PATCH /contacts/1"),
    "webhooks": (["--create", "https://hooks.example.com/cw", "--events", "message_created"], "POST /webhooks"),
}  # fmt: skip

# What a dry run says on stderr besides its preview (nothing, but for the scripts that write twice).
DRY_RUN_STDERR = {
    "merge_contacts": "warning: Chatwoot will delete contact 2's 4 CSAT survey answer(s) with it\n"
    "dry run: this preview is the first change; the script would then merge contact 2 into 1\n",
}

# The sandbox's records a write could change.
STORES = ("contacts", "contact_inboxes", "conversations", "messages", "notes", "csat_responses", "webhooks", "jobs")


def sandbox_state(sandbox) -> str:
    with sandbox.lock:
        return repr([getattr(sandbox, name) for name in STORES])


def sandbox_writes(sandbox) -> list:
    return [request for request in sandbox.requests if request.method != "GET"]


def test_every_script_that_writes_has_a_call_that_writes():
    """The list below is the scripts' own declaration (Command.writes), not a copy kept by hand."""
    writers = {name for name in OPERATIONS if load_script(name).command.writes}
    assert set(WRITING_CALLS) == writers
    for script, (argv, _) in WRITING_CALLS.items():
        assert load_script(script).command.would_write(argv), script


@pytest.mark.parametrize("script", sorted(WRITING_CALLS))
def test_dry_run_of_every_write_sends_no_write_and_leaves_no_file(sandbox, agent, script):
    argv, first_write = WRITING_CALLS[script]
    method, path = first_write.split(" ")
    before = sandbox_state(sandbox)
    result = agent(script, *argv, "--dry-run")
    assert result.code == 0, result.stderr
    assert result.stderr == DRY_RUN_STDERR.get(script, "")
    preview = result.json
    assert list(preview)[:4] == ["method", "url", "body", "curl"]
    assert (preview["method"], preview["url"]) == (method, sandbox.url + ACCOUNT_PATH + path)
    words = shlex.split(preview["curl"])
    assert words[:5] == ["curl", "-sS", "-X", method, preview["url"]]
    assert words[5:7] == ["-H", "Api-Access-Token: $CHATWOOT_API_TOKEN"]
    if preview["body"] is None:  # a DELETE
        assert len(words) == 7
    else:  # the body inline: no file to keep or lose
        assert words[7:10] == ["-H", "Content-Type: application/json", "--data-binary"]
        assert strict_equal(json.loads(words[10]), preview["body"])
    assert sandbox_writes(sandbox) == []
    assert sandbox_state(sandbox) == before
    assert list(agent.tmpdir.iterdir()) == []


@pytest.mark.parametrize("script", sorted(WRITING_CALLS))
def test_printed_curl_of_every_write_sends_what_a_real_run_sends(sandbox, agent, script):
    argv, _ = WRITING_CALLS[script]
    preview = agent(script, *argv, "--dry-run").json
    sandbox.reset()
    by_curl = run_in_bash(preview["curl"], sandbox.TOKEN)
    assert by_curl.returncode == 0 and by_curl.stderr == b"", by_curl.stderr
    (sent_by_curl,) = sandbox_writes(sandbox)
    assert sent_by_curl.status < 400, sent_by_curl.status
    sandbox.reset()
    result = agent(script, *argv)
    assert result.code == 0, result.stderr
    sent_by_script = sandbox_writes(sandbox)[0]
    for request in (sent_by_curl, sent_by_script):
        assert request.token == sandbox.TOKEN
    assert (sent_by_curl.method, sent_by_curl.path, list(sent_by_curl.query.items(multi=True))) == (
        sent_by_script.method,
        sent_by_script.path,
        list(sent_by_script.query.items(multi=True)),
    )
    assert sent_by_curl.headers.get("Content-Type") == sent_by_script.headers.get("Content-Type")
    assert sent_by_curl.body == sent_by_script.body  # byte for byte
    assert agent.request_files() == []


@pytest.mark.parametrize("script", sorted(WRITING_CALLS))
def test_failed_write_of_every_script_keeps_its_body_and_says_where(sandbox, agent, script):
    """After a 500 the body stays in a 0600 file named on stderr, with the curl that resends it;
    resending it as printed works, and the file stays until the user deletes it."""
    argv, first_write = WRITING_CALLS[script]
    method, path = first_write.split(" ")
    preview = agent(script, *argv, "--dry-run").json
    sandbox.fail_next(method, f"^{re.escape(ACCOUNT_PATH + path)}$", 500, '{"error": "boom"}')
    result = agent(script, *argv)
    assert result.code == 1
    assert result.stdout == ""
    assert result.error_lines[0] == "error: HTTP 500 from Chatwoot: boom"
    if preview["body"] is None:  # a DELETE carries no body: nothing to keep
        assert agent.request_files() == []
        assert not any("kept at" in line for line in result.error_lines)
        return
    (kept,) = agent.request_files()
    assert_private_regular_file(kept)
    words = shlex.split(preview["curl"])
    assert kept.read_bytes() == words[10].encode("utf-8")  # what the dry run showed
    assert f"error: request body kept at {kept}" in result.error_lines
    (resend,) = [line for line in result.error_lines if line.startswith("error: resend with: ")]
    resent = run_in_bash(resend.removeprefix("error: resend with: "), sandbox.TOKEN)
    assert resent.returncode == 0, resent.stderr
    assert sandbox_writes(sandbox)[-1].body == kept.read_bytes()
    assert sandbox_writes(sandbox)[-1].status < 400
    assert kept.exists()


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


# --------------------------------------------------------------------------- templates render strictly


def test_a_misspelt_template_variable_is_an_error_not_an_empty_value(tmp_path, monkeypatch):
    (tmp_path / "probe.json.j2").write_text('{"content": {{ contnet | json }}}\n', encoding="utf-8")
    monkeypatch.setattr(chatwoot_client, "TEMPLATES_DIR", tmp_path)
    monkeypatch.setattr(chatwoot_client, "_ENVIRONMENT", None)
    with pytest.raises(jinja2.UndefinedError, match="'contnet' is undefined"):
        chatwoot_client.render("probe", {"content": "hello"})
    monkeypatch.setattr(chatwoot_client, "_ENVIRONMENT", None)


def test_the_json_filter_keeps_text_readable_where_tojson_would_escape_it():
    text = chatwoot_client.render("send_message", {"content": 'Zoë <b> & ✈ "q"', "private": False})
    assert '"content": "Zoë <b> & ✈ \\"q\\""' in text
    assert json.loads(text) == {"content": 'Zoë <b> & ✈ "q"', "message_type": "outgoing", "private": False}
    escaped = jinja2.Environment().from_string("{{ v | tojson }}").render(v="Zoë <b>")
    assert escaped == '"Zo\\u00eb \\u003cb\\u003e"'  # what the built-in filter would have written
