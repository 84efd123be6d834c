#!/usr/bin/env python3
"""Check the skill against your own Chatwoot, without changing anything (``make live-check``).

Needs CHATWOOT_BASE_URL, CHATWOOT_API_TOKEN and CHATWOOT_ACCOUNT_ID in the environment. Every
script runs as an agent would run it (its own process, another working directory) with
CHATWOOT_READ_ONLY=1 forced on, so Chatwoot refuses nothing it would otherwise allow and no
script can change anything:

- ``whoami.py`` and every read script (lists with ``--summary``, counts, a harmless contact search,
  a filter on open conversations), then the reads that need an id, with the first conversation,
  contact, inbox and agent the earlier reads returned;
- every write script with ``--dry-run`` only (the few that must read first still read);
- ``verify_webhook.py`` on a body it signs itself (it sends nothing).

It prints a table (script, what ran, result, what to fix) and exits 0 when every check passed,
1 when one failed, 3 when the configuration is missing. Script output (customer data) is never
printed; the token never is either.

    python3 tests/live_check.py [--skill-dir DIR] [--python PYTHON] [--report FILE] [-v]

Only the standard library; runs on Python 3.9+. The scripts need ``requests`` and ``jinja2``
in the interpreter given by ``--python`` (default: this one).
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import importlib.util
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable

REQUIRED = ("CHATWOOT_BASE_URL", "CHATWOOT_API_TOKEN", "CHATWOOT_ACCOUNT_ID")
DRY_RUN_TEXT = "live check (dry run, never sent)"
PROBE_EMAIL = "live-check@example.invalid"  # .invalid never exists, so a real customer is never matched
WEBHOOK_SECRET_ENV = "LIVE_CHECK_WEBHOOK_SECRET"
RAN_WIDTH = 64  # the "what ran" column


def skill_module(scripts: Path, name: str):
    """A module of the checked skill's scripts/ (the scripts declare what they are; only the
    standard library is imported until a script sends a request)."""
    if str(scripts) not in sys.path:
        sys.path.insert(0, str(scripts))
    spec = importlib.util.spec_from_file_location(f"checked_{name}", scripts / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def is_write(scripts: Path, script: str, args: list[str]) -> bool:
    """Would this call change Chatwoot if it were not a dry run? The script's own declaration says."""
    command = skill_module(scripts, script.removesuffix(".py")).command
    return command.would_write([arg for arg in args if arg != "--dry-run"])


@dataclass
class Step:
    script: str
    args: list[str]
    kind: str  # "read", "dry-run" or "local"
    # Ids the step needs from earlier results (conversation, contact, inbox, agent), filled in late.
    needs: tuple[str, ...] = ()
    build: Callable[[dict[str, Any]], list[str]] | None = None
    learn: Callable[[Any, dict[str, Any]], None] | None = None
    stdin: str = ""
    unless: str = ""  # leave the step out when this id is already known
    extra_env: dict[str, str] = field(default_factory=dict)


@dataclass
class Outcome:
    script: str
    ran: str
    kind: str
    result: str  # "pass", "FAIL" or "skip"
    exit: int | None
    detail: str
    fix: str


# ---------------------------------------------------------------------------------- the plan


def first_id(key: str) -> Callable[[Any, dict[str, Any]], None]:
    """A ``learn`` callback: remember the id of the first item of a summary array."""

    def learn(document: Any, ids: dict[str, Any]) -> None:
        items = document if isinstance(document, list) else []
        if items and isinstance(items[0], dict) and isinstance(items[0].get("id"), int):
            ids.setdefault(key, items[0]["id"])
            if key == "contact":
                ids.setdefault("contact_query", items[0].get("email") or items[0].get("name"))

    return learn


def learn_role(document: Any, ids: dict[str, Any]) -> None:
    """From whoami.py: the token's role in the account ("administrator" reads reports and webhooks)."""
    account = document.get("account") if isinstance(document, dict) else None
    if isinstance(account, dict) and account.get("role") == "administrator":
        ids["administrator"] = True


def learn_second_contact(document: Any, ids: dict[str, Any]) -> None:
    items = document if isinstance(document, list) else []
    if len(items) > 1 and isinstance(items[1], dict) and isinstance(items[1].get("id"), int):
        ids.setdefault("second_contact", items[1]["id"])


def learn_message(document: Any, ids: dict[str, Any]) -> None:
    messages = document.get("payload") if isinstance(document, dict) else None
    if messages and isinstance(messages[-1], dict) and isinstance(messages[-1].get("id"), int):
        ids.setdefault("message", messages[-1]["id"])


