#!/usr/bin/env python3
# /// script
# requires-python = ">=3.9"
# dependencies = ["requests>=2.28,<3", "jinja2>=3.0,<4"]
# ///
"""How did the team do? Conversation reports: totals with the previous period, one row per agent,
inbox, team or label, or one metric over time (administrators only).

Example:
  python3 scripts/report.py --summary
  python3 scripts/report.py --agent "Ana Silva" --since 30d --summary
  python3 scripts/report.py --by agent --since 60d --until 30d --summary
  python3 scripts/report.py --metric avg_first_response_time --group-by week --since 90d
Prints Chatwoot's answer: totals {"conversations_count", "incoming_messages_count",
"outgoing_messages_count", "avg_first_response_time", "avg_resolution_time", "resolutions_count",
"reply_time", "previous": {the same for the period just before, as long}}, times in seconds (null
when nothing happened); with --by, one row per agent, inbox, team or label, each named; with
--metric, [{"value", "timestamp", "count"}...] a day (or --group-by). --summary gives the same
figures readably: durations like "13m 32s" (null for an average over nothing), the change against
the previous period, dates.
The period is the last 7 days up to now unless --since / --until (YYYY-MM-DD, an ISO time, unix
seconds, today, yesterday, or 7d / 24h for that long ago; no offset means this machine's time
zone); Chatwoot's periods exclude their end.
"""

from __future__ import annotations

import time
from datetime import datetime, timezone

from chatwoot_cli import Command, past_moment
from chatwoot_client import UsageError
from chatwoot_listings import iso_utc
from chatwoot_names import AGENT, INBOX, LABEL, TEAM, add_named, resolve

COUNTS = (
    "conversations_count",
    "incoming_messages_count",
    "outgoing_messages_count",
    "resolutions_count",
    "bot_resolutions_count",
    "bot_handoffs_count",
)
AVERAGES = ("avg_first_response_time", "avg_resolution_time", "reply_time")
METRICS = COUNTS + AVERAGES  # app/builders/v2/reports/conversations/base_report_builder.rb, Chatwoot 4.10.1
TABLES = {"agent": AGENT, "inbox": INBOX, "team": TEAM, "label": None}  # label rows carry their own name
WEEK = 7 * 86400


def arguments(parser):
    target = parser.add_mutually_exclusive_group()
    add_named(parser, AGENT, "--agent", None, group=target, help="one agent's figures")
    add_named(parser, INBOX, "--inbox", None, group=target, help="one inbox's figures")
    add_named(parser, TEAM, "--team", None, group=target, help="one team's figures")
    target.add_argument("--label", metavar="L", help="the figures of the conversations with this label (its title)")
    target.add_argument("--by", choices=TABLES, help="one row per agent, inbox, team or label")
    parser.add_argument("--since", type=past_moment, metavar="WHEN", help="start of the period (default 7d)")
    parser.add_argument("--until", type=past_moment, metavar="WHEN", help="end of the period, excluded (default now)")
    parser.add_argument("--metric", metavar="M", help=f"one metric over time: {', '.join(METRICS)}")
    parser.add_argument(
        "--group-by", choices=("hour", "day", "week", "month", "year"), help="with --metric (default day)"
    )
    parser.add_argument("--business-hours", action="store_true", help="count times within the inboxes' business hours")
    parser.add_argument("--force", action="store_true", help="with --metric: send a metric Chatwoot 4.10 does not know")
    parser.add_argument("--summary", action="store_true", help="the same figures, readable (durations, changes, dates)")


