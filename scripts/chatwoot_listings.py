"""The shapes of Chatwoot's list answers: where each list keeps its items, how a walk over its
pages knows it has reached the end, and the compact --summary form of each kind of item.

Standard library only; it sees documents, never the network or the command line.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any, Callable


class Listing:
    """How one list endpoint answers.

    `items_at` holds the keys from the body down to the item list (() for a bare array).
    `page_size` is Chatwoot's nominal page size (None: the endpoint is not paged).
    `total(document, params)` gives Chatwoot's count of every matching item when it says one.
    `has_more` is for contact search, whose meta says has_more instead of a total.
    `sort` is the order asked for when the caller names none: Chatwoot's contact queries have no
    order of their own (no ORDER BY without `sort`), so unsorted pages would skip and repeat.
    """

    def __init__(self, items_at: tuple, summary: Callable[[dict], dict], *, page_size: int | None = None,
                 total: Callable[[dict, dict], Any] | None = None, has_more: bool = False,
                 sort: str | None = None):  # fmt: skip
        self.items_at = items_at
        self.summary = summary
        self.shows = SHOWS[summary]  # the --summary form, as --help describes it
        self.page_size = page_size
        self.total = total
        self.has_more = has_more
        self.sort = sort

    def query(self, path: str, params: dict | None = None, *, template: str | None = None,
              keep: Callable[[dict], bool] | None = None, summary: Callable[[dict], dict] | None = None,
              **values: Any) -> Query:  # fmt: skip
        """What a list script asks for; the command line fetches it (one page, or --all). `keep`
        drops items Chatwoot cannot leave out itself; `summary` replaces the listing's own."""
        params = dict(params or {})
        if self.sort and not params.get("sort"):
            params["sort"] = self.sort
        return Query(self, path, params, template, values, keep, summary)

    def items(self, document: Any) -> list:
        for key in self.items_at:
            document = document.get(key) if isinstance(document, dict) else None
        return document if isinstance(document, list) else []

    def meta(self, document: Any) -> dict:
        """The meta beside the items (the conversation list nests both under "data")."""
        for key in self.items_at[:-1]:
            document = document.get(key) if isinstance(document, dict) else None
        meta = document.get("meta") if isinstance(document, dict) else None
        return meta if isinstance(meta, dict) else {}

    def count(self, document: Any, params: dict) -> int | None:
        if self.total is None:
            return None
        value = self.total(self.meta(document), params)
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    def more_after(self, document: Any, page: int, params: dict) -> bool:
        """Whether a page after this one holds anything (for the 'more on the next page' hint)."""
        items = self.items(document)
        if self.page_size is None or not items:
            return False
        if self.has_more:
            return bool(self.meta(document).get("has_more"))
        total = self.count(document, params)
        if total is not None:
            # The pages before this one held at least as many items (the server's page size may
            # differ from the nominal one), so none follow when the total is already reached;
            # otherwise more follow unless this is the short last page at the nominal size.
            if total <= page * len(items):
                return False
            return not (len(items) <= self.page_size and total == (page - 1) * self.page_size + len(items))
        return len(items) >= self.page_size  # no total: a full page may have a successor

    def walk(self, pages, params: dict, before_page: Callable[[int, int], None] | None = None) -> Walk:
        return Walk(self, pages, params, before_page)

    def merge(self, first: Any, items: list[str]) -> list[str]:
        """The first page's envelope holding every page's items (given as JSON text), as pieces
        of text that join into exactly what json.dumps would print for the merged document."""
        commas = [", "] * (len(items) - 1)
        listed = ["[", *(piece for pair in zip(items, [*commas, ""]) for piece in pair), "]"]
        if not self.items_at:  # a bare array (CSAT answers): no envelope
            return [*listed, "\n"]
        holder = first
        for key in self.items_at[:-1]:
            holder = holder[key]
        holder[self.items_at[-1]] = _ITEMS_GO_HERE
        meta = holder.get("meta") if isinstance(holder, dict) else None
        if self.has_more and isinstance(meta, dict):
            meta["count"] = len(items)
            meta["has_more"] = False
        before, _, after = _to_json(first).rpartition(_to_json(_ITEMS_GO_HERE))  # the items are last
        return [before, *listed, after, "\n"]


class Query:
    """A list to fetch: which listing, its path and parameters, and for the filters (POSTs that
    only read) the template and values of its body."""

    def __init__(self, listing: Listing, path: str, params: dict, template: str | None, values: dict,
                 keep: Callable[[dict], bool] | None = None, summary: Callable[[dict], dict] | None = None):  # fmt: skip
        self.listing = listing
        self.path = path
        self.params = params
        self.template = template
        self.values = values
        self.keep = keep
        self.summary = summary or listing.summary

    def kept(self, items: list) -> list:
        return [item for item in items if self.keep(item)] if self.keep else items

    def summarize(self, items: list) -> list:
        return [self.summary(item) for item in self.kept(items)]

    def trimmed(self, document: Any) -> Any:
        """The document with only the kept items (as it is, when nothing is dropped)."""
        if not self.keep:
            return document
        holder = document
        for key in self.listing.items_at[:-1]:
            holder = holder[key]
        holder[self.listing.items_at[-1]] = self.kept(self.listing.items(document))
        return document


