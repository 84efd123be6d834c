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
from conftest import (
    ACCOUNT_PATH,
    assert_received,
    closed_port,
    only_write,
    profile,
    reads,
    requests_to,
)
from faults import KINDS, answer, assert_failed
from samples import MESSAGE_BODY, MESSAGE_PATH
from sandbox import Sandbox

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
    result = run("get_contact", "17", env={"CHATWOOT_MAX_RETRIES": "0"})
    assert (result.code, result.stdout) == (1, "")
    assert result.error_lines[0] == (
        "error: HTTP 502 from Chatwoot: 502 Bad Gateway (an HTML page, probably from a proxy in front of Chatwoot)"
    )
    assert "<" not in result.stderr


# --------------------------------------------------------------------------- network: exit 4


def test_closed_port_on_read_is_a_network_failure(run):
    port = closed_port()
    result = run(
        "get_contact", "17", env={"CHATWOOT_BASE_URL": f"http://127.0.0.1:{port}", "CHATWOOT_MAX_RETRIES": "0"}
    )
    assert (result.code, result.stdout) == (4, "")
    assert result.error_lines == [
        f"error: could not connect to http://127.0.0.1:{port} (Connection refused)",
        "error: hint: nothing answered there: check CHATWOOT_BASE_URL (scheme, host and port) and that Chatwoot is up",
    ]


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


# --------------------------------------------------------------------------- hints that point at the right thing (sandbox)

HEAD_404 = "error: HTTP 404 from Chatwoot: Resource could not be found"
HINT_TELEGRAM = (
    "error: hint: inbox 6 is a Channel::Telegram inbox, where Chatwoot cannot open a conversation by itself: give "
    "--source-id (the contact's id on that channel), or use an API, website, e-mail, SMS or WhatsApp inbox"
)
HINT_EMAIL_INBOX = (
    "error: hint: this is an e-mail inbox: give the contact an e-mail address first (update_contact.py ID --email ...)"
)
HINT_PHONE_INBOX = (
    "error: hint: an SMS or WhatsApp inbox: give the contact a phone number first (update_contact.py ID --phone +...)"
)
HINT_SUSPENDED = (
    "error: hint: Chatwoot has suspended this account (CHATWOOT_ACCOUNT_ID): nothing in it can be read or changed "
    "until its administrator, or Chatwoot's support on Chatwoot Cloud, reactivates it"
)


def kept_once(run, result) -> tuple[str, dict]:
    """The one request file the failed write left, named on stderr (and only one: each run starts clean)."""
    files = run.request_files()
    assert len(files) == 1, files
    assert f"error: request body kept at {files[0]}" in result.error_lines
    body = json.loads(files[0].read_bytes())
    files[0].unlink()  # the next run of the same test starts with none
    return f"error: request body kept at {files[0]}", body


def no_resend_advice(result) -> bool:
    return not any("resend" in line for line in result.error_lines)


def test_a_read_404_names_the_conversation_or_the_account_that_is_not_there(sandbox, admin):
    missing = admin("get_conversation", "999")
    assert (missing.code, missing.stdout) == (1, "")
    assert missing.error_lines == [
        HEAD_404,
        "error: hint: there is no conversation 999 in account 1 "
        "(list_conversations.py; ids are the numbers shown in Chatwoot's UI)",
    ]
    wrong_account = admin("get_conversation", "1", env={"CHATWOOT_ACCOUNT_ID": "99"})
    assert (wrong_account.code, wrong_account.stdout) == (1, "")
    assert wrong_account.error_lines == [
        HEAD_404,
        "error: hint: there is no account 99 for this token: CHATWOOT_ACCOUNT_ID is wrong (whoami.py lists yours)",
    ]
    not_a_member = admin("get_conversation", "1", env={"CHATWOOT_ACCOUNT_ID": "2"})
    assert (not_a_member.code, not_a_member.stdout) == (1, "")
    assert not_a_member.error_lines == [
        "error: HTTP 401 from Chatwoot: You are not authorized to access this account",
        f"error: {HINT_ACCOUNT}",
    ]
    assert all(no_resend_advice(r) for r in (missing, wrong_account, not_a_member))
    assert [(r.method, r.path, r.status) for r in sandbox.requests] == [
        ("GET", f"{ACCOUNT_PATH}/conversations/999", 404),
        ("GET", "/api/v1/profile", 200),  # is account 1 the token's? then the conversation is what is missing
        ("GET", "/api/v1/accounts/99/conversations/1", 404),
        ("GET", "/api/v1/profile", 200),
        ("GET", "/api/v1/accounts/2/conversations/1", 401),
    ]


