#!/usr/bin/env python3
# /// script
# requires-python = ">=3.9"
# dependencies = ["requests>=2.28,<3", "jinja2>=3.0,<4"]
# ///
"""Take back a message: Chatwoot keeps it but replaces its text with "This message was deleted"
and removes its attachments. Needs --yes.

Example:
  python3 scripts/delete_message.py 42 612 --yes
Prints {"conversation_id": 42, "message_id": 612, "deleted": true}. It changes what Chatwoot
shows; a message already delivered by e-mail, WhatsApp, SMS or another channel stays in the
customer's hands (a note on stderr says so when the message was such a reply). Any agent who can see the conversation can delete any message in it, notes
and the customer's own included. Message ids come from list_messages.py.
"""

from chatwoot_cli import Command, add_conversation_id, positive_id, warn
from chatwoot_client import UsageError
from chatwoot_names import INBOX

OUTGOING = 1
# Only the website widget redraws a deleted message for the customer; other channels delivered it.
SHOWS_THE_DELETION = ("Channel::WebWidget",)


def arguments(parser):
    add_conversation_id(parser)
    parser.add_argument("message_id", type=positive_id, metavar="MESSAGE_ID", help="the message (list_messages.py)")
    parser.add_argument("--yes", action="store_true", help="confirm: the text cannot be restored")


def run(args, api):
    if not args.yes and not args.dry_run:
        raise UsageError(
            f"deleting message {args.message_id} replaces its text for good; add --yes to confirm "
            "(a message already delivered by e-mail, WhatsApp or SMS is not unsent)"
        )
    message = api.send("DELETE", f"/conversations/{args.conversation_id}/messages/{args.message_id}")
    if isinstance(message, dict) and message.get("message_type") == OUTGOING and not message.get("private"):
        inbox = INBOX.by_id(api, message.get("inbox_id"))
        if inbox.get("channel_type") not in SHOWS_THE_DELETION:
            where = f"the {inbox['name']} inbox ({inbox.get('channel_type')})" if inbox.get("name") else "its inbox"
            warn(
                f"note: message {args.message_id} was a reply that {where} delivered: the customer keeps it; "
                "tell them of the correction if it matters"
            )
    return {"conversation_id": args.conversation_id, "message_id": args.message_id, "deleted": True}


command = Command(__doc__, arguments, run, writes=True)

if __name__ == "__main__":
    command.exit()