class Walk:
    """Every page of a list until Chatwoot says the end is reached, de-duplicated by id: iterate
    for (document, fresh items). It stops on has_more: false, on the total Chatwoot counted, or
    on an empty page; never on a short one (the conversation page size is a server setting)."""

    def __init__(self, listing: Listing, pages, params: dict, before_page: Callable[[int, int], None] | None):
        self.listing = listing
        self.pages = pages
        self.params = params
        self.before_page = before_page  # told (next page number, items so far) before each further page
        self.collected = 0
        self.total: int | None = None  # Chatwoot's count, as last said
        self.page = 0

    def __iter__(self):
        seen: set = set()
        try:
            for page, document in self.pages:
                self.page = page
                items = self.listing.items(document)
                fresh = [item for item in items if identity(item) not in seen]
                seen.update(identity(item) for item in fresh)
                self.collected += len(fresh)
                self.total = self.listing.count(document, self.params)
                yield document, fresh
                if not fresh:  # an empty page, or one that repeats what was seen: the end
                    return
                if self.listing.has_more and not self.listing.meta(document).get("has_more"):
                    return
                if self.listing.page_size is None or (self.total is not None and self.collected >= self.total):
                    return
                if self.before_page:
                    self.before_page(self.page + 1, self.collected)
        finally:
            self.pages.close()

    @property
    def shortfall(self) -> str | None:
        """A sentence when what was collected does not match Chatwoot's total."""
        if self.total is None or self.total == self.collected:
            return None
        return f"Chatwoot counted {self.total} but {self.collected} arrived over {self.page} pages"


def identity(item: Any) -> Any:
    return item.get("id") if isinstance(item, dict) else json.dumps(item, sort_keys=True)


_ITEMS_GO_HERE = "\x00items\x00"  # a placeholder no envelope holds


def _to_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


# --------------------------------------------------------------------------- the lists


def _pick(*keys: str) -> Callable[[dict], dict]:
    return lambda item: {key: item.get(key) for key in keys}


CLIP = 160  # characters of a message kept in a summary


def clip(text: Any) -> str | None:
    """Whitespace collapsed, the first 160 characters, and … when anything was cut."""
    if not isinstance(text, str):
        return None
    flat = " ".join(text.split())
    return flat if len(flat) <= CLIP else flat[:CLIP] + "…"


