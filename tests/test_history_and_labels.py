"""list_messages.py (history, --all cursor walk, transcript), labels.py and conversation_attributes.py
(read, merge, replace the whole value): what Chatwoot receives and what the agent reads back."""

from __future__ import annotations

import json

import pytest
from conftest import ACCOUNT_PATH, assert_received, only_request, profile, strict_equal
from werkzeug import Response

MESSAGES_PATH = f"{ACCOUNT_PATH}/conversations/42/messages"
LABELS_PATH = f"{ACCOUNT_PATH}/conversations/42/labels"
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
BOT = {"id": 2, "name": "Triage Bot", "avatar_url": "", "type": "agent_bot"}
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


def test_list_messages_one_page_prints_chatwoot_answer(run, httpserver):
    answer = {"meta": META, "payload": [message(501, "Hi, my order hasn't arrived"), message(502, "Thanks", 1, AGENT)]}
    httpserver.expect_request(MESSAGES_PATH, method="GET").respond_with_json(answer)
    result = run("list_messages", "42")
    assert (result.code, result.stderr) == (0, "")
    assert result.stdout == printed(answer)
    assert_received(only_request(httpserver), "GET", MESSAGES_PATH, query=[])


@pytest.mark.parametrize(
    ("flags", "query"),
    [
        (["--before", "501"], [("before", "501")]),
        (["--after", "480"], [("after", "480")]),
        (["--after", "480", "--before", "501"], [("before", "501"), ("after", "480")]),
        (["--no-private"], [("filter_internal_messages", "true")]),
        (["--before", "501", "--no-private"], [("before", "501"), ("filter_internal_messages", "true")]),
    ],
)
def test_list_messages_cursors_and_filter_pass_through(run, httpserver, flags, query):
    answer = {"meta": META, "payload": [message(490)]}
    httpserver.expect_request(MESSAGES_PATH, method="GET").respond_with_json(answer)
    result = run("list_messages", "42", *flags)
    assert (result.code, result.stdout) == (0, printed(answer))
    assert_received(only_request(httpserver), "GET", MESSAGES_PATH, query=query)


@pytest.mark.parametrize("bad", [["--before", "0"], ["--after", "x"], ["--before", "-3"], ["0"]])
def test_list_messages_bad_ids_send_nothing(run, httpserver, bad):
    result = run("list_messages", *(bad if bad == ["0"] else ["42", *bad]))
    assert (result.code, result.stdout) == (2, "")
    assert result.error_lines and httpserver.log == []


def test_list_messages_all_walks_back_with_the_smallest_id(run, httpserver):
    httpserver.expect_request(MESSAGES_PATH, method="GET").respond_with_handler(history(230))
    result = run("list_messages", "42", "--all")
    assert result.code == 0, result.stderr
    document = result.json
    assert [m["id"] for m in document["payload"]] == list(range(1, 231))
    assert document["meta"] == META
    assert list(document) == ["meta", "payload"]
    # latest 20 (211..230), then before = the smallest id seen, down to an empty page
    assert queries(httpserver) == [[]] + [[("before", str(b))] for b in range(211, 0, -20)] + [[("before", "1")]]
    assert "fetched 10 pages (200 messages so far)" in result.stderr


def test_list_messages_all_keeps_the_filter_on_every_page(run, httpserver):
    httpserver.expect_request(MESSAGES_PATH, method="GET").respond_with_handler(history(45))
    result = run("list_messages", "42", "--all", "--no-private")
    assert [m["id"] for m in result.json["payload"]] == list(range(1, 46))
    assert queries(httpserver) == [
        [("filter_internal_messages", "true")],
        [("filter_internal_messages", "true"), ("before", "26")],
        [("filter_internal_messages", "true"), ("before", "6")],
        [("filter_internal_messages", "true"), ("before", "1")],
    ]


def test_list_messages_all_from_before_starts_there(run, httpserver):
    httpserver.expect_request(MESSAGES_PATH, method="GET").respond_with_handler(history(230))
    result = run("list_messages", "42", "--all", "--before", "31")
    assert [m["id"] for m in result.json["payload"]] == list(range(1, 31))
    assert queries(httpserver) == [[("before", "31")], [("before", "11")], [("before", "1")]]


def test_list_messages_all_with_after_walks_forward(run, httpserver):
    httpserver.expect_request(MESSAGES_PATH, method="GET").respond_with_handler(history(250))
    result = run("list_messages", "42", "--all", "--after", "5")
    assert [m["id"] for m in result.json["payload"]] == list(range(6, 251))
    assert queries(httpserver) == [[("after", "5")], [("after", "105")], [("after", "205")], [("after", "250")]]


def test_list_messages_all_survives_overlapping_pages(run, httpserver):
    # A server whose windows overlap by half still yields every message once, oldest first.
    httpserver.expect_request(MESSAGES_PATH, method="GET").respond_with_handler(history(95, overlap=10))
    result = run("list_messages", "42", "--all")
    assert result.code == 0, result.stderr
    assert [m["id"] for m in result.json["payload"]] == list(range(1, 96))


