"""filter_conversations.py and filter_contacts.py: the --where language, the exact payload
Chatwoot receives, paging, --payload files, and the checks that keep bad filters from being sent."""

from __future__ import annotations

import json
import sys
from datetime import date, timedelta

import pytest
import requests
from conftest import ACCOUNT_PATH, SCRIPTS_DIR, assert_received, body_of, only_request, strict_equal
from samples import newest_activity_first

sys.path.insert(0, str(SCRIPTS_DIR))

import chatwoot_filters as filters
from chatwoot_client import UsageError

CONVERSATIONS_PATH = f"{ACCOUNT_PATH}/conversations/filter"
CONTACTS_PATH = f"{ACCOUNT_PATH}/contacts/filter"


def conversation(number: int, status: str = "open") -> dict:
    return {
        "meta": {"sender": {"id": 1000 + number, "name": f"Customer {number}"}, "channel": "Channel::Api"},
        "id": number,
        "status": status,
        "labels": [],
        "priority": None,
    }


def contact(number: int) -> dict:
    return {"id": number, "name": f"Contact {number}", "email": f"c{number}@example.com", "phone_number": None}


def conversation_line(number: int) -> dict:
    """--summary of conversation(number): the fields the filter page carries, the rest null."""
    return {
        "id": number, "status": "open", "priority": None, "contact": f"Customer {number}", "contact_id": 1000 + number,
        "inbox_id": None, "assignee": None, "team": None, "labels": [], "unread": None, "waiting_since": None,
        "last_message": None,
    }  # fmt: skip


def conversation_page(numbers) -> dict:
    return {
        "meta": {"mine_count": 1, "unassigned_count": 2, "all_count": 53},
        "payload": [conversation(n) for n in numbers],
    }


def contact_page(numbers, page) -> dict:
    return {"meta": {"count": 19, "current_page": page}, "payload": [contact(n) for n in numbers]}


def condition(key, operator, values, joiner=None) -> dict:
    return {"attribute_key": key, "filter_operator": operator, "values": values, "query_operator": joiner}


# --------------------------------------------------------------------------- the --where language

DAYS_AGO_3 = (date.today() - timedelta(days=3)).isoformat()


@pytest.mark.parametrize(
    "entity, expression, expected",
    [
        ("conversations", "status=open,pending", ("status", "equal_to", ["open", "pending"])),
        ("conversations", "priority!=low", ("priority", "not_equal_to", ["low"])),
        ("conversations", "mail_subject~refund", ("mail_subject", "contains", ["refund"])),
        ("conversations", "referer!~spam.example", ("referer", "does_not_contain", ["spam.example"])),
        ("conversations", "assignee_id?", ("assignee_id", "is_present", [])),
        ("conversations", "team_id!?", ("team_id", "is_not_present", [])),
        ("conversations", "created_at>2026-01-01", ("created_at", "is_greater_than", ["2026-01-01"])),
        ("conversations", "last_activity_at<2026-02-01", ("last_activity_at", "is_less_than", ["2026-02-01"])),
        ("conversations", "created_at<today-7", ("created_at", "days_before", [7])),
        ("conversations", "created_at>today-3", ("created_at", "is_greater_than", [DAYS_AGO_3])),
        ("conversations", "inbox_id=3,4", ("inbox_id", "equal_to", [3, 4])),
        ("conversations", "campaign_id!=9", ("campaign_id", "not_equal_to", [9])),
        ("conversations", "labels=vip,billing", ("labels", "equal_to", ["vip", "billing"])),
        ("conversations", "labels?", ("labels", "is_present", [])),
        ("conversations", "custom.order_id=A-1", ("order_id", "equal_to", ["A-1"])),
        ("conversations", "custom.seats>10", ("seats", "is_greater_than", ["10"])),
        ("conversations", "custom.renewal<today-30", ("renewal", "days_before", [30])),
        ("conversations", " status = Open ", ("status", "equal_to", ["open"])),
        ("conversations", "mail_subject~hello, world", ("mail_subject", "contains", ["hello, world"])),
        ("conversations", r"labels=a\,b,c", ("labels", "equal_to", ["a,b", "c"])),
        ("conversations", "referer~https://shop.example/?a=1", ("referer", "contains", ["https://shop.example/?a=1"])),
        ("contacts", "phone_number^+49", ("phone_number", "contains", ["+49"])),  # the same set: see below
        ("contacts", "phone_number^49", ("phone_number", "contains", ["+49"])),
        ("contacts", "phone_number=+4915112345678", ("phone_number", "equal_to", ["4915112345678"])),
        ("contacts", "blocked=true", ("blocked", "equal_to", [True])),
        ("contacts", "blocked!=FALSE", ("blocked", "not_equal_to", [False])),
        ("contacts", "email~@example.com", ("email", "contains", ["@example.com"])),
        ("contacts", r"name=Doe\, Jane", ("name", "equal_to", ["Doe, Jane"])),
        ("contacts", "country_code!=us", ("country_code", "not_equal_to", ["us"])),
        ("contacts", "labels!?", ("labels", "is_not_present", [])),
        ("contacts", "last_activity_at<today-30", ("last_activity_at", "days_before", [30])),
        ("contacts", "custom.plan=pro", ("plan", "equal_to", ["pro"])),
    ],
)
def test_every_operator_form_parses(entity, expression, expected):
    key, operator, values = expected
    item = filters.parse_where(expression, entity)
    assert strict_equal(item, {"attribute_key": key, "filter_operator": operator, "values": values}), item