def learn_macro(document: Any, ids: dict[str, Any]) -> None:
    first_id("macro")(document, ids)


def conv(ids: dict[str, Any]) -> str:
    return str(ids["conversation"])


def contact(ids: dict[str, Any]) -> str:
    return str(ids["contact"])


def plan() -> list[Step]:
    timestamp = str(int(time.time()))
    body = '{"event": "live_check"}'
    secret = os.urandom(16).hex()
    signature = "sha256=" + hmac.new(secret.encode(), f"{timestamp}.{body}".encode(), hashlib.sha256).hexdigest()
    return [
        # reads that need nothing
        Step("whoami.py", [], "read", learn=learn_role),
        Step("list_agents.py", ["--summary"], "read", learn=first_id("agent")),
        Step("list_inboxes.py", ["--summary"], "read", learn=first_id("inbox")),
        Step("list_teams.py", ["--summary"], "read", learn=first_id("team")),
        Step("canned_responses.py", [], "read"),
        Step("list_conversations.py", ["--summary"], "read", learn=first_id("conversation")),
        # no open conversation to take an id from: look at all of them
        Step(
            "list_conversations.py",
            ["--status", "all", "--summary"],
            "read",
            learn=first_id("conversation"),
            unless="conversation",
        ),
        Step("conversation_counts.py", [], "read"),
        Step(
            "list_contacts.py",
            ["--summary"],
            "read",
            learn=lambda document, ids: (first_id("contact")(document, ids), learn_second_contact(document, ids)),
        ),
        Step("macros.py", ["--summary"], "read", learn=learn_macro),
        Step("list_portals.py", ["--summary"], "read"),
        Step("search_articles.py", ["password", "--summary"], "read"),
        # for administrators (an agent's token is refused these by Chatwoot)
        Step("report.py", ["--summary"], "read", ("administrator",)),
        Step("csat.py", ["--since", "7d", "--summary"], "read", ("administrator",)),
        Step("webhooks.py", [], "read", ("administrator",)),
        Step(
            "search_contacts.py",
            [],
            "read",
            build=lambda ids: [str(ids.get("contact_query") or "a"), "--summary"],
        ),
        Step("filter_conversations.py", ["--where", "status=open", "--summary"], "read"),
        Step("filter_contacts.py", ["--where", "email~@", "--summary"], "read"),
        # reads that need an id from the reads above
        Step("get_conversation.py", [], "read", ("conversation",), lambda ids: [conv(ids)]),
        Step("list_messages.py", [], "read", ("conversation",), lambda ids: [conv(ids)], learn=learn_message),
        Step("conversation_context.py", [], "read", ("conversation",), lambda ids: [conv(ids), "--messages", "5"]),
        Step("labels.py", [], "read", ("conversation",), lambda ids: [conv(ids)]),
        Step("conversation_attributes.py", [], "read", ("conversation",), lambda ids: [conv(ids)]),
        Step("get_contact.py", [], "read", ("contact",), lambda ids: [contact(ids)]),
        Step("contact_conversations.py", [], "read", ("contact",), lambda ids: [contact(ids), "--summary"]),
        Step("contact_notes.py", [], "read", ("contact",), lambda ids: [contact(ids)]),
        Step("contact_labels.py", [], "read", ("contact",), lambda ids: [contact(ids)]),
        # writes: --dry-run only
        Step(
            "create_contact.py",
            ["--name", "Live Check", "--email", PROBE_EMAIL, "--dry-run"],
            "dry-run",
        ),
        Step(
            "find_or_create_contact.py",
            ["--email", PROBE_EMAIL, "--name", "Live Check", "--dry-run"],
            "dry-run",
        ),
        Step(
            "update_contact.py",
            [],
            "dry-run",
            ("contact",),
            lambda ids: [contact(ids), "--custom-attr", "live_check=dry-run", "--dry-run"],
        ),
        Step("delete_contact.py", [], "dry-run", ("contact",), lambda ids: [contact(ids), "--yes", "--dry-run"]),
        Step(
            "contact_notes.py",
            [],
            "dry-run",
            ("contact",),
            lambda ids: [contact(ids), "--add", DRY_RUN_TEXT, "--dry-run"],
        ),
        Step(
            "contact_labels.py",
            [],
            "dry-run",
            ("contact",),
            lambda ids: [contact(ids), "--add", "live-check", "--dry-run"],
        ),
        Step(
            "merge_contacts.py",
            [],
            "dry-run",
            ("contact", "second_contact"),
            lambda ids: [str(ids["contact"]), str(ids["second_contact"]), "--dry-run"],
        ),
        Step(
            "webhooks.py",
            ["--create", "https://live-check.example.invalid/hook", "--events", "message_created", "--dry-run"],
            "dry-run",
        ),
        Step(
            "create_conversation.py",
            [],
            "dry-run",
            ("inbox", "contact"),
            lambda ids: [
                "--inbox-id",
                str(ids["inbox"]),
                "--contact-id",
                contact(ids),
                "--message",
                DRY_RUN_TEXT,
                "--dry-run",
            ],
        ),
        Step("send_message.py", [], "dry-run", ("conversation",), lambda ids: [conv(ids), DRY_RUN_TEXT, "--dry-run"]),
        Step("add_note.py", [], "dry-run", ("conversation",), lambda ids: [conv(ids), DRY_RUN_TEXT, "--dry-run"]),
        Step(
            "message_contact.py",
            [],
            "dry-run",
            ("inbox", "contact"),
            lambda ids: ["--inbox-id", str(ids["inbox"]), "--contact-id", contact(ids), DRY_RUN_TEXT, "--dry-run"],
        ),
        Step(
            "assign_conversation.py",
            [],
            "dry-run",
            ("conversation", "agent"),
            lambda ids: [conv(ids), "--agent-id", str(ids["agent"]), "--dry-run"],
        ),
        Step("set_status.py", [], "dry-run", ("conversation",), lambda ids: [conv(ids), "open", "--dry-run"]),
        Step(
            "delete_message.py",
            [],
            "dry-run",
            ("conversation", "message"),
            lambda ids: [conv(ids), str(ids["message"]), "--yes", "--dry-run"],
        ),
        Step(
            "run_macro.py",
            [],
            "dry-run",
            ("macro", "conversation"),
            lambda ids: [str(ids["macro"]), conv(ids), "--dry-run"],
        ),
        Step("set_priority.py", [], "dry-run", ("conversation",), lambda ids: [conv(ids), "high", "--dry-run"]),
        Step(
            "labels.py",
            [],
            "dry-run",
            ("conversation",),
            lambda ids: [conv(ids), "--add", "live-check", "--dry-run"],
        ),
        Step(
            "conversation_attributes.py",
            [],
            "dry-run",
            ("conversation",),
            lambda ids: [conv(ids), "--set", "live_check=dry-run", "--dry-run"],
        ),
        # no request at all
        Step(
            "verify_webhook.py",
            ["--secret-env", WEBHOOK_SECRET_ENV, "--timestamp", timestamp, "--signature", signature, "-"],
            "local",
            stdin=body,
            extra_env={WEBHOOK_SECRET_ENV: secret},
        ),
    ]


