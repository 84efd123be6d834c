"""The contact endpoints: list, search, filter, create, show, update, delete, a contact's conversations and labels."""

from __future__ import annotations

import re
import unicodedata
from typing import Any, Callable, ClassVar

from .filtering import Filtering
from .helpers import (
    _EMPTY,
    _blank,
    _clean_labels,
    _Ctx,
    _Fail,
    _is_resolved,
    _list_param,
    _page,
    _server_error,
    _truthy,
    _unauthorized,
)
from .store import SourceIdTaken
from .views import Views

CONTACTS_PER_PAGE = 15
CONTACT_CONVERSATIONS_LIMIT = 20

_EMAIL_RE = re.compile(r"\A[^@\s]+@[^@\s]+\Z")  # Devise.email_regexp
_PHONE_RE = re.compile(r"\+[1-9]\d{1,14}\Z")  # anchored at the end only, like Chatwoot's

_FOLD = str.maketrans({"ł": "l", "Ł": "l", "ø": "o", "Ø": "o", "đ": "d", "Đ": "d", "ß": "ss", "æ": "ae", "Æ": "ae"})


def _collate(text: str) -> str:
    """An approximation of an en_US collation: accents and case do not decide the order."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_FOLD))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


class ContactRoutes(Views, Filtering):
    """Handlers for /api/v1/accounts/:account/contacts..."""

    @staticmethod
    def _current_page(params: dict) -> Any:
        return params["page"] if "page" in params else 1

    def _account_contacts(self, ctx: _Ctx) -> list[dict[str, Any]]:
        return [c for c in self.contacts.values() if c["account_id"] == ctx.account_id]

    def _with_inboxes(self, ctx: _Ctx) -> bool:
        """set_include_contact_inboxes: true unless the param is present and not exactly "true"."""
        value = ctx.params.get("include_contact_inboxes")
        return _blank(value) or value == "true"

    # sort key -> (value, NULLS LAST whatever the direction); contacts_controller.rb sort_on / contact.rb scopes
    _CONTACT_SORTS: ClassVar[dict[str, tuple[Callable[[dict], Any], bool]]] = {
        "name": (lambda c: c["name"], False),  # CASE ... ELSE LOWER(name) END: no NULLS clause
        "email": (lambda c: c["email"], False),  # plain ORDER BY: NULLs last ascending, first descending
        "phone_number": (lambda c: c["phone_number"], False),
        "last_activity_at": (lambda c: c["last_activity_at"], True),
        "created_at": (lambda c: c["created_at"], True),
        "company": (lambda c: c["additional_attributes"].get("company_name"), True),
        "city": (lambda c: c["additional_attributes"].get("city"), True),
        "country": (lambda c: c["additional_attributes"].get("country"), True),
    }

    def _sort_contacts(self, rows: list[dict], sort: Any) -> list[dict]:
        """Sift's ``sort`` (``-name,created_at``). Without it Postgres gives no order: the rows come in a
        new random order each request (``self.contact_order``), and ties of a sort stay in that order."""
        rows = list(rows)
        self.contact_order.shuffle(rows)
        if not isinstance(sort, str):
            return rows
        for spec in reversed([s.strip() for s in sort.split(",") if s.strip()]):
            descending = spec.startswith("-")
            known = self._CONTACT_SORTS.get(spec.lstrip("-"))
            if known is None:
                continue
            getter, nulls_last = known
            present = [r for r in rows if getter(r) is not None]
            missing = [r for r in rows if getter(r) is None]

            def key(row: dict, getter: Callable = getter) -> Any:
                value = getter(row)
                return value if isinstance(value, (int, float)) else _collate(str(value))

            present.sort(key=key, reverse=descending)  # stable: ties keep the random order
            rows = present + missing if nulls_last or not descending else missing + present
        return rows

    def _contacts_page(self, ctx: _Ctx, rows: list[dict]) -> Any:
        """The page ``page`` of ``rows``, with their count (the index and filter envelope)."""
        page = _page(ctx.params.get("page"))
        chunk = rows[(page - 1) * CONTACTS_PER_PAGE : page * CONTACTS_PER_PAGE]
        with_inboxes = self._with_inboxes(ctx)
        return {
            "meta": {"count": len(rows), "current_page": self._current_page(ctx.params)},
            "payload": [self._contact_json(c, with_inboxes=with_inboxes) for c in chunk],
        }

    def _contacts_index(self, ctx: _Ctx) -> Any:
        rows = [c for c in self._account_contacts(ctx) if _is_resolved(c)]
        labels = _list_param(ctx.params.get("labels"))
        if labels:
            rows = [c for c in rows if set(c["labels"]) & set(labels)]
        rows = self._sort_contacts(rows, ctx.params.get("sort"))
        return self._contacts_page(ctx, rows)

    def _contacts_search(self, ctx: _Ctx) -> Any:
        q = ctx.params.get("q")
        q = q.strip() if isinstance(q, str) else ("" if q is None else str(q))
        if not q:  # the controller's `render ... if q.blank? && return` never renders the 422
            return {
                "meta": {"count": None, "current_page": self._current_page(ctx.params), "has_more": None},
                "payload": [],
            }
        needle = q.lower()

        def matches(c: dict) -> bool:
            return any(needle in (c[k] or "").lower() for k in ("name", "email", "phone_number")) or (
                q in (c["identifier"] or "")
            )

        rows = self._sort_contacts([c for c in self._account_contacts(ctx) if matches(c)], ctx.params.get("sort"))
        page = _page(ctx.params.get("page"))
        window = rows[(page - 1) * CONTACTS_PER_PAGE : page * CONTACTS_PER_PAGE + 1]
        chunk = window[:CONTACTS_PER_PAGE]
        with_inboxes = self._with_inboxes(ctx)
        return {
            "meta": {
                "count": len(chunk),
                "current_page": self._current_page(ctx.params),
                "has_more": len(window) > CONTACTS_PER_PAGE,
            },
            "payload": [self._contact_json(c, with_inboxes=with_inboxes) for c in chunk],
        }

    def _contact_input(self, params: dict) -> dict[str, Any]:
        data: dict[str, Any] = {}
        for key in ("name", "email", "phone_number", "identifier"):
            if key in params:
                value = params[key]
                value = "" if value is None else str(value)
                if key == "name":
                    data[key] = value
                else:
                    data[key] = (value.lower() if key == "email" else value) if value.strip() else None
        if "blocked" in params:
            data["blocked"] = _truthy(params["blocked"])
        for key in ("additional_attributes", "custom_attributes"):
            if isinstance(params.get(key), dict):
                data[key] = params[key]
        return data

    def _validate_contact(self, account_id: int, data: dict, exclude_id: int | None = None) -> None:
        errors: list[tuple[str, str]] = []
        others = [c for c in self.contacts.values() if c["account_id"] == account_id and c["id"] != exclude_id]
        email, identifier, phone, name = data["email"], data["identifier"], data["phone_number"], data["name"]
        if email is not None:
            if any((c["email"] or "").lower() == email.lower() for c in others):
                errors.append(("email", "Email has already been taken"))
            if not _EMAIL_RE.match(email):
                errors.append(("email", "Email Invalid email"))
            if len(email) > 255:
                errors.append(("email", "Email is too long (maximum is 255 characters)"))
        if identifier is not None:
            if any(c["identifier"] == identifier for c in others):
                errors.append(("identifier", "Identifier has already been taken"))
            if len(identifier) > 255:
                errors.append(("identifier", "Identifier is too long (maximum is 255 characters)"))
        if phone is not None:
            if any(c["phone_number"] == phone for c in others):
                errors.append(("phone_number", "Phone number has already been taken"))
            if not _PHONE_RE.search(phone):
                errors.append(("phone_number", "Phone number should be in e164 format"))
        if name is not None and len(name) > 255:
            errors.append(("name", "Name is too long (maximum is 255 characters)"))
        if errors:
            attributes = list(dict.fromkeys(attr for attr, _ in errors))
            raise _Fail(422, {"message": ", ".join(m for _, m in errors), "attributes": attributes})

    def _contacts_create(self, ctx: _Ctx) -> Any:
        data = self._contact_input(ctx.params)
        contact = {
            "id": 0,
            "account_id": ctx.account_id,
            "name": data.get("name") or "",
            "email": data.get("email"),
            "phone_number": data.get("phone_number"),
            "identifier": data.get("identifier"),
            "blocked": data.get("blocked", False),
            "additional_attributes": dict(data.get("additional_attributes") or {}),
            "custom_attributes": dict(data.get("custom_attributes") or {}),
            "availability_status": "offline",
            "last_activity_at": None,
            "created_at": int(self._now()),
            "labels": [],
        }
        self._validate_contact(ctx.account_id, contact)  # type: ignore[arg-type]
        inbox = None
        if not _blank(ctx.params.get("inbox_id")):
            inbox = self._find_inbox(ctx, ctx.params["inbox_id"])  # 404 rolls the contact back
        contact["id"] = self._next_id("contact")
        self.contacts[contact["id"]] = contact
        ci = None
        if inbox is not None:  # ContactInboxBuilder, in the same transaction: its errors roll the contact back
            try:
                ci = self._contact_inbox(contact, inbox, ctx.params.get("source_id"))
            except (_Fail, SourceIdTaken) as error:
                del self.contacts[contact["id"]]
                self._ci_by_contact.pop(contact["id"], None)
                if isinstance(error, SourceIdTaken):
                    raise _server_error() from None  # RecordNotUnique is not rescued here
                raise
        return {
            "payload": {
                "contact": self._contact_json(contact, with_inboxes=True),
                "contact_inbox": {
                    "inbox": self._inbox_raw(inbox) if inbox else None,
                    "source_id": ci["source_id"] if ci else None,
                },
            }
        }

    def _contacts_show(self, ctx: _Ctx, id: str) -> Any:
        contact = self._find_contact(ctx, id)
        return {"payload": self._contact_json(contact, with_inboxes=self._with_inboxes(ctx))}

    def _contacts_update(self, ctx: _Ctx, id: str) -> Any:
        contact = self._find_contact(ctx, id)
        data = self._contact_input(ctx.params)
        candidate = {**contact}
        for key in ("name", "email", "phone_number", "identifier", "blocked"):
            if key in data:
                candidate[key] = data[key]
        candidate["additional_attributes"] = {
            **contact["additional_attributes"],
            **data.get("additional_attributes", {}),
        }
        candidate["custom_attributes"] = {**contact["custom_attributes"], **data.get("custom_attributes", {})}
        self._validate_contact(ctx.account_id, candidate, exclude_id=contact["id"])  # type: ignore[arg-type]
        contact.update(candidate)
        return {"payload": self._contact_json(contact, with_inboxes=self._with_inboxes(ctx))}

    def _contacts_destroy(self, ctx: _Ctx, id: str) -> Any:
        if not self._is_admin(ctx.user):  # the policy runs before the lookup
            raise _unauthorized("You are not authorized to do this action")
        contact = self._find_contact(ctx, id)
        if contact["availability_status"] == "online":
            name = contact["name"] or ""
            raise _Fail(422, {"message": f"{name[:1].upper()}{name[1:].lower()} is Online, please try again later"})
        for display_id in [d for d, c in self.conversations.items() if c["contact_id"] == contact["id"]]:
            for message_id in self.conversations.pop(display_id)["message_ids"]:
                self.messages.pop(message_id, None)
        for ci_id in self._ci_by_contact.pop(contact["id"], []):
            del self.contact_inboxes[ci_id]
        del self.contacts[contact["id"]]
        return _EMPTY

    def _contacts_destroy_custom_attributes(self, ctx: _Ctx, id: str) -> Any:
        """contacts_controller.rb#destroy_custom_attributes: ``custom_attributes.excluding(keys)``."""
        contact = self._find_contact(ctx, id)
        keys = ctx.params.get("custom_attributes")
        keys = keys if isinstance(keys, list) else [keys]
        contact["custom_attributes"] = {k: v for k, v in contact["custom_attributes"].items() if k not in keys}
        return {"payload": self._contact_json(contact, with_inboxes=True)}

    def _contact_conversations(self, ctx: _Ctx, id: str) -> Any:
        """contacts/conversations_controller.rb: every status, PermissionFilterService, the 20 last active."""
        contact = self._find_contact(ctx, id)
        rows = [
            c
            for c in self.conversations.values()
            if c["contact_id"] == contact["id"] and c["account_id"] == ctx.account_id and self._listable(ctx.user, c)
        ]
        rows.sort(key=lambda c: (c["last_activity_at"], c["id"]), reverse=True)
        return {"payload": [self._conversation_json(c, ctx.user) for c in rows[:CONTACT_CONVERSATIONS_LIMIT]]}

    def _contact_labels(self, ctx: _Ctx, id: str) -> Any:
        return {"payload": list(self._find_contact(ctx, id)["labels"])}

    def _contact_labels_update(self, ctx: _Ctx, id: str) -> Any:
        contact = self._find_contact(ctx, id)
        contact["labels"] = _clean_labels(ctx.params.get("labels"))
        return {"payload": list(contact["labels"])}

    def _contacts_filter(self, ctx: _Ctx) -> Any:
        rows = [c for c in self._account_contacts(ctx) if _is_resolved(c)]
        predicate = self._compile_filter(ctx.params.get("payload"), "contact", rows)
        rows = self._sort_contacts([c for c in rows if predicate(c)], ctx.params.get("sort"))
        return self._contacts_page(ctx, rows)
