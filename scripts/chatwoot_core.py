"""Shared core of the chatwoot skill: configuration, argument checks, rendering request
bodies, sending them through one requests.Session, decoding Chatwoot's errors, printing
and exit codes. Each operation script is a short declaration over `main()`.

This module is imported by the scripts beside it; it is not an operation and is not run
directly. Only the standard library is imported at module level so that `--help` and bad
input answer fast and work even where `requests` or `jinja2` is missing.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import sys
import tempfile
import time
from collections.abc import Iterable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable

VERSION = "0.1.0"
SKILL_DIR = Path(__file__).resolve().parent.parent
TEMPLATES_DIR = SKILL_DIR / "templates"

EXIT_OK = 0
EXIT_API = 1  # Chatwoot answered with an error, or the check a script exists for failed
EXIT_USAGE = 2  # bad flag or input; nothing was sent
EXIT_CONFIG = 3  # configuration, missing dependency or read-only mode; nothing was sent
EXIT_NETWORK = 4  # could not connect, TLS error, or timed out

EXIT_CODES_HELP = """\
exit codes: 0 success; 1 Chatwoot answered with an error; 2 bad input (nothing sent);
  3 configuration or missing package (nothing sent); 4 network failure or timeout.
configuration (environment): CHATWOOT_BASE_URL (default https://app.chatwoot.com),
  CHATWOOT_API_TOKEN, CHATWOOT_ACCOUNT_ID, optional CHATWOOT_TIMEOUT (s, default 30),
  CHATWOOT_MAX_RETRIES (default 3), CHATWOOT_READ_ONLY=1 (refuse every change)."""

DEFAULT_BASE_URL = "https://app.chatwoot.com"
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
RETRY_STATUSES = frozenset({502, 503, 504})
MAX_RETRY_SLEEP = 30.0  # seconds; a longer Retry-After ends the retries instead of waiting
BACKOFF_FACTOR = 0.5  # 0.5 s, 1 s, 2 s … plus up to 0.5 s of jitter
REQUIREMENTS = ("requests>=2.28,<3", "jinja2>=3.0,<4")


# --------------------------------------------------------------------------- failures


class Failure(Exception):
    """An expected failure: printed as `error:` lines on stderr, then the exit code."""

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


class ApiError(Failure):
    """Chatwoot (or a proxy in front of it) answered with an error status or a bad body."""

    def __init__(self, status: int | None, message: str, *more: str, request_file: str | None = None):
        self.status = status
        self.message = message
        head = f"HTTP {status} from Chatwoot: {message}" if status else message
        super().__init__(head, *more, request_file=request_file)


class Outcome:
    """A document to print and yet a non-zero exit: the check a script exists for failed
    (whoami.py account mismatch, verify_webhook.py bad signature, an item of a bulk call)."""

    def __init__(self, document: Any, errors: list[str], exit_code: int = EXIT_API):
        self.document = document
        self.errors = errors
        self.exit_code = exit_code


class DryRun(Exception):
    """Raised instead of sending a write when --dry-run is on; carries the preview."""

    def __init__(self, preview: dict):
        super().__init__("dry run")
        self.preview = preview

    @classmethod
    def of(cls, method: str, url: str, body: Any, request_file: str | None, curl: str, files: list | None = None):
        preview = {"method": method, "url": url, "body": body}
        if files is not None:
            preview["files"] = files  # a multipart upload: the form fields are the body
        return cls({**preview, "request_file": request_file, "curl": curl})


def require(module: str):
    """Import a runtime dependency, or fail with exit 3 and the command that installs it."""
    try:
        return __import__(module)
    except ImportError:
        script = Path(sys.argv[0]).resolve() if sys.argv and sys.argv[0] else "SCRIPT"
        from shlex import quote

        packages = " ".join(quote(r) for r in REQUIREMENTS)
        raise ConfigError(
            f"the Python package '{module}' is not installed for {sys.executable}; "
            f"install with: {quote(sys.executable)} -m pip install {packages} "
            f"(or run the script with: uv run {script})"
        ) from None


# --------------------------------------------------------------------------- argument types


def _type(description: str, check: Callable[[str], Any]) -> Callable[[str], Any]:
    """Wrap a checker as an argparse type whose error says what was expected."""

    def convert(text: str) -> Any:
        try:
            return check(text)
        except (ValueError, TypeError) as problem:
            detail = f" ({problem})" if str(problem) else ""
            raise argparse.ArgumentTypeError(f"expected {description}, got {text!r}{detail}") from None

    convert.__name__ = description
    return convert


def _positive_int(text: str) -> int:
    if not re.fullmatch(r"[0-9]+", text.strip()) or int(text) < 1:
        raise ValueError()
    return int(text)


positive_id = _type("a positive integer id", _positive_int)

# Patterns as strings: re compiles (and caches) them on first use, off the paths that never check one.
EMAIL_PATTERN = r"[^@\s]+@(?:[^@\s.]+\.)+[^@\s.]+"  # no empty domain labels
E164_PATTERN = r"\+[1-9][0-9]{1,14}"


def _email(text: str) -> str:
    if not re.fullmatch(EMAIL_PATTERN, text.strip()):
        raise ValueError()
    return text.strip()


def _e164(text: str) -> str:
    # Spaces, dots, dashes and brackets are common in written numbers; Chatwoot wants none.
    # "+44 (0) 20 …" marks a trunk zero that is not dialled from abroad: it goes, not just the brackets.
    compact = re.sub(r"[\s().-]", "", text.replace("(0)", ""))
    if not re.fullmatch(E164_PATTERN, compact):
        raise ValueError()
    return compact


email_address = _type("an e-mail address such as jane@example.com", _email)
e164_phone = _type("a phone number in E.164 form such as +4915112345678", _e164)


def _not_json(constant: str):
    raise ValueError(constant)


def _key_value(text: str) -> tuple[str, Any]:
    # K=V gives the string V; K:=JSON gives a typed value (number, true, list…), as httpie does.
    match = re.fullmatch(r"([^=:]+)(:?=)(.*)", text, re.DOTALL)
    if not match or not match.group(1).strip():
        raise ValueError()
    key, sign, value = match.group(1).strip(), match.group(2), match.group(3)
    if sign == ":=":
        try:
            return key, json.loads(value, parse_constant=_not_json)
        except ValueError:  # NaN and Infinity are Python's, not JSON's
            raise ValueError("the value after := must be JSON, e.g. seats:=12") from None
    return key, value


key_value = _type("KEY=VALUE (or KEY:=JSON for a number, true/false or list)", _key_value)

DURATION_UNITS = {"m": 60, "h": 3600, "d": 86400, "w": 604800}


ISO_TIME = r"(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?\s*(Z|[+-]\d{2}:\d{2})?"


def _iso_moment(value: str) -> int:
    """YYYY-MM-DD[THH:MM[:SS]][Z|±HH:MM] as unix seconds; the same forms on every Python
    (datetime.fromisoformat takes more of them from 3.11 on)."""
    match = re.fullmatch(ISO_TIME, value, re.IGNORECASE)
    if not match:
        raise ValueError()
    year, month, day, hour, minute, second, offset = match.groups()
    try:
        moment = datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0))
    except ValueError:
        raise ValueError("no such date or time") from None
    if offset is None:  # no offset: this machine's local time
        return int(moment.astimezone().timestamp())
    if offset.upper() == "Z":
        return int(moment.replace(tzinfo=timezone.utc).timestamp())
    sign = 1 if offset[0] == "+" else -1
    shift = timedelta(hours=int(offset[1:3]), minutes=int(offset[4:6]))
    return int(moment.replace(tzinfo=timezone(sign * shift)).timestamp())


def _until(text: str) -> int:
    """A snooze end as unix seconds: 30m/2h/3d/1w from now, an ISO-8601 time, or unix seconds."""
    value = text.strip()
    now = time.time()
    duration = re.fullmatch(r"([0-9]+)\s*([mhdw])", value)
    if duration:
        seconds = int(duration.group(1)) * DURATION_UNITS[duration.group(2)]
        if seconds <= 0:
            raise ValueError("the duration must be more than zero")
        return int(now) + seconds
    if re.fullmatch(r"[0-9]{9,11}", value):
        moment = int(value)
    else:
        moment = _iso_moment(value)
    if moment <= now:
        when = datetime.fromtimestamp(moment, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        raise ValueError(f"{when} is in the past")
    return moment


snooze_until = _type("30m, 2h, 3d, 1w, an ISO-8601 time such as 2026-12-01T09:00, or unix seconds", _until)


def attributes(pairs: Iterable[tuple[str, Any]] | None) -> dict:
    """Collect repeated --attr K=V flags into one object (later keys win)."""
    return dict(pairs or [])


# --------------------------------------------------------------------------- argument parser


class Parser(argparse.ArgumentParser):
    """argparse with one `error:` line and exit 2 instead of a usage dump."""

    def __init__(self, doc: str, **kwargs: Any):
        summary, _, example = (doc or "").strip().partition("\n\n")
        super().__init__(
            prog=Path(sys.argv[0]).name if sys.argv and sys.argv[0] else None,
            description=summary,
            epilog=f"{example.strip()}\n\n{EXIT_CODES_HELP}".strip(),
            formatter_class=argparse.RawDescriptionHelpFormatter,
            allow_abbrev=False,
            **kwargs,
        )

    def error(self, message: str):
        raise UsageError(f"{message} (see {self.prog} --help)")


def _readable_file(text: str) -> str:
    path = Path(text)
    if path.is_dir():
        raise ValueError("a directory, not a file")
    if not path.is_file():
        raise ValueError("no such file")
    try:
        with path.open("rb") as handle:
            handle.read(1)
    except OSError as problem:
        raise ValueError(problem.strerror or "cannot read it") from None
    return text


readable_file = _type("a readable file", _readable_file)


def add_text_arguments(parser: Parser, what: str = "message", attachments: bool = False) -> None:
    """TEXT as an argument, or --file PATH / --file - (stdin) for long or multi-line text."""
    parser.takes_text = True
    parser.add_argument("text", nargs="?", metavar="TEXT", help=f"the {what} text (or use --file)")
    parser.add_argument(
        "--file",
        metavar="PATH",
        help=f"read the {what} text from a UTF-8 file, or '-' for stdin (no shell quoting needed)",
    )
    if attachments:
        parser.add_argument(
            "--attach",
            nargs="+",
            type=readable_file,
            default=[],
            metavar="FILE",
            help="attach these files (sent as multipart attachments[]); the text is then optional",
        )


def read_text(args: argparse.Namespace, what: str = "message") -> str | None:
    """The text from TEXT or --file, checked: one source, UTF-8, no NUL, not empty.

    None when there is no text and files are attached (an attachment-only message).
    Read once: a bulk call reads stdin a single time and shares the text.
    """
    if "_text" in vars(args):
        return args._text
    args._text = _read_text(args, what)
    return args._text


def _read_text(args: argparse.Namespace, what: str) -> str | None:
    if args.text is not None and args.file is not None:
        raise UsageError(f"give the {what} text either as TEXT or with --file, not both")
    if args.text is None and args.file is None:
        if getattr(args, "attach", None):
            return None
        raise UsageError(f"give the {what} text as TEXT or with --file PATH (or --file - for stdin)")
    if args.file is not None:
        try:
            raw = sys.stdin.buffer.read() if args.file == "-" else Path(args.file).read_bytes()
        except OSError as problem:
            raise UsageError(f"--file {args.file}: cannot read it ({problem.strerror or problem})") from None
        source = "stdin" if args.file == "-" else f"--file {args.file}"
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as problem:
            raise UsageError(f"{source} is not UTF-8 text (bad byte at offset {problem.start})") from None
        if "\x00" in text:
            raise UsageError(f"{source} holds a NUL byte; expected plain text")
    else:
        text = args.text
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise UsageError(f"the {what} TEXT is not valid UTF-8") from None
    if not text.strip():
        raise UsageError(f"the {what} text is empty")
    return text


# --------------------------------------------------------------------------- configuration


class Config:
    """The CHATWOOT_* settings. Plain class, not a dataclass: `dataclasses` costs start-up time,
    and no repr may ever show the token."""

    def __init__(self, base_url: str, account_id: int | None, token: str | None, timeout: float,
                 max_retries: int, read_only: bool):  # fmt: skip
        self.base_url = base_url
        self.account_id = account_id
        self.token = token
        self.timeout = timeout
        self.max_retries = max_retries
        self.read_only = read_only

    def __repr__(self) -> str:
        return f"Config(base_url={self.base_url!r}, account_id={self.account_id!r}, token=<hidden>)"


def _env(name: str) -> str:
    return os.environ.get(name, "").strip()


def _valid_base_url(url: str) -> bool:
    from urllib.parse import urlsplit

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


def _url_path(url: str) -> str:
    from urllib.parse import urlsplit

    return urlsplit(url).path


def load_config(*, need_token: bool = True, need_account: bool = True) -> Config:
    """Read the CHATWOOT_* variables; a problem names the variable, never its value."""
    base_url = _env("CHATWOOT_BASE_URL").rstrip("/") or DEFAULT_BASE_URL
    if not _valid_base_url(base_url):
        raise ConfigError(
            "CHATWOOT_BASE_URL must be an http:// or https:// URL such as https://chat.example.com "
            "(a host, an optional port and path prefix; no spaces)"
        )
    if re.search(r"/(api/v1|app/accounts)(/|$)", _url_path(base_url)):
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
    timeout_text = _env("CHATWOOT_TIMEOUT") or "30"
    try:
        timeout = float(timeout_text)
        if not 0 < timeout <= 3600:
            raise ValueError
    except ValueError:
        raise ConfigError("CHATWOOT_TIMEOUT must be a number of seconds between 0 and 3600") from None
    retries_text = _env("CHATWOOT_MAX_RETRIES") or "3"
    if not re.fullmatch(r"[0-9]{1,2}", retries_text):
        raise ConfigError("CHATWOOT_MAX_RETRIES must be a whole number from 0 to 99 (0 disables retries)")
    read_only_text = _env("CHATWOOT_READ_ONLY").lower()
    if read_only_text not in ("", "0", "1", "true", "false", "yes", "no"):
        raise ConfigError("CHATWOOT_READ_ONLY must be 1 (refuse every change) or 0")
    return Config(
        base_url=base_url,
        account_id=account_id,
        token=token,
        timeout=timeout,
        max_retries=int(retries_text),
        read_only=read_only_text in ("1", "true", "yes"),
    )


# --------------------------------------------------------------------------- output


def _write(stream, text: str) -> None:
    # Bytes, so that output is UTF-8 whatever the locale says.
    stream.buffer.write(text.encode("utf-8", "backslashreplace"))
    stream.flush()


class Text(str):
    """Plain text a script prints as is instead of JSON (list_messages.py --transcript)."""


class Pieces(list):
    """Text printed piece by piece: a large merged --all answer is never joined in memory."""


def emit(document: Any) -> None:
    """Print the one JSON document of a successful run on stdout."""
    if isinstance(document, Text):
        _write(sys.stdout, document)
        return
    if isinstance(document, Pieces):
        for piece in document:
            sys.stdout.buffer.write(piece.encode("utf-8", "backslashreplace"))
        sys.stdout.flush()
        return
    if isinstance(document, list) and document and all(isinstance(item, dict) for item in document):
        # Lists (summaries, bulk results): one item a line, readable and still one document.
        text = "[\n" + ",\n".join(json.dumps(item, ensure_ascii=False) for item in document) + "\n]"
    else:
        text = json.dumps(document, ensure_ascii=False)
    _write(sys.stdout, text + "\n")


def warn(message: str) -> None:
    """A progress or warning line on stderr (never stdout)."""
    _write(sys.stderr, f"{message}\n")


# --------------------------------------------------------------------------- request files


def render(template: str, values: dict) -> str:
    """Render templates/<template>.json.j2; every value must pass through the `json` filter."""
    jinja2 = require("jinja2")
    environment = _jinja_environment(jinja2)
    return environment.get_template(f"{template}.json.j2").render(**values)


_ENVIRONMENT = None


def _jinja_environment(jinja2):
    global _ENVIRONMENT
    if _ENVIRONMENT is None:

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


def curl_command(method: str, url: str, request_file: str | None) -> str:
    """The equivalent curl, with the literal $CHATWOOT_API_TOKEN in place of the token."""
    from shlex import quote

    parts = _curl_head(method, url)
    if request_file:
        parts += ["-H", "'Content-Type: application/json'", "--data-binary", quote(f"@{request_file}")]
    return " ".join(parts)


def _curl_head(method: str, url: str) -> list[str]:
    from shlex import quote

    return ["curl", "-sS", "-X", method, quote(url), "-H", '"Api-Access-Token: $CHATWOOT_API_TOKEN"']


# --------------------------------------------------------------------------- errors from Chatwoot


def chatwoot_message(response) -> str:
    """Chatwoot's own words from any of its error bodies: error, message, errors[0], or text."""
    text = response.content.decode("utf-8", "replace").strip()
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


def hint_for(status: int, message: str) -> str | None:
    lowered = message.lower()
    if status == 401 and "sign in" in lowered:
        return (
            "the Api-Access-Token header never reached Chatwoot; a reverse proxy in front of it may be "
            "dropping it (nginx: set underscores_in_headers on, or forward the header)"
        )
    if status == 401 and "invalid access token" in lowered:
        return "CHATWOOT_API_TOKEN is wrong or revoked; copy it again from Profile Settings → Access Token"
    if status == 401 and "access this account" in lowered:
        return "CHATWOOT_ACCOUNT_ID is not an account this token belongs to; run whoami.py to list yours"
    if status == 401 and "do this action" in lowered:
        return "the token's user lacks the role for this (administrators only, or not a member of that inbox)"
    if status == 401 and "bots" in lowered:
        return "this is an agent-bot token; use a user's access token from Profile Settings"
    if status == 404 and "resource could not be found" in lowered:
        return "no such record (conversation ids are the numbers shown in Chatwoot's UI), or no such account"
    if status == 404:
        return "no such endpoint; check CHATWOOT_BASE_URL (a self-hosted URL may need its path prefix)"
    if status == 429:
        return "rate limited by Chatwoot; wait a minute before trying again"
    if status >= 500:
        return "Chatwoot failed on its side; an invalid value (status, priority, filter) can cause this"
    return None


# --------------------------------------------------------------------------- sending


def _retry_class():
    """urllib3's Retry, taught Chatwoot's rules: 429 for every method, the rest only idempotent."""
    import random

    from urllib3.exceptions import ConnectTimeoutError, MaxRetryError, NewConnectionError, ReadTimeoutError
    from urllib3.util.retry import Retry

    class ChatwootRetry(Retry):
        def is_retry(self, method, status_code, has_retry_after=False):
            if status_code == 429:  # refused unprocessed: safe to resend, POST included
                return bool(self.total)
            return super().is_retry(method, status_code, has_retry_after)

        def increment(self, method=None, url=None, response=None, error=None, _pool=None, _stacktrace=None):
            # A timed-out read is not resent: the server is slow, not gone, and a POST's fate is
            # unknown. A POST that failed to connect is not resent either (only 429 resends it).
            if isinstance(error, ReadTimeoutError):
                raise error
            refused_write = error is not None and not self._is_method_retryable(method or "")
            too_long = response is not None and (self.get_retry_after(response) or 0) > MAX_RETRY_SLEEP
            if refused_write or too_long:
                raise MaxRetryError(_pool, url, error)
            return super().increment(method, url, response, error, _pool, _stacktrace)

        def sleep(self, response=None):
            delay = self.get_retry_after(response) if response is not None else None
            if delay is None:
                delay = min(self.get_backoff_time() or BACKOFF_FACTOR, MAX_RETRY_SLEEP)
                delay += BACKOFF_FACTOR * random.random()  # jitter: parallel clients do not retry in step
            cause = self.history[-1] if self.history else None
            if cause and cause.status:
                reason = f"HTTP {cause.status} from Chatwoot"
            elif isinstance(getattr(cause, "error", None), (NewConnectionError, ConnectTimeoutError)):
                reason = "could not connect"
            else:
                reason = "the connection dropped"
            attempt = len(self.history)
            warn(f"warning: {reason}; retry {attempt} of {attempt + (self.total or 0)} in {delay:.1f} s")
            time.sleep(delay)

    return ChatwootRetry


class Api:
    """One Chatwoot account over one requests.Session, as the scripts see it."""

    def __init__(self, config: Config, *, dry_run: bool = False, listing: Listing | None = None, args=None):
        self.config = config
        self.dry_run = dry_run
        self.listing = listing
        self.args = args
        self._session = None

    # -- urls and session

    @property
    def account_base(self) -> str:
        return f"{self.config.base_url}/api/v1/accounts/{self.config.account_id}"

    def url(self, path: str) -> str:
        """Paths are account-scoped (`/contacts`) unless they start with /api/ (`/api/v1/profile`)."""
        return self.config.base_url + path if path.startswith("/api/") else self.account_base + path

    @property
    def session(self):
        if self._session is None:
            requests = require("requests")
            require("urllib3")
            retry_class = _retry_class()
            session = requests.Session()
            session.headers.update(
                {
                    "Api-Access-Token": self.config.token or "",
                    "Accept": "application/json",
                    "User-Agent": f"chatwoot-skill/{VERSION} {requests.utils.default_user_agent()}",
                }
            )

            def adapter(methods: frozenset):
                retry = retry_class(
                    total=self.config.max_retries,
                    allowed_methods=methods,
                    status_forcelist=RETRY_STATUSES,
                    backoff_factor=BACKOFF_FACTOR,
                    raise_on_status=False,  # the last 429/5xx reaches our error decoder
                    respect_retry_after_header=True,
                )
                return requests.adapters.HTTPAdapter(max_retries=retry, pool_maxsize=MAX_PARALLEL)

            everything = adapter(IDEMPOTENT_METHODS)
            session.mount("http://", everything)
            session.mount("https://", everything)
            # The filter endpoints are POSTs that only read: retried like GETs.
            filters = adapter(IDEMPOTENT_METHODS | {"POST"})
            for resource in ("conversations", "contacts"):
                session.mount(f"{self.account_base}/{resource}/filter", filters)  # _is_filter's paths
            self._session = session
        return self._session

    # -- the one place a request is made

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Any = None,
        body: bytes | None = None,
        request_file: str | None = None,
        files: list | None = None,
        data: dict | None = None,
        expect_json: bool = True,
        resend: str | None = None,
    ) -> Any:
        """Send one request; return the decoded JSON (None for an empty-bodied success).

        Every failure becomes a Failure whose lines name the kept request file and the
        command that resends it; a write whose fate is unknown says so.
        """
        requests = require("requests")
        url = self.url(path)
        changes = method not in IDEMPOTENT_METHODS and not _is_filter(path)

        def kept(maybe_arrived: bool) -> list[str]:
            lines = []
            if changes and maybe_arrived:
                lines.append(
                    "it may have reached Chatwoot: check before resending (list_messages.py, get_conversation.py…)"
                )
            if request_file:
                command = resend or curl_command(method, url, request_file)  # built only on failure
                lines += [f"request body kept at {request_file}", f"resend with: {command}"]
            return lines

        try:
            response = self.session.request(
                method,
                url,
                params=params,
                data=body if body is not None else data,
                files=files,
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
            raise NetworkError(
                f"could not connect to {self.config.base_url} within {self.config.timeout:g} s (CHATWOOT_TIMEOUT)",
                *kept(False),
                request_file=request_file,
            ) from None
        except requests.exceptions.Timeout:
            raise NetworkError(
                f"no answer from Chatwoot within {self.config.timeout:g} s (CHATWOOT_TIMEOUT) for {method} {url}",
                *kept(True),
                request_file=request_file,
            ) from None
        except requests.exceptions.ConnectionError as problem:
            refused = _never_connected(problem)
            what = "could not connect to" if refused else "the connection dropped talking to"
            unsent = "; nothing was sent" if refused and changes else ""
            raise NetworkError(
                f"{what} {self.config.base_url} ({_root_cause(problem)}){unsent}",
                *kept(not refused),
                request_file=request_file,
            ) from None
        except requests.exceptions.RequestException as problem:
            raise NetworkError(
                f"request failed: {_root_cause(problem)}", *kept(True), request_file=request_file
            ) from None
        if response.status_code >= 400:
            message = chatwoot_message(response)
            hint = hint_for(response.status_code, message)
            raise ApiError(
                response.status_code,
                message,
                *([f"hint: {hint}"] if hint else []),
                *kept(response.status_code >= 500),
                request_file=request_file,
            )
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
                f"a body that is not JSON: {chatwoot_message(response)}",
                *kept(True),
                request_file=request_file,
            ) from None

    # -- reads

    def get(self, path: str, params: Any = None) -> Any:
        return self.request("GET", path, params=params)

    def list(self, path: str, params: dict | None = None, template: str | None = None, **values: Any) -> Any:
        """A list endpoint, honouring --page/--all/--summary as the script declared them.

        With a template the list is a POST whose body is that template (the filter endpoints,
        which only read); the page number always travels in the query string.
        """
        listing = self.listing
        args = self.args
        params = dict(params or {})
        walk_all = bool(getattr(args, "all", False))
        summary = bool(getattr(args, "summary", False))
        if getattr(args, "page", None):
            params["page"] = args.page
        method, body, request_file = "GET", None, None
        if template is not None:
            method = "POST"
            _, body, request_file = self.prepare(template, values)

        def fetch() -> Any:
            return self.request(method, path, params=params, body=body, request_file=request_file)

        if not walk_all:
            document = fetch()
            items = listing.items(document)
            if not listing.last_page(document, items):
                warn(f"more on the next page: --page {params.get('page', 1) + 1}, or --all for every page")
            result = listing.summarize(items) if summary else document
        else:
            first = None
            collected: list = []
            seen: set = set()
            page = 1
            while True:
                params["page"] = page
                document = fetch()
                items = listing.items(document)
                fresh = [item for item in items if _identity(item) not in seen]
                seen.update(_identity(item) for item in fresh)
                # Each page shrinks at once (to its summary, or to JSON text), so --all over
                # thousands of conversations holds text, not thousands of nested dicts.
                collected.extend(listing.summarize(fresh) if summary else map(_to_json, fresh))
                first = document if first is None else first
                if listing.last_page(document, items) or not fresh:
                    break
                page += 1
                if page >= 3:
                    warn(f"fetching page {page} ({len(collected)} so far)")
            result = collected if summary else listing.merge(first, collected)
        if request_file:
            os.unlink(request_file)
        return result

    # -- writes

    def prepare(self, template: str, values: dict) -> tuple[Any, bytes, str]:
        """Render a template into a new request file: (decoded body, exact bytes, file path)."""
        text = render(template, values)
        document = json.loads(text)  # a template bug fails here, not at Chatwoot
        body = text.encode("utf-8")
        return document, body, write_request_file(body)

    def refuse_if_read_only(self, what: str) -> None:
        if self.config.read_only and not self.dry_run:
            raise ConfigError(f"CHATWOOT_READ_ONLY is set: refusing {what} (nothing was sent; --dry-run still works)")

    def send(
        self,
        method: str,
        path: str,
        template: str | None = None,
        *,
        empty_ok: bool = False,
        attachments: list[str] | None = None,
        **values: Any,
    ) -> Any:
        """Render the template into a request file, then send exactly its bytes (or preview them).

        `empty_ok` is for the endpoints that answer a bare 200 (contact delete, toggle_priority).
        With `attachments` the rendered body's fields go out as multipart form fields beside
        the files (`attachments[]`), as Chatwoot requires for uploads.
        """
        self.refuse_if_read_only(f"{method} {path}")
        url = self.url(path)
        document, body, request_file = self.prepare(template, values) if template else (None, None, None)
        if attachments:
            return self._send_multipart(method, path, document, request_file, attachments)
        if self.dry_run:
            raise DryRun.of(method, url, document, request_file, curl_command(method, url, request_file))
        result = self.request(method, path, body=body, request_file=request_file, expect_json=not empty_ok)
        if request_file:
            os.unlink(request_file)
        return result

    def _send_multipart(self, method: str, path: str, document: dict, request_file: str, attachments: list[str]):
        import mimetypes

        url = self.url(path)
        # Rails reads the string "false" as true, so a false flag is left out, never sent.
        fields = {key: _form_value(value) for key, value in document.items() if value is not False}
        files = [
            {
                "field": "attachments[]",
                "path": str(Path(p).resolve()),
                "content_type": _content_type(mimetypes, p),
                "size": Path(p).stat().st_size,
            }
            for p in attachments
        ]
        curl = curl_multipart(method, url, request_file, fields, files)
        if self.dry_run:
            raise DryRun.of(method, url, fields, request_file, curl, files=files)
        with contextlib.ExitStack() as stack:
            parts = [
                (f["field"], (Path(f["path"]).name, stack.enter_context(open(f["path"], "rb")), f["content_type"]))
                for f in files
            ]
            result = self.request(method, path, data=fields, files=parts, request_file=request_file, resend=curl)
        os.unlink(request_file)
        return result


