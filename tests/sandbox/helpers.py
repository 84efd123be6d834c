"""Small helpers shared by several of the sandbox's files: errors, message types, casts as Rails does them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from werkzeug import Request

BASE_TIME = 1_770_000_000  # 2026-02-02T02:40:00Z: seeded data lives just before this instant

INCOMING, OUTGOING, ACTIVITY, TEMPLATE = 0, 1, 2, 3

CONVERSATION_DB_ID_OFFSET = 1000  # a conversation's internal id (Liquid's conversation.id) is its display id + this
OPEN_HOUR, CLOSE_HOUR = 9, 17  # every inbox's working hours, Monday to Friday (the inbox view renders them)

_EMPTY = object()  # handler result meaning "head :ok": 200 with an empty body

_INT_RE = re.compile(r"\A-?\d+\Z")


class _Fail(Exception):
    """Raised by handlers to answer with an error status and a JSON body."""

    def __init__(self, status: int, payload: Any) -> None:
        super().__init__(status)
        self.status = status
        self.payload = payload


def _not_found() -> _Fail:
    return _Fail(404, {"error": "Resource could not be found"})


def _server_error() -> _Fail:
    return _Fail(500, {"status": 500, "error": "Internal Server Error"})


def _unauthorized(message: str) -> _Fail:
    return _Fail(401, {"error": message})


def _iso(ts: float | None) -> str | None:
    """Unix seconds -> ISO-8601 UTC with milliseconds, as Rails serializes datetimes."""
    if ts is None:
        return None
    dt = datetime.fromtimestamp(ts, tz=timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def _bots_unauthorized() -> _Fail:
    return _unauthorized("Access to this endpoint is not authorized for bots")


def _int_or_none(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and _INT_RE.match(value.strip()):
        return int(value.strip())
    return None


def _ruby_to_i(value: Any) -> int:
    """Ruby's ``to_i``: leading digits of a string ("3 days" -> 3, "abc" -> 0), floats truncated, nil 0.

    Anything else (true, a hash) has no ``to_i``: NoMethodError, a 500."""
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise _server_error()
    if isinstance(value, str):
        match = re.match(r"\s*([+-]?\d+)", value)
        return int(match.group(1)) if match else 0
    return int(value)


def _truncate(text: str | None, length: int) -> str | None:
    """ActiveSupport's ``String#truncate(length)``: the omission "..." counts within the length."""
    if text is None or len(text) <= length:
        return text
    return text[: length - 3] + "..."


def _truthy(value: Any) -> bool:
    """ActiveModel boolean cast: "false", "0", "f", "off", "" and null are false."""
    if isinstance(value, str):
        return value.strip().lower() not in ("", "0", "f", "false", "off")
    return bool(value)


def _blank(value: Any) -> bool:
    """Rails' ``blank?``: None, "", whitespace-only strings, empty lists and hashes."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, (list, dict)):
        return not value
    return False


def _page(value: Any) -> int:
    """Kaminari's page number: ``to_i``, anything below 1 is 1."""
    if isinstance(value, str):
        match = re.match(r"\s*([+-]?\d+)", value)
        number = int(match.group(1)) if match else 0
    else:
        number = _int_or_none(value) or 0
    return number if number > 0 else 1


def _parse_when(value: Any) -> float:
    """A filter value as unix seconds: a number, a numeric string or an ISO date/datetime."""
    if isinstance(value, bool) or value is None:
        raise _server_error()
    if isinstance(value, (int, float)):
        return float(value)
    text = str(value).strip()
    if re.fullmatch(r"-?\d+(\.\d+)?", text):
        return float(text)
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise _server_error() from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp()


def _is_resolved(contact: dict) -> bool:
    return bool(contact["email"] or contact["phone_number"] or contact["identifier"])


def _list_param(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v) for v in value if not _blank(v)]
    if isinstance(value, str):
        return [v for v in (x.strip() for x in value.split(",")) if v]
    return [str(value)]


def _clean_labels(value: Any) -> list[str]:
    """``label_list=`` of ``params.permit(labels: [])``: acts-as-taggable-on's DefaultParser and TagList.

    Strong params keep only an array of scalars (anything else clears the list). The elements are
    joined with ", " and parsed again: quoted tags first, then the rest split on commas; each is
    stripped, blanks dropped, duplicates removed; case is kept.
    """
    if not isinstance(value, list) or any(isinstance(item, (dict, list)) for item in value):
        return []
    text = ", ".join(_ruby_to_s(item) for item in value)
    tags: list[str] = []

    def take(match: re.Match[str]) -> str:
        tags.append(match.group(2))
        return ""

    text = _DOUBLE_QUOTED_TAG.sub(take, text)
    text = _SINGLE_QUOTED_TAG.sub(take, text)
    tags.extend(text.split(","))
    out: list[str] = []
    for tag in tags:
        tag = tag.strip()
        if tag and tag not in out:
            out.append(tag)
    return out


_DOUBLE_QUOTED_TAG = re.compile(r'(\A|,)\s*"(.*?)"\s*(?=,\s*|\Z)')
_SINGLE_QUOTED_TAG = re.compile(r"(\A|,)\s*'(.*?)'\s*(?=,\s*|\Z)")


def _ruby_to_s(value: Any) -> str:
    """``to_s`` of a JSON scalar as Ruby writes it (nil is "", true is "true")."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _string_column(value: Any) -> str | None:
    """A string or text column's cast of a permitted scalar (true is "t", false "f")."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "t" if value else "f"
    return str(value)


def _ruby_int(value: Any) -> int | None:
    """An integer column's cast in a ``where``: a numeric prefix ("2abc" is 2), else no value at all."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value)
    if isinstance(value, str):
        match = re.match(r"\s*([+-]?\d+)", value)
        return int(match.group(1)) if match else None
    return None


def _epoch(value: Any) -> int:
    """``DateTime.strptime(value, '%s')``: leading digits (an optional sign first) are the unix seconds
    and the rest is ignored; anything else (a letter or a space first, an array) raises: 500."""
    match = re.match(r"[+-]?\d+", value) if isinstance(value, str) else None
    if match is None:
        raise _server_error()
    return int(match.group(0))


def _date_range(since: Any, until: Any) -> tuple[int, int] | None:
    """DateRangeHelper#range: ``since...until`` (the end excluded), or None when either is blank."""
    if _blank(since) or _blank(until):
        return None
    return _epoch(since), _epoch(until)


def _in_range(ts: float, window: tuple[int, int] | None) -> bool:
    """``where(created_at: range)``; a None range is ``created_at IS NULL``, which nothing matches."""
    return window is not None and window[0] <= ts < window[1]


@dataclass
class _Ctx:
    """One request: ``user`` is the token's owner, a user or an agent bot (``user["type"] == "agent_bot"``)."""

    request: Request
    params: dict[str, Any]
    files: dict[str, list[Any]]
    user: dict[str, Any]
    account_id: int | None
