#!/usr/bin/env python3
# /// script
# requires-python = ">=3.9"
# dependencies = ["requests>=2.28,<3", "jinja2>=3.0,<4"]
# ///
"""Update a contact. Only the fields given change; attributes are merged by Chatwoot, not replaced.

Example:
  python3 scripts/update_contact.py 17 --name "Jane Smith" --custom-attr plan=enterprise --attr city=Munich
Prints {"payload": contact}.
"""

from chatwoot_core import UsageError, attributes, e164_phone, email_address, key_value, positive_id, run_script


def arguments(parser):
    parser.add_argument("contact_id", type=positive_id, metavar="CONTACT_ID", help="the contact's id")
    parser.add_argument("--name", help="new full name")
    parser.add_argument("--email", type=email_address, help="new e-mail address")
    parser.add_argument("--phone", type=e164_phone, help="new phone in E.164 form, e.g. +4915112345678")
    parser.add_argument("--identifier", help="your own system's id for this customer")
    parser.add_argument(
        "--attr", type=key_value, action="append", metavar="K=V", help="additional attribute to set (repeatable)"
    )
    parser.add_argument(
        "--custom-attr", type=key_value, action="append", metavar="K=V", help="custom attribute to set (repeatable)"
    )


def run(args, api):
    values = {
        "name": args.name,
        "email": args.email,
        "phone_number": args.phone,
        "identifier": args.identifier,
        "additional_attributes": attributes(args.attr),
        "custom_attributes": attributes(args.custom_attr),
    }
    if not any(values.values()):
        raise UsageError(
            "nothing to update; give at least one of --name, --email, --phone, --identifier, --attr, --custom-attr"
        )
    return api.send("PATCH", f"/contacts/{args.contact_id}", "contact", inbox_id=None, **values)


if __name__ == "__main__":
    run_script(__doc__, arguments, run, writes=True)