def _form_value(value: Any) -> str:
    return "true" if value is True else value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _content_type(mimetypes, path: str) -> str:
    return mimetypes.guess_type(path)[0] or "application/octet-stream"


def curl_multipart(method: str, url: str, request_file: str, fields: dict, files: list[dict]) -> str:
    """The multipart equivalent: field values are read back from the request file with jq, and
    sent with --form-string so that text starting with @ or < is not taken for a file name."""
    from shlex import quote

    parts = _curl_head(method, url)
    for key in fields:
        parts += ["--form-string", f'"{key}=$(jq -r {quote("." + key)} {quote(request_file)})"']
    for f in files:
        parts += ["-F", quote(f"{f['field']}=@{f['path']};type={f['content_type']}")]
    return " ".join(parts)


def _never_connected(problem: BaseException) -> bool:
    """True when the request cannot have left: refused, or the host name did not resolve."""
    from urllib3.exceptions import NewConnectionError  # NameResolutionError is one too

    reason = getattr(problem.args[0], "reason", None) if problem.args else None
    return isinstance(reason, NewConnectionError) or "refused" in str(problem).lower()


def _is_filter(path: str) -> bool:
    """The filter endpoints are POSTs that only read."""
    return path.endswith("/filter")


def _identity(item: Any) -> Any:
    return item.get("id") if isinstance(item, dict) else json.dumps(item, sort_keys=True)


