"""labels.py (a conversation's labels, one or many conversations) and contact_labels.py: Chatwoot
replaces the whole list on every write, so each change reads, merges and writes the whole list;
the labels already there survive, on the wire and on the sandbox."""

from __future__ import annotations

import json

import pytest
from conftest import ACCOUNT_PATH, assert_received, only_request, printed, profile, strict_equal
from samples import NO_CONVERSATION
from werkzeug.datastructures import MultiDict

LABELS_PATH = f"{ACCOUNT_PATH}/conversations/42/labels"
# --------------------------------------------------------------------------- labels.py


ACCOUNT_LABELS = f"{ACCOUNT_PATH}/labels"


def defined_labels(httpserver, titles, ordered: bool = False) -> None:
    """The account's labels (GET /labels), which a change that adds a label reads once; `ordered`
    puts the read in the sequence of ordered expectations (after the conversation's labels)."""
    rows = [{"id": number, "title": title, "show_on_sidebar": True} for number, title in enumerate(titles, 1)]
    expect = httpserver.expect_ordered_request if ordered else httpserver.expect_request
    expect(ACCOUNT_LABELS, method="GET").respond_with_json({"payload": rows})


def expect_labels(httpserver, current: list, new: list | None = None) -> None:
    """GET answers `current`; then, if `new` is given, one POST answers `new` (in that order).
    Every label of `new` is defined in the account."""
    httpserver.expect_ordered_request(LABELS_PATH, method="GET").respond_with_json({"payload": current})
    if new is not None:
        if set(new) - set(current):
            defined_labels(httpserver, new, ordered=True)
        httpserver.expect_ordered_request(LABELS_PATH, method="POST").respond_with_json({"payload": new})


def conversation_requests(httpserver) -> list:
    return [request for request, _ in httpserver.log if request.path != ACCOUNT_LABELS]


def account_label_reads(httpserver) -> int:
    return sum(request.path == ACCOUNT_LABELS for request, _ in httpserver.log)


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
    get, post = conversation_requests(httpserver)
    assert_received(get, "GET", LABELS_PATH)
    assert_received(post, "POST", LABELS_PATH, body={"labels": new})
    assert account_label_reads(httpserver) == (1 if set(new) - set(current) else 0)  # only when one is added
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
    defined_labels(httpserver, ["billing", "vip", "urgent"], ordered=True)
    result = run("labels", "42", "--add", "urgent", "--dry-run")
    assert result.code == 0, result.stderr
    preview = result.json
    assert list(preview) == ["method", "url", "body", "curl"]
    assert preview["method"] == "POST"
    assert preview["url"] == httpserver.url_for(LABELS_PATH)
    assert strict_equal(preview["body"], {"labels": ["billing", "vip", "urgent"]})
    assert run.request_files() == []  # a dry run leaves nothing behind
    assert "$CHATWOOT_API_TOKEN" in preview["curl"] and '"urgent"' in preview["curl"]
    [read] = conversation_requests(httpserver)
    assert_received(read, "GET", LABELS_PATH)


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


def test_bulk_labels_read_merge_write_each(httpserver, run):
    for number, labels in ((5, ["a"]), (6, [])):
        path = f"{ACCOUNT_PATH}/conversations/{number}/labels"
        httpserver.expect_request(path, method="GET").respond_with_json({"payload": labels})
        httpserver.expect_request(path, method="POST").respond_with_json({"payload": [*labels, "vip"]})
    defined_labels(httpserver, ["a", "vip"])
    result = run("labels", "5,6", "--add", "vip", "--parallel", "1")
    assert (result.code, result.stderr) == (0, "")
    assert account_label_reads(httpserver) == 1  # once for the whole bulk call
    assert result.json == [
        {"id": 5, "ok": True, "result": {"payload": ["a", "vip"]}},
        {"id": 6, "ok": True, "result": {"payload": ["vip"]}},
    ]
    posted = [json.loads(r.get_data()) for r, _ in httpserver.log if r.method == "POST"]
    assert posted == [{"labels": ["a", "vip"]}, {"labels": ["vip"]}]


def test_repeated_labels_survive_in_order(httpserver, run):
    httpserver.expect_request(
        f"{ACCOUNT_PATH}/conversations/meta", query_string=MultiDict([("labels[]", "a"), ("labels[]", "b")])
    ).respond_with_json({"meta": {"all_count": 1}})
    result = run("conversation_counts", "--label", "a", "--label", "b")
    assert (result.code, result.stderr, result.json) == (0, "", {"meta": {"all_count": 1}})
    assert only_request(httpserver).args.getlist("labels[]") == ["a", "b"]


# --------------------------------------------------------------------------- against the sandbox


def label_writes(sandbox) -> list:
    return [(r.path, r.json) for r in sandbox.find_requests("POST", r"/labels$")]


