"""get_conversation, create_conversation, list_conversations (its query flags), conversation_counts and
conversation_attributes: what Chatwoot receives, what the agent reads back, and the state left behind."""

from __future__ import annotations

import pytest
from conftest import (
    ACCOUNT_PATH,
    answer,
    assert_received,
    assert_success,
    body_of,
    only_request,
    only_write,
    printed,
    profile,
    reads,
    serve_directory,
    strict_equal,
)
from samples import CONVERSATION, NO_CONVERSATION, SENDER, conversation

COUNTS = {"mine_count": 3, "assigned_count": 10, "unassigned_count": 4, "all_count": 14}


# --------------------------------------------------------------------------- get_conversation / create_conversation


def test_get_conversation_prints_bare_object(run, httpserver):
    answer(httpserver, "GET", "/conversations/42", CONVERSATION)
    result = run("get_conversation", "42")
    assert_received(only_request(httpserver), "GET", f"{ACCOUNT_PATH}/conversations/42", query=[])
    assert_success(run, result, printed(CONVERSATION))


def test_create_conversation_minimal_body(run, httpserver):
    created = conversation(57, "New Lead")
    serve_directory(httpserver)
    answer(httpserver, "POST", "/conversations", created)
    result = run("create_conversation", "--inbox-id", "3", "--contact-id", "88")
    assert_received(
        only_write(httpserver), "POST", f"{ACCOUNT_PATH}/conversations", body={"inbox_id": 3, "contact_id": 88}
    )
    assert reads(httpserver) == [f"{ACCOUNT_PATH}/inboxes"]  # the inbox id is checked first
    assert_success(run, result, printed(created))


def test_create_conversation_with_message_and_every_option(run, httpserver):
    created = conversation(57, "New Lead", status="pending")
    serve_directory(httpserver)
    answer(httpserver, "POST", "/conversations", created)
    result = run(
        "create_conversation",
        "--inbox-id", "3",
        "--contact-id", "88",
        "--source-id", "0c1d2e3f-4a5b",
        "--status", "pending",
        "--message", "Hello! How can we help? 👋\nSecond line",
        "--assignee-id", "5",
        "--team-id", "2",
    )  # fmt: skip
    assert reads(httpserver) == [f"{ACCOUNT_PATH}/{path}" for path in ("inboxes", "agents", "teams")]
    assert_received(
        only_write(httpserver),
        "POST",
        f"{ACCOUNT_PATH}/conversations",
        body={
            "inbox_id": 3,
            "contact_id": 88,
            "source_id": "0c1d2e3f-4a5b",
            "status": "pending",
            "assignee_id": 5,
            "team_id": 2,
            "message": {"content": "Hello! How can we help? 👋\nSecond line"},
        },
    )
    assert_success(run, result, printed(created))


# --------------------------------------------------------------------------- list_conversations

LIST_COUNTS = {"mine_count": 1, "assigned_count": 1, "unassigned_count": 1, "all_count": 2}  # the page holds all
LIST_PAGE = {
    "data": {"meta": LIST_COUNTS, "payload": [conversation(42, "Jane Doë"), conversation(43, "李雷", "pending")]}
}


def test_list_conversations_without_flags_sends_no_query(run, httpserver):
    answer(httpserver, "GET", "/conversations", LIST_PAGE)
    result = run("list_conversations")
    assert_received(only_request(httpserver), "GET", f"{ACCOUNT_PATH}/conversations", query=[])
    assert_success(run, result, printed(LIST_PAGE))


def test_list_conversations_sends_every_filter(run, httpserver):
    serve_directory(httpserver)
    answer(httpserver, "GET", "/conversations", LIST_PAGE)
    result = run(
        "list_conversations",
        "--status", "pending",
        "--assignee-type", "unassigned",
        "--inbox-id", "3",
        "--team-id", "2",
        "--label", "vip",
        "--label", "billing",
        "--query", "Rückerstattung & refund",
        "--page", "2",
    )  # fmt: skip
    assert reads(httpserver) == [f"{ACCOUNT_PATH}/{path}" for path in ("inboxes", "teams", "conversations")]
    assert_received(
        httpserver.log[-1][0],
        "GET",
        f"{ACCOUNT_PATH}/conversations",
        query=[
            ("status", "pending"),
            ("inbox_id", "3"),
            ("team_id", "2"),
            ("labels[]", "vip"),
            ("labels[]", "billing"),
            ("q", "Rückerstattung & refund"),
            ("assignee_type", "unassigned"),
            ("page", "2"),
        ],
    )
    assert_success(run, result, printed(LIST_PAGE))


