"""Shared test fixtures: run a script as an agent would, and inspect what Chatwoot received."""

from __future__ import annotations

import importlib.util
import io
import json
import os
import socket
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from subprocess import run as subprocess_run

import pytest

SKILL_DIR = Path(__file__).resolve().parent.parent
SCRIPTS_DIR = SKILL_DIR / "scripts"
TOKEN = "test-token-5f2b9c"  # a recognisable value: tests assert it never leaks
ACCOUNT = 1
ACCOUNT_PATH = f"/api/v1/accounts/{ACCOUNT}"

sys.path.insert(0, str(Path(__file__).resolve().parent))  # tests/sandbox/
sys.path.insert(0, str(SCRIPTS_DIR))  # the shared modules, imported by the in-process tests as the scripts do

from chatwoot_cli import operation_scripts  # noqa: E402 - after the path is set

OPERATIONS = [path.stem for path in operation_scripts(SCRIPTS_DIR)]  # the scripts that are operations


@dataclass
class Result:
    code: int
    stdout: str
    stderr: str

    @property
    def json(self):
        return json.loads(self.stdout)

    @property
    def error_lines(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if line.startswith("error:")]


def load_script(name: str):
    """scripts/NAME.py as a module (imported once), as the test process sees it."""
    if name not in _SCRIPTS:
        spec = importlib.util.spec_from_file_location(name, SCRIPTS_DIR / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        _SCRIPTS[name] = module
    return _SCRIPTS[name]


_SCRIPTS: dict = {}


class Runner:
    """Runs scripts/NAME.py as an agent would: its environment, its temp dir, stdin, from another
    directory. In this process by default (the script's `command.main(argv)` with the process
    state swapped in and back); in a subprocess with `subprocess=True` or a `python=`, which
    keeps the real entry points honest."""

    def __init__(self, tmp_path: Path):
        self.tmpdir = tmp_path / "tmp"
        self.tmpdir.mkdir()
        self.cwd = tmp_path / "elsewhere"  # never the skill folder: agents run from the user's project
        self.cwd.mkdir()
        self.env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "TMPDIR": str(self.tmpdir),
            "CHATWOOT_API_TOKEN": TOKEN,
            "CHATWOOT_ACCOUNT_ID": str(ACCOUNT),
            "CHATWOOT_TIMEOUT": "5",
            "CHATWOOT_MAX_RETRIES": "0",
            "LANG": "C.UTF-8",
        }

    def point_at(self, url: str) -> None:
        self.env["CHATWOOT_BASE_URL"] = url.rstrip("/")

    def __call__(
        self,
        name: str,
        *args: str,
        stdin: bytes | str | None = None,
        env: dict | None = None,
        python: str | None = None,
        subprocess: bool = False,
        timeout: float = 60,
    ) -> Result:
        environment = dict(self.env)
        for key, value in (env or {}).items():
            if value is None:
                environment.pop(key, None)
            else:
                environment[key] = value
        if isinstance(stdin, str):
            stdin = stdin.encode("utf-8")
        if subprocess or python:
            result = self._in_subprocess(name, args, stdin or b"", environment, python, timeout)
        else:
            result = self._in_process(name, args, stdin or b"", environment)
        assert "Traceback" not in result.stderr, result.stderr
        assert "internal error in the skill" not in result.stderr, result.stderr
        assert TOKEN not in result.stdout + result.stderr, "the token leaked into the output"
        return result

    def _in_subprocess(self, name, args, stdin, environment, python, timeout) -> Result:
        completed = subprocess_run(
            [python or sys.executable, str(SCRIPTS_DIR / f"{name}.py"), *args],
            input=stdin,
            capture_output=True,
            env=environment,
            cwd=self.cwd,
            timeout=timeout,
        )
        return Result(completed.returncode, completed.stdout.decode("utf-8"), completed.stderr.decode("utf-8"))

    def _in_process(self, name, args, stdin, environment) -> Result:
        command = load_script(name).command
        saved = (dict(os.environ), tempfile.tempdir, os.getcwd(), sys.stdin, sys.stdout, sys.stderr)
        out, err = io.BytesIO(), io.BytesIO()
        os.environ.clear()
        os.environ.update(environment)
        time.tzset()  # a TZ of the test's takes effect, as it would in a new process
        tempfile.tempdir = None  # re-read TMPDIR
        os.chdir(self.cwd)
        sys.stdin = io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8")
        sys.stdout = io.TextIOWrapper(out, encoding="utf-8", write_through=True)
        sys.stderr = io.TextIOWrapper(err, encoding="utf-8", write_through=True)
        try:
            code = command.main(list(args))
        except SystemExit as exit:  # --help
            code = exit.code if isinstance(exit.code, int) else 0
        finally:
            for stream in (sys.stdout, sys.stderr):
                stream.flush()
                stream.detach()  # else closing the wrapper would close the buffer we read
            environ, tempfile.tempdir, cwd, sys.stdin, sys.stdout, sys.stderr = saved
            os.environ.clear()
            os.environ.update(environ)
            time.tzset()
            os.chdir(cwd)
        return Result(code, out.getvalue().decode("utf-8"), err.getvalue().decode("utf-8"))

    def request_files(self) -> list[Path]:
        return sorted(self.tmpdir.glob("chatwoot_request_*.json"))


