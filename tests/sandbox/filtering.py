"""The filter engine behind POST .../contacts/filter and .../conversations/filter, as Chatwoot builds its SQL.

A model of ``app/services/filter_service.rb``, ``app/helpers/filters/filter_helper.rb`` and the
two subclasses ``app/services/{conversations,contacts}/filter_service.rb`` at 4.10.1: each payload
item becomes a SQL fragment (422s and Ruby exceptions raised while building, in payload order),
the fragments are joined with their ``query_operator`` pasted in, and the statement then runs
(Postgres errors: 500). The quirks that follow from it:

- ``starts_with`` (and any operator no branch knows) is an exact match: ``= :value``;
- contacts compare only ``values[0]`` (lowercased when a string) except for contains/does_not_contain,
  and phone numbers as ``"+" + values[0]`` without its "+";
- once a custom-attribute condition has been built, every later conversation condition whose
  ``values[0]`` is a string and whose value goes through ``filter_values`` (equal_to, not_equal_to,
  starts_with/unknown, labels) keeps only that first value, lowercased (``@custom_attribute_type``
  is never reset); the custom condition itself too;
- ``!=`` / ``NOT IN`` never match NULL; a custom attribute's not_equal_to adds ``OR ... IS NULL``,
  which is a syntax error (500) unless it is the last condition;
- ILIKE on an integer column (``display_id`` contains) and values Postgres cannot cast are 500s;
- dates compare by UTC day; ``days_before`` is strictly before (today UTC - N days).
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from typing import Any, Callable

from .helpers import _blank, _Fail, _ruby_to_i, _server_error
from .store import Store

# lib/filters/filter_keys.yml at fd5ac2a8a3a048b2ec062c0f75d2ecd68faaecb2 (Chatwoot 4.10.1):
# key -> (attribute_type, data_type, filter_operators), in the yml's order (error messages list them so).

_EQ = ["equal_to", "not_equal_to"]
_TEXT = ["equal_to", "not_equal_to", "contains", "does_not_contain"]
_PRESENCE = ["equal_to", "not_equal_to", "is_present", "is_not_present"]
_DATE = ["is_greater_than", "is_less_than", "days_before"]

_CONVERSATION_FILTER_KEYS: dict[str, tuple[str, str, list[str]]] = {
    "status": ("standard", "text", _EQ),
    "assignee_id": ("standard", "text", _PRESENCE),
    "inbox_id": ("standard", "text", _PRESENCE),
    "team_id": ("standard", "number", _PRESENCE),
    "priority": ("standard", "text", _EQ),
    "display_id": ("standard", "Number", _TEXT),
    "campaign_id": ("standard", "Number", _PRESENCE),
    "labels": ("standard", "labels", _PRESENCE),
    "browser_language": ("additional_attributes", "text", _EQ),
    "conversation_language": ("additional_attributes", "text", _EQ),
    "referer": ("additional_attributes", "link", _TEXT),
    "created_at": ("standard", "date", _DATE),
    "last_activity_at": ("standard", "date", _DATE),
    "mail_subject": ("additional_attributes", "text", _TEXT),
}
_CONTACT_FILTER_KEYS: dict[str, tuple[str, str, list[str]]] = {
    "name": ("standard", "text_case_insensitive", _TEXT),
    "phone_number": ("standard", "text", [*_TEXT, "starts_with"]),
    "email": ("standard", "text_case_insensitive", _TEXT),
    "identifier": ("standard", "text_case_insensitive", _EQ),
    "country_code": ("additional_attributes", "text_case_insensitive", _EQ),
    "city": ("additional_attributes", "text_case_insensitive", _TEXT),
    "company": ("additional_attributes", "text_case_insensitive", _TEXT),
    "labels": ("standard", "labels", _PRESENCE),
    "created_at": ("standard", "date", _DATE),
    "last_activity_at": ("standard", "date", _DATE),
    "blocked": ("standard", "boolean", _EQ),
}
# FilterService::ATTRIBUTE_TYPES: a custom attribute's display type -> the SQL cast (currency, percent: none)
_ATTRIBUTE_TYPES = {
    "date": "date",
    "text": "text",
    "number": "numeric",
    "link": "text",
    "list": "text",
    "checkbox": "boolean",
}
# The SQL type of each standard column (the yml's data_type says how the SQL is written, not the column's type).
_COLUMN_TYPES = {
    "status": "integer",
    "priority": "integer",
    "assignee_id": "integer",
    "inbox_id": "integer",
    "team_id": "integer",
    "display_id": "integer",
    "campaign_id": "integer",
    "blocked": "boolean",
}
_STATUSES = ["open", "resolved", "pending", "snoozed"]  # Conversation.statuses
_PRIORITIES = ["low", "medium", "high", "urgent"]  # Conversation.priorities

_Predicate = Callable[[dict], bool]


def _postgres_error() -> _Fail:
    return _server_error()


def _first(values: Any) -> Any:
    """Ruby's ``values[0]``: an array's first item, a string's first character, an Integer's bit 0."""
    if isinstance(values, (list, str)):
        return values[0] if values else None
    if isinstance(values, bool) or values is None:
        raise _server_error()  # NoMethodError on true/false/nil
    if isinstance(values, int):
        return values & 1
    if isinstance(values, dict):
        return None
    raise _server_error()


def _ruby_to_s(value: Any) -> str:
    """Ruby's ``to_s`` (an array prints as its inspect: ``["a", 5]``)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return (
            "["
            + ", ".join('"' + v.replace('"', '\\"') + '"' if isinstance(v, str) else _ruby_to_s(v) for v in value)
            + "]"
        )
    return str(value)


