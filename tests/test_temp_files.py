"""Request files in the temp dir: never through a planted symlink, always 0600 whatever the umask,
in $TMPDIR, holding exactly the body after a failure or a --dry-run, and never the token."""

from __future__ import annotations

import json
import os
import shlex
import socket
import stat
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import chatwoot_client  # on sys.path through conftest, as the scripts see it
import pytest
from conftest import ACCOUNT_PATH, SCRIPTS_DIR, TOKEN, Result, strict_equal
from sandbox import Sandbox

MESSAGE_PATH = f"{ACCOUNT_PATH}/conversations/42/messages"
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


def closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


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
