"""A local, stateful, Chatwoot-compatible HTTP server (the "sandbox").

Used by the test suite, by ``make demo`` / ``make sandbox`` and by the benchmarks.
It mimics the Chatwoot Application API (v4.10.x) as documented in
``reference/chatwoot-api.md``: envelopes, key orders, error shapes, page sizes,
display ids and the known quirks.

Library use::

    with Sandbox() as sb:
        requests.get(sb.url + "/api/v1/accounts/1/contacts",
                     headers={"api_access_token": sb.TOKEN})

Command line (foreground; Ctrl-C or SIGTERM stops it)::

    python tests/sandbox.py [--port N] [--latency SECONDS] [--extra-conversations N] [--quiet]

Only the standard library, werkzeug and pytest-httpserver are used.
"""

from __future__ import annotations

import argparse
import bisect
import json
import operator
import random
import re
import signal
import sys
import threading
import time
import traceback
import unicodedata
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable, ClassVar

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response
from werkzeug.datastructures import MultiDict
from werkzeug.serving import WSGIRequestHandler

BASE_TIME = 1_770_000_000  # 2026-02-02T02:40:00Z: seeded data lives just before this instant

CONTACTS_PER_PAGE = 15
CONVERSATIONS_PER_PAGE = 25
MESSAGES_BEFORE_LIMIT = 20
MESSAGES_AFTER_LIMIT = 100
MESSAGES_BETWEEN_LIMIT = 1000
CONTENT_MAX = 150_000

INCOMING, OUTGOING, ACTIVITY, TEMPLATE = 0, 1, 2, 3
MESSAGE_TYPES = {"incoming": INCOMING, "outgoing": OUTGOING, "activity": ACTIVITY, "template": TEMPLATE}
CONVERSATION_STATUSES = ["open", "resolved", "pending", "snoozed"]  # Rails enum order (0..3)
PRIORITIES = ["low", "medium", "high", "urgent"]  # Rails enum order (0..3)

JSON_CONTENT_TYPE = "application/json; charset=utf-8"
_EMPTY = object()  # handler result meaning "head :ok": 200 with an empty body

_EMAIL_RE = re.compile(r"\A[^@\s]+@[^@\s]+\Z")  # Devise.email_regexp
_PHONE_RE = re.compile(r"\+[1-9]\d{1,14}\Z")  # anchored at the end only, like Chatwoot's
_INT_RE = re.compile(r"\A-?\d+\Z")


# --------------------------------------------------------------------------------------
# small helpers
# --------------------------------------------------------------------------------------


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


def _to_i(ts: float | None) -> int:
    """Rails' ``time.to_i`` on a nullable column: null becomes 0."""
    return 0 if ts is None else int(ts)


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


_FOLD = str.maketrans({"ł": "l", "Ł": "l", "ø": "o", "Ø": "o", "đ": "d", "Đ": "d", "ß": "ss", "æ": "ae", "Æ": "ae"})


def _collate(text: str) -> str:
    """An approximation of an en_US collation: accents and case do not decide the order."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_FOLD))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def _json_bytes(obj: Any) -> bytes:
    """Compact JSON, UTF-8, with ActiveSupport's HTML-entity escaping of < > &."""
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
    text = (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )
    return text.encode("utf-8", "replace")


def _rack_params(pairs: Any) -> dict[str, Any]:
    """Turn flat form/query pairs into Rails-style params (``a[]`` lists, ``a[b]`` hashes)."""
    out: dict[str, Any] = {}
    for key, value in pairs:
        match = re.match(r"\A([^\[\]]+)((?:\[[^\[\]]*\])*)\Z", key)
        if not match:
            out[key] = value
            continue
        parts = [match.group(1), *re.findall(r"\[([^\[\]]*)\]", match.group(2))]
        target: Any = out
        for index, part in enumerate(parts):
            last = index == len(parts) - 1
            following = None if last else parts[index + 1]
            if last:
                if isinstance(target, list):
                    target.append(value)
                else:
                    target[part] = value
                break
            if following == "":
                existing = target.get(part) if isinstance(target, dict) else None
                if not isinstance(existing, list):
                    existing = []
                    target[part] = existing
                existing.append(value)
                break
            existing = target.get(part) if isinstance(target, dict) else None
            if not isinstance(existing, dict):
                existing = {}
                target[part] = existing
            target = existing
    return out


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


def _enum(value: Any, names: list[str]) -> str:
    """Rails enum assignment: a known name or its integer index, else ArgumentError (-> 500)."""
    if isinstance(value, str) and value in names:
        return value
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < len(names):
        return names[value]
    raise _server_error()


