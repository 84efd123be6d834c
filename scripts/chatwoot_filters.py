"""Chatwoot's filter language, shared by filter_conversations.py and filter_contacts.py.

This module is imported by those two scripts; it is not an operation. It turns --where
expressions (or a --payload file) into the conditions that POST /conversations/filter and
POST /contacts/filter take, checks standard keys, operators and values against Chatwoot's own
table (lib/filters/filter_keys.yml) before anything is sent, and chains `query_operator` the
way the server needs it: every condition but the last says "AND" or "OR", the last says null.
"""

from __future__ import annotations

import json
import re
import sys
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from chatwoot_client import CONVERSATION_STATUSES, PRIORITIES, UsageError

EQUALITY = ("equal_to", "not_equal_to")
TEXT = (*EQUALITY, "contains", "does_not_contain")
PRESENCE = ("is_present", "is_not_present")
IDS = EQUALITY + PRESENCE
DATES = ("is_greater_than", "is_less_than", "days_before")
OPERATORS = (*TEXT, "starts_with", *PRESENCE, *DATES)

# Standard keys and the operators Chatwoot allows for each, as lib/filters/filter_keys.yml has them in
# Chatwoot 4.10.1; any other key is a custom attribute. BROKEN below lists where the server does not
# do what this table says.
CONVERSATION_KEYS = {
    "status": EQUALITY,
    "priority": EQUALITY,
    "assignee_id": IDS,
    "inbox_id": IDS,
    "team_id": IDS,
    "campaign_id": IDS,
    "display_id": TEXT,
    "labels": IDS,
    "browser_language": EQUALITY,
    "conversation_language": EQUALITY,
    "referer": TEXT,
    "mail_subject": TEXT,
    "created_at": DATES,
    "last_activity_at": DATES,
}
CONTACT_KEYS = {
    "name": TEXT,
    "email": TEXT,
    "phone_number": (*TEXT, "starts_with"),
    "identifier": EQUALITY,
    "country_code": EQUALITY,
    "city": TEXT,
    "company": TEXT,
    "labels": IDS,
    "created_at": DATES,
    "last_activity_at": DATES,
    "blocked": EQUALITY,  # a boolean; its operators come from Chatwoot's filter_keys.yml
}
KEYS = {"conversations": CONVERSATION_KEYS, "contacts": CONTACT_KEYS}

# What Chatwoot 4.10.1's app/services/filter_service.rb computes wrongly, so the scripts refuse it
# (or, where the same set can be asked another way, send that instead: see `_rewrite`).
BROKEN = {
    # filter_operation has no starts_with branch: its `else` compares with `=`, an exact match.
    "starts_with": "Chatwoot 4.10 evaluates starts_with as an exact match; use ~ (contains), or = for an exact value",
    # display_id is an integer column and contains builds ILIKE on it: PostgreSQL fails (HTTP 500).
    "display_id~": "Chatwoot 4.10 answers contains on display_id with an HTTP 500; use display_id=N (or =N,M,…)",
}

ID_KEYS = ("assignee_id", "inbox_id", "team_id", "campaign_id", "display_id")
DATE_KEYS = ("created_at", "last_activity_at")
CHOICES = {
    ("conversations", "status"): (*CONVERSATION_STATUSES, "all"),
    ("conversations", "priority"): PRIORITIES,
    ("contacts", "blocked"): (True, False),
}

# How each operator is written in --where (the two-character forms first, for matching).
SYMBOLS = {
    "!=": "not_equal_to",
    "!~": "does_not_contain",
    "!?": "is_not_present",
    "=": "equal_to",
    "~": "contains",
    "^": "starts_with",
    "?": "is_present",
    ">": "is_greater_than",
    "<": "is_less_than",
}
WRITTEN = {**{name: symbol for symbol, name in SYMBOLS.items()}, "days_before": "<today-N"}
EXPRESSION = re.compile(
    r"\s*(?P<key>[\w.-]+)\s*(?P<op>" + "|".join(re.escape(s) for s in SYMBOLS) + r")(?P<value>.*)", re.DOTALL
)
TODAY = re.compile(r"today(?:\s*-\s*([0-9]{1,5}))?")
CUSTOM = "custom."
QUOTING = "quote each expression, e.g. --where 'created_at>2026-01-01' (< > ? ! are special to the shell)"