@pytest.mark.parametrize(
    "entity, expression, words",
    [
        (
            "conversations",
            "colour=red",
            ["colour is not a standard conversation key", "status, priority", "custom.colour"],
        ),
        ("conversations", "status~open", ["status does not take ~ (contains)", "= (equal_to), != (not_equal_to)"]),
        ("conversations", "status=closed", ["status must be one of open, resolved, pending, snoozed, all", '"closed"']),
        ("conversations", "priority=none", ["priority must be one of low, medium, high, urgent"]),
        ("conversations", "assignee_id=ana", ["assignee_id equal_to takes positive integer ids", '"ana"']),
        ("conversations", "assignee_id=0", ["positive integer ids"]),
        ("conversations", "display_id~12", ["contains on display_id with an HTTP 500", "display_id=N"]),
        ("conversations", "display_id!~12", ["contains on display_id with an HTTP 500"]),
        ("conversations", "custom.order_id^A-", ["starts_with as an exact match", "~ (contains)"]),
        ("contacts", "custom.plan^pro", ["starts_with as an exact match"]),
        ("contacts", "email^jane", ["email does not take ^ (starts_with)"]),
        ("conversations", "created_at>2026-1-5", ["takes a date as YYYY-MM-DD", '"2026-1-5"']),
        ("conversations", "created_at<2026-02-30", ["takes a date as YYYY-MM-DD"]),
        ("conversations", "created_at>=2026-01-01", ["there is no >="]),
        ("conversations", "created_at=2026-01-01", ["created_at does not take = (equal_to)", "> (is_greater_than)"]),
        ("conversations", "status<today-3", ["status does not take <today-N (days_before)"]),
        ("conversations", "labels^vip", ["labels does not take ^ (starts_with)", "? (is_present)"]),
        ("conversations", "labels?vip", ["takes no value"]),
        ("conversations", "status=", ["needs a value"]),
        ("conversations", "status=open,", ["an empty value between commas"]),
        ("conversations", "created_at", ["expected KEY=VALUE", "quote each expression"]),
        ("conversations", "", ["expected KEY=VALUE"]),
        ("conversations", "custom.=1", ["name the custom attribute"]),
        ("conversations", "custom.status=open", ["status is a standard key"]),
        ("conversations", "custom.tier=gold,silver", ["only the first value of a custom attribute"]),
        ("contacts", "status=open", ["status is not a standard contact key", "name, email, phone_number"]),
        ("contacts", "email=a@example.com,b@example.com", ["only the first value of a contact condition", "--any"]),
        ("contacts", "identifier~cust", ["identifier does not take ~ (contains)", "= (equal_to), != (not_equal_to)"]),
        ("contacts", "name^Ja", ["name does not take ^ (starts_with)"]),
        ("contacts", "blocked=yes", ["blocked must be one of true, false"]),
        ("contacts", "phone_number?", ["phone_number does not take ? (is_present)"]),
    ],
)
def test_invalid_expressions_name_what_is_allowed(entity, expression, words):
    with pytest.raises(UsageError) as raised:
        filters.parse_where(expression, entity)
    message = " ".join(raised.value.lines)
    assert message.startswith(f"--where {expression!r}: ")
    for word in words:
        assert word in message, message


