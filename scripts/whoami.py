#!/usr/bin/env python3
# /// script
# requires-python = ">=3.9"
# dependencies = ["requests>=2.28,<3", "jinja2>=3.0,<4"]
# ///
"""Check the set-up: whose token this is, their role, and the accounts it can use.

Example:
  python3 scripts/whoami.py
Prints the token's profile {"id", "name", "email", "role", "accounts": [{"id", "name", "role", ...}]}
(never its access_token or pubsub_token). If CHATWOOT_ACCOUNT_ID is set but not among the accounts,
it still prints the profile, says so on stderr and exits 1. Needs only CHATWOOT_BASE_URL and the token.
"""

from chatwoot_cli import Command, Outcome

SECRET_KEYS = ("access_token", "pubsub_token")


def arguments(parser):
    pass


def run(args, api):
    profile = {key: value for key, value in api.get("/api/v1/profile").items() if key not in SECRET_KEYS}
    configured = api.config.account_id
    accounts = {account.get("id"): account for account in profile.get("accounts") or []}
    if configured is not None and configured not in accounts:
        listed = ", ".join(f"{i} ({a.get('name')})" for i, a in accounts.items()) or "none"
        return Outcome(
            profile,
            [f"CHATWOOT_ACCOUNT_ID={configured} is not one of this token's accounts: {listed}; set it to one of them"],
        )
    return profile


command = Command(__doc__, arguments, run, needs=("token",))

if __name__ == "__main__":
    command.exit()
