#!/usr/bin/env python3
# /// script
# requires-python = ">=3.9"
# dependencies = ["requests>=2.28,<3", "jinja2>=3.0,<4"]
# ///
"""Read a contact's notes (the team's notes about the customer, newest first), or add one.

Example:
  python3 scripts/contact_notes.py 17 --summary
  python3 scripts/contact_notes.py 17 --add "Prefers e-mail; VAT id DE123456789"
  python3 scripts/contact_notes.py 17 --file - <<'TEXT'
  Called on 12 March: refund approved by finance.
  TEXT
Prints the notes [{"id", "content", "user", "created_at", ...}...], or the note added. Notes belong to
the contact, not to a conversation (a conversation's private note: add_note.py). Notes are not
rendered as Liquid: the text is stored as written, at most 20,000 characters.
"""

from chatwoot_cli import Command, add_text_arguments, positive_id
from chatwoot_client import UsageError
from chatwoot_listings import CONTACT_NOTES

NOTE_LIMIT = 20_000  # characters: a text column's generic limit in Chatwoot


def arguments(parser):
    parser.add_argument("contact_id", type=positive_id, metavar="CONTACT_ID", help="the contact's id")
    add_text_arguments(parser, "note", liquid=False, flag="--add", optional=True)


def run(args, api):
    path = f"/contacts/{args.contact_id}/notes"
    if args.text is None:
        return CONTACT_NOTES.query(path)
    if args.summary:
        raise UsageError("--summary goes with reading the notes, not with --add")
    if len(args.text) > NOTE_LIMIT:
        raise UsageError(f"the note is {len(args.text):,} characters; Chatwoot takes at most {NOTE_LIMIT:,}")
    return api.send("POST", path, "contact_note", content=args.text)


command = Command(
    __doc__, arguments, run, writes=lambda args: args.text is not None or args.file is not None, listing=CONTACT_NOTES
)

if __name__ == "__main__":
    command.exit()