def test_create_conversation_404_names_the_contact_or_the_inbox_that_is_not_there(sandbox, admin):
    conversations = len(sandbox.conversations)
    no_contact = admin("create_conversation", "--inbox-id", "2", "--contact-id", "999")
    assert (no_contact.code, no_contact.stdout) == (1, "")
    kept, body = kept_once(admin, no_contact)
    assert body == {"inbox_id": 2, "contact_id": 999}
    assert no_contact.error_lines == [
        HEAD_404,
        "error: hint: there is no contact 999 in account 1 (search_contacts.py finds ids)",
        kept,
    ]
    # An inbox deleted after the inbox list was read: the list still names it, Chatwoot no longer has it.
    sandbox.fail_next(
        "GET", r"/inboxes$", 200, json.dumps({"payload": [{"id": 99, "name": "Old", "channel_type": "Channel::Api"}]})
    )
    no_inbox = admin("create_conversation", "--inbox", "Old", "--contact-id", "1")
    assert (no_inbox.code, no_inbox.stdout) == (1, "")
    kept, body = kept_once(admin, no_inbox)
    assert body == {"inbox_id": 99, "contact_id": 1}
    assert no_inbox.error_lines == [HEAD_404, "error: hint: there is no inbox 99 in account 1 (list_inboxes.py)", kept]
    assert no_resend_advice(no_contact) and no_resend_advice(no_inbox)
    assert [
        (r.method, r.path, r.status)
        for r in sandbox.requests
        if r.method == "POST" or "/inboxes/" in r.path or "/contacts/" in r.path
    ] == [
        ("POST", f"{ACCOUNT_PATH}/conversations", 404),
        ("GET", f"{ACCOUNT_PATH}/inboxes/2", 200),
        ("GET", f"{ACCOUNT_PATH}/contacts/999", 404),
        ("POST", f"{ACCOUNT_PATH}/conversations", 404),
        ("GET", f"{ACCOUNT_PATH}/inboxes/99", 404),
    ]
    assert len(sandbox.conversations) == conversations


def test_an_inbox_id_the_account_does_not_have_is_refused_before_sending(sandbox, admin):
    result = admin("create_conversation", "--inbox-id", "99", "--contact-id", "1")
    assert (result.code, result.stdout) == (2, "")
    assert result.error_lines == [
        "error: no inbox has the id 99 in this account; the inboxes this token can see (list_inboxes.py) are:",
        "error:   3  Email  support@acme.example",
        "error:   4  SMS",
        "error:   2  Support API",
        "error:   6  Telegram",
        "error:   1  Website",
        "error:   5  WhatsApp",
    ]
    assert [(r.method, r.path) for r in sandbox.requests] == [("GET", f"{ACCOUNT_PATH}/inboxes")]
    assert admin.request_files() == []


@pytest.mark.parametrize(
    ("inbox", "contact", "answer", "hint"),
    [
        (6, 1, "HTTP 500 from Chatwoot: Internal Server Error", HINT_TELEGRAM),
        (3, 17, "HTTP 422 from Chatwoot: param is missing or the value is empty: contact email", HINT_EMAIL_INBOX),
        (
            4,
            7,
            "HTTP 422 from Chatwoot: param is missing or the value is empty: contact phone number",
            HINT_PHONE_INBOX,
        ),
        (
            5,
            7,
            "HTTP 422 from Chatwoot: param is missing or the value is empty: contact phone number",
            HINT_PHONE_INBOX,
        ),
    ],
    ids=["telegram-500", "email-inbox-contact-without-email", "sms-without-phone", "whatsapp-without-phone"],
)
def test_create_conversation_says_what_the_inbox_needs(sandbox, admin, inbox, contact, answer, hint):
    """Telegram: Chatwoot cannot make the contact's inbox link; e-mail needs the contact's e-mail,
    SMS and WhatsApp its phone. Each fails before anything is created, so nothing says to resend."""
    conversations, links = len(sandbox.conversations), len(sandbox.contact_inboxes)
    result = admin("create_conversation", "--inbox-id", str(inbox), "--contact-id", str(contact))
    assert (result.code, result.stdout) == (1, "")
    kept, body = kept_once(admin, result)
    assert body == {"inbox_id": inbox, "contact_id": contact}
    assert result.error_lines == [f"error: {answer}", hint, kept]
    assert [(r.method, r.status) for r in sandbox.find_requests(path_regex=r"/conversations$")] == [
        ("POST", int(answer.split()[1]))
    ]
    assert (len(sandbox.conversations), len(sandbox.contact_inboxes)) == (conversations, links)


def test_a_suspended_account_says_so_and_keeps_the_note(sandbox, admin):
    messages = len(sandbox.messages)
    result = admin("add_note", "1", "Refund approved", env={"CHATWOOT_ACCOUNT_ID": "3"})
    assert (result.code, result.stdout) == (1, "")
    kept, body = kept_once(admin, result)
    assert body == {"content": "Refund approved", "message_type": "outgoing", "private": True}
    assert result.error_lines == ["error: HTTP 401 from Chatwoot: Account is suspended", HINT_SUSPENDED, kept]
    assert [(r.method, r.path, r.status) for r in sandbox.requests] == [
        ("POST", "/api/v1/accounts/3/conversations/1/messages", 401)
    ]
    assert len(sandbox.messages) == messages


def test_an_administrator_only_change_with_an_agent_token_gets_the_role_hint(sandbox, admin):
    webhooks = dict(sandbox.webhooks)
    result = admin(
        "webhooks", "--create", "https://hooks.example.com/new", "--events", "message_created",
        env={"CHATWOOT_API_TOKEN": Sandbox.AGENT_TOKEN},
    )  # fmt: skip
    assert (result.code, result.stdout) == (1, "")
    kept, body = kept_once(admin, result)
    assert body["url"] == "https://hooks.example.com/new"
    assert result.error_lines == [
        "error: HTTP 401 from Chatwoot: You are not authorized to do this action",
        "error: hint: Chatwoot keeps this to administrators, and this token's role in the account is agent "
        "(whoami.py shows it); ask an administrator, or use an administrator's token",
        kept,
    ]
    assert sandbox.webhooks == webhooks
