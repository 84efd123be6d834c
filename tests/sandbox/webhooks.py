"""Account webhooks: list, create, update, delete (no show), administrators only. 4.10.1 has no ``secret``."""

from __future__ import annotations

import re
from typing import Any

from .helpers import (
    _EMPTY,
    _blank,
    _Ctx,
    _Fail,
    _int_or_none,
    _not_found,
    _ruby_int,
    _server_error,
    _string_column,
    _unauthorized,
)
from .views import Views

WEBHOOK_EVENTS = [  # Webhook::ALLOWED_WEBHOOK_EVENTS
    "conversation_status_changed",
    "conversation_updated",
    "conversation_created",
    "contact_created",
    "contact_updated",
    "message_created",
    "message_updated",
    "webwidget_triggered",
    "inbox_created",
    "inbox_updated",
    "conversation_typing_on",
    "conversation_typing_off",
]
DEFAULT_SUBSCRIPTIONS = WEBHOOK_EVENTS[:8]  # the column's default (db/schema.rb)
# URI::DEFAULT_PARSER.make_regexp(%w[http https]) is unanchored and case-sensitive: any text holding
# "http:" or "https:" passes
_URL_RE = re.compile(r"https?:")
_ATTRIBUTES = (
    "id",
    "name",
    "url",
    "subscriptions",
    "webhook_type",
    "account_id",
    "inbox_id",
    "created_at",
    "updated_at",
)


class WebhookRoutes(Views):
    """Handlers for /api/v1/accounts/:account/webhooks..."""

    def _seed_webhooks(self) -> None:
        self.webhooks: dict[int, dict[str, Any]] = {
            1: {
                "id": 1,
                "account_id": 1,
                "inbox_id": 2,
                "name": "CRM sync",
                "url": "https://crm.acme.example/chatwoot/events",
                "subscriptions": ["conversation_created", "conversation_status_changed", "message_created"],
            }
        }
        self._ids["webhook"] = 1

    def _webhook_json(self, webhook: dict) -> dict[str, Any]:
        """``_webhook.json.jbuilder``: ``inbox`` only when the inbox record exists (any account's)."""
        out = {key: webhook[key] for key in ("id", "name", "url", "account_id", "subscriptions")}
        inbox = self.inboxes.get(webhook["inbox_id"]) if webhook["inbox_id"] is not None else None
        if inbox is not None:
            out["inbox"] = {"id": inbox["id"], "name": inbox["name"]}
        return out

    def _authorize_webhooks(self, ctx: _Ctx) -> None:
        if not self._is_admin(ctx.user):  # WebhookPolicy: every action, before the record is fetched
            raise _unauthorized("You are not authorized to do this action")

    def _find_webhook(self, ctx: _Ctx, raw_id: Any) -> dict[str, Any]:
        webhook = self.webhooks.get(_int_or_none(raw_id))  # type: ignore[arg-type]
        if webhook is None or webhook["account_id"] != ctx.account_id:
            raise _not_found()
        return webhook

    @staticmethod
    def _webhook_params(ctx: _Ctx) -> dict[str, Any]:
        """``params.require(:webhook).permit(:inbox_id, :name, :url, subscriptions: [])``; a flat JSON body is
        wrapped under ``webhook`` (its keys that are Webhook attributes)."""
        params = ctx.params
        webhook = params["webhook"] if "webhook" in params else {k: params[k] for k in _ATTRIBUTES if k in params}
        if _blank(webhook):
            raise _Fail(422, {"error": "param is missing or the value is empty: webhook"})
        if not isinstance(webhook, dict):
            raise _server_error()  # "text".permit
        out: dict[str, Any] = {}
        for key in ("inbox_id", "name", "url"):
            if key in webhook and not isinstance(webhook[key], (list, dict)):
                out[key] = webhook[key]
        subscriptions = webhook.get("subscriptions")
        if isinstance(subscriptions, list) and not any(isinstance(s, (list, dict)) for s in subscriptions):
            out["subscriptions"] = subscriptions
        if "inbox_id" in out:  # an integer column: "2" is 2, "abc" is 0, blank is null
            raw = out["inbox_id"]
            out["inbox_id"] = None if _blank(raw) else (_ruby_int(raw) or 0)
        for key in ("name", "url"):
            if key in out:
                out[key] = _string_column(out[key])
        return out

    def _validate_webhook(self, webhook: dict) -> None:
        """The validations in order: column lengths, url uniqueness and format, the subscriptions."""
        errors: list[tuple[str, str]] = []
        if webhook["url"] is not None and len(webhook["url"]) > 20_000:
            errors.append(("url", "Url is too long (maximum is 20000 characters)"))
        if webhook["name"] is not None and len(webhook["name"]) > 255:
            errors.append(("name", "Name is too long (maximum is 255 characters)"))
        if webhook["url"] is not None and any(
            w["url"] == webhook["url"] and w["account_id"] == webhook["account_id"] and w["id"] != webhook["id"]
            for w in self.webhooks.values()
        ):
            errors.append(("url", "Url has already been taken"))
        if not _URL_RE.search(webhook["url"] or ""):
            errors.append(("url", "Url is invalid"))
        subscriptions = webhook["subscriptions"]
        if (
            not isinstance(subscriptions, list)
            or not subscriptions
            or any(s not in WEBHOOK_EVENTS for s in subscriptions)
        ):
            errors.append(("subscriptions", "Subscriptions Invalid events"))
        if errors:
            attributes = list(dict.fromkeys(attribute for attribute, _ in errors))
            raise _Fail(422, {"message": ", ".join(m for _, m in errors), "attributes": attributes})

    def _webhooks_index(self, ctx: _Ctx) -> Any:
        self._authorize_webhooks(ctx)
        rows = sorted((w for w in self.webhooks.values() if w["account_id"] == ctx.account_id), key=lambda w: w["id"])
        return {"payload": {"webhooks": [self._webhook_json(w) for w in rows]}}

    def _webhooks_create(self, ctx: _Ctx) -> Any:
        self._authorize_webhooks(ctx)
        params = self._webhook_params(ctx)
        webhook = {
            "id": 0,
            "account_id": ctx.account_id,
            "inbox_id": params.get("inbox_id"),
            "name": params.get("name"),
            "url": params.get("url"),
            "subscriptions": params.get("subscriptions", list(DEFAULT_SUBSCRIPTIONS)),
        }
        self._validate_webhook(webhook)
        webhook["id"] = self._next_id("webhook")
        self.webhooks[webhook["id"]] = webhook
        return {"payload": {"webhook": self._webhook_json(webhook)}}

    def _webhooks_update(self, ctx: _Ctx, id: str) -> Any:
        self._authorize_webhooks(ctx)
        webhook = self._find_webhook(ctx, id)
        candidate = {**webhook, **self._webhook_params(ctx)}
        self._validate_webhook(candidate)
        webhook.update(candidate)
        return {"payload": {"webhook": self._webhook_json(webhook)}}

    def _webhooks_destroy(self, ctx: _Ctx, id: str) -> Any:
        self._authorize_webhooks(ctx)
        del self.webhooks[self._find_webhook(ctx, id)["id"]]
        return _EMPTY
