"""The help center (account API): portals, their articles, one article, and the cross-portal article search."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from .helpers import BASE_TIME, _blank, _Ctx, _int_or_none, _not_found, _page, _ruby_int, _server_error, _unauthorized
from .views import Views

ARTICLES_PER_PAGE = 25  # Kaminari's default: Article has no paginates_per
SEARCH_PER_PAGE = 15  # SearchService#filter_articles
ARTICLE_STATUSES = ["draft", "published", "archived"]  # the enum's order (0..2)
_WEIGHTS = (1.0, 0.4, 0.2)  # tsearch weights A, B, C: title, description, content
_WORD = re.compile(r"\w+")

# id, name, slug, color, custom_domain, header_text, homepage_link, page_title, archived, locales, widget inbox
_SEED_PORTALS: list[tuple[Any, ...]] = [
    (
        1,
        "Acme Help",
        "acme-help",
        "#1F93FF",
        "help.acme.example",
        "How can we help?",
        "https://acme.example.com",
        "Acme Help Center",
        False,
        ["en", "pt-BR"],
        1,
    ),
    (
        2,
        "Acme Legacy Docs",
        "legacy-docs",
        "#6B7280",
        None,
        "Documentation for the 2023 plans",
        None,
        "Acme Legacy Docs",
        True,
        ["en"],
        None,
    ),
]
# id, portal, locale, name, slug, description
_SEED_CATEGORIES: list[tuple[Any, ...]] = [
    (1, 1, "en", "Account & Login", "account-login", "Passwords, sign-in and security."),
    (2, 1, "en", "Billing & Refunds", "billing", "Invoices, plans, refunds."),
    (3, 1, "en", "Shipping", "shipping", "Delivery times, carriers and tracking."),
    (4, 1, "en", "Developers", "developers", "The API and webhooks."),
    (5, 1, "pt-BR", "Conta e acesso", "account-login", "Senhas, login e segurança."),
    (6, 1, "pt-BR", "Cobrança e reembolsos", "billing", "Faturas, planos e reembolsos."),
    (7, 2, "en", "Getting started", "getting-started", "The basics of the 2023 plans."),
]
# id, portal, category (None: uncategorized), locale if uncategorized, status, author, days before BASE_TIME it was
# last updated, views, root article (associated_article_id), title, description, content
_SEED_ARTICLES: list[tuple[Any, ...]] = [
    (1, 1, 1, None, "published", 2, 20, 342, None, "How to reset your password",
     "Get a new password when you can't sign in.",
     "1. Open the sign-in page and click **Forgot password?**\n2. Enter the email address of your account.\n"
     "3. Follow the link in the email we send you. The reset link is valid for 30 minutes.\n\n"
     "No email after a few minutes? Check your spam folder, or ask support to send a new link."),
    (2, 1, 1, None, "published", 3, 45, 87, None, "Setting up SSO with Okta",
     "Single sign-on with SAML 2.0, on the Enterprise plan.",
     "SSO is available on the Enterprise plan.\n\nIn Okta, create a SAML 2.0 app and set:\n\n"
     "- Single sign-on URL: `https://acme.example.com/saml/acs`\n"
     "- Audience URI: `https://acme.example.com/saml/metadata`\n\n"
     "Then paste the Okta metadata URL under Settings > Security > SSO and turn on just-in-time provisioning."),
    (3, 1, 1, None, "draft", 2, 2, None, None, "Two-factor authentication",
     "Protect your account with a second sign-in step.",
     "Turn on two-factor authentication under Profile > Security and scan the QR code with an authenticator app. "
     "Keep the recovery codes somewhere safe: support cannot reset 2FA without them."),
    (4, 1, 2, None, "published", 1, 30, 512, None, "Requesting a refund",
     "How refunds work and how long they take.",
     "You can ask for a refund within 30 days of your purchase: reply to your order email or write to support "
     "with the order number.\n\nRefunds go back to the original payment method and take 3-5 business days "
     "once issued. Duplicate charges are refunded automatically."),
    (5, 1, 2, None, "published", 1, 60, 230, None, "Understanding your invoice",
     "What each line of your invoice means.",
     "Invoices are emailed to the billing address on the first day of each period. Add your VAT number under "
     "Settings > Billing and every later invoice shows it. Past invoices can be downloaded as PDF."),
    (6, 1, 2, None, "draft", 3, 1, None, None, "Changing your plan mid-cycle",
     "Upgrades are prorated; downgrades apply at renewal.",
     "When you upgrade, you pay the difference for the rest of the billing period. A downgrade takes effect "
     "at the next renewal, and you keep your current plan until then."),
    (7, 1, 3, None, "published", 4, 90, 1290, None, "Shipping times and carriers",
     "When to expect your order.",
     "Orders ship within 2 business days from our warehouse in Leipzig. We ship with DHL in Europe and UPS "
     "everywhere else. Delivery takes 1-3 days in Germany and 3-7 days in the rest of the EU."),
    (8, 1, 3, None, "published", 4, 14, 980, None, "Tracking your order",
     "Follow your package from our warehouse to your door.",
     "Open Account > Orders and click the order: the tracking link appears as soon as the carrier scans the "
     "package. A status of 'label created' means the carrier has not picked it up yet."),
    (9, 1, 3, None, "archived", 4, 200, 45, None, "International shipping and customs (2024)",
     "Customs duties for orders outside the EU.",
     "Orders shipped outside the EU may be charged customs duties on delivery. From 2025 we prepay duties; "
     "see Shipping times and carriers."),
    (10, 1, 4, None, "published", 3, 7, 611, None, "API rate limits",
     "How many requests you can send, and what happens when you send more.",
     "The API accepts 3000 requests per minute from each IP address. Above that you get HTTP 429 with the body "
     "`Retry later`. There is no Retry-After header: wait until the next minute starts and spread large syncs "
     "over several minutes."),
    (11, 1, 4, None, "published", 3, 25, 402, None, "Receiving webhooks",
     "Get events from Acme as HTTP POST requests.",
     "Add a webhook URL under Settings > Integrations and pick the events. Each event is POSTed as JSON. "
     "Deliveries are not retried: answer 2xx quickly and do the work in the background."),
    (12, 1, None, "en", "published", 2, 10, 77, None, "Exporting your data to CSV",
     "Download your conversations and contacts.",
     "Go to Reports > Export and choose a date range. Large exports are emailed to you as a CSV file when they "
     "are ready; ranges over a year can take several minutes."),
    (13, 1, 5, None, "published", 2, 18, 64, 1, "Como redefinir sua senha",
     "Receba uma nova senha quando não conseguir entrar.",
     "1. Abra a página de login e clique em **Esqueceu a senha?**\n2. Informe o e-mail da sua conta.\n"
     "3. Siga o link do e-mail. O link de redefinição vale por 30 minutos."),
    (14, 1, 6, None, "draft", 1, 4, None, 4, "Como solicitar um reembolso",
     "Como funcionam os reembolsos e quanto tempo levam.",
     "Você pode pedir um reembolso em até 30 dias após a compra. O valor volta ao meio de pagamento original "
     "em 3 a 5 dias úteis."),
    (15, 2, 7, None, "published", 1, 400, 1502, None, "Getting started with Acme (2023 plans)",
     "The basics for accounts created before 2024.",
     "Sign in with the email and password you chose at signup, invite your team under Settings > Team and "
     "connect your first inbox."),
    (16, 2, 7, None, "archived", 3, 380, 233, None, "Legacy API v1 rate limits",
     "The limits of the retired v1 API.",
     "The v1 API allowed 600 requests per minute per account and answered 429 above that. It was retired in "
     "2024; see API rate limits for the current API."),
]  # fmt: skip


def _current_page(ctx: _Ctx) -> Any:
    """``params[:page] || 1``: the raw parameter (a string) when sent, else the integer 1."""
    page = ctx.params.get("page")
    return 1 if page is None else page


def _parameterize(text: str) -> str:
    """``title.underscore.parameterize(separator: '-')``: transliterated, lower case, dashes between words."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def _search_terms(query: str) -> list[list[str]]:
    """pg_search's tsearch query: the text split on whitespace, ' ? \\ : and curly quotes dropped, each term
    lower-cased (the 'simple' dictionary) and prefix-matched; the terms are ANDed."""
    cleaned = re.sub("['?\\\\:\u2018\u2019]", " ", query)
    terms = []
    for term in cleaned.split():
        words = [w.lower() for w in _WORD.findall(term)]
        if words:
            terms.append(words)
    return terms