def test_query_operator_is_chained_with_a_null_last():
    items = [filters.parse_where(e, "conversations") for e in ("status=open", "labels=vip", "priority=high")]
    assert filters.chain(items) == [
        condition("status", "equal_to", ["open"], "AND"),
        condition("labels", "equal_to", ["vip"], "AND"),
        condition("priority", "equal_to", ["high"]),
    ]
    assert [c["query_operator"] for c in filters.chain(items, "OR")] == ["OR", "OR", None]
    assert filters.chain(items[:1]) == [condition("status", "equal_to", ["open"])]


def test_the_key_tables_are_chatwoots():
    assert list(filters.CONVERSATION_KEYS) == [
        "status", "priority", "assignee_id", "inbox_id", "team_id", "campaign_id", "display_id", "labels",
        "browser_language", "conversation_language", "referer", "mail_subject", "created_at", "last_activity_at",
    ]  # fmt: skip
    assert list(filters.CONTACT_KEYS) == [
        "name", "email", "phone_number", "identifier", "country_code", "city", "company", "labels",
        "created_at", "last_activity_at", "blocked",
    ]  # fmt: skip
    assert filters.CONTACT_KEYS["phone_number"] == (*filters.TEXT, "starts_with")
    assert filters.CONVERSATION_KEYS["display_id"] == ("equal_to", "not_equal_to", "contains", "does_not_contain")


# --------------------------------------------------------------------------- what Chatwoot receives


def test_conversations_payload_is_exact_and_typed(run, httpserver):
    answer = conversation_page([42])
    httpserver.expect_oneshot_request(CONVERSATIONS_PATH, method="POST").respond_with_json(answer)
    result = run(
        "filter_conversations",
        "--where", "status=open,pending", "assignee_id=5,7",
        "--where", "labels?", "created_at>2026-01-01", "custom.order_id=A-1",
    )  # fmt: skip
    assert result.code == 0, result.stderr
    assert result.json == answer
    assert_received(
        only_request(httpserver),
        "POST",
        CONVERSATIONS_PATH,
        query=[],
        body={
            "payload": [
                condition("status", "equal_to", ["open", "pending"], "AND"),
                condition("assignee_id", "equal_to", [5, 7], "AND"),
                condition("labels", "is_present", [], "AND"),
                condition("created_at", "is_greater_than", ["2026-01-01"], "AND"),
                condition("order_id", "equal_to", ["A-1"]),
            ]
        },
    )
    assert run.request_files() == []  # removed after success


def test_any_joins_with_or(run, httpserver):
    httpserver.expect_oneshot_request(CONVERSATIONS_PATH, method="POST").respond_with_json(conversation_page([]))
    result = run("filter_conversations", "--any", "--where", "priority=urgent", "team_id!?", "created_at<today-7")
    assert result.code == 0, result.stderr
    assert strict_equal(
        body_of(only_request(httpserver)),
        {
            "payload": [
                condition("priority", "equal_to", ["urgent"], "OR"),
                condition("team_id", "is_not_present", [], "OR"),
                condition("created_at", "days_before", [7]),
            ]
        },
    )


def test_contacts_payload_is_exact_and_typed(run, httpserver):
    answer = contact_page([21, 22], 1)
    httpserver.expect_oneshot_request(CONTACTS_PATH, method="POST").respond_with_json(answer)
    result = run(
        "filter_contacts", "--where", "phone_number=+4915112345678", "blocked=false", "email~@example.com", "--any"
    )
    assert result.code == 0, result.stderr
    assert result.json == answer
    assert_received(
        only_request(httpserver),
        "POST",
        CONTACTS_PATH,
        query=[("sort", "created_at")],  # contacts are always asked for in an order
        body={
            "payload": [
                condition("phone_number", "equal_to", ["4915112345678"], "OR"),
                condition("blocked", "equal_to", [False], "OR"),
                condition("email", "contains", ["@example.com"]),
            ]
        },
    )


def test_page_travels_in_the_query_string(run, httpserver):
    httpserver.expect_oneshot_request(
        CONTACTS_PATH, method="POST", query_string={"sort": "created_at", "page": "3"}
    ).respond_with_json(contact_page([], "3"))
    result = run("filter_contacts", "--where", "city=Berlin", "--page", "3")
    assert result.code == 0, result.stderr
    assert_received(
        only_request(httpserver), "POST", CONTACTS_PATH, query=[("sort", "created_at"), ("page", "3")],
        body={"payload": [condition("city", "equal_to", ["Berlin"])]},
    )  # fmt: skip


def test_summary_of_one_page(run, httpserver):
    httpserver.expect_oneshot_request(CONVERSATIONS_PATH, method="POST").respond_with_json(conversation_page([7, 8]))
    result = run("filter_conversations", "--where", "status=open", "--summary")
    assert result.code == 0, result.stderr
    assert result.json == [conversation_line(7), conversation_line(8)]