def add_filter_arguments(parser, example: str) -> None:
    """--where EXPR... or --payload FILE, and --any: the same for both filter scripts."""
    source = parser.add_mutually_exclusive_group()
    source.add_argument(
        "--where",
        action="extend",
        nargs="+",
        metavar="EXPR",
        help=f"one or more conditions, e.g. --where {example} (repeatable; syntax below)",
    )
    source.add_argument(
        "--payload", metavar="FILE", help="a raw Chatwoot filter payload in a JSON file ('-' reads stdin)"
    )
    parser.add_argument("--any", action="store_true", help="match when any --where condition holds (OR), not all")


def where_help(entity: str) -> str:
    """The --where syntax and the standard keys of one entity, for the end of --help."""
    lines = [
        "",
        "--where syntax; quote each expression (< > ? ! are special to the shell):",
        "  KEY=A,B      equal_to (any of A, B)     KEY!=A,B     not_equal_to (none of them)",
        "  KEY~TEXT     contains                   KEY!~TEXT    does_not_contain",
        "  KEY^TEXT     starts_with (a contact's phone_number: +49…; sent as contains, which Chatwoot gets right)",
        "  KEY?         is_present                 KEY!?        is_not_present",
        "  KEY>DATE     is_greater_than (after)    KEY<DATE     is_less_than (before); DATE is YYYY-MM-DD",
        "  KEY<today-N  days_before N: before the day N days ago (Chatwoot counts the days)",
        "  KEY>today-N  is_greater_than the date N days ago (counted on this machine)",
        "  custom.KEY   a custom attribute (any operator, one value; Chatwoot checks the key)",
        "  \\, is a literal comma. Several conditions must all hold; with --any, one is enough.",
        "  KEY!=V leaves out records where KEY is empty (Chatwoot compares in SQL, where NULL is never unequal).",
    ]
    if entity == "contacts":
        lines.append("  Chatwoot compares one value per contact condition: use several --where and --any.")
        lines.append("  phone_number=+49... : the + is dropped, since Chatwoot adds it.")
    lines.append(f"standard keys of {entity} (operators; values):")
    groups: dict = {}
    for key, operators in KEYS[entity].items():
        groups.setdefault((operators, _value_note(entity, key)), []).append(key)
    for (operators, note), keys in groups.items():
        written = " ".join(WRITTEN[o] for o in operators)
        lines.append(f"  {', '.join(keys):<44} {written:<22} {note}".rstrip())
    return "\n".join(lines) + "\n"


def _value_note(entity: str, key: str) -> str:
    if (entity, key) in CHOICES:
        return ", ".join(_show(v) for v in CHOICES[entity, key])
    if key in ID_KEYS:
        return "ids" if key != "display_id" else "conversation ids (~ and !~ are an HTTP 500 in Chatwoot 4.10)"
    if key == "labels":
        return "label names"
    if key in DATE_KEYS:
        return "YYYY-MM-DD or today-N"
    return ""


def _show(value: Any) -> str:
    return json.dumps(value) if isinstance(value, bool) else str(value)


def _allowed(key: str, operators: tuple) -> str:
    return f"{key} takes " + ", ".join(f"{WRITTEN[o]} ({o})" for o in operators)


# --------------------------------------------------------------------------- --where


