"""When a request is resent, and when it is not: which faults are resent for which kind of request,
Retry-After, back-off, and Chatwoot's rate limit — Rack::Attack's epoch-aligned windows, modelled by
the sandbox on the same injected clock as the retry loop (the `clock` fixture), so a minute of a
window costs no real time: a script waits exactly for the next window, fails past
CHATWOOT_MAX_WAIT saying when to try again, and bulk workers pause together."""

from __future__ import annotations

import json
import threading
from datetime import datetime, timezone
from email.utils import format_datetime
from pathlib import Path

import pytest
from chatwoot_client import Pacer, RateLimitClosed
from conftest import ACCOUNT_PATH, requests_to
from faults import KINDS, answer, assert_failed
from werkzeug import Response

CONVERSATION = f"{ACCOUNT_PATH}/conversations/7"
MESSAGES = f"{ACCOUNT_PATH}/conversations/7/messages"
RETRY_LATER = "Retry later\n"  # Rack::Attack's body, text/plain, no Retry-After


def http_date(hour: int, minute: int, second: int) -> str:
    return format_datetime(datetime(2030, 1, 15, hour, minute, second, tzinfo=timezone.utc), usegmt=True)


def throttled() -> Response:
    return Response(RETRY_LATER, status=429, content_type="text/plain")


@pytest.fixture
def server_clock(monkeypatch):
    """Sets the Date every local test server sends (Chatwoot's clock, as the client sees it)."""
    import http.server

    def at(hour: int, minute: int, second: int) -> None:
        monkeypatch.setattr(
            http.server.BaseHTTPRequestHandler, "date_time_string", lambda *_: http_date(hour, minute, second)
        )

    return at


def answers(httpserver, path: str, method: str, *responses: Response) -> None:
    """The path answers these, in order (one request each)."""
    for response in responses:
        httpserver.expect_ordered_request(path, method=method).respond_with_response(response)


NGINX_502 = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
)
RAILS_500 = "<!DOCTYPE html><html><head><title>We're sorry, but something went wrong (500)</title></head></html>"

# --------------------------------------------------------------------------- the Pacer on its own


class Stub:
    """A response as the Pacer sees it: only its headers matter."""

    def __init__(self, **headers: str):
        self.headers = headers


def pacer(clock, max_retries: int = 3, max_wait: float = 65) -> tuple[Pacer, list[str]]:
    lines: list[str] = []
    return Pacer(max_retries, max_wait, lines.append), lines


def test_a_window_wait_ends_on_the_next_minute_of_the_servers_clock(clock):
    rate, lines = pacer(clock)
    assert rate.rate_limited(1, Stub(Date=http_date(10, 0, 37))) is True
    assert clock.slept == [23.0]  # 10:00:37 → 10:01:00 on Chatwoot's clock, whatever ours says
    assert lines == [
        "warning: HTTP 429 from Chatwoot; retry 1 of 3 in 23.0 s (Chatwoot's rate-limit window resets at 10:01:00Z)"
    ]


def test_without_a_date_header_the_window_is_counted_on_this_machines_clock(clock):
    clock.now = datetime(2030, 1, 15, 9, 59, 50, tzinfo=timezone.utc).timestamp()
    rate, _ = pacer(clock)
    assert rate.rate_limited(1, Stub()) is True
    assert clock.slept == [10.0]


def test_retry_after_wins_over_the_window(clock):
    rate, lines = pacer(clock)
    assert rate.rate_limited(2, Stub(**{"Retry-After": "4", "Date": http_date(10, 0, 1)}))
    assert clock.slept == [4.0]
    assert lines == ["warning: HTTP 429 from Chatwoot; retry 2 of 3 in 4.0 s (Retry-After)"]


def test_a_wait_beyond_the_limit_is_refused_and_says_when_to_try_again(clock):
    rate, lines = pacer(clock, max_wait=10)
    assert rate.rate_limited(1, Stub(Date=http_date(10, 0, 37))) is False
    assert clock.slept == [] and lines == []
    assert rate.closed == (
        "Chatwoot's rate limit lets requests through again at 10:01:00Z (in 23 s), beyond "
        "CHATWOOT_MAX_WAIT=10 s; try again then"
    )
    with pytest.raises(RateLimitClosed):  # every request after it fails at once, unsent
        rate.before_sending()


def test_out_of_retries_is_no_resend(clock):
    rate, lines = pacer(clock, max_retries=2)
    assert rate.rate_limited(3, Stub(Date=http_date(10, 0, 37))) is False
    assert rate.backoff(3, "HTTP 503 from Chatwoot") is False
    assert clock.slept == [] and lines == []


def test_backoff_doubles(clock):
    rate, lines = pacer(clock, max_retries=3)
    assert [rate.backoff(n, "HTTP 502 from Chatwoot") for n in (1, 2, 3)] == [True, True, True]
    assert clock.slept == [0.5, 1.0, 2.0]
    assert lines[0] == "warning: HTTP 502 from Chatwoot; retry 1 of 3 in 0.5 s"