def _root_cause(problem: BaseException) -> str:
    """The innermost reason of a requests/urllib3 exception chain, in a few words."""
    text = str(problem)
    match = re.search(r"\[Errno -?[0-9]+\] ([^'\")]+)", text) or re.search(
        r"(Connection (?:refused|reset|aborted)[^,'\")]*)", text
    )
    if match:
        return match.group(1).strip()
    return text if len(text) < 200 else text[:200] + "…"


# --------------------------------------------------------------------------- list shapes


class Listing:
    """How one list endpoint answers: where its items sit, its page size, its --summary.

    `path` holds the keys from the body down to the item list (() for a bare array);
    `has_more_key` is for contacts/search, which says meta.has_more instead of a total;
    `counts_total` for the contact list and filter, whose meta.count is the total.
    """

    def __init__(self, path: tuple, fields: Callable[[dict], dict], page_size: int | None = None,
                 has_more_key: bool = False, counts_total: bool = False):  # fmt: skip
        self.path = path
        self.fields = fields
        self.page_size = page_size
        self.has_more_key = has_more_key
        self.counts_total = counts_total

    def items(self, document: Any) -> list:
        for key in self.path:
            document = (document or {}).get(key) if isinstance(document, dict) else None
        return document if isinstance(document, list) else []

    def summarize(self, items: list) -> list:
        return [self.fields(item) for item in items]

    def last_page(self, document: Any, items: list) -> bool:
        meta = document.get("meta") if isinstance(document, dict) else None
        meta = meta if isinstance(meta, dict) else {}
        if self.has_more_key:
            return not meta.get("has_more")
        if self.page_size is None or len(items) < self.page_size:
            return True
        if self.counts_total and isinstance(meta.get("count"), int):  # contacts: meta.count is the total
            page = str(meta.get("current_page") or 1)
            return int(page) * self.page_size >= meta["count"] if page.isdigit() else False
        return False

    def merge(self, first: Any, items: list[str]) -> Pieces:
        """The first page's envelope holding every page's items (given as JSON text), printed
        exactly as json.dumps would print the merged document."""
        holder = first
        for key in self.path[:-1]:
            holder = holder[key]
        holder[self.path[-1]] = _ITEMS_GO_HERE
        meta = holder.get("meta") if isinstance(holder, dict) else None
        if self.has_more_key and isinstance(meta, dict):
            meta["count"] = len(items)
            meta["has_more"] = False
        before, _, after = _to_json(first).rpartition(_to_json(_ITEMS_GO_HERE))  # the items are last
        commas = [", "] * (len(items) - 1)
        return Pieces([before, "[", *(piece for pair in zip(items, [*commas, ""]) for piece in pair), "]", after, "\n"])


