"""Self-tests of the sandbox's team endpoints (reports, CSAT, macros, contact merge and notes, contact labels,
help center, webhooks) and of the seeded fortnight they report on, over HTTP as a client sees them."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest
import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))

from sandbox import Sandbox

SERVER_ERROR = {"status": 500, "error": "Internal Server Error"}
DENIED = {"error": "You are not authorized to do this action"}
NOT_FOUND = {"error": "Resource could not be found"}
DAY = 86400
AGENT_KEYS = [
    "id",
    "account_id",
    "availability_status",
    "auto_offline",
    "confirmed",
    "email",
    "provider",
    "available_name",
    "name",
    "role",
    "thumbnail",
    "custom_role_id",
]
CONTACT_KEYS = [
    "additional_attributes",
    "availability_status",
    "email",
    "id",
    "name",
    "phone_number",
    "blocked",
    "identifier",
    "thumbnail",
    "custom_attributes",
    "last_activity_at",
    "created_at",
]


LABEL_ROW_KEYS = [
    "id",
    "name",
    "conversations_count",
    "avg_resolution_time",
    "avg_first_response_time",
    "avg_reply_time",
    "resolved_conversations_count",
]


@pytest.fixture
def sb(sandbox):
    """conftest's sandbox: freshly seeded, jobs in manual mode (they run on sb.run_jobs())."""
    return sandbox


def call(sb, method, path, token=Sandbox.TOKEN, **kwargs):
    headers = kwargs.pop("headers", {})
    if token is not None:
        headers["Api-Access-Token"] = token
    url = sb.url + (path if path.startswith("/api/") else f"/api/v1/accounts/1{path}")
    return requests.request(method, url, headers=headers, timeout=5, **kwargs)


def v2(sb, path, token=Sandbox.TOKEN, **params):
    return call(sb, "GET", f"/api/v2/accounts/1{path}", token=token, params=params)


def today() -> int:
    return int(time.time()) // DAY * DAY


def average(values):
    return sum(values) / len(values) if values else None


def week_conversations(sb):
    return [c for c in sb.conversations.values() if c["created_at"] > sb.BASE_TIME]


def in_window(ts, since, until):
    return since <= ts < until


def expected_summary(sb, since, until, business=False):
    """The seven summary metrics, computed here from the state (type=account)."""
    key = "value_in_business_hours" if business else "value"
    events = [e for e in sb.reporting_events if in_window(e["created_at"], since, until)]

    def avg(name):
        return average([e[key] for e in events if e["name"] == name])

    messages = [m for m in sb.messages.values() if in_window(m["created_at"], since, until)]
    return {
        "conversations_count": sum(in_window(c["created_at"], since, until) for c in sb.conversations.values()),
        "incoming_messages_count": sum(m["message_type"] == 0 for m in messages),
        "outgoing_messages_count": sum(m["message_type"] == 1 for m in messages),
        "avg_first_response_time": avg("first_response"),
        "avg_resolution_time": avg("conversation_resolved"),
        "resolutions_count": sum(e["name"] == "conversation_resolved" for e in events),
        "reply_time": avg("reply_time"),
    }


# ---------------------------------------------------------------- the seeded fortnight


def test_the_fortnight_of_history_follows_the_starting_data_and_is_all_resolved(sb):
    week = week_conversations(sb)
    assert len(week) >= 14 * 5 and sorted(c["id"] for c in week) == list(range(31, 31 + len(week)))
    midnight = today()
    assert all(midnight - 14 * DAY <= c["created_at"] < midnight for c in week)
    assert {c["status"] for c in week} == {"resolved"}
    assert all(m["created_at"] < midnight for c in week for m in sb.conversation_messages(c["id"]))
    assert {c["inbox_id"] for c in week} == {1, 2, 3} and {c["assignee_id"] for c in week} <= {1, 2, 3, 4}
    # the base seed's counts are untouched: 16 open conversations, 13 of them visible to... everyone (admin)
    meta = call(sb, "GET", "/conversations/meta").json()["meta"]
    assert meta["all_count"] == 16
    # no new contact inboxes: the fortnight reuses the base seed's (contact, inbox) pairs
    assert len(sb.contact_inboxes) == len({(c["contact_id"], c["inbox_id"]) for c in sb.conversations.values()})


def test_the_fortnight_records_what_the_listeners_record(sb):
    for conv in week_conversations(sb):
        messages = sb.conversation_messages(conv["id"])
        events = [e for e in sb.reporting_events if e["conversation_id"] == conv["id"]]
        names = [e["name"] for e in events]
        replies = [m for m in messages if m["message_type"] == 1 and not m["private"]]
        first = next(e for e in events if e["name"] == "first_response")
        assert first["value"] == float(replies[0]["created_at"] - conv["created_at"])
        assert first["user_id"] == replies[0]["sender_id"] == conv["assignee_id"]
        assert names.count("first_response") == 1 and names.count("reply_time") == len(replies) - 1
        resolved = [e for e in events if e["name"] == "conversation_resolved"]
        assert len(resolved) == names.count("conversation_opened") + 1  # a reopened one is resolved twice
        assert resolved[0]["value"] == float(resolved[0]["created_at"] - conv["created_at"])
        assert conv["first_reply_created_at"] == replies[0]["created_at"] and conv["waiting_since"] is None
        if conv["inbox_id"] != 1:  # only the Website inbox has working hours
            assert all(e["value_in_business_hours"] == 0.0 for e in events)
        assert all(isinstance(e["value"], float) for e in events)
    website = [e for e in sb.reporting_events if e["inbox_id"] == 1 and e["created_at"] > sb.BASE_TIME]
    assert any(0 < e["value_in_business_hours"] < e["value"] for e in website)


def test_the_fortnight_has_csat_surveys_and_answers(sb):
    surveys = [m for m in sb.messages.values() if m["content_type"] == "input_csat"]
    assert surveys and all(m["message_type"] == 3 and m["content"] == "Please rate the conversation" for m in surveys)
    assert {sb.conversations[m["conversation_id"]]["inbox_id"] for m in surveys} == {1, 2}  # CSAT is on there
    responses = list(sb.csat_responses.values())
    assert 0 < len(responses) < len(surveys)
    assert {r["rating"] for r in responses} <= {1, 2, 3, 4, 5} and len({r["rating"] for r in responses}) >= 4
    assert any(r["feedback_message"] for r in responses) and any(not r["feedback_message"] for r in responses)
    for response in responses:
        message = sb.messages[response["message_id"]]
        submitted = message["content_attributes"]["submitted_values"]["csat_survey_response"]
        assert submitted == {"rating": response["rating"], "feedback_message": response["feedback_message"]}
        conv = sb.conversations[response["conversation_id"]]
        assert response["assigned_agent_id"] == conv["assignee_id"] and response["contact_id"] == conv["contact_id"]
        assert response["created_at"] >= message["created_at"]


