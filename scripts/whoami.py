#!/usr/bin/env python3
# /// script
# requires-python = ">=3.9"
# dependencies = ["requests>=2.28,<3", "jinja2>=3.0,<4"]
# ///
"""Check the set-up: whose token this is, their role in CHATWOOT_ACCOUNT_ID, and the accounts it can use.

Example:
  python3 scripts/whoami.py
Prints the token's profile {"id", "name", "email", "accounts": [{"id", "name", "role", "status"}...],
"account": {"id", "name", "role", "status"}}: "account" is CHATWOOT_ACCOUNT_ID's entry, and its
"role" (administrator or agent) is what this token may do there (the profile's own top-level
"role" is about the account used last in the browser). Never shows the access or pubsub token.
If CHATWOOT_ACCOUNT_ID is set but not among the accounts, it still prints the profile, says so on
stderr and exits 1. Needs only CHATWOOT_BASE_URL and the token.
"""

from chatwoot_cli import Command, Outcome

SECRET_KEYS = ("access_token", "pubsub_token")
ACCOUNT_KEYS = ("id", "name", "role", "status")


def arguments(parser):
    pass


def run(args, api):
    profile = {key: value for key, value in api.profile().items() if key not in SECRET_KEYS}
    configured = api.config.account_id
    accounts = {account.get("id"): account for account in profile.get("accounts") or [] if isinstance(account, dict)}
    if configured is None:
        return profile
    if configured not in accounts:
        listed = ", ".join(f"{i} ({a.get('name')}, {a.get('role')})" for i, a in accounts.items()) or "none"
        return Outcome(
            {**profile, "account": None},
            [f"CHATWOOT_ACCOUNT_ID={configured} is not one of this token's accounts: {listed}; set it to one of them"],
        )
    return {**profile, "account": {key: accounts[configured].get(key) for key in ACCOUNT_KEYS}}


command = Command(__doc__, arguments, run, needs=("token",))

if __name__ == "__main__":
    command.exit()
