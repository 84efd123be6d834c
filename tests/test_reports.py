"""report.py and csat.py: the exact report requests (v2 paths, type/id/since/until always), the
figures printed as Chatwoot computed them or readably (--summary), the refusals, and the
administrator-only answers."""

from __future__ import annotations

import time

import pytest
import requests
from conftest import ACCOUNT_PATH, DIRECTORY_AGENTS, assert_received, one_per_line, printed, reads, serve_directory
from sandbox import Sandbox

V2 = "/api/v2/accounts/1"
JAN_1 = 1767225600  # 2026-01-01T00:00:00Z
JAN_8 = JAN_1 + 7 * 86400
WEEK = ["--since", "2026-01-01T00:00:00Z", "--until", "2026-01-08T00:00:00Z"]
TOTALS = {
    "conversations_count": 10,
    "incoming_messages_count": 42,
    "outgoing_messages_count": 37,
    "avg_first_response_time": 812.5,
    "avg_resolution_time": None,
    "resolutions_count": 3,
    "reply_time": 640.0,
    "previous": {
        "conversations_count": 8,
        "incoming_messages_count": 30,
        "outgoing_messages_count": 29,
        "avg_first_response_time": 650.0,
        "avg_resolution_time": None,
        "resolutions_count": 0,
        "reply_time": 7322.0,
    },
}
ADMIN_ONLY = [
    "error: HTTP 401 from Chatwoot: You are not authorized to do this action",
    "error: hint: Chatwoot keeps this to administrators, and this token's role in the account is agent "
    "(whoami.py shows it); ask an administrator, or use an administrator's token",
]
LABELS = {"payload": [{"id": 7, "title": "refund", "description": "", "color": "#FF0000", "show_on_sidebar": True}]}


def query_of(request) -> list:
    return list(request.args.items(multi=True))


def direct(sandbox, path: str, **params):
    """What the sandbox answers the administrator for this path (as the scripts should print it)."""
    headers = {"Api-Access-Token": Sandbox.TOKEN}
    return requests.get(sandbox.url + path, params=params, headers=headers, timeout=5).json()


# --------------------------------------------------------------------------- report.py: totals


@pytest.mark.parametrize(
    ("flags", "target"),
    [
        ([], [("type", "account"), ("id", "1")]),
        (["--agent", "ana", "--business-hours"], [("type", "agent"), ("id", "5")]),
        (["--inbox", "Support API"], [("type", "inbox"), ("id", "3")]),
        (["--team", "tier-2"], [("type", "team"), ("id", "4")]),
        (["--label", "refund"], [("type", "label"), ("id", "7")]),
    ],
)
def test_report_totals_always_send_type_id_since_and_until(run, httpserver, flags, target):
    serve_directory(httpserver)
    httpserver.expect_request(f"{ACCOUNT_PATH}/labels", method="GET").respond_with_json(LABELS)
    httpserver.expect_request(f"{V2}/reports/summary", method="GET").respond_with_json(TOTALS)
    result = run("report", *WEEK, *flags)
    assert (result.code, result.stdout, result.stderr) == (0, printed(TOTALS), "")
    request = httpserver.log[-1][0]
    business = [("business_hours", "true")] if "--business-hours" in flags else []
    assert_received(
        request,
        "GET",
        f"{V2}/reports/summary",
        query=[*target, ("since", str(JAN_1)), ("until", str(JAN_8)), *business],
    )
    assert len(httpserver.log) == (1 if not flags else 2)  # a name is looked up once; the account needs nothing


def test_report_period_defaults_to_the_last_seven_days_up_to_now(run, httpserver):
    httpserver.expect_request(f"{V2}/reports/summary", method="GET").respond_with_json(TOTALS)
    before = int(time.time())
    result = run("report")
    after = int(time.time())
    assert (result.code, result.stdout) == (0, printed(TOTALS))
    query = dict(query_of(httpserver.log[0][0]))
    assert list(query) == ["type", "id", "since", "until"]
    assert before <= int(query["until"]) <= after
    assert int(query["since"]) == int(query["until"]) - 7 * 86400


