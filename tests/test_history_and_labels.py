"""list_messages.py (history, --all cursor walk, transcript) and conversation_attributes.py
(read, merge, replace the whole value): what Chatwoot receives and what the agent reads back."""

from __future__ import annotations

import json

import pytest
from conftest import ACCOUNT_PATH, assert_received, body_of, only_request, profile, reads, strict_equal
from werkzeug import Response

MESSAGES_PATH = f"{ACCOUNT_PATH}/conversations/42/messages"
CONVERSATION_PATH = f"{ACCOUNT_PATH}/conversations/42"
ATTRIBUTES_PATH = f"{ACCOUNT_PATH}/conversations/42/custom_attributes"
NO_CONVERSATION = (
    "error: hint: there is no conversation 42 in account 1 "
    "(list_conversations.py; ids are the numbers shown in Chatwoot's UI)"
)

CONTACT = {
    "additional_attributes": {},
    "custom_attributes": {},
    "email": "jane.doe@example.com",
    "id": 17,
    "identifier": "cust-1042",
    "name": "Jane Doë",
    "phone_number": "+4915112345678",
    "thumbnail": "",
    "blocked": False,
    "type": "contact",
}
AGENT = {
    "id": 5,
    "name": "Ana Silva",
    "available_name": "Ana",
    "avatar_url": "",
    "type": "user",
    "availability_status": "available",
    "thumbnail": "",
}
META = {
    "labels": ["billing"],
    "additional_attributes": {},
    "contact": CONTACT,
    "assignee": AGENT,
    "agent_last_seen_at": None,
    "assignee_last_seen_at": None,
}
T0 = 1770991380  # 2026-02-13 14:03:00 UTC


def message(id_, content="Hello", message_type=0, sender=CONTACT, private=False, created_at=None, **extra):
    """A `_message` partial (reference §3.6a): no sender key on activity messages."""
    item = {
        "id": id_,
        "content": content,
        "inbox_id": 3,
        "conversation_id": 42,
        "message_type": message_type,
        "content_type": "text",
        "status": "sent",
        "content_attributes": {},
        "created_at": T0 + 60 * id_ if created_at is None else created_at,
        "private": private,
        "source_id": None,
    }
    if sender is not None:
        item["sender"] = sender
    item.update(extra)
    return item


def printed(document) -> str:
    """What a script prints for one JSON document."""
    return json.dumps(document, ensure_ascii=False) + "\n"


def history(total: int, overlap: int = 0, ignore_cursor: bool = False):
    """A handler with Chatwoot's MessageFinder semantics over messages 1..total: the 20 newest
    below `before` (or the latest 20), up to 100 above `after`, ascending. `overlap` widens the
    before-window upwards (a sloppy server); `ignore_cursor` always answers the latest 20."""
    everything = [message(i, f"message {i}") for i in range(1, total + 1)]

    def handler(request):
        before = request.args.get("before", type=int)
        after = request.args.get("after", type=int)
        if ignore_cursor or (before is None and after is None):
            page = everything[-20:]
        elif after is not None:
            page = [m for m in everything if m["id"] > after][:100]
        else:
            page = [m for m in everything if m["id"] < before + overlap][-20:]
        return Response(json.dumps({"meta": META, "payload": page}), content_type="application/json")

    return handler


def queries(httpserver) -> list[list]:
    return [list(request.args.items(multi=True)) for request, _ in httpserver.log]


# --------------------------------------------------------------------------- list_messages.py




# --------------------------------------------------------------------------- conversation_attributes.py

CONVERSATION = {
    "meta": {"sender": CONTACT, "channel": "Channel::Api"},
    "id": 42,
    "messages": [],
    "custom_attributes": {"order_id": "A-1001", "plan": "pro"},
    "labels": ["billing"],
    "status": "open",
}


def expect_attributes(httpserver, current: dict | None, answer: dict | None = None) -> None:
    conversation = {**CONVERSATION, "custom_attributes": current}
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