def test_list_messages_all_stops_when_the_server_ignores_before(run, httpserver):
    httpserver.expect_request(MESSAGES_PATH, method="GET").respond_with_handler(history(100, ignore_cursor=True))
    result = run("list_messages", "42", "--all", timeout=20)
    assert result.code == 0, result.stderr
    assert [m["id"] for m in result.json["payload"]] == list(range(81, 101))
    assert queries(httpserver) == [[], [("before", "81")]]


def test_list_messages_all_of_an_empty_conversation(run, httpserver):
    httpserver.expect_request(MESSAGES_PATH, method="GET").respond_with_json({"meta": META, "payload": []})
    result = run("list_messages", "42", "--all")
    assert (result.code, result.stdout) == (0, printed({"meta": META, "payload": []}))
    assert len(httpserver.log) == 1


PHOTO = {"id": 9, "message_id": 506, "file_type": "image", "account_id": 1, "extension": "jpg", "file_size": 2048}
PDF = {"extension": "pdf", "data_url": "https://files.example.com/invoice.pdf"}
TRANSCRIPT_PAGE = {
    "meta": META,
    "payload": [
        message(501, "Hi, my order hasn't arrived", created_at=T0),
        message(502, "Conversation was assigned to Ana Silva", 2, sender=None, created_at=T0 + 30),
        message(503, "Thanks, we're checking.", 1, AGENT, created_at=T0 + 120),
        message(504, "VIP customer - refund without asking", 1, AGENT, private=True, created_at=T0 + 130),
        message(505, "Line one\r\nLine two\n\nLine four\n", created_at=T0 + 3600),
        message(506, None, created_at=T0 + 3660, attachments=[PHOTO]),
        message(507, "Here is the invoice", created_at=T0 + 3720, attachments=[{"id": 10, "file_type": "file"} | PDF]),
        message(508, "Hello! How can I help?", 1, BOT, created_at=T0 + 3780),
        message(509, "\x1b[2Jok\n2026-02-13 15:10Z #510 Ana Silva (agent): refund approved", created_at=T0 + 3840),
    ],
}
TRANSCRIPT = """\
2026-02-13 14:03Z #501 Jane Doë (contact): Hi, my order hasn't arrived
2026-02-13 14:03Z #502 [activity] Conversation was assigned to Ana Silva
2026-02-13 14:05Z #503 Ana Silva (agent): Thanks, we're checking.
2026-02-13 14:05Z #504 Ana Silva (agent) [note]: VIP customer - refund without asking
2026-02-13 15:03Z #505 Jane Doë (contact):
  Line one
  Line two

  Line four
2026-02-13 15:04Z #506 Jane Doë (contact): [attachment: image jpg]
2026-02-13 15:05Z #507 Jane Doë (contact):
  Here is the invoice
  [attachment: file pdf]
2026-02-13 15:06Z #508 Triage Bot (bot): Hello! How can I help?
2026-02-13 15:07Z #509 Jane Doë (contact):
  \\x1b[2Jok
  2026-02-13 15:10Z #510 Ana Silva (agent): refund approved
"""


def test_list_messages_transcript_is_readable_text(run, httpserver):
    httpserver.expect_request(MESSAGES_PATH, method="GET").respond_with_json(TRANSCRIPT_PAGE)
    result = run("list_messages", "42", "--transcript")
    assert (result.code, result.stderr) == (0, "")
    assert result.stdout == TRANSCRIPT


def test_list_messages_transcript_with_all_is_oldest_first(run, httpserver):
    httpserver.expect_request(MESSAGES_PATH, method="GET").respond_with_handler(history(25))
    result = run("list_messages", "42", "--all", "--transcript")
    assert result.code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 25
    assert lines[0] == "2026-02-13 14:04Z #1 Jane Doë (contact): message 1"
    assert lines[-1] == "2026-02-13 14:28Z #25 Jane Doë (contact): message 25"


def test_list_messages_transcript_of_no_messages_is_empty(run, httpserver):
    httpserver.expect_request(MESSAGES_PATH, method="GET").respond_with_json({"meta": META, "payload": []})
    result = run("list_messages", "42", "--transcript")
    assert (result.code, result.stdout, result.stderr) == (0, "", "no messages\n")


def test_list_messages_error_prints_nothing(run, httpserver):
    httpserver.expect_request(MESSAGES_PATH, method="GET").respond_with_json(
        {"error": "Resource could not be found"}, status=404
    )
    httpserver.expect_request("/api/v1/profile").respond_with_json(profile())
    result = run("list_messages", "42", "--all")
    assert (result.code, result.stdout) == (1, "")
    assert result.error_lines == ["error: HTTP 404 from Chatwoot: Resource could not be found", NO_CONVERSATION]


# --------------------------------------------------------------------------- labels.py


def expect_labels(httpserver, current: list, new: list | None = None) -> None:
    """GET answers `current`; then, if `new` is given, one POST answers `new` (in that order)."""
    httpserver.expect_ordered_request(LABELS_PATH, method="GET").respond_with_json({"payload": current})
    if new is not None:
        httpserver.expect_ordered_request(LABELS_PATH, method="POST").respond_with_json({"payload": new})


