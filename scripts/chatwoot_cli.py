"""The command line: argument types, the parser, message text, output, and the one boundary
where a script's run becomes stdout, `error:` lines and an exit code. It also shapes list
output (--page, --all, --summary) and fans bulk calls out over one session.

Each operation script declares a Command (its arguments, what it runs, whether it writes) and
calls `command.exit()`; tests call `command.main(argv)` in-process.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import textwrap
import time
from collections.abc import Iterable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable

from chatwoot_client import (
    EXIT_API,
    EXIT_OK,
    MAX_PARALLEL,
    Api,
    ApiError,
    Failure,
    Preview,
    UsageError,
    load_config,
)
from chatwoot_liquid import as_sent
from chatwoot_listings import SHOWS, Listing, Query

SHARED_PREFIX = "chatwoot_"  # scripts/chatwoot_*.py are shared modules; every other script is an operation


def operation_scripts(scripts_dir: Path) -> list[Path]:
    """The operation scripts in a scripts/ folder (the shared modules left out)."""
    return sorted(p for p in scripts_dir.glob("*.py") if not p.name.startswith(SHARED_PREFIX))


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


def attributes(pairs: list[tuple[str, Any]] | None) -> dict:
    """Collect repeated --attr K=V flags into one object (later keys win)."""
    return dict(pairs or [])


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


# The example moment is next year's, so the message never suggests a time that is already past.
snooze_until = _type(
    f"30m, 2h, 3d, 1w, an ISO-8601 time such as {datetime.now().year + 1}-01-15T09:00, or unix seconds", _until
)


def _when(text: str) -> int:
    """A moment in the past as unix seconds: YYYY-MM-DD (midnight here), an ISO-8601 time, unix
    seconds, today, yesterday, or a duration (7d, 24h, 90m, 2w) meaning that long ago."""
    value = text.strip().lower()
    now = time.time()
    midnight = datetime.now().astimezone().replace(hour=0, minute=0, second=0, microsecond=0)
    if value in ("today", "yesterday"):
        return int((midnight - timedelta(days=value == "yesterday")).timestamp())
    duration = re.fullmatch(r"([0-9]+)\s*([mhdw])", value)
    if duration:
        return int(now) - int(duration.group(1)) * DURATION_UNITS[duration.group(2)]
    moment = int(value) if re.fullmatch(r"[0-9]{9,11}", value) else _iso_moment(text.strip())
    if moment > now + 60:
        when = datetime.fromtimestamp(moment, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        raise ValueError(f"{when} is in the future")
    return moment


past_moment = _type("YYYY-MM-DD, an ISO-8601 time, unix seconds, today, yesterday, or 7d / 24h (that long ago)", _when)


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


# --------------------------------------------------------------------------- the parser


def _settings_help(needs: tuple, writes: bool) -> str:
    """The configuration lines of --help: only the settings this script reads."""
    if not needs:
        return ""
    names = ["CHATWOOT_BASE_URL (default https://app.chatwoot.com)", "CHATWOOT_API_TOKEN"]
    if "account" in needs:
        names.append("CHATWOOT_ACCOUNT_ID")
    names += [
        "optional CHATWOOT_TIMEOUT (s, default 30)",
        "CHATWOOT_MAX_RETRIES (default 3)",
        "CHATWOOT_MAX_WAIT (s to wait for a rate limit, default 65)",
    ]
    if writes:
        names.append("CHATWOOT_READ_ONLY=1 (refuse every change)")
    text = "configuration (environment): " + ", ".join(names) + "."
    return "\n" + textwrap.fill(text, width=100, subsequent_indent="  ")


EXIT_CODES_HELP = """\
exit codes: 0 success; 1 Chatwoot answered with an error; 2 bad input (nothing sent);
  3 configuration or missing package (nothing sent); 4 network failure or timeout."""


class Parser(argparse.ArgumentParser):
    """argparse with one `error:` line and exit 2 instead of a usage dump."""

    def __init__(self, prog: str, doc: str, settings: str):
        summary, _, example = (doc or "").strip().partition("\n\n")
        super().__init__(
            prog=prog,
            description=summary,
            epilog=f"{example.strip()}\n\n{EXIT_CODES_HELP}{settings}".strip(),
            formatter_class=argparse.RawDescriptionHelpFormatter,
            allow_abbrev=False,
        )
        self.text_of: str | None = None  # "message", "note"…: the parser takes TEXT / --file
        self.text_optional = False
        self.conversation_ids: str | None = None  # "fan out" or "list": CONVERSATION_ID takes several

    def error(self, message: str):
        raise UsageError(f"{message} (see {self.prog} --help)")


def add_conversation_id(parser: Parser) -> None:
    """CONVERSATION_ID: the number shown in Chatwoot's UI (its display id)."""
    parser.add_argument(
        "conversation_id", type=positive_id, metavar="CONVERSATION_ID", help="the conversation number shown in Chatwoot"
    )