# ---------------------------------------------------------------------------------- running


def said(stderr: str) -> tuple[list[str], list[str]]:
    """The script's ``error:`` lines and its hints (``hint:`` or ``error: hint:``), prefixes removed."""
    errors: list[str] = []
    hints: list[str] = []
    for line in stderr.splitlines():
        line = line.strip()
        if line.startswith("error:"):
            line = line[len("error:") :].strip()
            (hints if line.startswith("hint:") else errors).append(line)
        elif line.startswith("hint:"):
            hints.append(line)
    return errors, [hint[len("hint:") :].strip() for hint in hints]


def diagnose(code: int, stderr: str, kind: str) -> str:
    """What to fix, from the exit code and the script's own error:/hint: lines."""
    errors, hints = said(stderr)
    said_first = hints[0] if hints else (errors[0] if errors else "")
    if code == 3:
        if "READ_ONLY" in stderr and kind != "dry-run":
            return "a read refused in read-only mode: report a bug in this script"
        return said_first or "configuration or a missing package: see the script's error"
    if code == 4:
        return (said_first + "; " if said_first else "") + (
            "check that CHATWOOT_BASE_URL is reachable from here; for a TLS error with your own "
            "certificate authority set REQUESTS_CA_BUNDLE=/path/ca.pem"
        )
    if code == 1:
        return said_first or "Chatwoot answered with an error: see the script's error"
    if code == 2:
        return f"the script rejected the live check's input ({said_first}): report a bug"
    tail = stderr.strip().splitlines()[-1:] or ["no output"]
    return f"exited {code}: {tail[0]} (report a bug)"


