"""The shapes of Chatwoot's list answers: where each list keeps its items, how a walk over its
pages knows it has reached the end, and the compact --summary form of each kind of item.

Standard library only; it sees documents, never the network or the command line.
"""

from __future__ import annotations

import json
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
        self.page_size = page_size
        self.total = total
        self.has_more = has_more
        self.sort = sort

    def query(self, path: str, params: dict | None = None, *, template: str | None = None, **values: Any) -> Query:
        """What a list script asks for; the command line fetches it (one page, or --all)."""
        params = {key: value for key, value in (params or {}).items() if value is not None}
        if self.sort and not params.get("sort"):
            params["sort"] = self.sort
        return Query(self, path, params, template, values)

    def items(self, document: Any) -> list:
        for key in self.items_at:
            document = document.get(key) if isinstance(document, dict) else None
        return document if isinstance(document, list) else []

    def summarize(self, items: list) -> list:
        return [self.summary(item) for item in items]

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
            return total > (page - 1) * max(self.page_size, len(items)) + len(items)
        return len(items) >= self.page_size  # no total: a full page may have a successor

    def walk(self, pages, params: dict, before_page: Callable[[int, int], None] | None = None) -> Walk:
        return Walk(self, pages, params, before_page)

    def merge(self, first: Any, items: list[str]) -> list[str]:
        """The first page's envelope holding every page's items (given as JSON text), as pieces
        of text that join into exactly what json.dumps would print for the merged document."""
        holder = first
        for key in self.items_at[:-1]:
            holder = holder[key]
        holder[self.items_at[-1]] = _ITEMS_GO_HERE
        meta = holder.get("meta") if isinstance(holder, dict) else None
        if self.has_more and isinstance(meta, dict):
            meta["count"] = len(items)
            meta["has_more"] = False
        before, _, after = _to_json(first).rpartition(_to_json(_ITEMS_GO_HERE))  # the items are last
        commas = [", "] * (len(items) - 1)
        return [before, "[", *(piece for pair in zip(items, [*commas, ""]) for piece in pair), "]", after, "\n"]


class Query:
    """A list to fetch: which listing, its path and parameters, and for the filters (POSTs that
    only read) the template and values of its body."""

    def __init__(self, listing: Listing, path: str, params: dict, template: str | None, values: dict):
        self.listing = listing
        self.path = path
        self.params = params
        self.template = template
        self.values = values


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


def _sender_name(conversation: dict) -> Any:
    return ((conversation.get("meta") or {}).get("sender") or {}).get("name")


def conversation_summary(conversation: dict) -> dict:
    return {"id": conversation.get("id"), "status": conversation.get("status"), "contact": _sender_name(conversation)}


contact_summary = _pick("id", "name", "email")

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
AGENTS = Listing((), _pick("id", "name", "email", "role", "availability_status"))
INBOXES = Listing(("payload",), _pick("id", "name", "channel_type"))
TEAMS = Listing((), _pick("id", "name"))
