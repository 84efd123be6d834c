"""`make demo`: start the local Chatwoot sandbox and walk through a support team's day with the skill.

No credentials needed: the sandbox is a Chatwoot-compatible server on 127.0.0.1 with a small
account (agents, inboxes, contacts, open conversations) and a fortnight of resolved conversations
behind it. Each step prints the command and (abridged) what it printed. The scripts run in this
process, one after the other, exactly as `python3 scripts/NAME.py ...` would run them.
"""

from __future__ import annotations

import importlib.util
import io
import json
import os
import shlex
import sys
from pathlib import Path

SKILL_DIR = Path(__file__).resolve().parent.parent
SCRIPTS_DIR = SKILL_DIR / "scripts"
sys.path.insert(0, str(SKILL_DIR / "tests"))  # the sandbox package
sys.path.insert(0, str(SCRIPTS_DIR))  # the shared modules, as each script sees them

from sandbox import Sandbox  # noqa: E402 - after the path is set

WIDTH = 150  # characters of a printed line
SHOWN_LINES = 8

# The parts of the walk-through, in order (the test checks that each one is shown).
PARTS = (
    "Start of the day: is the set-up right, and what is waiting?",
    "Answer a customer, with the help center's article",
    "Hand over, prioritise, snooze",
    "Reach a new customer",
    "Clear work in bulk, or with a macro",
    "How did we do this week?",
    "When something is wrong, the skill says what and exits non-zero",
)


def part(number: int) -> None:
    print(f"\n# {number}. {PARTS[number - 1]}")


def show(text: str) -> None:
    lines = text.rstrip("\n").splitlines()
    if len(lines) == 1 and lines[0].startswith("{"):  # one object: a member a line, easier to read
        document = json.loads(lines[0])
        lines = ["{"] + [f" {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}," for k, v in document.items()]
        lines[-1] = lines[-1].removesuffix(",")
        lines.append("}")
    for line in lines[:SHOWN_LINES]:
        print("    " + (line if len(line) <= WIDTH else line[: WIDTH - 1] + "…"))
    if len(lines) > SHOWN_LINES:
        print(f"    … ({len(lines) - SHOWN_LINES} more lines)")


_COMMANDS: dict = {}


