"""Attachments (multipart attachments[]), the find-or-create race, bulk calls, and a missing
dependency: what Chatwoot receives and what the agent sees."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from conftest import ACCOUNT_PATH, SCRIPTS_DIR, TOKEN, only_request
from werkzeug.wrappers import Response

# ----------------------------------------------------------------------------- the create race


# ----------------------------------------------------------------------------- bulk calls


def test_bulk_dry_run_previews_every_request_and_sends_nothing(httpserver, run):
    result = run("set_priority", "5,6,7", "high", "--dry-run")
    assert result.code == 0, result.stderr
    previews = result.json
    assert [p["url"] for p in previews] == [
        f"{httpserver.url_for('/').rstrip('/')}{ACCOUNT_PATH}/conversations/{n}/toggle_priority" for n in (5, 6, 7)
    ]
    assert all(p["body"] == {"priority": "high"} for p in previews)
    assert httpserver.log == []


@pytest.mark.parametrize("ids", ["5,x", "0,1", "-"])
def test_bulk_ids_are_checked_before_anything_is_sent(httpserver, run, ids):
    result = run("set_status", ids, "resolved", stdin="12\nnot-an-id\n")
    assert result.code == 2
    assert httpserver.log == []


def test_parallel_is_bounded(httpserver, run):
    result = run("set_status", "1,2", "resolved", "--parallel", "99")
    assert result.code == 2
    assert "argument --parallel: expected a number from 1 to 16, got '99'" in result.error_lines[0]


# ----------------------------------------------------------------------------- missing packages


@pytest.mark.parametrize(
    ("script", "args", "package"), [("get_contact", ["1"], "requests"), ("add_note", ["1", "hi"], "jinja2")]
)
def test_a_missing_package_is_named_with_the_command_that_installs_it(tmp_path, script, args, package):
    # -S: no site-packages, so neither requests nor jinja2 can be imported.
    completed = subprocess.run(
        [sys.executable, "-S", str(SCRIPTS_DIR / f"{script}.py"), *args],
        capture_output=True,
        text=True,
        env={"CHATWOOT_API_TOKEN": TOKEN, "CHATWOOT_ACCOUNT_ID": "1", "CHATWOOT_BASE_URL": "http://127.0.0.1:9"},
        cwd=tmp_path,
    )
    assert completed.returncode == 3
    assert completed.stdout == ""
    assert completed.stderr.startswith(f"error: the Python package '{package}' is not installed for {sys.executable};")
    assert f"install with: {sys.executable} -m pip install 'requests>=2.28,<3' 'jinja2>=3.0,<4'" in completed.stderr
    assert f"uv run {SCRIPTS_DIR / script}.py" in completed.stderr
    assert "Traceback" not in completed.stderr