# --------------------------------------------------------------------------- --all


def serve_conversation_pages(httpserver):
    pages = {1: range(1, 26), 2: range(26, 51), 3: range(51, 54)}  # 25 a page: 25 + 25 + 3
    for page, numbers in pages.items():
        httpserver.expect_ordered_request(
            CONVERSATIONS_PATH, method="POST", query_string={"page": str(page)}
        ).respond_with_json(conversation_page(numbers))


def serve_contact_pages(httpserver):
    pages = {1: range(1, 16), 2: range(16, 20)}  # 15 a page: 15 + 4
    for page, numbers in pages.items():
        httpserver.expect_ordered_request(
            CONTACTS_PATH, method="POST", query_string={"sort": "created_at", "page": str(page)}
        ).respond_with_json(contact_page(numbers, str(page)))


def test_all_walks_conversation_pages_into_one_envelope(run, httpserver):
    serve_conversation_pages(httpserver)
    result = run("filter_conversations", "--where", "labels=vip", "--all")
    assert result.code == 0, result.stderr
    assert result.json == {
        "meta": {"mine_count": 1, "unassigned_count": 2, "all_count": 53},
        "payload": [conversation(n) for n in range(1, 54)],
    }
    expected = {"payload": [condition("labels", "equal_to", ["vip"])]}
    assert len(httpserver.log) == 3
    for request, _ in httpserver.log:  # the same body for every page
        assert strict_equal(body_of(request), expected)
    assert run.request_files() == []


def test_all_with_summary_prints_one_array(run, httpserver):
    serve_conversation_pages(httpserver)
    result = run("filter_conversations", "--where", "labels=vip", "--all", "--summary")
    assert result.code == 0, result.stderr
    assert result.json == [conversation_line(n) for n in range(1, 54)]


def test_all_walks_contact_pages_fifteen_at_a_time(run, httpserver):
    serve_contact_pages(httpserver)
    result = run("filter_contacts", "--where", "email~example.com", "--all")
    assert result.code == 0, result.stderr
    assert result.json == {"meta": {"count": 19, "current_page": "1"}, "payload": [contact(n) for n in range(1, 20)]}
    assert len(httpserver.log) == 2


def test_all_contacts_summary(run, httpserver):
    serve_contact_pages(httpserver)
    result = run("filter_contacts", "--where", "email~example.com", "--all", "--summary")
    assert result.code == 0, result.stderr
    assert result.json == [
        {"id": n, "name": f"Contact {n}", "email": f"c{n}@example.com", "phone_number": None, "identifier": None}
        for n in range(1, 20)
    ]


# --------------------------------------------------------------------------- refused before sending


@pytest.mark.parametrize(
    "script, args, words",
    [
        ("filter_conversations", ["--where", "colour=red"], ["standard keys are status, priority", "custom.colour"]),
        ("filter_conversations", ["--where", "status~open"], ["status takes = (equal_to), != (not_equal_to)"]),
        ("filter_conversations", ["--where", "status=closed"], ["open, resolved, pending, snoozed, all"]),
        ("filter_conversations", ["--where", "created_at>01/02/2026"], ["YYYY-MM-DD"]),
        ("filter_conversations", ["--where", "created_at"], ["quote each expression"]),
        ("filter_conversations", [], ["give at least one --where"]),
        ("filter_conversations", ["--where"], ["expected at least one argument"]),
        ("filter_conversations", ["--any"], ["give at least one --where"]),
        ("filter_conversations", ["--where", "status=open", "--page", "0"], ["positive integer"]),
        ("filter_conversations", ["--where", "status=open", "--page", "2", "--all"], ["not allowed with"]),
        ("filter_contacts", ["--where", "phone=+49"], ["standard keys are name, email, phone_number"]),
        ("filter_contacts", ["--where", "email=a@x.io,b@x.io"], ["only the first value", "--any"]),
        ("filter_contacts", ["--where", "created_at<2026-13-01"], ["YYYY-MM-DD"]),
        ("filter_contacts", ["--where", "blocked=maybe"], ["true, false"]),
    ],
)
def test_bad_filters_exit_2_and_send_nothing(run, httpserver, script, args, words):
    result = run(script, *args)
    assert result.code == 2, result.stderr
    assert result.stdout == ""
    message = " ".join(result.error_lines)
    for word in words:
        assert word in message, message
    assert httpserver.log == []
    assert run.request_files() == []