_ITEMS_GO_HERE = "\x00items\x00"  # a placeholder no envelope holds


def _to_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _sender_name(conversation: dict) -> Any:
    return ((conversation.get("meta") or {}).get("sender") or {}).get("name")


CONTACTS = Listing(
    ("payload",), lambda c: {"id": c.get("id"), "name": c.get("name"), "email": c.get("email")}, 15, counts_total=True
)
CONTACT_SEARCH = Listing(("payload",), CONTACTS.fields, 15, has_more_key=True)
CONVERSATIONS = Listing(
    ("data", "payload"),
    lambda c: {"id": c.get("id"), "status": c.get("status"), "contact": _sender_name(c)},
    25,
)
CONTACT_CONVERSATIONS = Listing(("payload",), CONVERSATIONS.fields)  # the 20 newest, one page
CONVERSATION_FILTER = Listing(("payload",), CONVERSATIONS.fields, 25)  # {meta, payload}: no data wrapper
AGENTS = Listing(
    (),
    lambda a: {k: a.get(k) for k in ("id", "name", "email", "role", "availability_status")},
)
INBOXES = Listing(("payload",), lambda i: {k: i.get(k) for k in ("id", "name", "channel_type")})
TEAMS = Listing((), lambda t: {"id": t.get("id"), "name": t.get("name")})


