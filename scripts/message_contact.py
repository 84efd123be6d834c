#!/usr/bin/env python3
# /// script
# requires-python = ">=3.9"
# dependencies = ["requests>=2.28,<3", "jinja2>=3.0,<4"]
# ///
"""Message a customer in one step: find or create the contact, reuse or open a conversation, send.

Example:
  python3 scripts/message_contact.py --inbox-id 2 --email jane@example.com --name "Jane Doe" \
      "Hello Jane, your order has shipped."
Reuses the contact's newest unresolved conversation in that inbox, or opens one. Re-running sends
the message again, but never duplicates the contact or the conversation. Prints
{"contact_id", "conversation_id", "created_contact", "created_conversation", "message"}.
"""

from chatwoot_core import Failure, add_text_arguments, positive_id, read_text, run_script
from find_or_create_contact import add_contact_keys, find_or_create, keys_of


def arguments(parser):
    parser.add_argument(
        "--inbox-id", type=positive_id, required=True, metavar="N", help="inbox to write from (list_inboxes.py)"
    )
    parser.add_argument("--contact-id", type=positive_id, metavar="N", help="the contact, if you know its id")
    add_contact_keys(parser)
    parser.add_argument("--name", help="name for the contact if it has to be created")
    add_text_arguments(parser)
    parser.add_argument("--private", action="store_true", help="a private note instead of a message")


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
        inbox_id=inbox_id,
        contact_id=contact_id,
        source_id=None,
        status=None,
        message=None,
        assignee_id=None,
        team_id=None,
    )
    return True, created["id"]


def run(args, api):
    text = read_text(args)
    if args.contact_id:
        created_contact, contact_id = False, api.get(f"/contacts/{args.contact_id}")["payload"]["id"]
    else:
        created_contact, contact = find_or_create(api, keys_of(args), args.name)
        contact_id = contact["id"]
    done = {"contact_id": contact_id, "created_contact": created_contact}
    try:
        created_conversation, conversation_id = open_conversation(api, contact_id, args.inbox_id)
        done.update(conversation_id=conversation_id, created_conversation=created_conversation)
        message = api.send(
            "POST", f"/conversations/{conversation_id}/messages", "send_message", content=text, private=args.private
        )
    except Failure as failure:
        # Say what already happened, so a re-run (which reuses it) is an informed choice.
        made = [f"{k}={v}" for k, v in done.items() if k in ("contact_id", "conversation_id")]
        failure.lines.append(f"before this failed: {', '.join(made)} (a re-run reuses them)")
        raise
    return {**done, "message": message}


if __name__ == "__main__":
    run_script(__doc__, arguments, run, writes=True)
