"""Reports v2: the time series, the summaries with their previous period, and the summary tables.

Everything is computed from the stored conversations, messages and reporting events (never canned), as
``V2::Reports::Timeseries::{Count,Average}ReportBuilder``, ``MetricBuilder`` and the ``*SummaryBuilder``s
at Chatwoot 4.10.1 compute them. Administrators only (``ReportPolicy#view?``).
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .helpers import (
    INCOMING,
    OUTGOING,
    _blank,
    _Ctx,
    _date_range,
    _in_range,
    _int_or_none,
    _not_found,
    _server_error,
    _truthy,
    _unauthorized,
)
from .views import Views

COUNT_METRICS = (
    "conversations_count",
    "incoming_messages_count",
    "outgoing_messages_count",
    "resolutions_count",
    "bot_resolutions_count",
    "bot_handoffs_count",
)
AVERAGE_METRICS = {  # metric -> reporting event name
    "avg_first_response_time": "first_response",
    "avg_resolution_time": "conversation_resolved",
    "reply_time": "reply_time",
}
SUMMARY_METRICS = (  # MetricBuilder#summary's keys, in order
    "conversations_count",
    "incoming_messages_count",
    "outgoing_messages_count",
    "avg_first_response_time",
    "avg_resolution_time",
    "resolutions_count",
    "reply_time",
)
BOT_SUMMARY_METRICS = ("bot_resolutions_count", "bot_handoffs_count")
PERIODS = ("day", "week", "month", "year", "hour")
MAX_BUCKETS = 100_000  # a range that would need more buckets stands for a request that never ends: 500

# ActiveSupport::TimeZone::MAPPING (name=tz identifier): the zones timezone_offset is matched against
_ZONES = (
    "International Date Line West=Pacific/Midway;Midway Island=Pacific/Midway;American Samoa=Pacific/Pago_Pago;"
    "Hawaii=Pacific/Honolulu;Alaska=America/Juneau;Pacific Time (US & Canada)=America/Los_Angeles;"
    "Tijuana=America/Tijuana;Mountain Time (US & Canada)=America/Denver;Arizona=America/Phoenix;"
    "Chihuahua=America/Chihuahua;Mazatlan=America/Mazatlan;Central Time (US & Canada)=America/Chicago;"
    "Saskatchewan=America/Regina;Guadalajara=America/Mexico_City;Mexico City=America/Mexico_City;"
    "Monterrey=America/Monterrey;Central America=America/Guatemala;Eastern Time (US & Canada)=America/New_York;"
    "Indiana (East)=America/Indiana/Indianapolis;Bogota=America/Bogota;Lima=America/Lima;Quito=America/Lima;"
    "Atlantic Time (Canada)=America/Halifax;Caracas=America/Caracas;La Paz=America/La_Paz;"
    "Santiago=America/Santiago;Newfoundland=America/St_Johns;Brasilia=America/Sao_Paulo;"
    "Buenos Aires=America/Argentina/Buenos_Aires;Montevideo=America/Montevideo;Georgetown=America/Guyana;"
    "Puerto Rico=America/Puerto_Rico;Greenland=America/Godthab;Mid-Atlantic=Atlantic/South_Georgia;"
    "Azores=Atlantic/Azores;Cape Verde Is.=Atlantic/Cape_Verde;Dublin=Europe/Dublin;Edinburgh=Europe/London;"
    "Lisbon=Europe/Lisbon;London=Europe/London;Casablanca=Africa/Casablanca;Monrovia=Africa/Monrovia;"
    "UTC=Etc/UTC;Belgrade=Europe/Belgrade;Bratislava=Europe/Bratislava;Budapest=Europe/Budapest;"
    "Ljubljana=Europe/Ljubljana;Prague=Europe/Prague;Sarajevo=Europe/Sarajevo;Skopje=Europe/Skopje;"
    "Warsaw=Europe/Warsaw;Zagreb=Europe/Zagreb;Brussels=Europe/Brussels;Copenhagen=Europe/Copenhagen;"
    "Madrid=Europe/Madrid;Paris=Europe/Paris;Amsterdam=Europe/Amsterdam;Berlin=Europe/Berlin;Bern=Europe/Zurich;"
    "Zurich=Europe/Zurich;Rome=Europe/Rome;Stockholm=Europe/Stockholm;Vienna=Europe/Vienna;"
    "West Central Africa=Africa/Algiers;Bucharest=Europe/Bucharest;Cairo=Africa/Cairo;Helsinki=Europe/Helsinki;"
    "Kyiv=Europe/Kiev;Riga=Europe/Riga;Sofia=Europe/Sofia;Tallinn=Europe/Tallinn;Vilnius=Europe/Vilnius;"
    "Athens=Europe/Athens;Istanbul=Europe/Istanbul;Minsk=Europe/Minsk;Jerusalem=Asia/Jerusalem;"
    "Harare=Africa/Harare;Pretoria=Africa/Johannesburg;Kaliningrad=Europe/Kaliningrad;Moscow=Europe/Moscow;"
    "St. Petersburg=Europe/Moscow;Volgograd=Europe/Volgograd;Samara=Europe/Samara;Kuwait=Asia/Kuwait;"
    "Riyadh=Asia/Riyadh;Nairobi=Africa/Nairobi;Baghdad=Asia/Baghdad;Tehran=Asia/Tehran;Abu Dhabi=Asia/Muscat;"
    "Muscat=Asia/Muscat;Baku=Asia/Baku;Tbilisi=Asia/Tbilisi;Yerevan=Asia/Yerevan;Kabul=Asia/Kabul;"
    "Ekaterinburg=Asia/Yekaterinburg;Islamabad=Asia/Karachi;Karachi=Asia/Karachi;Tashkent=Asia/Tashkent;"
    "Chennai=Asia/Kolkata;Kolkata=Asia/Kolkata;Mumbai=Asia/Kolkata;New Delhi=Asia/Kolkata;"
    "Kathmandu=Asia/Kathmandu;Astana=Asia/Dhaka;Dhaka=Asia/Dhaka;Sri Jayawardenepura=Asia/Colombo;"
    "Almaty=Asia/Almaty;Novosibirsk=Asia/Novosibirsk;Rangoon=Asia/Rangoon;Bangkok=Asia/Bangkok;"
    "Hanoi=Asia/Bangkok;Jakarta=Asia/Jakarta;Krasnoyarsk=Asia/Krasnoyarsk;Beijing=Asia/Shanghai;"
    "Chongqing=Asia/Chongqing;Hong Kong=Asia/Hong_Kong;Urumqi=Asia/Urumqi;Kuala Lumpur=Asia/Kuala_Lumpur;"
    "Singapore=Asia/Singapore;Taipei=Asia/Taipei;Perth=Australia/Perth;Irkutsk=Asia/Irkutsk;"
    "Ulaanbaatar=Asia/Ulaanbaatar;Seoul=Asia/Seoul;Osaka=Asia/Tokyo;Sapporo=Asia/Tokyo;Tokyo=Asia/Tokyo;"
    "Yakutsk=Asia/Yakutsk;Darwin=Australia/Darwin;Adelaide=Australia/Adelaide;Canberra=Australia/Melbourne;"
    "Melbourne=Australia/Melbourne;Sydney=Australia/Sydney;Brisbane=Australia/Brisbane;Hobart=Australia/Hobart;"
    "Vladivostok=Asia/Vladivostok;Guam=Pacific/Guam;Port Moresby=Pacific/Port_Moresby;Magadan=Asia/Magadan;"
    "Srednekolymsk=Asia/Srednekolymsk;Solomon Is.=Pacific/Guadalcanal;New Caledonia=Pacific/Noumea;"
    "Fiji=Pacific/Fiji;Kamchatka=Asia/Kamchatka;Marshall Is.=Pacific/Majuro;Auckland=Pacific/Auckland;"
    "Wellington=Pacific/Auckland;Nuku'alofa=Pacific/Tongatapu;Tokelau Is.=Pacific/Fakaofo;"
    "Chatham Is.=Pacific/Chatham;Samoa=Pacific/Apia"
)


def _ruby_to_f(value: str) -> float:
    match = re.match(r"\s*[+-]?(\d+(\.\d+)?|\.\d+)([eE][+-]?\d+)?", value)
    return float(match.group(0)) if match else 0.0


@lru_cache(maxsize=64)
def _zone_for(offset: float, day: int) -> Any:
    """TimezoneHelper#timezone_name_from_offset: the first ActiveSupport zone (ordered by standard offset,
    then name) whose offset today equals ``offset`` hours; UTC when none does (groupdate's default)."""
    now = datetime.fromtimestamp(day * 86400 + 43200, timezone.utc)
    zones = []
    for pair in _ZONES.split(";"):
        name, key = pair.split("=")
        try:
            zone = ZoneInfo(key)
        except ZoneInfoNotFoundError:  # pragma: no cover - a tz database without the old links
            continue
        observed = now.astimezone(zone).utcoffset() or timedelta(0)
        standard = observed - (now.astimezone(zone).dst() or timedelta(0))
        zones.append((standard.total_seconds(), name, observed.total_seconds(), zone))
    zones.sort(key=lambda z: (z[0], z[1]))
    return next((z[3] for z in zones if z[2] == offset * 3600), timezone.utc)


def _bucket(ts: int, period: str, zone: Any) -> datetime:
    """groupdate's ``round_time``: the start of the period holding ``ts``, in ``zone`` (weeks start on Sunday)."""
    moment = datetime.fromtimestamp(ts, zone)
    if period == "hour":
        return moment.replace(minute=0, second=0, microsecond=0)
    day = moment.date()
    if period == "week":
        day -= timedelta(days=(day.weekday() + 1) % 7)
    elif period == "month":
        day = day.replace(day=1)
    elif period == "year":
        day = day.replace(month=1, day=1)
    return _midnight(day, zone)


def _next_bucket(start: datetime, period: str, zone: Any) -> datetime:
    if period == "hour":
        return _bucket(int(start.timestamp()) + 3600, period, zone)
    day = start.date()
    if period == "day":
        day += timedelta(days=1)
    elif period == "week":
        day += timedelta(days=7)
    elif period == "month":
        day = date(day.year + day.month // 12, day.month % 12 + 1, 1)
    else:
        day = date(day.year + 1, 1, 1)
    return _midnight(day, zone)


def _midnight(day: date, zone: Any) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=zone)


def _average(values: list[float]) -> float | None:
    """SQL ``AVG`` over a float column: a float, or null over no rows."""
    return sum(values) / len(values) if values else None


class ReportRoutes(Views):
    """Handlers for /api/v2/accounts/:account/reports... and /summary_reports/..."""

    def _authorize_reports(self, ctx: _Ctx) -> None:
        if not self._is_admin(ctx.user):  # ReportPolicy#view?, before any parameter is read
            raise _unauthorized("You are not authorized to do this action")

    # ------------------------------------------------------------------ what a report counts

    def _report_type(self, ctx: _Ctx) -> str:
        """``params[:type].to_sym``: a missing type (nil) or an array has no ``to_sym``: 500."""
        kind = ctx.params.get("type")
        if not isinstance(kind, str):
            raise _server_error()
        return kind

    def _report_records(self, ctx: _Ctx, kind: str) -> tuple[list[dict], list[dict], list[dict]]:
        """The scope's conversations, messages and reporting events (``scope.conversations`` etc.): the
        record named by ``id`` (404 when unknown; ignored for ``account``); an unknown type is 500."""
        account_id = ctx.account_id
        conversations = [c for c in self.conversations.values() if c["account_id"] == account_id]
        messages = [m for m in self.messages.values() if m["account_id"] == account_id]
        events = [
            e
            for e in self.reporting_events
            if e["account_id"] == account_id and e["conversation_id"] in self.conversations
        ]
        raw_id = ctx.params.get("id")
        if kind == "account":
            return conversations, messages, events
        if kind == "inbox":
            inbox = self._find_inbox(ctx, raw_id)
            return (
                [c for c in conversations if c["inbox_id"] == inbox["id"]],
                [m for m in messages if m["inbox_id"] == inbox["id"]],
                [e for e in events if e["inbox_id"] == inbox["id"]],
            )
        if kind == "agent":
            user = self._account_user(ctx, raw_id)
            if user is None:
                raise _not_found()
            return (
                [c for c in conversations if c["assignee_id"] == user["id"]],
                [m for m in messages if m["sender_type"] == "User" and m["sender_id"] == user["id"]],
                [e for e in events if e["user_id"] == user["id"]],
            )
        if kind == "label":
            label = self.labels.get(_int_or_none(raw_id))  # type: ignore[arg-type]
            if label is None:
                raise _not_found()
            title = label["title"].lower()  # tagged_with matches case-insensitively
            conversations = [c for c in conversations if title in (x.lower() for x in c["labels"])]
        elif kind == "team":
            team = self._account_team(ctx, raw_id)
            if team is None:
                raise _not_found()
            conversations = [c for c in conversations if c["team_id"] == team["id"]]
        else:
            raise _server_error()  # scope is nil: nil.conversations
        ids = {c["id"] for c in conversations}
        return (
            conversations,
            [m for m in messages if m["conversation_id"] in ids],
            [e for e in events if e["conversation_id"] in ids],
        )

    @staticmethod
    def _metric_rows(
        metric: str, records: tuple[list, list, list], window: tuple[int, int] | None, business: bool
    ) -> list[tuple[int, Any]]:
        """(created_at, value) of each row the metric counts or averages within ``window``; the value is
        the event's (business-hours) seconds, or the conversation id for the distinct handoff count."""
        conversations, messages, events = records
        if metric == "conversations_count":
            rows = [(c["created_at"], 1) for c in conversations]
        elif metric in ("incoming_messages_count", "outgoing_messages_count"):
            wanted = INCOMING if metric == "incoming_messages_count" else OUTGOING
            rows = [(m["created_at"], 1) for m in messages if m["message_type"] == wanted]
        else:
            name = {
                "resolutions_count": "conversation_resolved",
                "bot_resolutions_count": "conversation_bot_resolved",
                "bot_handoffs_count": "conversation_bot_handoff",
            }.get(metric) or AVERAGE_METRICS[metric]
            key = "value_in_business_hours" if business else "value"
            value = "conversation_id" if metric == "bot_handoffs_count" else key
            rows = [(e["created_at"], e[value]) for e in events if e["name"] == name]
        return [(ts, value) for ts, value in rows if _in_range(ts, window)]

    @staticmethod
    def _aggregate(metric: str, rows: list[tuple[int, Any]]) -> Any:
        if metric in AVERAGE_METRICS:
            return _average([value for _, value in rows])
        if metric == "bot_handoffs_count":  # select(:conversation_id).distinct.count
            return len({value for _, value in rows})
        return len(rows)

    # ------------------------------------------------------------------ GET /reports (the time series)

    def _reports_timeseries(self, ctx: _Ctx) -> Any:
        self._authorize_reports(ctx)
        kind = self._report_type(ctx)
        metric = ctx.params.get("metric")
        if metric not in COUNT_METRICS and metric not in AVERAGE_METRICS:
            return {}  # ReportBuilder#log_invalid_metric: logged, and an empty object
        records = self._report_records(ctx, kind)
        window = _date_range(ctx.params.get("since"), ctx.params.get("until"))
        if window is None:
            return []  # created_at IS NULL: no rows and no range to fill
        period = ctx.params.get("group_by")
        period = period if period in PERIODS else "day"
        zone = self._report_zone(ctx)
        rows = self._metric_rows(metric, records, window, _truthy(ctx.params.get("business_hours")))
        buckets: dict[int, list[Any]] = {}
        start = _bucket(window[0], period, zone)
        while True:  # the first bucket always; then every bucket that starts inside [since, until)
            buckets[int(start.timestamp())] = []
            if len(buckets) > MAX_BUCKETS:
                raise _server_error()
            start = _next_bucket(start, period, zone)
            if not window[0] <= start.timestamp() < window[1]:
                break
        for ts, value in rows:
            key = int(_bucket(ts, period, zone).timestamp())
            if key in buckets:
                buckets[key].append(value)
        series = []
        for timestamp, values in buckets.items():
            if metric in AVERAGE_METRICS:
                average = _average(values)
                series.append(
                    {"value": 0 if average is None else average, "timestamp": timestamp, "count": len(values)}
                )
            else:
                series.append({"value": self._aggregate(metric, [(0, v) for v in values]), "timestamp": timestamp})
        return series

    def _report_zone(self, ctx: _Ctx) -> Any:
        raw = ctx.params.get("timezone_offset")
        if _blank(raw):
            return timezone.utc
        if not isinstance(raw, str):
            raise _server_error()  # Array#to_f
        return _zone_for(_ruby_to_f(raw), int(self._now()) // 86400)

    # ------------------------------------------------------------------ GET /reports/summary and /bot_summary

    def _reports_summary(self, ctx: _Ctx) -> Any:
        return self._summary(ctx, SUMMARY_METRICS)

    def _reports_bot_summary(self, ctx: _Ctx) -> Any:
        return self._summary(ctx, BOT_SUMMARY_METRICS)

    def _summary(self, ctx: _Ctx, metrics: tuple[str, ...]) -> dict[str, Any]:
        """MetricBuilder over [since, until), then over the previous period of the same length:
        ``[(since.to_i - (until.to_i - since.to_i)).to_s, since)``, merged last as ``previous``."""
        self._authorize_reports(ctx)
        kind = self._report_type(ctx)
        business = _truthy(ctx.params.get("business_hours"))
        since, until = ctx.params.get("since"), ctx.params.get("until")

        def period(start: Any, end: Any) -> dict[str, Any]:
            records = self._report_records(ctx, kind)
            window = _date_range(start, end)
            return {m: self._aggregate(m, self._metric_rows(m, records, window, business)) for m in metrics}

        current = period(since, until)
        previous = period(str(_to_i(since) - (_to_i(until) - _to_i(since))), since)
        return {**current, "previous": previous}

    # ------------------------------------------------------------------ GET /summary_reports/{agent,team,inbox,label}

    def _summary_report(self, ctx: _Ctx, kind: str) -> Any:
        self._authorize_reports(ctx)

        def permitted(key: str) -> Any:  # params.permit(:since, :until, :business_hours): scalars only
            value = ctx.params.get(key)
            return None if isinstance(value, (list, dict)) else value

        window = _date_range(permitted("since"), permitted("until"))
        key = "value_in_business_hours" if _truthy(permitted("business_hours")) else "value"
        account_id = ctx.account_id
        conversations = [c for c in self.conversations.values() if c["account_id"] == account_id]
        events = [
            e
            for e in self.reporting_events
            if e["account_id"] == account_id and e["conversation_id"] in self.conversations
        ]
        if kind == "label":
            return self._label_summary(conversations, events, window, key)
        if kind == "agent":
            ids = sorted(u["id"] for u in self.users.values() if account_id in u["account_ids"])
            group_conversation, group_event = "assignee_id", (lambda e: e["user_id"])
        elif kind == "team":
            ids = sorted(t["id"] for t in self.teams.values() if t["account_id"] == account_id)
            group_conversation, group_event = "team_id", (lambda e: self.conversations[e["conversation_id"]]["team_id"])
        else:
            ids = sorted(i["id"] for i in self.inboxes.values() if i["account_id"] == account_id)
            group_conversation, group_event = "inbox_id", (lambda e: e["inbox_id"])
        created = [c for c in conversations if _in_range(c["created_at"], window)]
        in_window = [e for e in events if _in_range(e["created_at"], window)]
        rows = []
        for row_id in ids:
            mine = [e for e in in_window if group_event(e) == row_id]

            def values(name: str, mine: list = mine) -> list[float]:
                return [e[key] for e in mine if e["name"] == name]

            rows.append(
                {
                    "id": row_id,
                    "conversations_count": sum(1 for c in created if c[group_conversation] == row_id),
                    "resolved_conversations_count": len(values("conversation_resolved")),
                    "avg_resolution_time": _average(values("conversation_resolved")),
                    "avg_first_response_time": _average(values("first_response")),
                    "avg_reply_time": _average(values("reply_time")),
                }
            )
        return rows

    def _label_summary(
        self, conversations: list[dict], events: list[dict], window: tuple[int, int] | None, key: str
    ) -> list[dict[str, Any]]:
        """LabelSummaryBuilder: rows by label title; blank dates mean all time; the averages filter on the
        conversation's created_at, the resolved count on the event's; absent averages are the integer 0."""
        labels = sorted(self.labels.values(), key=lambda label: label["title"])
        if not labels:
            return []
        created = [c for c in conversations if window is None or _in_range(c["created_at"], window)]
        created_ids = {c["id"] for c in created}
        rows = []
        for label in labels:
            title = label["title"]
            tagged = {c["id"] for c in conversations if title in c["labels"]}
            mine = [e for e in events if e["conversation_id"] in tagged]

            def average(name: str, mine: list = mine) -> float | int:
                values = [e[key] for e in mine if e["name"] == name and e["conversation_id"] in created_ids]
                return float(_average(values)) if values else 0

            rows.append(
                {
                    "id": label["id"],
                    "name": title,
                    "conversations_count": sum(1 for c in created if title in c["labels"]),
                    "avg_resolution_time": average("conversation_resolved"),
                    "avg_first_response_time": average("first_response"),
                    "avg_reply_time": average("reply_time"),
                    "resolved_conversations_count": sum(
                        1
                        for e in mine
                        if e["name"] == "conversation_resolved"
                        and (window is None or _in_range(e["created_at"], window))
                    ),
                }
            )
        return rows


def _to_i(value: Any) -> int:
    """Ruby's ``to_i`` of a parameter: nil is 0, a string's leading integer (else 0); anything else has none."""
    if value is None:
        return 0
    if not isinstance(value, str):
        raise _server_error()
    match = re.match(r"\s*([+-]?\d+)", value)
    return int(match.group(1)) if match else 0
