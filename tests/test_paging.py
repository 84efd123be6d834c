"""--page and --all on every paged listing: a walk brings every matching item exactly once,
asks for contacts in an order, stops where Chatwoot says the end is (its total, has_more, an
empty page), never on a short page, and --page N says when more follow."""

from __future__ import annotations

import itertools
import math

import pytest
import requests
from conftest import ACCOUNT_PATH, answer, one_per_line, printed
from samples import (
    CONTACT,
    MESSAGES_PATH,
    META,
    SECOND_CONTACT,
    conversation,
    history,
    newest_activity_first,
    summary,
)
from sandbox import Sandbox

# --------------------------------------------------------------------------- canned answers


def queries(httpserver) -> list[list]:
    return [list(request.args.items(multi=True)) for request, _ in httpserver.log]


# --------------------------------------------------------------------------- walks over canned pages


def _two_search_pages(httpserver):
    first = {"meta": {"count": 1, "current_page": "1", "has_more": True}, "payload": [CONTACT]}
    second = {"meta": {"count": 1, "current_page": "2", "has_more": False}, "payload": [SECOND_CONTACT]}
    answer(httpserver, "GET", "/contacts/search", first, query={"q": "jane", "sort": "created_at", "page": "1"})
    answer(httpserver, "GET", "/contacts/search", second, query={"q": "jane", "sort": "created_at", "page": "2"})


def test_search_contacts_all_merges_pages_into_one_envelope(run, httpserver):
    _two_search_pages(httpserver)
    result = run("search_contacts", "jane", "--all")
    assert [list(r.args.items(multi=True)) for r, _ in httpserver.log] == [
        [("q", "jane"), ("sort", "created_at"), ("page", "1")],
        [("q", "jane"), ("sort", "created_at"), ("page", "2")],
    ]
    assert result.code == 0, result.stderr
    assert result.error_lines == []
    merged = {"meta": {"count": 2, "current_page": "1", "has_more": False}, "payload": [CONTACT, SECOND_CONTACT]}
    assert result.stdout == printed(merged)


def test_search_contacts_all_summary_covers_every_page(run, httpserver):
    _two_search_pages(httpserver)
    result = run("search_contacts", "jane", "--all", "--summary")
    assert len(httpserver.log) == 2
    assert result.code == 0, result.stderr
    assert [(item["id"], item["name"]) for item in result.json] == [(17, "Jane Doë"), (18, "Zoë Müller 李")]


def test_list_conversations_all_walks_pages_of_25(run, httpserver):
    first = [conversation(100 + n, f"Kunde {n}") for n in range(25)]
    second = [conversation(200, "Letzte Kundin")]
    counts = {"mine_count": 3, "assigned_count": 20, "unassigned_count": 6, "all_count": 26}
    answer(
        httpserver,
        "GET",
        "/conversations",
        {"data": {"meta": counts, "payload": first}},
        {"labels[]": "x", "page": "1"},
    )
    answer(
        httpserver,
        "GET",
        "/conversations",
        {"data": {"meta": counts, "payload": second}},
        {"labels[]": "x", "page": "2"},
    )
    result = run("list_conversations", "--label", "x", "--all", "--summary")
    assert [list(r.args.items(multi=True)) for r, _ in httpserver.log] == [
        [("labels[]", "x"), ("page", "1")],
        [("labels[]", "x"), ("page", "2")],
    ]
    assert result.code == 0, result.stderr
    assert result.error_lines == []
    expected = [summary(c["id"], c["meta"]["sender"]["name"]) for c in first + second]
    assert result.stdout == one_per_line(expected)


def test_list_contacts_all_walks_15_a_page(httpserver, run):
    people = [{"id": n, "name": f"P{n}", "email": f"p{n}@example.com"} for n in range(1, 33)]
    for number, chunk in enumerate([people[:15], people[15:30], people[30:]], 1):
        httpserver.expect_oneshot_request(
            f"{ACCOUNT_PATH}/contacts", query_string={"sort": "created_at", "page": str(number)}
        ).respond_with_json({"meta": {"count": 32, "current_page": str(number)}, "payload": chunk})
    result = run("list_contacts", "--all", "--summary")
    assert result.code == 0, result.stderr
    shown = [
        {"id": p["id"], "name": p["name"], "email": p["email"], "phone_number": None, "identifier": None}
        for p in people
    ]
    assert result.stdout == one_per_line(shown)
    assert [r.args["page"] for r, _ in httpserver.log] == ["1", "2", "3"]
    assert "fetching page 3 (30 so far)" in result.stderr


