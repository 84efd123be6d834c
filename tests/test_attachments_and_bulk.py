"""Attachments (multipart attachments[]), the find-or-create race, bulk calls, and a missing
dependency: what Chatwoot receives and what the agent sees."""

from __future__ import annotations

import json
import shlex
import subprocess
import sys

import pytest
from conftest import ACCOUNT_PATH, SCRIPTS_DIR, TOKEN, only_request
from werkzeug.wrappers import Response

MESSAGES = f"{ACCOUNT_PATH}/conversations/42/messages"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


@pytest.fixture
def files(tmp_path):
    (tmp_path / "screenshot.png").write_bytes(PNG)
    (tmp_path / "invoice.pdf").write_bytes(b"%PDF-1.4 fake")
    (tmp_path / "notes").write_bytes(b"no extension")
    return tmp_path


def multipart_parts(request) -> tuple[list, list]:
    fields = list(request.form.items(multi=True))
    uploads = [(key, f.filename, f.mimetype, f.read()) for key, f in request.files.items(multi=True)]
    return fields, uploads


def test_send_message_with_attachments_is_multipart(httpserver, run, files):
    httpserver.expect_request(MESSAGES, method="POST").respond_with_json({"id": 1, "attachments": []})
    result = run(
        "send_message", "42", "See attached", "--attach",
        str(files / "screenshot.png"), str(files / "invoice.pdf"), str(files / "notes"),
    )  # fmt: skip
    assert result.code == 0, result.stderr
    request = only_request(httpserver)
    assert request.headers["Api-Access-Token"] == TOKEN
    assert request.mimetype == "multipart/form-data"
    fields, uploads = multipart_parts(request)
    # "private" is left out when false: Rails would read the string "false" as true.
    assert fields == [("content", "See attached"), ("message_type", "outgoing")]
    assert uploads == [
        ("attachments[]", "screenshot.png", "image/png", PNG),
        ("attachments[]", "invoice.pdf", "application/pdf", b"%PDF-1.4 fake"),
        ("attachments[]", "notes", "application/octet-stream", b"no extension"),
    ]
    assert run.request_files() == []


def test_a_note_with_an_attachment_and_no_text(httpserver, run, files):
    httpserver.expect_request(MESSAGES, method="POST").respond_with_json({"id": 2})
    result = run("add_note", "42", "--attach", str(files / "invoice.pdf"))
    assert result.code == 0, result.stderr
    fields, uploads = multipart_parts(only_request(httpserver))
    assert fields == [("message_type", "outgoing"), ("private", "true")]
    assert [u[1] for u in uploads] == ["invoice.pdf"]


@pytest.mark.parametrize("problem", ["missing", "directory"])
def test_an_unreadable_attachment_is_refused_before_sending(httpserver, run, files, problem):
    target = files / "nope.png" if problem == "missing" else files
    result = run("send_message", "42", "hi", "--attach", str(files / "invoice.pdf"), str(target))
    assert result.code == 2
    assert result.error_lines == [
        f"error: argument --attach: expected a readable file, got '{target}' "
        f"({'no such file' if problem == 'missing' else 'a directory, not a file'}) (see send_message.py --help)"
    ]
    assert httpserver.log == []


def test_attachment_dry_run_lists_fields_and_files(httpserver, run, files):
    result = run("send_message", "42", "Invoice", "--attach", str(files / "invoice.pdf"), "--dry-run")
    assert result.code == 0, result.stderr
    preview = result.json
    assert preview["body"] == {"content": "Invoice", "message_type": "outgoing"}
    assert preview["files"] == [
        {"field": "attachments[]", "path": str(files / "invoice.pdf"), "content_type": "application/pdf", "size": 13}
    ]
    assert list(preview) == ["method", "url", "body", "files", "curl"]
    assert shlex.split(preview["curl"])[-6:] == [
        "--form-string",
        "content=Invoice",
        "--form-string",
        "message_type=outgoing",
        "-F",
        f"attachments[]=@{files / 'invoice.pdf'};type=application/pdf",
    ]
    assert "$CHATWOOT_API_TOKEN" in preview["curl"]
    assert run.request_files() == []
    assert httpserver.log == []