def _pg_date(value: Any) -> date:
    """``'value'::date``: an ISO date (with an optional time after it), else a Postgres error."""
    if isinstance(value, str):
        match = re.fullmatch(r"\s*(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ][0-9:.+\-Z ]*)?\s*", value)
        if match:
            try:
                return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
            except ValueError:
                pass
    raise _postgres_error()


_PG_TRUE = {"t", "tr", "tru", "true", "y", "ye", "yes", "on", "1"}
_PG_FALSE = {"f", "fa", "fal", "fals", "false", "n", "no", "of", "off", "0"}


def _cast(value: Any, sql_type: str) -> Any:
    """A value as Rails quotes it into the SQL and Postgres casts it to the column's type; None is NULL."""
    if value is None:
        return None
    if sql_type == "text":
        if isinstance(value, str):
            return value
        raise _postgres_error()  # text = integer / boolean: no such operator
    if sql_type == "integer":
        if isinstance(value, bool):
            raise _postgres_error()
        if isinstance(value, (int, float)):
            return value
        if isinstance(value, str) and re.fullmatch(r"\s*[+-]?\d+\s*", value):
            return int(value)
        raise _postgres_error()
    if sql_type == "numeric":
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise _postgres_error()
        try:
            return Decimal(str(value).strip())
        except InvalidOperation:
            raise _postgres_error() from None
    if sql_type == "boolean":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in _PG_TRUE | _PG_FALSE:
            return value.strip().lower() in _PG_TRUE
        raise _postgres_error()
    return _pg_date(value)  # date


def _json_text(value: Any) -> str | None:
    """``column ->> 'key'``: the JSON value as text (strings bare, numbers and booleans printed), or NULL."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, str)):
        return str(value)
    return json.dumps(value, separators=(", ", ": "))


def _ilike(text: str, pattern: str) -> bool:
    """Postgres ILIKE: % any run, _ one character, backslash escapes; case-insensitive."""
    regex = []
    escaped = False
    for char in pattern:
        if escaped:
            regex.append(re.escape(char))
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "%":
            regex.append(".*")
        elif char == "_":
            regex.append(".")
        else:
            regex.append(re.escape(char))
    return re.fullmatch("".join(regex), text, re.I | re.S) is not None


class _Condition:
    """One payload item's SQL: a predicate made at execution time (Postgres' casts fail there) and,
    for a custom attribute's not_equal_to, the ``OR ... IS NULL`` tail after its query operator."""

    def __init__(self, make: Callable[[], _Predicate], query_operator: str, null_tail: _Predicate | None = None):
        self.make = make
        self.query_operator = query_operator
        self.null_tail = null_tail