def _command(script: str):
    if script not in _COMMANDS:
        spec = importlib.util.spec_from_file_location(script, SCRIPTS_DIR / f"{script}.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        _COMMANDS[script] = module.command
    return _COMMANDS[script]


def execute(script: str, args: tuple, stdin: str) -> tuple[int, str, str]:
    """scripts/SCRIPT.py ARGS in this process: its stdin, stdout and stderr swapped in and back."""
    saved = sys.stdin, sys.stdout, sys.stderr
    out, err = io.BytesIO(), io.BytesIO()
    sys.stdin = io.TextIOWrapper(io.BytesIO(stdin.encode("utf-8")), encoding="utf-8")
    sys.stdout = io.TextIOWrapper(out, encoding="utf-8", write_through=True)
    sys.stderr = io.TextIOWrapper(err, encoding="utf-8", write_through=True)
    try:
        code = _command(script).main(list(args))
    finally:
        for stream in (sys.stdout, sys.stderr):
            stream.flush()
            stream.detach()
        sys.stdin, sys.stdout, sys.stderr = saved
    return code, out.getvalue().decode("utf-8"), err.getvalue().decode("utf-8")


def step(title: str, script: str, *args: str, stdin: str | None = None) -> object:
    """Run one script against the sandbox, print what happened, return its JSON (or text)."""
    print(f"\n## {title}")
    shown_args = " ".join(shlex.quote(a) for a in args)
    print(f"$ python3 scripts/{script}.py{' ' if args else ''}{shown_args}" + (" <<'TEXT' …" if stdin else ""))
    code, stdout, stderr = execute(script, args, stdin or "")
    show(stdout)
    for line in stderr.splitlines():
        print(f"    (stderr) {line}")
    print(f"    → exit {code}")
    try:
        return json.loads(stdout)
    except ValueError:
        return stdout


def say(text: str) -> None:
    print(f"  ⇒ {text}")


def main() -> int:
    with Sandbox(jobs="manual") as sandbox:
        os.environ.update(sandbox.env())
        print(f"Chatwoot sandbox at {sandbox.url}: account 1 with four agents, six inboxes, open conversations")
        print("and two weeks of resolved ones. The token is an administrator's.")

        part(1)
        me = step("Whose token is this, and what may it do?", "whoami")
        say(f"{me['name']}, {me['account']['role']} in account {me['account']['id']} ({me['account']['name']})")
        counts = step("How many conversations are open?", "conversation_counts", "--status", "open")
        say(f"{counts['meta']['unassigned_count']} of {counts['meta']['all_count']} open conversations have no one")
        step(
            "Which open ones has nobody taken yet?",
            "list_conversations", "--status", "open", "--assignee-type", "unassigned", "--summary",
        )  # fmt: skip

        part(2)
        step("Everything about conversation 8 before answering", "conversation_context", "8", "--text")
        step("What does the help center say about VAT invoices? (published articles only)", "search_articles",
             "VAT invoice", "--summary")  # fmt: skip
        found = step("The article's text, to answer from", "search_articles", "VAT invoice")
        article = found["payload"]["articles"][0]
        say(f'article {article["id"]}, "{article["title"]}": {article["content"]}')
        reply = (
            "Hello Emma,\n"
            "your invoices are e-mailed on the first day of each period. Once you add your VAT number under\n"
            "Settings > Billing, every later invoice shows it. I have asked billing to reissue the last one.\n"
        )
        step("Reply with several lines (--file - reads a quoted heredoc: no shell quoting)", "send_message", "8",
             "--file", "-", stdin=reply)  # fmt: skip
        step("A private note for the team", "add_note", "8", "Reissue invoice with VAT id - customer asked twice")
        step("Label it, keeping its other labels", "labels", "8", "--add", "invoice")

        part(3)
        step("Give it to Ana (by name)", "assign_conversation", "8", "--agent", "Ana Silva")
        step("An urgent one: raise its priority", "set_priority", "29", "urgent")
        step("Wait for the customer's answer: snooze for two hours", "set_status", "8", "snoozed", "--until", "2h")

        part(4)
        step(
            "Message a customer by e-mail in one step (finds or creates the contact, reuses an open conversation)",
            "message_contact",
            "--inbox", "Support API", "--email", "maria.garcia@example.com", "--name", "María García",
            "Hola María, your order A-1207 has shipped.",
        )  # fmt: skip
        step("Run it again safely: --once sends nothing twice", "message_contact",
             "--inbox", "Support API", "--email", "maria.garcia@example.com", "--once",
             "Hola María, your order A-1207 has shipped.")  # fmt: skip

        part(5)
        step("Resolve three conversations in one call", "set_status", "1,2,4", "resolved")
        step("Which macros can this token run?", "macros", "--summary")
        step("Close conversation 23 as refunded, with the team's macro", "run_macro", "Close as refunded", "23")
        print("\n  (Chatwoot runs macros in the background; the sandbox runs its queued jobs now.)")
        sandbox.run_jobs()
        after = step("What the macro did to conversation 23", "get_conversation", "23", "--summary")
        last = after["last_message"]
        say(f'status {after["status"]}, labels {", ".join(after["labels"])}, last {last["from"]}: "{last["text"]}"')

        part(6)
        week = step("The team's week against the week before", "report", "--summary")
        first, handled = week["avg_first_response_time"], week["conversations_count"]
        say(
            f"{handled['value']} conversations ({handled['change']} on the week before), "
            f"{week['resolutions_count']['value']} resolved, first reply after {first['value']} on average "
            f"({first['change']})"
        )
        agents = step("Per agent", "report", "--by", "agent", "--summary")
        busiest = max(agents, key=lambda row: row["resolved_conversations_count"])
        say(f"most resolved: {busiest['name']} ({busiest['resolved_conversations_count']})")
        csat = step("What customers said in their surveys", "csat", "--since", "7d", "--metrics", "--summary")
        say(
            f"{csat['answers']} ratings ({csat['response_rate']} of the surveys sent), average "
            f"{csat['average_rating']}, {csat['satisfied']} of them 4 or 5 stars"
        )
        step("The unhappy ones, to follow up", "csat", "--since", "7d", "--rating", "1,2", "--summary")

        part(7)
        step("A contact that does not exist", "get_contact", "9999")
        step("An id that is not a number (nothing is sent)", "get_conversation", "jane")
        step("Preview a write without sending it", "send_message", "8", "Draft reply", "--dry-run")
    print("\nDone. `make sandbox` keeps a sandbox running so you can try the scripts yourself.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
