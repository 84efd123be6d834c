"""webhooks.py (list, create, update, delete; events checked; secrets hidden) against the sandbox,
and verify_webhook.py (a delivery's signature checked in constant time, sending nothing)."""

from __future__ import annotations

import hashlib
import hmac
import json
import time

import pytest
from conftest import ACCOUNT_PATH, TOKEN, assert_received, printed, strict_equal
from sandbox import Sandbox

EVENTS = (
    "conversation_created, conversation_status_changed, conversation_updated, conversation_typing_on, "
    "conversation_typing_off, contact_created, contact_updated, message_created, message_updated, "
    "webwidget_triggered, inbox_created, inbox_updated"
)
SEEDED = {
    "id": 1,
    "name": "CRM sync",
    "url": "https://crm.acme.example/chatwoot/events",
    "account_id": 1,
    "subscriptions": ["conversation_created", "conversation_status_changed", "message_created"],
    "inbox": {"id": 2, "name": "Support API"},
}


def webhooks(sandbox) -> list:
    """The account's webhooks as stored: (id, name, url, subscriptions)."""
    return [(w["id"], w["name"], w["url"], w["subscriptions"]) for w in sandbox.webhooks.values()]


def test_webhooks_lists_the_accounts_webhooks(sandbox, agent):
    result = agent("webhooks")
    assert (result.code, result.stdout, result.stderr) == (0, printed({"payload": {"webhooks": [SEEDED]}}), "")
    (request,) = sandbox.requests
    assert (request.method, request.path) == ("GET", "/api/v1/accounts/1/webhooks")


def test_webhooks_create_sends_url_name_and_events_and_the_webhook_is_there(sandbox, agent):
    result = agent(
        "webhooks", "--create", "https://hooks.example.com/chatwoot", "--name", "Zapier ✓",
        "--events", "message_created, conversation_status_changed,message_created",
    )  # fmt: skip
    assert (result.code, result.stderr) == (0, "")
    created = {
        "id": 2,
        "name": "Zapier ✓",
        "url": "https://hooks.example.com/chatwoot",
        "account_id": 1,
        "subscriptions": ["message_created", "conversation_status_changed"],
    }
    assert result.stdout == printed({"payload": {"webhook": created}})
    (post,) = sandbox.find_requests("POST")
    assert post.path == "/api/v1/accounts/1/webhooks"
    assert strict_equal(
        post.json,
        {
            "url": "https://hooks.example.com/chatwoot",
            "name": "Zapier ✓",
            "subscriptions": ["message_created", "conversation_status_changed"],  # once each, in the order given
        },
    )
    assert webhooks(sandbox)[-1] == (2, "Zapier ✓", created["url"], created["subscriptions"])
    assert agent.request_files() == []


def test_webhooks_update_changes_only_what_it_names(sandbox, agent):
    result = agent("webhooks", "--update", "1", "--events", "message_created", "--name", "CRM")
    assert (result.code, result.stderr) == (0, "")
    changed = {**SEEDED, "name": "CRM", "subscriptions": ["message_created"]}
    assert result.stdout == printed({"payload": {"webhook": changed}})
    (patch,) = sandbox.find_requests("PATCH")
    assert patch.path == "/api/v1/accounts/1/webhooks/1"
    assert strict_equal(patch.json, {"name": "CRM", "subscriptions": ["message_created"]})  # the URL is not sent
    assert webhooks(sandbox) == [(1, "CRM", SEEDED["url"], ["message_created"])]
    moved = agent("webhooks", "--update", "1", "--url", "https://crm.acme.example/v2/events")
    assert moved.json["payload"]["webhook"]["url"] == "https://crm.acme.example/v2/events"
    assert strict_equal(sandbox.find_requests("PATCH")[-1].json, {"url": "https://crm.acme.example/v2/events"})
    assert webhooks(sandbox) == [(1, "CRM", "https://crm.acme.example/v2/events", ["message_created"])]