class Ids:
    """Conversation ids as given: one, a list like 101,102,103, or - (read from stdin)."""

    def __init__(self, values: list[int], listed: bool, from_stdin: bool = False):
        self.values = values
        self.listed = listed  # several were asked for (a list, or -): the output is an array
        self.from_stdin = from_stdin


def _conversation_ids(text: str) -> Ids:
    value = text.strip()
    if value == "-":
        return Ids([], listed=True, from_stdin=True)
    if "," not in value:
        return Ids([_positive_int(value)], listed=False)
    return Ids([_positive_int(part) for part in value.split(",") if part.strip()], listed=True)


def _bounded(text: str, low: int, high: int) -> int:
    number = _positive_int(text)
    if not low <= number <= high:
        raise ValueError()
    return number


def add_conversation_ids(parser: Parser, fan_out: bool = True) -> None:
    """CONVERSATION_ID that also takes several ids (101,102,103, or - for stdin). With `fan_out`
    the script is a bulk action, run once per id over one session, `--parallel N` at a time;
    without, args.conversation_ids holds the list for the script to send at once."""
    parser.conversation_ids = "fan out" if fan_out else "list"
    parser.add_argument(
        "conversation_id" if fan_out else "conversation_ids",
        type=_type("a conversation id, a list like 101,102,103, or - to read ids from stdin", _conversation_ids),
        metavar="CONVERSATION_ID",
        help="the conversation number shown in Chatwoot; or several: 101,102,103, or - for one id a line on stdin",
    )
    if not fan_out:
        return
    parser.add_argument(
        "--parallel",
        type=_type(f"a number from 1 to {MAX_PARALLEL}", lambda t: _bounded(t, 1, MAX_PARALLEL)),
        default=4,
        metavar="N",
        help="with several ids: how many requests at once (default 4)",
    )


def add_text_arguments(parser: Parser, what: str = "message", attachments: bool = False, liquid: bool = True,
                       flag: str | None = None, optional: bool = False) -> None:  # fmt: skip
    """TEXT as an argument (or as `flag` TEXT), or --file PATH / --file - (stdin) for long or
    multi-line text. After parsing, args.text holds the checked text as written (None for an
    attachment-only message, or when `optional` and none was given) and, for texts Chatwoot renders
    as Liquid, args.content as sent."""
    parser.text_of = what
    parser.text_optional = optional
    if flag:
        parser.add_argument(flag, dest="text", metavar="TEXT", help=f"the {what} text (or use --file)")
    else:
        parser.add_argument("text", nargs="?", metavar="TEXT", help=f"the {what} text (or use --file)")
    parser.add_argument(
        "--file",
        metavar="PATH",
        help=f"read the {what} text from a UTF-8 file, or '-' for stdin (one final newline is dropped)",
    )
    if liquid:
        add_liquid_flag(parser)
    if attachments:
        parser.add_argument(
            "--attach",
            nargs="+",
            type=readable_file,
            default=[],
            metavar="FILE",
            help="attach these files (sent as multipart attachments[]); the text is then optional",
        )


def add_liquid_flag(parser: Parser) -> None:
    parser.add_argument(
        "--liquid",
        action="store_true",
        help="let Chatwoot fill in its variables ({{contact.first_name}}, {{agent.name}}…); without it "
        "{{ and {%% print as written",
    )