def parse_where(text: str, entity: str) -> dict:
    """One --where expression as a Chatwoot condition {attribute_key, filter_operator, values}."""
    where = f"--where {text!r}"
    match = EXPRESSION.fullmatch(text)
    if not match:
        raise UsageError(
            f"{where}: expected KEY=VALUE, KEY!=VALUE, KEY~TEXT, KEY?, KEY>DATE… with a key such as "
            f"{', '.join(list(KEYS[entity])[:4])}; {QUOTING}"
        )
    key, symbol, raw = match.group("key"), match.group("op"), match.group("value").strip()
    custom = key.startswith(CUSTOM)
    if custom:
        key = key[len(CUSTOM) :]
        if not key:
            raise UsageError(f"{where}: name the custom attribute after custom., e.g. custom.order_id=A-1")
        if key in KEYS[entity]:
            raise UsageError(f"{where}: {key} is a standard key (Chatwoot would read it as one); write {key}{symbol}…")
    elif key not in KEYS[entity]:
        raise UsageError(
            f"{where}: {key} is not a standard {entity[:-1]} key; the standard keys are "
            f"{', '.join(KEYS[entity])}; write custom.{key} for a custom attribute"
        )
    operator = SYMBOLS[symbol]
    if symbol in "<>" and raw.startswith("="):
        raise UsageError(f"{where}: there is no {symbol}= ; Chatwoot's {operator} is strict, so move the date by a day")
    today = TODAY.fullmatch(raw) if symbol in "<>" else None
    if today and symbol == "<":
        operator = "days_before"
    if not custom and operator not in KEYS[entity][key]:
        raise UsageError(
            f"{where}: {key} does not take {WRITTEN[operator]} ({operator}); {_allowed(key, KEYS[entity][key])}"
        )
    _refuse_broken(key, operator, custom, where)
    if operator in PRESENCE:
        if raw:
            raise UsageError(f"{where}: {key}{symbol} ({operator}) takes no value")
        values: list = []
    elif not raw:
        raise UsageError(f"{where}: {key}{symbol} needs a value after {symbol}")
    elif today:
        days = int(today.group(1) or 0)
        values = [days] if operator == "days_before" else [(date.today() - timedelta(days=days)).isoformat()]
    else:
        parts = re.split(r"(?<!\\),", raw) if operator in EQUALITY else [raw]
        values = [part.strip().replace("\\,", ",") for part in parts]
        if not all(values):
            raise UsageError(f"{where}: an empty value between commas (write \\, for a literal comma)")
        if len(values) > 1 and (custom or entity == "contacts"):
            what = "a custom attribute" if custom else "a contact"
            raise UsageError(
                f"{where}: Chatwoot compares only the first value of {what} condition; give one value "
                "per --where and add --any to match any of them (\\, is a literal comma)"
            )
    if not custom:
        values = [_convert(entity, key, operator, v) for v in values]
    item = _rewrite({"attribute_key": key, "filter_operator": operator, "values": values}, entity)
    check_item(item, entity, where)
    return item


def _refuse_broken(key: str, operator: str, custom: bool, where: str) -> None:
    if key == "display_id" and operator in ("contains", "does_not_contain"):
        raise UsageError(f"{where}: {BROKEN['display_id~']}")
    if operator == "starts_with" and (custom or key != "phone_number"):
        raise UsageError(f"{where}: {BROKEN['starts_with']}")


def _rewrite(item: dict, entity: str) -> dict:
    """A contact's phone_number starts_with +49 is sent as contains +49: Chatwoot would compare it
    exactly, and an E.164 number holds its + only at the start, so both ask for the same set."""
    if entity == "contacts" and item["attribute_key"] == "phone_number" and item["filter_operator"] == "starts_with":
        digits = str(item["values"][0]).lstrip("+")
        return {**item, "filter_operator": "contains", "values": [f"+{digits}"]}
    return item


def _convert(entity: str, key: str, operator: str, value: Any) -> Any:
    """Give a --where string the JSON type Chatwoot expects (ids are numbers, blocked a boolean)."""
    if not isinstance(value, str):
        return value
    if (entity, key) in CHOICES:
        lowered = value.lower()
        return {"true": True, "false": False}.get(lowered, lowered) if key == "blocked" else lowered
    if key in ID_KEYS and operator in EQUALITY and re.fullmatch(r"[0-9]+", value):
        return int(value)
    if entity == "contacts" and key == "phone_number" and operator in EQUALITY:
        return value[1:] if value.startswith("+") else value  # Chatwoot prepends the +
    return value