def test_one_pause_for_every_worker(clock, monkeypatch):
    """Workers refused at the same moment: one stderr line, and each waits for the same moment."""
    monkeypatch.setattr(Pacer, "sleep", staticmethod(clock.slept.append))  # the clock stands still meanwhile
    rate, lines = pacer(clock)
    for _ in range(3):
        assert rate.rate_limited(1, Stub(Date=http_date(10, 0, 40))) is True
    assert len(lines) == 1
    assert clock.slept == [20.0, 20.0, 20.0]


# --------------------------------------------------------------------------- through a script


def test_a_throttled_write_waits_for_the_window_and_is_sent_once_more(run, httpserver, clock, server_clock):
    server_clock(10, 0, 30)
    answers(
        httpserver,
        MESSAGES,
        "POST",
        throttled(),
        Response('{"id": 9}', content_type="application/json"),
    )
    result = run("send_message", "7", "Hello", env={"CHATWOOT_MAX_RETRIES": "3"})
    assert (result.code, result.stdout) == (0, '{"id": 9}\n')
    assert clock.slept == [30.0]
    assert len(httpserver.log) == 2
    assert run.request_files() == []


def test_a_window_too_far_away_fails_naming_the_time(run, httpserver, clock, server_clock):
    server_clock(10, 0, 5)
    answers(httpserver, MESSAGES, "POST", throttled())
    result = run("send_message", "7", "Hello", env={"CHATWOOT_MAX_RETRIES": "3", "CHATWOOT_MAX_WAIT": "30"})
    assert result.code == 1 and result.stdout == ""
    assert result.error_lines[:3] == [
        "error: HTTP 429 from Chatwoot: Retry later",
        "error: Chatwoot's rate limit lets requests through again at 10:01:00Z (in 55 s), beyond "
        "CHATWOOT_MAX_WAIT=30 s; try again then",
        "error: hint: rate limited by Chatwoot; wait a minute before trying again",
    ]
    assert len(run.request_files()) == 1  # the body is kept for later
    assert clock.slept == [] and len(httpserver.log) == 1


def test_each_resend_counts_against_the_retries(run, httpserver, clock, server_clock):
    server_clock(10, 0, 59)
    answers(httpserver, CONVERSATION, "GET", *[throttled() for _ in range(3)])
    result = run("get_conversation", "7", env={"CHATWOOT_MAX_RETRIES": "2"})
    assert result.code == 1
    assert clock.slept == [1.0, 1.0]
    assert len(httpserver.log) == 3


# --------------------------------------------------------------------------- Rack::Attack on the sandbox, one clock

TEN_AM = datetime(2030, 1, 15, 10, 0, 0, tzinfo=timezone.utc).timestamp()
NOTES = f"{ACCOUNT_PATH}/conversations/1/messages"


@pytest.fixture
def throttled_sandbox(sandbox, clock, run):
    """The sandbox with its clock (its Date header, Rack::Attack's windows) being the retry clock:
    a wait of the client's moves the server's windows on. Returns a setter for the time of day."""
    sandbox.clock = clock.time
    run.env.update(sandbox.env())

    def at(minute: int, second: int) -> None:
        clock.now = TEN_AM + minute * 60 + second

    return at


def notes_of(sandbox) -> list[tuple[str, float]]:
    return [(m["content"], m["created_at"]) for m in sandbox.conversation_messages(1) if m["private"]]


def test_a_throttled_write_waits_exactly_until_the_next_window_and_lands_once(run, sandbox, clock, throttled_sandbox):
    throttled_sandbox(0, 30)
    sandbox.throttle(1, 60, r"/conversations/1/messages$")  # one a minute, counted per epoch-aligned minute
    notes = notes_of(sandbox)
    assert run("add_note", "1", "First").code == 0
    result = run("add_note", "1", "Second", env={"CHATWOOT_MAX_RETRIES": "3"})
    assert result.code == 0, result.stderr
    assert result.json["content"] == "Second"
    assert result.stderr == (
        "warning: HTTP 429 from Chatwoot; retry 1 of 3 in 30.0 s (Chatwoot's rate-limit window resets at 10:01:00Z)\n"
    )
    assert clock.slept == [30.0]
    assert [r.status for r in sandbox.find_requests("POST", r"/messages$")] == [200, 429, 200]
    assert notes_of(sandbox) == [*notes, ("First", TEN_AM + 30), ("Second", TEN_AM + 60)]  # sent as the window opened
    assert run.request_files() == []


