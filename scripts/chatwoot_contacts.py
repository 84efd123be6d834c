"""Contacts as several scripts share them: the contact flags, and finding a contact by an exact
identifier, e-mail or phone (or creating it) the same way every time."""

from __future__ import annotations

import argparse
import os

from chatwoot_cli import Parser, attributes, e164_phone, email_address, key_value
from chatwoot_client import Api, ApiError, UsageError
from chatwoot_names import INBOX, add_named, named_id

SEARCH_PAGES = 5  # 75 substring hits per key is plenty to find an exact one
# The inbox types in which Chatwoot can open a conversation without a source id: it makes the
# contact's inbox link itself (app/builders/contact_inbox_builder.rb; Voice in Enterprise).
OPENABLE_CHANNELS = (
    "Channel::Api",
    "Channel::WebWidget",
    "Channel::Email",
    "Channel::Sms",
    "Channel::Whatsapp",
    "Channel::TwilioSms",
    "Channel::Voice",
)


def add_contact_keys(parser: Parser, *, matching: bool = True) -> None:
    """--identifier, --email, --phone: what identifies a customer (and what a search matches on)."""
    exactly, any_case = (" (matched exactly)", " (matched in any case)") if matching else ("", "")
    parser.add_argument("--identifier", help=f"your own system's id for the customer{exactly}")
    parser.add_argument("--email", type=email_address, help=f"e-mail address{any_case}")
    parser.add_argument("--phone", type=e164_phone, help=f"phone in E.164 form, e.g. +4915112345678{exactly}")


def add_contact_fields(parser: Parser, *, creating: bool) -> None:
    """The flags of a contact's fields, for create_contact.py and update_contact.py."""
    parser.add_argument("--name", required=creating, help="the contact's full name")
    add_contact_keys(parser, matching=False)
    if creating:
        add_named(parser, INBOX, "--inbox", "--inbox-id", help="also add the contact to this inbox")
    what = "to set (repeatable; Chatwoot merges it into the others)"
    parser.add_argument("--attr", type=key_value, action="append", metavar="K=V", help=f"additional attribute {what}")
    parser.add_argument(
        "--custom-attr", type=key_value, action="append", metavar="K=V", help=f"custom attribute {what}"
    )


def contact_values(args: argparse.Namespace, api: Api) -> dict:
    """The values of templates/contact.json.j2 from the contact flags; None leaves a field out."""
    return {
        "name": args.name,
        "email": args.email,
        "phone_number": args.phone,
        "identifier": args.identifier,
        "inbox_id": named_id(api, INBOX, getattr(args, "inbox", None)),
        "additional_attributes": attributes(args.attr),
        "custom_attributes": attributes(args.custom_attr),
    }


def keys_of(args: argparse.Namespace) -> list:
    """The (field, value) pairs to match on, in the order they are tried."""
    keys = [("identifier", args.identifier), ("email", args.email), ("phone_number", args.phone)]
    keys = [(field, value) for field, value in keys if value]
    if not keys:
        raise UsageError("give at least one of --identifier, --email or --phone to find the contact by")
    return keys


def find(api: Api, keys: list):
    """The first contact whose field equals the value exactly, trying each key in turn."""
    for field, value in keys:
        for page in range(1, SEARCH_PAGES + 1):
            found = api.get("/contacts/search", {"q": value, "page": page})
            for contact in found.get("payload") or []:
                theirs = contact.get(field) or ""
                if theirs == value or (field == "email" and theirs.lower() == value.lower()):
                    return contact
            if not (found.get("meta") or {}).get("has_more"):
                break
    return None


def find_or_create(api: Api, keys: list, name: str | None = None, then: str | None = None) -> tuple[bool, dict]:
    """(created, contact); a create that loses a race ("already taken") ends in the existing one."""
    contact = find(api, keys)
    if contact is not None:
        return False, contact
    values = dict(keys)
    try:
        created = api.send(
            "POST",
            "/contacts",
            "contact",
            then=then,
            name=default_name(name, keys),
            email=values.get("email"),
            phone_number=values.get("phone_number"),
            identifier=values.get("identifier"),
            inbox_id=None,
            additional_attributes={},
            custom_attributes={},
        )
    except ApiError as problem:
        if problem.status == 422 and "taken" in problem.message:
            contact = find(api, keys)
            if contact is not None:  # another client created it meanwhile: the body is not needed
                if problem.request_file:
                    os.unlink(problem.request_file)
                return False, contact
        raise
    return True, created["payload"]["contact"]


def default_name(name: str | None, keys: list) -> str | None:
    """A contact is never created nameless: its e-mail's local part, or its phone, or identifier."""
    if name:
        return name
    values = dict(keys)
    email = values.get("email")
    return email.split("@")[0] if email else values.get("phone_number") or values.get("identifier")


def create_conversation(api: Api, inbox_id: int, contact_id: int, *, then: str | None = None, **values) -> dict:
    """POST /conversations. A 404 says whether the inbox or the contact is unknown; Chatwoot's 500
    for an inbox type it cannot open conversations in without a source id says so (and, as that
    500 comes before anything is created and would come again, not to check or resend)."""
    probes = [(f"/inboxes/{inbox_id}", f"inbox {inbox_id}"), (f"/contacts/{contact_id}", f"contact {contact_id}")]
    try:
        return api.send(
            "POST",
            "/conversations",
            "create_conversation",
            then=then,
            probes=probes,
            inbox_id=inbox_id,
            contact_id=contact_id,
            **{"source_id": None, "status": None, "message": None, "assignee_id": None, "team_id": None, **values},
        )
    except ApiError as problem:
        if problem.status == 500 and not values.get("source_id"):
            channel = INBOX.by_id(api, inbox_id).get("channel_type")
            if channel and channel not in OPENABLE_CHANNELS:
                problem.set_hint(
                    f"inbox {inbox_id} is a {channel} inbox, where Chatwoot cannot open a conversation by "
                    "itself: give --source-id (the contact's id on that channel), or use an API, website, e-mail, "
                    "SMS or WhatsApp inbox"
                )
                problem.lines = [
                    line
                    for line in problem.lines
                    if not line.startswith(("it may have reached Chatwoot", "resend with: "))
                ]
        raise
