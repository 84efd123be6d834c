"""What a script needs to run: the CHATWOOT_* settings (bad values refused naming the variable,
never its value; the forms of the base URL, token and account id that work), its two packages
(a missing one named with the command that installs it), and whoami.py, which shows what the
token may do."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from conftest import (
    ACCOUNT_PATH,
    SCRIPTS_DIR,
    TOKEN,
    assert_nothing_sent,
    assert_one_error,
    assert_received,
    only_request,
    printed,
)
from samples import MESSAGE_BODY, MESSAGE_PATH, VALID_CALLS
from sandbox import Sandbox

CONTACT = {"payload": {"id": 17, "name": "Jane Doe", "email": "jane.doe@example.com"}}


# --------------------------------------------------------------------------- configuration: exit 3, nothing sent

BOGUS = "bogus-7731"  # recognisable: the value must never be echoed back

CONFIG_ERRORS = [
    ("CHATWOOT_API_TOKEN", None, "token-missing"),
    ("CHATWOOT_API_TOKEN", " \t\n", "token-blank"),
    ("CHATWOOT_API_TOKEN", f"{BOGUS} with spaces", "token-with-spaces"),
    ("CHATWOOT_ACCOUNT_ID", None, "account-missing"),
    ("CHATWOOT_ACCOUNT_ID", "", "account-empty"),
    ("CHATWOOT_ACCOUNT_ID", "0", "account-zero"),
    ("CHATWOOT_ACCOUNT_ID", BOGUS, "account-word"),
    ("CHATWOOT_ACCOUNT_ID", "-7731", "account-negative"),
    ("CHATWOOT_ACCOUNT_ID", "7731.5", "account-fraction"),
    ("CHATWOOT_BASE_URL", f"ftp://{BOGUS}.example", "base-url-ftp"),
    ("CHATWOOT_BASE_URL", f"{BOGUS}.example", "base-url-no-scheme"),
    ("CHATWOOT_BASE_URL", f"https://{BOGUS}.example/app/accounts/1", "base-url-browser-url"),
    ("CHATWOOT_BASE_URL", f"https://{BOGUS}.example/api/v1/accounts/1/", "base-url-api-url"),
    ("CHATWOOT_BASE_URL", f"http://{BOGUS} host.example", "base-url-space"),
    ("CHATWOOT_BASE_URL", f"http://[{BOGUS}", "base-url-bracket"),
    ("CHATWOOT_BASE_URL", f"http://{BOGUS}.example:99999", "base-url-bad-port"),
    ("CHATWOOT_TIMEOUT", BOGUS, "timeout-word"),
    ("CHATWOOT_TIMEOUT", "0", "timeout-zero"),
    ("CHATWOOT_TIMEOUT", "-7731", "timeout-negative"),
    ("CHATWOOT_TIMEOUT", "nan", "timeout-nan"),
]


@pytest.mark.parametrize(("variable", "value"), [c[:2] for c in CONFIG_ERRORS], ids=[c[2] for c in CONFIG_ERRORS])
def test_bad_configuration_names_the_variable_not_its_value(run, httpserver, variable, value):
    result = run("send_message", "42", "hi", env={variable: value})
    assert result.code == 3, result.stderr
    assert_one_error(result, variable)
    assert "7731" not in result.stderr
    assert_nothing_sent(run, httpserver, result, 3)


@pytest.mark.parametrize("script", sorted(VALID_CALLS))
def test_every_script_needs_the_token(run, httpserver, script):
    result = run(script, *VALID_CALLS[script], env={"CHATWOOT_API_TOKEN": None})
    assert_nothing_sent(run, httpserver, result, 3)
    assert_one_error(result, "CHATWOOT_API_TOKEN")


# --------------------------------------------------------------------------- configuration that works


def test_trailing_slash_in_base_url_is_ignored(run, httpserver):
    httpserver.expect_request(f"{ACCOUNT_PATH}/contacts/17").respond_with_json(CONTACT)
    result = run("get_contact", "17", env={"CHATWOOT_BASE_URL": httpserver.url_for("/") + "/"})
    assert result.code == 0, result.stderr
    assert_received(only_request(httpserver), "GET", f"{ACCOUNT_PATH}/contacts/17")
    assert result.stdout == json.dumps(CONTACT) + "\n"


@pytest.mark.parametrize("suffix", ["", "/"])
def test_base_url_path_prefix_is_honoured(run, httpserver, suffix):
    httpserver.expect_request(f"/chatwoot{ACCOUNT_PATH}/contacts/17").respond_with_json(CONTACT)
    result = run("get_contact", "17", env={"CHATWOOT_BASE_URL": httpserver.url_for("/chatwoot") + suffix})
    assert result.code == 0, result.stderr
    assert_received(only_request(httpserver), "GET", f"/chatwoot{ACCOUNT_PATH}/contacts/17")


def test_base_url_path_prefix_is_honoured_for_writes(run, httpserver):
    httpserver.expect_request(f"/support/chat{MESSAGE_PATH}", method="POST").respond_with_json({"id": 1})
    result = run(
        "send_message", "42", MESSAGE_BODY["content"], env={"CHATWOOT_BASE_URL": httpserver.url_for("/support/chat")}
    )
    assert result.code == 0, result.stderr
    assert_received(only_request(httpserver), "POST", f"/support/chat{MESSAGE_PATH}", body=MESSAGE_BODY)
    assert run.request_files() == []


def test_whitespace_around_token_is_ignored(run, httpserver):
    httpserver.expect_request(f"{ACCOUNT_PATH}/contacts/17").respond_with_json(CONTACT)
    result = run("get_contact", "17", env={"CHATWOOT_API_TOKEN": f"  {TOKEN}\t\n"})
    assert result.code == 0, result.stderr
    assert_received(only_request(httpserver), "GET", f"{ACCOUNT_PATH}/contacts/17")


def test_whitespace_around_account_id_is_ignored(run, httpserver):
    httpserver.expect_request(f"{ACCOUNT_PATH}/contacts/17").respond_with_json(CONTACT)
    result = run("get_contact", "17", env={"CHATWOOT_ACCOUNT_ID": " 1 "})
    assert result.code == 0, result.stderr
    assert_received(only_request(httpserver), "GET", f"{ACCOUNT_PATH}/contacts/17")


def test_host_named_app_is_a_valid_base_url(run):
    # A self-hosted server reached as http://app (a compose service name) has no /app path.
    result = run("set_status", "42", "resolved", "--dry-run", env={"CHATWOOT_BASE_URL": "http://app"})
    assert result.code == 0, result.stderr
    assert result.json["url"] == f"http://app{ACCOUNT_PATH}/conversations/42/toggle_status"


# --------------------------------------------------------------------------- whoami

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
    assert result.stdout == printed({**SHOWN, "account": account})
    assert "secret" not in result.stdout
    assert_received(only_request(httpserver), "GET", "/api/v1/profile")


def test_whoami_says_when_the_account_is_not_the_tokens(httpserver, run):
    httpserver.expect_request("/api/v1/profile").respond_with_json(PROFILE)
    result = run("whoami", env={"CHATWOOT_ACCOUNT_ID": "9"})
    assert result.code == 1
    assert result.stdout == printed({**SHOWN, "account": None})
    assert result.error_lines == [
        "error: CHATWOOT_ACCOUNT_ID=9 is not one of this token's accounts: 1 (Acme Support, agent), "
        "2 (Side Project, administrator); set it to one of them"
    ]


def test_whoami_needs_no_account_id(httpserver, run):
    httpserver.expect_request("/api/v1/profile").respond_with_json(PROFILE)
    result = run("whoami", env={"CHATWOOT_ACCOUNT_ID": None})
    assert result.code == 0, result.stderr
    assert result.stdout == printed(SHOWN)


def test_whoami_with_a_wrong_token(httpserver, run):
    httpserver.expect_request("/api/v1/profile").respond_with_json({"error": "Invalid Access Token"}, status=401)
    result = run("whoami")
    assert result.code == 1
    assert result.error_lines == [
        "error: HTTP 401 from Chatwoot: Invalid Access Token",
        "error: hint: CHATWOOT_API_TOKEN is wrong or revoked; copy it again from Profile Settings → Access Token",
    ]


def test_whoami_shows_the_role_the_token_has_in_the_configured_account(sandbox, run):
    """The administrator is an agent in account 3, and Ana an agent in account 1: "account" says
    so, whatever the profile's own top-level role; no token of the profile is ever shown."""
    run.env.update(sandbox.env())
    seen = {}
    for token, account in ((Sandbox.TOKEN, "1"), (Sandbox.AGENT_TOKEN, "1"), (Sandbox.TOKEN, "3")):
        result = run("whoami", env={"CHATWOOT_API_TOKEN": token, "CHATWOOT_ACCOUNT_ID": account})
        assert (result.code, result.stderr) == (0, "")
        profile = result.json
        seen[profile["name"], account] = (profile["role"], profile["account"])
        assert "access_token" not in profile and "pubsub_token" not in profile
        user = sandbox.user_by_token(token)
        for secret in (token, user["pubsub_token"]):
            assert secret not in result.stdout
    assert seen == {
        ("Owner Admin", "1"): (
            "administrator",
            {"id": 1, "name": "Acme Support", "role": "administrator", "status": "active"},
        ),
        ("Ana Silva", "1"): ("agent", {"id": 1, "name": "Acme Support", "role": "agent", "status": "active"}),
        ("Owner Admin", "3"): (
            "administrator",
            {"id": 3, "name": "Suspended Co", "role": "agent", "status": "suspended"},
        ),
    }
    assert [(r.method, r.path, r.token) for r in sandbox.requests] == [
        ("GET", "/api/v1/profile", Sandbox.TOKEN),
        ("GET", "/api/v1/profile", Sandbox.AGENT_TOKEN),
        ("GET", "/api/v1/profile", Sandbox.TOKEN),
    ]


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