def test_webhooks_delete_needs_yes(sandbox, agent):
    refused = agent("webhooks", "--delete", "1")
    assert (refused.code, refused.stdout) == (2, "")
    assert refused.error_lines == ["error: deleting webhook 1 stops its deliveries; add --yes to confirm"]
    preview = agent("webhooks", "--delete", "1", "--dry-run")
    assert preview.json["method"] == "DELETE"
    assert preview.json["url"] == f"{sandbox.url}/api/v1/accounts/1/webhooks/1"
    assert sandbox.requests == [] and webhooks(sandbox) == [(1, SEEDED["name"], SEEDED["url"], SEEDED["subscriptions"])]
    deleted = agent("webhooks", "--delete", "1", "--yes")
    assert (deleted.code, deleted.stdout, deleted.stderr) == (0, '{"deleted": true, "webhook_id": 1}\n', "")
    assert [(r.method, r.path) for r in sandbox.requests] == [("DELETE", "/api/v1/accounts/1/webhooks/1")]
    assert sandbox.webhooks == {}
    again = agent("webhooks", "--delete", "1", "--yes")
    assert (again.code, again.stdout) == (1, "")
    assert again.error_lines == [
        "error: HTTP 404 from Chatwoot: Resource could not be found",
        "error: hint: there is no webhook 1 in account 1 (webhooks.py)",
    ]


def test_an_unknown_event_is_refused_naming_the_known_ones(sandbox, agent):
    result = agent("webhooks", "--create", "https://hooks.example.com/a", "--events", "message_created,message_deleted")
    assert (result.code, result.stdout) == (2, "")
    assert result.error_lines == [
        f"error: --events: message_deleted is not among Chatwoot 4.10's events: {EVENTS} (--force sends it anyway, "
        "for a newer server)"
    ]
    two = agent("webhooks", "--update", "1", "--events", "typing,inbox_deleted")
    assert two.error_lines[0].startswith("error: --events: typing, inbox_deleted are not among Chatwoot 4.10's events")
    assert sandbox.requests == []
    forced = agent("webhooks", "--create", "https://hooks.example.com/a", "--events", "message_deleted", "--force")
    assert (forced.code, forced.stdout) == (1, "")  # sent; Chatwoot 4.10 refuses it itself
    assert forced.error_lines[0] == "error: HTTP 422 from Chatwoot: Subscriptions Invalid events"
    assert len(webhooks(sandbox)) == 1


@pytest.mark.parametrize(
    "flags",
    [
        ["--create", "https://hooks.example.com/a"],  # no events
        ["--create", "https://hooks.example.com/a", "--events", " , "],
        ["--url", "https://hooks.example.com/a"],  # --url without --update
        ["--update", "1"],  # nothing to change
        ["--create", "https://hooks.example.com/a", "--delete", "1"],
        ["--delete", "0", "--yes"],
    ],
)
def test_webhooks_incomplete_requests_send_nothing(sandbox, agent, flags):
    result = agent("webhooks", *flags)
    assert (result.code, result.stdout) == (2, "")
    assert len(result.error_lines) == 1
    assert sandbox.requests == []


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://files.example.com/hook", "Url is invalid"),
        ("hooks.example.com/chatwoot", "Url is invalid"),
        (SEEDED["url"], "Url has already been taken"),
    ],
)
def test_a_url_chatwoot_refuses_creates_nothing(sandbox, agent, url, message):
    result = agent("webhooks", "--create", url, "--events", "message_created")
    assert (result.code, result.stdout) == (1, "")
    assert result.error_lines[0] == f"error: HTTP 422 from Chatwoot: {message}"
    assert result.error_lines[1].startswith("error: request body kept at ")
    assert len(webhooks(sandbox)) == 1


def test_webhooks_with_an_agent_token_say_they_are_for_administrators(sandbox, agent):
    ana = {"CHATWOOT_API_TOKEN": Sandbox.AGENT_TOKEN}
    for argv in (["webhooks"], ["webhooks", "--create", "https://hooks.example.com/a", "--events", "message_created"]):
        result = agent(*argv, env=ana)
        assert (result.code, result.stdout) == (1, "")
        assert result.error_lines[:2] == [
            "error: HTTP 401 from Chatwoot: You are not authorized to do this action",
            "error: hint: Chatwoot keeps this to administrators, and this token's role in the account is agent "
            "(whoami.py shows it); ask an administrator, or use an administrator's token",
        ]
    assert len(webhooks(sandbox)) == 1