def conversation_filters(parser: Parser, statuses: tuple) -> None:
    """The filters list_conversations.py and conversation_counts.py share."""
    parser.add_argument("--status", choices=statuses, help="default: open (ignored by Chatwoot when --query is given)")
    parser.add_argument("--inbox-id", type=positive_id, metavar="N", help="only this inbox")
    parser.add_argument("--team-id", type=positive_id, metavar="N", help="only this team")
    parser.add_argument("--label", action="append", metavar="L", help="having this label (repeat for any of several)")
    parser.add_argument("--query", metavar="Q", help="only conversations whose messages contain Q")


def conversation_filter_params(args: argparse.Namespace) -> dict:
    names = {"status": "status", "inbox_id": "inbox_id", "team_id": "team_id", "label": "labels[]", "query": "q"}
    return {param: getattr(args, name) for name, param in names.items() if getattr(args, name) is not None}


def add_paging(parser: Parser) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--page", type=positive_id, metavar="N", help="fetch page N (1 is the first)")
    group.add_argument("--all", action="store_true", help="fetch every page over one connection and merge them")


# --------------------------------------------------------------------------- bulk actions

MAX_PARALLEL = 16


def _conversation_ids(text: str) -> int | list[int] | str:
    """42 (one call), 101,102,103 (a bulk call) or - (a bulk call, ids one a line on stdin)."""
    value = text.strip()
    if value == "-":
        return value
    if "," not in value:
        return _positive_int(value)
    return [_positive_int(part) for part in value.split(",") if part.strip()]


