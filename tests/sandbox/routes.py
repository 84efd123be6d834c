"""The route table: which handler answers each method and path."""

from __future__ import annotations

import re
from typing import Any, Callable

from .catalog import CatalogRoutes
from .contact_extras import ContactExtraRoutes
from .contacts import ContactRoutes
from .conversations import ConversationRoutes
from .csat import CsatRoutes
from .helpcenter import HelpCenterRoutes
from .macros import MacroRoutes
from .reports import ReportRoutes
from .webhooks import WebhookRoutes

# access_token_auth_helper.rb BOT_ACCESSIBLE_ENDPOINTS: the only handlers an agent bot's token may call.
BOT_ACCESSIBLE = frozenset(
    {
        "_toggle_status",
        "_toggle_priority",
        "_conversations_create",
        "_conversations_update",
        "_conversation_custom_attributes",
        "_messages_create",
        "_assignments",
    }
)


class Routes(
    ContactRoutes,
    ContactExtraRoutes,
    ConversationRoutes,
    MacroRoutes,
    CatalogRoutes,
    CsatRoutes,
    ReportRoutes,
    HelpCenterRoutes,
    WebhookRoutes,
):
    """Every handler, and the table ``_handle`` walks in order (the first match wins)."""

    def _build_routes(self) -> list[tuple[str, re.Pattern[str], Callable[..., Any], bool]]:
        acct = r"/api/v1/accounts/(?P<account>[^/]+)"
        acct2 = r"/api/v2/accounts/(?P<account>[^/]+)"
        rid = r"(?P<id>[^/]+)"
        note = r"(?P<note_id>[^/]+)"
        slug = r"(?P<slug>[^/]+)"
        table: list[tuple[str, str, Callable[..., Any], bool]] = [
            ("GET", r"/api/v1/profile", self._profile, False),
            ("GET", acct + r"/contacts", self._contacts_index, True),
            ("POST", acct + r"/contacts", self._contacts_create, True),
            ("GET", acct + r"/contacts/search", self._contacts_search, True),
            ("POST", acct + r"/contacts/filter", self._contacts_filter, True),
            ("GET", acct + rf"/contacts/{rid}/conversations", self._contact_conversations, True),
            (
                "POST",
                acct + rf"/contacts/{rid}/destroy_custom_attributes",
                self._contacts_destroy_custom_attributes,
                True,
            ),
            ("GET", acct + rf"/contacts/{rid}/labels", self._contact_labels, True),
            ("POST", acct + rf"/contacts/{rid}/labels", self._contact_labels_update, True),
            ("GET", acct + rf"/contacts/{rid}/notes", self._notes_index, True),
            ("POST", acct + rf"/contacts/{rid}/notes", self._notes_create, True),
            ("GET", acct + rf"/contacts/{rid}/notes/{note}", self._notes_show, True),
            ("PATCH", acct + rf"/contacts/{rid}/notes/{note}", self._notes_update, True),
            ("PUT", acct + rf"/contacts/{rid}/notes/{note}", self._notes_update, True),
            ("DELETE", acct + rf"/contacts/{rid}/notes/{note}", self._notes_destroy, True),
            ("GET", acct + rf"/contacts/{rid}", self._contacts_show, True),
            ("PATCH", acct + rf"/contacts/{rid}", self._contacts_update, True),
            ("PUT", acct + rf"/contacts/{rid}", self._contacts_update, True),
            ("DELETE", acct + rf"/contacts/{rid}", self._contacts_destroy, True),
            ("GET", acct + r"/conversations", self._conversations_index, True),
            ("GET", acct + r"/conversations/meta", self._conversations_meta, True),
            ("POST", acct + r"/conversations", self._conversations_create, True),
            ("POST", acct + r"/conversations/filter", self._conversations_filter, True),
            ("GET", acct + rf"/conversations/{rid}/messages", self._messages_index, True),
            ("POST", acct + rf"/conversations/{rid}/messages", self._messages_create, True),
            ("DELETE", acct + rf"/conversations/{rid}/messages/(?P<message_id>[^/]+)", self._messages_destroy, True),
            ("POST", acct + rf"/conversations/{rid}/assignments", self._assignments, True),
            ("POST", acct + rf"/conversations/{rid}/toggle_status", self._toggle_status, True),
            ("POST", acct + rf"/conversations/{rid}/toggle_priority", self._toggle_priority, True),
            ("GET", acct + rf"/conversations/{rid}/labels", self._conversation_labels, True),
            ("POST", acct + rf"/conversations/{rid}/labels", self._conversation_labels_update, True),
            ("POST", acct + rf"/conversations/{rid}/custom_attributes", self._conversation_custom_attributes, True),
            ("GET", acct + rf"/conversations/{rid}", self._conversations_show, True),
            ("PATCH", acct + rf"/conversations/{rid}", self._conversations_update, True),
            ("PUT", acct + rf"/conversations/{rid}", self._conversations_update, True),
            ("GET", acct + r"/agents", self._agents_index, True),
            ("GET", acct + r"/inboxes", self._inboxes_index, True),
            ("GET", acct + rf"/inboxes/{rid}", self._inboxes_show, True),
            ("GET", acct + r"/teams", self._teams_index, True),
            ("GET", acct + r"/canned_responses", self._canned_responses_index, True),
            ("GET", acct + r"/labels", self._labels_index, True),
            ("POST", acct + r"/actions/contact_merge", self._contact_merge, True),
            ("GET", acct + r"/macros", self._macros_index, True),
            ("GET", acct + rf"/macros/{rid}", self._macros_show, True),
            ("POST", acct + rf"/macros/{rid}/execute", self._macros_execute, True),
            ("GET", acct + r"/csat_survey_responses", self._csat_index, True),
            ("GET", acct + r"/csat_survey_responses/metrics", self._csat_metrics, True),
            ("GET", acct + r"/portals", self._portals_index, True),
            ("GET", acct + rf"/portals/{slug}", self._portals_show, True),
            ("GET", acct + rf"/portals/{slug}/articles", self._articles_index, True),
            ("GET", acct + rf"/portals/{slug}/articles/{rid}", self._articles_show, True),
            ("GET", acct + r"/search/articles", self._search_articles_index, True),
            ("GET", acct + r"/webhooks", self._webhooks_index, True),
            ("POST", acct + r"/webhooks", self._webhooks_create, True),
            ("PATCH", acct + rf"/webhooks/{rid}", self._webhooks_update, True),
            ("PUT", acct + rf"/webhooks/{rid}", self._webhooks_update, True),
            ("DELETE", acct + rf"/webhooks/{rid}", self._webhooks_destroy, True),
            ("GET", acct2 + r"/reports", self._reports_timeseries, True),
            ("GET", acct2 + r"/reports/summary", self._reports_summary, True),
            ("GET", acct2 + r"/reports/bot_summary", self._reports_bot_summary, True),
            ("GET", acct2 + r"/summary_reports/(?P<kind>agent|team|inbox|label)", self._summary_report, True),
        ]
        return [(method, re.compile(pattern), handler, scoped) for method, pattern, handler, scoped in table]