def test_list_messages_all_walks_back_with_the_smallest_id(run, httpserver):
    httpserver.expect_request(MESSAGES_PATH, method="GET").respond_with_handler(history(230))
    result = run("list_messages", "42", "--all")
    assert result.code == 0, result.stderr
    document = result.json
    assert [m["id"] for m in document["payload"]] == list(range(1, 231))
    assert document["meta"] == META
    assert list(document) == ["meta", "payload"]
    # latest 20 (211..230), then before = the smallest id seen, down to an empty page
    assert queries(httpserver) == [[]] + [[("before", str(b))] for b in range(211, 0, -20)] + [[("before", "1")]]
    assert "fetched 10 pages (200 messages so far)" in result.stderr


def test_list_messages_all_keeps_the_filter_on_every_page(run, httpserver):
    httpserver.expect_request(MESSAGES_PATH, method="GET").respond_with_handler(history(45))
    result = run("list_messages", "42", "--all", "--no-private")
    assert [m["id"] for m in result.json["payload"]] == list(range(1, 46))
    assert queries(httpserver) == [
        [("filter_internal_messages", "true")],
        [("filter_internal_messages", "true"), ("before", "26")],
        [("filter_internal_messages", "true"), ("before", "6")],
        [("filter_internal_messages", "true"), ("before", "1")],
    ]


def test_list_messages_all_from_before_starts_there(run, httpserver):
    httpserver.expect_request(MESSAGES_PATH, method="GET").respond_with_handler(history(230))
    result = run("list_messages", "42", "--all", "--before", "31")
    assert [m["id"] for m in result.json["payload"]] == list(range(1, 31))
    assert queries(httpserver) == [[("before", "31")], [("before", "11")], [("before", "1")]]


def test_list_messages_all_with_after_walks_forward(run, httpserver):
    httpserver.expect_request(MESSAGES_PATH, method="GET").respond_with_handler(history(250))
    result = run("list_messages", "42", "--all", "--after", "5")
    assert [m["id"] for m in result.json["payload"]] == list(range(6, 251))
    assert queries(httpserver) == [[("after", "5")], [("after", "105")], [("after", "205")], [("after", "250")]]


def test_list_messages_all_survives_overlapping_pages(run, httpserver):
    # A server whose windows overlap by half still yields every message once, oldest first.
    httpserver.expect_request(MESSAGES_PATH, method="GET").respond_with_handler(history(95, overlap=10))
    result = run("list_messages", "42", "--all")
    assert result.code == 0, result.stderr
    assert [m["id"] for m in result.json["payload"]] == list(range(1, 96))


def test_list_messages_all_stops_when_the_server_ignores_before(run, httpserver):
    httpserver.expect_request(MESSAGES_PATH, method="GET").respond_with_handler(history(100, ignore_cursor=True))
    result = run("list_messages", "42", "--all", timeout=20)
    assert result.code == 0, result.stderr
    assert [m["id"] for m in result.json["payload"]] == list(range(81, 101))
    assert queries(httpserver) == [[], [("before", "81")]]


def test_list_messages_all_of_an_empty_conversation(run, httpserver):
    httpserver.expect_request(MESSAGES_PATH, method="GET").respond_with_json({"meta": META, "payload": []})
    result = run("list_messages", "42", "--all")
    assert (result.code, result.stdout) == (0, printed({"meta": META, "payload": []}))
    assert len(httpserver.log) == 1


def test_all_stops_on_an_empty_page_and_warns_when_chatwoot_counted_more(run, httpserver):
    first = [conversation(100 + n, f"Kunde {n}") for n in range(25)]
    counts = {"mine_count": 0, "assigned_count": 0, "unassigned_count": 30, "all_count": 30}
    answer(httpserver, "GET", "/conversations", {"data": {"meta": counts, "payload": first}}, {"page": "1"})
    answer(httpserver, "GET", "/conversations", {"data": {"meta": counts, "payload": []}}, {"page": "2"})
    result = run("list_conversations", "--all", "--summary")
    assert queries(httpserver) == [[("page", "1")], [("page", "2")]]
    assert result.code == 0, result.stderr
    assert result.stderr == "warning: Chatwoot counted 30 but 25 arrived over 2 pages\n"
    assert result.stdout == one_per_line([summary(c["id"], c["meta"]["sender"]["name"]) for c in first])


# --------------------------------------------------------------------------- walks on the sandbox