conversation_ids = _type("a conversation id, a list like 101,102,103, or - to read ids from stdin", _conversation_ids)


def add_conversation_ids(parser: Parser) -> None:
    """CONVERSATION_ID that also takes several ids, for the bulk conversation actions."""
    parser.add_argument(
        "conversation_id",
        type=conversation_ids,
        metavar="CONVERSATION_ID",
        help="the conversation number shown in Chatwoot; or several: 101,102,103, or - for one id a line on stdin",
    )
    parser.add_argument(
        "--parallel",
        type=_type(f"a number from 1 to {MAX_PARALLEL}", lambda t: _bounded(t, 1, MAX_PARALLEL)),
        default=4,
        metavar="N",
        help="with several ids: how many requests at once (default 4)",
    )


def _bounded(text: str, low: int, high: int) -> int:
    number = _positive_int(text)
    if not low <= number <= high:
        raise ValueError()
    return number


def _stdin_ids() -> list[int]:
    ids = []
    for number, line in enumerate(sys.stdin.read().splitlines(), 1):
        if line.strip():
            try:
                ids.append(_positive_int(line.strip().strip('",')))
            except ValueError:
                raise UsageError(
                    f"stdin line {number}: expected a conversation id, got {line.strip()[:40]!r}"
                ) from None
    return ids


