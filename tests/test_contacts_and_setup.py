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

CONTACT = {
    "additional_attributes": {"city": "Munich"},
    "availability_status": "offline",
    "email": "jane.doe@example.com",
    "id": 17,
    "name": "Jane D.",
    "phone_number": "+4915112345678",
    "blocked": False,
    "identifier": "cust-1042",
    "thumbnail": "",
    "custom_attributes": {"plan": "enterprise", "seats": 12},
    "created_at": 1768000000,
    "contact_inboxes": [],
}


def compact(document) -> str:
    return json.dumps(document, ensure_ascii=False) + "\n"


def lines(items) -> str:
    return "[\n" + ",\n".join(json.dumps(i, ensure_ascii=False) for i in items) + "\n]\n"


# ----------------------------------------------------------------------------- update_contact


def test_update_contact_sends_only_the_named_fields_with_typed_attributes(httpserver, run):
    httpserver.expect_request(f"{ACCOUNT_PATH}/contacts/17", method="PATCH").respond_with_json({"payload": CONTACT})
    result = run("update_contact", "17", "--name", "Jane D.", "--custom-attr", "seats:=12", "--attr", "city=Munich")
    assert result.code == 0, result.stderr
    assert result.stdout == compact({"payload": CONTACT})
    assert_received(
        only_request(httpserver),
        "PATCH",
        f"{ACCOUNT_PATH}/contacts/17",
        body={"name": "Jane D.", "additional_attributes": {"city": "Munich"}, "custom_attributes": {"seats": 12}},
    )
    assert run.request_files() == []


def test_update_contact_with_nothing_to_change_is_a_usage_error(httpserver, run):
    result = run("update_contact", "17")
    assert result.code == 2
    assert result.error_lines == [
        "error: nothing to update; give at least one of --name, --email, --phone, --identifier, --attr, --custom-attr, "
        "--unset-custom-attr"
    ]
    assert httpserver.log == []


# ----------------------------------------------------------------------------- list_contacts


def test_list_contacts_sort_label_and_page(httpserver, run):
    page = {"meta": {"count": 1, "current_page": "2"}, "payload": [CONTACT]}
    httpserver.expect_request(f"{ACCOUNT_PATH}/contacts").respond_with_json(page)
    result = run("list_contacts", "--sort=-last_activity_at", "--label", "vip", "--label", "b2b", "--page", "2")
    assert result.code == 0, result.stderr
    assert result.stdout == compact(page)
    assert_received(
        only_request(httpserver),
        "GET",
        f"{ACCOUNT_PATH}/contacts",
        query=[("sort", "-last_activity_at"), ("labels[]", "vip"), ("labels[]", "b2b"), ("page", "2")],
    )


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


def test_list_contacts_rejects_an_unknown_sort(httpserver, run):
    result = run("list_contacts", "--sort", "age")
    assert result.code == 2
    assert result.error_lines[0].startswith("error: argument --sort: invalid choice: 'age'")
    assert httpserver.log == []


# ----------------------------------------------------------------------------- delete_contact


def test_delete_contact_needs_yes_and_sends_nothing_without_it(httpserver, run):
    result = run("delete_contact", "17")
    assert result.code == 2
    assert result.error_lines == ["error: deleting contact 17 cannot be undone; add --yes to confirm"]
    assert httpserver.log == []


def test_delete_contact_reports_the_empty_bodied_success(httpserver, run):
    httpserver.expect_request(f"{ACCOUNT_PATH}/contacts/17", method="DELETE").respond_with_data("", status=200)
    result = run("delete_contact", "17", "--yes")
    assert result.code == 0, result.stderr
    assert result.stdout == '{"deleted": true, "contact_id": 17}\n'
    assert_received(only_request(httpserver), "DELETE", f"{ACCOUNT_PATH}/contacts/17")
    assert only_request(httpserver).get_data() == b""


def test_delete_contact_as_an_agent_gets_the_role_hint(httpserver, run):
    httpserver.expect_request(f"{ACCOUNT_PATH}/contacts/17", method="DELETE").respond_with_json(
        {"error": "You are not authorized to do this action"}, status=401
    )
    result = run("delete_contact", "17", "--yes")
    assert result.code == 1
    assert result.error_lines == [
        "error: HTTP 401 from Chatwoot: You are not authorized to do this action",
        "error: hint: the token's user lacks the role for this (administrators only, or not a member of that inbox)",
    ]


# ----------------------------------------------------------------------------- contact_conversations


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


# ----------------------------------------------------------------------------- whoami

PROFILE = {
    "access_token": "profile-secret-token",
    "account_id": 1,
    "available_name": "Ana",
    "email": "ana@example.com",
    "id": 5,
    "name": "Ana Silva",
    "pubsub_token": "pubsub-secret",
    "role": "administrator",  # the role in the account used last in the browser: account 2 here
    "accounts": [
        {"id": 1, "name": "Acme Support", "role": "agent", "status": "active", "availability": "online"},
        {"id": 2, "name": "Side Project", "role": "administrator", "status": "active", "availability": "online"},
    ],
}
SHOWN = {k: v for k, v in PROFILE.items() if k not in ("access_token", "pubsub_token")}


def test_whoami_prints_the_profile_without_its_tokens(httpserver, run):
    httpserver.expect_request("/api/v1/profile").respond_with_json(PROFILE)
    result = run("whoami")
    assert result.code == 0, result.stderr
    account = {"id": 1, "name": "Acme Support", "role": "agent", "status": "active"}  # CHATWOOT_ACCOUNT_ID's
    assert result.stdout == compact({**SHOWN, "account": account})
    assert "secret" not in result.stdout
    assert_received(only_request(httpserver), "GET", "/api/v1/profile")


def test_whoami_says_when_the_account_is_not_the_tokens(httpserver, run):
    httpserver.expect_request("/api/v1/profile").respond_with_json(PROFILE)
    result = run("whoami", env={"CHATWOOT_ACCOUNT_ID": "9"})
    assert result.code == 1
    assert result.stdout == compact({**SHOWN, "account": None})
    assert result.error_lines == [
        "error: CHATWOOT_ACCOUNT_ID=9 is not one of this token's accounts: 1 (Acme Support, agent), "
        "2 (Side Project, administrator); set it to one of them"
    ]


def test_whoami_needs_no_account_id(httpserver, run):
    httpserver.expect_request("/api/v1/profile").respond_with_json(PROFILE)
    result = run("whoami", env={"CHATWOOT_ACCOUNT_ID": None})
    assert result.code == 0, result.stderr
    assert result.stdout == compact(SHOWN)


def test_whoami_with_a_wrong_token(httpserver, run):
    httpserver.expect_request("/api/v1/profile").respond_with_json({"error": "Invalid Access Token"}, status=401)
    result = run("whoami")
    assert result.code == 1
    assert result.error_lines == [
        "error: HTTP 401 from Chatwoot: Invalid Access Token",
        "error: hint: CHATWOOT_API_TOKEN is wrong or revoked; copy it again from Profile Settings → Access Token",
    ]


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