def test_report_summary_reads_durations_changes_and_periods(run, httpserver):
    httpserver.expect_request(f"{V2}/reports/summary", method="GET").respond_with_json(TOTALS)
    result = run("report", *WEEK, "--summary")
    assert (result.code, result.stderr) == (0, "")
    assert result.stdout == printed(
        {
            "period": {"from": "2026-01-01T00:00:00Z", "to": "2026-01-08T00:00:00Z"},
            "previous_period": {"from": "2025-12-25T00:00:00Z", "to": "2026-01-01T00:00:00Z"},
            "conversations_count": {"value": 10, "previous": 8, "change": "+25%"},
            "incoming_messages_count": {"value": 42, "previous": 30, "change": "+40%"},
            "outgoing_messages_count": {"value": 37, "previous": 29, "change": "+28%"},
            "avg_first_response_time": {"value": "13m 32s", "previous": "10m 50s", "change": "+25%"},
            "avg_resolution_time": {"value": None, "previous": None, "change": None},
            "resolutions_count": {"value": 3, "previous": 0, "change": None},
            "reply_time": {"value": "10m 40s", "previous": "2h 2m", "change": "-91%"},
        }
    )
    assert_received(httpserver.log[0][0], "GET", f"{V2}/reports/summary")


@pytest.mark.parametrize(
    "flags",
    [
        ["--since", "1d", "--until", "2d"],
        ["--since", "2099-01-01"],
        ["--agent", "ana", "--team", "billing"],
        ["--by", "agent", "--metric", "reply_time"],
        ["--group-by", "week"],
        ["--by", "channel"],
    ],
)
def test_report_bad_periods_and_combinations_send_nothing(run, httpserver, flags):
    result = run("report", *flags)
    assert (result.code, result.stdout) == (2, "")
    assert len(result.error_lines) == 1
    assert httpserver.log == []


def test_report_since_after_until_names_both(run, httpserver):
    result = run("report", "--since", "2026-01-08T00:00:00Z", "--until", "2026-01-01T00:00:00Z")
    assert (result.code, result.stdout) == (2, "")
    assert result.error_lines == [
        "error: --since (2026-01-08T00:00:00Z) must come before --until (2026-01-01T00:00:00Z)"
    ]
    assert httpserver.log == []


# --------------------------------------------------------------------------- report.py: one metric over time


def test_report_unknown_metric_is_refused_before_chatwoot_answers_it_with_nothing(run, httpserver):
    httpserver.expect_request(f"{V2}/reports", method="GET").respond_with_json({})
    refused = run("report", "--metric", "avg_wait_time")
    assert (refused.code, refused.stdout) == (2, "")
    assert refused.error_lines == [
        "error: --metric avg_wait_time is not among Chatwoot 4.10's metrics: conversations_count, "
        "incoming_messages_count, outgoing_messages_count, resolutions_count, bot_resolutions_count, "
        "bot_handoffs_count, avg_first_response_time, avg_resolution_time, reply_time (Chatwoot would answer an "
        "unknown one with an empty {}; --force sends it anyway, for a newer server)"
    ]
    assert httpserver.log == []
    forced = run("report", "--metric", "avg_wait_time", "--force", *WEEK, env={"TZ": "UTC"})
    assert (forced.code, forced.stdout) == (0, "{}\n")  # what Chatwoot 4.10 says to a metric it does not know
    assert_received(
        httpserver.log[0][0], "GET", f"{V2}/reports",
        query=[("metric", "avg_wait_time"), ("type", "account"), ("id", "1"), ("since", str(JAN_1)),
               ("until", str(JAN_8)), ("group_by", "day"), ("timezone_offset", "0.0")],
    )  # fmt: skip


def test_report_metric_series_in_this_machines_days_and_readable(run, httpserver):
    series = [
        {"value": 93.0, "timestamp": JAN_1 - 19800, "count": 1},
        {"value": 0, "timestamp": JAN_1 - 19800 + 7 * 86400, "count": 0},  # Chatwoot's empty bucket: 0, not null
    ]
    httpserver.expect_request(f"{V2}/reports", method="GET").respond_with_json(series)
    india = {"TZ": "Asia/Kolkata"}
    raw = run("report", "--metric", "avg_first_response_time", "--group-by", "week", *WEEK, env=india)
    assert (raw.code, raw.stdout, raw.stderr) == (0, one_per_line(series), "")
    readable = run("report", "--metric", "avg_first_response_time", "--group-by", "week", *WEEK, "--summary", env=india)
    assert (readable.code, readable.stderr) == (0, "")
    assert readable.json == [
        {"from": "2026-01-01T00:00:00+05:30", "value": "1m 33s", "count": 1},
        {"from": "2026-01-08T00:00:00+05:30", "value": None, "count": 0},  # no reply that week: no average
    ]
    for request, _ in httpserver.log:
        assert_received(
            request, "GET", f"{V2}/reports",
            query=[("metric", "avg_first_response_time"), ("type", "account"), ("id", "1"), ("since", str(JAN_1)),
                   ("until", str(JAN_8)), ("group_by", "week"), ("timezone_offset", "5.5")],
        )  # fmt: skip