class _FilterQuery:
    """One FilterService instance (one request): its state (``@custom_attribute_type``) lives as long."""

    def __init__(self, entity: str, definitions: list[dict], rows: list[dict], today: date):
        self.entity = entity  # "conversation" or "contact"
        self.keys = _CONVERSATION_FILTER_KEYS if entity == "conversation" else _CONTACT_FILTER_KEYS
        self.definitions = definitions  # the account's custom attribute definitions
        self.rows = rows  # the base relation (Postgres casts every row's custom value it reads)
        self.today = today
        self.custom_attribute_type: str | None = None

    # ---------------------------------------------------------------- filter_operation and its values

    def filter_values(self, item: dict) -> Any:
        key, values = item.get("attribute_key"), item.get("values")
        if self.entity == "contact":  # Contacts::FilterService#filter_values: the first value only
            value = _first(values)
            if key == "phone_number":
                if value is not None and not isinstance(value, str):
                    raise _server_error()  # NoMethodError: delete
                return "+" + (value or "").replace("+", "")
            if key == "country_code":
                if not isinstance(value, str):
                    raise _server_error()
                return value.lower()
            return value.lower() if isinstance(value, str) else value
        if key == "status":
            if isinstance(values, str) and "all" in values:
                return list(range(len(_STATUSES)))
            if not isinstance(values, list):
                raise _server_error()
            if "all" in values:
                return list(range(len(_STATUSES)))
            return [self._enum(v, _STATUSES) for v in values]
        if key == "priority":
            if not isinstance(values, list):
                raise _server_error()
            return [self._enum(v, _PRIORITIES) for v in values]
        # case_insensitive_values: the custom-attribute leak
        if self.custom_attribute_type and isinstance(_first(values), str):
            return values[0].lower() if isinstance(values, list) else values.lower()
        return values

    @staticmethod
    def _enum(value: Any, names: list[str]) -> int | None:
        if not isinstance(value, str):
            raise _server_error()  # NoMethodError: to_sym
        return names.index(value) if value in names else None

    def filter_operation(self, item: dict) -> tuple[str, Any]:
        """(kind, value) of FilterService#filter_operation; ``days_before`` rewrites the item as Ruby does."""
        operator = item.get("filter_operator")
        values = item.get("values")
        if operator in ("equal_to", "not_equal_to"):
            return operator, self.filter_values(item)
        if operator in ("contains", "does_not_contain"):
            items = values if isinstance(values, list) else [values]
            if not all(isinstance(v, str) for v in items):
                raise _server_error()  # NoMethodError: strip
            return operator, ["%" + v.strip() + "%" for v in items]
        if operator in ("is_present", "is_not_present"):
            return operator, None
        if operator in ("is_greater_than", "is_less_than"):
            return operator, _first(values)
        if operator == "days_before":
            day = self.today - timedelta(days=_ruby_to_i(_first(values)))
            item["values"] = [day.isoformat()]
            item["filter_operator"] = "is_less_than"
            return "is_less_than", item["values"][0]
        return "equals", _ruby_to_s(self.filter_values(item))

    # ---------------------------------------------------------------- one condition

    def build(self, item: Any) -> _Condition:
        if not isinstance(item, dict):
            raise _server_error()
        key = item.get("attribute_key")
        operator = item.get("filter_operator")
        spec = self.keys.get(key) if isinstance(key, str) else None
        if spec is not None and operator not in spec[2]:
            raise _Fail(422, {"error": f"Invalid operator. The allowed operators for {key} are [{','.join(spec[2])}]."})
        values = item.get("values")
        if operator not in ("is_present", "is_not_present") and (_blank(values) or values is False):
            raise _Fail(422, {"error": f"Invalid value. The values provided for {key} are invalid"})
        operation = self.filter_operation(item)
        query_operator = str(item.get("query_operator") or "").upper()
        if spec is None:
            return self.custom_condition(item, query_operator)
        attribute_type, data_type, _ = spec
        column = self.column(key, attribute_type)
        if data_type == "labels":
            return _Condition(lambda: self.labels_predicate(operation), query_operator)
        if data_type == "date":
            return _Condition(lambda: self.compare(column, operation, "date", day=True), query_operator)
        lower = data_type == "text_case_insensitive"
        sql_type = _COLUMN_TYPES.get(key, "text")
        return _Condition(lambda: self.compare(column, operation, sql_type, lower=lower), query_operator)

    def column(self, key: str, attribute_type: str) -> Callable[[dict], Any]:
        if attribute_type == "additional_attributes":
            return lambda row: _json_text(row["additional_attributes"].get(key))
        if key == "display_id":
            return lambda row: row["id"]
        if key == "campaign_id":
            return lambda row: None
        if key == "status":
            return lambda row: _STATUSES.index(row["status"])
        if key == "priority":
            return lambda row: None if row["priority"] is None else _PRIORITIES.index(row["priority"])
        return lambda row: row[key]

    def compare(
        self,
        column: Callable[[dict], Any],
        operation: tuple[str, Any],
        sql_type: str,
        *,
        lower: bool = False,
        day: bool = False,
    ) -> _Predicate:
        """``<column> <operation>`` as Postgres evaluates it (casts checked now, at execution)."""
        kind, value = operation

        def cell(row: dict) -> Any:
            raw = column(row)
            if raw is None:
                return None
            if day:
                return datetime.fromtimestamp(raw, tz=timezone.utc).date()
            if lower:
                return str(raw).lower()
            return raw

        if kind in ("is_present", "is_not_present"):
            present = kind == "is_present"
            return lambda row: (column(row) is not None) == present
        if kind in ("contains", "does_not_contain"):
            if sql_type != "text" or day:
                raise _postgres_error()  # integer ~~* unknown: no such operator
            if kind == "contains":
                return lambda row: cell(row) is not None and any(_ilike(str(cell(row)), p) for p in value)
            return lambda row: cell(row) is not None and not any(_ilike(str(cell(row)), p) for p in value)
        if kind in ("is_greater_than", "is_less_than"):
            bound = _cast(value, "date" if day else sql_type)
            if bound is None:
                return lambda row: False
            if kind == "is_greater_than":
                return lambda row: cell(row) is not None and cell(row) > bound
            return lambda row: cell(row) is not None and cell(row) < bound
        # conversations: "IN (:value)" with the values (or the leaked first one); contacts and "equals": "= :value"
        wanted = value if isinstance(value, list) and self.entity == "conversation" and kind != "equals" else [value]
        casts = [_cast(v, sql_type) for v in wanted]
        has_null = any(c is None for c in casts)
        known = [c for c in casts if c is not None]
        if kind == "not_equal_to":  # NOT IN / != : never NULL, and nothing at all when the list holds a NULL
            return lambda row: not has_null and cell(row) is not None and cell(row) not in known
        return lambda row: cell(row) is not None and cell(row) in known

    @staticmethod
    def labels_predicate(operation: tuple[str, Any]) -> _Predicate:
        """tag_filter_query: EXISTS a tagging (whose tag's name is IN the values)."""
        operator, value = operation
        if operator == "is_present":
            return lambda row: bool(row["labels"])
        if operator == "is_not_present":
            return lambda row: not row["labels"]
        names = [_cast(v, "text") for v in (value if isinstance(value, list) else [value])]
        wanted = {n for n in names if n is not None}
        if operator == "equal_to":
            return lambda row: bool(wanted & set(row["labels"]))
        return lambda row: not (wanted & set(row["labels"]))

    def custom_condition(self, item: dict, query_operator: str) -> _Condition:
        """``handle_nil_filter`` -> ``custom_attribute_query``: sets the leak, needs a definition, then
        ``filter_operation`` again (now leaked) and the cast of the definition's type."""
        key = item.get("attribute_key")
        model = f"{self.entity}_attribute"
        self.custom_attribute_type = model
        definition = next(
            (d for d in self.definitions if d["attribute_key"] == key and d["attribute_model"] == model), None
        )
        if definition is None:
            raise _Fail(
                422,
                {
                    "error": f"Invalid attribute key - [{key}]. The key should be one of [{','.join(self.keys)}] "
                    "or a custom attribute defined in the account."
                },
            )
        operation = self.filter_operation(item)
        sql_type = _ATTRIBUTE_TYPES.get(definition["attribute_display_type"])

        def column(row: dict) -> Any:
            text = _json_text(row["custom_attributes"].get(key))
            if text is None or sql_type == "text":
                return text
            return _cast(text, sql_type)  # (custom_attributes ->> 'key')::type fails on a value it cannot cast

        def make() -> _Predicate:
            if sql_type is None:
                raise _postgres_error()  # "::  IN (...)": a currency or percent attribute has no cast
            for row in self.rows:
                column(row)
            return self.compare(column, operation, sql_type, lower=sql_type == "text")

        null_tail = None
        if item.get("filter_operator") == "not_equal_to":
            null_tail = lambda row: row["custom_attributes"].get(key) is None  # noqa: E731
        return _Condition(make, query_operator, null_tail)


