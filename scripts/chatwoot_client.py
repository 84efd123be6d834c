"""The HTTP client: configuration, failures, request files, retries and curl, over one
requests.Session per Api. It knows nothing of the command line.

`requests` and `jinja2` are imported on first use, so that `--help` and bad input answer fast
and work where they are missing; the standard modules requests loads anyway are imported here.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import re
import tempfile
import threading
import time
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any, Callable
from urllib.parse import urlsplit

VERSION = "0.2.0"
SKILL_DIR = Path(__file__).resolve().parent.parent
TEMPLATES_DIR = SKILL_DIR / "templates"
REQUIREMENTS = ("requests>=2.28,<3", "jinja2>=3.0,<4")
DEFAULT_BASE_URL = "https://app.chatwoot.com"

EXIT_OK = 0
EXIT_API = 1  # Chatwoot answered with an error, or the check a script exists for failed
EXIT_USAGE = 2  # bad flag or input; nothing was sent
EXIT_CONFIG = 3  # configuration, missing dependency or read-only mode; nothing was sent
EXIT_NETWORK = 4  # could not connect, TLS error, or timed out

# Chatwoot's own values (its Rails enums), checked before sending: an unknown one is a 500 there.
CONVERSATION_STATUSES = ("open", "resolved", "pending", "snoozed")
PRIORITIES = ("low", "medium", "high", "urgent")

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
RESENT_STATUSES = frozenset({502, 503, 504})  # resent for idempotent requests only
BACKOFF = 0.5  # seconds: 0.5, 1, 2 … between resends, plus up to this much jitter
RATE_WINDOW = 60  # seconds: Rack::Attack counts in fixed windows aligned to multiples of this
MAX_PARALLEL = 16  # connections kept open for bulk calls
INLINE_BODY_LIMIT = 100_000  # bytes of body a printed curl carries as one shell argument


# --------------------------------------------------------------------------- failures


class Failure(Exception):
    """An expected failure: printed as `error:` lines on stderr, then its exit code."""

    exit_code = EXIT_API

    def __init__(self, *lines: str, request_file: str | None = None):
        super().__init__(lines[0] if lines else "")
        self.lines = [line for line in lines if line]
        self.request_file = request_file  # a body kept on disk after the failure


class UsageError(Failure):
    exit_code = EXIT_USAGE


class ConfigError(Failure):
    exit_code = EXIT_CONFIG


class NetworkError(Failure):
    exit_code = EXIT_NETWORK


UNREACHABLE = "hint: nothing answered there: check CHATWOOT_BASE_URL (scheme, host and port) and that Chatwoot is up"


class ApiError(Failure):
    """Chatwoot (or a proxy in front of it) answered with an error status or a bad body."""

    def __init__(self, status: int | None, message: str, *more: str, request_file: str | None = None):
        self.status = status
        self.message = message
        head = f"HTTP {status} from Chatwoot: {message}" if status else message
        super().__init__(head, *more, request_file=request_file)

    def set_hint(self, hint: str) -> None:
        """Put a hint that knows more (the script's context) in place of the generic one."""
        line = f"hint: {hint}"
        at = next((n for n, existing in enumerate(self.lines) if existing.startswith("hint: ")), None)
        if at is None:
            self.lines.insert(1, line)
        else:
            self.lines[at] = line


class Preview(Exception):
    """A write that --dry-run stopped before it was sent: the request it would have made."""

    def __init__(self, document: dict, then: str | None = None):
        super().__init__("dry run")
        self.document = document
        self.then = then  # what the script would do next, had this write been sent


def require(module: str):
    """Import a runtime dependency, or fail with exit 3 and the command that installs it."""
    import sys

    try:
        return __import__(module)
    except ImportError:
        from shlex import quote

        script = Path(sys.argv[0]).resolve() if sys.argv and sys.argv[0] else "SCRIPT"
        packages = " ".join(quote(r) for r in REQUIREMENTS)
        raise ConfigError(
            f"the Python package '{module}' is not installed for {sys.executable}; "
            f"install with: {quote(sys.executable)} -m pip install {packages} "
            f"(or run the script with: uv run {script})"
        ) from None


# --------------------------------------------------------------------------- configuration


class Config:
    """The CHATWOOT_* settings. No repr may ever show the token."""

    def __init__(self, base_url: str, account_id: int | None, token: str | None, timeout: float,
                 max_retries: int, max_wait: float, read_only: bool):  # fmt: skip
        self.base_url = base_url
        self.account_id = account_id
        self.token = token
        self.timeout = timeout
        self.max_retries = max_retries
        self.max_wait = max_wait
        self.read_only = read_only

    def __repr__(self) -> str:
        return f"Config(base_url={self.base_url!r}, account_id={self.account_id!r}, token=<hidden>)"


def _env(name: str) -> str:
    return os.environ.get(name, "").strip()


def _valid_base_url(url: str) -> bool:
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port out of range or not a number
    except ValueError:
        return False
    return (
        parts.scheme in ("http", "https")
        and bool(parts.hostname)
        and not re.search(r"[\s<>\"{}|\\^`]", url)
        and not parts.query
        and not parts.fragment
    )


def _number(name: str, default: str, low: float, high: float, what: str) -> float:
    try:
        value = float(_env(name) or default)
        if not low <= value <= high:
            raise ValueError
    except ValueError:
        raise ConfigError(f"{name} must be {what}") from None
    return value


def load_config(*, need_token: bool = True, need_account: bool = True) -> Config:
    """Read the CHATWOOT_* variables; a problem names the variable, never its value."""
    base_url = _env("CHATWOOT_BASE_URL").rstrip("/") or DEFAULT_BASE_URL
    if not _valid_base_url(base_url):
        raise ConfigError(
            "CHATWOOT_BASE_URL must be an http:// or https:// URL such as https://chat.example.com "
            "(a host, an optional port and path prefix; no spaces)"
        )
    if re.search(r"/(api/v1|app/accounts)(/|$)", urlsplit(base_url).path):
        raise ConfigError(
            "CHATWOOT_BASE_URL must be the server's root URL (such as https://chat.example.com), "
            "without /app/accounts/... or /api/v1/..."
        )
    token = _env("CHATWOOT_API_TOKEN") or None
    if token is None and need_token:
        raise ConfigError(
            "CHATWOOT_API_TOKEN is not set; copy the access token from Chatwoot's Profile Settings "
            "and export CHATWOOT_API_TOKEN"
        )
    if token is not None and not re.fullmatch(r"[\x21-\x7e]+", token):
        raise ConfigError("CHATWOOT_API_TOKEN contains spaces or characters a header cannot carry; re-copy the token")
    account_text = _env("CHATWOOT_ACCOUNT_ID")
    account_id = None
    if account_text:
        if not re.fullmatch(r"[0-9]+", account_text) or int(account_text) < 1:
            raise ConfigError(
                "CHATWOOT_ACCOUNT_ID must be a positive integer (the number after /app/accounts/ in Chatwoot's URL)"
            )
        account_id = int(account_text)
    elif need_account:
        raise ConfigError(
            "CHATWOOT_ACCOUNT_ID is not set; it is the number after /app/accounts/ in Chatwoot's URL "
            "(whoami.py lists your accounts)"
        )
    timeout = _number("CHATWOOT_TIMEOUT", "30", 0.001, 3600, "a number of seconds between 0 and 3600")
    retries_text = _env("CHATWOOT_MAX_RETRIES") or "3"
    if not re.fullmatch(r"[0-9]{1,2}", retries_text):
        raise ConfigError("CHATWOOT_MAX_RETRIES must be a whole number from 0 to 99 (0 disables retries)")
    max_wait = _number("CHATWOOT_MAX_WAIT", "65", 0, 3600, "a number of seconds from 0 to 3600")
    read_only_text = _env("CHATWOOT_READ_ONLY").lower()
    if read_only_text not in ("", "0", "1", "true", "false", "yes", "no"):
        raise ConfigError("CHATWOOT_READ_ONLY must be 1 (refuse every change) or 0")
    return Config(
        base_url=base_url,
        account_id=account_id,
        token=token,
        timeout=timeout,
        max_retries=int(retries_text),
        max_wait=max_wait,
        read_only=read_only_text in ("1", "true", "yes"),
    )


# --------------------------------------------------------------------------- request bodies


def render(template: str, values: dict) -> str:
    """Render templates/<template>.json.j2; every value must pass through the `json` filter."""
    return _jinja_environment().get_template(f"{template}.json.j2").render(**values)


def rendered(template: str, values: dict) -> tuple[str, Any]:
    """The body's text and its decoded JSON: a template bug fails here, not at Chatwoot."""
    text = render(template, values)
    return text, json.loads(text)


_ENVIRONMENT = None


def _jinja_environment():
    global _ENVIRONMENT
    if _ENVIRONMENT is None:
        jinja2 = require("jinja2")

        def to_json(value: Any) -> str:
            if isinstance(value, jinja2.Undefined):
                value._fail_with_undefined_error()  # StrictUndefined: a misspelt name is an error
            # ensure_ascii=False keeps the file readable (jinja2's tojson escapes all non-ASCII).
            return json.dumps(value, ensure_ascii=False, allow_nan=False)  # NaN is not JSON

        _ENVIRONMENT = jinja2.Environment(
            loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)),
            undefined=jinja2.StrictUndefined,
            autoescape=False,
            keep_trailing_newline=True,
        )
        _ENVIRONMENT.filters["json"] = to_json
    return _ENVIRONMENT


