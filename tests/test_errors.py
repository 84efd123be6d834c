"""What the user sees when Chatwoot, or the network between, fails: the HTTP status, Chatwoot's own
message and a hint that points at the right thing (a 404 names the record not found; 401s say
which setting or role is wrong; 422s and 500s say what the inbox needs), proxies' pages, bodies
that are not JSON, timeouts, dropped connections and closed ports. A failed write keeps its body in
a request file and names it; nothing is created."""

from __future__ import annotations

import json
import os
import socket
import stat
import threading

import pytest
from conftest import ACCOUNT_PATH, assert_received, only_write, profile, reads

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


def assert_one_error(result, *fragments: str) -> None:
    """One `error:` line that names what was wrong (the argument, the offending value)."""
    assert len(result.error_lines) == 1, result.stderr
    for fragment in fragments:
        assert fragment in result.error_lines[0], (fragment, result.error_lines[0])


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


# One script of each kind: a read (GET), a write (POST), an idempotent write (DELETE), and a
# filter (a POST that only reads, retried like a GET).
READ = ("get_conversation", ["7"], "GET", f"{ACCOUNT_PATH}/conversations/7")
WRITE = ("send_message", ["7", "Hello"], "POST", f"{ACCOUNT_PATH}/conversations/7/messages")
DELETE = ("delete_contact", ["17", "--yes"], "DELETE", f"{ACCOUNT_PATH}/contacts/17")
KINDS = {"read": READ, "write": WRITE, "delete": DELETE}


def requests_to(httpserver, path):
    return [r for r, _ in httpserver.log if r.path == path]


def answer(httpserver, path, method, body, status, content_type):
    httpserver.expect_request(path, method=method).respond_with_data(body, status=status, content_type=content_type)


def assert_failed(result, run, kind, code):
    assert result.code == code, result.stderr
    assert result.stdout == ""
    assert result.error_lines, result.stderr
    kept = run.request_files()
    if kind == "write":
        assert len(kept) == 1
        assert f"error: request body kept at {kept[0]}" in result.stderr
        assert "error: resend with: curl" in result.stderr
    else:
        assert kept == []


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


# --------------------------------------------------------------------------- faults: pages, bodies, sockets


@pytest.mark.parametrize("kind", KINDS)
def test_ok_status_with_a_body_that_is_not_json(httpserver, run, kind):
    script, args, method, path = KINDS[kind]
    answer(httpserver, path, method, "<html><title>Login</title></html>", 200, "text/html")
    result = run(script, *args)
    assert_failed(result, run, kind, 1)
    assert result.error_lines[0] == (
        "error: HTTP 200 from Chatwoot: a body that is not JSON: Login "
        "(an HTML page, probably from a proxy in front of Chatwoot)"
    )
    assert len(requests_to(httpserver, path)) == 1


@pytest.mark.parametrize("kind", ["read", "write"])
def test_empty_ok_answer_where_json_was_due(httpserver, run, kind):
    script, args, method, path = KINDS[kind]
    answer(httpserver, path, method, "", 200, "application/json")
    result = run(script, *args)
    assert_failed(result, run, kind, 1)
    assert result.error_lines[0] == (
        "error: HTTP 200 from Chatwoot: an empty body where JSON was expected "
        "(a proxy may be answering instead of Chatwoot)"
    )


class RawServer:
    """A TCP server that reads each request and then either hangs or closes without answering."""

    def __init__(self, behaviour: str, hang_seconds: float = 3.0):
        self.behaviour = behaviour
        self.hang_seconds = hang_seconds
        self.requests: list[bytes] = []
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.running = True
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        while self.running:
            try:
                connection, _ = self.sock.accept()
            except OSError:
                continue
            with connection:
                connection.settimeout(2)
                data = b""
                try:
                    while b"\r\n\r\n" not in data:
                        chunk = connection.recv(65536)
                        if not chunk:
                            break
                        data += chunk
                except OSError:
                    pass
                self.requests.append(data.split(b"\r\n", 1)[0])
                if self.behaviour == "hang":
                    self.stopping.wait(self.hang_seconds)

    def close(self):
        self.running = False
        self.stopping.set()
        self.thread.join(timeout=5)
        self.sock.close()


@pytest.fixture
def raw_server():
    servers = []

    def start(behaviour):
        server = RawServer(behaviour)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()


@pytest.mark.parametrize("kind", KINDS)
def test_server_slower_than_the_timeout(run, raw_server, kind):
    script, args, _, _ = KINDS[kind]
    server = raw_server("hang")
    run.point_at(server.url)
    result = run(script, *args, env={"CHATWOOT_TIMEOUT": "0.5", "CHATWOOT_MAX_RETRIES": "2"})
    assert_failed(result, run, kind, 4)
    assert result.error_lines[0].startswith("error: no answer from Chatwoot within 0.5 s (CHATWOOT_TIMEOUT)")
    assert len(server.requests) == 1  # a slow server is not hammered, and a POST never resent
    if kind == "write":
        assert "it may have reached Chatwoot: check before resending" in result.stderr


@pytest.mark.parametrize("kind", KINDS)
def test_connection_closed_without_an_answer(run, raw_server, kind):
    script, args, method, _ = KINDS[kind]
    server = raw_server("close")
    run.point_at(server.url)
    result = run(script, *args, env={"CHATWOOT_MAX_RETRIES": "1"})
    assert_failed(result, run, kind, 4)
    assert result.error_lines[0].startswith(f"error: the connection dropped talking to {server.url}")
    assert len(server.requests) == (1 if method == "POST" else 2)
    retried = "warning: the connection dropped; retry 1 of 1 in " in result.stderr
    assert retried == (method != "POST")


@pytest.mark.parametrize("kind", KINDS)
def test_closed_port(run, kind):
    script, args, method, _ = KINDS[kind]
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    run.point_at(f"http://127.0.0.1:{port}")
    result = run(script, *args, env={"CHATWOOT_MAX_RETRIES": "1"})
    assert_failed(result, run, kind, 4)
    unsent = "; nothing was sent" if method == "POST" else ""
    assert result.error_lines[0] == f"error: could not connect to http://127.0.0.1:{port} (Connection refused){unsent}"
    assert result.stderr.count("warning: could not connect; retry 1 of 1") == (0 if method == "POST" else 1)