# --------------------------------------------------------------------------- checks


def check_item(item: dict, entity: str, where: str) -> None:
    """Check one condition (built from --where or read from --payload) against Chatwoot's table."""
    key, operator, values = item["attribute_key"], item["filter_operator"], item["values"]
    if key not in KEYS[entity]:
        return  # a custom attribute: Chatwoot checks that the account defines it
    allowed = KEYS[entity][key]
    if operator not in allowed:
        raise UsageError(f"{where}: {key} does not take {operator}; {_allowed(key, allowed)}")
    if operator in PRESENCE:
        return
    if not values:
        raise UsageError(f"{where}: {key} {operator} needs at least one value")
    for value in values:
        problem = _value_problem(entity, key, operator, value)
        if problem:
            raise UsageError(f"{where}: {problem}, got {json.dumps(value, ensure_ascii=False)}")


def _value_problem(entity: str, key: str, operator: str, value: Any) -> str | None:
    if (entity, key) in CHOICES:
        choices = CHOICES[entity, key]
        if value not in choices or isinstance(value, bool) != isinstance(choices[0], bool):
            return f"{key} must be one of {', '.join(_show(c) for c in choices)}"
    elif key in ID_KEYS:
        if operator in EQUALITY and not (type(value) is int and value > 0):
            return f"{key} {operator} takes positive integer ids"
        if operator not in EQUALITY and not (isinstance(value, str) and re.fullmatch(r"[0-9]+", value)):
            return f"{key} {operator} takes digits, e.g. {key}~12"
    elif key in DATE_KEYS and operator == "days_before":
        if not (type(value) is int and value >= 0) and not (isinstance(value, str) and value.isdigit()):
            return f"{key} days_before takes a number of days (written {key}<today-7)"
    elif key in DATE_KEYS:
        if not (isinstance(value, str) and _is_date(value)):
            return f"{key} {operator} takes a date as YYYY-MM-DD (or today-N), e.g. {key}>2026-01-31"
    elif not isinstance(value, str):
        return f"{key} takes text"
    return None


def _is_date(text: str) -> bool:
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
        return False
    try:
        datetime.strptime(text, "%Y-%m-%d")
    except ValueError:
        return False
    return True


# --------------------------------------------------------------------------- --payload FILE


def load_payload(source: str, entity: str) -> list:
    """A raw Chatwoot payload from a JSON file ('-' is stdin): a list of conditions, or {"payload": [...]}."""
    name = "--payload -" if source == "-" else f"--payload {source}"
    try:
        raw = sys.stdin.buffer.read() if source == "-" else Path(source).read_bytes()
    except OSError as problem:
        raise UsageError(f"{name}: cannot read it ({problem.strerror or problem})") from None
    try:
        document = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as problem:
        raise UsageError(f"{name} is not UTF-8 text (bad byte at offset {problem.start})") from None
    except ValueError as problem:
        raise UsageError(f"{name} is not JSON ({problem})") from None
    if isinstance(document, dict):
        if set(document) != {"payload"}:
            extra = ", ".join(sorted(set(document) - {"payload"})) or "no payload key"
            raise UsageError(
                f'{name}: expected {{"payload": [condition...]}} only ({extra}); use --page N for the page'
            )
        document = document["payload"]
    if not isinstance(document, list) or not document:
        raise UsageError(f'{name}: expected a non-empty list of conditions, or {{"payload": [condition...]}}')
    items = []
    for number, item in enumerate(document, 1):
        where = f"{name}, condition {number}"
        items.append(_checked_payload_item(item, entity, where, last=number == len(document)))
    return items


