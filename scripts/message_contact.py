#!/usr/bin/env python3
# /// script
# requires-python = ">=3.9"
# dependencies = ["requests>=2.28,<3", "jinja2>=3.0,<4"]
# ///
"""Message a customer in one step: find or create the contact, reuse or open a conversation, send.

Example:
  python3 scripts/message_contact.py --inbox "Support API" --email jane@example.com --name "Jane Doe" \\
      "Hello Jane, your order has shipped."
Reuses the contact's newest unresolved conversation in that inbox, or opens one. Re-running sends
the message again (unless --once), but never duplicates the contact or the conversation. Prints
{"contact_id", "conversation_id", "created_contact", "created_conversation", "message"}
(and "already_sent": true when --once found the message there already).
"""

from __future__ import annotations

from chatwoot_cli import Command, add_text_arguments, positive_id, warn
from chatwoot_client import Failure, UsageError
from chatwoot_contacts import add_contact_keys, create_conversation, find_or_create, keys_of
from chatwoot_liquid import escape
from chatwoot_listings import CONVERSATIONS
from chatwoot_messages import post
from chatwoot_names import INBOX, add_named, named_id


def arguments(parser):
    add_named(parser, INBOX, "--inbox", "--inbox-id", required=True, help="the inbox to write from")
    parser.add_argument("--contact-id", type=positive_id, metavar="N", help="the contact, if you know its id")
    add_contact_keys(parser)
    parser.add_argument(
        "--name", help="name for the contact if it has to be created (default: from its e-mail or phone)"
    )
    add_text_arguments(parser)
    parser.add_argument("--private", action="store_true", help="a private note instead of a message")
    parser.add_argument(
        "--once",
        action="store_true",
        help="do not send if the conversation already holds this exact text from us (safe to re-run after a timeout)",
    )


def newest_unresolved(api, inbox_id: int, source_id: str):
    """The newest unresolved conversation of one contact inbox, over every page (a contact may have
    more than the 20 that GET /contacts/{id}/conversations returns)."""
    params = {"inbox_id": inbox_id, "source_id": source_id, "status": "all"}
    for _, fresh in CONVERSATIONS.walk(api.pages("/conversations", params, first=1), params):
        for conversation in fresh:  # newest activity first
            if conversation.get("status") != "resolved":
                return conversation
    return None


def open_conversation(api, contact: dict, inbox_id: int) -> tuple[bool, int]:
    """(created, display id): the contact's newest unresolved conversation in the inbox, or a new one.
    Chatwoot files a contact's conversations under its contact inboxes (one source id each, and
    an API or website inbox makes a new one for each conversation opened without a source id)."""
    sources = [
        link.get("source_id")
        for link in contact.get("contact_inboxes") or []
        if (link.get("inbox") or {}).get("id") == inbox_id and link.get("source_id")
    ]
    found = [c for c in (newest_unresolved(api, inbox_id, source) for source in dict.fromkeys(sources)) if c]
    if found:
        return False, max(found, key=lambda c: (c.get("last_activity_at") or 0, c["id"]))["id"]
    created = create_conversation(api, inbox_id, contact["id"], then="send the message in it")
    return True, created["id"]


def already_sent(api, conversation_id: int, args) -> dict | None:
    """Our message with this text, if the conversation holds one: among its latest 20 messages as
    the customer sees them, or its latest message as Chatwoot stored it before rendering Liquid
    (`processed_message_content`, which only the conversation shows), so --liquid texts match too."""
    latest = api.get(f"/conversations/{conversation_id}/messages").get("payload") or []
    ours = [m for m in latest if m.get("message_type") == 1 and bool(m.get("private")) == args.private]
    # The customer sees the text as written unless --liquid lets Chatwoot render it into something else.
    match = next((m for m in reversed(ours) if m.get("content") == args.text), None) if _as_written(args) else None
    if match is None:
        last = api.get(f"/conversations/{conversation_id}").get("last_non_activity_message") or {}
        stored = last.get("processed_message_content")
        if last.get("message_type") == 1 and bool(last.get("private")) == args.private and stored == args.content:
            match = next((m for m in ours if m.get("id") == last.get("id")), last)
    return match


def _as_written(args) -> bool:
    """Whether Chatwoot stores the text exactly as written: always without --liquid; with it, only
    when the text holds nothing Liquid would run (escaping it would change nothing)."""
    if not args.liquid:
        return True
    try:
        return escape(args.text) == args.text
    except UsageError:  # a code span holding {% endraw %}: Liquid would run on what follows
        return False


def run(args, api):
    if not (args.contact_id or args.identifier or args.email or args.phone):
        raise UsageError("say who to message: --contact-id, --identifier, --email or --phone")
    inbox_id = named_id(api, INBOX, args.inbox)
    done = {}  # what has happened so far, for the output and for a failure's report
    try:
        if args.contact_id:
            contact = api.get(f"/contacts/{args.contact_id}")["payload"]
            done.update(contact_id=contact["id"], created_contact=False)
        else:
            then = "open a conversation with the new contact and send the message"
            created, contact = find_or_create(api, keys_of(args), args.name, then=then)
            done.update(contact_id=contact["id"], created_contact=created)
        created, conversation_id = open_conversation(api, contact, inbox_id)
        done.update(conversation_id=conversation_id, created_conversation=created)
        sent = already_sent(api, conversation_id, args) if args.once and not created else None
        if sent is not None:
            warn(f"message {sent['id']} in conversation {conversation_id} already says this; nothing was sent (--once)")
            return {**report(done), "message": sent, "already_sent": True}
        message = post(api, conversation_id, args.content, private=args.private)
    except Failure as failure:
        if done:  # say what already happened, so a re-run (which reuses it) is an informed choice
            made = [f"{key}={done[key]}" for key in ("contact_id", "conversation_id") if key in done]
            failure.lines.append(f"before this failed: {', '.join(made)} (a re-run reuses them)")
        raise
    return {**report(done), "message": message}


def report(done: dict) -> dict:
    keys = ("contact_id", "conversation_id", "created_contact", "created_conversation")
    return {key: done[key] for key in keys}


command = Command(__doc__, arguments, run, writes=True)

if __name__ == "__main__":
    command.exit()