class _HeaderDict(dict):
    """The raw request headers as sent (original names); lookups ignore case."""

    def _find(self, key: str) -> str | None:
        if dict.__contains__(self, key):
            return key
        lowered = key.lower()
        for existing in self:
            if existing.lower() == lowered:
                return existing
        return None

    def __getitem__(self, key: str) -> str:
        found = self._find(key)
        if found is None:
            raise KeyError(key)
        return dict.__getitem__(self, found)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self._find(key) is not None

    def get(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
        found = self._find(key)
        return default if found is None else dict.__getitem__(self, found)


@dataclass
class RecordedRequest:
    """One request as the sandbox received it.

    ``headers`` holds the headers exactly as sent (so ``"api_access_token" in r.headers`` tells
    the underscore form from ``Api-Access-Token``); lookups are case-insensitive.
    ``json`` is the parsed body when it parses as JSON (whatever the content type), else None.
    ``files`` lists multipart uploads as ``{"field", "filename", "content_type", "size"}``.
    ``status`` is the status code the sandbox answered with.
    """

    method: str
    path: str
    query: MultiDict
    headers: dict[str, str]
    body: bytes
    json: Any = None
    files: list[dict[str, Any]] = field(default_factory=list)
    status: int | None = None

    @property
    def token(self) -> str | None:
        return self.headers.get("api_access_token") or self.headers.get("api-access-token")


@dataclass
class _Fault:
    method: str
    path: re.Pattern[str]
    status: int
    body: bytes
    content_type: str
    times: int
    headers: dict[str, str] | None


@dataclass
class _Ctx:
    request: Request
    params: dict[str, Any]
    files: dict[str, list[Any]]
    user: dict[str, Any]
    account_id: int | None


class _RequestHandler(WSGIRequestHandler):
    """werkzeug's handler, plus: underscore headers reach the app, quiet or short logs.

    werkzeug's dev server drops every header whose name contains "_" (so ``api_access_token``
    would never arrive). Puma (Chatwoot's server) maps it to ``HTTP_API_ACCESS_TOKEN`` unless
    the hyphenated twin ``Api-Access-Token`` is also present; this handler does the same.
    """

    protocol_version = "HTTP/1.1"

    def make_environ(self) -> dict[str, Any]:
        environ = super().make_environ()
        raw = list(self.headers.items())
        environ["sandbox.raw_headers"] = raw
        for key, value in raw:
            if "_" in key:
                environ.setdefault("HTTP_" + key.upper().replace("-", "_"), value.replace("\r\n", ""))
        return environ

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        sandbox = getattr(self.server, "sandbox", None)
        if sandbox is not None and sandbox.log_requests:
            sys.stderr.write(f"{self.command} {self.path} -> {code}\n")
            sys.stderr.flush()


# --------------------------------------------------------------------------------------
# seed data (deterministic)
# --------------------------------------------------------------------------------------

# fmt: off
# name, email, phone_number, identifier, additional_attributes, custom_attributes, labels
_SEED_CONTACTS: list[tuple[Any, ...]] = [
    ("Jane Doe", "jane.doe@example.com", "+4915112345678", "cust-1042",
     {"company_name": "Acme GmbH", "city": "Berlin", "country": "Germany", "country_code": "de"},
     {"plan": "pro"}, ["customer"]),
    ("José Álvarez", "jose.alvarez@example.com", "+34612345678", None,
     {"company_name": "Tiendas Sol", "city": "Madrid", "country": "Spain", "country_code": "es"},
     {"plan": "enterprise", "seats": 25}, ["vip"]),
    ("Zoë Müller", "zoe.mueller@example.de", "+4917612345678", "cust-2001",
     {"city": "München", "country": "Germany", "country_code": "de"}, {}, []),
    ("Liam O'Brien", "liam.obrien@example.ie", "+353871234567", None,
     {"city": "Dublin", "country": "Ireland", "country_code": "ie"}, {}, []),
    ("Priya Sharma", "priya.sharma@example.in", "+919812345678", "cust-3003",
     {"company_name": "Sharma Textiles", "city": "Bengaluru", "country": "India", "country_code": "in"},
     {"plan": "pro", "seats": 5}, ["churn-risk"]),
    ("Mateus Oliveira", "mateus.oliveira@example.com.br", "+5511987654321", None,
     {"city": "São Paulo", "country": "Brazil", "country_code": "br"}, {"plan": "free"}, []),
    ("Emma Johansson", "emma.johansson@example.se", None, None,
     {"company_name": "Nordlys AB", "city": "Stockholm", "country": "Sweden", "country_code": "se"},
     {"plan": "free"}, []),
    ("Kenji Watanabe", "kenji.watanabe@example.jp", "+819012345678", None,
     {"city": "Tokyo", "country": "Japan", "country_code": "jp"}, {}, []),
    ("Fatima Zahra", "fatima.zahra@example.ma", "+212612345678", None,
     {"city": "Casablanca", "country": "Morocco", "country_code": "ma"}, {}, []),
    ("Noah Williams", "noah.williams@example.com", "+14155550123", "cust-1077",
     {"company_name": "Globex Corp", "city": "San Francisco", "country": "United States", "country_code": "us"},
     {"plan": "enterprise", "seats": 40}, ["vip", "enterprise"]),
    ("Chloé Dubois", "chloe.dubois@example.fr", "+33612345678", None,
     {"city": "Paris", "country": "France", "country_code": "fr"}, {"plan": "pro"}, []),
    ("Olivia Brown", "olivia.brown@example.co.uk", "+447700900123", None,
     {"company_name": "Brown & Co", "city": "London", "country": "United Kingdom", "country_code": "gb"},
     {"plan": "pro"}, ["vip"]),
    ("Ahmed Hassan", "ahmed.hassan@example.com", None, "cust-4410",
     {"city": "Cairo", "country": "Egypt", "country_code": "eg"}, {}, []),
    ("Sofia Rossi", "sofia.rossi@example.it", "+393471234567", None,
     {"city": "Milano", "country": "Italy", "country_code": "it"}, {}, []),
    ("Lucas Martin", "lucas.martin@example.com", "+15125550188", None,
     {"company_name": "Initech", "city": "Austin", "country": "United States", "country_code": "us"},
     {"plan": "free", "signup_source": "webinar"}, []),
    ("Łukasz Nowak", "lukasz.nowak@example.pl", "+48501234567", None,
     {"city": "Warszawa", "country": "Poland", "country_code": "pl"}, {}, []),
    ("Mia Schneider", None, "+4915223456789", None, {}, {}, []),
    ("WhatsApp 5521", None, None, "wa-5521", {}, {}, []),
    ("Ava Thompson", "ava.thompson@example.com", "+61412345678", None,
     {"city": "Sydney", "country": "Australia", "country_code": "au"}, {}, []),
    ("Carlos Mendes", None, None, None, {}, {}, []),
    ("Hana Kim", None, None, None, {}, {}, []),
    ("Website Visitor 4821", None, None, None, {}, {}, []),
]
_ONLINE_CONTACT = 4  # Liam O'Brien: "online", so deleting him gives the 422 quirk
_BLOCKED_CONTACT = 19  # Ava Thompson

_LONG = "long"  # placeholder script for the long conversation (display id 7)

# contact, inbox, status, assignee, team, labels, priority, hours before BASE_TIME, custom_attributes,
# script: ("in"|"out"|"note"|"act", text) -- "out"/"note" are written by the assignee (Owner if none)
_SEED_CONVERSATIONS: list[tuple[Any, ...]] = [
    (1, 2, "open", 2, 1, ["billing"], "high", 2, {"order_id": "A-1001"}, [
        ("in", "Hi, my order A-1001 hasn't arrived yet. It's been 10 days."),
        ("act", "Conversation was assigned to Ana Silva"),
        ("out", "Thanks Jane, we're checking with the carrier now."),
        ("in", "Any update? I need it before Friday."),
    ]),
    (2, 1, "open", None, None, ["vip"], "urgent", 5, {}, [
        ("in", "Hola, ¿pueden ayudarme con la factura de febrero? El importe está duplicado."),
        ("in", "El número de pedido es A-0988."),
    ]),
    (3, 3, "pending", 3, 2, ["bug"], "medium", 30, {}, [
        ("in", 'Export to CSV fails with "error 500" since the last update.'),
        ("out", "Thanks for the report, Zoë. Which browser do you use?"),
        ("in", "Firefox 134 on Linux."),
        ("note", "Reproduced on staging; filed ENG-231 for the platform team."),
    ]),
    (4, 1, "resolved", 2, None, [], None, 72, {}, [
        ("in", "How do I change my delivery address?"),
        ("out", "You can change it under Account → Addresses before the order ships."),
        ("in", "Found it, thanks!"),
        ("act", "Conversation was marked resolved by Ana Silva"),
    ]),
    (5, 2, "snoozed", 3, 1, ["billing", "refund"], "low", 48, {"order_id": "A-0977", "refund_amount": 49.9}, [
        ("in", "I was charged twice for order A-0977."),
        ("out", "Sorry about that, Priya. I've asked finance to refund the duplicate charge."),
        ("note", "Finance ticket FIN-88; refund expected within 3 business days."),
    ]),
    (6, 1, "open", 4, 2, ["bug"], None, 1, {}, [
        ("in", "O app trava quando abro o carrinho."),
        ("in", "Acontece no Android 14."),
    ]),
    (10, 2, "open", 2, 2, ["vip", "bug"], "high", 10, {}, _LONG),
    (7, 3, "open", None, 1, ["billing"], None, 20, {}, [
        ("in", "Please send a VAT invoice for our last payment."),
    ]),
    (8, 1, "pending", None, None, [], None, 3, {}, [
        ("in", "注文をキャンセルしたいです。注文番号は A-1110 です。"),
    ]),
    (9, 2, "resolved", 3, None, [], None, 120, {}, [
        ("in", "Is there an API rate limit?"),
        ("out", "Yes: 3000 requests per minute per IP by default."),
        ("act", "Conversation was marked resolved by Bruno Costa"),
    ]),
    (11, 3, "open", 2, 1, ["refund"], "medium", 8, {"order_id": "A-1043"}, [
        ("in", "Bonjour, je souhaite un remboursement pour la commande A-1043."),
        ("out", "Bonjour Chloé, pouvez-vous confirmer le motif du retour ?"),
        ("in", "Le produit est arrivé endommagé."),
    ]),
    (12, 1, "open", 1, None, ["vip"], None, 6, {}, [
        ("in", "Can we get a quote for 50 more seats?"),
        ("out", "Of course, Olivia. I'll send it over today."),
    ]),
    (13, 2, "snoozed", 4, None, [], None, 36, {}, [
        ("in", "Our webhook stopped receiving events."),
        ("out", "We're rolling out a fix; I'll follow up when you can retest."),
    ]),
    (14, 1, "resolved", 2, None, ["bug"], None, 96, {}, [
        ("in", "The password reset email never arrives."),
        ("out", "It was stuck in our mail queue; it should arrive now."),
        ("in", "Got it."),
        ("act", "Conversation was marked resolved by Ana Silva"),
    ]),
    (15, 3, "open", 3, 2, [], "low", 12, {}, [
        ("in", "Question about SSO with Okta."),
        ("out", "SSO is on the enterprise plan; happy to walk you through it."),
        ("in", "What would the upgrade cost for 12 users?"),
    ]),
    (16, 2, "pending", None, None, [], None, 4, {}, [
        ("in", "Dzień dobry, czy mogę zmienić plan w trakcie okresu rozliczeniowego?"),
    ]),
    (17, 2, "open", None, None, [], None, 0.5, {}, [
        ("in", "Hi! Is the store open on Sunday?"),
    ]),
    (18, 2, "open", 4, None, [], None, 15, {}, [
        ("in", "Where is my package? Tracking says delivered."),
        ("out", "Checking with the courier, one moment."),
    ]),
    (19, 1, "resolved", 2, None, [], None, 200, {}, [
        ("in", "Buy 10,000 followers now!!! <a href='http://spam.example'>click</a>"),
        ("note", "Spam; contact blocked."),
        ("act", "Conversation was marked resolved by Ana Silva"),
    ]),
    (1, 3, "resolved", 2, 1, ["billing"], None, 400, {}, [
        ("in", "Can I get last year's invoices in one PDF?"),
        ("out", "Sure, Jane. I've emailed the combined PDF."),
        ("act", "Conversation was marked resolved by Ana Silva"),
    ]),
    (10, 1, "open", None, None, ["vip"], "urgent", 7, {}, [
        ("in", "Dashboard is down for our whole team!"),
        ("in", "Error: 'upstream connect error'"),
        ("in", "Please call me at +1 415 555 0123."),
    ]),
    (5, 1, "open", 2, None, [], None, 9, {}, [
        ("in", "How do I add a teammate?"),
        ("out", "Settings → Team → Invite. They'll get an email."),
    ]),
    (12, 3, "pending", 3, 1, ["refund"], "medium", 26, {"order_id": "A-1102"}, [
        ("in", "Requesting a refund for the unused months."),
        ("note", "Needs manager approval (over £500)."),
    ]),
    (8, 2, "open", 3, 2, ["bug"], "high", 11, {}, [
        ("in", "API returns 422 when the phone number has spaces."),
        ("out", "Phone numbers must be E.164, e.g. +819012345678."),
        ("in", "Understood, but the error message could be clearer."),
        ("note", "Suggest better validation copy to product."),
    ]),
    (11, 1, "resolved", 4, None, [], None, 150, {}, [
        ("in", "Merci pour votre aide !"),
        ("act", "Conversation was marked resolved by Chen Wei"),
    ]),
    (2, 2, "open", 1, 1, ["billing", "vip"], "high", 14, {}, [
        ("in", "We need to move to annual billing for 25 seats."),
        ("out", "Great, José. I'll prepare the contract."),
        ("note", "Offer 15% discount, approved by sales."),
    ]),
    (3, 1, "snoozed", 2, None, [], None, 60, {}, [
        ("in", "Remind me next week about the beta invite."),
        ("out", "Will do!"),
    ]),
    (15, 2, "open", 2, None, [], None, 13, {}, [
        ("act", "Conversation was created by Ana Silva"),
    ]),
    (14, 3, "open", None, None, [], None, 16, {}, [
        ("in", "Fattura errata per ordine A-1099."),
        ("note", "Forward to billing once someone is free."),
    ]),
    (6, 2, "resolved", 3, 2, ["bug"], None, 250, {}, [
        ("in", "The export job timed out."),
        ("out", "Fixed in release 4.10.1."),
        ("in", "Confirmed, works now."),
        ("act", "Conversation was marked resolved by Bruno Costa"),
    ]),
]
# fmt: on
_SNOOZED_UNTIL = {5: BASE_TIME + 3 * 86400, 13: None, 27: BASE_TIME + 7 * 86400}
_MUTED = {19}
_LANGUAGES = {2: "es", 6: "pt", 9: "ja", 11: "fr", 16: "pl", 29: "it"}

_LONG_IN = [
    "We're seeing intermittent 502s from your API again.",
    "It happens on roughly one request in fifty.",
    "Here is another request id from the failing batch.",
    "Still failing from our EU region.",
    "Retrying helps, but our nightly sync takes twice as long.",
]
_LONG_OUT = [
    "Thanks, I've passed this to the on-call engineer.",
    "Could you send the request ids and timestamps (UTC)?",
    "We deployed a mitigation; please tell us if it recurs.",
    "Engineering is still investigating the load balancer logs.",
    "Noted, adding this to the incident timeline.",
]


def _long_script(count: int) -> list[tuple[str, str]]:
    script: list[tuple[str, str]] = []
    for index in range(count):
        number = index + 1
        if index == 1:
            script.append(("act", "Conversation was assigned to Ana Silva"))
        elif index % 40 == 20:
            script.append(("note", f"#{number} Internal: escalated to SRE, incident INC-{400 + index // 40}."))
        elif index % 2 == 0:
            script.append(("in", f"#{number} {_LONG_IN[(index // 2) % len(_LONG_IN)]}"))
        else:
            script.append(("out", f"#{number} {_LONG_OUT[(index // 2) % len(_LONG_OUT)]}"))
    return script


# --------------------------------------------------------------------------------------
# filter definitions (lib/filters/filter_keys.yml)
# --------------------------------------------------------------------------------------

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


# --------------------------------------------------------------------------------------
# the sandbox
# --------------------------------------------------------------------------------------


class Sandbox:
    """A stateful fake Chatwoot server (see the module docstring).

    Public state (plain dicts and lists; tests may read them directly, hold ``sb.lock`` to
    read while requests are in flight). The internal representation, not the API's:

    - ``accounts[id]``: ``{id, name}``. Account 1 "Acme Support"; account 2 "Other Co" has no
      seeded members (-> 401 "not authorized to access this account").
    - ``users[id]``: ``{id, name, display_name, email, access_token, pubsub_token, role,
      availability, availability_status, auto_offline, custom_attributes, account_ids}``.
    - ``inboxes[id]``: raw inbox columns plus ``members`` (user ids) and ``channel`` (extras).
    - ``teams[id]``: ``{id, name, description, allow_auto_assign, account_id, created_at,
      updated_at, members}``.
    - ``canned_responses[id]``, ``labels[id]`` (account labels ``{id, title, description, color,
      show_on_sidebar}``).
    - ``contacts[id]``: ``{id, account_id, name, email, phone_number, identifier, blocked,
      additional_attributes, custom_attributes, availability_status, last_activity_at (int or
      None), created_at, labels}``.
    - ``contact_inboxes[id]``: ``{id, contact_id, inbox_id, source_id}``.
    - ``conversations[display_id]``: ``{id (= display_id), account_id, inbox_id, contact_id,
      contact_inbox_id, uuid, status, assignee_id, team_id, priority, snoozed_until,
      labels, custom_attributes, additional_attributes, created_at, updated_at (float),
      last_activity_at, agent_last_seen_at, assignee_last_seen_at, contact_last_seen_at,
      first_reply_created_at, waiting_since, muted, message_ids (ascending)}``; times are unix
      seconds or None.
    - ``messages[id]``: ``{id, account_id, conversation_id (display id), inbox_id, content,
      message_type (int), content_type, status, private, source_id, content_attributes,
      additional_attributes, sender_type ("Contact"|"User"|None), sender_id, created_at,
      updated_at, echo_id, attachments}``. Attachment dicts carry the public keys plus
      ``filename``, ``content_type`` and ``data`` (bytes), which are not rendered.
    - ``uploads``: every multipart attachment received, in order (the same dicts).
    - ``requests``: every request received (``RecordedRequest``), fault-injected ones included.
    - ``errors``: tracebacks of sandbox crashes (a crash answers 500); should stay empty.
    """

    TOKEN = "sandbox-token"
    AGENT_TOKEN = "sandbox-agent-token"
    ACCOUNT_ID = 1
    BASE_TIME = BASE_TIME

    def __init__(
        self,
        latency: float = 0.0,
        extra_conversations: int = 0,
        messages_in_long_conversation: int = 230,
        *,
        port: int = 0,
        log_requests: bool = False,
    ) -> None:
        self.latency = latency
        self.log_requests = log_requests
        self.port = port
        self.lock = threading.RLock()
        self._server: HTTPServer | None = None
        self.requests: list[RecordedRequest] = []
        self.errors: list[str] = []
        self.uploads: list[dict[str, Any]] = []
        self._faults: list[_Fault] = []
        self._routes = self._build_routes()
        self._seed_args = (extra_conversations, messages_in_long_conversation)
        self._seed(*self._seed_args)

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> Sandbox:
        if self._server is not None:
            return self
        server = HTTPServer(host="127.0.0.1", port=self.port, threaded=True)
        server.expect_request(re.compile(r"^/.*")).respond_with_handler(self._dispatch)

        def serve() -> None:
            # Runs in the server thread before the first request is accepted (the socket is
            # already listening, so early connections just wait in the backlog).
            wsgi_server: Any = server.server
            wsgi_server.RequestHandlerClass = _RequestHandler
            wsgi_server.sandbox = self
            # werkzeug polls for shutdown every 0.5 s by default; poll faster so stop() is quick.
            wsgi_server.serve_forever(poll_interval=0.05)

        server.thread_target = serve  # type: ignore[method-assign]
        server.start()
        self._server = server
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None and server.is_running():
            server.stop()

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the sandbox is not running; call start() first")
        return f"http://127.0.0.1:{self._server.port}"

    def env(self) -> dict[str, str]:
        return {
            "CHATWOOT_BASE_URL": self.url,
            "CHATWOOT_API_TOKEN": self.TOKEN,
            "CHATWOOT_ACCOUNT_ID": str(self.ACCOUNT_ID),
        }

    # ------------------------------------------------------------------ test helpers

    def reset(self) -> None:
        """Back to the freshly seeded state; clears requests, faults, uploads and errors."""
        with self.lock:
            self.requests.clear()
            self.errors.clear()
            self.uploads.clear()
            self._faults.clear()
            self._seed(*self._seed_args)

    def fail_next(
        self,
        method: str,
        path_regex: str,
        status: int,
        body: bytes | str = b"",
        content_type: str = "application/json",
        times: int = 1,
        headers: dict[str, str] | None = None,
    ) -> None:
        """Answer the next ``times`` requests matching ``method`` (or "*") and ``path_regex``
        (``re.search`` on the path, query string excluded) with this canned response.
        Faults are checked before auth and routing, in the order they were registered."""
        data = body.encode("utf-8") if isinstance(body, str) else bytes(body)
        with self.lock:
            self._faults.append(
                _Fault(method.upper(), re.compile(path_regex), status, data, content_type, times, headers)
            )

    def find_requests(self, method: str | None = None, path_regex: str | None = None) -> list[RecordedRequest]:
        """Recorded requests filtered by method and ``re.search`` on the path."""
        with self.lock:
            return [
                r
                for r in self.requests
                if (method is None or r.method == method.upper())
                and (path_regex is None or re.search(path_regex, r.path))
            ]

    def conversation_messages(self, display_id: int) -> list[dict[str, Any]]:
        """The internal message dicts of a conversation, oldest first."""
        with self.lock:
            return [self.messages[i] for i in self.conversations[display_id]["message_ids"]]

    def user_by_token(self, token: str) -> dict[str, Any] | None:
        return next((u for u in self.users.values() if u["access_token"] == token), None)

    # ------------------------------------------------------------------ clock and ids

    def _now(self) -> float:
        """Real time, but never earlier than the seeded data."""
        return max(time.time(), self._time_floor)

    def _next_id(self, kind: str) -> int:
        self._ids[kind] += 1
        return self._ids[kind]

    # ------------------------------------------------------------------ seeding

    def _seed(self, extra_conversations: int, long_count: int) -> None:
        rng = random.Random(20260202)
        self._rng_uuid = lambda: str(uuid.UUID(int=rng.getrandbits(128), version=4))
        self._time_floor = 0.0
        self._seeding = True
        self._ids = {"contact": 0, "contact_inbox": 0, "message": 0, "attachment": 0, "conversation": 0}
        base = BASE_TIME

        self.accounts: dict[int, dict[str, Any]] = {
            1: {"id": 1, "name": "Acme Support"},
            2: {"id": 2, "name": "Other Co"},
        }
        users = [
            (1, "Owner Admin", "Owner", "owner@acme.example", self.TOKEN, "administrator", "online", "available", True),
            (2, "Ana Silva", "Ana", "ana@acme.example", self.AGENT_TOKEN, "agent", "online", "available", True),
            (3, "Bruno Costa", None, "bruno@acme.example", "sandbox-bruno-token", "agent", "busy", "busy", True),
            (4, "Chen Wei", None, "chen@acme.example", "sandbox-chen-token", "agent", "offline", "offline", False),
        ]
        self.users: dict[int, dict[str, Any]] = {}
        for uid, name, display, email, token, role, availability, status, auto_offline in users:
            self.users[uid] = {
                "id": uid,
                "name": name,
                "display_name": display,
                "email": email,
                "access_token": token,
                "pubsub_token": f"sbxPubsub{uid}{name.split()[0]}Token",
                "role": role,
                "availability": availability,
                "availability_status": status,
                "auto_offline": auto_offline,
                "custom_attributes": {"languages": ["pt", "en"]} if uid == 3 else {},
                "account_ids": [1],
                "created_at": base - 400 * 86400 + uid * 3600,
            }

        def inbox_row(iid: int, name: str, channel_type: str, members: list[int], **extra: Any) -> dict[str, Any]:
            created = base - 300 * 86400 + iid * 86400
            row = {
                "id": iid,
                "channel_id": 1,
                "account_id": 1,
                "name": name,
                "created_at": created,
                "updated_at": created,
                "channel_type": channel_type,
                "enable_auto_assignment": True,
                "greeting_enabled": False,
                "greeting_message": None,
                "email_address": None,
                "working_hours_enabled": False,
                "out_of_office_message": None,
                "timezone": "UTC",
                "enable_email_collect": True,
                "csat_survey_enabled": False,
                "allow_messages_after_resolved": True,
                "auto_assignment_config": {},
                "lock_to_single_conversation": False,
                "portal_id": None,
                "sender_name_type": "friendly",
                "business_name": None,
                "csat_config": {},
                "members": members,
                "channel": {},
            }
            row.update(extra)
            return row

        self.inboxes: dict[int, dict[str, Any]] = {
            1: inbox_row(
                1,
                "Website",
                "Channel::WebWidget",
                [2, 3],
                greeting_enabled=True,
                greeting_message="Hi there! We usually reply in a few minutes.",
                working_hours_enabled=True,
                timezone="Europe/Lisbon",
                out_of_office_message="We're away right now; we'll email you back.",
                channel={
                    "website_url": "https://acme.example.com",
                    "widget_color": "#1F93FF",
                    "welcome_title": "Hi there! 🙌",
                    "welcome_tagline": "We make it simple to connect with us.",
                    "website_token": "sbxWebsiteToken7Yx2",
                    "hmac_mandatory": False,
                    "allowed_domains": "",
                    "selected_feature_flags": ["attachments", "emoji_picker", "end_conversation"],
                    "reply_time": "in_a_few_minutes",
                },
            ),
            2: inbox_row(
                2,
                "Support API",
                "Channel::Api",
                [2, 3, 4],
                channel={
                    "webhook_url": "https://hooks.example.com/chatwoot",
                    "inbox_identifier": "sbxApiInbox9Qw3Lm",
                    "additional_attributes": {},
                    "hmac_token": "sbxHmacToken4Kd8",
                },
            ),
            3: inbox_row(
                3,
                "Email",
                "Channel::Email",
                [3, 4],
                business_name="Acme Support",
                channel={"email": "support@acme.example", "forwarding_enabled": True},
            ),
        }
        self.teams: dict[int, dict[str, Any]] = {
            1: {
                "id": 1,
                "name": "billing",
                "description": "Billing questions",
                "allow_auto_assign": True,
                "account_id": 1,
                "created_at": base - 250 * 86400,
                "updated_at": base - 250 * 86400,
                "members": [2, 3],
            },
            2: {
                "id": 2,
                "name": "tier-2",
                "description": "Escalations from the front line",
                "allow_auto_assign": False,
                "account_id": 1,
                "created_at": base - 240 * 86400,
                "updated_at": base - 200 * 86400,
                "members": [3, 4],
            },
        }
        canned = [
            ("refund", "We've processed your refund; it'll arrive in 3\u20135 business days."),
            ("shipping", "Orders ship within 2 business days. You'll get a tracking link by email."),
            ("greeting", "Hi {{contact.name}}, thanks for reaching out! How can we help?"),
            ("order-status", "You can track your order at https://acme.example.com/orders."),
        ]
        self.canned_responses: dict[int, dict[str, Any]] = {
            i: {
                "id": i,
                "account_id": 1,
                "short_code": code,
                "content": content,
                "created_at": base - (90 - i) * 86400,
                "updated_at": base - (90 - i) * 86400,
            }
            for i, (code, content) in enumerate(canned, start=1)
        }
        label_defs = [
            ("billing", "Billing and invoices", "#1F93FF"),
            ("bug", "Product defects", "#8B5CF6"),
            ("churn-risk", "Customers at risk", "#F97316"),
            ("customer", "Paying customer", "#10B981"),
            ("enterprise", "Enterprise plan", "#0EA5E9"),
            ("refund", "Refund requests", "#EF4444"),
            ("vip", "Priority customers", "#F59E0B"),
        ]
        self.labels: dict[int, dict[str, Any]] = {
            i: {"id": i, "title": t, "description": d, "color": c, "show_on_sidebar": True}
            for i, (t, d, c) in enumerate(label_defs, start=1)
        }

        self.contacts: dict[int, dict[str, Any]] = {}
        for index, (name, email, phone, identifier, addl, custom, labels) in enumerate(_SEED_CONTACTS, start=1):
            self._ids["contact"] = index
            self.contacts[index] = {
                "id": index,
                "account_id": 1,
                "name": name,
                "email": email,
                "phone_number": phone,
                "identifier": identifier,
                "blocked": index == _BLOCKED_CONTACT,
                "additional_attributes": dict(addl),
                "custom_attributes": dict(custom),
                "availability_status": "online" if index == _ONLINE_CONTACT else "offline",
                "last_activity_at": None,
                "created_at": base - (24 - index) * 9 * 86400 + index * 137,
                "labels": list(labels),
            }

        self.contact_inboxes: dict[int, dict[str, Any]] = {}
        self._ci_by_pair: dict[tuple[int, int], int] = {}
        self._ci_by_contact: dict[int, list[int]] = {}
        self.conversations: dict[int, dict[str, Any]] = {}
        self.messages: dict[int, dict[str, Any]] = {}

        for display_id, spec in enumerate(_SEED_CONVERSATIONS, start=1):
            contact_id, inbox_id, status, assignee, team, labels, priority, hours, custom, script = spec
            if script == _LONG:
                script = _long_script(long_count)
                step = 90
            else:
                step = 420
            start = base - int(hours * 3600)
            conv = self._new_conversation(
                display_id,
                contact_id,
                inbox_id,
                created_at=start,
                assignee_id=assignee,
                team_id=team,
                labels=labels,
                priority=priority,
                custom_attributes=custom,
                additional_attributes=self._seed_conversation_attributes(display_id, inbox_id, script, start),
            )
            author = assignee or 1
            last_agent = None
            for k, (kind, text) in enumerate(script):
                at = start + k * step
                if kind == "in":
                    self._add_message(conv, text, INCOMING, "Contact", contact_id, at=at)
                elif kind in ("out", "note"):
                    self._add_message(conv, text, OUTGOING, "User", author, at=at, private=kind == "note")
                    last_agent = at
                else:
                    self._add_message(conv, text, ACTIVITY, None, None, at=at)
            conv["status"] = status
            conv["snoozed_until"] = _SNOOZED_UNTIL.get(display_id) if status == "snoozed" else None
            conv["muted"] = display_id in _MUTED
            conv["agent_last_seen_at"] = last_agent
            conv["assignee_last_seen_at"] = last_agent if assignee else None
            if inbox_id == 1 and conv["message_ids"]:
                conv["contact_last_seen_at"] = self.messages[conv["message_ids"][-1]]["created_at"] + 30
            conv["updated_at"] = conv["last_activity_at"] + 0.5 + display_id / 1000

        self._seed_extra(extra_conversations)
        self._time_floor = float(max([c["updated_at"] for c in self.conversations.values()] + [float(base)]) + 1)
        self._seeding = False

    def _seed_conversation_attributes(self, display_id: int, inbox_id: int, script: list, start: int) -> dict:
        attrs: dict[str, Any] = {}
        if inbox_id == 1:
            attrs = {
                "browser": {
                    "device_name": "Unknown",
                    "browser_name": "Chrome",
                    "platform_name": "macOS",
                    "browser_version": "132.0.0.0",
                    "platform_version": "14.2",
                },
                "referer": "https://acme.example.com/pricing" if display_id % 2 else "https://acme.example.com/help",
                "initiated_at": {"timestamp": _iso(start)},
                "browser_language": _LANGUAGES.get(display_id, "en"),
            }
        elif inbox_id == 3:
            first = next((text for kind, text in script if kind == "in"), "Support request")
            attrs = {"mail_subject": first[:60], "source": "email"}
        if display_id in _LANGUAGES:
            attrs["conversation_language"] = _LANGUAGES[display_id]
        return attrs

    def _seed_extra(self, count: int) -> None:
        if count <= 0:
            return
        resolved = [c["id"] for c in self.contacts.values() if self._is_resolved(c)]
        assignees = [None, 2, 3, 4]
        first = len(self.conversations) + 1
        start_at = BASE_TIME - 600 * 3600
        for k in range(count):
            display_id = first + k
            contact_id = resolved[k % len(resolved)]
            inbox_id = 2 if k % 2 == 0 else 1
            at = start_at - k * 60
            conv = self._new_conversation(
                display_id,
                contact_id,
                inbox_id,
                created_at=at,
                assignee_id=assignees[k % 4],
                team_id=None,
                labels=[],
                priority=None,
                custom_attributes={},
                additional_attributes={},
            )
            self._add_message(
                conv,
                f"Extra conversation {display_id}: need help with order #{10000 + k}.",
                INCOMING,
                "Contact",
                contact_id,
                at=at,
            )
            conv["updated_at"] = at + 0.5

    # ------------------------------------------------------------------ state mutation

    def _contact_inbox(self, contact: dict, inbox: dict, source_id: Any = None) -> dict[str, Any]:
        """ContactInboxBuilder: find or create the contact's contact_inbox for an inbox."""
        source = None if _blank(source_id) else str(source_id)
        existing = self._ci_by_pair.get((contact["id"], inbox["id"]))
        if existing is not None and (source is None or self.contact_inboxes[existing]["source_id"] == source):
            return self.contact_inboxes[existing]
        if source is None:
            if inbox["channel_type"] == "Channel::Email":
                if not contact.get("email"):
                    raise _Fail(422, {"error": "param is missing or the value is empty: contact email"})
                source = contact["email"]
            else:
                source = self._rng_uuid() if self._seeding else str(uuid.uuid4())
        for ci in self.contact_inboxes.values():
            if ci["inbox_id"] == inbox["id"] and ci["source_id"] == source:
                raise _Fail(422, {"error": "source_id should be unique"})
        ci_id = self._next_id("contact_inbox")
        ci = {"id": ci_id, "contact_id": contact["id"], "inbox_id": inbox["id"], "source_id": source}
        self.contact_inboxes[ci_id] = ci
        self._ci_by_pair.setdefault((contact["id"], inbox["id"]), ci_id)
        self._ci_by_contact.setdefault(contact["id"], []).append(ci_id)
        return ci

    def _new_conversation(
        self,
        display_id: int,
        contact_id: int,
        inbox_id: int,
        *,
        created_at: float,
        assignee_id: int | None,
        team_id: int | None,
        labels: list[str],
        priority: str | None,
        custom_attributes: dict,
        additional_attributes: dict,
        contact_inbox: dict | None = None,
        status: str = "open",
        snoozed_until: float | None = None,
    ) -> dict[str, Any]:
        contact = self.contacts[contact_id]
        ci = contact_inbox or self._contact_inbox(contact, self.inboxes[inbox_id])
        conv = {
            "id": display_id,
            "account_id": contact["account_id"],
            "inbox_id": inbox_id,
            "contact_id": contact_id,
            "contact_inbox_id": ci["id"],
            "uuid": self._rng_uuid() if self._seeding else str(uuid.uuid4()),
            "status": status,
            "assignee_id": assignee_id,
            "team_id": team_id,
            "priority": priority,
            "snoozed_until": snoozed_until if status == "snoozed" else None,
            "labels": list(labels),
            "custom_attributes": dict(custom_attributes),
            "additional_attributes": dict(additional_attributes),
            "created_at": int(created_at),
            "updated_at": float(created_at),
            "last_activity_at": int(created_at),
            "agent_last_seen_at": None,
            "assignee_last_seen_at": None,
            "contact_last_seen_at": None,
            "first_reply_created_at": None,
            "waiting_since": int(created_at),
            "muted": False,
            "message_ids": [],
        }
        self.conversations[display_id] = conv
        self._ids["conversation"] = max(self._ids["conversation"], display_id)
        return conv

    def _add_message(
        self,
        conv: dict,
        content: str | None,
        message_type: int,
        sender_type: str | None,
        sender_id: int | None,
        *,
        at: float,
        private: bool = False,
        content_type: str = "text",
        content_attributes: dict | None = None,
        source_id: Any = None,
        echo_id: Any = None,
        additional_attributes: dict | None = None,
    ) -> dict[str, Any]:
        message_id = self._next_id("message")
        message = {
            "id": message_id,
            "account_id": conv["account_id"],
            "conversation_id": conv["id"],
            "inbox_id": conv["inbox_id"],
            "content": content,
            "message_type": message_type,
            "content_type": content_type,
            "status": "sent",
            "private": private,
            "source_id": source_id,
            "content_attributes": content_attributes or {},
            "additional_attributes": additional_attributes or {},
            "sender_type": sender_type,
            "sender_id": sender_id,
            "created_at": int(at),
            "updated_at": float(at),
            "echo_id": echo_id,
            "attachments": [],
        }
        self.messages[message_id] = message
        conv["message_ids"].append(message_id)
        # Message callbacks: conversation activity, reopen on incoming, first reply, waiting_since,
        # contact activity.
        conv["last_activity_at"] = int(at)
        conv["updated_at"] = float(at)
        if message_type == INCOMING:
            if conv["status"] in ("resolved", "snoozed") and not conv["muted"]:
                conv["status"] = "open"
                conv["snoozed_until"] = None
            if conv["waiting_since"] is None:
                conv["waiting_since"] = int(at)
            contact = self.contacts.get(conv["contact_id"])
            if contact is not None and sender_type == "Contact":
                contact["last_activity_at"] = int(at)
        elif message_type == OUTGOING and not private and sender_type == "User":
            if conv["first_reply_created_at"] is None:
                conv["first_reply_created_at"] = int(at)
            conv["waiting_since"] = None
        return message

    # ------------------------------------------------------------------ permissions

    def _is_admin(self, user: dict) -> bool:
        return user["role"] == "administrator"

    def _visible_inbox_ids(self, user: dict, account_id: int) -> set[int]:
        return {
            i["id"]
            for i in self.inboxes.values()
            if i["account_id"] == account_id and (self._is_admin(user) or user["id"] in i["members"])
        }

    def _can_see(self, user: dict, conv: dict) -> bool:
        if self._is_admin(user) or conv["assignee_id"] == user["id"]:
            return True
        if user["id"] in self.inboxes[conv["inbox_id"]]["members"]:
            return True
        team = self.teams.get(conv["team_id"]) if conv["team_id"] else None
        return bool(team and user["id"] in team["members"])

    # ------------------------------------------------------------------ renderers

    def _inbox_slim(self, inbox: dict) -> dict[str, Any]:
        return {
            "id": inbox["id"],
            "avatar_url": "",
            "channel_id": inbox["channel_id"],
            "name": inbox["name"],
            "channel_type": inbox["channel_type"],
            "provider": None,
        }

    def _inbox_raw(self, inbox: dict) -> dict[str, Any]:
        keys = [
            "id",
            "channel_id",
            "account_id",
            "name",
            "created_at",
            "updated_at",
            "channel_type",
            "enable_auto_assignment",
            "greeting_enabled",
            "greeting_message",
            "email_address",
            "working_hours_enabled",
            "out_of_office_message",
            "timezone",
            "enable_email_collect",
            "csat_survey_enabled",
            "allow_messages_after_resolved",
            "auto_assignment_config",
            "lock_to_single_conversation",
            "portal_id",
            "sender_name_type",
            "business_name",
            "csat_config",
        ]
        row = {k: inbox[k] for k in keys}
        row["created_at"] = _iso(inbox["created_at"])
        row["updated_at"] = _iso(inbox["updated_at"])
        return row

    def _inbox_json(self, inbox: dict, viewer: dict) -> dict[str, Any]:
        channel = inbox["channel"]
        widget = inbox["channel_type"] == "Channel::WebWidget"
        hours = []
        for day in range(7):
            weekday = 1 <= day <= 5
            hours.append(
                {
                    "day_of_week": day,
                    "closed_all_day": not weekday,
                    "open_hour": 9 if weekday else None,
                    "open_minutes": 0 if weekday else None,
                    "close_hour": 17 if weekday else None,
                    "close_minutes": 0 if weekday else None,
                    "open_all_day": False,
                }
            )
        script = None
        if widget and self._server is not None:
            script = (
                '<script>(function(d,t){var BASE_URL="' + self.url + '";var g=d.createElement(t),'
                's=d.getElementsByTagName(t)[0];g.src=BASE_URL+"/packs/js/sdk.js";g.async=true;'
                "s.parentNode.insertBefore(g,s);g.onload=function(){window.chatwootSDK.run({websiteToken:'"
                + channel["website_token"]
                + '\',baseUrl:BASE_URL})}})(document,"script");</script>'
            )
        out = {
            "id": inbox["id"],
            "avatar_url": "",
            "channel_id": inbox["channel_id"],
            "name": inbox["name"],
            "channel_type": inbox["channel_type"],
            "greeting_enabled": inbox["greeting_enabled"],
            "greeting_message": inbox["greeting_message"],
            "working_hours_enabled": inbox["working_hours_enabled"],
            "enable_email_collect": inbox["enable_email_collect"],
            "csat_survey_enabled": inbox["csat_survey_enabled"],
            "csat_config": inbox["csat_config"],
            "enable_auto_assignment": inbox["enable_auto_assignment"],
            "auto_assignment_config": inbox["auto_assignment_config"],
            "out_of_office_message": inbox["out_of_office_message"],
            "working_hours": hours,
            "timezone": inbox["timezone"],
            "callback_webhook_url": None,
            "allow_messages_after_resolved": inbox["allow_messages_after_resolved"],
            "lock_to_single_conversation": inbox["lock_to_single_conversation"],
            "sender_name_type": inbox["sender_name_type"],
            "business_name": inbox["business_name"],
            "allowed_domains": channel.get("allowed_domains") if widget else None,
            "widget_color": channel.get("widget_color") if widget else None,
            "website_url": channel.get("website_url") if widget else None,
            "hmac_mandatory": channel.get("hmac_mandatory", False) if widget else False,
            "welcome_title": channel.get("welcome_title") if widget else None,
            "welcome_tagline": channel.get("welcome_tagline") if widget else None,
            "web_widget_script": script,
            "website_token": channel.get("website_token") if widget else None,
            "selected_feature_flags": channel.get("selected_feature_flags") if widget else None,
            "reply_time": channel.get("reply_time") if widget else None,
            "messaging_service_sid": None,
            "phone_number": None,
        }
        if inbox["channel_type"] == "Channel::Api":
            out["webhook_url"] = channel["webhook_url"]
            out["inbox_identifier"] = channel["inbox_identifier"]
            out["additional_attributes"] = channel["additional_attributes"]
            if self._is_admin(viewer):
                out["hmac_token"] = channel["hmac_token"]
        elif inbox["channel_type"] == "Channel::Email":
            out["email"] = channel["email"]
            out["forwarding_enabled"] = channel["forwarding_enabled"]
        out["provider"] = None
        return out

    def _contact_json(self, contact: dict, *, with_inboxes: bool = False) -> dict[str, Any]:
        out = {
            "additional_attributes": contact["additional_attributes"],
            "availability_status": contact["availability_status"],
            "email": contact["email"],
            "id": contact["id"],
            "name": contact["name"],
            "phone_number": contact["phone_number"],
            "blocked": contact["blocked"],
            "identifier": contact["identifier"],
            "thumbnail": "",
            "custom_attributes": contact["custom_attributes"],
        }
        if contact["last_activity_at"] is not None:
            out["last_activity_at"] = contact["last_activity_at"]
        out["created_at"] = contact["created_at"]
        if with_inboxes:
            out["contact_inboxes"] = [
                {"source_id": ci["source_id"], "inbox": self._inbox_slim(self.inboxes[ci["inbox_id"]])}
                for ci in (self.contact_inboxes[i] for i in self._ci_by_contact.get(contact["id"], []))
            ]
        return out

    def _contact_push(self, contact: dict) -> dict[str, Any]:
        return {
            "additional_attributes": contact["additional_attributes"],
            "custom_attributes": contact["custom_attributes"],
            "email": contact["email"],
            "id": contact["id"],
            "identifier": contact["identifier"],
            "name": contact["name"],
            "phone_number": contact["phone_number"],
            "thumbnail": "",
            "blocked": contact["blocked"],
            "type": "contact",
        }

    @staticmethod
    def _available_name(user: dict) -> str:
        return user["display_name"] or user["name"]

    def _user_push(self, user: dict) -> dict[str, Any]:
        return {
            "id": user["id"],
            "name": user["name"],
            "available_name": self._available_name(user),
            "avatar_url": "",
            "type": "user",
            "availability_status": user["availability_status"],
            "thumbnail": "",
        }

    def _agent_json(self, user: dict) -> dict[str, Any]:
        out = {
            "id": user["id"],
            "account_id": 1,
            "availability_status": user["availability_status"],
            "auto_offline": user["auto_offline"],
            "confirmed": True,
            "email": user["email"],
            "provider": "email",
            "available_name": self._available_name(user),
        }
        if user["custom_attributes"]:
            out["custom_attributes"] = user["custom_attributes"]
        out.update({"name": user["name"], "role": user["role"], "thumbnail": "", "custom_role_id": None})
        return out

    def _team_json(self, team: dict, viewer: dict) -> dict[str, Any]:
        return {
            "id": team["id"],
            "name": team["name"],
            "description": team["description"],
            "allow_auto_assign": team["allow_auto_assign"],
            "account_id": team["account_id"],
            "is_member": viewer["id"] in team["members"],
        }

    def _team_raw(self, team: dict) -> dict[str, Any]:
        return {
            "id": team["id"],
            "name": team["name"],
            "description": team["description"],
            "allow_auto_assign": team["allow_auto_assign"],
            "account_id": team["account_id"],
            "created_at": _iso(team["created_at"]),
            "updated_at": _iso(team["updated_at"]),
        }

    def _sender_push(self, message: dict) -> dict[str, Any] | None:
        if message["sender_type"] == "Contact":
            contact = self.contacts.get(message["sender_id"])
            return self._contact_push(contact) if contact else None
        if message["sender_type"] == "User":
            user = self.users.get(message["sender_id"])
            return self._user_push(user) if user else None
        return None

    def _attachments_json(self, message: dict) -> list[dict[str, Any]]:
        out = []
        for att in message["attachments"]:
            data_url = (
                f"{self.url if self._server else ''}/rails/active_storage/blobs/redirect/{att['id']}/{att['filename']}"
            )
            out.append(
                {
                    "id": att["id"],
                    "message_id": att["message_id"],
                    "file_type": att["file_type"],
                    "account_id": att["account_id"],
                    "extension": att["extension"],
                    "data_url": data_url,
                    "thumb_url": data_url if att["file_type"] == "image" else "",
                    "file_size": att["file_size"],
                    "width": None,
                    "height": None,
                }
            )
        return out

    def _message_json(self, message: dict) -> dict[str, Any]:
        """The ``_message`` partial (messages list, message create)."""
        out: dict[str, Any] = {"id": message["id"], "content": message["content"], "inbox_id": message["inbox_id"]}
        if message["echo_id"] is not None:
            out["echo_id"] = message["echo_id"]
        out.update(
            {
                "conversation_id": message["conversation_id"],
                "message_type": message["message_type"],
                "content_type": message["content_type"],
                "status": message["status"],
                "content_attributes": message["content_attributes"],
                "created_at": message["created_at"],
                "private": message["private"],
                "source_id": message["source_id"],
            }
        )
        sender = self._sender_push(message)
        if sender is not None:
            out["sender"] = sender
        if message["attachments"]:
            out["attachments"] = self._attachments_json(message)
        return out

    def _message_push(self, message: dict, conv: dict, unread: int) -> dict[str, Any]:
        """``push_event_data`` (inside conversations)."""
        ci = self.contact_inboxes.get(conv["contact_inbox_id"])
        out: dict[str, Any] = {
            "id": message["id"],
            "content": message["content"],
            "account_id": message["account_id"],
            "inbox_id": message["inbox_id"],
            "conversation_id": message["conversation_id"],
            "message_type": message["message_type"],
            "created_at": message["created_at"],
            "updated_at": _iso(message["updated_at"]),
            "private": message["private"],
            "status": message["status"],
            "source_id": message["source_id"],
            "content_type": message["content_type"],
            "content_attributes": message["content_attributes"],
            "sender_type": message["sender_type"],
            "sender_id": message["sender_id"],
            "external_source_ids": {},
            "additional_attributes": message["additional_attributes"],
            "processed_message_content": message["content"],
            "sentiment": {},
            "conversation": {
                "assignee_id": conv["assignee_id"],
                "unread_count": unread,
                "last_activity_at": conv["last_activity_at"],
                "contact_inbox": {"source_id": ci["source_id"] if ci else None},
            },
        }
        if message["echo_id"] is not None:
            out["echo_id"] = message["echo_id"]
        if message["attachments"]:
            out["attachments"] = self._attachments_json(message)
        sender = self._sender_push(message)
        if sender is not None:
            out["sender"] = sender
        return out

    def _unread_count(self, conv: dict) -> int:
        seen = conv["agent_last_seen_at"]
        count = 0
        for message_id in reversed(conv["message_ids"]):
            message = self.messages[message_id]
            if seen is not None and message["created_at"] <= seen:
                break
            if message["message_type"] == INCOMING:
                count += 1
                if count >= 10:
                    break
        return count

    def _conversation_json(self, conv: dict, viewer: dict) -> dict[str, Any]:
        contact = self.contacts[conv["contact_id"]]
        inbox = self.inboxes[conv["inbox_id"]]
        meta: dict[str, Any] = {"sender": self._contact_json(contact), "channel": inbox["channel_type"]}
        assignee = self.users.get(conv["assignee_id"]) if conv["assignee_id"] else None
        if assignee is not None:
            meta["assignee"] = self._agent_json(assignee)
            meta["assignee_type"] = "User"
        team = self.teams.get(conv["team_id"]) if conv["team_id"] else None
        if team is not None:
            meta["team"] = self._team_json(team, viewer)
        meta["hmac_verified"] = False
        unread = self._unread_count(conv)
        ids = conv["message_ids"]
        latest = [self._message_push(self.messages[ids[-1]], conv, unread)] if ids else []
        last_non_activity = None
        for message_id in reversed(ids):
            if self.messages[message_id]["message_type"] != ACTIVITY:
                last_non_activity = self._message_push(self.messages[message_id], conv, unread)
                break
        return {
            "meta": meta,
            "id": conv["id"],
            "messages": latest,
            "account_id": conv["account_id"],
            "uuid": conv["uuid"],
            "additional_attributes": conv["additional_attributes"],
            "agent_last_seen_at": _to_i(conv["agent_last_seen_at"]),
            "assignee_last_seen_at": _to_i(conv["assignee_last_seen_at"]),
            "can_reply": True,
            "contact_last_seen_at": _to_i(conv["contact_last_seen_at"]),
            "custom_attributes": conv["custom_attributes"],
            "inbox_id": conv["inbox_id"],
            "labels": list(conv["labels"]),
            "muted": conv["muted"],
            "snoozed_until": _iso(conv["snoozed_until"]),
            "status": conv["status"],
            "created_at": conv["created_at"],
            "updated_at": conv["updated_at"],
            "timestamp": conv["last_activity_at"],
            "first_reply_created_at": _to_i(conv["first_reply_created_at"]),
            "unread_count": unread,
            "last_non_activity_message": last_non_activity,
            "last_activity_at": conv["last_activity_at"],
            "priority": conv["priority"],
            "waiting_since": _to_i(conv["waiting_since"]),
            "sla_policy_id": None,
        }

    # ------------------------------------------------------------------ HTTP plumbing

    def _dispatch(self, request: Request) -> Response:
        body = request.get_data()
        raw_headers = request.environ.get("sandbox.raw_headers") or list(request.headers.items())
        headers = _HeaderDict()
        for key, value in raw_headers:
            headers[key] = f"{dict.__getitem__(headers, key)},{value}" if dict.__contains__(headers, key) else value
        try:
            parsed_json = json.loads(body) if body.strip() else None
        except ValueError:
            parsed_json = None
        record = RecordedRequest(
            method=request.method,
            path=request.path,
            query=MultiDict(request.args.items(multi=True)),
            headers=headers,
            body=body,
            json=parsed_json,
        )
        with self.lock:
            self.requests.append(record)
            fault = self._take_fault(request)
        if self.latency and self.latency > 0:
            time.sleep(self.latency)
        if self._server is not None and len(self._server.log) > 500:
            del self._server.log[:-50]  # pytest-httpserver keeps its own log; keep it small
        if fault is not None:
            record.status = fault.status
            response = Response(fault.body, status=fault.status, content_type=fault.content_type)
            for key, value in (fault.headers or {}).items():
                response.headers[key] = value
            return response
        try:
            with self.lock:
                status, result = self._handle(request, record)
                if isinstance(result, Response):
                    record.status = result.status_code
                    return result
                payload = b"" if result is _EMPTY else _json_bytes(result)
        except _Fail as failure:
            status, payload = failure.status, _json_bytes(failure.payload)
        except Exception:  # a sandbox bug: answer like Rails would, and keep the traceback
            text = traceback.format_exc()
            self.errors.append(text)
            sys.stderr.write(f"sandbox: internal error on {request.method} {request.path}\n{text}")
            status, payload = 500, _json_bytes({"status": 500, "error": "Internal Server Error"})
        record.status = status
        return Response(payload, status=status, content_type=JSON_CONTENT_TYPE)

    def _take_fault(self, request: Request) -> _Fault | None:
        for fault in self._faults:
            if fault.method in ("*", request.method) and fault.path.search(request.path):
                fault.times -= 1
                if fault.times <= 0:
                    self._faults.remove(fault)
                return fault
        return None

    def _build_routes(self) -> list[tuple[str, re.Pattern[str], Callable[..., Any], bool]]:
        acct = r"/api/v1/accounts/(?P<account>[^/]+)"
        rid = r"(?P<id>[^/]+)"
        table: list[tuple[str, str, Callable[..., Any], bool]] = [
            ("GET", r"/api/v1/profile", self._profile, False),
            ("GET", acct + r"/contacts", self._contacts_index, True),
            ("POST", acct + r"/contacts", self._contacts_create, True),
            ("GET", acct + r"/contacts/search", self._contacts_search, True),
            ("POST", acct + r"/contacts/filter", self._contacts_filter, True),
            ("GET", acct + rf"/contacts/{rid}/conversations", self._contact_conversations, True),
            ("GET", acct + rf"/contacts/{rid}/labels", self._contact_labels, True),
            ("POST", acct + rf"/contacts/{rid}/labels", self._contact_labels_update, True),
            ("GET", acct + rf"/contacts/{rid}", self._contacts_show, True),
            ("PATCH", acct + rf"/contacts/{rid}", self._contacts_update, True),
            ("PUT", acct + rf"/contacts/{rid}", self._contacts_update, True),
            ("DELETE", acct + rf"/contacts/{rid}", self._contacts_destroy, True),
            ("GET", acct + r"/conversations", self._conversations_index, True),
            ("GET", acct + r"/conversations/meta", self._conversations_meta, True),
            ("POST", acct + r"/conversations", self._conversations_create, True),
            ("POST", acct + r"/conversations/filter", self._conversations_filter, True),
            ("GET", acct + rf"/conversations/{rid}/messages", self._messages_index, True),
            ("POST", acct + rf"/conversations/{rid}/messages", self._messages_create, True),
            ("POST", acct + rf"/conversations/{rid}/assignments", self._assignments, True),
            ("POST", acct + rf"/conversations/{rid}/toggle_status", self._toggle_status, True),
            ("POST", acct + rf"/conversations/{rid}/toggle_priority", self._toggle_priority, True),
            ("GET", acct + rf"/conversations/{rid}/labels", self._conversation_labels, True),
            ("POST", acct + rf"/conversations/{rid}/labels", self._conversation_labels_update, True),
            ("POST", acct + rf"/conversations/{rid}/custom_attributes", self._conversation_custom_attributes, True),
            ("GET", acct + rf"/conversations/{rid}", self._conversations_show, True),
            ("PATCH", acct + rf"/conversations/{rid}", self._conversations_update, True),
            ("PUT", acct + rf"/conversations/{rid}", self._conversations_update, True),
            ("GET", acct + r"/agents", self._agents_index, True),
            ("GET", acct + r"/inboxes", self._inboxes_index, True),
            ("GET", acct + r"/teams", self._teams_index, True),
            ("GET", acct + r"/canned_responses", self._canned_responses_index, True),
            ("GET", acct + r"/labels", self._labels_index, True),
        ]
        return [(method, re.compile(pattern), handler, scoped) for method, pattern, handler, scoped in table]

    def _handle(self, request: Request, record: RecordedRequest) -> tuple[int, Any]:
        path = request.path
        path = path.removesuffix(".json").rstrip("/") or "/"
        blob = re.fullmatch(r"/rails/active_storage/blobs/redirect/(\d+)/[^/]*", path)
        if blob and request.method == "GET":  # attachment download (a signed URL: no token)
            attachment = next((a for a in self.uploads if a["id"] == int(blob.group(1))), None)
            if attachment is None:
                raise _Fail(404, {"status": 404, "error": "Not Found"})
            return 200, Response(attachment["data"], status=200, content_type=attachment["content_type"])
        for method, pattern, handler, scoped in self._routes:
            match = pattern.fullmatch(path)
            if match and method == request.method:
                return 200, self._run(request, record, match, handler, scoped)
        raise _Fail(404, {"status": 404, "error": "Not Found"})

    def _run(
        self, request: Request, record: RecordedRequest, match: re.Match[str], handler: Callable[..., Any], scoped: bool
    ) -> Any:
        """Parse the body (400), authenticate (401), check the account (404/401), run the handler."""
        params, files = self._params(request, record)
        user = self._authenticate(request)
        groups = match.groupdict()
        account_id = None
        if scoped:
            account_id = _int_or_none(groups.pop("account"))
            if account_id is None or account_id not in self.accounts:
                raise _not_found()
            if account_id not in user["account_ids"]:
                raise _unauthorized("You are not authorized to access this account")
        ctx = _Ctx(request=request, params=params, files=files, user=user, account_id=account_id)
        return handler(ctx, **groups)

    def _params(self, request: Request, record: RecordedRequest) -> tuple[dict[str, Any], dict[str, list[Any]]]:
        params = _rack_params(request.args.items(multi=True))
        files: dict[str, list[Any]] = {}
        mimetype = request.mimetype
        if mimetype == "application/json" or mimetype.endswith("+json"):
            data = request.get_data()
            if data.strip():
                try:
                    body = json.loads(data)
                except ValueError:
                    raise _Fail(400, {"status": 400, "error": "Bad Request"}) from None
                if isinstance(body, dict):
                    params.update(body)
                else:
                    params["_json"] = body
        elif mimetype in ("multipart/form-data", "application/x-www-form-urlencoded"):
            request.max_form_memory_size = None
            request.max_form_parts = 100_000
            params.update(_rack_params(request.form.items(multi=True)))
            for key, storage in request.files.items(multi=True):
                name = key.removesuffix("[]")
                files.setdefault(name, []).append(storage)
                storage.stream.seek(0, 2)
                size = storage.stream.tell()
                storage.stream.seek(0)
                record.files.append(
                    {"field": key, "filename": storage.filename, "content_type": storage.mimetype, "size": size}
                )
        return params, files

    def _authenticate(self, request: Request) -> dict[str, Any]:
        token = request.headers.get("Api-Access-Token")
        if not token or not token.strip():
            raise _Fail(401, {"errors": ["You need to sign in or sign up before continuing."]})
        user = self.user_by_token(token)
        if user is None:
            raise _unauthorized("Invalid Access Token")
        return user

    # ------------------------------------------------------------------ lookups

    def _find_contact(self, ctx: _Ctx, raw_id: Any) -> dict[str, Any]:
        contact = self.contacts.get(_int_or_none(raw_id))  # type: ignore[arg-type]
        if contact is None or contact["account_id"] != ctx.account_id:
            raise _not_found()
        return contact

    def _find_conversation(self, ctx: _Ctx, raw_id: Any) -> dict[str, Any]:
        conv = self.conversations.get(_int_or_none(raw_id))  # type: ignore[arg-type]
        if conv is None or conv["account_id"] != ctx.account_id:
            raise _not_found()
        if not self._can_see(ctx.user, conv):
            raise _unauthorized("You are not authorized to do this action")
        return conv

    def _find_inbox(self, ctx: _Ctx, raw_id: Any) -> dict[str, Any]:
        inbox = self.inboxes.get(_int_or_none(raw_id))  # type: ignore[arg-type]
        if inbox is None or inbox["account_id"] != ctx.account_id:
            raise _not_found()
        return inbox

    def _account_user(self, ctx: _Ctx, raw_id: Any) -> dict[str, Any] | None:
        user = self.users.get(_int_or_none(raw_id))  # type: ignore[arg-type]
        return user if user is not None and ctx.account_id in user["account_ids"] else None

    def _account_team(self, ctx: _Ctx, raw_id: Any) -> dict[str, Any] | None:
        team = self.teams.get(_int_or_none(raw_id))  # type: ignore[arg-type]
        return team if team is not None and team["account_id"] == ctx.account_id else None

    @staticmethod
    def _current_page(params: dict) -> Any:
        return params["page"] if "page" in params else 1

    @staticmethod
    def _list_param(value: Any) -> list[str]:
        if value is None:
            return []
        if isinstance(value, list):
            return [str(v) for v in value if not _blank(v)]
        if isinstance(value, str):
            return [v for v in (x.strip() for x in value.split(",")) if v]
        return [str(value)]

    # ------------------------------------------------------------------ profile

    def _profile(self, ctx: _Ctx) -> Any:
        user = ctx.user
        accounts = []
        for account_id in user["account_ids"]:
            accounts.append(
                {
                    "id": account_id,
                    "name": self.accounts[account_id]["name"],
                    "status": "active",
                    "active_at": _iso(BASE_TIME - 3600),
                    "role": user["role"],
                    "permissions": ["administrator"] if user["role"] == "administrator" else ["agent"],
                    "availability": user["availability"],
                    "availability_status": user["availability_status"],
                    "auto_offline": user["auto_offline"],
                }
            )
        return {
            "access_token": user["access_token"],
            "account_id": user["account_ids"][0] if user["account_ids"] else None,
            "available_name": self._available_name(user),
            "avatar_url": "",
            "confirmed": True,
            "display_name": user["display_name"],
            "message_signature": None,
            "email": user["email"],
            "id": user["id"],
            "inviter_id": None,
            "name": user["name"],
            "provider": "email",
            "pubsub_token": user["pubsub_token"],
            "role": user["role"],
            "ui_settings": {},
            "uid": user["email"],
            "type": "user",
            "accounts": accounts,
        }

    # ------------------------------------------------------------------ contacts

    @staticmethod
    def _is_resolved(contact: dict) -> bool:
        return bool(contact["email"] or contact["phone_number"] or contact["identifier"])

    def _account_contacts(self, ctx: _Ctx) -> list[dict[str, Any]]:
        return [c for c in self.contacts.values() if c["account_id"] == ctx.account_id]

    def _with_inboxes(self, ctx: _Ctx) -> bool:
        return str(ctx.params.get("include_contact_inboxes", "true")).lower() != "false"

    _CONTACT_SORTS: ClassVar[dict[str, Callable[[dict], Any]]] = {
        "name": lambda c: c["name"],
        "email": lambda c: c["email"],
        "phone_number": lambda c: c["phone_number"],
        "last_activity_at": lambda c: c["last_activity_at"],
        "created_at": lambda c: c["created_at"],
        "company": lambda c: c["additional_attributes"].get("company_name"),
        "city": lambda c: c["additional_attributes"].get("city"),
        "country": lambda c: c["additional_attributes"].get("country"),
    }

    def _sort_contacts(self, rows: list[dict], sort: Any) -> list[dict]:
        rows = sorted(rows, key=lambda c: c["id"])
        if not isinstance(sort, str) or not sort.strip():
            return rows
        for spec in reversed([s.strip() for s in sort.split(",") if s.strip()]):
            descending = spec.startswith("-")
            getter = self._CONTACT_SORTS.get(spec.lstrip("-"))
            if getter is None:
                continue
            present = [r for r in rows if not _blank(getter(r))]
            missing = [r for r in rows if _blank(getter(r))]

            def key(row: dict, getter: Callable = getter) -> Any:
                value = getter(row)
                return _collate(value) if isinstance(value, str) else value

            present.sort(key=key, reverse=descending)
            rows = present + missing  # NULLS LAST either way
        return rows

    def _contacts_index(self, ctx: _Ctx) -> Any:
        rows = [c for c in self._account_contacts(ctx) if self._is_resolved(c)]
        labels = self._list_param(ctx.params.get("labels"))
        if labels:
            rows = [c for c in rows if set(c["labels"]) & set(labels)]
        rows = self._sort_contacts(rows, ctx.params.get("sort"))
        page = _page(ctx.params.get("page"))
        chunk = rows[(page - 1) * CONTACTS_PER_PAGE : page * CONTACTS_PER_PAGE]
        with_inboxes = self._with_inboxes(ctx)
        return {
            "meta": {"count": len(rows), "current_page": self._current_page(ctx.params)},
            "payload": [self._contact_json(c, with_inboxes=with_inboxes) for c in chunk],
        }

    def _contacts_search(self, ctx: _Ctx) -> Any:
        q = ctx.params.get("q")
        q = q.strip() if isinstance(q, str) else ("" if q is None else str(q))
        if not q:  # the controller's `render ... if q.blank? && return` never renders the 422
            return {
                "meta": {"count": None, "current_page": self._current_page(ctx.params), "has_more": None},
                "payload": [],
            }
        needle = q.lower()

        def matches(c: dict) -> bool:
            return any(needle in (c[k] or "").lower() for k in ("name", "email", "phone_number")) or (
                q in (c["identifier"] or "")
            )

        rows = self._sort_contacts([c for c in self._account_contacts(ctx) if matches(c)], ctx.params.get("sort"))
        page = _page(ctx.params.get("page"))
        window = rows[(page - 1) * CONTACTS_PER_PAGE : page * CONTACTS_PER_PAGE + 1]
        chunk = window[:CONTACTS_PER_PAGE]
        with_inboxes = self._with_inboxes(ctx)
        return {
            "meta": {
                "count": len(chunk),
                "current_page": self._current_page(ctx.params),
                "has_more": len(window) > CONTACTS_PER_PAGE,
            },
            "payload": [self._contact_json(c, with_inboxes=with_inboxes) for c in chunk],
        }

    def _contact_input(self, params: dict) -> dict[str, Any]:
        data: dict[str, Any] = {}
        for key in ("name", "email", "phone_number", "identifier"):
            if key in params:
                value = params[key]
                value = "" if value is None else str(value)
                if key == "name":
                    data[key] = value
                else:
                    data[key] = (value.lower() if key == "email" else value) if value.strip() else None
        if "blocked" in params:
            data["blocked"] = _truthy(params["blocked"])
        for key in ("additional_attributes", "custom_attributes"):
            if isinstance(params.get(key), dict):
                data[key] = params[key]
        return data

    def _validate_contact(self, account_id: int, data: dict, exclude_id: int | None = None) -> None:
        errors: list[tuple[str, str]] = []
        others = [c for c in self.contacts.values() if c["account_id"] == account_id and c["id"] != exclude_id]
        email, identifier, phone, name = data["email"], data["identifier"], data["phone_number"], data["name"]
        if email is not None:
            if any((c["email"] or "").lower() == email.lower() for c in others):
                errors.append(("email", "Email has already been taken"))
            if not _EMAIL_RE.match(email):
                errors.append(("email", "Email Invalid email"))
            if len(email) > 255:
                errors.append(("email", "Email is too long (maximum is 255 characters)"))
        if identifier is not None:
            if any(c["identifier"] == identifier for c in others):
                errors.append(("identifier", "Identifier has already been taken"))
            if len(identifier) > 255:
                errors.append(("identifier", "Identifier is too long (maximum is 255 characters)"))
        if phone is not None:
            if any(c["phone_number"] == phone for c in others):
                errors.append(("phone_number", "Phone number has already been taken"))
            if not _PHONE_RE.search(phone):
                errors.append(("phone_number", "Phone number should be in e164 format"))
        if name is not None and len(name) > 255:
            errors.append(("name", "Name is too long (maximum is 255 characters)"))
        if errors:
            attributes = list(dict.fromkeys(attr for attr, _ in errors))
            raise _Fail(422, {"message": ", ".join(m for _, m in errors), "attributes": attributes})

    def _contacts_create(self, ctx: _Ctx) -> Any:
        data = self._contact_input(ctx.params)
        contact = {
            "id": 0,
            "account_id": ctx.account_id,
            "name": data.get("name") or "",
            "email": data.get("email"),
            "phone_number": data.get("phone_number"),
            "identifier": data.get("identifier"),
            "blocked": data.get("blocked", False),
            "additional_attributes": dict(data.get("additional_attributes") or {}),
            "custom_attributes": dict(data.get("custom_attributes") or {}),
            "availability_status": "offline",
            "last_activity_at": None,
            "created_at": int(self._now()),
            "labels": [],
        }
        self._validate_contact(ctx.account_id, contact)  # type: ignore[arg-type]
        inbox = None
        if not _blank(ctx.params.get("inbox_id")):
            inbox = self._find_inbox(ctx, ctx.params["inbox_id"])  # 404 rolls the contact back
        contact["id"] = self._next_id("contact")
        self.contacts[contact["id"]] = contact
        ci = None
        if inbox is not None:
            try:
                ci = self._contact_inbox(contact, inbox, ctx.params.get("source_id"))
            except _Fail:
                del self.contacts[contact["id"]]
                raise
        return {
            "payload": {
                "contact": self._contact_json(contact, with_inboxes=True),
                "contact_inbox": {
                    "inbox": self._inbox_raw(inbox) if inbox else None,
                    "source_id": ci["source_id"] if ci else None,
                },
            }
        }

    def _contacts_show(self, ctx: _Ctx, id: str) -> Any:
        contact = self._find_contact(ctx, id)
        return {"payload": self._contact_json(contact, with_inboxes=self._with_inboxes(ctx))}

    def _contacts_update(self, ctx: _Ctx, id: str) -> Any:
        contact = self._find_contact(ctx, id)
        data = self._contact_input(ctx.params)
        candidate = {**contact}
        for key in ("name", "email", "phone_number", "identifier", "blocked"):
            if key in data:
                candidate[key] = data[key]
        candidate["additional_attributes"] = {
            **contact["additional_attributes"],
            **data.get("additional_attributes", {}),
        }
        candidate["custom_attributes"] = {**contact["custom_attributes"], **data.get("custom_attributes", {})}
        self._validate_contact(ctx.account_id, candidate, exclude_id=contact["id"])  # type: ignore[arg-type]
        contact.update(candidate)
        return {"payload": self._contact_json(contact, with_inboxes=self._with_inboxes(ctx))}

    def _contacts_destroy(self, ctx: _Ctx, id: str) -> Any:
        if not self._is_admin(ctx.user):  # the policy runs before the lookup
            raise _unauthorized("You are not authorized to do this action")
        contact = self._find_contact(ctx, id)
        if contact["availability_status"] == "online":
            name = contact["name"] or ""
            raise _Fail(422, {"message": f"{name[:1].upper()}{name[1:].lower()} is Online, please try again later"})
        for display_id in [d for d, c in self.conversations.items() if c["contact_id"] == contact["id"]]:
            for message_id in self.conversations.pop(display_id)["message_ids"]:
                self.messages.pop(message_id, None)
        for ci_id in self._ci_by_contact.pop(contact["id"], []):
            ci = self.contact_inboxes.pop(ci_id)
            if self._ci_by_pair.get((ci["contact_id"], ci["inbox_id"])) == ci_id:
                del self._ci_by_pair[(ci["contact_id"], ci["inbox_id"])]
        del self.contacts[contact["id"]]
        return _EMPTY

    def _contact_conversations(self, ctx: _Ctx, id: str) -> Any:
        contact = self._find_contact(ctx, id)
        rows = [
            c for c in self.conversations.values() if c["contact_id"] == contact["id"] and self._can_see(ctx.user, c)
        ]
        rows.sort(key=lambda c: (c["last_activity_at"], c["id"]), reverse=True)
        return {"payload": [self._conversation_json(c, ctx.user) for c in rows[:20]]}

    def _contact_labels(self, ctx: _Ctx, id: str) -> Any:
        return {"payload": list(self._find_contact(ctx, id)["labels"])}

    def _contact_labels_update(self, ctx: _Ctx, id: str) -> Any:
        contact = self._find_contact(ctx, id)
        contact["labels"] = self._clean_labels(ctx.params.get("labels"))
        return {"payload": list(contact["labels"])}

    def _contacts_filter(self, ctx: _Ctx) -> Any:
        custom_keys = set(_CONTACT_CUSTOM_DEFINED)
        for c in self._account_contacts(ctx):
            custom_keys.update(c["custom_attributes"])

        def getter(key: str) -> Callable[[dict], Any]:
            direct = {
                "name",
                "email",
                "phone_number",
                "identifier",
                "labels",
                "created_at",
                "last_activity_at",
                "blocked",
            }
            if key in direct:
                return lambda c: c[key]
            if key == "company":
                return lambda c: c["additional_attributes"].get("company_name")
            if key in ("city", "country_code"):
                return lambda c: c["additional_attributes"].get(key)
            return lambda c: c["custom_attributes"].get(key)

        predicate = self._compile_filter(
            ctx.params.get("payload"), _CONTACT_FILTER_KEYS, custom_keys, getter, first_value_only=True
        )
        rows = [c for c in self._account_contacts(ctx) if self._is_resolved(c) and predicate(c)]
        rows.sort(key=lambda c: c["id"])
        page = _page(ctx.params.get("page"))
        chunk = rows[(page - 1) * CONTACTS_PER_PAGE : page * CONTACTS_PER_PAGE]
        with_inboxes = self._with_inboxes(ctx)
        return {
            "meta": {"count": len(rows), "current_page": self._current_page(ctx.params)},
            "payload": [self._contact_json(c, with_inboxes=with_inboxes) for c in chunk],
        }

    # ------------------------------------------------------------------ filter engine

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

    # ------------------------------------------------------------------ conversations

    def _visible_conversations(self, ctx: _Ctx) -> list[dict[str, Any]]:
        account_id = ctx.account_id
        if self._is_admin(ctx.user):
            return [c for c in self.conversations.values() if c["account_id"] == account_id]
        return [c for c in self.conversations.values() if c["account_id"] == account_id and self._can_see(ctx.user, c)]

    def _conversation_search(self, rows: list[dict], q: str) -> list[dict]:
        needle = q.lower()
        out = []
        for conv in rows:
            for message_id in conv["message_ids"]:
                message = self.messages[message_id]
                if message["message_type"] in (INCOMING, OUTGOING) and needle in (message["content"] or "").lower():
                    out.append(conv)
                    break
        return out

    def _finder(self, ctx: _Ctx) -> tuple[list[dict], dict[str, int]]:
        """ConversationFinder: the filtered rows (before assignee_type) and the four counts."""
        params = ctx.params
        team = None
        if not _blank(params.get("team_id")):
            team = self._account_team(ctx, params["team_id"])
            if team is None:
                raise _not_found()
        rows = self._visible_conversations(ctx)
        if not _blank(params.get("inbox_id")):
            inbox_id = _int_or_none(params["inbox_id"])
            if inbox_id not in self._visible_inbox_ids(ctx.user, ctx.account_id):  # type: ignore[arg-type]
                rows = []
            else:
                rows = [c for c in rows if c["inbox_id"] == inbox_id]
        if team is not None:
            rows = [c for c in rows if c["team_id"] == team["id"]]
        labels = self._list_param(params.get("labels"))
        if labels:
            rows = [c for c in rows if set(c["labels"]) & set(labels)]
        q = params.get("q")
        if not _blank(q):
            rows = self._conversation_search(rows, str(q).strip())
        else:
            status = params.get("status")
            status = "open" if _blank(status) else str(status)
            if status != "all":
                rows = [c for c in rows if c["status"] == status]
        me = ctx.user["id"]
        mine = sum(1 for c in rows if c["assignee_id"] == me)
        unassigned = sum(1 for c in rows if c["assignee_id"] is None)
        counts = {
            "mine_count": mine,
            "assigned_count": len(rows) - unassigned,
            "unassigned_count": unassigned,
            "all_count": len(rows),
        }
        return rows, counts

    @staticmethod
    def _sort_conversations(rows: list[dict], sort_by: Any) -> list[dict]:
        sort_by = sort_by if isinstance(sort_by, str) else "last_activity_at_desc"
        rank = {p: i for i, p in enumerate(PRIORITIES)}
        far = float("inf")
        if sort_by == "last_activity_at_asc":
            return sorted(rows, key=operator.itemgetter("last_activity_at", "id"))
        if sort_by in ("created_at_asc", "sort_on_created_at"):
            return sorted(rows, key=lambda c: (c["created_at"], c["id"]))
        if sort_by == "created_at_desc":
            return sorted(rows, key=lambda c: (-c["created_at"], -c["id"]))
        if sort_by in ("priority_desc", "sort_on_priority"):
            return sorted(rows, key=lambda c: (-rank.get(c["priority"], -1), -c["last_activity_at"], -c["id"]))
        if sort_by == "priority_asc":
            return sorted(rows, key=lambda c: (rank.get(c["priority"], far), -c["last_activity_at"], -c["id"]))
        if sort_by in ("waiting_since_asc", "sort_on_waiting_since"):
            return sorted(rows, key=lambda c: (c["waiting_since"] if c["waiting_since"] is not None else far, c["id"]))
        if sort_by == "waiting_since_desc":
            return sorted(rows, key=lambda c: (c["waiting_since"] is None, -(c["waiting_since"] or 0), -c["id"]))
        return sorted(rows, key=operator.itemgetter("last_activity_at", "id"), reverse=True)

    def _conversations_index(self, ctx: _Ctx) -> Any:
        rows, counts = self._finder(ctx)
        assignee_type = ctx.params.get("assignee_type")
        me = ctx.user["id"]
        if assignee_type == "me":
            rows = [c for c in rows if c["assignee_id"] == me]
        elif assignee_type == "unassigned":
            rows = [c for c in rows if c["assignee_id"] is None]
        elif assignee_type == "assigned":
            rows = [c for c in rows if c["assignee_id"] is not None]
        rows = self._sort_conversations(rows, ctx.params.get("sort_by"))
        page = _page(ctx.params.get("page"))
        chunk = rows[(page - 1) * CONVERSATIONS_PER_PAGE : page * CONVERSATIONS_PER_PAGE]
        return {"data": {"meta": counts, "payload": [self._conversation_json(c, ctx.user) for c in chunk]}}

    def _conversations_meta(self, ctx: _Ctx) -> Any:
        return {"meta": self._finder(ctx)[1]}

    def _conversations_show(self, ctx: _Ctx, id: str) -> Any:
        return self._conversation_json(self._find_conversation(ctx, id), ctx.user)

    def _conversations_update(self, ctx: _Ctx, id: str) -> Any:
        conv = self._find_conversation(ctx, id)
        if "priority" in ctx.params:
            value = ctx.params["priority"]
            conv["priority"] = None if _blank(value) else _enum(value, PRIORITIES)
            conv["updated_at"] = self._now()
        return self._conversation_json(conv, ctx.user)

    def _parse_snooze(self, value: Any) -> float:
        """`DateTime.strptime(value.to_s, '%s')`: integer unix seconds, else an exception (500)."""
        if isinstance(value, bool):
            raise _server_error()
        if isinstance(value, int):
            return float(value)
        if isinstance(value, str) and re.fullmatch(r"\s*[+-]?\d+\s*", value):
            return float(int(value))
        raise _server_error()

    def _conversations_create(self, ctx: _Ctx) -> Any:
        params = ctx.params
        status = "open"
        if not _blank(params.get("status")):
            status = _enum(params["status"], CONVERSATION_STATUSES)
        if not _blank(params.get("contact_id")) and not _blank(params.get("inbox_id")):
            contact = self._find_contact(ctx, params["contact_id"])
            inbox = self._find_inbox(ctx, params["inbox_id"])
            ci = self._contact_inbox(contact, inbox, params.get("source_id"))
        else:
            source = params.get("source_id")
            ci = next(
                (
                    c
                    for c in self.contact_inboxes.values()
                    if not _blank(source)
                    and c["source_id"] == str(source)
                    and self.inboxes[c["inbox_id"]]["account_id"] == ctx.account_id
                ),
                None,
            )
            if ci is None:
                raise _not_found()
            contact, inbox = self.contacts[ci["contact_id"]], self.inboxes[ci["inbox_id"]]
        if inbox["id"] not in self._visible_inbox_ids(ctx.user, ctx.account_id):  # type: ignore[arg-type]
            raise _unauthorized("You are not authorized to do this action")
        message_params = params.get("message")
        if isinstance(message_params, dict) and message_params:
            content = message_params.get("content")
            if isinstance(content, str) and len(content) > CONTENT_MAX:
                raise _Fail(
                    422, {"message": "Content is too long (maximum is 150000 characters)", "attributes": ["content"]}
                )
        snoozed_until = None
        if not _blank(params.get("snoozed_until")):
            raw = params["snoozed_until"]
            snoozed_until = self._parse_snooze(raw) if _int_or_none(raw) is not None else _parse_when(raw)
        assignee = self._account_user(ctx, params.get("assignee_id"))
        team = self._account_team(ctx, params.get("team_id"))
        now = self._now()
        display_id = self._next_id("conversation")
        conv = self._new_conversation(
            display_id,
            contact["id"],
            inbox["id"],
            created_at=now,
            assignee_id=assignee["id"] if assignee else None,
            team_id=team["id"] if team else None,
            labels=[],
            priority=None,
            custom_attributes=params["custom_attributes"] if isinstance(params.get("custom_attributes"), dict) else {},
            additional_attributes=(
                params["additional_attributes"] if isinstance(params.get("additional_attributes"), dict) else {}
            ),
            contact_inbox=ci,
            status=status,
            snoozed_until=snoozed_until,
        )
        conv["updated_at"] = now
        if isinstance(message_params, dict) and message_params:
            content = message_params.get("content")
            extra = {}
            if isinstance(message_params.get("template_params"), dict):
                extra["template_params"] = message_params["template_params"]
            self._add_message(
                conv,
                None if content is None else str(content),
                OUTGOING,
                "User",
                ctx.user["id"],
                at=self._now(),
                additional_attributes=extra,
            )
            conv["status"] = status  # the builder's first message doesn't change the requested status
        return self._conversation_json(conv, ctx.user)

    def _conversations_filter(self, ctx: _Ctx) -> Any:
        custom_keys = set(_CONVERSATION_CUSTOM_DEFINED)
        for c in self.conversations.values():
            if c["account_id"] == ctx.account_id:
                custom_keys.update(c["custom_attributes"])

        def getter(key: str) -> Callable[[dict], Any]:
            if key == "display_id":
                return lambda c: c["id"]
            if key == "campaign_id":
                return lambda c: None
            if key in (
                "status",
                "priority",
                "assignee_id",
                "inbox_id",
                "team_id",
                "labels",
                "created_at",
                "last_activity_at",
            ):
                return lambda c: c[key]
            if key in ("browser_language", "conversation_language", "referer", "mail_subject"):
                return lambda c: c["additional_attributes"].get(key)
            return lambda c: c["custom_attributes"].get(key)

        predicate = self._compile_filter(
            ctx.params.get("payload"), _CONVERSATION_FILTER_KEYS, custom_keys, getter, first_value_only=False
        )
        rows = [c for c in self._visible_conversations(ctx) if predicate(c)]
        me = ctx.user["id"]
        meta = {
            "mine_count": sum(1 for c in rows if c["assignee_id"] == me),
            "unassigned_count": sum(1 for c in rows if c["assignee_id"] is None),
            "all_count": len(rows),
        }
        rows = self._sort_conversations(rows, None)
        page = _page(ctx.params.get("page"))
        chunk = rows[(page - 1) * CONVERSATIONS_PER_PAGE : page * CONVERSATIONS_PER_PAGE]
        return {"meta": meta, "payload": [self._conversation_json(c, ctx.user) for c in chunk]}

    # ------------------------------------------------------------------ messages

    def _messages_index(self, ctx: _Ctx, id: str) -> Any:
        conv = self._find_conversation(ctx, id)
        ids = conv["message_ids"]
        if str(ctx.params.get("filter_internal_messages", "")).lower() == "true":
            ids = [i for i in ids if not self.messages[i]["private"] and self.messages[i]["message_type"] != ACTIVITY]

        def cursor(name: str) -> int | None:
            raw = ctx.params.get(name)
            if _blank(raw):
                return None
            value = _int_or_none(raw)
            if value is None:
                raise _server_error()  # PostgreSQL can't compare an integer id with 'abc'
            return value

        before, after = cursor("before"), cursor("after")
        if before is not None and after is not None:
            selected = ids[bisect.bisect_left(ids, after) : bisect.bisect_left(ids, before)][:MESSAGES_BETWEEN_LIMIT]
        elif before is not None:
            end = bisect.bisect_left(ids, before)
            selected = ids[max(0, end - MESSAGES_BEFORE_LIMIT) : end]
        elif after is not None:
            begin = bisect.bisect_right(ids, after)
            selected = ids[begin : begin + MESSAGES_AFTER_LIMIT]
        else:
            selected = ids[-MESSAGES_BEFORE_LIMIT:]
        contact = self.contacts[conv["contact_id"]]
        meta: dict[str, Any] = {
            "labels": list(conv["labels"]),
            "additional_attributes": conv["additional_attributes"],
            "contact": self._contact_push(contact),
        }
        assignee = self.users.get(conv["assignee_id"]) if conv["assignee_id"] else None
        if assignee is not None:
            meta["assignee"] = self._user_push(assignee)
        meta["agent_last_seen_at"] = _iso(conv["agent_last_seen_at"])
        meta["assignee_last_seen_at"] = _iso(conv["assignee_last_seen_at"])
        return {"meta": meta, "payload": [self._message_json(self.messages[i]) for i in selected]}

    def _messages_create(self, ctx: _Ctx, id: str) -> Any:
        conv = self._find_conversation(ctx, id)
        params = ctx.params
        raw_type = params.get("message_type")
        type_name = "outgoing" if raw_type is None else str(raw_type)
        if type_name not in MESSAGE_TYPES:
            raise _Fail(422, {"error": f"'{type_name}' is not a valid message_type"})
        inbox = self.inboxes[conv["inbox_id"]]
        if type_name == "incoming" and inbox["channel_type"] != "Channel::Api":
            raise _Fail(422, {"error": "Incoming messages are only allowed in Api inboxes"})
        content = params.get("content")
        if content is not None and not isinstance(content, str):
            content = json.dumps(content) if isinstance(content, (dict, list)) else str(content)
        if content is not None and len(content) > CONTENT_MAX:
            raise _Fail(422, {"error": "Validation failed: Content is too long (maximum is 150000 characters)"})
        attributes = params.get("content_attributes")
        if isinstance(attributes, str):
            try:
                attributes = json.loads(attributes)
            except ValueError:
                attributes = {}
        if not isinstance(attributes, dict):
            attributes = {}
        message_type = MESSAGE_TYPES[type_name]
        if message_type == INCOMING:
            sender_type, sender_id = "Contact", conv["contact_id"]
        else:
            sender_type, sender_id = "User", ctx.user["id"]
        extra = {}
        if isinstance(params.get("template_params"), dict):
            extra["template_params"] = params["template_params"]
        content_type = params.get("content_type")
        message = self._add_message(
            conv,
            content,
            message_type,
            sender_type,
            sender_id,
            at=self._now(),
            private=_truthy(params.get("private", False)),
            content_type=str(content_type) if not _blank(content_type) else "text",
            content_attributes=attributes,
            source_id=params.get("source_id"),
            echo_id=params.get("echo_id"),
            additional_attributes=extra,
        )
        for storage in ctx.files.get("attachments", []):
            data = storage.read()
            mimetype = storage.mimetype or "application/octet-stream"
            if mimetype.startswith("image/"):
                file_type = "image"
            elif mimetype.startswith("audio/"):
                file_type = "audio"
            elif mimetype.startswith("video/"):
                file_type = "video"
            else:
                file_type = "file"
            filename = storage.filename or "file"
            extension = filename.rsplit(".", 1)[1] if "." in filename else None
            attachment = {
                "id": self._next_id("attachment"),
                "message_id": message["id"],
                "file_type": file_type,
                "account_id": conv["account_id"],
                "extension": extension,
                "file_size": len(data),
                "filename": filename,
                "content_type": mimetype,
                "data": data,
            }
            message["attachments"].append(attachment)
            self.uploads.append(attachment)
        return self._message_json(message)

    # ------------------------------------------------------------------ conversation actions

    def _assignments(self, ctx: _Ctx, id: str) -> Any:
        conv = self._find_conversation(ctx, id)
        params = ctx.params
        if "assignee_id" in params or params.get("assignee_type") == "AgentBot":
            user = (
                None
                if params.get("assignee_type") == "AgentBot"
                else self._account_user(ctx, params.get("assignee_id"))
            )
            conv["assignee_id"] = user["id"] if user else None
            conv["updated_at"] = self._now()
            return self._agent_json(user) if user else None
        if "team_id" in params:
            team = self._account_team(ctx, params.get("team_id"))
            conv["team_id"] = team["id"] if team else None
            conv["updated_at"] = self._now()
            return self._team_raw(team) if team else None
        return None

    def _toggle_status(self, ctx: _Ctx, id: str) -> Any:
        conv = self._find_conversation(ctx, id)
        params = ctx.params
        if not _blank(params.get("status")):
            status = _enum(params["status"], CONVERSATION_STATUSES)
            snoozed_until = conv["snoozed_until"]
            if "snoozed_until" in params and params["snoozed_until"] is not None:
                snoozed_until = self._parse_snooze(params["snoozed_until"])
            conv["status"] = status
            conv["snoozed_until"] = snoozed_until if status == "snoozed" else None
        else:
            conv["status"] = "resolved" if conv["status"] == "open" else "open"
            conv["snoozed_until"] = None
        if conv["status"] == "open" and ctx.user["role"] == "agent":
            conv["assignee_id"] = ctx.user["id"]
        conv["updated_at"] = self._now()
        return {
            "payload": {
                "success": True,
                "conversation_id": conv["id"],
                "current_status": conv["status"],
                "snoozed_until": _iso(conv["snoozed_until"]),
            }
        }

    def _toggle_priority(self, ctx: _Ctx, id: str) -> Any:
        conv = self._find_conversation(ctx, id)
        value = ctx.params.get("priority")
        conv["priority"] = None if _blank(value) else _enum(value, PRIORITIES)
        conv["updated_at"] = self._now()
        return _EMPTY

    @staticmethod
    def _clean_labels(value: Any) -> list[str]:
        if not isinstance(value, list):  # strong params drop a non-array, which clears the list
            return []
        out: list[str] = []
        for item in value:
            if item is None or isinstance(item, (dict, list)):
                continue
            text = str(item).strip()
            if text and text not in out:
                out.append(text)
        return out

    def _conversation_labels(self, ctx: _Ctx, id: str) -> Any:
        return {"payload": list(self._find_conversation(ctx, id)["labels"])}

    def _conversation_labels_update(self, ctx: _Ctx, id: str) -> Any:
        conv = self._find_conversation(ctx, id)
        conv["labels"] = self._clean_labels(ctx.params.get("labels"))
        conv["updated_at"] = self._now()
        return {"payload": list(conv["labels"])}

    def _conversation_custom_attributes(self, ctx: _Ctx, id: str) -> Any:
        conv = self._find_conversation(ctx, id)
        value = ctx.params.get("custom_attributes")
        conv["custom_attributes"] = dict(value) if isinstance(value, dict) else {}
        conv["updated_at"] = self._now()
        return {"custom_attributes": conv["custom_attributes"]}

    # ------------------------------------------------------------------ agents, inboxes, teams, ...

    def _agents_index(self, ctx: _Ctx) -> Any:
        users = [u for u in self.users.values() if ctx.account_id in u["account_ids"]]
        users.sort(key=lambda u: (u["name"].lower(), u["id"]))
        return [self._agent_json(u) for u in users]

    def _inboxes_index(self, ctx: _Ctx) -> Any:
        visible = self._visible_inbox_ids(ctx.user, ctx.account_id)  # type: ignore[arg-type]
        inboxes = sorted((self.inboxes[i] for i in visible), key=lambda i: (i["name"].lower(), i["id"]))
        return {"payload": [self._inbox_json(i, ctx.user) for i in inboxes]}

    def _teams_index(self, ctx: _Ctx) -> Any:
        teams = sorted((t for t in self.teams.values() if t["account_id"] == ctx.account_id), key=lambda t: t["id"])
        return [self._team_json(t, ctx.user) for t in teams]

    def _canned_responses_index(self, ctx: _Ctx) -> Any:
        rows = sorted(
            (c for c in self.canned_responses.values() if c["account_id"] == ctx.account_id), key=lambda c: c["id"]
        )
        search = ctx.params.get("search")
        if not _blank(search):
            needle = str(search).strip().lower()
            by_code = [c for c in rows if needle in c["short_code"].lower()]
            by_content = [c for c in rows if needle in c["content"].lower() and c not in by_code]
            rows = by_code + by_content
        return [
            {
                **{k: c[k] for k in ("id", "account_id", "short_code", "content")},
                "created_at": _iso(c["created_at"]),
                "updated_at": _iso(c["updated_at"]),
            }
            for c in rows
        ]

    def _labels_index(self, ctx: _Ctx) -> Any:
        return {"payload": [dict(label) for label in sorted(self.labels.values(), key=lambda x: x["title"])]}


# --------------------------------------------------------------------------------------
# command line
# --------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run the Chatwoot sandbox in the foreground.")
    parser.add_argument("--port", type=int, default=0, help="port to listen on (default: a free port)")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds to wait before each answer")
    parser.add_argument("--extra-conversations", type=int, default=0, help="extra open conversations to seed")
    parser.add_argument("--quiet", action="store_true", help="do not log each request to stderr")
    args = parser.parse_args(argv)

    stop = threading.Event()

    def on_signal(signum: int, frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    sandbox = Sandbox(
        latency=args.latency, extra_conversations=args.extra_conversations, port=args.port, log_requests=not args.quiet
    )
    try:
        sandbox.start()
    except OSError as exc:
        print(f"error: cannot listen on 127.0.0.1:{args.port}: {exc}", file=sys.stderr)
        return 1
    for key, value in sandbox.env().items():
        print(f"export {key}={value}")
    sys.stdout.flush()
    print(f"Chatwoot sandbox listening on {sandbox.url}; press Ctrl-C to stop.", file=sys.stderr)
    sys.stderr.flush()
    try:
        while not stop.wait(0.1):
            pass
    finally:
        sandbox.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