def run(args, api):
    until = args.until if args.until is not None else int(time.time())
    since = args.since if args.since is not None else until - WEEK
    if since >= until:
        raise UsageError(f"--since ({iso_utc(since)}) must come before --until ({iso_utc(until)})")
    period = {"since": since, "until": until, "business_hours": "true" if args.business_hours else None}
    if args.by:
        if args.metric or args.group_by:
            raise UsageError("--by gives totals per row; --metric and --group-by go without it")
        rows = named_rows(api, args.by, api.get(api.v2(f"/summary_reports/{args.by}"), period))
        return [row_summary(row) for row in rows] if args.summary else rows
    kind, target = of_whom(api, args)
    params = {"type": kind, "id": target, **period}
    if args.metric is None:
        if args.group_by:
            raise UsageError("--group-by goes with --metric")
        totals = api.get(api.v2("/reports/summary"), params)
        return totals_summary(totals, since, until) if args.summary else totals
    if args.metric not in METRICS and not args.force:
        raise UsageError(
            f"--metric {args.metric} is not among Chatwoot 4.10's metrics: {', '.join(METRICS)} (Chatwoot would answer "
            "an unknown one with an empty {}; --force sends it anyway, for a newer server)"
        )
    offset = datetime.now().astimezone().utcoffset().total_seconds() / 3600  # buckets in this machine's days
    series_params = {"metric": args.metric, **params, "group_by": args.group_by or "day", "timezone_offset": offset}
    series = api.get(api.v2("/reports"), series_params)
    return series_summary(series, args.metric in AVERAGES or args.force) if args.summary else series


def of_whom(api, args) -> tuple:
    """Chatwoot's report type and id: the agent, inbox, team or label asked for, else the account."""
    for kind, value in (("agent", args.agent), ("inbox", args.inbox), ("team", args.team)):
        if value is not None:
            return kind, resolve(api, TABLES[kind], value)["id"]
    if args.label is not None:
        return "label", resolve(api, LABEL, args.label)["id"]
    return "account", api.config.account_id


def named_rows(api, by: str, rows: list) -> list:
    """Chatwoot's agent, inbox and team rows carry only an id: each gets its name."""
    kind = TABLES[by]
    if kind is None or not isinstance(rows, list):
        return rows
    names = {row.get("id"): row.get("name") for row in kind.rows(api)}
    return [{"id": row.get("id"), "name": names.get(row.get("id")), **row} for row in rows]


def duration(seconds) -> str | None:
    """A time in seconds as a person says it: 45s, 13m 32s, 2h 5m, 3d 4h."""
    if not isinstance(seconds, (int, float)) or isinstance(seconds, bool):
        return None
    whole = round(seconds)
    for size, unit, smaller, small_unit in ((86400, "d", 3600, "h"), (3600, "h", 60, "m"), (60, "m", 1, "s")):
        if whole >= size:
            rest = (whole % size) // smaller
            return f"{whole // size}{unit}" + (f" {rest}{small_unit}" if rest else "")
    return f"{whole}s"


def change(now, before) -> str | None:
    if not isinstance(now, (int, float)) or not isinstance(before, (int, float)) or not before:
        return None
    return f"{(now - before) / before * 100:+.0f}%"


def readable(name: str, value):
    return duration(value) if name in AVERAGES or name.startswith("avg_") else value


def totals_summary(totals: dict, since: int, until: int) -> dict:
    previous = totals.get("previous") or {}
    figures = {
        name: {
            "value": readable(name, value),
            "previous": readable(name, previous.get(name)),
            "change": change(value, previous.get(name)),
        }
        for name, value in totals.items()
        if name != "previous"
    }
    length = until - since
    return {
        "period": {"from": iso_utc(since), "to": iso_utc(until)},
        "previous_period": {"from": iso_utc(since - length), "to": iso_utc(since)},
        **figures,
    }


def row_summary(row: dict) -> dict:
    return {key: readable(key, value) for key, value in row.items()}


def series_summary(series, durations: bool) -> list:
    if not isinstance(series, list):
        return series
    return [
        {
            "from": datetime.fromtimestamp(point.get("timestamp") or 0, timezone.utc).astimezone().isoformat(),
            "value": readable_point(point) if durations else point.get("value"),
            **({"count": point["count"]} if "count" in point else {}),
        }
        for point in series
        if isinstance(point, dict)
    ]


def readable_point(point: dict) -> str | None:
    """An average's bucket as a duration; null for an empty one, which Chatwoot answers with 0, not null."""
    return None if point.get("count") == 0 else duration(point.get("value"))


command = Command(__doc__, arguments, run, admin_only=True)

if __name__ == "__main__":
    command.exit()