PER_PAGE = 15  # contacts, fixed in Chatwoot
FILTER_PER_PAGE = 25  # conversations/filter: Kaminari's default, whatever CONVERSATION_RESULTS_PER_PAGE says
CONTACT_SUMMARY = ("id", "name", "email", "phone_number", "identifier")


def call(sb: Sandbox, method: str, path: str, **kwargs) -> requests.Response:
    return requests.request(method, f"{sb.url}{ACCOUNT_PATH}{path}", headers={"api_access_token": sb.TOKEN}, **kwargs)


def add_walkers(sb: Sandbox, count: int = 30) -> None:
    """`count` more contacts, one second apart (a sort by created_at then has no ties), so that the
    contact list spans four pages; the requests that made them are forgotten."""
    ticks = itertools.count(int(sb.clock()) + 60)
    sb.clock = lambda: next(ticks)
    for n in range(1, count + 1):
        person = {"name": f"Walker {n:02}", "email": f"walker{n:02}@walk.example", "phone_number": f"+1202555{n:04}"}
        assert call(sb, "POST", "/contacts", json=person).status_code == 200
    sb.requests.clear()


def listed_contacts(sb: Sandbox) -> list[dict]:
    """The contacts Chatwoot lists (those with an e-mail, phone or identifier), oldest first."""
    rows = [c for c in sb.contacts.values() if c["email"] or c["phone_number"] or c["identifier"]]
    return sorted(rows, key=lambda c: c["created_at"])


def contact_lines(rows: list[dict]) -> list[dict]:
    return [{key: row[key] for key in CONTACT_SUMMARY} for row in rows]


def progress(pages: int, per_page: int) -> str:
    """The progress lines of a walk over `pages` full pages (from the third page on)."""
    return "".join(f"fetching page {page} ({(page - 1) * per_page} so far)\n" for page in range(3, pages + 1))


def test_unsorted_contact_pages_skip_and_repeat_on_the_sandbox(sandbox):
    """Why the walks sort: like Chatwoot (no ORDER BY), the sandbox shuffles contacts on every request."""
    add_walkers(sandbox)
    everyone = sorted(c["id"] for c in listed_contacts(sandbox))
    seen = [
        c["id"]
        for page in (1, 2, 3, 4)
        for c in call(sandbox, "GET", "/contacts", params={"page": page}).json()["payload"]
    ]
    assert len(seen) == len(everyone) == 49
    assert sorted(seen) != everyone  # some contact twice, another never


@pytest.mark.parametrize(
    "script, args, path, matches",
    [
        ("list_contacts", [], "/contacts", lambda c: True),
        (
            "search_contacts",
            ["example"],
            "/contacts/search",
            lambda c: any(
                "example" in (c[key] or "").lower() for key in ("name", "email", "phone_number", "identifier")
            ),
        ),
        (
            "filter_contacts",
            ["--where", "email~example"],
            "/contacts/filter",
            lambda c: "example" in (c["email"] or ""),
        ),
    ],
)
def test_all_brings_every_matching_contact_exactly_once_in_created_order(sandbox, agent, script, args, path, matches):
    add_walkers(sandbox)
    expected = [c for c in listed_contacts(sandbox) if matches(c)]
    pages = math.ceil(len(expected) / PER_PAGE)
    assert len(expected) > 2 * PER_PAGE
    result = agent(script, *args, "--all", "--summary")
    assert result.code == 0, result.stderr
    assert result.json == contact_lines(expected)
    assert result.stderr == progress(pages, PER_PAGE)
    sent = [(r.path, r.query.get("sort"), r.query.get("page")) for r in sandbox.requests]
    assert sent == [(f"{ACCOUNT_PATH}{path}", "created_at", str(page)) for page in range(1, pages + 1)]


def test_all_keeps_the_sort_the_user_asked_for(sandbox, agent):
    add_walkers(sandbox)
    result = agent("list_contacts", "--sort=-created_at", "--all", "--summary")
    assert result.code == 0, result.stderr
    assert result.json == contact_lines(listed_contacts(sandbox)[::-1])
    assert {r.query.get("sort") for r in sandbox.requests} == {"-created_at"}
    assert [r.query.get("page") for r in sandbox.requests] == ["1", "2", "3", "4"]