# --------------------------------------------------------------------------- --payload FILE


def test_payload_file_is_sent_as_given(run, httpserver, tmp_path):
    conditions = [
        {"attribute_key": "status", "filter_operator": "equal_to", "values": ["open"], "query_operator": "and"},
        {"attribute_key": "browser_language", "filter_operator": "equal_to", "values": ["de"],
         "query_operator": "OR", "attribute_model": "additional"},
        {"attribute_key": "order_id", "filter_operator": "is_present", "custom_attribute_type": "conversation_attribute"},
    ]  # fmt: skip
    path = tmp_path / "filter.json"
    path.write_text(json.dumps({"payload": conditions}), encoding="utf-8")
    httpserver.expect_oneshot_request(CONVERSATIONS_PATH, method="POST").respond_with_json(conversation_page([1]))
    result = run("filter_conversations", "--payload", str(path))
    assert result.code == 0, result.stderr
    sent = body_of(only_request(httpserver))
    assert strict_equal(
        sent, {"payload": [conditions[0], conditions[1], {**conditions[2], "values": [], "query_operator": None}]}
    )


def test_payload_may_be_a_bare_list_on_stdin(run, httpserver):
    conditions = [condition("email", "contains", ["@example.com"])]
    httpserver.expect_oneshot_request(CONTACTS_PATH, method="POST").respond_with_json(contact_page([], 1))
    result = run("filter_contacts", "--payload", "-", stdin=json.dumps(conditions))
    assert result.code == 0, result.stderr
    assert strict_equal(body_of(only_request(httpserver)), {"payload": conditions})


@pytest.mark.parametrize(
    "content, words",
    [
        ("{not json", ["is not JSON"]),
        ("[]", ["non-empty list of conditions"]),
        ('{"conditions": []}', ['expected {"payload": [condition...]} only']),
        ('{"payload": [], "page": 2}', ["use --page N"]),
        ('"status=open"', ["non-empty list of conditions"]),
        ('[["status", "equal_to"]]', ["condition 1: expected an object"]),
        ('[{"filter_operator": "equal_to", "values": ["x"]}]', ["attribute_key must be a key such as"]),
        ('[{"attribute_key": "status", "filter_operator": "is", "values": ["open"]}]', ["filter_operator must be one of equal_to"]),
        ('[{"attribute_key": "status", "filter_operator": "contains", "values": ["open"]}]', ["status takes = (equal_to)"]),
        ('[{"attribute_key": "status", "filter_operator": "equal_to", "values": ["closed"]}]', ["open, resolved, pending"]),
        ('[{"attribute_key": "status", "filter_operator": "equal_to", "values": []}]', ["needs at least one value"]),
        ('[{"attribute_key": "status", "filter_operator": "equal_to", "values": "open"}]', ["values must be a list"]),
        ('[{"attribute_key": "created_at", "filter_operator": "is_less_than", "values": ["yesterday"]}]', ["YYYY-MM-DD"]),
        ('[{"attribute_key": "status", "filter_operator": "equal_to", "values": ["open"], "query_operator": "AND"}]',
         ["condition 1: the last condition's query_operator must be null"]),
        ('[{"attribute_key": "status", "filter_operator": "equal_to", "values": ["open"]},'
         ' {"attribute_key": "labels", "filter_operator": "is_present", "values": []}]',
         ['condition 1: query_operator must be "AND" or "OR"']),
    ],
)  # fmt: skip
def test_malformed_payload_files_exit_2(run, httpserver, tmp_path, content, words):
    path = tmp_path / "filter.json"
    path.write_text(content, encoding="utf-8")
    result = run("filter_conversations", "--payload", str(path))
    assert result.code == 2, result.stderr
    message = " ".join(result.error_lines)
    assert f"--payload {path}" in message
    for word in words:
        assert word in message, message
    assert httpserver.log == []


def test_payload_file_problems_and_conflicts(run, httpserver, tmp_path):
    missing = run("filter_contacts", "--payload", str(tmp_path / "nope.json"))
    assert missing.code == 2 and "cannot read it" in missing.stderr
    path = tmp_path / "filter.json"
    path.write_bytes(b'[{"attribute_key": "name", "filter_operator": "equal_to", "values": ["\xff"]}]')
    assert "is not UTF-8" in run("filter_contacts", "--payload", str(path)).stderr
    path.write_text(json.dumps([condition("name", "equal_to", ["Jane"])]), encoding="utf-8")
    both = run("filter_contacts", "--payload", str(path), "--where", "name=Jane")
    assert both.code == 2 and "not allowed with argument" in both.stderr
    with_any = run("filter_contacts", "--payload", str(path), "--any")
    assert with_any.code == 2 and "set each query_operator" in with_any.stderr
    assert httpserver.log == []