def run_bulk(args: argparse.Namespace, api: Api, run: Callable, targets: list | str) -> Outcome | list:
    """Apply one action to many conversations over one session, a few at a time.

    Every id gets its own result or error; one failure never stops the others.
    """
    import copy
    from concurrent.futures import ThreadPoolExecutor

    if targets == "-":
        if getattr(args, "file", None) == "-":
            raise UsageError("the ids come from stdin, so the text cannot: give it as TEXT or with --file PATH")
        targets = _stdin_ids()
    if not targets:
        raise UsageError("no conversation ids given")
    if hasattr(args, "text"):
        read_text(args)  # once, before the fan-out: checked, and shared by every item
    if not api.dry_run:
        api.session  # noqa: B018 - built once here, not raced for by the workers

    def one(conversation_id: int) -> dict:
        item = copy.copy(args)
        item.conversation_id = conversation_id
        try:
            return {"id": conversation_id, "ok": True, "result": run(item, api)}
        except DryRun as preview:
            return preview.preview
        except UsageError:
            raise  # the same for every id, and found before anything is sent: exit 2 for the call
        except Failure as failure:
            error = {
                "status": getattr(failure, "status", None),
                "message": getattr(failure, "message", None) or failure.lines[0],
                "request_file": failure.request_file,
            }
            return {"id": conversation_id, "ok": False, "error": error}

    with ThreadPoolExecutor(max_workers=args.parallel) as pool:
        results = list(pool.map(one, targets))
    failed = [r["id"] for r in results if r.get("ok") is False]
    if failed:
        return Outcome(results, [f"{len(failed)} of {len(results)} failed: {', '.join(map(str, failed))}"])
    return results


