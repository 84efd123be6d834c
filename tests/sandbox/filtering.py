"""The filter engine behind POST .../contacts/filter and .../conversations/filter: keys, checks, predicates."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Callable

from .helpers import _blank, _Fail, _int_or_none, _parse_when, _server_error, _truthy
from .store import Store

# filter definitions (lib/filters/filter_keys.yml)

_EQ = ["equal_to", "not_equal_to"]
_TEXT = ["equal_to", "not_equal_to", "contains", "does_not_contain"]
_PRESENCE = ["equal_to", "not_equal_to", "is_present", "is_not_present"]
_DATE = ["is_greater_than", "is_less_than", "days_before"]
_CUSTOM = [
    "equal_to",
    "not_equal_to",
    "contains",
    "does_not_contain",
    "starts_with",
    "is_present",
    "is_not_present",
    "is_greater_than",
    "is_less_than",
    "days_before",
]

# key -> (kind, allowed operators); order is the order listed in error messages
_CONTACT_FILTER_KEYS: dict[str, tuple[str, list[str]]] = {
    "name": ("text", _TEXT),
    "phone_number": ("phone", [*_TEXT, "starts_with"]),
    "email": ("text", _TEXT),
    "identifier": ("text", _EQ),
    "country_code": ("text", _EQ),
    "city": ("text", _TEXT),
    "company": ("text", _TEXT),
    "labels": ("labels", _PRESENCE),
    "created_at": ("date", _DATE),
    "last_activity_at": ("date", _DATE),
    "blocked": ("bool", _EQ),
}
_CONVERSATION_FILTER_KEYS: dict[str, tuple[str, list[str]]] = {
    "status": ("enum", _EQ),
    "priority": ("enum", _EQ),
    "assignee_id": ("id", _PRESENCE),
    "inbox_id": ("id", _PRESENCE),
    "team_id": ("id", _PRESENCE),
    "campaign_id": ("id", _PRESENCE),
    "display_id": ("display", _TEXT),
    "labels": ("labels", _PRESENCE),
    "browser_language": ("text", _EQ),
    "conversation_language": ("text", _EQ),
    "referer": ("text", _TEXT),
    "mail_subject": ("text", _TEXT),
    "created_at": ("date", _DATE),
    "last_activity_at": ("date", _DATE),
}
_CONTACT_CUSTOM_DEFINED = ["plan", "seats", "signup_source"]
_CONVERSATION_CUSTOM_DEFINED = ["order_id", "refund_amount"]


class Filtering(Store):
    """Turns a filter payload into a predicate on the internal rows (422 and 500 as Chatwoot answers)."""

    def _compile_filter(
        self,
        payload: Any,
        keys: dict[str, tuple[str, list[str]]],
        custom_keys: set[str],
        getter: Callable[[str], Callable[[dict], Any]],
        *,
        first_value_only: bool,
    ) -> Callable[[dict], bool]:
        if payload is None:
            raise _server_error()  # `params[:payload].each` on nil
        if not isinstance(payload, list):
            raise _server_error()
        predicates = []
        for item in payload:
            if not isinstance(item, dict):
                raise _server_error()
            query_operator = item.get("query_operator")
            if not _blank(query_operator) and str(query_operator).upper() not in ("AND", "OR"):
                raise _Fail(422, {"error": 'Query operator must be either "AND" or "OR".'})
            key = item.get("attribute_key")
            operator = item.get("filter_operator")
            values = item.get("values")
            if values is None:
                values = []
            elif not isinstance(values, list):
                values = [values]
            if key in keys:
                kind, allowed = keys[key]
            elif key in custom_keys:
                kind, allowed = "custom", _CUSTOM
            else:
                raise _Fail(
                    422,
                    {
                        "error": f"Invalid attribute key - [{key}]. The key should be one of "
                        f"[{','.join(keys)}] or a custom attribute defined in the account."
                    },
                )
            if operator not in allowed:
                raise _Fail(
                    422, {"error": f"Invalid operator. The allowed operators for {key} are [{','.join(allowed)}]."}
                )
            if operator not in ("is_present", "is_not_present") and not [v for v in values if not _blank(v)]:
                raise _Fail(422, {"error": f"Invalid value. The values provided for {key} are invalid"})
            predicates.append(self._condition(kind, key, operator, values, getter(key), first_value_only))
        # The SQL is "cond1 <op1> cond2 <op2> ...": every item but the last needs AND/OR, the last none.
        last = len(payload) - 1
        operators = []
        for index, item in enumerate(payload):
            op = str(item.get("query_operator") or "").upper()
            if (index < last and op not in ("AND", "OR")) or (index == last and op):
                raise _server_error()
            operators.append(op)
        groups: list[list[Callable[[dict], bool]]] = [[predicates[0]]] if predicates else []
        for index in range(1, len(predicates)):
            if operators[index - 1] == "AND":
                groups[-1].append(predicates[index])
            else:
                groups.append([predicates[index]])
        if not groups:
            return lambda row: True
        return lambda row: any(all(p(row) for p in group) for group in groups)

    def _condition(
        self, kind: str, key: str, operator: str, values: list, get: Callable[[dict], Any], first_value_only: bool
    ) -> Callable[[dict], bool]:
        if operator in ("is_present", "is_not_present"):
            wanted = operator == "is_present"
            return lambda row: (not _blank(get(row))) == wanted
        if operator in ("is_greater_than", "is_less_than", "days_before"):
            if kind == "custom" and operator != "days_before" and _int_or_none(values[0]) is not None:
                bound = float(values[0])
            elif operator == "days_before":
                days = _int_or_none(values[0])
                if days is None:
                    raise _server_error()
                today = datetime.fromtimestamp(self._now(), tz=timezone.utc).replace(
                    hour=0, minute=0, second=0, microsecond=0
                )
                bound = today.timestamp() - days * 86400
            else:
                bound = _parse_when(values[0])

            def compare(row: dict) -> bool:
                value = get(row)
                if value is None or isinstance(value, bool):
                    return False
                if not isinstance(value, (int, float)):
                    try:
                        value = _parse_when(value)
                    except _Fail:
                        return False
                return value > bound if operator == "is_greater_than" else value < bound

            return compare
        if kind == "labels":
            wanted_labels = {str(v) for v in values}
            if operator == "equal_to":
                return lambda row: bool(set(get(row)) & wanted_labels)
            return lambda row: not (set(get(row)) & wanted_labels)
        if kind == "bool":
            flag = _truthy(values[0])
            return lambda row: (bool(get(row)) == flag) == (operator == "equal_to")
        if kind in ("id", "display"):
            ids = {_int_or_none(v) for v in values} - {None}
            if operator == "equal_to":
                return lambda row: get(row) is not None and get(row) in ids
            if operator == "not_equal_to":
                return lambda row: get(row) is not None and get(row) not in ids
            needle = str(values[0])
            if operator == "contains":
                return lambda row: needle in str(get(row))
            return lambda row: needle not in str(get(row))
        if kind == "enum":
            names = {str(v).lower() for v in values}
            if operator == "equal_to":
                return lambda row: "all" in names or str(get(row)).lower() in names
            return lambda row: get(row) is not None and str(get(row)).lower() not in names

        def normalize(value: Any) -> str:
            text = str(value).lower()
            if kind == "phone":
                text = "+" + text.replace("+", "")
            return text

        candidates = [normalize(v) for v in (values[:1] if first_value_only else values)]
        needle = candidates[0]

        def text_of(row: dict) -> str | None:
            value = get(row)
            if value is None:
                return None
            if isinstance(value, bool):
                return "true" if value else "false"
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            return str(value).lower()

        if operator == "equal_to":
            return lambda row: text_of(row) is not None and text_of(row) in candidates
        if operator == "not_equal_to":
            return lambda row: text_of(row) is not None and text_of(row) not in candidates
        if operator == "contains":
            return lambda row: text_of(row) is not None and needle in text_of(row)
        if operator == "does_not_contain":
            return lambda row: text_of(row) is not None and needle not in text_of(row)
        if operator == "starts_with":
            return lambda row: text_of(row) is not None and text_of(row).startswith(needle)
        raise _server_error()