def test_a_signing_secret_is_hidden_unless_asked_for(run, httpserver):
    signed = {**SEEDED, "secret": "whsec_9f8e7d"}  # Chatwoot 4.11.2 and later
    httpserver.expect_request(f"{ACCOUNT_PATH}/webhooks", method="GET").respond_with_json(
        {"payload": {"webhooks": [signed, {**SEEDED, "id": 2, "secret": None}]}}
    )
    hidden = run("webhooks")
    assert hidden.stdout == printed(
        {"payload": {"webhooks": [{**SEEDED, "secret": "…"}, {**SEEDED, "id": 2, "secret": None}]}}
    )
    shown = run("webhooks", "--show-secret")
    assert shown.json["payload"]["webhooks"][0]["secret"] == "whsec_9f8e7d"
    for request, _ in httpserver.log:
        assert_received(request, "GET", f"{ACCOUNT_PATH}/webhooks", query=[])


# ----------------------------------------------------------------------------- verify_webhook

BODY = '{"event":"message_created","content":"Zoë says hi"}'.encode()


def sign(secret: str, timestamp: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def test_verify_webhook_accepts_a_good_signature(run, tmp_path):
    stamp = str(int(time.time()))
    (tmp_path / "body.json").write_bytes(BODY)
    result = run(
        "verify_webhook", "--secret-env", "HOOK_SECRET", "--timestamp", stamp,
        "--signature", sign("s3cr3t", stamp, BODY), str(tmp_path / "body.json"),
        env={"HOOK_SECRET": "s3cr3t"},
    )  # fmt: skip
    assert (result.code, result.stdout, result.stderr) == (0, '{"valid": true}\n', "")


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ("body", "signature does not match"),
        ("secret", "signature does not match"),
        ("timestamp", "signature does not match"),
    ],
)
def test_verify_webhook_rejects_any_change(run, change, reason):
    stamp = str(int(time.time()))
    signature = sign("s3cr3t", stamp, BODY)
    body = BODY + b" " if change == "body" else BODY
    secret = "other" if change == "secret" else "s3cr3t"
    stamp = str(int(stamp) - 1) if change == "timestamp" else stamp
    result = run(
        "verify_webhook", "--secret-env", "HOOK_SECRET", "--timestamp", stamp, "--signature", signature, "-",
        stdin=body, env={"HOOK_SECRET": secret},
    )  # fmt: skip
    assert result.code == 1
    assert result.stdout == printed({"valid": False, "reason": reason})
    assert result.error_lines == ["error: invalid webhook signature"]


def test_verify_webhook_rejects_a_stale_timestamp(run):
    stamp = str(int(time.time()) - 3600)
    result = run(
        "verify_webhook", "--secret-env", "HOOK_SECRET", "--timestamp", stamp,
        "--signature", sign("s3cr3t", stamp, BODY), stdin=BODY, env={"HOOK_SECRET": "s3cr3t"},
    )  # fmt: skip
    assert result.code == 1
    assert json.loads(result.stdout)["valid"] is False
    assert "possibly a replay" in result.stdout
    fresh = run(
        "verify_webhook", "--secret-env", "HOOK_SECRET", "--timestamp", stamp, "--max-age", "0",
        "--signature", sign("s3cr3t", stamp, BODY), stdin=BODY, env={"HOOK_SECRET": "s3cr3t"},
    )  # fmt: skip
    assert fresh.code == 0


def test_verify_webhook_needs_the_secret_variable(run):
    result = run(
        "verify_webhook", "--secret-env", "HOOK_SECRET", "--timestamp", "1", "--signature", "sha256=" + "0" * 64,
        stdin=BODY, env={"HOOK_SECRET": None, "CHATWOOT_API_TOKEN": None, "CHATWOOT_ACCOUNT_ID": None},
    )  # fmt: skip
    assert result.code == 3
    assert result.error_lines == ["error: the environment variable HOOK_SECRET (--secret-env) is not set or empty"]


def test_verify_webhook_checks_the_signature_form(run):
    result = run(
        "verify_webhook", "--secret-env", "HOOK_SECRET", "--timestamp", "1", "--signature", "md5=abc",
        stdin=BODY, env={"HOOK_SECRET": "x"},
    )  # fmt: skip
    assert result.code == 2
    assert result.error_lines == ["error: --signature must look like sha256=<64 hex digits>; got 'md5=abc'"]


def test_the_token_never_reaches_the_webhook_output(run):
    stamp = str(int(time.time()))
    result = run(
        "verify_webhook", "--secret-env", "CHATWOOT_API_TOKEN", "--timestamp", stamp,
        "--signature", sign(TOKEN, stamp, BODY), stdin=BODY,
    )  # fmt: skip
    assert (result.code, result.stdout, result.stderr) == (0, '{"valid": true}\n', "")
    # the runner also asserts the token appears in no output