def test_the_same_day_gives_the_same_fortnight():
    first, second = Sandbox(), Sandbox()  # (a run that straddles midnight UTC would seed two different days)

    def shape(sandbox):
        convs = [
            (c["id"], c["created_at"], c["inbox_id"], c["contact_id"], c["assignee_id"], c["labels"])
            for c in week_conversations(sandbox)
        ]
        events = [(e["name"], e["value"], e["conversation_id"]) for e in sandbox.reporting_events]
        return convs, events, sorted((r["rating"], r["message_id"]) for r in sandbox.csat_responses.values())

    assert shape(first) == shape(second)


# ---------------------------------------------------------------- reports v2


def test_reports_are_for_administrators_only(sb):
    for path in (
        "/reports",
        "/reports/summary",
        "/reports/bot_summary",
        "/summary_reports/agent",
        "/summary_reports/label",
    ):
        denied = v2(sb, path, token=Sandbox.AGENT_TOKEN)  # before any parameter is read: no type needed
        assert (denied.status_code, denied.json()) == (401, DENIED), path
    other = call(sb, "GET", "/api/v2/accounts/2/reports/summary", params={"type": "account"})
    assert (other.status_code, other.json()) == (401, {"error": "You are not authorized to access this account"})


def test_summary_is_computed_from_the_state_with_the_previous_period(sb):
    until = today()
    since = until - 7 * DAY
    body = v2(sb, "/reports/summary", type="account", since=since, until=until).json()
    expected = expected_summary(sb, since, until)
    assert list(body) == [*expected, "previous"]
    assert {k: v for k, v in body.items() if k != "previous"} == expected
    assert body["previous"] == expected_summary(sb, since - 7 * DAY, since)  # [since - (until - since), since)
    assert body["conversations_count"] >= 35 and body["previous"]["conversations_count"] >= 35
    for period in (body, body["previous"]):
        assert all(type(period[k]) is int for k in ("conversations_count", "resolutions_count"))
        assert all(type(period[k]) is float for k in ("avg_first_response_time", "avg_resolution_time", "reply_time"))
    business = v2(sb, "/reports/summary", type="account", since=since, until=until, business_hours="true").json()
    assert business["avg_first_response_time"] == expected_summary(sb, since, until, True)["avg_first_response_time"]
    assert business["avg_first_response_time"] < body["avg_first_response_time"]
    bot = v2(sb, "/reports/bot_summary", type="account", since=since, until=until).json()
    assert bot == {
        "bot_resolutions_count": 0,
        "bot_handoffs_count": 0,
        "previous": {"bot_resolutions_count": 0, "bot_handoffs_count": 0},
    }


def test_summary_scopes_by_type_and_id(sb):
    until = today()
    since = until - 7 * DAY
    agent = v2(sb, "/reports/summary", type="agent", id=3, since=since, until=until).json()
    mine = [c for c in sb.conversations.values() if c["assignee_id"] == 3 and in_window(c["created_at"], since, until)]
    sent = [
        m
        for m in sb.messages.values()
        if m["sender_type"] == "User" and m["sender_id"] == 3 and in_window(m["created_at"], since, until)
    ]
    assert agent["conversations_count"] == len(mine)
    assert agent["outgoing_messages_count"] == sum(m["message_type"] == 1 for m in sent)
    assert agent["incoming_messages_count"] == 0  # incoming messages *sent by that user*
    label = v2(sb, "/reports/summary", type="label", id=1, since=since, until=until).json()  # billing
    billing = [c for c in sb.conversations.values() if "billing" in c["labels"]]
    assert label["conversations_count"] == sum(in_window(c["created_at"], since, until) for c in billing)
    team = v2(sb, "/reports/summary", type="team", id=2, since=since, until=until).json()
    assert team["conversations_count"] == sum(
        c["team_id"] == 2 and in_window(c["created_at"], since, until) for c in sb.conversations.values()
    )
    inbox = v2(sb, "/reports/summary", type="inbox", id=3, since=since, until=until).json()
    assert inbox["resolutions_count"] == sum(
        e["name"] == "conversation_resolved" and e["inbox_id"] == 3 and in_window(e["created_at"], since, until)
        for e in sb.reporting_events
    )
    account = v2(sb, "/reports/summary", type="account", id=999, since=since, until=until)
    assert account.status_code == 200  # the id is ignored for the account
    for kind in ("inbox", "agent", "team", "label"):
        missing = v2(sb, "/reports/summary", type=kind, id=999, since=since, until=until)
        assert (missing.status_code, missing.json()) == (404, NOT_FOUND), kind


def test_summary_error_and_blank_quirks(sb):
    until = today()
    since = until - 7 * DAY
    for params in (
        {"since": since, "until": until},  # no type: nil.to_sym
        {"type": "foo", "since": since, "until": until},  # unknown type: nil.conversations
        {"type": "account", "since": "abc", "until": until},  # Date::Error
        {"type": "account", "since": f" {since}", "until": until},  # a leading space is not a digit
    ):
        failed = v2(sb, "/reports/summary", **params)
        assert (failed.status_code, failed.json()) == (500, SERVER_ERROR), params
    zeros = {
        "conversations_count": 0,
        "incoming_messages_count": 0,
        "outgoing_messages_count": 0,
        "avg_first_response_time": None,
        "avg_resolution_time": None,
        "resolutions_count": 0,
        "reply_time": None,
    }
    blank = v2(sb, "/reports/summary", type="account", since=since).json()  # no until: created_at IS NULL
    assert blank == {**zeros, "previous": zeros}
    assert v2(sb, "/reports/summary", type="account").json() == {**zeros, "previous": zeros}
    lenient = v2(sb, "/reports/summary", type="account", since=f"{since}.75", until=f"{until}xyz").json()
    assert lenient["conversations_count"] == expected_summary(sb, since, until)["conversations_count"]
    # group_by and timezone_offset don't change a summary
    plain = v2(sb, "/reports/summary", type="account", since=since, until=until).json()
    assert (
        v2(
            sb, "/reports/summary", type="account", since=since, until=until, group_by="hour", timezone_offset="5.5"
        ).json()
        == plain
    )