# --------------------------------------------------------------------------- the boundary


def main(
    doc: str,
    arguments: Callable[[Parser], None],
    run: Callable[[argparse.Namespace, Api], Any],
    *,
    writes: bool | Callable[[argparse.Namespace], bool] = False,
    listing: Listing | None = None,
    paged: bool = False,
    needs: tuple = ("token", "account"),
    argv: list[str] | None = None,
) -> int:
    """Parse, check, run and print; the only place failures become exit codes."""
    try:
        parser = Parser(doc)
        arguments(parser)
        if writes:
            parser.add_argument(
                "--dry-run",
                action="store_true",
                help="send nothing; print the request (method, url, body, request_file, curl)",
            )
        if listing is not None:
            parser.add_argument(
                "--summary", action="store_true", help="print a compact array instead of the full answer"
            )
        if paged:
            add_paging(parser)
        # Intermixed: flags may come before or after TEXT (`send_message.py 42 --private "Hi"`);
        # plain parsing, a little faster, where there is no optional TEXT.
        parse = parser.parse_intermixed_args if getattr(parser, "takes_text", False) else parser.parse_args
        args = parse(argv)
        dry_run = bool(getattr(args, "dry_run", False))
        api = None
        if needs:  # verify_webhook.py talks to no server and needs no configuration
            config = load_config(need_token="token" in needs and not dry_run, need_account="account" in needs)
            if config.read_only and not dry_run and (writes(args) if callable(writes) else writes):
                raise ConfigError(
                    "CHATWOOT_READ_ONLY is set: this would change Chatwoot, so nothing was sent (--dry-run still works)"
                )
            api = Api(config, dry_run=dry_run, listing=listing, args=args)
        targets = getattr(args, "conversation_id", None)
        result = run_bulk(args, api, run, targets) if isinstance(targets, (list, str)) else run(args, api)
    except DryRun as preview:
        emit(preview.preview)
        return EXIT_OK
    except Failure as failure:
        for line in failure.lines:
            warn(f"error: {line}")
        return failure.exit_code
    except KeyboardInterrupt:
        warn("error: interrupted")
        return 130
    except Exception as problem:  # a bug of ours: one line, no traceback (CHATWOOT_DEBUG=1 shows it)
        if os.environ.get("CHATWOOT_DEBUG"):
            raise
        warn(
            f"error: internal error in the skill: {type(problem).__name__}: {problem} (CHATWOOT_DEBUG=1 shows the traceback)"
        )
        return EXIT_API
    if isinstance(result, Outcome):
        emit(result.document)
        for line in result.errors:
            warn(f"error: {line}")
        return result.exit_code
    emit(result)
    return EXIT_OK


def run_script(*args: Any, **kwargs: Any) -> None:
    """`main()` then exit with its code: the last line of every script."""
    sys.exit(main(*args, **kwargs))
