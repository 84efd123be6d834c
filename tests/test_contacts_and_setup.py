"""Contacts beyond the seed (update, list, delete, a contact's conversations), priority,
teams, canned responses, whoami and webhook verification: the exact requests and outputs."""

from __future__ import annotations

import hashlib
import hmac
import json
import time

import pytest
from conftest import ACCOUNT_PATH, TOKEN, assert_received, only_request
from werkzeug.datastructures import MultiDict

CONVERSATION = {"meta": {"sender": {"name": "Jane Doe"}, "channel": "Channel::Api"}, "id": 42, "status": "open"}


def compact(document) -> str:
    return json.dumps(document, ensure_ascii=False) + "\n"


def lines(items) -> str:
    return "[\n" + ",\n".join(json.dumps(i, ensure_ascii=False) for i in items) + "\n]\n"


# ----------------------------------------------------------------------------- list_contacts


def test_list_contacts_all_walks_15_a_page(httpserver, run):
    people = [{"id": n, "name": f"P{n}", "email": f"p{n}@example.com"} for n in range(1, 33)]
    for number, chunk in enumerate([people[:15], people[15:30], people[30:]], 1):
        httpserver.expect_oneshot_request(
            f"{ACCOUNT_PATH}/contacts", query_string={"sort": "created_at", "page": str(number)}
        ).respond_with_json({"meta": {"count": 32, "current_page": str(number)}, "payload": chunk})
    result = run("list_contacts", "--all", "--summary")
    assert result.code == 0, result.stderr
    shown = [
        {"id": p["id"], "name": p["name"], "email": p["email"], "phone_number": None, "identifier": None}
        for p in people
    ]
    assert result.stdout == lines(shown)
    assert [r.args["page"] for r, _ in httpserver.log] == ["1", "2", "3"]
    assert "fetching page 3 (30 so far)" in result.stderr


# ----------------------------------------------------------------------------- contact_conversations


def test_contact_conversations_summary(httpserver, run):
    httpserver.expect_request(f"{ACCOUNT_PATH}/contacts/17/conversations").respond_with_json(
        {"payload": [CONVERSATION]}
    )
    result = run("contact_conversations", "17", "--summary")
    assert result.code == 0, result.stderr
    assert result.stdout == lines(
        [
            {
                "id": 42, "status": "open", "priority": None, "contact": "Jane Doe", "contact_id": None,
                "inbox_id": None, "assignee": None, "team": None, "labels": [], "unread": None, "waiting_since": None,
                "last_message": None,
            }
        ]
    )  # fmt: skip


# ----------------------------------------------------------------------------- set_priority


@pytest.mark.parametrize(("priority", "body"), [("urgent", {"priority": "urgent"}), ("low", {"priority": "low"})])
def test_set_priority(httpserver, run, priority, body):
    path = f"{ACCOUNT_PATH}/conversations/42/toggle_priority"
    httpserver.expect_request(path, method="POST").respond_with_data("", status=200)
    result = run("set_priority", "42", priority)
    assert result.code == 0, result.stderr
    assert result.stdout == compact({"conversation_id": 42, "priority": priority})
    assert_received(only_request(httpserver), "POST", path, body=body)


def test_set_priority_none_clears_without_sending_none(httpserver, run):
    path = f"{ACCOUNT_PATH}/conversations/42/toggle_priority"
    httpserver.expect_request(path, method="POST").respond_with_data("", status=200)
    result = run("set_priority", "42", "none")
    assert result.code == 0, result.stderr
    assert result.stdout == '{"conversation_id": 42, "priority": null}\n'
    assert_received(only_request(httpserver), "POST", path, body={})
    assert b"none" not in only_request(httpserver).get_data()


def test_set_priority_rejects_unknown_values_before_sending(httpserver, run):
    result = run("set_priority", "42", "critical")
    assert result.code == 2
    assert "invalid choice: 'critical'" in result.error_lines[0]
    assert httpserver.log == []


# ----------------------------------------------------------------------------- teams, canned responses


def test_list_teams_summary(httpserver, run):
    teams = [{"id": 2, "name": "billing", "description": "", "allow_auto_assign": True, "account_id": 1}]
    httpserver.expect_request(f"{ACCOUNT_PATH}/teams").respond_with_json(teams)
    result = run("list_teams", "--summary")
    assert result.stdout == lines([{"id": 2, "name": "billing"}])
    result = run("list_teams")
    assert result.stdout == lines(teams)  # any array of objects prints one object a line


def test_canned_responses_search(httpserver, run):
    rows = [{"id": 1, "account_id": 1, "short_code": "refund", "content": "We've processed your refund."}]
    httpserver.expect_request(f"{ACCOUNT_PATH}/canned_responses", query_string="search=refund").respond_with_json(rows)
    result = run("canned_responses", "--search", "refund")
    assert result.code == 0, result.stderr
    assert result.stdout == lines(rows)
    assert_received(only_request(httpserver), "GET", f"{ACCOUNT_PATH}/canned_responses", query=[("search", "refund")])


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
    assert result.stdout == compact({"valid": False, "reason": reason})
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
    assert result.code == 0  # the runner also asserts the token appears in no output


# ----------------------------------------------------------------------------- list query helpers


def test_repeated_labels_survive_in_order(httpserver, run):
    httpserver.expect_request(
        f"{ACCOUNT_PATH}/conversations/meta", query_string=MultiDict([("labels[]", "a"), ("labels[]", "b")])
    ).respond_with_json({"meta": {"all_count": 1}})
    result = run("conversation_counts", "--label", "a", "--label", "b")
    assert result.code == 0, result.stderr