def test_timeseries_buckets_the_range(sb):
    until = today()
    since = until - 7 * DAY
    series = v2(sb, "/reports", type="account", metric="conversations_count", since=since, until=until).json()
    assert [row["timestamp"] for row in series] == list(range(since, until, DAY))
    assert all(list(row) == ["value", "timestamp"] and type(row["value"]) is int for row in series)
    assert sum(row["value"] for row in series) == expected_summary(sb, since, until)["conversations_count"]
    bogus = v2(
        sb, "/reports", type="account", metric="conversations_count", since=since, until=until, group_by="fortnight"
    )
    assert bogus.json() == series  # an unknown group_by is day
    # an average: {value, timestamp, count}; an empty bucket's value is the integer 0
    fresh = until - 2 * DAY
    averages = v2(
        sb, "/reports", type="account", metric="avg_first_response_time", since=fresh, until=until + 2 * DAY
    ).json()
    assert [list(row) for row in averages] == [["value", "timestamp", "count"]] * 4
    assert [type(row["value"]) for row in averages] == [float, float, int, int]
    assert averages[2:] == [
        {"value": 0, "timestamp": until, "count": 0},
        {"value": 0, "timestamp": until + DAY, "count": 0},
    ]
    events = [
        e
        for e in sb.reporting_events
        if e["name"] == "first_response" and in_window(e["created_at"], fresh, fresh + DAY)
    ]
    assert averages[0] == {"value": average([e["value"] for e in events]), "timestamp": fresh, "count": len(events)}
    # weeks start on Sunday; the first bucket is the one holding `since`
    weekly = v2(
        sb, "/reports", type="account", metric="resolutions_count", since=since, until=until, group_by="week"
    ).json()
    assert all(time.gmtime(row["timestamp"]).tm_wday == 6 for row in weekly)  # Sunday
    assert weekly[0]["timestamp"] <= since < weekly[0]["timestamp"] + 7 * DAY
    assert sum(row["value"] for row in weekly) == expected_summary(sb, since, until)["resolutions_count"]
    # timezone_offset: the buckets and their timestamps are local midnights (India: UTC+5:30, no DST)
    india = v2(
        sb, "/reports", type="account", metric="conversations_count", since=since, until=until, timezone_offset="5.5"
    ).json()
    assert all((row["timestamp"] + 19800) % DAY == 0 for row in india)
    assert sum(row["value"] for row in india) == sum(row["value"] for row in series)


def test_timeseries_quirks(sb):
    until = today()
    since = until - 7 * DAY
    for metric in ("nope", None):
        unknown = v2(sb, "/reports", type="account", metric=metric, since=since, until=until)
        assert (unknown.status_code, unknown.json()) == (200, {})
    assert v2(sb, "/reports", type="foo", metric="nope").json() == {}  # the scope is never touched
    assert v2(sb, "/reports", metric="nope").status_code == 500  # ...but type.to_sym is
    assert v2(sb, "/reports", type="foo", metric="conversations_count", since=since, until=until).status_code == 500
    assert v2(sb, "/reports", type="account", metric="conversations_count", since=since).json() == []
    assert v2(sb, "/reports", type="account", metric="conversations_count", since="x", until=until).status_code == 500
    one = v2(sb, "/reports", type="account", metric="conversations_count", since=until, until=until).json()
    assert one == [{"value": 0, "timestamp": until}]  # the bucket holding `since` is always there
    lost = v2(sb, "/reports", type="inbox", id=42, metric="conversations_count", since=since, until=until)
    assert (lost.status_code, lost.json()) == (404, NOT_FOUND)


def test_summary_tables(sb):
    until = today()
    since = until - 7 * DAY
    keys = ["id", "conversations_count", "resolved_conversations_count", "avg_resolution_time",
            "avg_first_response_time", "avg_reply_time"]  # fmt: skip
    agents = v2(sb, "/summary_reports/agent", since=since, until=until).json()
    assert [row["id"] for row in agents] == [1, 2, 3, 4] and all(list(row) == keys for row in agents)
    for row in agents:
        events = [
            e for e in sb.reporting_events if e["user_id"] == row["id"] and in_window(e["created_at"], since, until)
        ]
        resolved = [e["value"] for e in events if e["name"] == "conversation_resolved"]
        assert row["conversations_count"] == sum(
            c["assignee_id"] == row["id"] and in_window(c["created_at"], since, until)
            for c in sb.conversations.values()
        )
        assert row["resolved_conversations_count"] == len(resolved)
        assert row["avg_resolution_time"] == average(resolved)
    teams = v2(sb, "/summary_reports/team", since=since, until=until).json()
    assert [row["id"] for row in teams] == [1, 2]
    assert sum(row["resolved_conversations_count"] for row in teams) == sum(
        e["name"] == "conversation_resolved"
        and in_window(e["created_at"], since, until)
        and sb.conversations[e["conversation_id"]]["team_id"] is not None
        for e in sb.reporting_events
    )
    inboxes = v2(sb, "/summary_reports/inbox", since=since, until=until).json()
    assert [row["id"] for row in inboxes] == sorted(sb.inboxes)  # every inbox, SMS, WhatsApp and Telegram too
    assert (
        sum(row["conversations_count"] for row in inboxes) == expected_summary(sb, since, until)["conversations_count"]
    )
    # blank dates: every row, with 0, 0 and nulls (created_at IS NULL), not all time
    for kind, ids in (("agent", [1, 2, 3, 4]), ("team", [1, 2]), ("inbox", sorted(sb.inboxes))):
        rows = v2(sb, f"/summary_reports/{kind}", since=since).json()
        assert rows == [dict(zip(keys, [i, 0, 0, None, None, None])) for i in ids]
    assert v2(sb, "/summary_reports/agent", since="abc", until=until).status_code == 500
    business = v2(sb, "/summary_reports/inbox", since=since, until=until, business_hours="true").json()
    no_hours = [row for row in business if not sb.inboxes[row["id"]]["working_hours_enabled"]]
    assert no_hours and all(row["avg_first_response_time"] in (0.0, None) for row in no_hours)  # no working hours