def write_request_file(body: bytes) -> str:
    """A new chatwoot_request_*.json in the temp dir: exclusive create, mode 0600, never a symlink."""
    descriptor, path = tempfile.mkstemp(prefix="chatwoot_request_", suffix=".json")
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(body)
    return path


# --------------------------------------------------------------------------- curl


def _curl_head(method: str, url: str) -> list[str]:
    from shlex import quote

    return ["curl", "-sS", "-X", method, quote(url), "-H", '"Api-Access-Token: $CHATWOOT_API_TOKEN"']


def curl_resend(method: str, url: str, request_file: str) -> str:
    """The command that resends a kept request file, the token as the literal $CHATWOOT_API_TOKEN."""
    from shlex import quote

    head = _curl_head(method, url)
    return " ".join([*head, "-H", "'Content-Type: application/json'", "--data-binary", quote(f"@{request_file}")])


def curl_inline(method: str, url: str, body: str | None) -> str:
    """The equivalent curl with the body inline: runnable as printed, no file needed. A body over
    100 KB goes through a quoted heredoc (one argument is capped at 128 KiB by the system)."""
    from shlex import quote

    parts = _curl_head(method, url)
    if body is None:
        return " ".join(parts)
    parts += ["-H", "'Content-Type: application/json'"]
    if len(body.encode("utf-8")) <= INLINE_BODY_LIMIT:
        return " ".join([*parts, "--data-binary", quote(body)])
    marker = "JSON"
    while marker in body.splitlines():
        marker += "_END"
    # The heredoc ends the body with one newline: the rendered body's own.
    return " ".join([*parts, "--data-binary", "@-", f"<<'{marker}'"]) + f"\n{body.removesuffix(chr(10))}\n{marker}"