def _text_rank(article: dict, terms: list[list[str]]) -> float | None:
    """None when the article doesn't match every term; else a relevance (weighted prefix hits over the
    document's length, as ts_rank with normalization 2 divides by it)."""
    if not terms:
        return None  # an empty tsquery matches nothing
    fields = [[w.lower() for w in _WORD.findall(article[key] or "")] for key in ("title", "description", "content")]
    score = 0.0
    for words in terms:
        for word in words:
            hits = [sum(token.startswith(word) for token in tokens) for tokens in fields]
            if not any(hits):
                return None
            score += sum(weight * count for weight, count in zip(_WEIGHTS, hits))
    return score / max(1, sum(len(tokens) for tokens in fields))


class HelpCenterRoutes(Views):
    """Handlers for /portals..., /portals/:slug/articles... and /search/articles."""

    def _seed_help_center(self) -> None:
        self.portals: dict[int, dict[str, Any]] = {}
        for pid, name, slug, color, domain, header, homepage, title, archived, locales, inbox in _SEED_PORTALS:
            self.portals[pid] = {
                "id": pid,
                "account_id": 1,
                "name": name,
                "slug": slug,
                "color": color,
                "custom_domain": domain,
                "header_text": header,
                "homepage_link": homepage,
                "page_title": title,
                "archived": archived,
                "config": {"allowed_locales": list(locales), "default_locale": locales[0]},
                "inbox_id": inbox,
                "ssl_settings": {"cf_status": "active", "cf_verification_errors": None} if domain else {},
            }
        self.categories: dict[int, dict[str, Any]] = {}
        positions: dict[int, int] = {}
        for cid, pid, locale, name, slug, description in _SEED_CATEGORIES:
            positions[pid] = positions.get(pid, 0) + 1
            self.categories[cid] = {
                "id": cid,
                "portal_id": pid,
                "account_id": 1,
                "locale": locale,
                "name": name,
                "slug": slug,
                "description": description,
                "position": positions[pid],
            }
        self.articles: dict[int, dict[str, Any]] = {}
        last_position: dict[int | None, int] = {}
        for row in _SEED_ARTICLES:
            aid, pid, cid, locale, status, author, days, views, root, title, description, content = row
            updated = BASE_TIME - days * 86400 - aid * 3600
            created = updated - 30 * 86400
            last_position[cid] = last_position.get(cid, 0) + 10  # max position in the category + 10
            self.articles[aid] = {
                "id": aid,
                "portal_id": pid,
                "account_id": 1,
                "category_id": cid,
                "locale": self.categories[cid]["locale"] if cid else locale,
                "author_id": author,
                "associated_article_id": root,
                "title": title,
                "slug": f"{created}-{_parameterize(title)}",
                "description": description,
                "content": content,
                "status": status,
                "position": last_position[cid],
                "views": views,
                "meta": {"title": f"{title} | Acme Help", "tags": ["api", "limits"]} if aid == 10 else {},
                "created_at": created,
                "updated_at": updated,
            }

    # ------------------------------------------------------------------ views

    def _portal_json(self, portal: dict, viewer: dict, articles: list[dict] | None) -> dict[str, Any]:
        """``portals/_portal.json.jbuilder``; ``articles`` None is the list's ``articles: []``, whose counts
        are 0 and nulls (``[].try(:archived)``), without mine_articles_count."""
        out: dict[str, Any] = {
            key: portal[key]
            for key in (
                "id",
                "color",
                "custom_domain",
                "header_text",
                "homepage_link",
                "name",
                "page_title",
                "slug",
                "archived",
                "account_id",
            )
        }
        mine = [a for a in self.articles.values() if a["portal_id"] == portal["id"]]
        categories = [c for c in self.categories.values() if c["portal_id"] == portal["id"]]
        out["config"] = {
            "allowed_locales": [
                {
                    "code": code,
                    "articles_count": sum(1 for a in mine if a["locale"] == code),
                    "categories_count": sum(1 for c in categories if c["locale"] == code),
                }
                for code in portal["config"]["allowed_locales"]
            ]
        }
        inbox = self.inboxes.get(portal["inbox_id"]) if portal["inbox_id"] else None
        if inbox is not None:
            out["inbox"] = self._inbox_json(inbox, viewer)
        if articles is None:
            meta: dict[str, Any] = {
                "all_articles_count": 0,
                "archived_articles_count": None,
                "published_count": None,
                "draft_articles_count": None,
            }
        else:
            meta = {
                "all_articles_count": len(articles),
                "archived_articles_count": sum(a["status"] == "archived" for a in articles),
                "published_count": sum(a["status"] == "published" for a in articles),
                "draft_articles_count": sum(a["status"] == "draft" for a in articles),
            }
            if articles:
                meta["mine_articles_count"] = sum(a["author_id"] == viewer["id"] for a in articles)
        meta["categories_count"] = len(categories)
        meta["default_locale"] = portal["config"].get("default_locale") or "en"
        out["meta"] = meta
        if portal["ssl_settings"]:
            out["ssl_settings"] = {
                "status": portal["ssl_settings"].get("cf_status"),
                "verification_errors": portal["ssl_settings"].get("cf_verification_errors"),
            }
        return out

    def _article_json(self, article: dict, viewer: dict) -> dict[str, Any]:
        """``articles/_article.json.jbuilder``: ``category`` always (nulls when uncategorized); ``author`` and
        ``associated_articles`` (the translations pointing at this one) only when there are some."""
        category = self.categories.get(article["category_id"]) if article["category_id"] else None
        out: dict[str, Any] = {
            **{key: article[key] for key in ("id", "slug", "title", "content", "description", "status", "position")},
            "account_id": article["account_id"],
            "updated_at": int(article["updated_at"]),
            "meta": article["meta"],
            "category": {
                "id": article["category_id"],
                "name": category["name"] if category else None,
                "slug": category["slug"] if category else None,
                "locale": category["locale"] if category else None,
            },
            "views": article["views"],
        }
        author = self.users.get(article["author_id"])
        if author is not None:
            out["author"] = self._agent_json(author)
        children = sorted(
            (a for a in self.articles.values() if a["associated_article_id"] == article["id"]), key=lambda a: a["id"]
        )
        if children:
            out["associated_articles"] = [self._associated_article_json(a, viewer) for a in children]
        return out

    def _associated_article_json(self, article: dict, viewer: dict) -> dict[str, Any]:
        out: dict[str, Any] = {
            key: article[key]
            for key in ("id", "category_id", "title", "content", "description", "status", "account_id")
        }
        portal = self.portals.get(article["portal_id"])
        if portal is not None:
            out["portal"] = self._portal_json(portal, viewer, None)
        out["views"] = article["views"]
        author = self.users.get(article["author_id"])
        if author is not None:
            out["author"] = self._agent_json(author)
        return out

    # ------------------------------------------------------------------ portals

    def _find_portal(self, ctx: _Ctx, slug: str) -> dict[str, Any] | None:
        return next((p for p in self.portals.values() if p["account_id"] == ctx.account_id and p["slug"] == slug), None)

    def _portals_index(self, ctx: _Ctx) -> Any:
        portals = sorted((p for p in self.portals.values() if p["account_id"] == ctx.account_id), key=lambda p: p["id"])
        return {
            "payload": [self._portal_json(p, ctx.user, None) for p in portals],
            "meta": {"current_page": _current_page(ctx), "portals_count": len(portals)},
        }

    def _portals_show(self, ctx: _Ctx, slug: str) -> Any:
        portal = self._find_portal(ctx, slug)
        if portal is None:
            raise _server_error()  # find_by gives nil, and show calls nil.articles
        locale = ctx.params.get("locale")
        articles = [
            a
            for a in self.articles.values()
            if a["portal_id"] == portal["id"] and (_blank(locale) or a["locale"] == locale)
        ]
        return self._portal_json(portal, ctx.user, articles)

    # ------------------------------------------------------------------ articles

    def _portal_or_404(self, ctx: _Ctx, slug: str) -> dict[str, Any]:
        portal = self._find_portal(ctx, slug)
        if portal is None:  # find_by!, before the policy: 404 for agents too
            raise _not_found()
        return portal

    @staticmethod
    def _search_articles(articles: list[dict], params: dict, categories: dict) -> list[dict]:
        """Article.search: category_slug, locale, author_id, status, then the full-text query."""
        rows = list(articles)
        slug = params.get("category_slug")
        if not _blank(slug):
            rows = [a for a in rows if a["category_id"] in categories and categories[a["category_id"]]["slug"] == slug]
        locale = params.get("locale")
        if not _blank(locale):
            rows = [a for a in rows if a["locale"] == locale]
        author = params.get("author_id")
        if not _blank(author):
            rows = [a for a in rows if a["author_id"] == _ruby_int(author)]
        status = params.get("status")
        if not _blank(status):  # the enum's where: a name or the integer as a string; else nothing matches
            number = _ruby_int(status) if re.fullmatch(r"\d+", str(status)) else None
            name = status if status in ARTICLE_STATUSES else None
            if name is None and number is not None and number < len(ARTICLE_STATUSES):
                name = ARTICLE_STATUSES[number]
            rows = [a for a in rows if a["status"] == name]
        query = params.get("query")
        if not _blank(query):
            terms = _search_terms(str(query))
            rows = [a for a in rows if _text_rank(a, terms) is not None]
        return rows

    def _articles_index(self, ctx: _Ctx, slug: str) -> Any:
        portal = self._portal_or_404(ctx, slug)
        params = {  # params.permit(:locale, :query, :page, :category_slug, :status, :author_id): scalars
            key: ctx.params[key]
            for key in ("locale", "query", "page", "category_slug", "status", "author_id")
            if key in ctx.params and not isinstance(ctx.params[key], (list, dict))
        }
        portal_articles = [a for a in self.articles.values() if a["portal_id"] == portal["id"]]
        counted = self._search_articles(
            portal_articles, {k: v for k, v in params.items() if k not in ("status", "author_id")}, self.categories
        )
        rows = self._search_articles(counted, params, self.categories)
        if not _blank(params.get("category_slug")):  # order_by_position (NULLs last)
            rows.sort(key=lambda a: (a["position"] is None, a["position"] or 0, a["id"]))
        else:  # order_by_updated_at
            rows.sort(key=lambda a: (-a["updated_at"], a["id"]))
        page = _page(ctx.params.get("page"))
        return {
            "payload": [
                self._article_json(a, ctx.user) for a in rows[(page - 1) * ARTICLES_PER_PAGE : page * ARTICLES_PER_PAGE]
            ],
            "meta": {
                "all_articles_count": len(portal_articles),
                "archived_articles_count": sum(a["status"] == "archived" for a in counted),
                "articles_count": len(counted),
                "current_page": _current_page(ctx),
                "draft_articles_count": sum(a["status"] == "draft" for a in counted),
                "mine_articles_count": sum(a["author_id"] == ctx.user["id"] for a in counted),
                "published_count": sum(a["status"] == "published" for a in counted),
            },
        }

    def _articles_show(self, ctx: _Ctx, slug: str, id: str) -> Any:
        portal = self._portal_or_404(ctx, slug)
        if not self._is_admin(ctx.user):  # ArticlePolicy#show? is admin-only
            raise _unauthorized("You are not authorized to do this action")
        article = self.articles.get(_int_or_none(id))  # type: ignore[arg-type]
        if article is None or article["portal_id"] != portal["id"]:
            raise _not_found()
        return {"payload": self._article_json(article, ctx.user)}

    def _search_articles_index(self, ctx: _Ctx) -> Any:
        """SearchService#filter_articles: every portal of the account (archived ones too), every status;
        ``rank DESC, id ASC``; 15 a page; an empty ``q`` finds nothing."""
        q = ctx.params.get("q")
        terms = _search_terms("" if q is None else str(q).strip())
        portal_slugs = {p["id"]: p["slug"] for p in self.portals.values() if p["account_id"] == ctx.account_id}
        ranked = []
        for article in self.articles.values():
            if article["portal_id"] in portal_slugs:
                rank = _text_rank(article, terms)
                if rank is not None:
                    ranked.append((-rank, article["id"], article))
        ranked.sort(key=lambda r: (r[0], r[1]))
        page = _page(ctx.params.get("page"))
        rows = []
        for _, _, article in ranked[(page - 1) * SEARCH_PER_PAGE : page * SEARCH_PER_PAGE]:
            category = self.categories.get(article["category_id"]) if article["category_id"] else None
            rows.append(
                {
                    "id": article["id"],
                    "title": article["title"],
                    "locale": article["locale"],
                    "content": article["content"],
                    "slug": article["slug"],
                    "portal_slug": portal_slugs[article["portal_id"]],
                    "account_id": article["account_id"],
                    "category_name": category["name"] if category else None,
                    "status": article["status"],
                    "updated_at": int(article["updated_at"]),
                }
            )
        return {"payload": {"articles": rows}}
