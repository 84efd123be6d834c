"""--summary on every script that lists: each item carries exactly the contract's fields, with the
values the same server's full answer gives (computed here from that answer, field by field)."""

from __future__ import annotations

import time
from datetime import datetime, timezone

import pytest
from conftest import ACCOUNT_PATH, answer, assert_received, assert_success, one_per_line, only_request, printed
from samples import AGENTS, INBOXES, SEARCH_PAGE, conversation, summary

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256))
# Newlines, tabs and runs of spaces collapse to single spaces; 160 characters are kept, then "…".
LONG_TEXT = "Hello,\n\n  the parcel   arrived\topen:\n" + "the box was crushed and the mug inside is broken; " * 4
LONG_FLAT = " ".join(LONG_TEXT.split())
NOTE = "Called her back;   refund approved."


# --------------------------------------------------------------------------- the contract's fields


def clipped(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= 160 else flat[:160] + "…"


def utc(seconds) -> str | None:
    """Unix seconds as 2030-01-15T09:00:00Z; null for absent or 0."""
    return datetime.fromtimestamp(seconds, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ") if seconds else None


def conversation_fields(conversation: dict) -> dict:
    meta, last = conversation["meta"], conversation["last_non_activity_message"]
    return {
        "id": conversation["id"],
        "status": conversation["status"],
        "priority": conversation["priority"],
        "contact": meta["sender"]["name"],
        "contact_id": meta["sender"]["id"],
        "inbox_id": conversation["inbox_id"],
        "assignee": meta["assignee"]["name"] if meta.get("assignee") else None,
        "team": meta["team"]["name"] if meta.get("team") else None,
        "labels": conversation["labels"],
        "unread": conversation["unread_count"],
        "waiting_since": utc(conversation.get("waiting_since")),
        "last_message": None
        if last is None
        else {
            "from": "contact" if last["message_type"] == 0 else "note" if last["private"] else "agent",
            "text": clipped(last["content"]) if last["content"] else "[attachment]",
        },
    }


def picked(*keys: str):
    return lambda item: {key: item[key] for key in keys}


contact_fields = picked("id", "name", "email", "phone_number", "identifier")


def canned_fields(response: dict) -> dict:
    return {"id": response["id"], "short_code": response["short_code"], "content": clipped(response["content"])}


def macro_fields(macro: dict) -> dict:
    actions = [action["action_name"] for action in macro["actions"]]
    return {"id": macro["id"], "name": macro["name"], "visibility": macro["visibility"], "actions": actions}


def portal_fields(portal: dict) -> dict:
    locales = [locale["code"] for locale in portal["config"]["allowed_locales"]]
    return {"slug": portal["slug"], "name": portal["name"], "locales": locales}


def csat_fields(response: dict) -> dict:
    return {
        "id": response["id"],
        "rating": response["rating"],
        "feedback": clipped(response["feedback_message"]),
        "conversation_id": response["conversation_id"],
        "contact": response["contact"]["name"],
        "agent": response["assigned_agent"]["name"],
        "created_at": utc(response["created_at"]),
    }


def searched_article_fields(article: dict) -> dict:
    """The cross-portal search: portal_slug, category_name and locale, and no description."""
    return {
        "id": article["id"],
        "title": article["title"],
        "portal": article["portal_slug"],
        "locale": article["locale"],
        "category": article["category_name"],
        "description": None,
    }


def portal_article_fields(article: dict) -> dict:
    """A portal's articles: the category object (with its locale) and a description."""
    return {
        "id": article["id"],
        "title": article["title"],
        "portal": "acme-help",
        "locale": article["category"]["locale"],
        "category": article["category"]["name"],
        "description": article["description"],
    }


def note_fields(note: dict) -> dict:
    user = note.get("user") or {}
    return {
        "id": note["id"],
        "content": clipped(note["content"]),
        "user": user.get("name"),
        "created_at": utc(note["created_at"]),
    }


def message_fields(message: dict) -> dict:
    kind = {0: "contact", 2: "activity"}.get(message["message_type"]) or ("note" if message["private"] else "agent")
    sender = message.get("sender") or {}
    return {
        "id": message["id"],
        "created_at": utc(message["created_at"]),
        "from": kind,
        "sender": sender.get("name") or sender.get("available_name"),
        "text": clipped(message["content"]) if message["content"] else "[attachment]",
    }


def duration(seconds: float) -> str:
    """45s, 13m 32s, 2h 5m, 3d 4h: the largest unit and the next one, when not zero."""
    whole = round(seconds)
    for size, unit, smaller, small_unit in ((86400, "d", 3600, "h"), (3600, "h", 60, "m"), (60, "m", 1, "s")):
        if whole >= size:
            rest = (whole % size) // smaller
            return f"{whole // size}{unit}" + (f" {rest}{small_unit}" if rest else "")
    return f"{whole}s"


def report_row_fields(row: dict) -> dict:
    return {key: duration(value) if key.startswith("avg_") else value for key, value in row.items()}


def items_at(document, keys: tuple) -> list:
    for key in keys:
        document = document[key]
    return document


# --------------------------------------------------------------------------- running on the sandbox


def exchange(sandbox, agent, *argv: str):
    """Run a script; its result and the requests it made (method, path, query, JSON body)."""
    start = len(sandbox.requests)
    result = agent(*argv)
    sent = [(r.method, r.path, list(r.query.items(multi=True)), r.json) for r in sandbox.requests[start:]]
    return result, sent


def full_and_summary(sandbox, agent, script: str, *args: str):
    """The full answer and the --summary output of the same call, checking both asked the same."""
    full, full_requests = exchange(sandbox, agent, script, *args)
    assert full.code == 0, full.stderr
    summary, summary_requests = exchange(sandbox, agent, script, *args, "--summary")
    assert (summary.code, summary.stderr) == (0, full.stderr)
    assert summary_requests == full_requests  # --summary changes the printing, not what is asked
    return full.json, summary, summary_requests


def last_messages(agent, tmp_path) -> None:
    """Conversation 17 ends with a long message, 1 with a private note, 2 with an attachment alone."""
    photo = tmp_path / "photo.png"
    photo.write_bytes(PNG)
    assert agent("send_message", "17", LONG_TEXT).code == 0
    assert agent("add_note", "1", NOTE).code == 0
    assert agent("send_message", "2", "--attach", str(photo)).code == 0


def test_conversation_summaries_carry_the_contract_fields_of_the_full_answer(sandbox, agent, tmp_path):
    last_messages(agent, tmp_path)
    expected_last = {
        17: {"from": "agent", "text": LONG_FLAT[:160] + "…"},
        1: {"from": "note", "text": "Called her back; refund approved."},
        2: {"from": "agent", "text": "[attachment]"},
    }
    for script, args, where, path, query, body in (
        ("list_conversations", [], ("data", "payload"), "/conversations", [], None),
        ("filter_conversations", ["--where", "status=open"], ("payload",), "/conversations/filter", [],
         {"payload": [{"attribute_key": "status", "filter_operator": "equal_to", "values": ["open"],
                       "query_operator": None}]}),
        ("contact_conversations", ["1"], ("payload",), "/contacts/1/conversations", [], None),
    ):  # fmt: skip
        full, summary, requests = full_and_summary(sandbox, agent, script, *args)
        assert requests == [("POST" if body else "GET", ACCOUNT_PATH + path, query, body)], script
        conversations = items_at(full, where)
        assert summary.stdout == one_per_line([conversation_fields(c) for c in conversations]), script
        shown = {item["id"]: item["last_message"] for item in summary.json}
        assert {i: shown[i] for i in expected_last if i in shown} == {
            i: expected_last[i] for i in expected_last if i in shown
        }, script
        assert len(shown) == len(conversations) > 0
    listed = agent("list_conversations", "--summary").json
    assert {item["id"]: item["last_message"] for item in listed if item["id"] in expected_last} == expected_last
    assert {item["waiting_since"] for item in listed} >= {None, "2026-02-02T01:01:00Z"}  # both forms occur
    assert {item["assignee"] for item in listed} >= {None, "Ana Silva"}
    assert {item["team"] for item in listed} >= {None, "billing"}

    for number in (1, 2, 17):  # get_conversation --summary: one conversation's object
        full, summary, requests = full_and_summary(sandbox, agent, "get_conversation", str(number))
        assert requests == [("GET", f"{ACCOUNT_PATH}/conversations/{number}", [], None)]
        assert summary.stdout == printed(conversation_fields(full))
        assert summary.json["last_message"] == expected_last[number]


def test_a_page_of_25_open_conversations_summarises_in_under_10_kb(sandbox, agent):
    added = [sandbox.add_conversation(contact, 2)["id"] for contact in range(1, 10)]
    assert len(added) == 9  # with the 16 seeded ones: a full page of 25
    ids = ",".join(str(number) for number in added)
    assert agent("add_note", ids, "Customer asked again. " * 12).code == 0  # long last messages: the worst case
    full = agent("list_conversations")
    summary = agent("list_conversations", "--summary")
    assert (summary.code, summary.stderr) == (0, "")
    assert full.json["data"]["meta"]["all_count"] == len(summary.json) == 25
    assert summary.stdout == one_per_line([conversation_fields(c) for c in full.json["data"]["payload"]])
    assert len(summary.stdout.encode()) < 10_000
    assert len(full.stdout.encode()) > 8 * len(summary.stdout.encode())


def test_contact_summaries_carry_id_name_email_phone_and_identifier(sandbox, agent):
    sandbox.contacts[3]["identifier"] = None  # the fields stay when empty
    for script, args, path, query, body in (
        ("search_contacts", ["example"], "/contacts/search", [("q", "example"), ("sort", "created_at")], None),
        ("list_contacts", ["--page", "2"], "/contacts", [("sort", "created_at"), ("page", "2")], None),
        ("filter_contacts", ["--where", "email~example.com"], "/contacts/filter", [("sort", "created_at")],
         {"payload": [{"attribute_key": "email", "filter_operator": "contains", "values": ["example.com"],
                       "query_operator": None}]}),
    ):  # fmt: skip
        full, summary, requests = full_and_summary(sandbox, agent, script, *args)
        assert requests == [("POST" if body else "GET", ACCOUNT_PATH + path, query, body)], script
        assert summary.stdout == one_per_line([contact_fields(c) for c in full["payload"]]), script
        assert len(summary.json) == len(full["payload"]) > 0, script
    first = agent("search_contacts", "zoe.mueller", "--summary").json
    assert first == [
        {"id": 3, "name": "Zoë Müller", "email": "zoe.mueller@example.de", "phone_number": "+4917612345678",
         "identifier": None}
    ]  # fmt: skip


def long_canned_response_and_feedback(sandbox) -> None:
    """A canned response and the newest CSAT answer whose texts are longer than a summary keeps."""
    sandbox.canned_responses[9] = {
        **sandbox.canned_responses[1], "id": 9, "short_code": "long", "content": LONG_TEXT,
    }  # fmt: skip
    sandbox.csat_responses[max(sandbox.csat_responses)]["feedback_message"] = LONG_TEXT


@pytest.mark.parametrize(
    ("script", "args", "where", "fields", "path", "query"),
    [
        ("list_agents", [], (), picked("id", "name", "email", "role", "availability_status"), "/agents", []),
        ("list_inboxes", [], ("payload",), picked("id", "name", "channel_type"), "/inboxes", []),
        ("list_teams", [], (), picked("id", "name"), "/teams", []),
        ("canned_responses", [], (), canned_fields, "/canned_responses", []),
        ("macros", [], ("payload",), macro_fields, "/macros", []),
        ("list_portals", [], ("payload",), portal_fields, "/portals", []),
        ("csat", [], (), csat_fields, "/csat_survey_responses", [("sort", "-created_at")]),
        ("search_articles", ["refund"], ("payload", "articles"), searched_article_fields, "/search/articles",
         [("q", "refund")]),
        ("search_articles", ["refund", "--portal", "acme-help"], ("payload",), portal_article_fields,
         "/portals/acme-help/articles", [("query", "refund"), ("status", "published")]),
        ("list_messages", ["24"], ("payload",), message_fields, "/conversations/24/messages", []),
        ("contact_notes", ["1"], (), note_fields, "/contacts/1/notes", []),
        ("webhooks", [], ("payload", "webhooks"), picked("id", "name", "url", "subscriptions"), "/webhooks", []),
    ],
    ids=[
        "agents", "inboxes", "teams", "canned", "macros", "portals", "csat", "articles", "portal-articles", "messages",
        "contact-notes", "webhooks",
    ],
)  # fmt: skip
def test_list_summaries_carry_the_contract_fields_of_the_full_answer(
    sandbox, agent, script, args, where, fields, path, query
):
    long_canned_response_and_feedback(sandbox)
    full, summary, requests = full_and_summary(sandbox, agent, script, *args)
    assert requests[-1] == ("GET", ACCOUNT_PATH + path, query, None)
    items = items_at(full, where)
    assert len(items) > 0
    assert summary.stdout == one_per_line([fields(item) for item in items])


def test_summaries_cut_long_texts_at_160_characters(sandbox, agent):
    long_canned_response_and_feedback(sandbox)
    canned = agent("canned_responses", "--search", "long", "--summary")
    assert canned.stdout == one_per_line([{"id": 9, "short_code": "long", "content": LONG_FLAT[:160] + "…"}])
    newest = agent("csat", "--summary").json[0]
    assert newest["feedback"] == LONG_FLAT[:160] + "…"


def test_report_rows_summary_gives_the_same_figures_with_readable_durations(sandbox, agent):
    until = int(time.time())  # one period for both runs: "the last 7 days" would move between them
    period = ("--since", str(until - 7 * 86400), "--until", str(until))
    full, summary, requests = full_and_summary(sandbox, agent, "report", "--by", "agent", *period)
    assert [(method, path) for method, path, _, _ in requests] == [
        ("GET", "/api/v2/accounts/1/summary_reports/agent"),
        ("GET", f"{ACCOUNT_PATH}/agents"),
    ]
    assert summary.stdout == one_per_line([report_row_fields(row) for row in full])
    assert [row["name"] for row in summary.json] == ["Owner Admin", "Ana Silva", "Bruno Costa", "Chen Wei"]
    assert all(isinstance(row["avg_reply_time"], str) for row in summary.json)  # the seeded week has replies


# --------------------------------------------------------------------------- exact answers


def test_search_contacts_summary_prints_id_name_email(run, httpserver):
    answer(httpserver, "GET", "/contacts/search", SEARCH_PAGE)
    result = run("search_contacts", "jane", "--summary")
    assert_received(
        only_request(httpserver),
        "GET",
        f"{ACCOUNT_PATH}/contacts/search",
        query=[("q", "jane"), ("sort", "created_at")],
    )
    assert_success(
        run,
        result,
        one_per_line(
            [
                {"id": 17, "name": "Jane Doë", "email": "jane.doe@example.com", "phone_number": "+4915112345678",
                 "identifier": "cust-1042"},
                {"id": 18, "name": "Zoë Müller 李", "email": None, "phone_number": "+4915112345678",
                 "identifier": "cust-1042"},
            ]
        ),
    )  # fmt: skip


def test_list_conversations_summary_prints_id_status_sender_name(run, httpserver):
    counts = {"mine_count": 1, "assigned_count": 1, "unassigned_count": 1, "all_count": 2}  # the page holds all
    page = {"data": {"meta": counts, "payload": [conversation(42, "Jane Doë"), conversation(43, "李雷", "pending")]}}
    answer(httpserver, "GET", "/conversations", page)
    result = run("list_conversations", "--summary", "--assignee-type", "me")
    assert_received(only_request(httpserver), "GET", f"{ACCOUNT_PATH}/conversations", query=[("assignee_type", "me")])
    assert_success(
        run,
        result,
        one_per_line([summary(42, "Jane Doë"), summary(43, "李雷", "pending")]),
    )


def test_list_agents_summary(run, httpserver):
    answer(httpserver, "GET", "/agents", AGENTS)
    result = run("list_agents", "--summary")
    assert_received(only_request(httpserver), "GET", f"{ACCOUNT_PATH}/agents", query=[])
    assert_success(
        run,
        result,
        one_per_line(
            [
                {
                    "id": 5,
                    "name": "Ana Silva",
                    "email": "ana@example.com",
                    "role": "agent",
                    "availability_status": "available",
                },
                {
                    "id": 1,
                    "name": "Öwner",
                    "email": "owner@example.com",
                    "role": "administrator",
                    "availability_status": "offline",
                },
            ]
        ),
    )


def test_list_inboxes_summary(run, httpserver):
    answer(httpserver, "GET", "/inboxes", INBOXES)
    result = run("list_inboxes", "--summary")
    assert_received(only_request(httpserver), "GET", f"{ACCOUNT_PATH}/inboxes", query=[])
    assert_success(
        run,
        result,
        one_per_line(
            [
                {"id": 3, "name": "Support API", "channel_type": "Channel::Api"},
                {"id": 4, "name": "E-Mail Kundendienst ✉", "channel_type": "Channel::Email"},
            ]
        ),
    )


def test_contact_conversations_summary(httpserver, run):
    bare = {"meta": {"sender": {"name": "Jane Doe"}, "channel": "Channel::Api"}, "id": 42, "status": "open"}
    httpserver.expect_request(f"{ACCOUNT_PATH}/contacts/17/conversations").respond_with_json({"payload": [bare]})
    result = run("contact_conversations", "17", "--summary")
    assert result.code == 0, result.stderr
    assert result.stdout == one_per_line(
        [
            {
                "id": 42, "status": "open", "priority": None, "contact": "Jane Doe", "contact_id": None,
                "inbox_id": None, "assignee": None, "team": None, "labels": [], "unread": None, "waiting_since": None,
                "last_message": None,
            }
        ]
    )  # fmt: skip


def test_list_teams_summary(httpserver, run):
    teams = [{"id": 2, "name": "billing", "description": "", "allow_auto_assign": True, "account_id": 1}]
    httpserver.expect_request(f"{ACCOUNT_PATH}/teams").respond_with_json(teams)
    result = run("list_teams", "--summary")
    assert result.stdout == one_per_line([{"id": 2, "name": "billing"}])
    result = run("list_teams")
    assert result.stdout == one_per_line(teams)  # any array of objects prints one object a line


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (
            ["webhooks", "--create", "https://hooks.example.com/cw", "--events", "message_created", "--summary"],
            "error: --summary goes with listing the webhooks, not with --create, --update or --delete",
        ),
        (
            ["contact_notes", "1", "--add", "Prefers e-mail", "--summary"],
            "error: --summary goes with reading the notes, not with --add",
        ),
    ],
    ids=["webhooks", "contact-notes"],
)
def test_summary_on_a_script_that_also_writes_is_refused_with_a_write(sandbox, agent, args, error):
    webhooks, notes = dict(sandbox.webhooks), dict(sandbox.notes)
    result = agent(*args)
    assert (result.code, result.stdout, result.error_lines) == (2, "", [error])
    assert sandbox.requests == []
    assert (sandbox.webhooks, sandbox.notes) == (webhooks, notes)
