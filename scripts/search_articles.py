#!/usr/bin/env python3
# /// script
# requires-python = ">=3.9"
# dependencies = ["requests>=2.28,<3", "jinja2>=3.0,<4"]
# ///
"""Find help-center articles to answer a customer from: published ones only, unless --all-statuses.

Example:
  python3 scripts/search_articles.py "reset password" --summary
  python3 scripts/search_articles.py refund --portal acme-help --locale en
Without --portal every portal is searched, best matches first, 15 a page; with --portal one portal's
articles, newest first, 25 a page. Chatwoot's search also returns drafts and archived articles, which
must never reach a customer: they are left out unless --all-statuses. Prints Chatwoot's answer
with each article's full "content" and "slug", or with --summary the compact array. --all walks
every page. An article's public page: https://CUSTOM_DOMAIN/hc/PORTAL/articles/SLUG when the
portal has a custom_domain (list_portals.py), else CHATWOOT_BASE_URL/hc/PORTAL/articles/SLUG.
"""

from chatwoot_cli import Command
from chatwoot_client import UsageError
from chatwoot_listings import ARTICLE_SEARCH, PORTAL_ARTICLES, article_summary


def arguments(parser):
    parser.add_argument("query", metavar="QUERY", help="words to look for in titles, descriptions and texts")
    parser.add_argument("--portal", metavar="SLUG", help="only this portal (list_portals.py shows the slugs)")
    parser.add_argument("--locale", metavar="L", help="only articles in this locale, e.g. en or pt-BR")
    parser.add_argument("--all-statuses", action="store_true", help="drafts and archived articles too")


def run(args, api):
    query = args.query.strip()
    if not query:
        raise UsageError("QUERY is empty; give a word or two from the article")
    if args.portal:
        status = None if args.all_statuses else "published"
        params = {"query": query, "status": status, "locale": args.locale}
        return PORTAL_ARTICLES.query(
            f"/portals/{args.portal}/articles", params, summary=lambda a: article_summary(a, args.portal)
        )

    def keep(article):
        published = args.all_statuses or article.get("status") == "published"
        return published and (not args.locale or article.get("locale") == args.locale)

    return ARTICLE_SEARCH.query("/search/articles", {"q": query}, keep=keep)


command = Command(__doc__, arguments, run, listing=ARTICLE_SEARCH, paged=True)

if __name__ == "__main__":
    command.exit()
