#!/usr/bin/env python3
# /// script
# requires-python = ">=3.9"
# dependencies = ["requests>=2.28,<3", "jinja2>=3.0,<4"]
# ///
"""Message a customer in one step: find or create the contact, reuse or open a conversation, send.

Example:
  python3 scripts/message_contact.py --inbox-id 2 --email jane@example.com --name "Jane Doe" \\
      "Hello Jane, your order has shipped."
Reuses the contact's newest unresolved conversation in that inbox, or opens one. Re-running sends
the message again (unless --once), but never duplicates the contact or the conversation. Prints
{"contact_id", "conversation_id", "created_contact", "created_conversation", "message"}
(and "already_sent": true when --once found the message there already).
"""

from chatwoot_cli import Command, add_text_arguments, positive_id, warn
from chatwoot_client import Failure, UsageError
from chatwoot_contacts import add_contact_keys, find_or_create, keys_of


def arguments(parser):
    parser.add_argument(
        "--inbox-id", type=positive_id, required=True, metavar="N", help="inbox to write from (list_inboxes.py)"
    )
    parser.add_argument("--contact-id", type=positive_id, metavar="N", help="the contact, if you know its id")
    add_contact_keys(parser)
    parser.add_argument("--name", help="name for the contact if it has to be created")
    add_text_arguments(parser)
    parser.add_argument("--private", action="store_true", help="a private note instead of a message")
    parser.add_argument(
        "--once",
        action="store_true",
        help="do not send if the conversation's latest 20 messages already hold this exact text "
        "(safe to re-run after a timeout)",
    )


def open_conversation(api, contact_id, inbox_id):
    """(created, display id): the newest unresolved conversation in the inbox, or a new one."""
    conversations = api.get(f"/contacts/{contact_id}/conversations").get("payload") or []
    reusable = [c for c in conversations if c.get("inbox_id") == inbox_id and c.get("status") != "resolved"]
    if reusable:
        return False, max(reusable, key=lambda c: (c.get("last_activity_at") or 0, c["id"]))["id"]
    created = api.send(
        "POST",
        "/conversations",
        "create_conversation",
        then="send the message in it",
        inbox_id=inbox_id,
        contact_id=contact_id,
        source_id=None,
        status=None,
        message=None,
        assignee_id=None,
        team_id=None,
    )
    return True, created["id"]


def already_sent(api, conversation_id, text, private):
    """The newest of the conversation's latest 20 messages that is this exact text from us, if any."""
    latest = api.get(f"/conversations/{conversation_id}/messages").get("payload") or []
    mine = [m for m in latest if m.get("content") == text and m.get("message_type") == 1]
    return next((m for m in reversed(mine) if bool(m.get("private")) == private), None)


def run(args, api):
    text = args.text
    if not (args.contact_id or args.identifier or args.email or args.phone):
        raise UsageError("say who to message: --contact-id, --identifier, --email or --phone")
    done = {}  # what has happened so far, for the output and for a failure's report
    try:
        if args.contact_id:
            contact = api.get(f"/contacts/{args.contact_id}")["payload"]
            done.update(contact_id=contact["id"], created_contact=False)
        else:
            then = "open a conversation with the new contact and send the message"
            created, contact = find_or_create(api, keys_of(args), args.name, then=then)
            done.update(contact_id=contact["id"], created_contact=created)
        created, conversation_id = open_conversation(api, done["contact_id"], args.inbox_id)
        done.update(conversation_id=conversation_id, created_conversation=created)
        sent = already_sent(api, conversation_id, text, args.private) if args.once and not created else None
        if sent is not None:
            warn(f"message {sent['id']} in conversation {conversation_id} already says this; nothing was sent (--once)")
            return {**report(done), "message": sent, "already_sent": True}
        message = api.send(
            "POST", f"/conversations/{conversation_id}/messages", "send_message", content=text, private=args.private
        )
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