def test_label_summary_table(sb):
    until = today()
    since = until - 7 * DAY
    rows = v2(sb, "/summary_reports/label", since=since, until=until).json()
    titles = sorted(label["title"] for label in sb.labels.values())
    assert [row["name"] for row in rows] == titles  # ordered by title, with the name
    assert all(list(row) == LABEL_ROW_KEYS for row in rows)
    billing = next(row for row in rows if row["name"] == "billing")
    tagged = [c for c in sb.conversations.values() if "billing" in c["labels"]]
    created = {c["id"] for c in tagged if in_window(c["created_at"], since, until)}
    assert billing["conversations_count"] == len(created)
    assert billing["avg_first_response_time"] == average(
        [e["value"] for e in sb.reporting_events if e["name"] == "first_response" and e["conversation_id"] in created]
    )
    assert billing["resolved_conversations_count"] == sum(
        e["name"] == "conversation_resolved"
        and e["conversation_id"] in {c["id"] for c in tagged}
        and in_window(e["created_at"], since, until)
        for e in sb.reporting_events
    )
    # a window without data: zeros, and the averages are the integer 0 (never null)
    future = v2(sb, "/summary_reports/label", since=until + 10 * DAY, until=until + 11 * DAY).json()
    assert all(type(row["avg_reply_time"]) is int and row["avg_reply_time"] == 0 for row in future)
    assert all(row["conversations_count"] == 0 == row["resolved_conversations_count"] for row in future)
    # blank dates: all time
    everything = v2(sb, "/summary_reports/label").json()
    assert next(row for row in everything if row["name"] == "billing")["conversations_count"] == len(tagged)


def test_api_writes_land_in_the_reports(sb):
    before = time.time()
    since, until = int(before) - 5, int(before) + 3600
    call(sb, "POST", "/conversations/2/messages", json={"content": "Looking into it now."})  # its first reply
    call(sb, "POST", "/conversations/2/toggle_status", json={"status": "resolved"})
    body = v2(sb, "/reports/summary", type="account", since=since, until=until).json()
    created = sb.conversations[2]["created_at"]
    assert body["resolutions_count"] == 1 and body["outgoing_messages_count"] == 1
    assert abs(body["avg_resolution_time"] - (before - created)) < 5
    assert abs(body["avg_first_response_time"] - (before - created)) < 5
    call(sb, "POST", "/conversations/2/toggle_status", json={"status": "open"})
    reopened = [e for e in sb.reporting_events if e["conversation_id"] == 2 and e["name"] == "conversation_opened"]
    assert len(reopened) == 1 and reopened[0]["value"] < 5  # seconds since it was resolved


# ---------------------------------------------------------------- CSAT


def test_csat_is_for_administrators_and_renders_the_view(sb):
    for path in ("/csat_survey_responses", "/csat_survey_responses/metrics"):
        denied = call(sb, "GET", path, token=Sandbox.AGENT_TOKEN)
        assert (denied.status_code, denied.json()) == (401, DENIED)
    rows = call(sb, "GET", "/csat_survey_responses", params={"sort": "-created_at"}).json()
    assert isinstance(rows, list) and len(rows) == min(25, len(sb.csat_responses))
    first = rows[0]
    assert list(first) == [
        "id", "rating", "feedback_message", "csat_review_notes", "review_notes_updated_at", "account_id",
        "message_id", "contact", "conversation_id", "assigned_agent", "created_at",
    ]  # fmt: skip
    stored = sb.csat_responses[first["id"]]
    assert first["review_notes_updated_at"] is None and first["csat_review_notes"] is None
    assert first["conversation_id"] == stored["conversation_id"]  # the display id
    assert list(first["contact"]) == CONTACT_KEYS and first["contact"]["id"] == stored["contact_id"]
    assert (
        list(first["assigned_agent"])
        == AGENT_KEYS[:8] + (["custom_attributes"] if stored["assigned_agent_id"] == 3 else []) + AGENT_KEYS[8:]
    )
    stored["assigned_agent_id"] = None
    again = call(sb, "GET", "/csat_survey_responses", params={"sort": "-created_at"}).json()[0]
    assert "assigned_agent" not in again and list(again)[-2:] == ["conversation_id", "created_at"]


def test_csat_pages_sorts_and_filters(sb):
    total = len(sb.csat_responses)
    pages = [
        call(sb, "GET", "/csat_survey_responses", params={"page": p, "sort": "created_at"}).json() for p in (1, 2, 3, 4)
    ]
    assert [len(p) for p in pages] == [min(25, max(0, total - 25 * i)) for i in range(4)]
    ascending = [row["created_at"] for page in pages for row in page]
    assert ascending == sorted(ascending) and len(ascending) == total
    descending = call(sb, "GET", "/csat_survey_responses", params={"sort": "-created_at"}).json()
    assert [r["created_at"] for r in descending] == sorted(ascending, reverse=True)[:25]
    # without sort there is no ORDER BY: the same rows, in an order nobody may rely on
    orders = {tuple(r["id"] for r in call(sb, "GET", "/csat_survey_responses").json()) for _ in range(4)}
    assert len(orders) > 1

    def ids(**params):  # sorted, else the pages of a shuffled order would overlap
        rows = []
        for page in (1, 2, 3):
            rows += call(
                sb, "GET", "/csat_survey_responses", params={**params, "page": page, "sort": "created_at"}
            ).json()
        return sorted(r["id"] for r in rows)

    def where(predicate):
        return sorted(r["id"] for r in sb.csat_responses.values() if predicate(r))

    assert ids(rating=5) == where(lambda r: r["rating"] == 5)
    assert ids(**{"rating[]": ["1", "2"]}) == where(lambda r: r["rating"] in (1, 2))
    assert ids(user_ids=2) == where(lambda r: r["assigned_agent_id"] == 2)
    assert ids(**{"user_ids[]": ["3", "4"]}) == where(lambda r: r["assigned_agent_id"] in (3, 4))
    assert ids(inbox_id=2) == where(lambda r: sb.conversations[r["conversation_id"]]["inbox_id"] == 2)
    assert ids(team_id=1) == where(lambda r: sb.conversations[r["conversation_id"]]["team_id"] == 1)
    until = today()
    since = until - 7 * DAY
    assert ids(since=since, until=until) == where(lambda r: in_window(r["created_at"], since, until))
    assert ids(since=since) == where(lambda r: True)  # one bound alone: no date filter at all


def test_csat_metrics(sb):
    until = today()
    since = until - 7 * DAY
    metrics = call(sb, "GET", "/csat_survey_responses/metrics", params={"since": since, "until": until}).json()
    window = [r for r in sb.csat_responses.values() if in_window(r["created_at"], since, until)]
    assert list(metrics) == ["total_count", "ratings_count", "total_sent_messages_count"]
    assert metrics["total_count"] == len(window)
    ratings = sorted({r["rating"] for r in window})
    assert metrics["ratings_count"] == {str(k): sum(r["rating"] == k for r in window) for k in ratings}
    sent = sum(
        m["content_type"] == "input_csat" and in_window(m["created_at"], since, until) for m in sb.messages.values()
    )
    assert metrics["total_sent_messages_count"] == sent
    filtered = call(
        sb, "GET", "/csat_survey_responses/metrics", params={"since": since, "until": until, "rating": 5, "inbox_id": 1}
    ).json()
    assert filtered["total_sent_messages_count"] == sent  # dates only
    assert list(filtered["ratings_count"]) in ([], ["5"])
    sorted_ = call(sb, "GET", "/csat_survey_responses/metrics", params={"sort": "-created_at"})
    assert (sorted_.status_code, sorted_.json()) == (500, SERVER_ERROR)


