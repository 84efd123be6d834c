"""`make live-check` (tests/live_check.py) against the sandbox: every script passes, nothing changes."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys

import live_check
import pytest
from conftest import OPERATIONS, SCRIPTS_DIR, SKILL_DIR, load_script
from sandbox import Sandbox

LIVE_CHECK = SKILL_DIR / "tests" / "live_check.py"
SCRIPTS = [f"{name}.py" for name in OPERATIONS]


def state(sb: Sandbox) -> str:
    """Everything a write could change, as one comparable string."""
    with sb.lock:
        parts = [sb.contacts, sb.conversations, sb.messages, sb.contact_inboxes, sb.labels, sb.uploads]
        return json.dumps(parts, sort_keys=True, default=repr)


def run_live_check(tmp_path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    report = tmp_path / "report.json"
    environment = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8", **env}
    return subprocess.run(
        [sys.executable, str(LIVE_CHECK), "--report", str(report), *args],
        capture_output=True,
        text=True,
        env=environment,
        cwd=tmp_path,
        timeout=300,
    )


def sandbox_env(sb: Sandbox) -> dict[str, str]:
    return {**sb.env(), "CHATWOOT_MAX_RETRIES": "0", "CHATWOOT_TIMEOUT": "10"}


def rows(stdout: str) -> dict[str, list[str]]:
    """The table's result column, by script (a script can have a read row and a dry-run row)."""
    table: dict[str, list[str]] = {}
    for line in stdout.splitlines():
        cells = line.split()
        if cells and cells[0].endswith(".py"):
            result = next((c for c in cells if c.rstrip(":") in ("pass", "FAIL", "skip")), "?")
            table.setdefault(cells[0], []).append(result.rstrip(":"))
    return table


def scripts_with_dry_run() -> set[str]:
    """Every script that declares it may write (and so takes --dry-run)."""
    return {f"{name}.py" for name in OPERATIONS if load_script(name).command.writes}


def test_every_script_passes_and_the_sandbox_receives_no_change(tmp_path):
    with Sandbox() as sb:
        before = state(sb)
        result = run_live_check(tmp_path, sandbox_env(sb))
        after = state(sb)
        requests = list(sb.requests)
        assert not sb.errors, sb.errors

    assert result.returncode == 0, result.stdout + result.stderr
    table = rows(result.stdout)
    assert sorted(table) == SCRIPTS, "every script has a row"
    assert all(r == "pass" for results in table.values() for r in results), result.stdout
    assert "live check OK" in result.stdout
    assert "not checked" not in result.stdout
    assert Sandbox.TOKEN not in result.stdout + result.stderr

    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    dry_runs = {o["script"] for o in report["outcomes"] if o["kind"] == "dry-run"}
    assert dry_runs == scripts_with_dry_run(), "every script with --dry-run is checked with it"
    for outcome in report["outcomes"]:
        args = [] if outcome["ran"] == "(no arguments)" else shlex.split(outcome["ran"])
        if live_check.is_write(SCRIPTS_DIR, outcome["script"], args):
            assert outcome["ran"].endswith("--dry-run"), outcome

    # No state-changing request arrived: reads, and POSTs only to the filter endpoints.
    assert requests
    changing = [f"{r.method} {r.path}" for r in requests if r.method != "GET" and not r.path.endswith("/filter")]
    assert not changing, changing
    assert {r.method for r in requests} <= {"GET", "POST"}
    assert after == before


def test_missing_configuration_exits_3_naming_the_variables(tmp_path):
    result = run_live_check(tmp_path, {"CHATWOOT_BASE_URL": "http://127.0.0.1:9"})
    assert result.returncode == 3
    assert "CHATWOOT_API_TOKEN" in result.stderr and "CHATWOOT_ACCOUNT_ID" in result.stderr
    assert "CHATWOOT_BASE_URL," not in result.stderr  # set, so not named as missing
    assert result.stdout == ""


def test_a_failure_shows_in_the_table_with_what_to_fix(tmp_path):
    with Sandbox() as sb:
        sb.fail_next("GET", r"/agents$", 401, '{"error": "You need to sign in or sign up before continuing."}')
        result = run_live_check(tmp_path, sandbox_env(sb))
    assert result.returncode == 1, result.stdout + result.stderr
    table = rows(result.stdout)
    assert table["list_agents.py"] == ["FAIL"]
    assert table["assign_conversation.py"] == ["skip"]  # it needs an agent id from list_agents.py
    assert table["whoami.py"] == ["pass"]
    agents_row = next(line for line in result.stdout.splitlines() if line.startswith("list_agents.py"))
    assert "exit 1" in agents_row and "proxy" in agents_row  # the script's own hint, as what to fix
    assert "live check FAILED: 1 of" in result.stdout


def test_unreachable_server_says_to_check_the_base_url(tmp_path):
    env = {"CHATWOOT_BASE_URL": "http://127.0.0.1:9", "CHATWOOT_API_TOKEN": "x", "CHATWOOT_ACCOUNT_ID": "1"}
    result = run_live_check(tmp_path, {**env, "CHATWOOT_MAX_RETRIES": "0", "CHATWOOT_TIMEOUT": "2"})
    assert result.returncode == 1
    whoami_row = next(line for line in result.stdout.splitlines() if line.startswith("whoami.py"))
    assert "exit 4" in whoami_row and "CHATWOOT_BASE_URL" in whoami_row
    assert "Start with whoami.py" in result.stdout


@pytest.mark.parametrize(
    ("script", "args", "write"),
    [
        ("send_message.py", ["1", "hi"], True),
        ("delete_contact.py", ["1", "--yes"], True),
        ("labels.py", ["1"], False),
        ("labels.py", ["1", "--add", "vip"], True),
        ("conversation_attributes.py", ["1"], False),
        ("conversation_attributes.py", ["1", "--unset", "k"], True),
        ("list_conversations.py", ["--summary"], False),
    ],
)
def test_writes_are_recognised(script, args, write):
    assert live_check.is_write(SCRIPTS_DIR, script, args) is write


def test_a_write_without_dry_run_is_refused_before_it_runs(tmp_path):
    check = live_check.LiveCheck(SKILL_DIR, "/nonexistent/python", 5, False)
    check.ids = {"conversation": 1}
    step = live_check.Step("send_message.py", ["1", "hello"], "dry-run")
    with pytest.raises(AssertionError, match="without --dry-run"):
        check.run_step(step, {}, tmp_path)