def describe(document: Any) -> str:
    if isinstance(document, list):
        return f"{len(document)} item{'s' if len(document) != 1 else ''}"
    if isinstance(document, dict):
        payload = document.get("payload")
        if isinstance(payload, list):
            return f"{len(payload)} item{'s' if len(payload) != 1 else ''}"
        if "method" in document and "url" in document:
            path = str(document["url"]).split("/api/v1/", 1)[-1]
            if path.startswith("accounts/"):
                path = path.split("/", 2)[-1]
            return f"would {document['method']} {path}"
        if isinstance(document.get("accounts"), list):  # whoami.py
            count = len(document["accounts"])
            return f"{document.get('role') or 'token ok'}, {count} account{'s' if count != 1 else ''}"
    return "ok"


class LiveCheck:
    def __init__(self, skill_dir: Path, python: str, timeout: float, verbose: bool) -> None:
        self.scripts = skill_dir / "scripts"
        self.python = python
        self.timeout = timeout
        self.verbose = verbose
        self.ids: dict[str, Any] = {}
        self.outcomes: list[Outcome] = []
        self.token = os.environ.get("CHATWOOT_API_TOKEN", "").strip()

    def run(self) -> list[Outcome]:
        with tempfile.TemporaryDirectory(prefix="chatwoot-live-check-") as scratch:
            workdir = Path(scratch) / "elsewhere"  # not the skill folder: agents run from the user's project
            tmpdir = Path(scratch) / "tmp"  # dry runs leave their request files here; removed at the end
            workdir.mkdir()
            tmpdir.mkdir()
            env = dict(os.environ, CHATWOOT_READ_ONLY="1", TMPDIR=str(tmpdir))
            for step in plan():
                outcome = self.run_step(step, env, workdir)
                if outcome is not None:
                    self.outcomes.append(outcome)
        return self.outcomes

    def run_step(self, step: Step, env: dict[str, str], workdir: Path) -> Outcome | None:
        if step.unless and self.ids.get(step.unless) is not None:
            return None
        missing = [need for need in step.needs if self.ids.get(need) is None]
        if missing:
            return Outcome(
                step.script,
                "(not run)",
                step.kind,
                "skip",
                None,
                f"no {', '.join(missing)} id",
                f"needs a {' and a '.join(missing)} from the reads above; nothing to check it on",
            )
        args = step.build(self.ids) if step.build else list(step.args)
        if is_write(self.scripts, step.script, args) and "--dry-run" not in args:  # never: the plan is fixed
            raise AssertionError(f"refusing to run a write without --dry-run: {step.script} {args}")
        ran = shlex.join(args) if args else "(no arguments)"
        command = [self.python, str(self.scripts / step.script), *args]
        if self.verbose:
            print(f"$ CHATWOOT_READ_ONLY=1 {shlex.join(command)}", file=sys.stderr, flush=True)
        if not (self.scripts / step.script).is_file():
            return Outcome(step.script, ran, step.kind, "FAIL", None, "missing", f"no such script in {self.scripts}")
        try:
            completed = subprocess.run(
                command,
                input=step.stdin.encode("utf-8"),
                capture_output=True,
                env={**env, **step.extra_env},
                cwd=workdir,
                timeout=self.timeout,
            )
        except subprocess.TimeoutExpired:
            return Outcome(
                step.script,
                ran,
                step.kind,
                "FAIL",
                None,
                f"no answer in {self.timeout:g} s",
                "the server did not answer in time: check CHATWOOT_BASE_URL, or raise CHATWOOT_TIMEOUT",
            )
        stdout = completed.stdout.decode("utf-8", "replace")
        stderr = completed.stderr.decode("utf-8", "replace")
        code = completed.returncode
        if self.token and len(self.token) >= 4 and (self.token in stdout or self.token in stderr):
            return Outcome(
                step.script, ran, step.kind, "FAIL", code, "token in output", "report a bug: never share this output"
            )
        if "Traceback (most recent call last)" in stderr:
            return Outcome(step.script, ran, step.kind, "FAIL", code, "crashed", diagnose(99, stderr, step.kind))
        if code != 0:
            status = re.search(r"\bHTTP (\d{3})\b", "\n".join(said(stderr)[0]))
            detail = f"exit {code}" + (f", HTTP {status.group(1)}" if status else "")
            return Outcome(step.script, ran, step.kind, "FAIL", code, detail, diagnose(code, stderr, step.kind))
        try:
            document = json.loads(stdout)
        except ValueError:
            return Outcome(step.script, ran, step.kind, "FAIL", code, "stdout is not JSON", "report a bug")
        if step.kind == "dry-run" and not _is_dry_run_output(document):
            return Outcome(
                step.script,
                ran,
                step.kind,
                "FAIL",
                code,
                "no dry-run output",
                "report a bug: --dry-run printed no request",
            )
        if step.learn:
            step.learn(document, self.ids)
        return Outcome(step.script, ran, step.kind, "pass", code, describe(document), "")

    def not_covered(self) -> list[str]:
        planned = {step.script for step in plan()}
        present = {p.name for p in skill_module(self.scripts, "chatwoot_cli").operation_scripts(self.scripts)}
        return sorted(present - planned)