# ---------------------------------------------------------------- macros


def test_macro_list_show_and_visibility(sb):
    admin = call(sb, "GET", "/macros").json()
    assert list(admin) == ["payload"] and [m["id"] for m in admin["payload"]] == [1, 2, 5]
    ana = call(sb, "GET", "/macros", token=Sandbox.AGENT_TOKEN).json()["payload"]
    assert [m["id"] for m in ana] == [1, 2, 3, 5]  # globals and her own, by id
    close = admin["payload"][0]
    assert list(close) == ["id", "name", "visibility", "created_by", "updated_by", "account_id", "actions"]
    assert close["name"] == "Close as refunded" and close["visibility"] == "global"
    assert list(close["created_by"]) == AGENT_KEYS and close["created_by"]["id"] == 1
    assert close["actions"][2] == {"action_name": "resolve_conversation"}  # stored as posted
    orphan = admin["payload"][2]
    assert "created_by" not in orphan and orphan["updated_by"]["id"] == 1
    shown = call(sb, "GET", "/macros/3", token=Sandbox.AGENT_TOKEN)
    assert shown.json() == {"payload": ana[2]} and ana[2]["visibility"] == "personal"
    missing = call(sb, "GET", "/macros/99")
    assert (missing.status_code, missing.content) == (404, b"")  # head :not_found
    someone_elses = call(sb, "GET", "/macros/4", token=Sandbox.AGENT_TOKEN)
    assert (someone_elses.status_code, someone_elses.json()) == (401, DENIED)
    assert call(sb, "GET", "/macros/3").status_code == 401  # admins don't see others' personal macros either


def test_macro_execute_answers_at_once_and_works_in_a_job(sb):
    done = call(sb, "POST", "/macros/1/execute", json={"conversation_ids": [2, 9999]})
    assert (done.status_code, done.content) == (200, b"")
    conv = sb.conversations[2]
    assert conv["status"] == "open" and conv["labels"] == ["vip"] and len(sb.jobs) == 1  # nothing yet
    assert sb.run_jobs() == 1 and sb.jobs == [] and sb.failed_jobs == []
    assert conv["labels"] == ["vip", "refund"] and conv["status"] == "resolved"
    note = sb.conversation_messages(2)[-1]
    assert (note["content"], note["private"], note["message_type"]) == ("Refund issued via macro", True, 1)
    assert (note["sender_type"], note["sender_id"]) == ("User", 1)  # the user who ran it
    assert any(e["name"] == "conversation_resolved" and e["conversation_id"] == 2 for e in sb.reporting_events)
    # escalate: team 2 and high priority
    call(sb, "POST", "/macros/2/execute", json={"conversation_ids": [6, "8"]})
    sb.run_jobs()
    assert [(sb.conversations[i]["team_id"], sb.conversations[i]["priority"]) for i in (6, 8)] == [(2, "high")] * 2


def test_a_personal_macro_runs_as_its_author(sb):
    denied = call(sb, "POST", "/macros/4/execute", token=Sandbox.AGENT_TOKEN, json={"conversation_ids": [1]})
    assert (denied.status_code, denied.json()) == (401, DENIED) and sb.jobs == []
    call(sb, "POST", "/macros/3/execute", token=Sandbox.AGENT_TOKEN, json={"conversation_ids": [2, 8]})
    sb.run_jobs()
    for display_id in (2, 8):
        conv = sb.conversations[display_id]
        reply = sb.conversation_messages(display_id)[-1]
        assert (reply["content"], reply["private"]) == ("Thanks for your patience! I'll follow up tomorrow.", False)
        assert reply["sender_id"] == 2 and conv["status"] == "snoozed" and conv["snoozed_until"] is None
    assert sb.conversations[2]["assignee_id"] == 2  # "self": Ana is a member of the Website inbox
    assert sb.conversations[8]["assignee_id"] is None  # ...not of the Email inbox: not assignable there


def test_macro_actions_fail_one_by_one_and_ids_must_be_integers(sb):
    sb.macros[9] = {
        "id": 9,
        "account_id": 1,
        "name": "Mixed",
        "visibility": "global",
        "created_by_id": 1,
        "updated_by_id": 1,
        "actions": [
            {"action_name": "change_status", "action_params": ["bogus"]},  # raises, is reported, goes on
            {"action_name": "change_priority", "action_params": ["urgent"]},
            {"action_name": "assign_agent", "action_params": ["3"]},  # a string id: ignored
            {"action_name": "assign_team", "action_params": ["1"]},  # ignored too
            {"action_name": "remove_label", "action_params": ["vip"]},
            {"action_name": "send_webhook_event", "action_params": ["https://hooks.example.com/m"]},
            {"action_name": "send_email_transcript", "action_params": ["a@example.com, b@example.com"]},
            {"action_name": "mute_conversation"},
        ],
    }
    call(sb, "POST", "/macros/9/execute", json={"conversation_ids": [2]})
    sb.run_jobs()
    conv = sb.conversations[2]
    assert (conv["priority"], conv["assignee_id"], conv["team_id"], conv["labels"]) == ("urgent", None, None, [])
    assert conv["status"] == "resolved" and conv["muted"] and sb.contacts[conv["contact_id"]]["blocked"]
    assert [e["action"]["action_name"] for e in sb.tracked_errors] == ["change_status"]
    assert sb.webhook_events == [
        {
            "url": "https://hooks.example.com/m",
            "event": "macro.executed",
            "conversation_id": 2,
            "at": sb.webhook_events[0]["at"],
        }
    ]
    assert [t["email"] for t in sb.email_transcripts] == ["a@example.com", "b@example.com"]


def test_a_missing_macro_or_bad_ids_fail_the_job_silently(sb):
    ghost = call(sb, "POST", "/macros/404/execute", json={"conversation_ids": [1]})
    assert (ghost.status_code, ghost.content) == (200, b"")
    scalar = call(sb, "POST", "/macros/1/execute", json={"conversation_ids": "5"})
    assert scalar.status_code == 200
    call(sb, "POST", "/macros/1/execute", json={})  # nil.to_a: nothing to do, no failure
    assert sb.run_jobs() == 3
    assert [j["name"] for j in sb.failed_jobs] == ["MacrosExecutionJob"] * 2
    assert sb.conversations[1]["status"] == "open" and sb.conversations[5]["status"] == "snoozed"