def _checked_payload_item(item: Any, entity: str, where: str, last: bool) -> dict:
    if not isinstance(item, dict):
        raise UsageError(f"{where}: expected an object with attribute_key, filter_operator, values, query_operator")
    key, operator = item.get("attribute_key"), item.get("filter_operator")
    if not isinstance(key, str) or not key.strip():
        raise UsageError(f"{where}: attribute_key must be a key such as {', '.join(list(KEYS[entity])[:4])}")
    if operator not in OPERATORS:
        raise UsageError(f"{where}: filter_operator must be one of {', '.join(OPERATORS)}")
    values = item.get("values", [])
    if not isinstance(values, list) or any(v is None or isinstance(v, (dict, list)) for v in values):
        raise UsageError(f'{where}: values must be a list of strings or numbers, e.g. ["open"]')
    joiner = item.get("query_operator")
    if last and joiner is not None:
        raise UsageError(
            f"{where}: the last condition's query_operator must be null (Chatwoot joins conditions with it)"
        )
    if not last and not (isinstance(joiner, str) and joiner.upper() in ("AND", "OR")):
        raise UsageError(f'{where}: query_operator must be "AND" or "OR" on every condition but the last')
    checked = {**item, "values": values, "query_operator": joiner}  # other keys travel as given
    check_item(checked, entity, where)
    _refuse_broken(key, operator, key not in KEYS[entity], where)
    return _rewrite(checked, entity)


# --------------------------------------------------------------------------- the payload


def chain(items: list, joiner: str = "AND") -> list:
    """Chatwoot joins condition i to i+1 with item i's query_operator: the last one is null."""
    return [{**item, "query_operator": joiner if number < len(items) else None} for number, item in enumerate(items, 1)]


def _spoiled(item: dict) -> bool:
    """Whether a conversation condition is cut to its first value, lowercased, when it comes after a
    custom-attribute one: filter_service.rb keeps @custom_attribute_type set for the rest of the
    payload, and case_insensitive_values then applies to string values of =, != and labels."""
    values = item.get("values") or []
    if item["attribute_key"] in ("status", "priority") or not values or not isinstance(values[0], str):
        return False
    return item["attribute_key"] == "labels" or item["filter_operator"] in EQUALITY


def custom_last(items: list, entity: str, source: str) -> list:
    """The conditions with the custom-attribute ones moved last, where nothing after one would be
    spoiled by it (see `_spoiled`). With one joiner throughout, order does not change the set; with
    mixed joiners (a --payload file) a condition that would be spoiled is refused."""
    if entity != "conversations":
        return items
    custom = [item["attribute_key"] not in KEYS[entity] for item in items]
    first = custom.index(True) if True in custom else len(items)
    if not any(_spoiled(item) for item in items[first + 1 :]):
        return items
    joiners = {str(item.get("query_operator") or "").upper() for item in items[:-1]}
    if len(joiners) > 1:
        raise UsageError(
            f"{source}: after a custom-attribute condition, Chatwoot 4.10 keeps only the first value, lowercased, "
            "of each later =, != or labels condition; put the custom-attribute conditions last"
        )
    ordered = [item for item, is_custom in zip(items, custom) if not is_custom]
    ordered += [item for item, is_custom in zip(items, custom) if is_custom]
    return chain(ordered, joiners.pop() if joiners else "AND")


def filter_payload(args, entity: str) -> list:
    """The checked conditions from --where/--any or from --payload FILE; a problem is exit 2."""
    if getattr(args, "payload", None) is not None:
        if args.any:
            raise UsageError("--any joins --where conditions; in a --payload file set each query_operator instead")
        source = "--payload -" if args.payload == "-" else f"--payload {args.payload}"
        return custom_last(load_payload(args.payload, entity), entity, source)
    if not args.where:
        raise UsageError(f"give at least one --where condition such as status=open (or --payload FILE); {QUOTING}")
    items = [parse_where(text, entity) for text in args.where]
    return custom_last(chain(items, "OR" if args.any else "AND"), entity, "--where")
