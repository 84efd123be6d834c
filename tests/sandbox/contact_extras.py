"""A contact's extras beyond the contact record: merging two contacts, and the contact notes."""

from __future__ import annotations

from typing import Any

from .helpers import _EMPTY, BASE_TIME, _blank, _Ctx, _Fail, _int_or_none, _not_found, _server_error, _string_column
from .views import Views

NOTE_MAX = 20_000  # a text column: ApplicationRecord's generic length validation
_MERGED_KEYS = ("identifier", "name", "email", "phone_number", "additional_attributes", "custom_attributes")
_NOTE_ATTRIBUTES = ("id", "content", "account_id", "contact_id", "user_id", "created_at", "updated_at")

# contact id, author (user id), days before BASE_TIME, content
_SEED_NOTES: list[tuple[int, int, float, str]] = [
    (1, 2, 40, "Prefers email over phone; based in Berlin (CET)."),
    (1, 1, 5, "Asked about annual billing for next year; follow up in March."),
    (2, 1, 30, "Enterprise account, 25 seats. José decides on renewals."),
    (5, 2, 12, "Churn risk after the price change; offered 15% off the yearly plan."),
    (10, 3, 3, "VIP: escalate any outage report to tier-2 immediately."),
]


def _deep_merge(base: dict, other: dict) -> dict:
    """Hash#deep_merge: ``other`` wins key by key; two hashes under the same key are merged in turn."""
    out = dict(base)
    for key, value in other.items():
        if isinstance(out.get(key), dict) and isinstance(value, dict):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = value
    return out


