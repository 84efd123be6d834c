#!/usr/bin/env python3
# /// script
# requires-python = ">=3.9"
# dependencies = ["requests>=2.28,<3", "jinja2>=3.0,<4"]
# ///
"""Read a conversation's messages (its history), oldest first, as JSON or as a readable transcript.

Example:
  python3 scripts/list_messages.py 42
  python3 scripts/list_messages.py 42 --all --transcript
  python3 scripts/list_messages.py 42 --before 501
Prints {"meta": {"labels", "contact", "assignee", ...}, "payload": [message, ...]}: the newest 20
messages, oldest first (message_type 0 incoming, 1 outgoing, 2 activity, 3 template). --before ID
gives the 20 before that message id, --after ID up to 100 after it. --all fetches every message
(back to the first; with --after, forward to the newest) into one document. --no-private leaves out
private notes and activity messages. --summary prints one compact object a message; --transcript
prints text lines instead of JSON:
  2026-02-13 14:03Z #501 Jane Doe (contact): Hi, my order hasn't arrived
"""

import re
from datetime import datetime, timezone

from chatwoot_cli import Command, Text, add_conversation_id, positive_id, warn
from chatwoot_client import UsageError
from chatwoot_listings import messages_summary

KINDS = {"contact": "contact", "user": "agent", "agent_bot": "bot"}
# Message text is the customer's: control characters, line separators and bidi overrides are
# shown escaped, so that no text can move the cursor or pass for a line of its own.
UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def arguments(parser):
    add_conversation_id(parser)
    parser.add_argument("--before", type=positive_id, metavar="ID", help="the 20 messages before this message id")
    parser.add_argument("--after", type=positive_id, metavar="ID", help="up to 100 messages after this message id")
    parser.add_argument(
        "--all", action="store_true", help="every message (back to the first; with --after, forward) in one document"
    )
    parser.add_argument("--no-private", action="store_true", help="leave out private notes and activity messages")
    parser.add_argument("--transcript", action="store_true", help="print readable text lines instead of JSON")


def run(args, api):
    if args.transcript and args.summary:
        raise UsageError("give --transcript or --summary, not both")
    path = f"/conversations/{args.conversation_id}/messages"
    params = {"before": args.before, "after": args.after, "filter_internal_messages": args.no_private or None}
    params = {key: "true" if value is True else value for key, value in params.items() if value is not None}
    document = walk(api, path, params) if args.all else api.get(path, params)
    return transcript(document) if args.transcript else document


def walk(api, path, params):
    """Every page, back with before = the smallest id seen (forward with after = the largest when
    --after is given), until a page brings nothing beyond the cursor; de-duplicated by id."""
    forward = "after" in params
    cursor_key = "after" if forward else "before"
    first, messages, pages = None, {}, 0
    while True:
        document = api.get(path, params)
        first = document if first is None else first
        pages += 1
        fresh = [m for m in document.get("payload") or [] if m.get("id") not in messages]
        messages.update((m.get("id"), m) for m in fresh)
        ids = [m["id"] for m in fresh if isinstance(m.get("id"), int)]
        if not ids:
            break
        edge, cursor = (max(ids) if forward else min(ids)), params.get(cursor_key)
        if cursor is not None and (edge <= cursor if forward else edge >= cursor):
            break  # the server ignored the cursor: stop rather than loop
        params[cursor_key] = edge
        if pages % 10 == 0:
            warn(f"fetched {pages} pages ({len(messages)} messages so far)")
    first["payload"] = sorted(messages.values(), key=lambda m: (_number(m.get("created_at")), _number(m.get("id"))))
    return first


def _number(value):
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else 0


def transcript(document):
    messages = document.get("payload") or []
    if not messages:
        warn("no messages")
    return Text("".join(_entry(message) for message in messages))


def _entry(message):
    created = message.get("created_at")
    when = (
        datetime.fromtimestamp(created, timezone.utc).strftime("%Y-%m-%d %H:%MZ") if _number(created) else "(no time)"
    )
    head = f"{when} #{message.get('id')}"
    if message.get("message_type") == 2:
        head += " [activity]"
    else:
        sender = message.get("sender") or {}
        name = _clean(sender.get("name") or sender.get("available_name") or "(unknown)").replace("\n", " ")
        kind = KINDS.get(sender.get("type")) or ("contact" if message.get("message_type") == 0 else "system")
        notes = " [note]" * bool(message.get("private")) + " [template]" * (message.get("message_type") == 3)
        head += f" {name} ({kind}){notes}:"
    text = _clean(message.get("content") or "").strip("\n")
    lines = text.split("\n") if text else []
    for attachment in message.get("attachments") or []:
        what = " ".join(str(attachment.get(k)) for k in ("file_type", "extension") if attachment.get(k))
        lines.append(f"[attachment: {_clean(what or 'file')}]".replace("\n", " "))
    if len(lines) == 1:
        return f"{head} {lines[0]}\n"
    return head + "\n" + "".join(f"  {line}\n" if line else "\n" for line in lines)


def _clean(text):
    text = str(text).replace("\r\n", "\n").replace("\r", "\n")
    return UNSAFE.sub(lambda match: match.group().encode("unicode_escape").decode("ascii"), text)


command = Command(__doc__, arguments, run, summary=messages_summary)

if __name__ == "__main__":
    command.exit()
