#!/usr/bin/env python3
# /// script
# requires-python = ">=3.9"
# dependencies = ["requests>=2.28,<3", "jinja2>=3.0,<4"]
# ///
"""List, create, change or delete the account's webhooks (administrators only).

Example:
  python3 scripts/webhooks.py --summary
  python3 scripts/webhooks.py --create https://hooks.example.com/chatwoot --events message_created,conversation_status_changed
  python3 scripts/webhooks.py --update 4 --events message_created
  python3 scripts/webhooks.py --delete 4 --yes
Prints {"payload": {"webhooks": [...]}} or {"payload": {"webhook": {...}}}; after --delete,
{"deleted": true, "webhook_id": 4}. Events are checked against Chatwoot 4.10's list (--force
sends others, for a newer server). A webhook receives the events of EVERY inbox of the account:
Chatwoot stores an inbox on it but does not filter by it. Chatwoot signs deliveries from 4.11.2 on
(a secret per webhook; verify_webhook.py checks them); older servers send no signature. A secret
in the answer is shown as "…" unless --show-secret.
"""

from __future__ import annotations

from chatwoot_cli import Command, positive_id
from chatwoot_client import UsageError
from chatwoot_listings import WEBHOOKS

# app/models/webhook.rb ALLOWED_WEBHOOK_EVENTS, Chatwoot 4.10.1
EVENTS = (
    "conversation_created",
    "conversation_status_changed",
    "conversation_updated",
    "conversation_typing_on",
    "conversation_typing_off",
    "contact_created",
    "contact_updated",
    "message_created",
    "message_updated",
    "webwidget_triggered",
    "inbox_created",
    "inbox_updated",
)


def arguments(parser):
    action = parser.add_mutually_exclusive_group()
    action.add_argument("--create", metavar="URL", help="create a webhook that posts to URL")
    action.add_argument("--update", type=positive_id, metavar="ID", help="change webhook ID")
    action.add_argument("--delete", type=positive_id, metavar="ID", help="delete webhook ID (with --yes)")
    parser.add_argument("--url", help="with --update: the new URL")
    parser.add_argument("--events", metavar="E[,E...]", help=f"the events it receives: {', '.join(EVENTS)}")
    parser.add_argument("--name", help="a name to recognise it by")
    parser.add_argument("--yes", action="store_true", help="confirm --delete")
    parser.add_argument("--force", action="store_true", help="send events Chatwoot 4.10 does not know (a newer server)")
    parser.add_argument("--show-secret", action="store_true", help="show a webhook's signing secret (Chatwoot 4.11.2+)")


def events_of(args) -> list | None:
    if args.events is None:
        return None
    events = [event.strip() for event in args.events.split(",") if event.strip()]
    unknown = [event for event in events if event not in EVENTS]
    if not events:
        raise UsageError(f"--events needs at least one of: {', '.join(EVENTS)}")
    if unknown and not args.force:
        raise UsageError(
            f"--events: {', '.join(unknown)} {'is' if len(unknown) == 1 else 'are'} not among Chatwoot 4.10's events: "
            f"{', '.join(EVENTS)} (--force sends it anyway, for a newer server)"
        )
    return list(dict.fromkeys(events))


def run(args, api):
    events = events_of(args)
    if args.url and not args.update:
        raise UsageError("--url goes with --update ID; to create a webhook use --create URL")
    if args.summary and (args.create or args.update or args.delete):
        raise UsageError("--summary goes with listing the webhooks, not with --create, --update or --delete")
    if args.delete:
        if not args.yes and not args.dry_run:
            raise UsageError(f"deleting webhook {args.delete} stops its deliveries; add --yes to confirm")
        api.send("DELETE", f"/webhooks/{args.delete}", empty_ok=True)
        return {"deleted": True, "webhook_id": args.delete}
    if args.create:
        if events is None:
            raise UsageError(f"--create needs --events (one or more of: {', '.join(EVENTS)})")
        answer = api.send("POST", "/webhooks", "webhook", url=args.create, name=args.name, subscriptions=events)
    elif args.update:
        if args.url is None and args.name is None and events is None:
            raise UsageError("--update ID needs --url, --name or --events to change")
        answer = api.send(
            "PATCH", f"/webhooks/{args.update}", "webhook", url=args.url, name=args.name, subscriptions=events
        )
    elif args.summary:
        return WEBHOOKS.query("/webhooks")  # no secret in a summary
    else:
        answer = api.get("/webhooks")
    return answer if args.show_secret else hide_secrets(answer)


def hide_secrets(document):
    if isinstance(document, dict):
        return {key: "…" if key == "secret" and value else hide_secrets(value) for key, value in document.items()}
    if isinstance(document, list):
        return [hide_secrets(item) for item in document]
    return document


command = Command(
    __doc__,
    arguments,
    run,
    writes=lambda args: bool(args.create or args.update or args.delete),
    listing=WEBHOOKS,
    admin_only=True,
)

if __name__ == "__main__":
    command.exit()