def test_jobs_in_auto_mode_can_still_be_drained_at_once():
    sandbox = Sandbox()  # auto: a timer would run the queue a moment later
    sandbox.job_delay = 60
    ran = []

    def probe(value):
        ran.append(value)

    sandbox._enqueue("Probe", probe, value="ran")
    assert sandbox.jobs and sandbox.run_jobs() == 1 and ran == ["ran"]
    timer = sandbox._timers[0]
    sandbox.stop()  # cancels the timer
    assert timer.finished.is_set()


# ---------------------------------------------------------------- contact merge


def test_contact_merge_moves_everything_and_the_base_wins(sb):
    olivia = dict(sb.contacts[12])
    her_conversations = [c["id"] for c in sb.conversations.values() if c["contact_id"] == 12]
    her_inboxes = [ci["id"] for ci in sb.contact_inboxes.values() if ci["contact_id"] == 12]
    her_csat = [r["id"] for r in sb.csat_responses.values() if r["contact_id"] == 12]
    merged = call(
        sb,
        "POST",
        "/actions/contact_merge",
        token=Sandbox.AGENT_TOKEN,
        json={"base_contact_id": 20, "mergee_contact_id": 12},
    )
    assert merged.status_code == 200  # any member may merge
    body = merged.json()
    assert list(body) == [*CONTACT_KEYS[:10], "created_at"]  # no payload, no contact_inboxes (no activity yet)
    assert body["id"] == 20 and body["name"] == "Carlos Mendes"  # the base's name wins
    assert (body["email"], body["phone_number"]) == (olivia["email"], olivia["phone_number"])  # blanks filled
    assert body["additional_attributes"] == olivia["additional_attributes"] and body["custom_attributes"] == {
        "plan": "pro"
    }
    assert 12 not in sb.contacts and call(sb, "GET", "/contacts/12").status_code == 404
    assert all(sb.conversations[i]["contact_id"] == 20 for i in her_conversations)
    assert all(sb.contact_inboxes[i]["contact_id"] == 20 for i in her_inboxes)
    assert all(
        m["sender_id"] == 20
        for i in her_conversations
        for m in sb.conversation_messages(i)
        if m["sender_type"] == "Contact"
    )
    assert sb.contacts[20]["labels"] == []  # her "vip" label is gone with her
    assert her_csat and not any(r in sb.csat_responses for r in her_csat)


def test_contact_merge_deep_merges_and_edge_cases(sb):
    body = call(sb, "POST", "/actions/contact_merge", json={"base_contact_id": 1, "mergee_contact_id": 10}).json()
    assert body["custom_attributes"] == {"plan": "pro", "seats": 40}  # key by key, the base first
    assert body["additional_attributes"]["company_name"] == "Acme GmbH" and body["email"] == "jane.doe@example.com"
    notes = call(sb, "GET", "/contacts/1/notes").json()
    assert "VIP: escalate any outage report to tier-2 immediately." in [n["content"] for n in notes]  # moved over
    same = call(sb, "POST", "/actions/contact_merge", json={"base_contact_id": 2, "mergee_contact_id": 2})
    assert same.status_code == 200 and same.json()["id"] == 2 and 2 in sb.contacts
    for body in (
        {"base_contact_id": 2, "mergee_contact_id": 999},
        {"base_contact_id": 999, "mergee_contact_id": 2},
        {},
    ):
        missing = call(sb, "POST", "/actions/contact_merge", json=body)
        assert (missing.status_code, missing.json()) == (404, NOT_FOUND)


# ---------------------------------------------------------------- contact notes


def test_notes_list_create_and_the_null_quirk(sb):
    listed = call(sb, "GET", "/contacts/1/notes").json()
    assert [n["id"] for n in listed] == [2, 1]  # newest first, a bare array
    assert list(listed[0]) == ["id", "content", "account_id", "contact_id", "user", "created_at", "updated_at"]
    assert listed[0]["account_id"] is None and listed[0]["contact_id"] is None
    assert list(listed[0]["user"]) == AGENT_KEYS and listed[0]["user"]["id"] == 1
    flat = call(sb, "POST", "/contacts/1/notes", token=Sandbox.AGENT_TOKEN, json={"content": "Called back, all good."})
    assert flat.status_code == 200
    note = flat.json()
    assert note["content"] == "Called back, all good." and note["user"]["id"] == 2 and note["contact_id"] is None
    wrapped = call(sb, "POST", "/contacts/1/notes", json={"note": {"content": "Second"}}).json()
    assert [n["id"] for n in call(sb, "GET", "/contacts/1/notes").json()][:2] == [wrapped["id"], note["id"]]
    assert sb.notes[note["id"]]["contact_id"] == 1 and sb.notes[note["id"]]["user_id"] == 2


def test_notes_validation_update_and_delete(sb):
    blank = call(sb, "POST", "/contacts/1/notes", json={"content": "  "})
    assert (blank.status_code, blank.json()) == (422, {"message": "Content can't be blank", "attributes": ["content"]})
    missing = call(sb, "POST", "/contacts/1/notes", json={})
    assert (missing.status_code, missing.json()) == (422, {"error": "param is missing or the value is empty: note"})
    long = call(sb, "POST", "/contacts/1/notes", json={"content": "x" * 20001})
    assert long.json() == {"message": "Content is too long (maximum is 20000 characters)", "attributes": ["content"]}
    assert call(sb, "POST", "/contacts/1/notes", json={"content": "x" * 20000}).status_code == 200
    unsaved = call(sb, "PATCH", "/contacts/1/notes/1", token=Sandbox.AGENT_TOKEN, json={"content": ""})
    assert unsaved.status_code == 200 and unsaved.json()["content"] == ""  # the unsaved content
    assert sb.notes[1]["content"] == "Prefers email over phone; based in Berlin (CET)."
    edited = call(sb, "PUT", "/contacts/1/notes/2", token=Sandbox.AGENT_TOKEN, json={"content": "Follow up in April."})
    assert edited.json()["content"] == "Follow up in April." and sb.notes[2]["content"] == "Follow up in April."
    assert sb.notes[2]["user_id"] == 2 and edited.json()["user"]["id"] == 2  # the editor becomes the author
    gone = call(sb, "DELETE", "/contacts/1/notes/2")
    assert (gone.status_code, gone.content) == (200, b"") and 2 not in sb.notes
    for path in ("/contacts/1/notes/2", "/contacts/2/notes/1", "/contacts/999/notes"):
        assert call(sb, "GET", path).json() == NOT_FOUND