def iso_utc(seconds: Any) -> str | None:
    """Unix seconds as 2030-01-15T09:00:00Z; None for absent or 0 (Chatwoot's `to_i` of a null time)."""
    if not isinstance(seconds, (int, float)) or isinstance(seconds, bool) or not seconds:
        return None
    return datetime.fromtimestamp(seconds, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _from(message: dict) -> str:
    if message.get("message_type") == 0:
        return "contact"
    if message.get("message_type") == 2:
        return "activity"
    return "note" if message.get("private") else "agent"


def _text(message: dict) -> str:
    text = clip(message.get("content"))
    return text if text else "[attachment]" if message.get("attachments") else ""


def conversation_summary(conversation: dict) -> dict:
    """What choosing the next action needs, without opening the conversation."""
    meta = conversation.get("meta") or {}
    sender = meta.get("sender") or {}
    last = conversation.get("last_non_activity_message")
    return {
        "id": conversation.get("id"),
        "status": conversation.get("status"),
        "priority": conversation.get("priority"),
        "contact": sender.get("name"),
        "contact_id": sender.get("id"),
        "inbox_id": conversation.get("inbox_id"),
        "assignee": (meta.get("assignee") or {}).get("name"),
        "team": (meta.get("team") or {}).get("name"),
        "labels": conversation.get("labels") or [],
        "unread": conversation.get("unread_count"),
        "waiting_since": iso_utc(conversation.get("waiting_since")),
        "last_message": {"from": _from(last), "text": _text(last)} if isinstance(last, dict) else None,
    }


def message_summary(message: dict) -> dict:
    sender = message.get("sender") or {}
    return {
        "id": message.get("id"),
        "created_at": iso_utc(message.get("created_at")),
        "from": _from(message),
        "sender": sender.get("name") or sender.get("available_name"),
        "text": _text(message),
    }


def messages_summary(document: dict) -> list:
    """A messages page ({meta, payload}) as one compact line a message."""
    return [message_summary(message) for message in (document or {}).get("payload") or []]


contact_summary = _pick("id", "name", "email", "phone_number", "identifier")
agent_summary = _pick("id", "name", "email", "role", "availability_status")
inbox_summary = _pick("id", "name", "channel_type")
team_summary = _pick("id", "name")


def canned_summary(response: dict) -> dict:
    return {
        "id": response.get("id"),
        "short_code": response.get("short_code"),
        "content": clip(response.get("content")),
    }


def macro_summary(macro: dict) -> dict:
    actions = [action.get("action_name") for action in macro.get("actions") or [] if isinstance(action, dict)]
    return {"id": macro.get("id"), "name": macro.get("name"), "visibility": macro.get("visibility"), "actions": actions}


def portal_summary(portal: dict) -> dict:
    locales = ((portal.get("config") or {}).get("allowed_locales")) or []
    codes = [locale.get("code") if isinstance(locale, dict) else locale for locale in locales]
    return {"slug": portal.get("slug"), "name": portal.get("name"), "locales": codes}


def note_summary(note: dict) -> dict:
    return {
        "id": note.get("id"),
        "content": clip(note.get("content")),
        "user": (note.get("user") or {}).get("name"),
        "created_at": iso_utc(note.get("created_at")),
    }


def webhook_summary(webhook: dict) -> dict:
    """Which events go where (Chatwoot sends every inbox's events, whatever inbox it shows)."""
    return {key: webhook.get(key) for key in ("id", "name", "url", "subscriptions")}


def csat_summary(response: dict) -> dict:
    return {
        "id": response.get("id"),
        "rating": response.get("rating"),
        "feedback": clip(response.get("feedback_message")),
        "conversation_id": response.get("conversation_id"),
        "contact": (response.get("contact") or {}).get("name"),
        "agent": (response.get("assigned_agent") or {}).get("name"),
        "created_at": iso_utc(response.get("created_at")),
    }


def article_summary(article: dict, portal: str | None = None) -> dict:
    """Both article shapes: a portal's articles (category object, description) and the
    cross-portal search (portal_slug, category_name, locale, no description)."""
    category = article.get("category") if isinstance(article.get("category"), dict) else {}
    return {
        "id": article.get("id"),
        "title": article.get("title"),
        "portal": article.get("portal_slug") or portal,
        "locale": article.get("locale") or category.get("locale"),
        "category": article.get("category_name") or category.get("name"),
        "description": article.get("description"),
    }


# Each --summary form as --help shows it.
SHOWS = {
    conversation_summary: '[{"id", "status", "priority", "contact", "contact_id", "inbox_id", "assignee", "team", '
    '"labels", "unread", "waiting_since", "last_message": {"from": contact|agent|note, "text" (160 characters)}}…]',
    messages_summary: '[{"id", "created_at", "from": contact|agent|note|activity, "sender", "text" (160 characters)}…]',
    contact_summary: '[{"id", "name", "email", "phone_number", "identifier"}…]',
    agent_summary: '[{"id", "name", "email", "role", "availability_status"}…]',
    inbox_summary: '[{"id", "name", "channel_type"}…]',
    team_summary: '[{"id", "name"}…]',
    canned_summary: '[{"id", "short_code", "content" (160 characters)}…]',
    macro_summary: '[{"id", "name", "visibility", "actions": [action names]}…]',
    portal_summary: '[{"slug", "name", "locales"}…]',
    note_summary: '[{"id", "content" (160 characters), "user", "created_at"}…]',
    webhook_summary: '[{"id", "name", "url", "subscriptions"}…]',
    csat_summary: '[{"id", "rating", "feedback", "conversation_id", "contact", "agent", "created_at"}…]',
    article_summary: '[{"id", "title", "portal", "locale", "category", "description"}…]',
}


# Conversation lists count per assignee type (the counts ignore assignee_type; the payload does not).
ASSIGNEE_COUNTS = {"me": "mine_count", "unassigned": "unassigned_count", "assigned": "assigned_count"}


def _conversation_count(meta: dict, params: dict) -> Any:
    return meta.get(ASSIGNEE_COUNTS.get(params.get("assignee_type"), "all_count"))


CONTACTS = Listing(
    ("payload",), contact_summary, page_size=15, total=lambda meta, _: meta.get("count"), sort="created_at"
)
CONTACT_SEARCH = Listing(("payload",), contact_summary, page_size=15, has_more=True, sort="created_at")
CONVERSATIONS = Listing(("data", "payload"), conversation_summary, page_size=25, total=_conversation_count)
CONVERSATION_FILTER = Listing(("payload",), conversation_summary, page_size=25, total=_conversation_count)
CONTACT_CONVERSATIONS = Listing(("payload",), conversation_summary)  # the 20 newest, one page
AGENTS = Listing((), agent_summary)
INBOXES = Listing(("payload",), inbox_summary)
TEAMS = Listing((), team_summary)
CANNED_RESPONSES = Listing((), canned_summary)
MACROS = Listing(("payload",), macro_summary)
PORTALS = Listing(("payload",), portal_summary)
CONTACT_NOTES = Listing((), note_summary)  # newest first, all of them
WEBHOOKS = Listing(("payload", "webhooks"), webhook_summary)
CSAT_RESPONSES = Listing((), csat_summary, page_size=25)  # no total: a walk ends on an empty page
# A portal's articles count the asked status's articles, or all of them (meta ignores status otherwise).
PORTAL_ARTICLES = Listing(
    ("payload",),
    article_summary,
    page_size=25,
    total=lambda meta, params: meta.get("published_count" if params.get("status") == "published" else "articles_count"),
)
ARTICLE_SEARCH = Listing(("payload", "articles"), article_summary, page_size=15)  # no total either
