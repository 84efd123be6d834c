#!/usr/bin/env python3
# /// script
# requires-python = ">=3.9"
# dependencies = ["requests>=2.28,<3", "jinja2>=3.0,<4"]
# ///
"""Open a conversation with a contact in an inbox, optionally with a first outgoing message.

Example:
  python3 scripts/create_conversation.py --inbox-id 2 --contact-id 17 --message "Hello! How can we help?"
Prints the new conversation object; its "id" is the number to use with the other scripts.
"""

from chatwoot_cli import Command, positive_id
from chatwoot_client import CONVERSATION_STATUSES


def arguments(parser):
    parser.add_argument(
        "--inbox-id", type=positive_id, required=True, metavar="N", help="inbox to open it in (list_inboxes.py)"
    )
    parser.add_argument(
        "--contact-id", type=positive_id, required=True, metavar="N", help="the customer (search_contacts.py)"
    )
    parser.add_argument("--source-id", help="an existing contact-inbox source id (rarely needed)")
    parser.add_argument("--status", choices=CONVERSATION_STATUSES, help="initial status (Chatwoot's default: open)")
    parser.add_argument("--message", metavar="TEXT", help="first message, sent to the customer")
    parser.add_argument("--assignee-id", type=positive_id, metavar="N", help="assign to this agent (list_agents.py)")
    parser.add_argument("--team-id", type=positive_id, metavar="N", help="assign to this team")


def run(args, api):
    return api.send(
        "POST",
        "/conversations",
        "create_conversation",
        inbox_id=args.inbox_id,
        contact_id=args.contact_id,
        source_id=args.source_id,
        status=args.status,
        message=args.message,
        assignee_id=args.assignee_id,
        team_id=args.team_id,
    )


command = Command(__doc__, arguments, run, writes=True)

if __name__ == "__main__":
    command.exit()