class Clock:
    """Stands in for the retry clock of in-process runs: a sleep advances it at once and is recorded."""

    def __init__(self):
        self.now = time.time()
        self.slept: list[float] = []

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 3))
        self.now += max(0.0, seconds)


@pytest.fixture(autouse=True)
def clock(monkeypatch) -> Clock:
    """Every in-process run waits on this clock (no real sleeps, no jitter); subprocesses wait for real."""
    import chatwoot_client

    fake = Clock()
    monkeypatch.setattr(chatwoot_client.Pacer, "clock", staticmethod(fake.time))
    monkeypatch.setattr(chatwoot_client.Pacer, "sleep", staticmethod(fake.sleep))
    monkeypatch.setattr(chatwoot_client.Pacer, "jitter", staticmethod(lambda: 0.0))
    return fake


@pytest.fixture(scope="session")
def sandbox_server():
    from sandbox import Sandbox

    with Sandbox(jobs="manual") as server:  # background jobs run when a test calls server.run_jobs()
        yield server


@pytest.fixture
def sandbox(sandbox_server):
    """The sandbox, freshly seeded for this test; it must not have crashed on anything sent to it."""
    sandbox_server.reset()
    yield sandbox_server
    assert sandbox_server.errors == []


@pytest.fixture
def run(tmp_path, request) -> Runner:
    runner = Runner(tmp_path)
    if "httpserver" in request.fixturenames:
        runner.point_at(request.getfixturevalue("httpserver").url_for("/"))
    yield runner
    for leftover in runner.tmpdir.iterdir():
        assert TOKEN not in leftover.read_text(errors="replace"), f"the token was written to {leftover}"


@pytest.fixture
def httpserver(httpserver):
    """pytest-httpserver's server, checked at teardown: an unexpected request fails the test."""
    yield httpserver
    httpserver.check_assertions()
    httpserver.clear()


def strict_equal(actual, expected) -> bool:
    """Equality that also compares JSON types: true is not 1, 5 is not 5.0, "5" is not 5."""
    if type(actual) is not type(expected):
        return False
    if isinstance(actual, dict):
        return actual.keys() == expected.keys() and all(strict_equal(actual[k], expected[k]) for k in actual)
    if isinstance(actual, list):
        return len(actual) == len(expected) and all(strict_equal(a, e) for a, e in zip(actual, expected))
    return actual == expected


def body_of(request) -> object:
    """The JSON body a recorded werkzeug request carried."""
    return json.loads(request.get_data())


# A small account, as GET /agents, /teams, /inboxes and /api/v1/profile describe it: what the
# scripts read to check an agent, team or inbox (by id or name) and the token's role.
DIRECTORY_AGENTS = [
    {"id": 5, "account_id": 1, "availability_status": "available", "auto_offline": True, "confirmed": True,
     "email": "ana@example.com", "provider": "email", "available_name": "Ana", "name": "Ana Silva", "role": "agent",
     "thumbnail": "", "custom_role_id": None},
    {"id": 1, "account_id": 1, "availability_status": "offline", "auto_offline": True, "confirmed": True,
     "email": "owner@example.com", "provider": "email", "available_name": "Owner", "name": "Öwner",
     "role": "administrator", "thumbnail": "", "custom_role_id": None},
]  # fmt: skip
DIRECTORY_TEAMS = [
    {"id": 2, "name": "billing", "description": "Billing questions", "allow_auto_assign": True, "account_id": 1,
     "is_member": False},
    {"id": 4, "name": "tier-2", "description": "", "allow_auto_assign": False, "account_id": 1, "is_member": True},
]  # fmt: skip
DIRECTORY_INBOXES = [
    {"id": 3, "name": "Support API", "channel_type": "Channel::Api"},
    {"id": 4, "name": "E-Mail Kundendienst ✉", "channel_type": "Channel::Email"},
]


def profile(role: str = "administrator", user_id: int = 1) -> dict:
    return {
        "id": user_id,
        "name": "Öwner" if user_id == 1 else "Ana Silva",
        "email": "owner@example.com" if user_id == 1 else "ana@example.com",
        "role": role,
        "accounts": [{"id": ACCOUNT, "name": "Acme", "status": "active", "role": role}],
    }


def serve_directory(httpserver, role: str = "administrator", user_id: int = 1) -> None:
    """Answer the reads that check names and roles, whenever a script makes them."""
    for path, document in (
        ("/agents", DIRECTORY_AGENTS),
        ("/teams", DIRECTORY_TEAMS),
        ("/inboxes", {"payload": DIRECTORY_INBOXES}),
    ):
        httpserver.expect_request(ACCOUNT_PATH + path, method="GET").respond_with_json(document)
    httpserver.expect_request("/api/v1/profile", method="GET").respond_with_json(profile(role, user_id))