@pytest.mark.parametrize("status", ["snoozed", "all"])
def test_list_conversations_status_values(run, httpserver, status):
    answer(httpserver, "GET", "/conversations", LIST_PAGE)
    result = run("list_conversations", "--status", status)
    assert_received(only_request(httpserver), "GET", f"{ACCOUNT_PATH}/conversations", query=[("status", status)])
    assert_success(run, result, printed(LIST_PAGE))


# --------------------------------------------------------------------------- conversation_counts


def test_conversation_counts_without_flags(run, httpserver):
    answer(httpserver, "GET", "/conversations/meta", {"meta": COUNTS})
    result = run("conversation_counts")
    assert_received(only_request(httpserver), "GET", f"{ACCOUNT_PATH}/conversations/meta", query=[])
    assert_success(run, result, printed({"meta": COUNTS}))


def test_conversation_counts_sends_every_filter(run, httpserver):
    serve_directory(httpserver)
    answer(httpserver, "GET", "/conversations/meta", {"meta": COUNTS})
    result = run(
        "conversation_counts",
        "--status", "resolved",
        "--inbox-id", "3",
        "--team-id", "2",
        "--label", "vip",
        "--label", "billing",
        "--query", "Lieferung",
    )  # fmt: skip
    assert reads(httpserver) == [f"{ACCOUNT_PATH}/{path}" for path in ("inboxes", "teams", "conversations/meta")]
    assert_received(
        httpserver.log[-1][0],
        "GET",
        f"{ACCOUNT_PATH}/conversations/meta",
        query=[
            ("status", "resolved"),
            ("inbox_id", "3"),
            ("team_id", "2"),
            ("labels[]", "vip"),
            ("labels[]", "billing"),
            ("q", "Lieferung"),
        ],
    )
    assert_success(run, result, printed({"meta": COUNTS}))


# --------------------------------------------------------------------------- conversation_attributes

CONVERSATION_PATH = f"{ACCOUNT_PATH}/conversations/42"
ATTRIBUTES_PATH = f"{ACCOUNT_PATH}/conversations/42/custom_attributes"
ATTRIBUTED = {
    "meta": {"sender": SENDER, "channel": "Channel::Api"},
    "id": 42,
    "messages": [],
    "custom_attributes": {"order_id": "A-1001", "plan": "pro"},
    "labels": ["billing"],
    "status": "open",
}


def expect_attributes(httpserver, current: dict | None, answer: dict | None = None) -> None:
    conversation = {**ATTRIBUTED, "custom_attributes": current}
    httpserver.expect_ordered_request(CONVERSATION_PATH, method="GET").respond_with_json(conversation)
    if answer is not None:
        httpserver.expect_ordered_request(ATTRIBUTES_PATH, method="POST").respond_with_json(answer)


def test_attributes_without_flags_reads_the_conversation(run, httpserver):
    expect_attributes(httpserver, {"order_id": "A-1001", "plan": "pro"})
    result = run("conversation_attributes", "42")
    assert (result.code, result.stderr) == (0, "")
    assert result.stdout == printed({"custom_attributes": {"order_id": "A-1001", "plan": "pro"}})
    assert_received(only_request(httpserver), "GET", CONVERSATION_PATH)


def test_attributes_set_keeps_the_others_and_types_values(run, httpserver):
    merged = {"order_id": "A-1001", "plan": "enterprise", "seats": 12, "trial": False, "tags": ["a"], "note": "12"}
    expect_attributes(httpserver, {"order_id": "A-1001", "plan": "pro"}, {"custom_attributes": merged})
    result = run(
        "conversation_attributes",
        "42",
        "--set",
        "plan=enterprise",
        "--set",
        "seats:=12",
        "--set",
        "trial:=false",
        "--set",
        'tags:=["a"]',
        "--set",
        "note=12",
    )
    assert (result.code, result.stdout, result.stderr) == (0, printed({"custom_attributes": merged}), "")
    (get, _), (post, _) = httpserver.log
    assert_received(get, "GET", CONVERSATION_PATH)
    assert_received(post, "POST", ATTRIBUTES_PATH, body={"custom_attributes": merged})
    assert list(body_of(post)["custom_attributes"]) == ["order_id", "plan", "seats", "trial", "tags", "note"]


def test_attributes_unset_posts_the_rest(run, httpserver):
    expect_attributes(httpserver, {"order_id": "A-1001", "plan": "pro"}, {"custom_attributes": {"order_id": "A-1001"}})
    result = run("conversation_attributes", "42", "--unset", "plan", "--unset", "coupon")
    assert (result.code, result.stdout) == (0, printed({"custom_attributes": {"order_id": "A-1001"}}))
    assert result.stderr == "warning: conversation 42 has no custom attribute 'coupon'\n"
    assert_received(httpserver.log[1][0], "POST", ATTRIBUTES_PATH, body={"custom_attributes": {"order_id": "A-1001"}})