def test_a_failed_upload_keeps_the_text(httpserver, run, files):
    httpserver.expect_request(MESSAGES, method="POST").respond_with_json({"error": "File too big"}, status=422)
    result = run("send_message", "42", "Long letter", "--attach", str(files / "invoice.pdf"))
    assert result.code == 1
    kept = run.request_files()
    assert len(kept) == 1
    assert json.loads(kept[0].read_text(encoding="utf-8"))["content"] == "Long letter"
    assert f"error: request body kept at {kept[0]}" in result.stderr


# ----------------------------------------------------------------------------- the create race


def test_find_or_create_survives_the_already_taken_race(httpserver, run):
    """Another client creates the contact between our search and our create."""
    jane = {"id": 17, "name": "Jane", "email": "jane@example.com", "phone_number": None, "identifier": None}
    searches = iter([[], [jane]])

    def search(request):
        return Response(
            json.dumps({"meta": {"has_more": False}, "payload": next(searches)}), mimetype="application/json"
        )

    httpserver.expect_request(f"{ACCOUNT_PATH}/contacts/search").respond_with_handler(search)
    httpserver.expect_request(f"{ACCOUNT_PATH}/contacts", method="POST").respond_with_json(
        {"message": "Email has already been taken", "attributes": ["email"]}, status=422
    )
    result = run("find_or_create_contact", "--email", "Jane@Example.com")
    assert result.code == 0, result.stderr
    assert result.json == {"created": False, "contact": jane}
    assert [r.method for r, _ in httpserver.log] == ["GET", "POST", "GET"]


def test_find_or_create_needs_a_key(httpserver, run):
    result = run("find_or_create_contact", "--name", "Only A Name")
    assert result.code == 2
    assert result.error_lines == ["error: give at least one of --identifier, --email or --phone to find the contact by"]
    assert httpserver.log == []


# ----------------------------------------------------------------------------- bulk calls


def test_bulk_labels_read_merge_write_each(httpserver, run):
    for number, labels in ((5, ["a"]), (6, [])):
        path = f"{ACCOUNT_PATH}/conversations/{number}/labels"
        httpserver.expect_request(path, method="GET").respond_with_json({"payload": labels})
        httpserver.expect_request(path, method="POST").respond_with_json({"payload": [*labels, "vip"]})
    result = run("labels", "5,6", "--add", "vip", "--parallel", "1")
    assert result.code == 0, result.stderr
    assert result.json == [
        {"id": 5, "ok": True, "result": {"payload": ["a", "vip"]}},
        {"id": 6, "ok": True, "result": {"payload": ["vip"]}},
    ]
    posted = [json.loads(r.get_data()) for r, _ in httpserver.log if r.method == "POST"]
    assert posted == [{"labels": ["a", "vip"]}, {"labels": ["vip"]}]


# ----------------------------------------------------------------------------- missing packages


@pytest.mark.parametrize(
    ("script", "args", "package"), [("get_contact", ["1"], "requests"), ("add_note", ["1", "hi"], "jinja2")]
)
def test_a_missing_package_is_named_with_the_command_that_installs_it(tmp_path, script, args, package):
    # -S: no site-packages, so neither requests nor jinja2 can be imported.
    completed = subprocess.run(
        [sys.executable, "-S", str(SCRIPTS_DIR / f"{script}.py"), *args],
        capture_output=True,
        text=True,
        env={"CHATWOOT_API_TOKEN": TOKEN, "CHATWOOT_ACCOUNT_ID": "1", "CHATWOOT_BASE_URL": "http://127.0.0.1:9"},
        cwd=tmp_path,
    )
    assert completed.returncode == 3
    assert completed.stdout == ""
    assert completed.stderr.startswith(f"error: the Python package '{package}' is not installed for {sys.executable};")
    assert f"install with: {sys.executable} -m pip install 'requests>=2.28,<3' 'jinja2>=3.0,<4'" in completed.stderr
    assert f"uv run {SCRIPTS_DIR / script}.py" in completed.stderr
    assert "Traceback" not in completed.stderr