# --------------------------------------------------------------------------- failures and safety


def test_chatwoot_422_is_exit_1_and_keeps_the_request_file(run, httpserver):
    message = (
        "Invalid attribute key - [order_ref]. The key should be one of [status,priority,assignee_id] "
        "or a custom attribute defined in the account."
    )
    httpserver.expect_oneshot_request(CONVERSATIONS_PATH, method="POST").respond_with_json(
        {"error": message}, status=422
    )
    result = run("filter_conversations", "--where", "custom.order_ref=A-1")
    assert result.code == 1
    assert result.stdout == ""
    assert result.error_lines[0] == f"error: HTTP 422 from Chatwoot: {message}"
    [kept] = run.request_files()
    assert f"request body kept at {kept}" in result.stderr
    assert "resend with: curl" not in result.stderr  # the same filter would be refused again
    assert "may have reached Chatwoot" not in result.stderr  # a filter only reads
    assert json.loads(kept.read_text(encoding="utf-8")) == {"payload": [condition("order_ref", "equal_to", ["A-1"])]}


def test_filters_run_in_read_only_mode(run, httpserver):
    httpserver.expect_oneshot_request(CONTACTS_PATH, method="POST").respond_with_json(contact_page([1], 1))
    result = run("filter_contacts", "--where", "labels=vip", env={"CHATWOOT_READ_ONLY": "1"})
    assert result.code == 0, result.stderr
    assert len(httpserver.log) == 1


def test_unicode_and_quotes_arrive_unchanged(run, httpserver):
    httpserver.expect_oneshot_request(CONTACTS_PATH, method="POST").respond_with_json(contact_page([], 1))
    text = 'Zoë "the {{ boss }}" \\ 日本'
    result = run("filter_contacts", "--where", f"name~{text}")
    assert result.code == 0, result.stderr
    assert body_of(only_request(httpserver)) == {"payload": [condition("name", "contains", [text])]}


def test_help_documents_the_syntax_and_the_keys(run):
    for script, keys in (
        ("filter_conversations", filters.CONVERSATION_KEYS),
        ("filter_contacts", filters.CONTACT_KEYS),
    ):
        result = run(script, "--help")
        assert result.code == 0
        assert "--where syntax" in result.stdout and "<today-N" in result.stdout
        for key in keys:
            assert key in result.stdout


# --------------------------------------------------------------------------- what Chatwoot 4.10 gets wrong


def test_custom_attribute_conditions_go_last_so_later_ones_keep_every_value(run, httpserver):
    """filter_service.rb: after a custom-attribute condition, a later labels or = condition keeps
    only its first value, lowercased. The same AND chain with the custom condition last is exact."""
    httpserver.expect_request(CONVERSATIONS_PATH, method="POST").respond_with_json({"meta": {}, "payload": []})
    result = run("filter_conversations", "--where", "custom.order_id=A-1", "labels=vip,billing", "inbox_id=3,4")
    assert result.code == 0, result.stderr
    assert strict_equal(
        json.loads(only_request(httpserver).get_data())["payload"],
        [
            condition("labels", "equal_to", ["vip", "billing"], "AND"),
            condition("inbox_id", "equal_to", [3, 4], "AND"),  # integers: never spoiled, order kept
            condition("order_id", "equal_to", ["A-1"], None),
        ],
    )


def test_a_payload_with_mixed_joiners_and_a_spoiled_condition_is_refused(run, httpserver, tmp_path):
    payload = [
        condition("order_id", "equal_to", ["A-1"], "OR"),
        condition("status", "equal_to", ["open"], "AND"),  # status is never spoiled
        condition("labels", "equal_to", ["vip", "billing"], None),
    ]
    (run.cwd / "filter.json").write_text(json.dumps(payload), encoding="utf-8")
    result = run("filter_conversations", "--payload", "filter.json")
    assert (result.code, result.stdout) == (2, "")
    assert result.error_lines == [
        "error: --payload filter.json: after a custom-attribute condition, Chatwoot 4.10 keeps only the first "
        "value, lowercased, of each later =, != or labels condition; put the custom-attribute conditions last"
    ]
    assert httpserver.log == []