def test_attributes_unset_everything_posts_an_empty_object(run, httpserver):
    expect_attributes(httpserver, {"plan": "pro"}, {"custom_attributes": {}})
    result = run("conversation_attributes", "42", "--unset", "plan")
    assert (result.code, result.stdout) == (0, printed({"custom_attributes": {}}))
    assert_received(httpserver.log[1][0], "POST", ATTRIBUTES_PATH, body={"custom_attributes": {}})


def test_attributes_null_on_the_conversation_counts_as_empty(run, httpserver):
    expect_attributes(httpserver, None, {"custom_attributes": {"plan": "pro"}})
    result = run("conversation_attributes", "42", "--set", "plan=pro")
    assert result.code == 0, result.stderr
    assert_received(httpserver.log[1][0], "POST", ATTRIBUTES_PATH, body={"custom_attributes": {"plan": "pro"}})


def test_attributes_unset_of_a_missing_key_alone_sends_no_post(run, httpserver):
    expect_attributes(httpserver, {"plan": "pro"})
    result = run("conversation_attributes", "42", "--unset", "coupon")
    assert (result.code, result.stdout) == (0, printed({"custom_attributes": {"plan": "pro"}}))
    assert "has no custom attribute 'coupon'" in result.stderr
    assert "nothing was sent" in result.stderr
    assert len(httpserver.log) == 1


def test_attributes_same_value_with_another_type_is_a_change(run, httpserver):
    expect_attributes(httpserver, {"seats": "12"}, {"custom_attributes": {"seats": 12}})
    result = run("conversation_attributes", "42", "--set", "seats:=12")
    assert result.code == 0, result.stderr
    assert_received(httpserver.log[1][0], "POST", ATTRIBUTES_PATH, body={"custom_attributes": {"seats": 12}})


def test_attributes_unknown_conversation_posts_nothing(run, httpserver):
    httpserver.expect_request(CONVERSATION_PATH, method="GET").respond_with_json(
        {"error": "Resource could not be found"}, status=404
    )
    httpserver.expect_request("/api/v1/profile").respond_with_json(profile())
    result = run("conversation_attributes", "42", "--set", "plan=pro")
    assert (result.code, result.stdout) == (1, "")
    assert result.error_lines == ["error: HTTP 404 from Chatwoot: Resource could not be found", NO_CONVERSATION]
    assert reads(httpserver) == [CONVERSATION_PATH, "/api/v1/profile"]
    assert all(r.method == "GET" for r, _ in httpserver.log)  # nothing was posted


def test_attributes_dry_run_reads_then_previews_the_whole_object(run, httpserver):
    expect_attributes(httpserver, {"order_id": "A-1001"})
    result = run("conversation_attributes", "42", "--set", "seats:=12", "--dry-run")
    assert result.code == 0, result.stderr
    preview = result.json
    assert preview["method"] == "POST" and preview["url"] == httpserver.url_for(ATTRIBUTES_PATH)
    assert strict_equal(preview["body"], {"custom_attributes": {"order_id": "A-1001", "seats": 12}})
    assert run.request_files() == []
    assert_received(only_request(httpserver), "GET", f"{ACCOUNT_PATH}/conversations/42")


def test_attributes_read_only_refuses_a_change_but_allows_a_read(run, httpserver):
    refused = run("conversation_attributes", "42", "--unset", "plan", env={"CHATWOOT_READ_ONLY": "1"})
    assert (refused.code, refused.stdout) == (3, "")
    assert httpserver.log == []
    expect_attributes(httpserver, {"plan": "pro"})
    allowed = run("conversation_attributes", "42", env={"CHATWOOT_READ_ONLY": "1"})
    assert (allowed.code, allowed.stdout) == (0, printed({"custom_attributes": {"plan": "pro"}}))


@pytest.mark.parametrize(
    "flags",
    [
        ["--set", "novalue"],
        ["--set", "=x"],
        ["--set", "n:=not json"],
        ["--unset", " "],
        ["--set", "plan=a", "--unset", "plan"],
    ],
)
def test_attributes_bad_input_sends_nothing(run, httpserver, flags):
    result = run("conversation_attributes", "42", *flags)
    assert (result.code, result.stdout) == (2, "")
    assert result.error_lines
    assert httpserver.log == []


# --------------------------------------------------------------------------- on the sandbox


