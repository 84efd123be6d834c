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

from chatwoot_cli import Command, Text, add_conversation_id, positive_id, warn
from chatwoot_client import UsageError
from chatwoot_listings import messages_summary
from chatwoot_messages import transcript, walk


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
    params = {
        "before": args.before,
        "after": args.after,
        "filter_internal_messages": "true" if args.no_private else None,
    }
    params = {key: value for key, value in params.items() if value is not None}  # the walk reads which cursor is set
    if args.all:
        history = walk(api, args.conversation_id, params, progress=warn)
        document = {**history.first, "payload": history.messages}
    else:
        document = api.get(f"/conversations/{args.conversation_id}/messages", params)
    if args.transcript:
        if not document.get("payload"):
            warn("no messages")
        return Text(transcript(document.get("payload") or []))
    return document


command = Command(__doc__, arguments, run, summary=messages_summary)

if __name__ == "__main__":
    command.exit()