def test_report_count_series_summary_keeps_plain_numbers(run, httpserver):
    series = [{"value": 4, "timestamp": JAN_1}, {"value": 0, "timestamp": JAN_1 + 86400}]
    httpserver.expect_request(f"{V2}/reports", method="GET").respond_with_json(series)
    result = run("report", "--metric", "resolutions_count", *WEEK, "--summary", env={"TZ": "UTC"})
    assert (result.code, result.stderr) == (0, "")
    assert result.stdout == one_per_line(
        [{"from": "2026-01-01T00:00:00+00:00", "value": 4}, {"from": "2026-01-02T00:00:00+00:00", "value": 0}]
    )


# --------------------------------------------------------------------------- report.py: one row per agent, inbox…


def test_report_by_agent_names_each_agent(run, httpserver):
    rows = [
        {"id": 5, "conversations_count": 11, "resolved_conversations_count": 7, "avg_resolution_time": 5400.0,
         "avg_first_response_time": 300.0, "avg_reply_time": None},
        {"id": 9, "conversations_count": 0, "resolved_conversations_count": 0, "avg_resolution_time": None,
         "avg_first_response_time": None, "avg_reply_time": None},
    ]  # fmt: skip
    serve_directory(httpserver)
    httpserver.expect_request(f"{V2}/summary_reports/agent", method="GET").respond_with_json(rows)
    result = run("report", "--by", "agent", *WEEK)
    assert (result.code, result.stderr) == (0, "")
    assert result.stdout == one_per_line(
        [{"id": 5, "name": "Ana Silva", **rows[0]}, {"id": 9, "name": None, **rows[1]}]  # 9: no longer an agent
    )
    summary = run("report", "--by", "agent", *WEEK, "--summary")
    assert summary.json[0] == {
        "id": 5, "name": "Ana Silva", "conversations_count": 11, "resolved_conversations_count": 7,
        "avg_resolution_time": "1h 30m", "avg_first_response_time": "5m", "avg_reply_time": None,
    }  # fmt: skip
    table = [r for r, _ in httpserver.log if r.path.endswith("/summary_reports/agent")]
    for request in table:  # the table takes no type and no id
        assert_received(
            request, "GET", f"{V2}/summary_reports/agent", query=[("since", str(JAN_1)), ("until", str(JAN_8))]
        )
    assert reads(httpserver).count(f"{ACCOUNT_PATH}/agents") == 2  # once a run


def test_report_by_label_rows_already_carry_their_names(run, httpserver):
    rows = [{"id": 3, "name": "billing", "conversations_count": 4, "avg_resolution_time": 0,
             "avg_first_response_time": 120.0, "avg_reply_time": 0, "resolved_conversations_count": 1}]  # fmt: skip
    httpserver.expect_request(f"{V2}/summary_reports/label", method="GET").respond_with_json(rows)
    result = run("report", "--by", "label", *WEEK)
    assert (result.code, result.stdout) == (0, one_per_line(rows))
    assert reads(httpserver) == [f"{V2}/summary_reports/label"]


# --------------------------------------------------------------------------- report.py against the sandbox


def test_report_prints_chatwoots_figures_and_names_the_agents(sandbox, agent):
    until = int(time.time()) // 86400 * 86400
    since = until - 7 * 86400
    period = ["--since", str(since), "--until", str(until)]
    totals = agent("report", *period)
    assert totals.code == 0, totals.stderr
    expected = direct(sandbox, f"{V2}/reports/summary", type="account", id=1, since=since, until=until)
    assert totals.json == expected
    assert expected["conversations_count"] > 0 and expected["avg_first_response_time"] > 0  # the fortnight's work

    readable = agent("report", *period, "--summary").json
    assert readable["conversations_count"] == {
        "value": expected["conversations_count"],
        "previous": expected["previous"]["conversations_count"],
        "change": readable["conversations_count"]["change"],
    }
    seconds = round(expected["avg_first_response_time"])
    assert readable["avg_first_response_time"]["value"] == f"{seconds // 60}m {seconds % 60}s".replace(" 0s", "")

    rows = agent("report", "--by", "agent", *period, "--summary").json
    table = direct(sandbox, f"{V2}/summary_reports/agent", since=since, until=until)
    assert [(row["id"], row["name"]) for row in rows] == [
        (1, "Owner Admin"), (2, "Ana Silva"), (3, "Bruno Costa"), (4, "Chen Wei")
    ]  # fmt: skip
    assert [row["conversations_count"] for row in rows] == [row["conversations_count"] for row in table]