def test_a_payload_starts_with_on_a_phone_is_sent_as_contains(run, httpserver):
    httpserver.expect_request(CONTACTS_PATH, method="POST").respond_with_json({"meta": {"count": 0}, "payload": []})
    (run.cwd / "filter.json").write_text(json.dumps([condition("phone_number", "starts_with", ["+351"], None)]))
    result = run("filter_contacts", "--payload", "filter.json")
    assert result.code == 0, result.stderr
    assert json.loads(only_request(httpserver).get_data())["payload"] == [
        condition("phone_number", "contains", ["+351"], None)
    ]


# --------------------------------------------------------------------------- on the sandbox (Chatwoot 4.10's filter engine)

STARTS_WITH = "Chatwoot 4.10 evaluates starts_with as an exact match; use ~ (contains), or = for an exact value"
DISPLAY_ID = "Chatwoot 4.10 answers contains on display_id with an HTTP 500; use display_id=N (or =N,M,…)"
SPOILED = (
    "after a custom-attribute condition, Chatwoot 4.10 keeps only the first value, lowercased, of each later =, != "
    "or labels condition; put the custom-attribute conditions last"
)


def raw_filter(sb, entity: str, payload: list) -> requests.Response:
    """A payload sent to the sandbox as it is, as Chatwoot would get it without the scripts."""
    url = f"{sb.url}{ACCOUNT_PATH}/{entity}/filter"
    return requests.post(url, json={"payload": payload}, headers={"api_access_token": sb.TOKEN})


def test_chatwoot_gets_these_filters_wrong_on_the_sandbox_too(sandbox):
    """What the refusals and rewrites below stand on: the sandbox computes these as Chatwoot 4.10 does."""
    exact = raw_filter(sandbox, "contacts", [condition("phone_number", "starts_with", ["+49"])])
    assert (exact.status_code, exact.json()["meta"]["count"]) == (200, 0)  # = '+49': no number is just that
    assert raw_filter(sandbox, "conversations", [condition("display_id", "contains", ["1"])]).status_code == 500
    custom_first = [
        condition("order_id", "is_present", [], "AND"),
        condition("labels", "equal_to", ["billing", "refund"]),
    ]
    spoiled = raw_filter(sandbox, "conversations", custom_first).json()["payload"]
    assert sorted(c["id"] for c in spoiled) == [1, 5]  # labels kept only "billing"


@pytest.mark.parametrize("written", ["phone_number^+49", "phone_number^49"])
def test_a_phone_prefix_finds_the_contacts_whose_number_starts_with_it(sandbox, agent, written):
    person = {"name": "Not German", "email": "not.german@example.com", "phone_number": "+14925550100"}  # 49 inside
    created = requests.post(
        f"{sandbox.url}{ACCOUNT_PATH}/contacts", json=person, headers={"api_access_token": sandbox.TOKEN}
    )
    assert created.status_code == 200
    sandbox.requests.clear()
    result = agent("filter_contacts", "--where", written, "--summary")
    assert (result.code, result.stderr) == (0, "")
    german = sorted(
        (c for c in sandbox.contacts.values() if (c["phone_number"] or "").startswith("+49")),
        key=lambda c: c["created_at"],
    )
    assert [c["name"] for c in german] == ["Jane Doe", "Zoë Müller", "Mia Schneider"]
    assert [(line["id"], line["phone_number"]) for line in result.json] == [
        (c["id"], c["phone_number"]) for c in german
    ]
    [sent] = sandbox.requests
    assert sent.json == {"payload": [condition("phone_number", "contains", ["+49"])]}


def test_custom_conditions_go_last_so_every_label_counts(sandbox, agent):
    result = agent("filter_conversations", "--where", "custom.order_id?", "labels=billing,refund", "--summary")
    assert (result.code, result.stderr) == (0, "")
    wanted = [
        c
        for c in sandbox.conversations.values()
        if "order_id" in c["custom_attributes"] and {"billing", "refund"} & set(c["labels"])
    ]
    assert sorted(c["id"] for c in wanted) == [1, 5, 11, 23]
    assert [line["id"] for line in result.json] == newest_activity_first(wanted)
    [sent] = sandbox.requests
    assert sent.json == {
        "payload": [
            condition("labels", "equal_to", ["billing", "refund"], "AND"),
            condition("order_id", "is_present", []),
        ]
    }


