#!/usr/bin/env python3
# /// script
# requires-python = ">=3.9"
# dependencies = ["requests>=2.28,<3", "jinja2>=3.0,<4"]
# ///
"""Create a contact (optionally in an inbox, so a conversation can be opened with it).

Example:
  python3 scripts/create_contact.py --name "Jane Doe" --email jane@example.com \\
      --phone +4915112345678 --inbox-id 2 --attr company=Acme --custom-attr seats:=12
Prints {"payload": {"contact": {...}, "contact_inbox": {"inbox", "source_id"}}}.
"""

from chatwoot_core import attributes, e164_phone, email_address, key_value, positive_id, run_script


def arguments(parser):
    parser.add_argument("--name", required=True, help="the contact's full name")
    parser.add_argument("--email", type=email_address, help="e-mail address")
    parser.add_argument("--phone", type=e164_phone, help="phone in E.164 form, e.g. +4915112345678")
    parser.add_argument("--identifier", help="your own system's id for this customer")
    parser.add_argument("--inbox-id", type=positive_id, metavar="N", help="also add the contact to this inbox")
    parser.add_argument(
        "--attr", type=key_value, action="append", metavar="K=V", help="additional attribute (repeatable)"
    )
    parser.add_argument(
        "--custom-attr", type=key_value, action="append", metavar="K=V", help="custom attribute (repeatable)"
    )


def run(args, api):
    return api.send(
        "POST",
        "/contacts",
        "contact",
        name=args.name,
        email=args.email,
        phone_number=args.phone,
        identifier=args.identifier,
        inbox_id=args.inbox_id,
        additional_attributes=attributes(args.attr),
        custom_attributes=attributes(args.custom_attr),
    )


if __name__ == "__main__":
    run_script(__doc__, arguments, run, writes=True)
