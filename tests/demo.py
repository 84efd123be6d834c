"""`make demo`: start the local Chatwoot sandbox and walk through the skill as an agent would.

No credentials needed: the sandbox is a Chatwoot-compatible server on 127.0.0.1 with a small
seeded account. Each step prints the command and (abridged) what it printed.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

from sandbox import Sandbox

SKILL_DIR = Path(__file__).resolve().parent.parent
WIDTH = 150  # characters of a printed line
SHOWN_LINES = 6


def show(text: str) -> None:
    lines = text.rstrip("\n").splitlines()
    for line in lines[:SHOWN_LINES]:
        print("    " + (line if len(line) <= WIDTH else line[: WIDTH - 1] + "…"))
    if len(lines) > SHOWN_LINES:
        print(f"    … ({len(lines) - SHOWN_LINES} more lines)")


def step(title: str, script: str, *args: str, stdin: str | None = None, env: dict | None = None) -> object:
    """Run one script against the sandbox, print what happened, return its JSON (or text)."""
    print(f"\n## {title}")
    shown_args = " ".join(shlex.quote(a) for a in args)
    print(f"$ python3 scripts/{script}.py {shown_args}" + (" <<'TEXT' …" if stdin else ""))
    completed = subprocess.run(
        [sys.executable, str(SKILL_DIR / "scripts" / f"{script}.py"), *args],
        input=stdin or "",
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
    )
    show(completed.stdout)
    for line in completed.stderr.splitlines():
        print(f"    (stderr) {line}")
    print(f"    → exit {completed.returncode}")
    try:
        return json.loads(completed.stdout)
    except ValueError:
        return completed.stdout


def main() -> int:
    with Sandbox() as sandbox:
        os.environ.update(sandbox.env())
        print(f"Chatwoot sandbox at {sandbox.url} (account 1, seeded with agents, inboxes, contacts, conversations)")

        print("\n# The seed's thirteen operations")
        step("Which inboxes are there?", "list_inboxes", "--summary")
        step("Who are the agents?", "list_agents", "--summary")
        step("How many conversations are open?", "conversation_counts", "--status", "open")
        step("Open conversations, compact", "list_conversations", "--status", "open", "--summary")
        step("Find a customer by e-mail", "search_contacts", "jane.doe@example.com", "--summary")
        step("Her full contact record", "get_contact", "1")
        created = step(
            "Create a new contact in the API inbox",
            "create_contact",
            "--name", "María García", "--email", "maria.garcia@example.com", "--phone", "+34 699 000 111",
            "--inbox-id", "2", "--custom-attr", "plan=starter",
        )  # fmt: skip
        contact_id = str(created["payload"]["contact"]["id"])
        conversation = step(
            "Open a conversation with her",
            "create_conversation",
            "--inbox-id", "2", "--contact-id", contact_id, "--message", "Hola María! How can we help?",
        )  # fmt: skip
        conversation_id = str(conversation["id"])
        step("Look at the conversation", "get_conversation", conversation_id)
        step(
            "Reply with several lines (no shell quoting through --file -)",
            "send_message",
            conversation_id,
            "--file",
            "-",
            stdin='Your order #A-1001 shipped today.\nTracking: "DHL 123".\n',
        )
        step("Leave a private note for the team", "add_note", conversation_id, "VIP prospect - answer within 1h")
        step("Assign it to Ana", "assign_conversation", conversation_id, "--agent-id", "2")
        step("Snooze it for two hours", "set_status", conversation_id, "snoozed", "--until", "2h")

        print("\n# Beyond the seed: read, organise, reach a customer")
        step("Who am I? (the first check when set-up is in doubt)", "whoami")
        step("Read a long conversation's whole history as a transcript", "list_messages", "7", "--all", "--transcript")
        step("Label it without losing its other labels", "labels", "7", "--add", "refund")
        step("Make it urgent", "set_priority", "7", "urgent")
        step(
            "Message a customer by e-mail in one step (finds the contact, reuses the conversation)",
            "message_contact",
            "--inbox-id", "2", "--email", "JANE.DOE@example.com", "Your refund was approved.",
        )  # fmt: skip
        step("Resolve three conversations in one call", "set_status", "1,2,4", "resolved")

        print("\n# When something is wrong, the skill says what and exits non-zero")
        step("A contact that does not exist", "get_contact", "9999")
        step("An id that is not a number (nothing is sent)", "get_conversation", "jane")
        step("Preview a write without sending it", "send_message", conversation_id, "Draft reply", "--dry-run")
    print("\nDone. `make sandbox` keeps a sandbox running so you can try the scripts yourself.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
