"""The skill against a misbehaving server: proxies' HTML pages, throttling, timeouts, dropped
connections, bodies that are not JSON, a closed port. For every fault and kind of script: the exit
code, one clear error line, no traceback, no stdout, how often the server was asked (a POST
exactly once unless Chatwoot refused it with 429) and the request file kept for writes."""

from __future__ import annotations

import socket
import threading

import pytest
from conftest import ACCOUNT_PATH

NGINX_502 = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
)
RAILS_500 = "<!DOCTYPE html><html><head><title>We're sorry, but something went wrong (500)</title></head></html>"

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


# ----------------------------------------------------------------------------- HTTP faults

# fault -> (status, body, content type, retried for idempotent methods?)
HTTP_FAULTS = {
    "500 html": (500, RAILS_500, "text/html", False),
    "502 nginx": (502, NGINX_502, "text/html", True),
    "503 json": (503, '{"error": "Service Unavailable"}', "application/json", True),
    "429 text": (429, "Retry later\n", "text/plain", True),
}


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("fault", HTTP_FAULTS)
def test_http_fault(httpserver, run, fault, kind):
    status, body, content_type, retried = HTTP_FAULTS[fault]
    script, args, method, path = KINDS[kind]
    answer(httpserver, path, method, body, status, content_type)
    result = run(script, *args, env={"CHATWOOT_MAX_RETRIES": "1"})
    assert_failed(result, run, kind, 1)
    # 429: Chatwoot refused it unprocessed, so even a POST is resent; 502-504 only for GET/PUT/DELETE.
    resent = status == 429 or (retried and method != "POST")
    assert len(requests_to(httpserver, path)) == (2 if resent else 1)
    assert result.stderr.count("warning:") == (1 if resent else 0)
    head = result.error_lines[0]
    assert head.startswith(f"error: HTTP {status} from Chatwoot: ")
    expected = {
        "500 html": "We're sorry, but something went wrong (500) (an HTML page, probably from a proxy in front of Chatwoot)",
        "502 nginx": "502 Bad Gateway (an HTML page, probably from a proxy in front of Chatwoot)",
        "503 json": "Service Unavailable",
        "429 text": "Retry later",
    }[fault]
    assert head == f"error: HTTP {status} from Chatwoot: {expected}"
    if status == 429:
        assert "error: hint: rate limited by Chatwoot; wait a minute before trying again" in result.stderr
    if kind == "write" and status >= 500:
        assert "it may have reached Chatwoot: check before resending" in result.stderr


def test_429_then_success_is_retried_quietly_into_success(httpserver, run):
    path = f"{ACCOUNT_PATH}/conversations/7/messages"
    httpserver.expect_oneshot_request(path, method="POST").respond_with_data(
        "Retry later\n", status=429, content_type="text/plain"
    )
    httpserver.expect_oneshot_request(path, method="POST").respond_with_json({"id": 9})
    result = run("send_message", "7", "Hello", env={"CHATWOOT_MAX_RETRIES": "3"})
    assert result.code == 0, result.stderr
    assert result.stdout == '{"id": 9}\n'
    assert len(requests_to(httpserver, path)) == 2
    assert result.stderr.startswith("warning: HTTP 429 from Chatwoot; retry 1 of 3 in ")
    assert run.request_files() == []


def test_retry_after_is_honoured(httpserver, run, clock):
    path = f"{ACCOUNT_PATH}/conversations/7"
    httpserver.expect_oneshot_request(path).respond_with_data("Retry later\n", status=429, headers={"Retry-After": "1"})
    httpserver.expect_oneshot_request(path).respond_with_json({"id": 7})
    result = run("get_conversation", "7", env={"CHATWOOT_MAX_RETRIES": "2"})
    assert result.code == 0, result.stderr
    assert clock.slept == [1.0]
    assert result.stderr == "warning: HTTP 429 from Chatwoot; retry 1 of 2 in 1.0 s (Retry-After)\n"


def test_retries_disabled_with_zero(httpserver, run):
    path = f"{ACCOUNT_PATH}/conversations/7"
    answer(httpserver, path, "GET", NGINX_502, 502, "text/html")
    result = run("get_conversation", "7", env={"CHATWOOT_MAX_RETRIES": "0"})
    assert result.code == 1
    assert len(requests_to(httpserver, path)) == 1
    assert "warning:" not in result.stderr


def test_a_retry_after_longer_than_the_cap_ends_the_retries(httpserver, run):
    path = f"{ACCOUNT_PATH}/conversations/7"
    httpserver.expect_request(path).respond_with_data("Retry later\n", status=429, headers={"Retry-After": "3600"})
    result = run("get_conversation", "7", env={"CHATWOOT_MAX_RETRIES": "3"})
    assert result.code == 1
    assert len(requests_to(httpserver, path)) == 1


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


# ----------------------------------------------------------------------------- socket faults


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
