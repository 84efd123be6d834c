#!/usr/bin/env python3
# /// script
# requires-python = ">=3.9"
# dependencies = ["requests>=2.28,<3", "jinja2>=3.0,<4"]
# ///
"""Find a contact by identifier, e-mail or phone (exact match), or create it. Safe to re-run.

Example:
  python3 scripts/find_or_create_contact.py --email jane@example.com --name "Jane Doe"
Looks for an exact match on --identifier, then --email (case-insensitive), then --phone, among
Chatwoot's search results; creates the contact only when none matches. Prints
{"created": false, "contact": {...}} or {"created": true, "contact": {...}}.
"""

from chatwoot_core import ApiError, UsageError, e164_phone, email_address, run_script

SEARCH_PAGES = 5  # 75 substring hits per key is plenty to find an exact one


def arguments(parser):
    add_contact_keys(parser)
    parser.add_argument("--name", help="name to give the contact if it has to be created")


def add_contact_keys(parser):
    parser.add_argument("--identifier", help="your own system's id for the customer (matched exactly)")
    parser.add_argument("--email", type=email_address, help="e-mail address (matched case-insensitively)")
    parser.add_argument("--phone", type=e164_phone, help="phone in E.164 form (matched exactly)")


def keys_of(args) -> list:
    """The (field, value) pairs to match on, in the order they are tried."""
    keys = [("identifier", args.identifier), ("email", args.email), ("phone_number", args.phone)]
    keys = [(field, value) for field, value in keys if value]
    if not keys:
        raise UsageError("give at least one of --identifier, --email or --phone to find the contact by")
    return keys


def find(api, keys):
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


def find_or_create(api, keys, name=None):
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
            name=name,
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
            if contact is not None:
                return False, contact
        raise
    return True, created["payload"]["contact"]


def run(args, api):
    created, contact = find_or_create(api, keys_of(args), args.name)
    return {"created": created, "contact": contact}


if __name__ == "__main__":
    run_script(__doc__, arguments, run, writes=True)