# ---------------------------------------------------------------- contact labels


def test_contact_labels_replace_and_reparse(sb):
    posted = call(sb, "POST", "/contacts/3/labels", json={"labels": ["vip, billing", "VIP", " vip ", "", '"a,b"']})
    assert posted.json() == {"payload": ["a,b", "vip", "billing", "VIP"]}  # quoted first; split, stripped, unique
    assert call(sb, "GET", "/contacts/3/labels").json() == posted.json() and sb.contacts[3]["labels"] == [
        "a,b",
        "vip",
        "billing",
        "VIP",
    ]
    assert call(sb, "POST", "/contacts/3/labels", json={"labels": "vip"}).json() == {"payload": []}  # not an array
    call(sb, "POST", "/contacts/10/labels", json={})
    assert sb.contacts[10]["labels"] == []  # replace semantics: no labels clears them
    assert call(sb, "POST", "/contacts/999/labels", json={"labels": ["x"]}).json() == NOT_FOUND


# ---------------------------------------------------------------- help center


def test_portals_list_with_its_quirky_meta(sb):
    body = call(sb, "GET", "/portals", token=Sandbox.AGENT_TOKEN).json()
    assert list(body) == ["payload", "meta"] and body["meta"] == {"current_page": 1, "portals_count": 2}
    help_, legacy = body["payload"]
    assert list(help_) == [
        "id", "color", "custom_domain", "header_text", "homepage_link", "name", "page_title", "slug", "archived",
        "account_id", "config", "inbox", "meta", "ssl_settings",
    ]  # fmt: skip
    assert help_["slug"] == "acme-help" and legacy["archived"] is True
    assert "inbox" not in legacy and "ssl_settings" not in legacy and help_["inbox"]["id"] == 1
    assert help_["config"] == {
        "allowed_locales": [
            {"code": "en", "articles_count": 12, "categories_count": 4},
            {"code": "pt-BR", "articles_count": 2, "categories_count": 2},
        ]
    }
    assert help_["meta"] == {
        "all_articles_count": 0,
        "archived_articles_count": None,
        "published_count": None,
        "draft_articles_count": None,
        "categories_count": 6,
        "default_locale": "en",
    }
    assert call(sb, "GET", "/portals", params={"page": "2"}).json()["meta"]["current_page"] == "2"


def test_portal_show_counts_by_locale(sb):
    shown = call(sb, "GET", "/portals/acme-help", token=Sandbox.AGENT_TOKEN).json()
    assert shown["meta"] == {
        "all_articles_count": 14,
        "archived_articles_count": 1,
        "published_count": 10,
        "draft_articles_count": 3,
        "mine_articles_count": 4,  # Ana wrote four of them
        "categories_count": 6,
        "default_locale": "en",
    }
    portuguese = call(sb, "GET", "/portals/acme-help", params={"locale": "pt-BR"}).json()["meta"]
    assert (portuguese["all_articles_count"], portuguese["categories_count"], portuguese["mine_articles_count"]) == (
        2,
        6,
        1,
    )
    french = call(sb, "GET", "/portals/acme-help", params={"locale": "fr"}).json()["meta"]
    assert "mine_articles_count" not in french and french["published_count"] == 0
    unknown = call(sb, "GET", "/portals/nope")
    assert (unknown.status_code, unknown.json()) == (500, SERVER_ERROR)


def test_articles_list_filters_orders_and_counts(sb):
    body = call(sb, "GET", "/portals/acme-help/articles", token=Sandbox.AGENT_TOKEN).json()
    rows = body["payload"]
    assert [r["updated_at"] for r in rows] == sorted((r["updated_at"] for r in rows), reverse=True)
    assert body["meta"] == {
        "all_articles_count": 14,
        "archived_articles_count": 1,
        "articles_count": 14,
        "current_page": 1,
        "draft_articles_count": 3,
        "mine_articles_count": 4,
        "published_count": 10,
    }
    first = next(r for r in rows if r["id"] == 1)
    assert list(first) == [
        "id", "slug", "title", "content", "description", "status", "position", "account_id", "updated_at", "meta",
        "category", "views", "author", "associated_articles",
    ]  # fmt: skip
    translation = first["associated_articles"][0]
    assert translation["id"] == 13 and list(translation) == [
        "id", "category_id", "title", "content", "description", "status", "account_id", "portal", "views", "author",
    ]  # fmt: skip
    assert translation["portal"]["meta"]["published_count"] is None  # the list's meta
    uncategorized = next(r for r in rows if r["id"] == 12)
    assert uncategorized["category"] == {"id": None, "name": None, "slug": None, "locale": None}
    assert "associated_articles" not in uncategorized
    drafts = call(sb, "GET", "/portals/acme-help/articles", params={"status": "draft", "page": "1"}).json()
    assert {r["id"] for r in drafts["payload"]} == {3, 6, 14}
    assert drafts["meta"]["articles_count"] == 14 and drafts["meta"]["current_page"] == "1"  # status ignored
    published = call(sb, "GET", "/portals/acme-help/articles", params={"status": "1", "author_id": 3}).json()
    assert {r["id"] for r in published["payload"]} == {2, 10, 11}
    by_category = call(sb, "GET", "/portals/acme-help/articles", params={"category_slug": "account-login"}).json()
    assert [r["id"] for r in by_category["payload"]] == [1, 13, 2, 3]  # both locales, by position
    assert by_category["meta"]["articles_count"] == 4
    english = call(sb, "GET", "/portals/acme-help/articles", params={"locale": "pt-BR"}).json()
    assert {r["id"] for r in english["payload"]} == {13, 14}
    lost = call(sb, "GET", "/portals/nope/articles", token=Sandbox.AGENT_TOKEN)
    assert (lost.status_code, lost.json()) == (404, NOT_FOUND)


def test_articles_full_text_query(sb):
    def found(query, portal="acme-help"):
        body = call(sb, "GET", f"/portals/{portal}/articles", params={"query": query}).json()
        return sorted(r["id"] for r in body["payload"]), body["meta"]["articles_count"]

    assert found("password reset") == ([1], 1)  # terms are ANDed
    assert found("pass") == ([1], 1)  # each term is a prefix
    assert found("RATE LIMITS?") == ([10], 1)  # lower-cased, ? stripped
    assert found("senha") == ([13], 1)
    assert found("refunded") == ([4], 1)  # in the content
    assert found("invoice vat") == ([5], 1)
    assert found("rate", "legacy-docs") == ([16], 1)
    assert found("zzz") == ([], 0)