def read_text(args: argparse.Namespace, what: str, optional: bool = False) -> str | None:
    """The text from TEXT or --file, checked: one source, UTF-8, no NUL, not empty. None when
    there is no text and files are attached (an attachment-only message)."""
    if args.text is not None and args.file is not None:
        raise UsageError(f"give the {what} text either as TEXT or with --file, not both")
    if args.text is None and args.file is None:
        if optional or getattr(args, "attach", None):
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
        # As $(cat file) would: a heredoc's or an editor's last line ending is not part of the message.
        text = text[:-2] if text.endswith("\r\n") else text.removesuffix("\n")
    else:
        text = args.text
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise UsageError(f"the {what} TEXT is not valid UTF-8") from None
    if not text.strip():
        raise UsageError(f"the {what} text is empty")
    return text


def _stdin_ids() -> list[int]:
    """Conversation ids from stdin: one a line, a JSON array of ids, or the JSON array a
    conversation --summary (or list) prints. Other JSON is refused: a contact summary's ids, say,
    are contact ids, and acting on conversations with those numbers would hit the wrong ones."""
    text = sys.stdin.read()
    if text.lstrip().startswith(("[", "{")):
        try:
            document = json.loads(text)
        except ValueError as problem:
            raise UsageError(f"stdin looks like JSON but does not parse ({problem})") from None
        return _json_ids(document)
    ids = []
    for number, line in enumerate(text.splitlines(), 1):
        if line.strip():
            try:
                ids.append(_positive_int(line.strip()))
            except ValueError:
                raise UsageError(
                    f"stdin line {number}: expected a conversation id, got {line.strip()[:40]!r}"
                ) from None
    return ids


def _json_ids(document: Any) -> list[int]:
    if isinstance(document, list) and all(type(item) is int and item > 0 for item in document):
        return document
    if isinstance(document, list) and all(
        isinstance(item, dict) and type(item.get("id")) is int and "status" in item for item in document
    ):
        return [item["id"] for item in document]
    raise UsageError(
        "stdin holds JSON that is not conversation ids: expected an array of ids, or the array a conversation "
        "--summary prints (objects with id and status); a contact summary's ids are contact ids"
    )


def add_paging(parser: Parser) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--page", type=positive_id, metavar="N", help="fetch page N (1 is the first)")
    group.add_argument("--all", action="store_true", help="fetch every page over one connection and merge them")


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
    """Print the one document of a successful run on stdout."""
    if isinstance(document, Text):
        _write(sys.stdout, document)
        return
    if isinstance(document, Pieces):
        for piece in document:
            sys.stdout.buffer.write(piece.encode("utf-8", "backslashreplace"))
        sys.stdout.flush()
        return
    if isinstance(document, list) and document and all(isinstance(item, dict) for item in document):
        emit(one_a_line(json.dumps(item, ensure_ascii=False) for item in document))
        return
    _write(sys.stdout, json.dumps(document, ensure_ascii=False) + "\n")


def one_a_line(items: Iterable[str]) -> Pieces:
    """A JSON array of items (given as JSON text) printed one item a line, as lists (summaries,
    bulk results) are: readable, and still one document."""
    pieces = Pieces()
    for item in items:
        pieces += [",\n" if pieces else "[\n", item]
    return Pieces([*pieces, "\n]\n"]) if pieces else Pieces(["[]\n"])


def warn(message: str) -> None:
    """A progress or warning line on stderr (never stdout)."""
    _write(sys.stderr, f"{message}\n")


class Outcome:
    """A document to print and yet a non-zero exit: the check a script exists for failed
    (whoami.py account mismatch, verify_webhook.py bad signature, an item of a bulk call)."""

    def __init__(self, document: Any, errors: list[str], exit_code: int = EXIT_API):
        self.document = document
        self.errors = errors
        self.exit_code = exit_code


# --------------------------------------------------------------------------- the command