def test_page_n_of_contacts_is_that_page_and_says_when_more_follow(sandbox, agent):
    add_walkers(sandbox)
    everyone = listed_contacts(sandbox)  # 49: 15, 15, 15, 4
    second = agent("list_contacts", "--page", "2", "--summary")
    assert (second.code, second.stderr) == (0, "more on the next page: --page 3, or --all for every page\n")
    assert second.json == contact_lines(everyone[15:30])
    last = agent("list_contacts", "--page", "4", "--summary")
    assert (last.code, last.stderr) == (0, "")
    assert last.json == contact_lines(everyone[45:])
    walkers = [c for c in everyone if c["name"].startswith("Walker")]  # 30: exactly two pages
    searched = agent("search_contacts", "Walker", "--page", "2", "--summary")
    assert (searched.code, searched.stderr) == (0, "")
    assert searched.json == contact_lines(walkers[15:])
    sent = [(r.path, r.query.get("sort"), r.query.get("page")) for r in sandbox.requests]
    assert sent == [
        (f"{ACCOUNT_PATH}/contacts", "created_at", "2"),
        (f"{ACCOUNT_PATH}/contacts", "created_at", "4"),
        (f"{ACCOUNT_PATH}/contacts/search", "created_at", "2"),
    ]


@pytest.mark.parametrize("per_page", [7, 30])
def test_conversation_walks_stop_on_chatwoots_count_whatever_the_server_page_size(run, per_page):
    """CONVERSATION_RESULTS_PER_PAGE is a server setting: every page of 7 is shorter than 25, and a
    page of 30 longer; the walk asks for exactly the pages that hold Chatwoot's count."""
    with Sandbox(conversations_per_page=per_page, extra_conversations=40, jobs="manual") as sb:
        run.env.update(sb.env())
        open_ = [c for c in sb.conversations.values() if c["status"] == "open"]
        unassigned = [c for c in open_ if c["assignee_id"] is None]
        assert (len(open_), len(unassigned)) == (56, 15)
        for flags, rows in (([], open_), (["--assignee-type", "unassigned"], unassigned)):
            sb.requests.clear()
            result = run("list_conversations", *flags, "--all", "--summary")
            assert result.code == 0, result.stderr
            assert [line["id"] for line in result.json] == newest_activity_first(rows)
            pages = math.ceil(len(rows) / per_page)
            assert [r.query.get("page") for r in sb.requests] == [str(page) for page in range(1, pages + 1)]
            assert result.stderr == progress(pages, per_page)
        sb.requests.clear()
        filtered = run("filter_conversations", "--where", "status=open", "--all", "--summary")
        assert filtered.code == 0, filtered.stderr
        assert [line["id"] for line in filtered.json] == newest_activity_first(open_)
        assert [(r.method, r.query.get("page")) for r in sb.requests] == [("POST", "1"), ("POST", "2"), ("POST", "3")]
        assert filtered.stderr == progress(3, FILTER_PER_PAGE)
        assert sb.errors == []


def test_page_n_says_more_follow_on_a_server_with_small_pages(run):
    with Sandbox(conversations_per_page=7, extra_conversations=40, jobs="manual") as sb:
        run.env.update(sb.env())
        ids = newest_activity_first(c for c in sb.conversations.values() if c["status"] == "open")  # 56: 8 pages
        fifth = run("list_conversations", "--page", "5", "--summary")
        assert (fifth.code, fifth.stderr) == (0, "more on the next page: --page 6, or --all for every page\n")
        assert [line["id"] for line in fifth.json] == ids[28:35]
        last = run("list_conversations", "--page", "8", "--summary")
        assert (last.code, last.stderr) == (0, "")
        assert [line["id"] for line in last.json] == ids[49:]
        assert [r.query.get("page") for r in sb.requests] == ["5", "8"]


def test_all_messages_of_a_long_conversation_arrive_once_oldest_first(sandbox, agent):
    stored = sandbox.conversation_messages(7)  # the seed's long conversation
    ids = [m["id"] for m in stored]
    assert len(ids) == 230
    result = agent("list_messages", "7", "--all")
    assert result.code == 0, result.stderr
    assert [m["id"] for m in result.json["payload"]] == ids
    assert result.stderr == "fetched 10 pages (200 messages so far)\n"
    # the latest 20, then before = the smallest id seen, down to an empty page
    befores = [r.query.get("before") for r in sandbox.requests]
    assert befores == [None] + [str(ids[-20 * n]) for n in range(1, 12)] + [str(ids[0])]

    sandbox.requests.clear()
    public = agent("list_messages", "7", "--all", "--no-private", "--summary")
    assert public.code == 0, public.stderr
    shown = [m["id"] for m in stored if not m["private"] and m["message_type"] != 2]
    assert [line["id"] for line in public.json] == shown
    assert {r.query.get("filter_internal_messages") for r in sandbox.requests} == {"true"}