def test_labels_keep_the_conversations_other_labels(sandbox, agent):
    assert sandbox.conversations[5]["labels"] == ["billing", "refund"]
    added = agent("labels", "5", "--add", "vip")
    assert (added.code, added.stdout, added.stderr) == (0, printed({"payload": ["billing", "refund", "vip"]}), "")
    # A label the account does not define is stored, but Chatwoot's UI would not show it: said on stderr.
    swapped = agent("labels", "5", "--remove", "billing", "--remove", "vip", "--add", "urgent", "--add", "finance")
    assert (swapped.code, swapped.stdout) == (0, printed({"payload": ["refund", "urgent", "finance"]}))
    assert swapped.stderr.splitlines() == [
        f"warning: {name!r} is not one of the account's labels (Settings → Labels): Chatwoot stores it, but its UI "
        "shows only defined labels"
        for name in ("urgent", "finance")
    ]
    assert sandbox.conversations[5]["labels"] == ["refund", "urgent", "finance"]
    assert [(r.method, r.path) for r in sandbox.requests] == [
        ("GET", "/api/v1/accounts/1/conversations/5/labels"),
        ("GET", "/api/v1/accounts/1/labels"),
        ("POST", "/api/v1/accounts/1/conversations/5/labels"),
    ] * 2
    writes = label_writes(sandbox)
    assert strict_equal(writes[0][1], {"labels": ["billing", "refund", "vip"]})
    assert strict_equal(writes[1][1], {"labels": ["refund", "urgent", "finance"]})
    unchanged = agent("labels", "5", "--add", "refund")
    assert (unchanged.code, unchanged.stdout) == (0, printed({"payload": ["refund", "urgent", "finance"]}))
    assert unchanged.stderr == "the labels of conversation 5 already are as asked; nothing was sent\n"
    assert len(label_writes(sandbox)) == 2


def test_bulk_labels_change_each_conversation_and_keep_their_other_labels(sandbox, agent):
    before = {n: list(sandbox.conversations[n]["labels"]) for n in (3, 6, 7)}
    assert before == {3: ["bug"], 6: ["bug"], 7: ["vip", "bug"]}
    result = agent("labels", "-", "--remove", "bug", "--add", "triaged", stdin="[3, 6, 7, 999]")
    assert result.code == 1
    assert result.json[:3] == [
        {"id": 3, "ok": True, "result": {"payload": ["triaged"]}},
        {"id": 6, "ok": True, "result": {"payload": ["triaged"]}},
        {"id": 7, "ok": True, "result": {"payload": ["vip", "triaged"]}},
    ]
    assert result.json[3]["id"] == 999 and result.json[3]["ok"] is False
    assert (result.json[3]["error"]["status"], result.json[3]["error"]["request_file"]) == (404, None)
    assert result.error_lines == ["error: 1 of 4 failed: 999"]
    assert {n: sandbox.conversations[n]["labels"] for n in (3, 6, 7)} == {
        3: ["triaged"],
        6: ["triaged"],
        7: ["vip", "triaged"],
    }
    assert sorted(path for path, _ in label_writes(sandbox)) == [
        f"/api/v1/accounts/1/conversations/{n}/labels" for n in (3, 6, 7)
    ]  # nothing posted for the conversation that is not there


def test_contact_labels_keep_the_contacts_other_labels(sandbox, agent):
    assert sandbox.contacts[10]["labels"] == ["vip", "enterprise"]
    shown = agent("contact_labels", "10")
    assert (shown.code, shown.stdout, shown.stderr) == (0, printed({"payload": ["vip", "enterprise"]}), "")
    changed = agent("contact_labels", "10", "--add", "churn-risk", "--remove", "vip", "--remove", "gold")
    assert (changed.code, changed.stdout) == (0, printed({"payload": ["enterprise", "churn-risk"]}))
    assert changed.stderr == "warning: contact 10 has no label 'gold'\n"
    assert sandbox.contacts[10]["labels"] == ["enterprise", "churn-risk"]
    ((path, body),) = label_writes(sandbox)
    assert path == "/api/v1/accounts/1/contacts/10/labels"
    assert strict_equal(body, {"labels": ["enterprise", "churn-risk"]})
    assert sandbox.conversations[21]["contact_id"] == 10 and "vip" in sandbox.conversations[21]["labels"]  # untouched


def test_contact_labels_refusals_send_nothing(sandbox, agent):
    read_only = agent("contact_labels", "10", "--add", "vip2", env={"CHATWOOT_READ_ONLY": "1"})
    assert (read_only.code, read_only.stdout) == (3, "")
    both = agent("contact_labels", "10", "--add", "vip", "--remove", "vip")
    assert (both.code, both.error_lines) == (2, ["error: label 'vip' is both added and removed; give it once"])
    assert sandbox.requests == []
    missing = agent("contact_labels", "999", "--add", "vip")
    assert (missing.code, missing.stdout) == (1, "")
    assert missing.error_lines == [
        "error: HTTP 404 from Chatwoot: Resource could not be found",
        "error: hint: there is no contact 999 in account 1 (search_contacts.py finds ids)",
    ]
    assert sandbox.find_requests("POST") == [] and sandbox.contacts[10]["labels"] == ["vip", "enterprise"]