def _one_line_word(text: str) -> str:
    """shlex.quote, kept to one line: text holding a newline or another control character is
    written in bash's $'...' form, so that a printed command is one line an agent can copy."""
    from shlex import quote

    if not re.search(r"[\x00-\x1f\x7f]", text):
        return quote(text)
    escaped = text.replace("\\", "\\\\").replace("'", "\\'")
    named = {"\n": "\\n", "\t": "\\t", "\r": "\\r"}
    return "$'" + re.sub(r"[\x00-\x1f\x7f]", lambda c: named.get(c[0], f"\\x{ord(c[0]):02x}"), escaped) + "'"


def curl_multipart(method: str, url: str, fields: dict, files: list[dict], request_file: str | None = None) -> str:
    """The multipart equivalent; --form-string so that text starting with @ or < is not a file name.
    Field values go inline; only one too long for a command-line argument is read back from the
    kept request file, with jq (the one case that needs it)."""
    from shlex import quote

    parts = _curl_head(method, url)
    for key, value in fields.items():
        field = f"{key}={value}"
        if request_file and len(field.encode("utf-8")) > INLINE_BODY_LIMIT:
            parts += ["--form-string", f'"{key}=$(jq -r {quote("." + key)} {quote(request_file)})"']
        else:
            parts += ["--form-string", _one_line_word(field)]
    for f in files:
        parts += ["-F", quote(f"{f['field']}=@{f['path']};type={f['content_type']}")]
    return " ".join(parts)


# --------------------------------------------------------------------------- Chatwoot's errors


