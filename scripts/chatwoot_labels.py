"""Labels kept whole: Chatwoot replaces a conversation's or a contact's label list on every write,
so a change reads the list, merges, and sends the whole new list (or nothing, if nothing changes)."""

from __future__ import annotations

import argparse

from chatwoot_cli import Parser, warn
from chatwoot_client import Api, ApiError, UsageError
from chatwoot_names import LABEL


def _label(text: str) -> str:
    if not text.strip() or "," in text:
        raise argparse.ArgumentTypeError(f"expected a label (not empty, no commas), got {text!r}")
    return text.strip()


def add_label_arguments(parser: Parser) -> None:
    parser.add_argument("--add", type=_label, action="append", default=[], metavar="L", help="add a label (repeatable)")
    parser.add_argument(
        "--remove", type=_label, action="append", default=[], metavar="L", help="remove a label (repeatable)"
    )


def warn_of_undefined(added: list, api: Api) -> None:
    """Chatwoot stores any label, but its UI shows only the account's defined ones: say so of a
    label about to be added that is not defined (read once per run)."""
    if not added:
        return
    defined = {row.get("title") for row in LABEL.rows(api)}
    for name in added:
        if name not in defined:
            warn(
                f"warning: {name!r} is not one of the account's labels (Settings → Labels): Chatwoot stores it, "
                "but its UI shows only defined labels"
            )


def changes_labels(args: argparse.Namespace) -> bool:
    return bool(args.add or args.remove)


def change_labels(api: Api, path: str, owner: str, add: list, remove: list, then: str | None = None,
                  preview_also: dict | None = None) -> dict:  # fmt: skip
    """Read the labels at `path`, add and remove, and send the whole list when it changed.
    Returns Chatwoot's {"payload": [labels]} (the read, when nothing had to change)."""
    both = sorted(set(add) & set(remove))
    if both:
        raise UsageError(f"label {both[0]!r} is both added and removed; give it once")
    current = api.get(path)
    if not (add or remove):
        return current
    existing = current.get("payload") if isinstance(current, dict) else None
    if not isinstance(existing, list):  # sending a list built on nothing would wipe the labels
        raise ApiError(None, f"Chatwoot's answer to GET {path} holds no label list; nothing was changed")
    for name in remove:
        if name not in existing:
            warn(f"warning: {owner} has no label {name!r}")
    labels = [name for name in existing if name not in remove]
    labels += [name for name in dict.fromkeys(add) if name not in labels]
    if labels == existing:
        warn(f"the labels of {owner} already are as asked; nothing was sent")
        return current
    warn_of_undefined([name for name in labels if name not in existing], api)
    return api.send("POST", path, "labels", then=then, preview_also=preview_also, labels=labels)
