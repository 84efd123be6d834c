#!/usr/bin/env python3
# /// script
# requires-python = ">=3.9"
# dependencies = ["requests>=2.28,<3", "jinja2>=3.0,<4"]
# ///
"""Everything answering one ticket needs, in one call: the conversation, its contact, the
attributes, the latest messages as transcript lines, and the contact's other conversations.

Example:
  python3 scripts/conversation_context.py 42
  python3 scripts/conversation_context.py 42 --messages 200 --text
Prints {"conversation" (its --summary), "contact" {id, name, email, phone_number, identifier,
labels, custom_attributes, additional_attributes}, "attributes" (the conversation's custom
attributes), "messages" (transcript lines, oldest first), "other_conversations" [{id, status,
inbox, last_activity_at}], "omitted"}; --text prints the same as a readable page. The last 50
messages unless --messages N or --all; each message's text is cut at 2,000 characters and the
whole kept near 60 KB, the oldest messages going first; Chatwoot lists a contact's 20 newest
conversations only. "omitted" counts what was left out, and stderr says so. The conversation is read first (it names the contact); the other reads go out
together over one connection.
"""

from concurrent.futures import ThreadPoolExecutor

from chatwoot_cli import Command, Text, add_conversation_id, positive_id, warn
from chatwoot_client import UsageError
from chatwoot_listings import conversation_summary, iso_utc
from chatwoot_messages import entry, walk
from chatwoot_names import INBOX

TEXT_CUT = 2_000  # characters of one message's text
BUDGET = 60_000  # characters of transcript in all, about 60 KB
CONTACT_KEYS = ("id", "name", "email", "phone_number", "identifier")
CONTACT_CONVERSATIONS_LISTED = 20  # Chatwoot lists a contact's 20 newest conversations, no more


def arguments(parser):
    add_conversation_id(parser)
    amount = parser.add_mutually_exclusive_group()
    amount.add_argument(
        "--messages", type=positive_id, default=50, metavar="N", help="the last N messages (default 50)"
    )
    amount.add_argument("--all", action="store_true", help="every message (still cut to about 60 KB)")
    parser.add_argument("--text", action="store_true", help="a readable page instead of JSON")


def run(args, api):
    conversation = api.get(f"/conversations/{args.conversation_id}")
    contact_id = ((conversation.get("meta") or {}).get("sender") or {}).get("id")
    if not contact_id:
        raise UsageError(f"conversation {args.conversation_id} names no contact")
    limit = None if args.all else args.messages
    with ThreadPoolExecutor(max_workers=4) as pool:
        contact = pool.submit(api.get, f"/contacts/{contact_id}")
        labels = pool.submit(api.get, f"/contacts/{contact_id}/labels")
        others = pool.submit(api.get, f"/contacts/{contact_id}/conversations")
        inboxes = pool.submit(INBOX.rows, api)
        history = walk(api, args.conversation_id, {}, limit=limit)
        contact, labels, others, inboxes = contact.result(), labels.result(), others.result(), inboxes.result()
    lines, omitted = transcript_lines(history.messages)
    omitted["earlier_messages"] = not history.complete
    listed = (others or {}).get("payload") or []
    omitted["older_conversations"] = len(listed) >= CONTACT_CONVERSATIONS_LISTED
    names = {inbox.get("id"): inbox.get("name") for inbox in inboxes}
    person = contact.get("payload") or {}
    context = {
        "conversation": conversation_summary(conversation),
        "contact": {
            **{key: person.get(key) for key in CONTACT_KEYS},
            "labels": (labels or {}).get("payload") or [],
            "custom_attributes": person.get("custom_attributes") or {},
            "additional_attributes": person.get("additional_attributes") or {},
        },
        "attributes": conversation.get("custom_attributes") or {},
        "messages": lines,
        "other_conversations": [
            {
                "id": other.get("id"),
                "status": other.get("status"),
                "inbox": names.get(other.get("inbox_id"), other.get("inbox_id")),
                "last_activity_at": iso_utc(other.get("last_activity_at")),
            }
            for other in listed
            if other.get("id") != args.conversation_id
        ],
        "omitted": omitted,
    }
    say_what_was_left_out(omitted, args)
    return Text(page(context)) if args.text else context


def transcript_lines(messages: list) -> tuple[list, dict]:
    """The messages as transcript entries, each text cut at 2,000 characters, the oldest dropped
    while the whole is over the budget; with counts of what was cut and dropped."""
    entries, cut = [], 0
    for message in messages:
        text, was_cut = entry(message, TEXT_CUT)
        entries.append(text.rstrip("\n"))
        cut += was_cut
    dropped = 0
    size = sum(len(text) + 1 for text in entries)
    while entries and size > BUDGET:
        size -= len(entries.pop(0)) + 1
        dropped += 1
    return entries, {"earlier_messages": False, "messages_over_budget": dropped, "texts_cut": cut,
                     "older_conversations": False}  # fmt: skip


def say_what_was_left_out(omitted: dict, args) -> None:
    parts = []
    if omitted["earlier_messages"]:
        parts.append(f"earlier messages (past the last {args.messages}; --messages N or --all)")
    if omitted["messages_over_budget"]:
        parts.append(f"the {omitted['messages_over_budget']} oldest of those fetched, to stay near 60 KB")
    if omitted["texts_cut"]:
        parts.append(f"the end of {omitted['texts_cut']} long message texts (cut at 2,000 characters)")
    if parts:
        warn(f"left out: {'; '.join(parts)}; list_messages.py {args.conversation_id} --all shows everything")
    if omitted["older_conversations"]:
        warn("left out: any conversations of the contact's before its 20 newest (Chatwoot lists no more)")


def page(context: dict) -> str:
    """The context as a page a person reads top to bottom."""
    c, person = context["conversation"], context["contact"]
    head = f"Conversation #{c['id']} · {c['status']}" + (f" · priority {c['priority']}" if c["priority"] else "")
    who = " · ".join(
        part
        for part in (
            f"assigned to {c['assignee']}" if c["assignee"] else "unassigned",
            f"team {c['team']}" if c["team"] else "",
            f"labels: {', '.join(c['labels'])}" if c["labels"] else "",
            f"waiting since {c['waiting_since']}" if c["waiting_since"] else "",
            f"{c['unread']} unread" if c["unread"] else "",
        )
        if part
    )
    reach = " · ".join(str(person[key]) for key in ("email", "phone_number", "identifier") if person.get(key))
    lines = [head, who, "", f"Contact #{person['id']}: {person['name']}" + (f" · {reach}" if reach else "")]
    if person["labels"]:
        lines.append(f"  labels: {', '.join(person['labels'])}")
    for title, attributes in (
        ("custom attributes", person["custom_attributes"]),
        ("additional attributes", person["additional_attributes"]),
        ("conversation attributes", context["attributes"]),
    ):
        if attributes:
            lines.append(f"  {title}: " + ", ".join(f"{key}={value}" for key, value in attributes.items()))
    if context["other_conversations"]:
        lines += ["", "Other conversations of this contact:"]
        lines += [
            f"  #{o['id']} {o['status']} in {o['inbox']}, last activity {o['last_activity_at'] or '-'}"
            for o in context["other_conversations"]
        ]
    earlier = " (earlier ones left out)" if context["omitted"]["earlier_messages"] else ""
    lines += ["", f"Messages{earlier}:", *context["messages"]]
    return "\n".join(lines) + "\n"


command = Command(__doc__, arguments, run)

if __name__ == "__main__":
    command.exit()