class Command:
    """One operation: its --help text (the script's docstring), its arguments, what it runs and
    whether it writes (True, or a function of the parsed arguments). `listing` adds --summary
    (lists), as does `summary` (a function giving one document's compact form); `paged` adds
    --page/--all; `needs` names the configuration it cannot run without; `admin_only` says a
    refusal of the token's role comes from Chatwoot keeping this to administrators."""

    def __init__(self, doc: str, arguments: Callable[[Parser], None], run: Callable[[argparse.Namespace, Api], Any],
                 *, writes: bool | Callable[[argparse.Namespace], bool] = False, listing: Listing | None = None,
                 summary: Callable[[Any], Any] | None = None, paged: bool = False,
                 needs: tuple = ("token", "account"), admin_only: bool = False):  # fmt: skip
        self.doc = doc
        self.arguments = arguments
        self.run = run
        self.writes = writes
        self.listing = listing
        self.summary = summary
        self.paged = paged
        self.needs = needs
        self.admin_only = admin_only
        self.prog = Path(run.__globals__.get("__file__") or sys.argv[0] or "script").name  # the script's own name

    def parser(self) -> Parser:
        parser = Parser(self.prog, self.doc, _settings_help(self.needs, bool(self.writes)))
        self.arguments(parser)
        if self.writes:
            parser.add_argument(
                "--dry-run", action="store_true", help="send nothing; print the request (method, url, body, curl)"
            )
        if self.listing is not None or self.summary is not None:
            one = SHOWS[self.summary].removeprefix("[").removesuffix("…]") if self.summary else None
            shows = self.listing.shows if self.listing is not None else one
            parser.add_argument("--summary", action="store_true", help=f"print the compact form instead: {shows}")
        if self.paged:
            add_paging(parser)
        return parser

    def parse(self, argv: list[str] | None) -> tuple[Parser, argparse.Namespace]:
        parser = self.parser()
        # Intermixed: flags may come before or after TEXT (`send_message.py 42 --private "Hi"`).
        parse = parser.parse_intermixed_args if parser.text_of else parser.parse_args
        return parser, parse(argv)

    def would_write(self, argv: list[str]) -> bool:
        """Whether these arguments make a change (live_check.py, smoke.py and the tests ask)."""
        return self._writes(self.parse(argv)[1])

    def _writes(self, args: argparse.Namespace) -> bool:
        return bool(self.writes(args) if callable(self.writes) else self.writes)

    def main(self, argv: list[str] | None = None) -> int:
        """Parse, check, run and print; the only place failures become exit codes."""
        try:
            parser, args = self.parse(argv)
            if parser.text_of:
                args.text = read_text(args, parser.text_of, parser.text_optional)
                if hasattr(args, "liquid"):
                    args.content = None if args.text is None else as_sent(args.text, args.liquid)
            dest = "conversation_id" if parser.conversation_ids == "fan out" else "conversation_ids"
            ids = getattr(args, dest, None) if parser.conversation_ids else None
            if ids is not None:
                if ids.from_stdin:
                    if getattr(args, "file", None) == "-":
                        raise UsageError(
                            "the ids come from stdin, so the text cannot: give it as TEXT or with --file PATH"
                        )
                    ids.values = _stdin_ids()
                if not ids.values:
                    raise UsageError("no conversation ids given")
            api = self._api(args)
            if parser.conversation_ids == "list":
                args.conversation_ids = ids.values
                result = self._run_one(args, api)
            elif ids is not None and ids.listed:
                result = self._run_each(args, api, ids.values)
            else:
                if ids is not None:
                    args.conversation_id = ids.values[0]
                result = self._run_one(args, api)
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
                f"error: internal error in the skill: {type(problem).__name__}: {problem} "
                "(CHATWOOT_DEBUG=1 shows the traceback)"
            )
            return EXIT_API
        if isinstance(result, Outcome):
            emit(result.document)
            for line in result.errors:
                warn(f"error: {line}")
            return result.exit_code
        emit(result)
        return EXIT_OK

    def exit(self) -> None:
        """`main()` with the process's arguments, then exit with its code: each script's last line."""
        sys.exit(self.main())

    def _api(self, args: argparse.Namespace) -> Api | None:
        if not self.needs:  # verify_webhook.py talks to no server and needs no configuration
            return None
        dry_run = bool(getattr(args, "dry_run", False))
        config = load_config(need_token="token" in self.needs and not dry_run, need_account="account" in self.needs)
        api = Api(config, dry_run=dry_run, read_only=config.read_only, warn=warn)
        if self._writes(args):
            api.ensure_writable()  # before the first request, reads included
        return api

    def _run_one(self, args: argparse.Namespace, api: Api | None) -> Any:
        """The script's run, its list fetched and shaped; a --dry-run write stops here as a preview."""
        try:
            result = self.run(args, api)
            if isinstance(result, Query):
                return fetch_list(result, args, api)
            if self.summary is not None and getattr(args, "summary", False) and not isinstance(result, Outcome):
                return self.summary(result)
            return result
        except Preview as preview:
            if preview.then:
                warn(f"dry run: this preview is the first change; the script would then {preview.then}")
            return preview.document
        except ApiError as problem:
            if self.admin_only and problem.status == 401 and "do this action" in problem.message:
                problem.set_hint(
                    "Chatwoot keeps this to administrators, and this token's role in the account is agent "
                    "(whoami.py shows it); ask an administrator, or use an administrator's token"
                )
            raise

    def _run_each(self, args: argparse.Namespace, api: Api | None, ids: list[int]) -> Any:
        """The action on every id over one session, `--parallel` at a time; one failure never
        stops the others. An array of results; exit 1 if any failed."""
        import copy
        from concurrent.futures import ThreadPoolExecutor

        if api is not None and not api.dry_run:
            api.session  # noqa: B018 - built here, before the workers start

        def one(conversation_id: int) -> dict:
            item = copy.copy(args)
            item.conversation_id = conversation_id
            try:
                result = self._run_one(item, api)
            except UsageError:
                raise  # the same for every id, and found before anything is sent: exit 2 for the call
            except Failure as failure:
                error = {
                    "status": getattr(failure, "status", None),
                    "message": getattr(failure, "message", None) or failure.lines[0],
                    "request_file": failure.request_file,
                }
                return {"id": conversation_id, "ok": False, "error": error}
            if api is not None and api.dry_run:
                return result
            return {"id": conversation_id, "ok": True, "result": result}

        with ThreadPoolExecutor(max_workers=args.parallel) as pool:
            results = list(pool.map(one, ids))
        failed = [r["id"] for r in results if r.get("ok") is False]
        if failed:
            return Outcome(results, [f"{len(failed)} of {len(results)} failed: {', '.join(map(str, failed))}"])
        return results