REFUSED_PAYLOADS = {
    "display_id contains": [condition("display_id", "contains", ["12"])],
    "custom starts_with": [condition("plan", "starts_with", ["pro"])],
    "status contains": [condition("status", "contains", ["open"])],
    "mixed joiners": [
        condition("order_id", "equal_to", ["A-1"], "OR"),
        condition("status", "equal_to", ["open"], "AND"),
        condition("labels", "equal_to", ["vip", "billing"]),
    ],
}


@pytest.mark.parametrize(
    "script, args, line",
    [
        ("filter_conversations", ["--where", "custom.order_id^A-"], f"--where 'custom.order_id^A-': {STARTS_WITH}"),
        ("filter_contacts", ["--where", "custom.plan^pro"], f"--where 'custom.plan^pro': {STARTS_WITH}"),
        (
            "filter_contacts",
            ["--where", "email^jane"],
            "--where 'email^jane': email does not take ^ (starts_with); email takes = (equal_to), "
            "!= (not_equal_to), ~ (contains), !~ (does_not_contain)",
        ),
        ("filter_conversations", ["--where", "display_id~12"], f"--where 'display_id~12': {DISPLAY_ID}"),
        ("filter_conversations", ["--where", "display_id!~12"], f"--where 'display_id!~12': {DISPLAY_ID}"),
        (
            "filter_conversations",
            ["--where", "colour=red"],
            "--where 'colour=red': colour is not a standard conversation key; the standard keys are status, priority, "
            "assignee_id, inbox_id, team_id, campaign_id, display_id, labels, browser_language, conversation_language, "
            "referer, mail_subject, created_at, last_activity_at; write custom.colour for a custom attribute",
        ),
        (
            "filter_contacts",
            ["--where", "identifier~cust"],
            "--where 'identifier~cust': identifier does not take ~ (contains); identifier takes = (equal_to), "
            "!= (not_equal_to)",
        ),
        (
            "filter_conversations",
            ["--payload", "display_id contains"],
            f"--payload filter.json, condition 1: {DISPLAY_ID}",
        ),
        ("filter_contacts", ["--payload", "custom starts_with"], f"--payload filter.json, condition 1: {STARTS_WITH}"),
        (
            "filter_conversations",
            ["--payload", "status contains"],
            "--payload filter.json, condition 1: status does not take contains; status takes = (equal_to), "
            "!= (not_equal_to)",
        ),
        ("filter_conversations", ["--payload", "mixed joiners"], f"--payload filter.json: {SPOILED}"),
    ],
)
def test_filters_chatwoot_would_get_wrong_are_refused_with_one_line(sandbox, agent, script, args, line):
    if args[0] == "--payload":
        (agent.cwd / "filter.json").write_text(json.dumps(REFUSED_PAYLOADS[args[1]]), encoding="utf-8")
        args = ["--payload", "filter.json"]
    result = agent(script, *args)
    assert (result.code, result.stdout, result.stderr) == (2, "", f"error: {line}\n")
    assert sandbox.requests == []
    assert agent.request_files() == []


@pytest.mark.parametrize(
    "script, args, wanted",
    [
        (
            "filter_conversations",
            ["status=open,pending", "labels=vip,bug", "assignee_id?"],
            lambda c: c["status"] in ("open", "pending") and {"vip", "bug"} & set(c["labels"]) and c["assignee_id"],
        ),
        (
            "filter_conversations",
            ["--any", "priority=urgent", "custom.order_id=A-1043"],
            lambda c: c["priority"] == "urgent" or c["custom_attributes"].get("order_id") == "A-1043",
        ),
        (
            "filter_contacts",
            ["--any", "city=berlin", "country_code=IE"],
            lambda c: (
                c["additional_attributes"].get("city") == "Berlin"
                or c["additional_attributes"].get("country_code") == "ie"
            ),
        ),
        (
            "filter_contacts",
            ["labels=vip", "email~example.com"],
            lambda c: "vip" in c["labels"] and "example.com" in (c["email"] or ""),
        ),
    ],
)
def test_accepted_filters_find_what_they_say(sandbox, agent, script, args, wanted):
    where = [arg for arg in args if arg != "--any"]
    result = agent(script, *(["--any"] if "--any" in args else []), "--where", *where, "--summary")
    assert (result.code, result.stderr) == (0, "")
    if script == "filter_contacts":
        expected = [c["id"] for c in sorted(sandbox.contacts.values(), key=lambda c: c["created_at"]) if wanted(c)]
    else:
        expected = newest_activity_first(c for c in sandbox.conversations.values() if wanted(c))
    assert len(expected) >= 2
    assert [line["id"] for line in result.json] == expected
    assert len(sandbox.requests) == 1