def test_report_and_csat_with_an_agent_token_say_they_are_for_administrators(sandbox, agent):
    ana = {"CHATWOOT_API_TOKEN": Sandbox.AGENT_TOKEN}
    for argv in (["report"], ["report", "--by", "team"], ["csat"], ["csat", "--metrics"]):
        result = agent(*argv, env=ana)
        assert (result.code, result.stdout) == (1, ""), argv
        assert result.error_lines == ADMIN_ONLY, argv
    assert [r.status for r in sandbox.requests] == [401, 401, 401, 401]  # one refused request each, nothing else


def test_a_throttled_report_waits_for_the_next_window_like_any_429(sandbox, agent, clock):
    clock.now = float(int(time.time()) // 60 * 60 - 600 + 45)  # hh:mm:45, on Chatwoot's clock and ours
    sandbox.clock = clock.time
    sandbox.throttle(1, 60, r"^/api/v2/accounts/\d+/reports", per_account=True)  # Rack::Attack's reports limit
    env = {"CHATWOOT_MAX_RETRIES": "1"}
    first = agent("report", env=env)
    assert (first.code, first.stderr) == (0, "")
    table = agent("report", "--by", "inbox", env=env)  # /summary_reports is outside the reports throttle
    assert (table.code, table.stderr) == (0, "")
    second = agent("report", env=env)
    assert second.code == 0, second.stderr
    assert second.json == first.json
    window = time.strftime("%H:%M:%S", time.gmtime(clock.now))
    assert second.stderr == (
        f"warning: HTTP 429 from Chatwoot; retry 1 of 1 in 15.0 s (Chatwoot's rate-limit window resets at {window}Z)\n"
    )
    assert clock.slept == [15.0]
    assert [r.status for r in sandbox.find_requests("GET", r"/reports/summary$")] == [200, 429, 200]


# --------------------------------------------------------------------------- csat.py


def test_csat_sends_every_filter_and_both_ends_of_the_period(run, httpserver):
    answer = [{"id": 7, "rating": 1, "feedback_message": "Slow", "contact": {"id": 3, "name": "Zoë"},
               "conversation_id": 42, "assigned_agent": DIRECTORY_AGENTS[0], "created_at": JAN_1 + 3600}]  # fmt: skip
    serve_directory(httpserver)
    httpserver.expect_request(f"{ACCOUNT_PATH}/csat_survey_responses", method="GET").respond_with_json(answer)
    before = int(time.time())
    result = run(
        "csat", "--agent", "ana@example.com", "--inbox", "support api", "--team", "billing", "--rating", "2,1,2",
        "--since", "2026-01-01T00:00:00Z",
    )  # fmt: skip
    assert (result.code, result.stdout, result.stderr) == (0, one_per_line(answer), "")
    request = httpserver.log[-1][0]
    query = query_of(request)
    assert before <= int(query[-2][1]) <= int(time.time())  # no --until: now, so that Chatwoot keeps the date filter
    assert_received(
        request, "GET", f"{ACCOUNT_PATH}/csat_survey_responses",
        query=[("user_ids[]", "5"), ("inbox_id", "3"), ("team_id", "2"), ("rating[]", "2"), ("rating[]", "1"),
               ("since", str(JAN_1)), ("until", query[-2][1]), ("sort", "-created_at")],
    )  # fmt: skip
    summary = run("csat", "--until", "2026-01-08T00:00:00Z", "--summary")
    assert summary.stdout == one_per_line(
        [{"id": 7, "rating": 1, "feedback": "Slow", "conversation_id": 42, "contact": "Zoë", "agent": "Ana Silva",
          "created_at": "2026-01-01T01:00:00Z"}]
    )  # fmt: skip
    assert query_of(httpserver.log[-1][0]) == [("since", "0"), ("until", str(JAN_8)), ("sort", "-created_at")]


def test_csat_metrics_note_what_the_sent_count_ignores(run, httpserver):
    metrics = {"total_count": 2, "ratings_count": {"1": 2}, "total_sent_messages_count": 9}
    httpserver.expect_request(f"{ACCOUNT_PATH}/csat_survey_responses/metrics", method="GET").respond_with_json(metrics)
    result = run("csat", "--metrics", "--rating", "1", *WEEK)
    assert (result.code, result.stdout) == (0, printed(metrics))
    assert result.stderr == (
        "note: total_sent_messages_count counts every survey sent in the period, whatever the other filters\n"
    )
    assert_received(
        httpserver.log[0][0],
        "GET",
        f"{ACCOUNT_PATH}/csat_survey_responses/metrics",
        query=[("rating[]", "1"), ("since", str(JAN_1)), ("until", str(JAN_8))],
    )  # fmt: skip  (no sort: Chatwoot's metrics fail on one)


@pytest.mark.parametrize(
    ("flags", "error"),
    [
        (["--rating", "6"], "error: --rating takes ratings from 1 to 5, such as 1,2; got '6'"),
        (["--rating", ","], "error: --rating takes ratings from 1 to 5, such as 1,2; got ','"),
        (["--metrics", "--all"], "error: --metrics prints totals: it takes no --page or --all"),
        (["--metrics", "--page", "2"], "error: --metrics prints totals: it takes no --page or --all"),
    ],
)
def test_csat_refusals_send_nothing(run, httpserver, flags, error):
    result = run("csat", *flags)
    assert (result.code, result.stdout, result.error_lines) == (2, "", [error])
    assert httpserver.log == []


def test_csat_pages_of_25_newest_first_and_all_of_them(sandbox, agent):
    answers = sorted(
        (r for r in sandbox.csat_responses.values() if r["conversation_id"] in sandbox.conversations),
        key=lambda r: (r["created_at"], r["id"]),
        reverse=True,
    )
    assert len(answers) > 50  # the seeded fortnight: three pages
    page = agent("csat", "--summary")
    assert page.code == 0
    assert page.stderr == "more on the next page: --page 2, or --all for every page\n"
    assert [item["id"] for item in page.json] == [r["id"] for r in answers[:25]]
    newest = answers[0]
    assert page.json[0] == {
        "id": newest["id"],
        "rating": newest["rating"],
        "feedback": newest["feedback_message"],
        "conversation_id": newest["conversation_id"],
        "contact": sandbox.contacts[newest["contact_id"]]["name"],
        "agent": sandbox.users[newest["assigned_agent_id"]]["name"],
        "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(newest["created_at"])),
    }
    sandbox.requests.clear()
    every = agent("csat", "--all")
    assert every.code == 0, every.stderr
    assert [item["id"] for item in every.json] == [r["id"] for r in answers]  # one array, none twice, none missed
    assert every.json[0]["contact"]["id"] == newest["contact_id"]
    pages = [dict(r.query) for r in sandbox.requests]
    assert pages == [{"sort": "-created_at", "page": str(n)} for n in range(1, len(pages) + 1)]
    assert len(pages) == -(-len(answers) // 25) + 1  # the walk ends on the first empty page

    metrics = agent("csat", "--metrics")
    assert metrics.json["total_count"] == len(answers)
    assert sum(metrics.json["ratings_count"].values()) == len(answers)


def test_csat_metrics_summary_gives_the_average_the_satisfied_share_and_the_response_rate(sandbox, agent):
    answers = [r for r in sandbox.csat_responses.values() if r["conversation_id"] in sandbox.conversations]
    full = agent("csat", "--metrics", "--since", "30d").json
    result = agent("csat", "--metrics", "--since", "30d", "--summary")
    assert (result.code, result.stderr) == (0, "")
    ratings = [r["rating"] for r in answers]
    sent = full["total_sent_messages_count"]
    assert sent > len(ratings) > 0
    assert result.json == {
        "answers": len(ratings),
        "average_rating": round(sum(ratings) / len(ratings), 2),
        "satisfied": f"{round(100 * sum(rating >= 4 for rating in ratings) / len(ratings))}%",
        "ratings": {str(n): ratings.count(n) for n in range(1, 6)},
        "surveys_sent": sent,
        "response_rate": f"{round(100 * len(ratings) / sent)}%",
    }
    narrowed = agent("csat", "--metrics", "--since", "30d", "--agent", "Ana Silva", "--summary").json
    anas = [r["rating"] for r in answers if r["assigned_agent_id"] == 2]
    assert (narrowed["answers"], narrowed["surveys_sent"], narrowed["response_rate"]) == (len(anas), None, None)
