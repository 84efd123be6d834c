#!/usr/bin/env python3
# /// script
# requires-python = ">=3.9"
# dependencies = ["requests>=2.28,<3", "jinja2>=3.0,<4"]
# ///
"""Open a conversation with a contact in an inbox, optionally with a first outgoing message.

Example:
  python3 scripts/create_conversation.py --inbox "Support API" --contact-id 17 --message "Hello! How can we help?"
Prints the new conversation object; its "id" is the number to use with the other scripts.
Chatwoot opens conversations by itself in API, website, e-mail, SMS and WhatsApp inboxes (an
e-mail inbox needs the contact's e-mail, SMS and WhatsApp its phone); elsewhere give --source-id.
"""

from chatwoot_cli import Command, add_liquid_flag, positive_id
from chatwoot_client import CONVERSATION_STATUSES
from chatwoot_contacts import create_conversation
from chatwoot_liquid import as_sent
from chatwoot_names import AGENT, INBOX, TEAM, add_named, named_id


def arguments(parser):
    add_named(parser, INBOX, "--inbox", "--inbox-id", required=True, help="the inbox to open it in")
    parser.add_argument(
        "--contact-id", type=positive_id, required=True, metavar="N", help="the customer (search_contacts.py)"
    )
    parser.add_argument("--source-id", help="the contact's id on the inbox's channel (its contact-inbox source id)")
    parser.add_argument("--status", choices=CONVERSATION_STATUSES, help="initial status (Chatwoot's default: open)")
    parser.add_argument("--message", metavar="TEXT", help="first message, sent to the customer")
    add_liquid_flag(parser)
    add_named(parser, AGENT, "--agent", "--assignee-id", help="assign it to this agent")
    add_named(parser, TEAM, "--team", "--team-id", help="assign it to this team")


def run(args, api):
    message = None if args.message is None else as_sent(args.message, args.liquid)
    return create_conversation(
        api,
        named_id(api, INBOX, args.inbox),
        args.contact_id,
        source_id=args.source_id,
        status=args.status,
        message=message,
        assignee_id=named_id(api, AGENT, args.agent),
        team_id=named_id(api, TEAM, args.team),
    )


command = Command(__doc__, arguments, run, writes=True)

if __name__ == "__main__":
    command.exit()
