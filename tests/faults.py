"""The fault matrix test_errors.py and test_retries.py share: one script of each kind of request,
a canned failing answer, and what a failure must leave behind."""

from __future__ import annotations

from conftest import ACCOUNT_PATH

# One script of each kind: a read (GET), a write (POST), an idempotent write (DELETE), and a
# filter (a POST that only reads, retried like a GET).
READ = ("get_conversation", ["7"], "GET", f"{ACCOUNT_PATH}/conversations/7")


WRITE = ("send_message", ["7", "Hello"], "POST", f"{ACCOUNT_PATH}/conversations/7/messages")


DELETE = ("delete_contact", ["17", "--yes"], "DELETE", f"{ACCOUNT_PATH}/contacts/17")


KINDS = {"read": READ, "write": WRITE, "delete": DELETE}


def answer(httpserver, path, method, body, status, content_type):
    httpserver.expect_request(path, method=method).respond_with_data(body, status=status, content_type=content_type)


def assert_failed(result, run, kind, code):
    assert result.code == code, result.stderr
    assert result.stdout == ""
    assert result.error_lines, result.stderr
    kept = run.request_files()
    if kind == "write":
        assert len(kept) == 1
        assert f"error: request body kept at {kept[0]}" in result.stderr
        assert "error: resend with: curl" in result.stderr
    else:
        assert kept == []