def test_article_show_is_for_administrators(sb):
    shown = call(sb, "GET", "/portals/acme-help/articles/10").json()
    assert list(shown) == ["payload"] and shown["payload"]["title"] == "API rate limits"
    assert shown["payload"]["meta"] == {"title": "API rate limits | Acme Help", "tags": ["api", "limits"]}
    denied = call(sb, "GET", "/portals/acme-help/articles/10", token=Sandbox.AGENT_TOKEN)
    assert (denied.status_code, denied.json()) == (401, DENIED)
    assert call(sb, "GET", "/portals/acme-help/articles/999").json() == NOT_FOUND
    assert call(sb, "GET", "/portals/acme-help/articles/999", token=Sandbox.AGENT_TOKEN).status_code == 401
    assert call(sb, "GET", "/portals/acme-help/articles/15").status_code == 404  # another portal's


def test_search_articles_across_portals(sb):
    body = call(sb, "GET", "/search/articles", token=Sandbox.AGENT_TOKEN, params={"q": " rate limits "}).json()
    rows = body["payload"]["articles"]
    assert list(body) == ["payload"] and list(body["payload"]) == ["articles"]
    assert sorted(r["id"] for r in rows) == [10, 16]  # an archived portal's archived article too
    assert list(rows[0]) == [
        "id", "title", "locale", "content", "slug", "portal_slug", "account_id", "category_name", "status", "updated_at",
    ]  # fmt: skip
    legacy = next(r for r in rows if r["id"] == 16)
    assert (legacy["portal_slug"], legacy["status"], legacy["category_name"]) == (
        "legacy-docs",
        "archived",
        "Getting started",
    )
    drafts = call(sb, "GET", "/search/articles", params={"q": "two-factor"}).json()["payload"]["articles"]
    assert [r["id"] for r in drafts] == [3] and drafts[0]["status"] == "draft"
    assert call(sb, "GET", "/search/articles", params={"q": ""}).json() == {"payload": {"articles": []}}
    common = call(sb, "GET", "/search/articles", params={"q": "a"}).json()["payload"]["articles"]  # every article
    rest = call(sb, "GET", "/search/articles", params={"q": "a", "page": 2}).json()["payload"]["articles"]
    assert (len(common), len(rest)) == (15, 1) and {r["id"] for r in common + rest} == set(range(1, 17))


# ---------------------------------------------------------------- webhooks


def test_webhooks_list_create_update_delete(sb):
    listed = call(sb, "GET", "/webhooks").json()
    assert listed == {
        "payload": {
            "webhooks": [
                {
                    "id": 1,
                    "name": "CRM sync",
                    "url": "https://crm.acme.example/chatwoot/events",
                    "account_id": 1,
                    "subscriptions": ["conversation_created", "conversation_status_changed", "message_created"],
                    "inbox": {"id": 2, "name": "Support API"},
                }
            ]
        }
    }
    created = call(sb, "POST", "/webhooks", json={"url": "https://example.com/hook", "name": "Slack"})
    assert created.status_code == 200
    webhook = created.json()["payload"]["webhook"]
    assert list(webhook) == ["id", "name", "url", "account_id", "subscriptions"]  # no inbox, no secret
    assert webhook["subscriptions"] == [
        "conversation_status_changed", "conversation_updated", "conversation_created", "contact_created",
        "contact_updated", "message_created", "message_updated", "webwidget_triggered",
    ]  # fmt: skip
    nested = call(
        sb,
        "POST",
        "/webhooks",
        json={"webhook": {"url": "https://b.example", "subscriptions": ["message_created"], "inbox_id": "1"}},
    ).json()["payload"]["webhook"]
    assert nested["inbox"] == {"id": 1, "name": "Website"} and nested["subscriptions"] == ["message_created"]
    updated = call(
        sb, "PATCH", f"/webhooks/{webhook['id']}", json={"subscriptions": ["inbox_created", "inbox_created"]}
    )
    assert updated.json()["payload"]["webhook"]["subscriptions"] == ["inbox_created", "inbox_created"]
    assert sb.webhooks[webhook["id"]]["name"] == "Slack"  # what wasn't sent stays
    gone = call(sb, "DELETE", f"/webhooks/{webhook['id']}")
    assert (gone.status_code, gone.content) == (200, b"") and webhook["id"] not in sb.webhooks
    assert call(sb, "DELETE", f"/webhooks/{webhook['id']}").json() == NOT_FOUND
    assert call(sb, "GET", "/webhooks/1").status_code == 404  # there is no show


def test_webhook_validation_and_access(sb):
    def create(body):
        answer = call(sb, "POST", "/webhooks", json=body)
        return answer.status_code, answer.json()

    invalid = {"message": "Url is invalid", "attributes": ["url"]}
    assert create({"url": "HTTPS://shouting.example"}) == (422, invalid)  # case-sensitive
    assert create({"url": "hello.com"}) == (422, invalid)
    assert create({"name": "no url"}) == (422, invalid)
    assert create({"url": "see https: later"})[0] == 200  # unanchored
    taken = create({"url": "https://crm.acme.example/chatwoot/events"})
    assert taken == (422, {"message": "Url has already been taken", "attributes": ["url"]})
    events = {"message": "Subscriptions Invalid events", "attributes": ["subscriptions"]}
    assert create({"url": "https://c.example", "subscriptions": []}) == (422, events)
    assert create({"url": "https://c.example", "subscriptions": ["message_created", "nope"]}) == (422, events)
    both = create({"url": "ftp://c.example", "subscriptions": ["nope"]})
    assert both == (
        422,
        {"message": "Url is invalid, Subscriptions Invalid events", "attributes": ["url", "subscriptions"]},
    )
    assert create({}) == (422, {"error": "param is missing or the value is empty: webhook"})
    assert (
        create({"url": "https://d.example", "subscriptions": "message_created"})[1]["payload"]["webhook"][
            "subscriptions"
        ][0]
        == "conversation_status_changed"
    )  # a scalar is dropped: the default
    unchanged = call(sb, "PATCH", "/webhooks/1", json={"url": "nope"})
    assert unchanged.json() == invalid and sb.webhooks[1]["url"] == "https://crm.acme.example/chatwoot/events"
    for method, path in (
        ("GET", "/webhooks"),
        ("POST", "/webhooks"),
        ("PATCH", "/webhooks/999"),
        ("DELETE", "/webhooks/1"),
    ):
        denied = call(sb, method, path, token=Sandbox.AGENT_TOKEN, json={"url": "https://e.example"})
        assert (denied.status_code, denied.json()) == (401, DENIED), path
    assert call(sb, "PATCH", "/webhooks/999", json={"url": "https://e.example"}).json() == NOT_FOUND