class ContactExtraRoutes(Views):
    """Handlers for /actions/contact_merge and /contacts/:id/notes..."""

    def _seed_notes(self) -> None:
        self.notes: dict[int, dict[str, Any]] = {}
        for contact_id, user_id, days, content in _SEED_NOTES:
            at = float(BASE_TIME - int(days * 86400))
            note_id = self._next_id("note")
            self.notes[note_id] = {
                "id": note_id,
                "account_id": 1,
                "contact_id": contact_id,
                "user_id": user_id,
                "content": content,
                "created_at": at,
                "updated_at": at,
            }

    # ------------------------------------------------------------------ POST /actions/contact_merge

    def _contact_merge(self, ctx: _Ctx) -> Any:
        """ContactMergeAction: the mergee's conversations, messages, contact inboxes and notes go to the base;
        the attributes merge with the base winning key by key; the mergee is destroyed (its labels and its CSAT
        responses with it). Any member may merge (no policy). The answer is the base contact, unwrapped."""
        base = self._find_contact(ctx, ctx.params.get("base_contact_id"))
        mergee = self._find_contact(ctx, ctx.params.get("mergee_contact_id"))
        if base["id"] != mergee["id"]:
            base_id, mergee_id = base["id"], mergee["id"]
            for conv in self.conversations.values():
                if conv["contact_id"] == mergee_id:
                    conv["contact_id"] = base_id
                    conv["muted"] = base["blocked"]  # muted? is contact.blocked?
            for message in self.messages.values():
                if message["sender_type"] == "Contact" and message["sender_id"] == mergee_id:
                    message["sender_id"] = base_id
            self._move_contact_inboxes(mergee_id, base_id)
            for note in self.notes.values():
                if note["contact_id"] == mergee_id:
                    note["contact_id"] = base_id
            merged = _deep_merge(
                {k: mergee[k] for k in _MERGED_KEYS if not _blank(mergee[k])},
                {k: base[k] for k in _MERGED_KEYS if not _blank(base[k])},
            )
            del self.contacts[mergee_id]  # destroy!: the taggings go with it; the CSAT rows by destroy_async
            for response_id in [r for r, row in self.csat_responses.items() if row["contact_id"] == mergee_id]:
                del self.csat_responses[response_id]
            if merged.get("email"):
                merged["email"] = merged["email"].lower()
            base.update(merged)
        return self._contact_json(base)

    def _move_contact_inboxes(self, from_id: int, to_id: int) -> None:
        moved = self._ci_by_contact.pop(from_id, [])
        for ci_id in moved:
            self.contact_inboxes[ci_id]["contact_id"] = to_id
        self._ci_by_contact.setdefault(to_id, []).extend(moved)

    # ------------------------------------------------------------------ /contacts/:id/notes

    def _note_json(self, note: dict) -> dict[str, Any]:
        """``_note.json.jbuilder``: ``json.account_id json.account_id`` writes null, and so for contact_id."""
        out: dict[str, Any] = {"id": note["id"], "content": note["content"], "account_id": None, "contact_id": None}
        user = self.users.get(note["user_id"]) if note["user_id"] is not None else None
        if user is not None:
            out["user"] = self._agent_json(user)
        out["created_at"] = int(note["created_at"])
        out["updated_at"] = int(note["updated_at"])
        return out

    def _find_note(self, ctx: _Ctx, contact: dict, raw_id: Any) -> dict[str, Any]:
        note = self.notes.get(_int_or_none(raw_id))  # type: ignore[arg-type]
        if note is None or note["contact_id"] != contact["id"]:
            raise _not_found()
        return note

    def _note_params(self, ctx: _Ctx) -> dict[str, Any]:
        """``params.require(:note).permit(:content)``; a flat JSON body is wrapped under ``note``."""
        params = ctx.params
        if "note" in params:
            note = params["note"]
        else:  # wrap_parameters: the body's keys that are Note attributes
            note = {k: params[k] for k in _NOTE_ATTRIBUTES if k in params}
        if _blank(note):
            raise _Fail(422, {"error": "param is missing or the value is empty: note"})
        if not isinstance(note, dict):
            raise _server_error()  # "text".permit
        if "content" in note and not isinstance(note["content"], (dict, list)):
            return {"content": _string_column(note["content"])}
        return {}

    @staticmethod
    def _note_errors(content: str | None) -> dict[str, Any] | None:
        messages = []
        if content is not None and len(content) > NOTE_MAX:
            messages.append(f"Content is too long (maximum is {NOTE_MAX} characters)")
        if _blank(content):
            messages.append("Content can't be blank")
        return {"message": ", ".join(messages), "attributes": ["content"]} if messages else None

    def _notes_index(self, ctx: _Ctx, id: str) -> Any:
        contact = self._find_contact(ctx, id)
        notes = [n for n in self.notes.values() if n["contact_id"] == contact["id"]]
        notes.sort(key=lambda n: (n["created_at"], n["id"]), reverse=True)  # latest: created_at DESC
        return [self._note_json(n) for n in notes]

    def _notes_show(self, ctx: _Ctx, id: str, note_id: str) -> Any:
        contact = self._find_contact(ctx, id)
        return self._note_json(self._find_note(ctx, contact, note_id))

    def _notes_create(self, ctx: _Ctx, id: str) -> Any:
        contact = self._find_contact(ctx, id)
        content = self._note_params(ctx).get("content")
        errors = self._note_errors(content)
        if errors:
            raise _Fail(422, errors)
        now = self._now()
        note = {
            "id": self._next_id("note"),
            "account_id": contact["account_id"],
            "contact_id": contact["id"],
            "user_id": ctx.user["id"],
            "content": content,
            "created_at": now,
            "updated_at": now,
        }
        self.notes[note["id"]] = note
        return self._note_json(note)

    def _notes_update(self, ctx: _Ctx, id: str, note_id: str) -> Any:
        """Non-bang ``update`` of content and user_id (the editor becomes the author): when invalid, nothing is
        saved and the answer is the unsaved note, 200 all the same."""
        contact = self._find_contact(ctx, id)
        note = self._find_note(ctx, contact, note_id)
        changes = {**self._note_params(ctx), "user_id": ctx.user["id"]}
        candidate = {**note, **changes}
        if self._note_errors(candidate["content"]) is None:
            if any(note[k] != v for k, v in changes.items()):  # an update without changes touches nothing
                note.update(changes)
                note["updated_at"] = self._now()
            candidate = note
        return self._note_json(candidate)

    def _notes_destroy(self, ctx: _Ctx, id: str, note_id: str) -> Any:
        contact = self._find_contact(ctx, id)
        del self.notes[self._find_note(ctx, contact, note_id)["id"]]
        return _EMPTY
