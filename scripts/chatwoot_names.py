"""Agents, teams and inboxes named as a person would name them — an id, a name, or (agents) an
e-mail — checked against the account before anything is sent, and the token's own role.
Each list is read once per run (once for a whole bulk call)."""

from __future__ import annotations

import argparse
import unicodedata
from typing import Any

from chatwoot_cli import Parser, positive_id
from chatwoot_client import CONVERSATION_STATUSES, Api, UsageError


class Kind:
    """One kind of named thing: where Chatwoot lists it and which fields name it."""

    def __init__(self, noun: str, path: str, names: tuple, where: str, plural: str = ""):
        self.noun = noun
        self.plural = plural or f"{noun}s"
        self.path = path
        self.names = names  # the fields a name is matched against, first exactly, then as a substring
        self.where = where  # the script that lists them

    def rows(self, api: Api) -> list[dict]:
        def fetch() -> list[dict]:
            document = api.get(self.path)
            rows = document.get("payload") if isinstance(document, dict) else document
            return [row for row in rows or [] if isinstance(row, dict)]

        return api.remember(self.path, fetch)

    def by_id(self, api: Api, number: int | None) -> dict:
        """The row with this id, or {} (for what is only looked up, never asked for by the user)."""
        return next((row for row in self.rows(api) if row.get("id") == number), {})


AGENT = Kind("agent", "/agents", ("name", "available_name", "email"), "list_agents.py")
TEAM = Kind("team", "/teams", ("name",), "list_teams.py")
INBOX = Kind("inbox", "/inboxes", ("name",), "list_inboxes.py", "inboxes")
LABEL = Kind("label", "/labels", ("title",), "the labels page in Chatwoot")


def _fold(text: Any) -> str:
    return unicodedata.normalize("NFKC", str(text or "")).casefold()


def _line(row: dict) -> str:
    """A candidate as `id  name  e-mail` (a label's name is its title)."""
    parts = (row.get("id"), row.get("name") or row.get("title"), row.get("email") or "")
    return "  ".join(str(part) for part in parts if part != "").rstrip()


def resolve(api: Api, kind: Kind, value: str | int) -> dict:
    """The one agent, team or inbox `value` names (its id, a name, an agent's e-mail), or exit 2
    listing the candidates; nothing is sent before it is known."""
    rows = kind.rows(api)
    text = str(value).strip()
    if text.isdigit():
        matches = [row for row in rows if row.get("id") == int(text)]
        problem = f"no {kind.noun} has the id {text} in this account"
    else:
        wanted = _fold(text)
        matches = [row for row in rows if any(_fold(row.get(field)) == wanted for field in kind.names)]
        if not matches:
            matches = [row for row in rows if any(wanted in _fold(row.get(field)) for field in kind.names)]
        problem = f"no {kind.noun} is named {text!r}"
    if len(matches) == 1:
        return matches[0]
    if matches:
        listed, head = matches, f"{len(matches)} {kind.plural} match {text!r}; name one of them (or give its id)"
    else:
        listed, head = rows, f"{problem}; the {kind.plural} this token can see ({kind.where}) are"
    raise UsageError(head + ":", *(f"  {_line(row)}" for row in listed))


def add_named(parser: Parser, kind: Kind, flag: str, legacy: str | None, *, required: bool = False, help: str = "",
              group=None) -> None:  # fmt: skip
    """--agent A (an id, a name or an e-mail), --team T, --inbox I; the older --agent-id N style
    flag stays, checked the same way. Both land in args.<noun>. `group`: a mutually exclusive
    group to join (else they form their own)."""
    group = group if group is not None else parser.add_mutually_exclusive_group(required=required)
    by = "id, name or e-mail" if kind is AGENT else "id or name"
    group.add_argument(flag, dest=kind.noun, metavar=kind.noun.upper()[0], help=f"{help} (its {by}; {kind.where})")
    if legacy:
        group.add_argument(legacy, dest=kind.noun, type=positive_id, metavar="N", help="the same, by id")


def named_id(api: Api, kind: Kind, value: str | int | None) -> int | None:
    """The id of what `value` names, checked; None when no value was given."""
    return None if value is None else resolve(api, kind, value)["id"]


def account_role(api: Api) -> str | None:
    """The token's role in CHATWOOT_ACCOUNT_ID ("administrator" or "agent"), from its profile."""
    profile = api.profile()
    accounts = profile.get("accounts") if isinstance(profile, dict) else None
    for account in accounts or []:
        if isinstance(account, dict) and account.get("id") == api.config.account_id:
            return account.get("role")
    return None


def profile_id(api: Api) -> int | None:
    profile = api.profile()
    return profile.get("id") if isinstance(profile, dict) else None


def add_conversation_filters(parser: Parser) -> None:
    """The filters list_conversations.py and conversation_counts.py share."""
    parser.add_argument(
        "--status",
        choices=(*CONVERSATION_STATUSES, "all"),
        help="default: open (ignored by Chatwoot when --query is given)",
    )
    add_named(parser, INBOX, "--inbox", "--inbox-id", help="only this inbox")
    add_named(parser, TEAM, "--team", "--team-id", help="only this team")
    parser.add_argument("--label", action="append", metavar="L", help="having this label (repeat for any of several)")
    parser.add_argument("--query", metavar="Q", help="only conversations whose messages contain Q")


def conversation_filter_params(args: argparse.Namespace, api: Api) -> dict:
    """The query of those filters, the inbox and team checked (an unknown one would list nothing)."""
    return {
        "status": args.status,
        "inbox_id": named_id(api, INBOX, args.inbox),
        "team_id": named_id(api, TEAM, args.team),
        "labels[]": args.label,
        "q": args.query,
    }