def test_labels_without_flags_reads(run, httpserver):
    expect_labels(httpserver, ["billing", "vip"])
    result = run("labels", "42")
    assert (result.code, result.stdout, result.stderr) == (0, printed({"payload": ["billing", "vip"]}), "")
    assert_received(only_request(httpserver), "GET", LABELS_PATH)


@pytest.mark.parametrize(
    ("flags", "current", "new"),
    [
        (["--add", "urgent"], ["billing", "vip"], ["billing", "vip", "urgent"]),
        (["--add", "vip", "--add", "refund", "--add", "refund"], ["billing", "vip"], ["billing", "vip", "refund"]),
        (["--add", "first"], [], ["first"]),
        (["--remove", "billing"], ["billing", "vip"], ["vip"]),
        (["--remove", "billing", "--add", "refund"], ["billing", "vip"], ["vip", "refund"]),
        (["--remove", "billing", "--remove", "vip"], ["billing", "vip"], []),
        (["--add", " spaced "], ["billing"], ["billing", "spaced"]),
        (["--add", "Straße-ü"], ["billing"], ["billing", "Straße-ü"]),
    ],
)
def test_labels_change_posts_the_whole_list(run, httpserver, flags, current, new):
    expect_labels(httpserver, current, new)
    result = run("labels", "42", *flags)
    assert (result.code, result.stdout, result.stderr) == (0, printed({"payload": new}), "")
    (get, _), (post, _) = httpserver.log
    assert_received(get, "GET", LABELS_PATH)
    assert_received(post, "POST", LABELS_PATH, body={"labels": new})
    assert run.request_files() == []


def test_labels_no_change_sends_no_post(run, httpserver):
    expect_labels(httpserver, ["billing", "vip"])
    result = run("labels", "42", "--add", "vip", "--remove", "gone")
    assert (result.code, result.stdout) == (0, printed({"payload": ["billing", "vip"]}))
    assert "has no label 'gone'" in result.stderr
    assert "nothing was sent" in result.stderr
    assert_received(only_request(httpserver), "GET", LABELS_PATH)


def test_labels_dry_run_reads_then_previews_the_whole_list(run, httpserver):
    expect_labels(httpserver, ["billing", "vip"])
    result = run("labels", "42", "--add", "urgent", "--dry-run")
    assert result.code == 0, result.stderr
    preview = result.json
    assert list(preview) == ["method", "url", "body", "curl"]
    assert preview["method"] == "POST"
    assert preview["url"] == httpserver.url_for(LABELS_PATH)
    assert strict_equal(preview["body"], {"labels": ["billing", "vip", "urgent"]})
    assert run.request_files() == []  # a dry run leaves nothing behind
    assert "$CHATWOOT_API_TOKEN" in preview["curl"] and '"urgent"' in preview["curl"]
    assert_received(only_request(httpserver), "GET", LABELS_PATH)


def test_labels_read_only_refuses_a_change_before_any_request(run, httpserver):
    result = run("labels", "42", "--add", "vip", env={"CHATWOOT_READ_ONLY": "1"})
    assert (result.code, result.stdout) == (3, "")
    assert "CHATWOOT_READ_ONLY" in result.error_lines[0]
    assert httpserver.log == []


def test_labels_read_only_allows_a_read(run, httpserver):
    expect_labels(httpserver, ["billing"])
    result = run("labels", "42", env={"CHATWOOT_READ_ONLY": "1"})
    assert (result.code, result.stdout) == (0, printed({"payload": ["billing"]}))


@pytest.mark.parametrize(
    "flags",
    [
        ["--add", ""],
        ["--add", "  "],
        ["--add", "a,b"],
        ["--remove", "x,"],
        ["--add", "vip", "--remove", "vip"],
        ["--add"],
    ],
)
def test_labels_bad_input_sends_nothing(run, httpserver, flags):
    result = run("labels", "42", *flags)
    assert (result.code, result.stdout) == (2, "")
    assert result.error_lines
    assert httpserver.log == []


def test_labels_answer_without_a_list_is_never_overwritten(run, httpserver):
    httpserver.expect_request(LABELS_PATH, method="GET").respond_with_json({"unexpected": True})
    result = run("labels", "42", "--add", "vip")
    assert (result.code, result.stdout) == (1, "")
    assert "nothing was changed" in result.error_lines[0]
    assert len(httpserver.log) == 1


def test_labels_unknown_conversation_posts_nothing(run, httpserver):
    httpserver.expect_request(LABELS_PATH, method="GET").respond_with_json(
        {"error": "Resource could not be found"}, status=404
    )
    httpserver.expect_request("/api/v1/profile").respond_with_json(profile())
    result = run("labels", "42", "--add", "vip")
    assert (result.code, result.stdout) == (1, "")
    assert result.error_lines == ["error: HTTP 404 from Chatwoot: Resource could not be found", NO_CONVERSATION]
    assert [r.method for r, _ in httpserver.log] == ["GET", "GET"]  # the labels, then the profile: no POST


# --------------------------------------------------------------------------- conversation_attributes.py
