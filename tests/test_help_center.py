"""list_portals.py and search_articles.py against the sandbox's help center (drafts and archived
articles included): only published articles unless --all-statuses, the small --summary, the full
text by default, and the exact requests."""

from __future__ import annotations

import requests
from conftest import one_per_line
from sandbox import Sandbox


def article(sandbox, number: int, portal: str, locale: str, category: str, description: bool = False) -> dict:
    row = sandbox.articles[number]
    return {
        "id": number,
        "title": row["title"],
        "portal": portal,
        "locale": locale,
        "category": category,
        "description": row["description"] if description else None,  # the search endpoint has none
    }


def test_list_portals_prints_every_portal_and_a_small_summary(sandbox, agent):
    full = agent("list_portals")
    assert (full.code, full.stderr) == (0, "")
    answer = requests.get(f"{sandbox.url}/api/v1/accounts/1/portals", headers={"Api-Access-Token": Sandbox.TOKEN})
    assert full.json == answer.json()
    assert [p["archived"] for p in full.json["payload"]] == [False, True]  # the archived one is listed too
    summary = agent("list_portals", "--summary")
    assert summary.stdout == one_per_line(
        [
            {"slug": "acme-help", "name": "Acme Help", "locales": ["en", "pt-BR"]},
            {"slug": "legacy-docs", "name": "Acme Legacy Docs", "locales": ["en"]},
        ]
    )


def test_search_leaves_out_drafts_and_archived_articles_unless_asked(sandbox, agent):
    assert [sandbox.articles[n]["status"] for n in (6, 15, 2, 9, 7)] == [
        "draft", "published", "published", "archived", "published"
    ]  # fmt: skip
    plan = agent("search_articles", "plan", "--summary")
    assert (plan.code, plan.stderr) == (0, "")
    assert plan.stdout == one_per_line(
        [
            article(sandbox, 15, "legacy-docs", "en", "Getting started"),
            article(sandbox, 2, "acme-help", "en", "Account & Login"),
        ]
    )  # the draft "Changing your plan mid-cycle" (ranked first by Chatwoot) never reaches a customer
    every = agent("search_articles", "plan", "--summary", "--all-statuses")
    assert [item["id"] for item in every.json] == [6, 15, 2]
    shipping = agent("search_articles", "shipping", "--summary")
    assert [item["id"] for item in shipping.json] == [7]  # not the archived customs article 9
    searches = sandbox.find_requests("GET", r"/search/articles$")
    assert [list(r.query.items(multi=True)) for r in searches] == [
        [("q", "plan")],
        [("q", "plan")],
        [("q", "shipping")],
    ]


def test_search_prints_the_full_text_of_each_article_by_default(sandbox, agent):
    result = agent("search_articles", "  rate limits ")
    assert (result.code, result.stderr) == (0, "")
    (found,) = result.json["payload"]["articles"]  # the archived "Legacy API v1 rate limits" left out
    assert found["id"] == 10
    assert found["content"] == sandbox.articles[10]["content"]
    assert found["status"] == "published"
    assert list(sandbox.find_requests("GET", r"/search/articles$")[0].query.items()) == [("q", "rate limits")]


def test_search_by_locale_without_a_portal_filters_the_results(sandbox, agent):
    result = agent("search_articles", "senha", "--locale", "pt-BR", "--summary")
    assert result.stdout == one_per_line([article(sandbox, 13, "acme-help", "pt-BR", "Conta e acesso")])
    english = agent("search_articles", "senha", "--locale", "en", "--summary")
    assert (english.code, english.stdout) == (0, "[]\n")


def test_search_in_one_portal_asks_chatwoot_for_published_articles(sandbox, agent):
    assert sandbox.articles[14]["status"] == "draft"
    refund = agent("search_articles", "refund", "--portal", "acme-help", "--summary")
    assert refund.stdout == one_per_line(
        [article(sandbox, 4, "acme-help", "en", "Billing & Refunds", description=True)]
    )
    draft = agent("search_articles", "reembolso", "--portal", "acme-help", "--locale", "pt-BR", "--summary")
    assert (draft.code, draft.stdout) == (0, "[]\n")
    shown = agent("search_articles", "reembolso", "--portal", "acme-help", "--locale", "pt-BR", "--all-statuses")
    (found,) = shown.json["payload"]
    assert (found["id"], found["status"], found["content"]) == (14, "draft", sandbox.articles[14]["content"])
    queries = [list(r.query.items(multi=True)) for r in sandbox.find_requests("GET", r"/portals/acme-help/articles$")]
    assert queries == [
        [("query", "refund"), ("status", "published")],
        [("query", "reembolso"), ("status", "published"), ("locale", "pt-BR")],
        [("query", "reembolso"), ("locale", "pt-BR")],
    ]


def test_search_refusals_and_an_unknown_portal(sandbox, agent):
    empty = agent("search_articles", "   ")
    assert (empty.code, empty.stdout) == (2, "")
    assert empty.error_lines == ["error: QUERY is empty; give a word or two from the article"]
    assert sandbox.requests == []
    unknown = agent("search_articles", "refund", "--portal", "acme")
    assert (unknown.code, unknown.stdout) == (1, "")
    assert unknown.error_lines == [
        "error: HTTP 404 from Chatwoot: Resource could not be found",
        "error: hint: there is no portal acme in account 1 (list_portals.py)",
    ]
