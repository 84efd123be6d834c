"""The scripts run on Python 3.9 through 3.13 (the contract's `requires-python >= 3.9`).

For each interpreter found (pyenv's versions, or python3.X on PATH; a missing one is skipped), a
small venv with requirements.txt is built once and cached in .venv-pythons/3.X; the scripts then
run under it against a sandbox. `-m "not pythons"` deselects these. vermin checks the same claim
statically, and is shown to catch a 3.10-only construct.
"""

from __future__ import annotations

import ast
import fcntl
import json
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from pathlib import Path

import pytest
from conftest import OPERATIONS, SCRIPTS_DIR, SKILL_DIR
from pythons import find_interpreter
from sandbox import Sandbox

VERSIONS = ["3.9", "3.10", "3.11", "3.12", "3.13"]
CACHE = SKILL_DIR / ".venv-pythons"
SCRIPTS = OPERATIONS
WORKERS = max(2, min(4, os.cpu_count() or 2))

pythons = pytest.mark.pythons


# --------------------------------------------------------------------------- finding and preparing interpreters


def _has_dependencies(python: Path) -> bool:
    if not python.exists():
        return False
    check = subprocess.run([str(python), "-c", "import requests, jinja2"], capture_output=True, timeout=60)
    return check.returncode == 0


_BUILD_FAILURES: dict[str, str] = {}  # a failed build fails every test of that version at once


@cache
def venv_python(version: str) -> str:
    """The venv's python for this version (built on first use), or skip if there is no such Python."""
    interpreter = find_interpreter(version)
    if interpreter is None:
        pytest.skip(f"no Python {version} found (pyenv root versions/{version}*, python{version} on PATH)")
    if version in _BUILD_FAILURES:
        pytest.fail(_BUILD_FAILURES[version])
    directory = CACHE / version
    python = directory / "bin" / "python"
    CACHE.mkdir(exist_ok=True)
    with open(CACHE / f"{version}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # two test runs at once build it once
        if not _has_dependencies(python):
            pip = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
            for command in ([interpreter, "-m", "venv", "--clear", str(directory)], [*pip, "-r", "requirements.txt"]):
                completed = subprocess.run(command, cwd=SKILL_DIR, capture_output=True, text=True, timeout=600)
                if completed.returncode != 0:
                    _BUILD_FAILURES[version] = (
                        f"building the Python {version} venv failed: {command}\n{completed.stderr[-3000:]}"
                    )
                    pytest.fail(_BUILD_FAILURES[version])
            assert _has_dependencies(python), f"{python} still lacks requests or jinja2"
    return str(python)


def run_under(python: str, script: str, *args: str, env: dict, cwd: Path, stdin: bytes = b"") -> tuple[int, str, str]:
    completed = subprocess.run(
        [python, str(SCRIPTS_DIR / f"{script}.py"), *args],
        input=stdin,
        capture_output=True,
        env=env,
        cwd=cwd,
        timeout=120,
    )
    stdout, stderr = completed.stdout.decode("utf-8"), completed.stderr.decode("utf-8")
    assert "Traceback" not in stderr, stderr
    assert "Warning" not in stderr, stderr  # no DeprecationWarning/SyntaxWarning on a newer Python
    return completed.returncode, stdout, stderr


def base_env(tmp_path: Path) -> dict:
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir(exist_ok=True)
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "TMPDIR": str(tmpdir),
        "LANG": "C.UTF-8",
        "TZ": "UTC",
        "CHATWOOT_TIMEOUT": "10",
        "CHATWOOT_MAX_RETRIES": "0",
    }


# --------------------------------------------------------------------------- the scripts under each Python


@pythons
@pytest.mark.parametrize("version", VERSIONS)
def test_help_of_every_script(version, tmp_path):
    python = venv_python(version)
    env = base_env(tmp_path)

    def helps(script: str):
        return script, run_under(python, script, "--help", env=env, cwd=tmp_path)

    with ThreadPoolExecutor(WORKERS) as pool:
        for script, (code, stdout, stderr) in pool.map(helps, SCRIPTS):
            assert code == 0, (script, stderr)
            assert stderr == "", (script, stderr)
            assert stdout.startswith(f"usage: {script}.py"), (script, stdout[:200])
            assert "exit codes: 0 success" in stdout, script