def test_create_conversation_leaves_it_with_the_contact_inbox_and_first_message(sandbox, agent):
    before = set(sandbox.conversations)
    result = agent(
        "create_conversation", "--inbox", "support api", "--contact-id", "4", "--status", "pending",
        "--agent", "Ana Silva", "--team", "billing", "--message", "Hi Liam, {{ your order }} is on its way.",
    )  # fmt: skip
    assert (result.code, result.stderr) == (0, "")
    [number] = set(sandbox.conversations) - before
    created = sandbox.conversations[number]
    assert result.json["id"] == number
    assert (result.json["meta"]["sender"]["id"], result.json["inbox_id"], result.json["status"]) == (4, 2, "pending")
    assert {key: created[key] for key in ("contact_id", "inbox_id", "status", "assignee_id", "team_id")} == {
        "contact_id": 4, "inbox_id": 2, "status": "pending", "assignee_id": 2, "team_id": 1,
    }  # fmt: skip
    pair = sandbox.contact_inboxes[created["contact_inbox_id"]]
    assert (pair["contact_id"], pair["inbox_id"]) == (4, 2)
    [message] = sandbox.conversation_messages(number)
    assert (message["content"], message["message_type"], message["private"]) == (
        "Hi Liam, {{ your order }} is on its way.",  # the Liquid was escaped: the customer reads what was written
        1,
        False,
    )
    sent = [(r.method, r.path) for r in sandbox.requests]
    assert sent == [("GET", f"{ACCOUNT_PATH}/{path}") for path in ("inboxes", "agents", "teams")] + [
        ("POST", f"{ACCOUNT_PATH}/conversations")
    ]
    assert agent("contact_conversations", "4", "--summary").json[0]["id"] == number  # the newest of the contact


def test_conversation_attributes_set_and_unset_change_the_stored_object(sandbox, agent):
    assert sandbox.conversations[1]["custom_attributes"] == {"order_id": "A-1001"}
    result = agent("conversation_attributes", "1", "--set", "plan=pro", "--set", "seats:=3")
    assert (result.code, result.stderr) == (0, "")
    expected = {"order_id": "A-1001", "plan": "pro", "seats": 3}
    assert result.stdout == printed({"custom_attributes": expected})
    assert strict_equal(sandbox.conversations[1]["custom_attributes"], expected)
    assert list(sandbox.conversations[1]["custom_attributes"]) == ["order_id", "plan", "seats"]

    result = agent("conversation_attributes", "1", "--unset", "order_id", "--unset", "seats")
    assert (result.code, result.stdout, result.stderr) == (0, printed({"custom_attributes": {"plan": "pro"}}), "")
    assert sandbox.conversations[1]["custom_attributes"] == {"plan": "pro"}
    posts = [r.json for r in sandbox.find_requests("POST", r"/conversations/1/custom_attributes$")]
    assert posts == [{"custom_attributes": expected}, {"custom_attributes": {"plan": "pro"}}]
    assert len(sandbox.find_requests("GET", r"/conversations/1$")) == 2  # each change read the whole object first

    shown = agent("conversation_attributes", "1")
    assert (shown.code, shown.stdout) == (0, printed({"custom_attributes": {"plan": "pro"}}))


def test_list_conversations_sort_asks_chatwoot_for_that_order(sandbox, agent):
    """--sort priority_desc: urgent first, no priority last (Chatwoot's NULLS LAST), then newest
    activity; waiting_since_asc: the longest waiting first. An unknown order is refused unsent."""
    rank = {"urgent": 0, "high": 1, "medium": 2, "low": 3, None: 4}
    open_ones = [c for c in sandbox.conversations.values() if c["status"] == "open"]
    by_priority = sorted(open_ones, key=lambda c: (rank[c["priority"]], -c["last_activity_at"], -c["id"]))
    result = agent("list_conversations", "--sort", "priority_desc", "--all", "--summary")
    assert (result.code, result.stderr) == (0, "")
    assert [item["id"] for item in result.json] == [c["id"] for c in by_priority]
    assert [item["priority"] for item in result.json][:2] == ["urgent", "urgent"]
    [request] = sandbox.find_requests("GET", r"/conversations$")
    assert list(request.query.items(multi=True)) == [("sort_by", "priority_desc"), ("page", "1")]

    waiting = sorted((c for c in open_ones if c["waiting_since"]), key=lambda c: (c["waiting_since"], c["id"]))
    result = agent("list_conversations", "--sort", "waiting_since_asc", "--summary")
    assert [item["id"] for item in result.json][: len(waiting)] == [c["id"] for c in waiting]

    sent = len(sandbox.requests)
    refused = agent("list_conversations", "--sort", "urgent")
    assert (refused.code, refused.stdout) == (2, "")
    assert "argument --sort: invalid choice: 'urgent'" in refused.stderr
    assert len(sandbox.requests) == sent
