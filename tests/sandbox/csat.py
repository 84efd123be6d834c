"""CSAT survey responses: the list (25 a page, sift's ``sort``) and the metrics, administrators only."""

from __future__ import annotations

import random
from typing import Any

from .helpers import _blank, _Ctx, _date_range, _in_range, _page, _ruby_int, _server_error, _unauthorized
from .views import Views

CSAT_PER_PAGE = 25


class CsatRoutes(Views):
    """Handlers for /api/v1/accounts/:account/csat_survey_responses and .../metrics."""

    def _csat_responses(self, ctx: _Ctx) -> tuple[list[dict[str, Any]], tuple[int, int] | None, bool]:
        """The account's responses after the controller's filters, the date range, and whether a valid
        ``sort`` (sift's ``sort_on :created_at``) ordered them."""
        if not self._is_admin(ctx.user):  # CsatSurveyResponsePolicy: index?/metrics? are admin-only
            raise _unauthorized("You are not authorized to do this action")
        params = ctx.params
        window = _date_range(params.get("since"), params.get("until"))  # no date filter unless both are given
        rows = [
            r
            for r in self.csat_responses.values()
            if r["account_id"] == ctx.account_id and r["conversation_id"] in self.conversations  # deleted with it
        ]
        if window is not None:
            rows = [r for r in rows if _in_range(r["created_at"], window)]
        for param, value_of in (
            ("user_ids", lambda r: r["assigned_agent_id"]),
            ("inbox_id", lambda r: self.conversations[r["conversation_id"]]["inbox_id"]),
            ("team_id", lambda r: self.conversations[r["conversation_id"]]["team_id"]),
            ("rating", lambda r: r["rating"]),
        ):
            wanted = params.get(param)
            if not _blank(wanted):  # `where(x: value) if value.present?`: a scalar or an array, cast to integers
                ids = {_ruby_int(v) for v in (wanted if isinstance(wanted, list) else [wanted])} - {None}
                rows = [r for r in rows if value_of(r) in ids]
        order = None
        sort = params.get("sort")
        if isinstance(sort, str):
            for spec in sort.split(","):
                if spec.strip().lstrip("-") == "created_at":
                    order = spec.strip().startswith("-")
                    break
        if order is None:  # no ORDER BY: the database's order, which nobody may rely on
            random.shuffle(rows)
        else:
            rows.sort(key=lambda r: (r["created_at"], r["id"]), reverse=order)
        return rows, window, order is not None

    def _csat_json(self, response: dict) -> dict[str, Any]:
        """``_csat_survey_response.json.jbuilder``."""
        out: dict[str, Any] = {
            "id": response["id"],
            "rating": response["rating"],
            "feedback_message": response["feedback_message"],
            "csat_review_notes": response["csat_review_notes"],
            "review_notes_updated_at": response["review_notes_updated_at"],  # &.to_i: null until reviewed
            "account_id": response["account_id"],
            "message_id": response["message_id"],
        }
        contact = self.contacts.get(response["contact_id"])
        if contact is not None:
            out["contact"] = self._contact_json(contact)
        out["conversation_id"] = response["conversation_id"]  # the display id
        agent = self.users.get(response["assigned_agent_id"]) if response["assigned_agent_id"] else None
        if agent is not None:
            out["assigned_agent"] = self._agent_json(agent)
        out["created_at"] = response["created_at"]
        return out

    def _csat_index(self, ctx: _Ctx) -> Any:
        rows, _, _ = self._csat_responses(ctx)
        page = _page(ctx.params.get("page"))
        return [self._csat_json(r) for r in rows[(page - 1) * CSAT_PER_PAGE : page * CSAT_PER_PAGE]]

    def _csat_metrics(self, ctx: _Ctx) -> Any:
        rows, window, sorted_ = self._csat_responses(ctx)
        if sorted_:  # ORDER BY created_at on a GROUP BY rating count: PostgreSQL refuses it
            raise _server_error()
        ratings: dict[str, int] = {}
        for rating in sorted(r["rating"] for r in rows):
            ratings[str(rating)] = ratings.get(str(rating), 0) + 1
        sent = [
            m
            for m in self.messages.values()
            if m["account_id"] == ctx.account_id
            and m["content_type"] == "input_csat"  # Message.input_csat: the content type, whatever the type
            and (window is None or _in_range(m["created_at"], window))
        ]
        return {"total_count": len(rows), "ratings_count": ratings, "total_sent_messages_count": len(sent)}