def chatwoot_message(content: bytes) -> str:
    """Chatwoot's own words from any of its error bodies: error, message, errors[0], or text."""
    text = content.decode("utf-8", "replace").strip()
    try:
        body = json.loads(text)
    except ValueError:
        body = None
    if isinstance(body, dict):
        for key in ("error", "message"):
            if isinstance(body.get(key), str) and body[key]:
                return body[key]
        errors = body.get("errors")
        if isinstance(errors, list) and errors:
            return str(errors[0])
    if not text:
        return "(empty body)"
    if "<html" in text[:500].lower() or "<!doctype" in text[:100].lower():
        title = re.search(r"<title>(.*?)</title>", text, re.IGNORECASE | re.DOTALL)
        summary = " ".join(title.group(1).split()) if title else "an HTML page"
        return f"{summary} (an HTML page, probably from a proxy in front of Chatwoot)"
    first = " ".join(text.split())
    return first if len(first) <= 300 else first[:300] + "…"


# Chatwoot's message (lowercased) → what to do, for the statuses whose message tells the cases apart.
HINTS = (
    (401, "sign in", "the Api-Access-Token header never reached Chatwoot; a reverse proxy in front of it may be "
     "dropping it (nginx: set underscores_in_headers on, or forward the header)"),
    (401, "invalid access token", "CHATWOOT_API_TOKEN is wrong or revoked; copy it again from Profile Settings → "
     "Access Token"),
    (401, "access this account", "CHATWOOT_ACCOUNT_ID is not an account this token belongs to; run whoami.py to "
     "list yours"),
    (401, "do this action", "the token's user lacks the role for this (administrators only, or not a member of that "
     "inbox)"),
    (401, "bots", "this is an agent-bot token; use a user's access token from Profile Settings"),
    (401, "suspended", "Chatwoot has suspended this account (CHATWOOT_ACCOUNT_ID): nothing in it can be read or "
     "changed until its administrator, or Chatwoot's support on Chatwoot Cloud, reactivates it"),
    (422, "contact email", "this is an e-mail inbox: give the contact an e-mail address first (update_contact.py ID "
     "--email ...)"),
    (422, "contact phone number", "an SMS or WhatsApp inbox: give the contact a phone number first "
     "(update_contact.py ID --phone +...)"),
    (404, "resource could not be found", "no such record (conversation ids are the numbers shown in Chatwoot's UI), "
     "or no such account"),
)  # fmt: skip


def hint_for(status: int, message: str) -> str | None:
    lowered = message.lower()
    for known, words, hint in HINTS:
        if status == known and words in lowered:
            return hint
    if status == 404:
        return "no such endpoint; check CHATWOOT_BASE_URL (a self-hosted URL may need its path prefix)"
    if status == 429:
        return "rate limited by Chatwoot; wait a minute before trying again"
    if status >= 500:
        return "Chatwoot failed on its side; an invalid value (status, priority, filter) can cause this"
    return None


def _root_cause(problem: BaseException) -> str:
    """The innermost reason of a requests/urllib3 exception chain, in a few words."""
    text = str(problem)
    match = re.search(r"\[Errno -?[0-9]+\] ([^'\")]+)", text) or re.search(
        r"(Connection (?:refused|reset|aborted)[^,'\")]*)", text
    )
    if match:
        return match.group(1).strip()
    return text if len(text) < 200 else text[:200] + "…"


def _never_connected(problem: BaseException) -> bool:
    """True when the request cannot have left: refused, or the host name did not resolve."""
    from urllib3.exceptions import NewConnectionError  # NameResolutionError is one too

    reason = getattr(problem.args[0], "reason", None) if problem.args else None
    return isinstance(reason, NewConnectionError) or "refused" in str(problem).lower()


PROFILE = "/api/v1/profile"
NOT_FOUND = "Resource could not be found"  # Chatwoot's 404 for a record (and for an unknown account)

# A path's collections, the singular a person says, and the script that lists their ids.
RECORDS = {
    "conversations": ("conversation", "list_conversations.py; ids are the numbers shown in Chatwoot's UI"),
    "contacts": ("contact", "search_contacts.py finds ids"),
    "inboxes": ("inbox", "list_inboxes.py"),
    "teams": ("team", "list_teams.py"),
    "agents": ("agent", "list_agents.py"),
    "messages": ("message", "list_messages.py shows a conversation's message ids"),
    "notes": ("note", "contact_notes.py"),
    "macros": ("macro", "macros.py"),
    "portals": ("portal", "list_portals.py"),
    "articles": ("article", "search_articles.py"),
    "webhooks": ("webhook", "webhooks.py"),
}


