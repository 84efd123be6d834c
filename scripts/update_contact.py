#!/usr/bin/env python3
# /// script
# requires-python = ">=3.9"
# dependencies = ["requests>=2.28,<3", "jinja2>=3.0,<4"]
# ///
"""Update a contact. Only the fields given change; attributes are merged by Chatwoot, not replaced.

Example:
  python3 scripts/update_contact.py 17 --name "Jane Smith" --custom-attr plan=enterprise --attr city=Munich
  python3 scripts/update_contact.py 17 --unset-custom-attr trial_ends
Prints {"payload": contact}. Chatwoot merges attributes on an update, so a key cannot be removed
that way: --unset-custom-attr removes custom attributes (a second request, after the update).
Additional attributes have no removal in Chatwoot's API.
"""

from chatwoot_cli import Command, positive_id
from chatwoot_client import UsageError
from chatwoot_contacts import add_contact_fields, contact_values


def arguments(parser):
    parser.add_argument("contact_id", type=positive_id, metavar="CONTACT_ID", help="the contact's id")
    add_contact_fields(parser, creating=False)
    parser.add_argument(
        "--unset-custom-attr",
        action="append",
        default=[],
        metavar="K",
        help="remove this custom attribute (repeatable)",
    )


def run(args, api):
    values = contact_values(args, api)
    unset = list(dict.fromkeys(key.strip() for key in args.unset_custom_attr))
    if not any(values.values()) and not unset:
        raise UsageError(
            "nothing to update; give at least one of --name, --email, --phone, --identifier, --attr, --custom-attr, "
            "--unset-custom-attr"
        )
    both = sorted(set(values["custom_attributes"]) & set(unset))
    if both:
        raise UsageError(f"custom attribute {both[0]!r} is both set and unset; give it once")
    if not all(unset):
        raise UsageError("--unset-custom-attr needs an attribute name")
    path = f"/contacts/{args.contact_id}"
    result = None
    if any(values.values()):
        then = f"remove the custom attributes {', '.join(unset)}" if unset else None
        result = api.send("PATCH", path, "contact", then=then, **values)
    if unset:
        result = api.send("POST", f"{path}/destroy_custom_attributes", "remove_custom_attributes", keys=unset)
    return result


command = Command(__doc__, arguments, run, writes=True)

if __name__ == "__main__":
    command.exit()