def _is_dry_run_output(document: Any) -> bool:
    items = document if isinstance(document, list) else [document]
    return bool(items) and all(isinstance(i, dict) and {"method", "url", "curl"} <= i.keys() for i in items)


def table(outcomes: list[Outcome]) -> str:
    rows = [("script", "what ran", "result", "what to fix")]
    for o in outcomes:
        ran = o.ran
        if len(ran) > RAN_WIDTH:  # keep the end: it shows the --dry-run
            ran = ran[: RAN_WIDTH - 16] + " ... " + ran[-11:]
        result = o.result if not o.detail else f"{o.result}: {o.detail}"
        rows.append((o.script, ran, result, o.fix or "-"))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    lines = []
    for n, row in enumerate(rows):
        lines.append("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:3])) + "  " + row[3])
        if n == 0:
            lines.append("  ".join("-" * w for w in widths) + "  " + "-" * len("what to fix"))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Check the skill against your own Chatwoot, read-only: every read script, every write as --dry-run.",
        epilog="Example:\n  CHATWOOT_BASE_URL=https://chat.example.com CHATWOOT_API_TOKEN=... CHATWOOT_ACCOUNT_ID=1 \\\n"
        "    python3 tests/live_check.py\n\nexit codes: 0 every check passed; 1 a check failed; 3 configuration missing.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--skill-dir", type=Path, default=Path(__file__).resolve().parent.parent, help="the skill to check"
    )
    parser.add_argument(
        "--python", default=sys.executable, help="interpreter that runs the scripts (default: this one)"
    )
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds one script may take (default 120)")
    parser.add_argument("--report", type=Path, help="also write the results as JSON to this file")
    parser.add_argument("-v", "--verbose", action="store_true", help="print each command on stderr as it runs")
    args = parser.parse_args(argv)

    missing = [name for name in REQUIRED if not os.environ.get(name, "").strip()]
    if missing:
        print(
            f"error: live-check needs {', '.join(missing)} in the environment (it talks to your own Chatwoot).\n"
            "  export CHATWOOT_BASE_URL=https://chat.example.com   # your server\n"
            "  export CHATWOOT_API_TOKEN=...                       # Profile Settings -> Access Token\n"
            "  export CHATWOOT_ACCOUNT_ID=1                        # the number after /app/accounts/\n"
            "Nothing was run. It changes nothing: every script runs with CHATWOOT_READ_ONLY=1.",
            file=sys.stderr,
        )
        return 3

    check = LiveCheck(args.skill_dir.resolve(), args.python, args.timeout, args.verbose)
    print(
        f"live check of {check.scripts} against {os.environ['CHATWOOT_BASE_URL'].strip()} "
        f"(account {os.environ['CHATWOOT_ACCOUNT_ID'].strip()}), read-only",
        file=sys.stderr,
        flush=True,
    )
    outcomes = check.run()
    print(table(outcomes))
    uncovered = check.not_covered()
    failed = [o for o in outcomes if o.result == "FAIL"]
    skipped = [o for o in outcomes if o.result == "skip"]
    if uncovered:
        print(f"\nnot checked (this live check has no step for them): {', '.join(uncovered)}")
    print()
    if failed:
        print(f"live check FAILED: {len(failed)} of {len(outcomes)} checks failed; see 'what to fix' above.")
        if any(o.script == "whoami.py" for o in failed):
            print("Start with whoami.py: while it fails, the others will too.")
    else:
        extra = f" ({len(skipped)} skipped: nothing to check them on)" if skipped else ""
        print(f"live check OK: every check that ran succeeded, {len(outcomes) - len(skipped)} in all{extra}.")
    if args.report:
        report = {"outcomes": [asdict(o) for o in outcomes], "not_covered": uncovered}
        args.report.write_text(json.dumps(report, indent=1), encoding="utf-8")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