def _records_named(path: str) -> list[tuple[str | None, str]]:
    """(path to read, label) for each record an account path names: /conversations/42/messages/7
    names conversation 42 (read to see whether it exists), then message 7."""
    parts = [p for p in path.split("?")[0].split("/") if p]
    named = []
    for index in range(0, len(parts) - 1):
        if parts[index] in RECORDS and parts[index + 1] not in RECORDS:
            label = f"{RECORDS[parts[index]][0]} {parts[index + 1]}"
            named.append(("/" + "/".join(parts[: index + 2]), label))
    return named


def _where(label: str) -> str:
    noun = label.split()[0]
    where = next((hint for singular, hint in RECORDS.values() if singular == noun), None)
    return f" ({where})" if where else ""


def _utc(moment: float) -> str:
    return datetime.fromtimestamp(moment, timezone.utc).strftime("%H:%M:%SZ")


# --------------------------------------------------------------------------- retries


class RateLimitClosed(Exception):
    """Chatwoot's rate limit outlasts CHATWOOT_MAX_WAIT: requests not yet sent are not sent."""


class Pacer:
    """When a request may be sent and when a failed one is resent: the retry policy.

    One Pacer serves every worker of a bulk call, so a 429 pauses them all at once (one stderr
    line per pause) until Rack::Attack's window opens. The clock, the sleep and the jitter are
    class attributes that a test (or a caller) may replace.
    """

    clock = staticmethod(time.time)
    sleep = staticmethod(time.sleep)
    jitter = staticmethod(random.random)  # 0 ≤ jitter < 1: parallel clients do not resend in step

    def __init__(self, max_retries: int, max_wait: float, warn: Callable[[str], None]):
        self.max_retries = max_retries
        self.max_wait = max_wait
        self.warn = warn
        self.closed: str | None = None  # why nothing more is sent: Chatwoot's limit outlasts the wait
        self._lock = threading.Lock()
        self._paused_until = 0.0

    def before_sending(self) -> None:
        """Wait while a rate-limit pause lasts; raise RateLimitClosed once the limit outlasts the wait."""
        if self.closed is not None:
            raise RateLimitClosed(self.closed)
        delay = self._paused_until - self.clock()
        if delay > 0:
            self.sleep(delay)

    def backoff(self, attempt: int, reason: str) -> bool:
        """Resend after a failure that may pass (502-504, no connection): True after the wait."""
        if attempt > self.max_retries:
            return False
        delay = min(BACKOFF * 2 ** (attempt - 1), self.max_wait) + BACKOFF * self.jitter()
        self.warn(f"warning: {reason}; retry {attempt} of {self.max_retries} in {delay:.1f} s")
        self.sleep(delay)
        return True

    def rate_limited(self, attempt: int, response) -> bool:
        """A 429: wait for Retry-After, or for the next window of Chatwoot's clock, then True.
        False when out of retries, or when the wait would outlast CHATWOOT_MAX_WAIT (then
        `closed` says when Chatwoot lets requests through again, and nothing more is sent)."""
        if attempt > self.max_retries:
            return False
        now = self.clock()
        retry_after = _retry_after(response.headers.get("Retry-After"), now)
        if retry_after is not None:
            delay, when = retry_after, _utc(now + retry_after)
            why = "Retry-After"
        else:  # Rack::Attack says nothing: its fixed window ends on a multiple of a minute of its clock
            server_now = _server_time(response.headers.get("Date")) or now
            window_opens = (int(server_now) // RATE_WINDOW + 1) * RATE_WINDOW
            delay, when = window_opens - server_now + self.jitter(), _utc(window_opens)
            why = f"Chatwoot's rate-limit window resets at {when}"
        opens = now + delay
        if delay > self.max_wait:
            with self._lock:
                self.closed = (
                    f"Chatwoot's rate limit lets requests through again at {when} (in {delay:.0f} s), "
                    f"beyond CHATWOOT_MAX_WAIT={self.max_wait:g} s; try again then"
                )
            return False
        with self._lock:
            announce = opens > self._paused_until + 0.5
            self._paused_until = max(self._paused_until, opens)
        if announce:
            self.warn(
                f"warning: HTTP 429 from Chatwoot; retry {attempt} of {self.max_retries} in {delay:.1f} s ({why})"
            )
        self.before_sending()
        return True


def _retry_after(value: str | None, now: float) -> float | None:
    if not value:
        return None
    if value.strip().isdigit():
        return float(value.strip())
    moment = _server_time(value)
    return max(0.0, moment - now) if moment is not None else None


def _server_time(value: str | None) -> float | None:
    """An HTTP date (a Date or Retry-After header) as unix seconds."""
    if not value:
        return None
    try:
        return parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError):
        return None