def reads(httpserver) -> list[str]:
    """The paths of the GETs the server received, in order."""
    return [request.path for request, _ in httpserver.log if request.method == "GET"]


def only_write(httpserver):
    """The single request that was not a GET (asserting there was exactly one)."""
    writes = [request for request, _ in httpserver.log if request.method != "GET"]
    assert len(writes) == 1, [f"{r.method} {r.full_path}" for r in writes]
    return writes[0]


def only_request(httpserver):
    """The single request the server received (asserting there was exactly one)."""
    assert len(httpserver.log) == 1, [f"{r.method} {r.full_path}" for r, _ in httpserver.log]
    return httpserver.log[0][0]


def assert_received(request, method: str, path: str, body=None, query: list | None = None) -> None:
    """Method, path, token header, query pairs and (type-strict) JSON body of one request."""
    assert request.method == method
    assert request.path == path
    assert request.headers.get("Api-Access-Token") == TOKEN
    token_headers = [k for k, _ in request.headers.items() if k.lower().replace("_", "-") == "api-access-token"]
    assert token_headers == ["Api-Access-Token"], token_headers  # one header, the proxy-safe form
    if query is not None:
        assert list(request.args.items(multi=True)) == query
    if body is not None:
        assert request.headers.get("Content-Type") == "application/json"
        actual = body_of(request)
        assert strict_equal(actual, body), f"{actual!r} != {body!r}"


# --------------------------------------------------------------------------- shared by the test files


@pytest.fixture
def agent(sandbox, run):
    """`run` pointed at the freshly reset sandbox with the administrator's token: how an agent
    calls the skill against a Chatwoot."""
    run.env.update(sandbox.env())
    return run


@pytest.fixture
def admin(sandbox, run):
    """The same, for the files whose `agent` is the agent-role token's runner."""
    run.env.update(sandbox.env())
    return run


def printed(document) -> str:
    """What a script prints for one JSON document."""
    return json.dumps(document, ensure_ascii=False) + "\n"


def one_per_line(items: list) -> str:
    """What a script prints for a list of objects (summaries, bulk results): one item a line."""
    return "[\n" + ",\n".join(json.dumps(item, ensure_ascii=False) for item in items) + "\n]\n"


def answer(httpserver, method: str, path: str, document, query: dict | None = None) -> None:
    """pytest-httpserver answers `method path` (under the account) with `document`."""
    httpserver.expect_request(ACCOUNT_PATH + path, method=method, query_string=query).respond_with_json(document)


def assert_success(run, result, stdout: str) -> None:
    """Exit 0, exactly `stdout`, nothing on stderr, no request file left."""
    assert result.code == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout == stdout
    assert run.request_files() == []


def assert_one_error(result, *fragments: str) -> None:
    """One `error:` line that names what was wrong (the argument, the offending value)."""
    assert len(result.error_lines) == 1, result.stderr
    for fragment in fragments:
        assert fragment in result.error_lines[0], (fragment, result.error_lines[0])


def assert_nothing_sent(run, httpserver, result, code: int) -> None:
    """Refused with `code`: nothing printed, no request sent, no request file written."""
    assert result.code == code, result.stderr
    assert result.stdout == ""
    assert httpserver.log == []
    assert run.request_files() == []


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def requests_to(httpserver, path: str) -> list:
    """The requests pytest-httpserver received for `path`."""
    return [request for request, _ in httpserver.log if request.path == path]


class Sessions:
    """Every requests.Session a run makes, and the most requests in flight at once.
    `together(parties, after=0)`: the requests after the first `after` wait until `parties` of
    them are in flight, so that what the code may send at once is seen at once."""

    def __init__(self):
        self.made: list = []
        self.in_flight = 0
        self.most = 0
        self.count = 0
        self.lock = threading.Lock()
        self.meeting: threading.Barrier | None = None
        self.after = 0

    def together(self, parties: int, after: int = 0) -> None:
        self.count, self.meeting, self.after = 0, threading.Barrier(parties), after


@pytest.fixture
def sessions(monkeypatch) -> Sessions:
    """requests.Session counted (see Sessions); in-process runs only."""
    import requests

    seen = Sessions()

    class CountedSession(requests.Session):
        def __init__(self):
            super().__init__()
            seen.made.append(self)

        def request(self, *args, **kwargs):
            with seen.lock:
                seen.count += 1
                seen.in_flight += 1
                seen.most = max(seen.most, seen.in_flight)
                meeting = seen.meeting
                meets = meeting is not None and seen.after < seen.count <= seen.after + meeting.parties
            try:
                if meets:
                    meeting.wait(timeout=10)
                return super().request(*args, **kwargs)
            finally:
                with seen.lock:
                    seen.in_flight -= 1

    monkeypatch.setattr(requests, "Session", CountedSession)
    return seen
