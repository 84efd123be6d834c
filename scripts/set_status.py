#!/usr/bin/env python3
# /// script
# requires-python = ">=3.9"
# dependencies = ["requests>=2.28,<3", "jinja2>=3.0,<4"]
# ///
"""Change a conversation's status: open, resolved, pending, or snoozed (until a time).

Example:
  python3 scripts/set_status.py 42 resolved
  python3 scripts/set_status.py 42 snoozed --until 2h
  python3 scripts/set_status.py 101,102,103 open
Prints {"payload": {"success": true, "conversation_id", "current_status", "snoozed_until"}}.
A snooze without --until lasts until the customer's next reply. Only the status changes: with an
agent-role token Chatwoot makes the caller the assignee of every conversation it sets open, so
this puts the previous assignee (or nobody) back and says so on stderr; --take keeps it yours.
"""

from chatwoot_cli import Command, add_conversation_ids, snooze_until, warn
from chatwoot_client import CONVERSATION_STATUSES, UsageError
from chatwoot_names import account_role, profile_id

TAKEOVER = "put the previous assignee back (Chatwoot makes an agent-role token the assignee of what it opens)"


def arguments(parser):
    add_conversation_ids(parser)
    parser.add_argument(
        "status", choices=CONVERSATION_STATUSES, metavar="STATUS", help="open, resolved, pending or snoozed"
    )
    parser.add_argument(
        "--until",
        type=snooze_until,
        metavar="WHEN",
        help="with snoozed: 30m, 2h, 3d, 1w, YYYY-MM-DD[THH:MM[:SS]][Z|+HH:MM] (no offset = this machine's time zone) or unix seconds",
    )
    parser.add_argument(
        "--take", action="store_true", help="with open and an agent-role token: keep yourself as the assignee"
    )


def assignee_of(conversation: dict) -> tuple:
    """(assignee_type, id, name) of a conversation's assignee, or (None, None, None) for nobody."""
    meta = conversation.get("meta") or {}
    assignee = meta.get("assignee") or {}
    if not assignee.get("id"):
        return None, None, None
    return meta.get("assignee_type"), assignee.get("id"), assignee.get("available_name") or assignee.get("name")


def run(args, api):
    if args.until is not None and args.status != "snoozed":
        raise UsageError(f"--until goes only with the status snoozed, not {args.status}")
    path = f"/conversations/{args.conversation_id}"
    restore = args.status == "open" and not args.take and account_role(api) == "agent"
    before = assignee_of(api.get(path)) if restore else None
    result = api.send(
        "POST",
        f"{path}/toggle_status",
        "set_status",
        then=TAKEOVER if restore else None,
        status=args.status,
        snoozed_until=args.until,
    )
    me = ("User", profile_id(api)) if restore else None
    if restore and before[:2] != me:  # Chatwoot has just made the caller the assignee
        kind, previous, name = before
        api.send(
            "POST",
            f"{path}/assignments",
            "assign_conversation",
            field="assignee_id",
            value=previous,
            assignee_type="AgentBot" if kind == "AgentBot" else None,
        )
        role = "agent bot" if kind == "AgentBot" else "agent"
        who = (f"{name} ({role} {previous})" if name else f"{role} {previous}") if previous else "nobody"
        warn(
            f"conversation {args.conversation_id}: Chatwoot made you its assignee on opening it; put back {who} (--take keeps it yours)"
        )
    return result


command = Command(__doc__, arguments, run, writes=True)

if __name__ == "__main__":
    command.exit()