# --------------------------------------------------------------------------- the client


def _stderr(line: str) -> None:
    import sys

    sys.stderr.write(line + "\n")
    sys.stderr.flush()


class Api:
    """One Chatwoot account over one requests.Session.

    With `dry_run` a write is not sent: `send` raises Preview with the request it would make.
    With `read_only` every write is refused before anything is sent. `warn` receives the
    progress lines (retries, pauses).
    """

    def __init__(self, config: Config, *, dry_run: bool = False, read_only: bool = False,
                 warn: Callable[[str], None] = _stderr, pacer: Pacer | None = None):  # fmt: skip
        self.config = config
        self.dry_run = dry_run
        self.read_only = read_only
        self.warn = warn
        self.pacer = pacer or Pacer(config.max_retries, config.max_wait, warn)
        self._session = None
        self._session_lock = threading.Lock()
        self._remembered: dict = {}
        self._remember_lock = threading.Lock()

    # -- urls and session

    def url(self, path: str) -> str:
        """Paths are account-scoped (`/contacts`) unless they start with /api/ (`/api/v1/profile`)."""
        if path.startswith("/api/"):
            return self.config.base_url + path
        return f"{self.config.base_url}/api/v1/accounts/{self.config.account_id}{path}"

    def v2(self, path: str) -> str:
        """An account path of the v2 API (reports): `/reports/summary` → /api/v2/accounts/{id}/reports/summary."""
        return f"/api/v2/accounts/{self.config.account_id}{path}"

    @property
    def session(self):
        with self._session_lock:  # bulk workers share one session, built once
            if self._session is None:
                requests = require("requests")
                session = requests.Session()
                session.headers.update(
                    {
                        "Api-Access-Token": self.config.token or "",
                        "Accept": "application/json",
                        "User-Agent": f"chatwoot-skill/{VERSION} {requests.utils.default_user_agent()}",
                    }
                )
                adapter = requests.adapters.HTTPAdapter(max_retries=0, pool_maxsize=MAX_PARALLEL)
                session.mount("http://", adapter)
                session.mount("https://", adapter)
                self._session = session
        return self._session

    def remember(self, key: str, fetch: Callable[[], Any]) -> Any:
        """`fetch()` once per Api, however many bulk workers ask (the others wait for its answer)."""
        with self._remember_lock:
            if key not in self._remembered:
                self._remembered[key] = fetch()
            return self._remembered[key]

    def profile(self) -> Any:
        """The token's user and its accounts (GET /api/v1/profile), read once per run."""
        return self.remember(PROFILE, lambda: self.request("GET", PROFILE, explain=False))

    def ensure_writable(self) -> None:
        """The one read-only check: every write passes here, and commands that write call it first."""
        if self.read_only and not self.dry_run:
            raise ConfigError(
                "CHATWOOT_READ_ONLY is set: this would change Chatwoot, so nothing was sent (--dry-run still works)"
            )

    # -- the one place a request is made

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Any = None,
        body: bytes | None = None,
        form: dict | None = None,
        attachments: list[dict] | None = None,
        request_file: str | None = None,
        reads: bool = False,
        expect_json: bool = True,
        resend: str | None = None,
        probes: list[tuple[str, str]] | None = None,
        explain: bool = True,
    ) -> Any:
        """Send one request (resending it as the Pacer allows); return the decoded JSON, or None
        for an empty-bodied success. `reads` marks a POST that only reads (the filters): it is
        resent like a GET. Every failure names the kept request file and how to resend it; a 404
        names what was not found (see `missing`; `probes` for a path that names no id itself)."""
        requests = require("requests")
        url = self.url(path)
        if isinstance(params, dict):  # a None value leaves its parameter out (an option not given)
            params = {key: value for key, value in params.items() if value is not None}
        idempotent = method in IDEMPOTENT_METHODS or reads
        changes = not idempotent

        def kept(maybe_arrived: bool, resendable: bool = True) -> list[str]:
            lines = []
            if changes and maybe_arrived:
                lines.append(
                    "it may have reached Chatwoot: check before resending (list_messages.py, get_conversation.py…)"
                )
            if request_file:
                lines.append(f"request body kept at {request_file}")
                if resendable:  # not for an answer that the same request would get again
                    lines.append(f"resend with: {resend or curl_resend(method, url, request_file)}")
            return lines

        attempt = 0
        while True:
            attempt += 1
            try:
                self.pacer.before_sending()
            except RateLimitClosed as closed:
                raise ApiError(
                    429,
                    "Retry later (not sent: an earlier request was refused)",
                    str(closed),
                    f"hint: {hint_for(429, '')}",
                    *kept(False),
                    request_file=request_file,
                ) from None
            try:
                with contextlib.ExitStack() as stack:
                    files = [
                        (
                            f["field"],
                            (Path(f["path"]).name, stack.enter_context(open(f["path"], "rb")), f["content_type"]),
                        )
                        for f in attachments or []
                    ]
                    response = self.session.request(
                        method,
                        url,
                        params=params,
                        data=body if body is not None else form,
                        files=files or None,
                        headers={"Content-Type": "application/json"} if body is not None else {},
                        timeout=self.config.timeout,
                    )
            except requests.exceptions.InvalidURL:
                raise ConfigError("CHATWOOT_BASE_URL does not make a valid URL", *kept(False)) from None
            except requests.exceptions.SSLError:
                raise NetworkError(
                    f"TLS error talking to {self.config.base_url}; if the server uses its own certificate "
                    "authority, point REQUESTS_CA_BUNDLE at its CA file",
                    *kept(False),
                    request_file=request_file,
                ) from None
            except requests.exceptions.ConnectTimeout:
                if idempotent and self.pacer.backoff(attempt, "could not connect"):
                    continue
                raise NetworkError(
                    f"could not connect to {self.config.base_url} within {self.config.timeout:g} s (CHATWOOT_TIMEOUT)",
                    *kept(False),
                    request_file=request_file,
                ) from None
            except requests.exceptions.Timeout:
                # A slow answer is not resent: the server is busy, not gone, and a write's fate is unknown.
                raise NetworkError(
                    f"no answer from Chatwoot within {self.config.timeout:g} s (CHATWOOT_TIMEOUT) for {method} {url}",
                    *kept(True),
                    request_file=request_file,
                ) from None
            except requests.exceptions.ConnectionError as problem:
                refused = _never_connected(problem)
                reason = "could not connect" if refused else "the connection dropped"
                if idempotent and self.pacer.backoff(attempt, reason):
                    continue
                what = "could not connect to" if refused else "the connection dropped talking to"
                unsent = "; nothing was sent" if refused and changes else ""
                raise NetworkError(
                    f"{what} {self.config.base_url} ({_root_cause(problem)}){unsent}",
                    *([UNREACHABLE] if refused else []),
                    *kept(not refused),
                    request_file=request_file,
                ) from None
            except requests.exceptions.RequestException as problem:
                raise NetworkError(
                    f"request failed: {_root_cause(problem)}", *kept(True), request_file=request_file
                ) from None
            status = response.status_code
            if status < 400:
                return self._decode(response, expect_json, kept, request_file)
            message = chatwoot_message(response.content)
            hint = hint_for(status, message)
            if status == 404 and message == NOT_FOUND and explain:
                hint = self.missing(path, probes)
            failure = ApiError(
                status,
                message,
                *([f"hint: {hint}"] if hint else []),
                *kept(status >= 500, resendable=status == 429 or status >= 500),
                request_file=request_file,
            )
            if status == 429:
                if self.pacer.rate_limited(attempt, response):
                    continue  # refused unprocessed: safe to resend, a POST included
                if self.pacer.closed:
                    failure.lines.insert(1, self.pacer.closed)
            if status in RESENT_STATUSES and idempotent and self.pacer.backoff(attempt, f"HTTP {status} from Chatwoot"):
                continue
            raise failure

    def missing(self, path: str, probes: list[tuple[str, str]] | None = None) -> str:
        """Which id a "Resource could not be found" was about, found by reading: the account, then
        each record the path names from the outermost (or the caller's `probes`, (path, label))."""
        account = self.config.account_id
        try:
            profile = self.profile()
        except Failure:
            profile = None
        accounts = [a.get("id") for a in (profile or {}).get("accounts") or [] if isinstance(a, dict)]
        if profile is not None and account not in accounts:
            return f"there is no account {account} for this token: CHATWOOT_ACCOUNT_ID is wrong (whoami.py lists yours)"
        candidates = probes if probes is not None else _records_named(path)
        for index, (probe, label) in enumerate(candidates):
            if probes is None and index == len(candidates) - 1:  # the path's innermost record, in its parent
                within = candidates[index - 1][1] if index else f"account {account}"
                return f"there is no {label} in {within}{_where(label)}"
            try:
                self.request("GET", probe, explain=False)
            except ApiError as problem:
                if problem.status == 404:
                    return f"there is no {label} in account {account}{_where(label)}"
                break
            except Failure:
                break
        return f"no such record in account {account} (conversation ids are the numbers shown in Chatwoot's UI)"

    def _decode(self, response, expect_json: bool, kept: Callable, request_file: str | None) -> Any:
        if not response.content.strip():
            if expect_json:
                raise ApiError(
                    response.status_code,
                    "an empty body where JSON was expected (a proxy may be answering instead of Chatwoot)",
                    *kept(True),
                    request_file=request_file,
                )
            return None
        try:
            return response.json()
        except ValueError:
            raise ApiError(
                response.status_code,
                f"a body that is not JSON: {chatwoot_message(response.content)}",
                *kept(True),
                request_file=request_file,
            ) from None

    # -- reads

    def get(self, path: str, params: Any = None) -> Any:
        return self.request("GET", path, params=params)

    def pages(self, path: str, params: dict | None = None, *, first: int | None = None, template: str | None = None,
              values: dict | None = None):  # fmt: skip
        """Every page of a list from `first` on, as (page number, document), until the caller stops.
        The first request carries no page number unless `first` is given (Chatwoot starts at 1).

        With a template the list is a POST that only reads (the filters): its body is rendered
        once into a request file, sent for every page, and removed when the walk ends.
        """
        method, body, request_file = "GET", None, None
        if template is not None:
            method = "POST"
            body = rendered(template, values or {})[0].encode("utf-8")
            request_file = write_request_file(body)
        try:
            page = first or 1
            while True:
                query = {**(params or {}), "page": page} if first or page > 1 else params
                yield page, self.request(method, path, params=query, body=body, request_file=request_file, reads=True)
                page += 1
        except Failure:
            request_file = None  # kept: the failure names it
            raise
        finally:
            if request_file:
                os.unlink(request_file)

    # -- writes

    def send(self, method: str, path: str, template: str | None = None, *, empty_ok: bool = False,
             attachments: list[str] | None = None, then: str | None = None,
             probes: list[tuple[str, str]] | None = None, preview_also: dict | None = None,
             **values: Any) -> Any:  # fmt: skip
        """Render the template into a request file and send exactly its bytes; with --dry-run
        raise Preview instead (no file is written). `empty_ok` is for the endpoints that answer a
        bare 200 (contact delete, toggle_priority); `attachments` makes it a multipart upload
        whose form fields are the rendered body's; `then` says what would follow this write;
        `probes` are the records to read on a 404 whose path names none (see `missing`);
        `preview_also` adds members to the --dry-run preview (what the write would lead to)."""
        self.ensure_writable()
        url = self.url(path)
        text, document = rendered(template, values) if template else (None, None)
        if attachments:
            return self._send_multipart(method, path, document or {}, attachments, then)
        if self.dry_run:
            preview = {"method": method, "url": url, "body": document, "curl": curl_inline(method, url, text)}
            raise Preview({**preview, **(preview_also or {})}, then)
        body = text.encode("utf-8") if text is not None else None
        request_file = write_request_file(body) if body is not None else None
        result = self.request(
            method, path, body=body, request_file=request_file, expect_json=not empty_ok, probes=probes
        )
        if request_file:
            os.unlink(request_file)
        return result

    def _send_multipart(self, method: str, path: str, document: dict, attachments: list[str], then: str | None):
        import mimetypes

        url = self.url(path)
        # Rails reads the string "false" as true, so a false flag is left out, never sent.
        form = {key: _form_value(value) for key, value in document.items() if value is not False}
        files = [
            {
                "field": "attachments[]",
                "path": str(Path(p).resolve()),
                "content_type": mimetypes.guess_type(p)[0] or "application/octet-stream",
                "size": Path(p).stat().st_size,
            }
            for p in attachments
        ]
        if self.dry_run:
            curl = curl_multipart(method, url, form, files)
            raise Preview({"method": method, "url": url, "body": form, "files": files, "curl": curl}, then)
        request_file = write_request_file(json.dumps(form, ensure_ascii=False).encode("utf-8"))
        resend = curl_multipart(method, url, form, files, request_file)
        result = self.request(method, path, form=form, attachments=files, request_file=request_file, resend=resend)
        os.unlink(request_file)
        return result


def _form_value(value: Any) -> str:
    return "true" if value is True else value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