class Filtering(Store):
    """Turns a filter payload into a predicate on the internal rows (422 and 500 as Chatwoot answers)."""

    def _compile_filter(self, payload: Any, entity: str, rows: list[dict]) -> _Predicate:
        """Build every condition (in order), then "run" the statement: SQL syntax and cast errors are 500s."""
        if not isinstance(payload, list):
            raise _server_error()  # nil.each, or a hash's [key, value] pairs
        for item in payload:  # validate_query_operator runs over the whole payload first
            if not isinstance(item, dict):
                raise _server_error()
            query_operator = item.get("query_operator")
            if query_operator is None or query_operator == "":
                continue
            if not isinstance(query_operator, str):
                raise _server_error()  # NoMethodError: upcase
            if query_operator.upper() not in ("AND", "OR"):
                raise _Fail(422, {"error": 'Query operator must be either "AND" or "OR".'})
        today = datetime.fromtimestamp(self._now(), tz=timezone.utc).date()
        query = _FilterQuery(entity, self.custom_attribute_definitions, rows, today)
        conditions = [query.build(item) for item in payload]
        # The SQL is "c1 <op1> c2 <op2> ... cn [OR tail]": every item but the last needs AND/OR, the last
        # none, and a custom not_equal_to's "OR ... IS NULL" tail only parses on the last item.
        for index, condition in enumerate(conditions):
            last = index == len(conditions) - 1
            if (not last and condition.query_operator not in ("AND", "OR")) or (last and condition.query_operator):
                raise _postgres_error()
            if condition.null_tail is not None and not last:
                raise _postgres_error()
        predicates = [condition.make() for condition in conditions]
        groups: list[list[_Predicate]] = [[predicates[0]]] if predicates else []
        for index in range(1, len(predicates)):
            if conditions[index - 1].query_operator == "AND":
                groups[-1].append(predicates[index])
            else:
                groups.append([predicates[index]])
        if conditions and conditions[-1].null_tail is not None:
            groups.append([conditions[-1].null_tail])  # AND binds tighter: "... AND c != v OR c IS NULL"
        if not groups:
            return lambda row: True
        return lambda row: any(all(p(row) for p in group) for group in groups)