def test_a_window_beyond_the_wait_limit_fails_saying_when_and_keeps_the_body(run, sandbox, clock, throttled_sandbox):
    throttled_sandbox(0, 5)
    sandbox.throttle(1, 60, r"/conversations/1/messages$")
    notes = notes_of(sandbox)
    assert run("add_note", "1", "First").code == 0
    result = run("add_note", "1", "Second", env={"CHATWOOT_MAX_RETRIES": "3", "CHATWOOT_MAX_WAIT": "30"})
    assert (result.code, result.stdout) == (1, "")
    kept = run.request_files()
    assert len(kept) == 1
    assert json.loads(kept[0].read_bytes()) == {"content": "Second", "message_type": "outgoing", "private": True}
    assert result.error_lines[:4] == [
        "error: HTTP 429 from Chatwoot: Retry later",
        "error: Chatwoot's rate limit lets requests through again at 10:01:00Z (in 55 s), beyond "
        "CHATWOOT_MAX_WAIT=30 s; try again then",
        "error: hint: rate limited by Chatwoot; wait a minute before trying again",
        f"error: request body kept at {kept[0]}",
    ]
    assert result.error_lines[4].startswith("error: resend with: curl -sS -X POST ")
    assert clock.slept == []
    assert [r.status for r in sandbox.find_requests("POST", r"/messages$")] == [200, 429]
    assert notes_of(sandbox) == [*notes, ("First", TEN_AM + 5)]


def test_a_bulk_call_past_the_wait_limit_sends_no_later_id(run, sandbox, clock, throttled_sandbox):
    """Once Chatwoot's window is too far away, the ids not yet done fail with the 429 unsent, each
    with its body kept; the id already done stays done."""
    throttled_sandbox(0, 5)
    sandbox.throttle(1, 60, r"/toggle_status$")
    before = {i: sandbox.conversations[i]["status"] for i in (2, 3, 4)}
    env = {"CHATWOOT_MAX_WAIT": "5", "CHATWOOT_MAX_RETRIES": "3"}
    result = run("set_status", "1,2,3,4", "resolved", "--parallel", "1", env=env)
    assert result.code == 1
    items = {item["id"]: item for item in result.json}
    assert items[1]["ok"] is True
    for refused in (2, 3, 4):  # 2 was refused by Chatwoot; 3 and 4 were never sent
        error = items[refused]["error"]
        assert (items[refused]["ok"], error["status"]) == (False, 429)
        assert json.loads(Path(error["request_file"]).read_bytes()) == {"status": "resolved"}
    assert items[2]["error"]["message"] == "Retry later"
    assert (
        items[3]["error"]["message"]
        == items[4]["error"]["message"]
        == ("Retry later (not sent: an earlier request was refused)")
    )
    assert len(run.request_files()) == 3
    assert [(r.path.split("/")[-2], r.status) for r in sandbox.find_requests("POST")] == [("1", 200), ("2", 429)]
    assert sandbox.conversations[1]["status"] == "resolved"
    assert {i: sandbox.conversations[i]["status"] for i in (2, 3, 4)} == before
    assert clock.slept == []
    assert result.error_lines[-1] == "error: 3 of 4 failed: 2, 3, 4"


class SharedPause:
    """A sleep for parallel workers on the test clock: time moves only once every refused worker
    has begun its pause (as in real time, where their 429s arrive together), then to the moment
    each waited for."""

    def __init__(self, clock, workers: int):
        self.clock = clock
        self.barrier = threading.Barrier(workers, timeout=10)
        self.lock = threading.Lock()

    def sleep(self, seconds: float) -> None:
        start = self.clock.now
        self.barrier.wait()
        with self.lock:
            self.clock.slept.append(round(seconds, 3))
            self.clock.now = max(self.clock.now, start + seconds)


def test_bulk_workers_pause_together_and_resend_what_was_refused(run, sandbox, clock, throttled_sandbox, monkeypatch):
    throttled_sandbox(0, 45)
    sandbox.throttle(2, 60, r"/toggle_status$")
    monkeypatch.setattr(Pacer, "sleep", staticmethod(SharedPause(clock, workers=2).sleep))
    result = run("set_status", "1,2,3,4", "resolved", "--parallel", "4", env={"CHATWOOT_MAX_RETRIES": "2"})
    assert result.code == 0, result.stderr
    assert [(item["id"], item["ok"]) for item in result.json] == [(1, True), (2, True), (3, True), (4, True)]
    assert result.stderr == (
        "warning: HTTP 429 from Chatwoot; retry 1 of 2 in 15.0 s (Chatwoot's rate-limit window resets at 10:01:00Z)\n"
    )
    assert clock.slept == [15.0, 15.0]  # both refused workers waited for 10:01:00, together
    statuses = [r.status for r in sandbox.find_requests("POST", r"/toggle_status$")]
    assert sorted(statuses[:4]) == [200, 200, 429, 429] and statuses[4:] == [200, 200]
    assert all(sandbox.conversations[i]["status"] == "resolved" for i in (1, 2, 3, 4))
    assert run.request_files() == []


# --------------------------------------------------------------------------- which faults are resent, for which kind of request

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