@pythons
@pytest.mark.parametrize("version", VERSIONS)
def test_representative_operations(version, tmp_path):
    python = venv_python(version)
    with Sandbox() as sandbox:
        env = {**base_env(tmp_path), **sandbox.env()}

        def call(script: str, *args: str) -> tuple[int, str, str]:
            return run_under(python, script, *args, env=env, cwd=tmp_path)

        code, out, err = call("whoami")
        assert code == 0, err
        profile = json.loads(out)
        assert [account["id"] for account in profile["accounts"]] == [1, 3]
        assert profile["account"]["role"] == "administrator"
        assert "access_token" not in profile and "pubsub_token" not in profile

        code, out, err = call("list_conversations", "--summary")
        assert code == 0, err
        summary = json.loads(out)
        fields = {"id", "status", "priority", "contact", "contact_id", "inbox_id", "assignee", "team", "labels"}
        fields |= {"unread", "waiting_since", "last_message"}
        assert summary and all(set(item) == fields for item in summary)

        code, out, err = call("search_contacts", "jane", "--all", "--summary")
        assert code == 0, err
        jane = next(item for item in json.loads(out) if item["id"] == 1)
        assert (jane["name"], jane["email"]) == ("Jane Doe", "jane.doe@example.com")

        text = f'hi from Python {version}: Grüße 👋 "q" {{{{ x }}}}\nline 2'
        code, out, err = call("send_message", "1", text)
        assert code == 0, err
        assert json.loads(out)["content"] == text
        assert sandbox.conversation_messages(1)[-1]["content"] == text  # it arrived

        code, out, err = call("set_status", "1,2", "resolved")
        assert code == 0, err
        assert [(item["id"], item["ok"]) for item in json.loads(out)] == [(1, True), (2, True)]
        assert sandbox.conversations[1]["status"] == sandbox.conversations[2]["status"] == "resolved"

        code, out, err = call("list_messages", "7", "--all", "--transcript")
        assert code == 0, err
        lines = out.splitlines()
        assert len(lines) >= len(sandbox.conversation_messages(7)) > 200
        assert re.match(r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d", lines[0]), lines[0]  # time first
        assert "Noah Williams" in lines[0], lines[0]  # then the sender

        code, out, err = call("filter_conversations", "--where", "status=open", "--summary")
        assert code == 0, err
        found = json.loads(out)
        assert found and {item["status"] for item in found} == {"open"}
        assert not {1, 2} & {item["id"] for item in found}  # resolved above

        code, out, err = call("labels", "3", "--add", "x")
        assert code == 0, err
        assert "x" in json.loads(out)["payload"]
        assert "x" in sandbox.conversations[3]["labels"]

        posts_before = len(sandbox.find_requests("POST", r"/contacts$"))
        code, out, err = call("create_contact", "--name", "Zoë", "--email", "zoe@example.com", "--dry-run")
        assert code == 0, err
        preview = json.loads(out)
        assert list(preview) == ["method", "url", "body", "curl"]
        assert (preview["method"], preview["body"]) == ("POST", {"name": "Zoë", "email": "zoe@example.com"})
        assert list(Path(env["TMPDIR"]).iterdir()) == []  # a dry run leaves no file
        assert len(sandbox.find_requests("POST", r"/contacts$")) == posts_before  # nothing sent
        assert sandbox.errors == []


# ISO-8601 spellings: Python 3.11 widened datetime.fromisoformat, so a parser built on it reads
# some of these on 3.11+ and refuses them on 3.9/3.10. An agent's command must mean the same on
# every machine. (Relative durations are left out: they depend on the moment of the run.)
UNTIL_SPELLINGS = [
    "2099-12-01T09:00",
    "2099-12-01T09:00Z",
    "2099-12-01 09:00",
    "2099-12-01",
    "4099651600",
    "20991201",
    "2099-12-01T0900",
    "2099-W48-1",
    "2099-12-01T09:00:00.1",
    "2099-12-01T09:00:00+0100",
    "2099-12-01T09:00:00,5",
    "2099-12-01T09:00+01",
]


def _until_verdicts(python: str, tmp_path: Path) -> dict:
    env = base_env(tmp_path)

    def one(spelling: str):
        code, out, _ = run_under(python, "set_status", "1", "snoozed", f"--until={spelling}", "--dry-run", env={
            **env, "CHATWOOT_ACCOUNT_ID": "1", "CHATWOOT_BASE_URL": "http://127.0.0.1:9"}, cwd=tmp_path)  # fmt: skip
        return spelling, (code, json.loads(out)["body"]["snoozed_until"] if code == 0 else None)

    with ThreadPoolExecutor(WORKERS) as pool:
        return dict(pool.map(one, UNTIL_SPELLINGS))


@pytest.fixture(scope="module")
def reference_until(tmp_path_factory):
    return _until_verdicts(sys.executable, tmp_path_factory.mktemp("reference"))


@pythons
@pytest.mark.parametrize("version", VERSIONS)
def test_until_means_the_same_on_every_python(version, tmp_path, reference_until):
    verdicts = _until_verdicts(venv_python(version), tmp_path)
    differ = {s: (verdicts[s], reference_until[s]) for s in UNTIL_SPELLINGS if verdicts[s] != reference_until[s]}
    assert not differ, (
        f"--until read differently on Python {version} than on {sys.version_info.major}.{sys.version_info.minor} "
        f"((exit, snoozed_until) here vs there): {differ}"
    )


# --------------------------------------------------------------------------- vermin: the static check


def vermin(*args: str) -> subprocess.CompletedProcess:
    try:
        import vermin as _  # noqa: F401
    except ImportError:
        pytest.fail("vermin is not installed: .venv/bin/pip install -r requirements-dev.txt (or make test)")
    command = [sys.executable, "-c", "import sys, vermin; sys.exit(vermin.main())", *args]  # no `-m vermin`
    return subprocess.run(command, cwd=SKILL_DIR, capture_output=True, text=True, timeout=300)


def minimum_versions(output: str) -> list[tuple[int, int]]:
    match = re.search(r"Minimum required versions?:\s*(.+)", output)
    assert match, output
    return [tuple(int(n) for n in v.split(".")[:2]) for v in re.findall(r"\d+\.\d+", match.group(1))]


def test_vermin_finds_nothing_newer_than_3_9_in_the_scripts():
    completed = vermin("--no-tips", "--violations", "--target=3.9-", "scripts/")
    assert completed.returncode == 0, completed.stdout + completed.stderr
    versions = minimum_versions(completed.stdout)
    assert versions and all(v <= (3, 9) for v in versions if v[0] == 3), completed.stdout


NEWER_CONSTRUCTS = {
    "match-statement": ("def f(x):\n    match x:\n        case 1:\n            return 'one'\n", "3.10"),
    "zip-strict": ("pairs = list(zip([1], [2], strict=True))\n", "3.10"),
    "tomllib": ("import tomllib\n", "3.11"),
}


@pytest.mark.parametrize("name", list(NEWER_CONSTRUCTS))
def test_vermin_would_catch_a_newer_construct(name, tmp_path):
    source, needs = NEWER_CONSTRUCTS[name]
    sample = tmp_path / "sample.py"
    sample.write_text(source, encoding="utf-8")
    completed = vermin("--no-tips", "--violations", "--target=3.9-", str(sample))
    assert completed.returncode == 1, completed.stdout + completed.stderr
    assert needs in completed.stdout, completed.stdout


def union_annotations(source: str) -> list[str]:
    """The `X | Y` annotations of a module that Python evaluates when it defines the function
    (3.9 cannot: `int | None` is a TypeError there), unless the module postpones them."""
    tree = ast.parse(source)
    postponed = any(
        isinstance(node, ast.ImportFrom)
        and node.module == "__future__"
        and any(a.name == "annotations" for a in node.names)
        for node in tree.body
    )
    if postponed:
        return []
    found = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            arguments = [
                *node.args.posonlyargs,
                *node.args.args,
                *node.args.kwonlyargs,
                node.args.vararg,
                node.args.kwarg,
            ]
            annotations = [a.annotation for a in arguments if a is not None and a.annotation is not None]
            annotations += [node.returns] if node.returns is not None else []
            found += [f"{node.name}: {ast.unparse(a)}" for a in annotations if any(
                isinstance(part, ast.BinOp) and isinstance(part.op, ast.BitOr) for part in ast.walk(a)
            )]  # fmt: skip
        elif isinstance(node, ast.AnnAssign) and any(
            isinstance(part, ast.BinOp) and isinstance(part.op, ast.BitOr) for part in ast.walk(node.annotation)
        ):
            found.append(ast.unparse(node.annotation))
    return found


def test_no_script_evaluates_a_union_annotation_that_python_3_9_cannot():
    """vermin does not see these; a script with one fails to start on 3.9 (found by make pythons)."""
    offending = {path.name: union_annotations(path.read_text(encoding="utf-8")) for path in SCRIPTS_DIR.glob("*.py")}
    assert {name: found for name, found in offending.items() if found} == {}
    assert union_annotations("def f(x: int) -> int | None:\n    return x\n") == ["f: int | None"]
    assert union_annotations("from __future__ import annotations\ndef f(x: int) -> int | None:\n    return x\n") == []