# --------------------------------------------------------------------------- lists


def fetch_list(query: Query, args: argparse.Namespace, api: Api) -> Any:
    """A list as the command line asked for it: one page (saying when more follow), every page
    merged into one envelope (--all), or the compact form (--summary)."""
    listing = query.listing
    summary = bool(getattr(args, "summary", False))

    def shaped(document: Any) -> Any:
        return query.summarize(listing.items(document)) if summary else query.trimmed(document)

    if listing.page_size is None:  # agents, inboxes, teams: one answer holds them all
        return shaped(api.get(query.path, query.params or None))
    walk_all = bool(getattr(args, "all", False))
    first = 1 if walk_all else getattr(args, "page", None)
    pages = api.pages(query.path, query.params, first=first, template=query.template, values=query.values)
    if not walk_all:
        page, document = next(pages)
        pages.close()
        if listing.more_after(document, page, query.params):
            warn(f"more on the next page: --page {page + 1}, or --all for every page")
        return shaped(document)

    def progress(page: int, so_far: int) -> None:
        if page >= 3:
            warn(f"fetching page {page} ({so_far} so far)")

    walk = listing.walk(pages, query.params, progress)
    first, collected = None, []
    for document, fresh in walk:
        first = document if first is None else first
        # Each page shrinks at once (to its summary, or to JSON text), so --all over thousands
        # of conversations holds text, not thousands of nested dicts.
        items = query.summarize(fresh) if summary else query.kept(fresh)
        collected.extend(json.dumps(item, ensure_ascii=False) for item in items)
    if walk.shortfall:
        warn(f"warning: {walk.shortfall}")
    return one_a_line(collected) if summary else Pieces(listing.merge(first, collected))
