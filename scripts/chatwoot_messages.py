"""A conversation's messages: the request that sends one, its history walked page by page
(Chatwoot gives 20 at a time, by message-id cursor), and the transcript lines a person or an
agent reads."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any, Callable

from chatwoot_client import Api

KINDS = {"contact": "contact", "user": "agent", "agent_bot": "bot"}
# Message text is the customer's: control characters, line separators and bidi overrides are
# shown escaped, so that no text can move the cursor or pass for a line of its own.
UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


class History:
    """The messages of one conversation from a walk: `first` is the first page's document (its
    meta), `messages` oldest first, `complete` whether the walk reached the far end."""

    def __init__(self, first: dict, messages: list, complete: bool):
        self.first = first
        self.messages = messages
        self.complete = complete


def post(api: Api, conversation_id: int, content: str | None, private: bool,
         attachments: list[str] | None = None) -> Any:  # fmt: skip
    """Send a reply (or, `private`, a note): the one request every text path makes. `content` is
    the text as sent (already escaped for Chatwoot's Liquid unless the user asked for Liquid)."""
    return api.send(
        "POST",
        f"/conversations/{conversation_id}/messages",
        "send_message",
        content=content,
        attachments=attachments,
        private=private,
    )


def walk(api: Api, conversation_id: int, params: dict, limit: int | None = None,
         progress: Callable[[str], None] | None = None) -> History:  # fmt: skip
    """Every page back with before = the smallest id seen (forward with after = the largest when
    `after` is given) until a page brings nothing beyond the cursor, or until `limit` messages are
    in hand (then the newest `limit`); de-duplicated by id."""
    path = f"/conversations/{conversation_id}/messages"
    params = dict(params)
    forward = "after" in params
    cursor_key = "after" if forward else "before"
    first, messages, pages, complete = None, {}, 0, True
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
        if limit is not None and len(messages) >= limit:
            complete = False  # maybe more beyond: the caller asked for no more
            break
        params[cursor_key] = edge
        if progress and pages % 10 == 0:
            progress(f"fetched {pages} pages ({len(messages)} messages so far)")
    ordered = sorted(messages.values(), key=lambda m: (_number(m.get("created_at")), _number(m.get("id"))))
    if limit is not None and len(ordered) > limit:
        ordered = ordered[-limit:] if not forward else ordered[:limit]
        complete = False
    return History(first or {}, ordered, complete)


def _number(value: Any) -> float:
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else 0


def entry(message: dict, cut: int | None = None) -> tuple[str, bool]:
    """One message as transcript text (a line, or a head line and indented lines), and whether its
    text was cut at `cut` characters:
      2026-02-13 14:03Z #501 Jane Doe (contact): Hi, my order hasn't arrived"""
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
    was_cut = cut is not None and len(text) > cut
    if was_cut:
        text = text[:cut] + f"… [{len(text) - cut:,} more characters]"
    lines = text.split("\n") if text else []
    for attachment in message.get("attachments") or []:
        what = " ".join(str(attachment.get(k)) for k in ("file_type", "extension") if attachment.get(k))
        lines.append(f"[attachment: {_clean(what or 'file')}]".replace("\n", " "))
    if len(lines) == 1:
        return f"{head} {lines[0]}\n", was_cut
    return head + "\n" + "".join(f"  {line}\n" if line else "\n" for line in lines), was_cut


def transcript(messages: list) -> str:
    return "".join(entry(message)[0] for message in messages)


def _clean(text: Any) -> str:
    text = str(text).replace("\r\n", "\n").replace("\r", "\n")
    return UNSAFE.sub(lambda match: match.group().encode("unicode_escape").decode("ascii"), text)
