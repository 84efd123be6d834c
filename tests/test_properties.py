"""Property-based tests (hypothesis): any text, attribute or label survives the templates and the
wire unchanged, and malformed input is refused with exit 2 before anything is sent.

Three layers, fastest first:
- rendering: the core's real templates, in-process, many examples;
- sending: the real scripts as subprocesses against pytest-httpserver, few examples;
- rejection: the real scripts run in-process (runpy, patched argv and streams), a few dozen
  examples each, with CHATWOOT_BASE_URL pointing at a server that must see nothing.
"""

from __future__ import annotations

import json
import math
import re
import time
from functools import cache
from unittest import mock

import chatwoot_client  # on sys.path through conftest, as the scripts see it
import pytest
from conftest import ACCOUNT_PATH, OPERATIONS, Result, Runner, load_script, strict_equal
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st
from werkzeug import Response

FIXTURES_OK = [HealthCheck.function_scoped_fixture]  # the fixtures hold no per-example state we rely on

# --------------------------------------------------------------------------- strategies

# Fragments that have broken JSON-by-templating before: template syntax, escapes, separators.
TRICKY = [
    '"',
    "'",
    "\\",
    "\\\\",
    "\\n",
    "\\u0041",
    '\\"',
    "{{",
    "}}",
    "{{ x }}",
    "{{ content | safe }}",
    "{% if true %}",
    "{%- raw %}",
    "{% endraw %}",
    "{#",
    "#}",
    "%}",
    "\n",
    "\r\n",
    "\r",
    "\t",
    "\x0b",
    "\x0c",
    "\x1b[31m",
    "\x7f",
    "\x85",
    "\u00a0",
    "\u2028",
    "\u2029",
    "\u200b",
    "\u202e",
    "\ufeff",
    "\ufffe",
    "\uffff",
    "\U0010ffff",
    "é",
    "e\u0301",
    "日本語",
    "مرحبا",
    "😀",
    "👍🏽",
    "👨\u200d👩\u200d👧",
    "🇩🇪",
    "</script>",
    "$(id)",
    "`id`",
    "${HOME}",
    "null",
    "true",
    "[]",
    "{}",
    '", "private": true, "x": "',
]

ANY_CHAR = st.characters(exclude_categories=["Cs"])  # every code point a str can hold in UTF-8
FILE_CHAR = st.characters(exclude_categories=["Cs"], exclude_characters="\x00")  # --file forbids NUL


def texts(chars=ANY_CHAR, max_parts: int = 8) -> st.SearchStrategy[str]:
    """Random text interleaved with the tricky fragments."""
    part = st.one_of(st.text(chars, max_size=20), st.sampled_from(TRICKY))
    return st.lists(part, max_size=max_parts).map("".join)


ANY_TEXT = texts()
JSON_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    ANY_TEXT,
)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(ANY_TEXT, children, max_size=4),
    max_leaves=12,
)
ATTRIBUTES = st.dictionaries(ANY_TEXT, JSON_VALUES, max_size=5)


# --------------------------------------------------------------------------- checks


def _reject_constant(name: str):
    raise ValueError(f"{name} is not JSON (RFC 8259)")


def _unique_keys(pairs: list) -> dict:
    keys = [key for key, _ in pairs]
    assert len(keys) == len(set(keys)), f"duplicate keys in {keys!r}"
    return dict(pairs)


def strict_loads(text: str):
    """json.loads that refuses what other JSON parsers refuse: NaN, Infinity, duplicate keys."""
    return json.loads(text, parse_constant=_reject_constant, object_pairs_hook=_unique_keys)


ESCAPE = re.compile(r"\\(u[0-9a-fA-F]{4}|.)", re.DOTALL)


def assert_non_ascii_unescaped(rendered: str) -> None:
    """Only what JSON must escape is escaped: never a non-ASCII character (no \\u00e9 for é)."""
    for match in ESCAPE.finditer(rendered):  # pairs left to right, so \\\\u0041 is \\ then u0041
        escape = match.group(1)
        if escape.startswith("u"):
            assert int(escape[1:], 16) < 0x20, f"{match.group(0)} escapes a character that needs none"


def assert_renders_back(template: str, values: dict, expected) -> str:
    rendered = chatwoot_client.render(template, values)
    rendered.encode("utf-8")  # a request file can hold it
    document = strict_loads(rendered)
    assert strict_equal(document, expected), f"{document!r} != {expected!r}"
    if isinstance(expected, dict):
        assert list(document) == list(expected)  # and in the template's order
    assert_non_ascii_unescaped(rendered)
    return rendered


# --------------------------------------------------------------------------- a. rendering (in-process)

MANY = settings(max_examples=300, deadline=None)


@MANY
@given(content=st.none() | ANY_TEXT, private=st.booleans())
@example(content="é \u2028 {{ x }} \\u00e9", private=False)
def test_send_message_renders_back_exactly(content, private):
    expected = {"content": content} if content is not None else {}
    expected.update({"message_type": "outgoing", "private": private})
    rendered = assert_renders_back("send_message", {"content": content, "private": private}, expected)
    if content is not None:
        for character in set(content):
            if ord(character) >= 0x80:
                assert character in rendered  # kept as itself, readable in the request file


@MANY
@given(
    name=st.none() | ANY_TEXT,
    email=st.none() | ANY_TEXT,
    phone_number=st.none() | ANY_TEXT,
    identifier=st.none() | ANY_TEXT,
    inbox_id=st.none() | st.integers(min_value=1),
    additional_attributes=ATTRIBUTES,
    custom_attributes=ATTRIBUTES,
)
def test_contact_renders_back_exactly(**values):
    fields = {
        "name": values["name"],
        "email": values["email"],
        "phone_number": values["phone_number"],
        "identifier": values["identifier"],
        "inbox_id": values["inbox_id"],
        "additional_attributes": values["additional_attributes"],
        "custom_attributes": values["custom_attributes"],
    }
    expected = {key: value for key, value in fields.items() if value is not None and value != {}}
    assert_renders_back("contact", values, expected)


@MANY
@given(labels=st.lists(ANY_TEXT, max_size=8))
def test_labels_render_back_exactly(labels):
    assert_renders_back("labels", {"labels": labels}, {"labels": labels})


@MANY
@given(custom_attributes=ATTRIBUTES)
def test_conversation_attributes_render_back_exactly(custom_attributes):
    assert_renders_back(
        "conversation_attributes", {"custom_attributes": custom_attributes}, {"custom_attributes": custom_attributes}
    )


CONDITIONS = st.one_of(
    st.fixed_dictionaries(
        {
            "attribute_key": ANY_TEXT,
            "filter_operator": st.sampled_from(["equal_to", "not_equal_to", "contains", "is_present"]),
            "values": st.lists(JSON_SCALARS, max_size=3),
            "query_operator": st.sampled_from(["and", "or"]),
        }
    ),
    st.dictionaries(ANY_TEXT, JSON_VALUES, max_size=4),
)


@MANY
@given(payload=st.lists(CONDITIONS, max_size=5))
def test_filter_renders_back_exactly(payload):
    assert_renders_back("filter", {"payload": payload}, {"payload": payload})


@MANY
@given(
    inbox_id=st.integers(min_value=1),
    contact_id=st.integers(min_value=1),
    source_id=st.none() | ANY_TEXT,
    status=st.none() | st.sampled_from(["open", "pending", "snoozed", "resolved"]),
    assignee_id=st.none() | st.integers(min_value=1),
    team_id=st.none() | st.integers(min_value=1),
    message=st.none() | ANY_TEXT,
)
def test_create_conversation_renders_back_exactly(**values):
    expected = {"inbox_id": values["inbox_id"], "contact_id": values["contact_id"]}
    for key in ("source_id", "status", "assignee_id", "team_id"):
        if values[key] is not None:
            expected[key] = values[key]
    if values["message"] is not None:
        expected["message"] = {"content": values["message"]}
    assert_renders_back("create_conversation", values, expected)


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf, [1.0, math.nan], {"a": math.inf}])
def test_rendering_never_writes_nan_or_infinity(value):
    """NaN/Infinity are not JSON: Chatwoot's parser (Ruby JSON, allow_nan false) answers 400.
    Rendering refuses them rather than write a body no server accepts."""
    with pytest.raises(ValueError, match="not JSON compliant"):
        chatwoot_client.render("conversation_attributes", {"custom_attributes": {"x": value}})


# --------------------------------------------------------------------------- b. sending (subprocesses)

FEW = settings(max_examples=25, deadline=None, suppress_health_check=FIXTURES_OK)


class Capture:
    """A pytest-httpserver handler that records each request's method, path and raw body."""

    def __init__(self, answer):
        self.answer = answer  # (request) -> JSON document
        self.requests: list[tuple[str, str, bytes]] = []

    def __call__(self, request):
        self.requests.append((request.method, request.path, request.get_data()))
        return Response(json.dumps(self.answer(request)), status=200, content_type="application/json")

    def writes(self) -> list[tuple[str, object]]:
        return [(path, json.loads(body)) for method, path, body in self.requests if method != "GET"]


def capture(httpserver, answer=lambda request: {"id": 1}) -> Capture:
    httpserver.clear()
    handler = Capture(answer)
    httpserver.expect_request(re.compile(r"^/.*")).respond_with_handler(handler)
    return handler


@FEW
@given(text=texts(FILE_CHAR).filter(lambda t: t.strip()))
@example(text='{{ x }} "q" \\ \u2028 👍🏽\r\n\ufeffend\n')
def test_send_message_file_text_arrives_exactly(run, httpserver, text):
    """With --liquid nothing is escaped: every byte of the file arrives, but one final line ending."""
    server = capture(httpserver)
    (run.cwd / "message.txt").write_bytes(text.encode("utf-8"))
    result = run("send_message", "42", "--file", "message.txt", "--liquid")
    assert result.code == 0, result.stderr
    assert server.writes() == [(f"{ACCOUNT_PATH}/conversations/42/messages", mock.ANY)]
    body = server.writes()[0][1]
    expected = text[:-2] if text.endswith("\r\n") else text.removesuffix("\n")
    assert strict_equal(body, {"content": expected, "message_type": "outgoing", "private": False}), body
    assert run.request_files() == []


ATTRIBUTE_KEY = st.text(FILE_CHAR.filter(lambda c: c not in "=:"), min_size=1, max_size=12).filter(
    lambda key: key == key.strip() and key
)
ARGV_JSON_VALUES = st.recursive(  # anything json.dumps can put in an argument (no NaN: see the NaN test)
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(allow_nan=False, allow_infinity=False),
        texts(FILE_CHAR, 4),
    ),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(texts(FILE_CHAR, 3), children, max_size=3),
    max_leaves=8,
)


@FEW
@given(
    name=texts(FILE_CHAR, 3),
    custom=st.dictionaries(ATTRIBUTE_KEY, ARGV_JSON_VALUES, min_size=1, max_size=4),
    additional=st.dictionaries(ATTRIBUTE_KEY, texts(FILE_CHAR, 4), max_size=3),
)
def test_create_contact_attributes_arrive_exactly(run, httpserver, name, custom, additional):
    server = capture(httpserver)
    arguments = [f"--name={name}"]
    arguments += [f"--custom-attr={key}:={json.dumps(value, ensure_ascii=False)}" for key, value in custom.items()]
    arguments += [f"--attr={key}={value}" for key, value in additional.items()]
    result = run("create_contact", *arguments)
    assert result.code == 0, result.stderr
    expected = {"name": name, "additional_attributes": additional, "custom_attributes": custom}
    if not additional:
        del expected["additional_attributes"]
    assert [path for path, _ in server.writes()] == [f"{ACCOUNT_PATH}/contacts"]
    body = server.writes()[0][1]
    assert strict_equal(body, expected), body
    assert run.request_files() == []


LABEL = texts(FILE_CHAR, 4).filter(lambda label: label.strip() == label and label and "," not in label)


@FEW
@given(labels=st.lists(LABEL, min_size=1, max_size=4))
def test_labels_added_arrive_exactly(run, httpserver, labels):
    defined = {"payload": [{"id": number, "title": label} for number, label in enumerate(labels, 1)]}
    server = capture(
        httpserver,
        lambda request: (
            defined
            if request.path == f"{ACCOUNT_PATH}/labels"
            else {"payload": [] if request.method == "GET" else labels}
        ),
    )
    result = run("labels", "42", *[f"--add={label}" for label in labels])
    assert (result.code, result.stderr) == (0, "")
    assert [(method, path) for method, path, _ in server.requests] == [
        ("GET", f"{ACCOUNT_PATH}/conversations/42/labels"),
        ("GET", f"{ACCOUNT_PATH}/labels"),
        ("POST", f"{ACCOUNT_PATH}/conversations/42/labels"),
    ]
    assert server.writes()[0][0] == f"{ACCOUNT_PATH}/conversations/42/labels"
    body = server.writes()[0][1]
    assert strict_equal(body, {"labels": list(dict.fromkeys(labels))}), body
    assert run.request_files() == []


# --------------------------------------------------------------------------- c. rejection (in-process)


@pytest.fixture
def inproc(run, httpserver):
    """The in-process runner, pointed at pytest-httpserver (the `run` fixture does both)."""
    return run


def assert_refused(inproc: Runner, httpserver, result: Result, *fragments: str) -> None:
    """Exit 2, an error line on stderr naming the problem, nothing on stdout, nothing sent or written."""
    assert result.code == 2, (result.code, result.stdout, result.stderr)
    assert result.stdout == ""
    assert result.stderr.startswith("error: "), result.stderr
    for fragment in fragments:
        assert fragment in result.stderr, (fragment, result.stderr)
    assert httpserver.log == [], [f"{r.method} {r.full_path}" for r, _ in httpserver.log]
    assert list(inproc.tmpdir.iterdir()) == []


def fresh(httpserver, inproc: Runner) -> None:
    """Each example starts from an empty server log and an empty temp dir."""
    httpserver.clear_log()
    for leftover in inproc.tmpdir.iterdir():
        leftover.unlink()


def test_in_process_runner_sends_a_valid_call(inproc, httpserver):
    """The control for the properties below: a valid call run the same way does reach the server."""
    path = f"{ACCOUNT_PATH}/conversations/42/messages"
    httpserver.expect_request(path, method="POST").respond_with_json({"id": 1, "content": "hé"})
    result = inproc("send_message", "42", "hé")
    assert result.code == 0, result.stderr
    assert json.loads(result.stdout) == {"id": 1, "content": "hé"}
    assert [(r.method, r.path, json.loads(r.get_data())) for r, _ in httpserver.log] == [
        ("POST", path, {"content": "hé", "message_type": "outgoing", "private": False})
    ]
    assert list(inproc.tmpdir.iterdir()) == []  # removed after the 2xx


SOME = settings(max_examples=30, deadline=None, suppress_health_check=FIXTURES_OK)

# (script, arguments with {} for the id, takes several ids)
ID_SCRIPTS = {
    "get_conversation": (["{}"], False),
    "send_message": (["{}", "hello"], False),
    "add_note": (["{}", "hello"], True),
    "assign_conversation": (["{}", "--agent-id", "5"], True),
    "set_status": (["{}", "resolved"], True),
    "set_priority": (["{}", "high"], True),
    "labels": (["{}", "--add", "vip"], True),
    "conversation_attributes": (["{}", "--set", "a=b"], False),
    "list_messages": (["{}"], False),
    "get_contact": (["{}"], False),
    "update_contact": (["{}", "--name", "X"], False),
    "delete_contact": (["{}", "--yes"], False),
    "contact_conversations": (["{}"], False),
    "create_conversation": (["--inbox-id", "3", "--contact-id={}"], False),
    "message_contact": (["--inbox-id", "3", "--contact-id={}", "hello"], False),
}


def is_positive_integer(text: str) -> bool:
    """What an id may be: base-10 ASCII digits, not zero; surrounding whitespace tolerated."""
    core = text.strip()
    return core.isascii() and core.isdigit() and int(core) > 0


def is_valid_ids(text: str, several: bool) -> bool:
    if is_positive_integer(text):
        return True
    if several and "," in text:
        parts = [part for part in text.split(",") if part.strip()]
        return bool(parts) and all(is_positive_integer(part) for part in parts)
    return False  # including "-" (ids from stdin): stdin is empty here, so that is refused too


NOT_IDS = st.one_of(
    st.integers(max_value=0).map(str),  # 0 and negatives
    st.floats().map(str),  # 4.5, 1e+16, nan, inf, -0.0
    st.sampled_from(
        [
            *("0", "00", "-0", "+0", "+5", "0x1F", "0b1", "0o7", "1_000", "1e3", "1.", ".5", "4.5", "1 2", "1\t2"),
            *("\u0661\u0662", "\uff14\uff12", "\u00b2", "5\u200b", "\u200b5", "NaN", "one", "#42", "42a", "a42"),
            *("42,x", "1,0", "1,-2", ",", "", " ", "\t", "\n", "\u00a0", "\u2028", "-", " , "),
        ]
    ),
    st.from_regex(r"[A-Za-z][A-Za-z0-9 ._-]*", fullmatch=True),  # words
    st.text(st.sampled_from(" \t\n\r\x0b\x0c\u00a0\u2028\u3000"), max_size=4),  # empty, whitespace only
    st.tuples(st.integers(1, 10**9), st.sampled_from([".", ".0", "e2", " x", "x", "/2", ":", "%", "!"])).map(
        lambda pair: f"{pair[0]}{pair[1]}"
    ),
    st.text(FILE_CHAR, max_size=12),
).filter(lambda text: not text.startswith(("-h", "--h")))  # -h/--help prints help, exit 0


@pytest.mark.parametrize("script", sorted(ID_SCRIPTS))
@SOME
@given(value=NOT_IDS)
def test_malformed_id_is_refused_and_nothing_sent(inproc, httpserver, script, value):
    template, several = ID_SCRIPTS[script]
    assume(not is_valid_ids(value, several))
    fresh(httpserver, inproc)
    result = inproc(script, *[part.replace("{}", value) for part in template])
    assert_refused(inproc, httpserver, result)


EMAIL_SCRIPTS = {
    "create_contact": ["--name", "Jane", "--email={}"],
    "update_contact": ["17", "--email={}"],
    "find_or_create_contact": ["--email={}"],
    "message_contact": ["--inbox-id", "3", "--email={}", "hello"],
}
ATOM = st.text(st.characters(exclude_categories=["Cs", "Zs", "Zl", "Zp", "Cc"], exclude_characters="@."), min_size=1)
ATOM = ATOM.filter(lambda atom: not any(character.isspace() for character in atom))
NOT_EMAILS = st.one_of(
    st.text(FILE_CHAR.filter(lambda c: c != "@"), max_size=20),  # no @ at all
    st.builds("{}@{}@{}.{}".format, ATOM, ATOM, ATOM, ATOM),  # two @
    st.builds("@{}.{}".format, ATOM, ATOM),  # no local part
    st.builds("{}@".format, ATOM),  # no domain
    st.builds("{}@{}".format, ATOM, ATOM),  # domain without a dot
    st.builds("{}@{}.".format, ATOM, ATOM),  # domain ending in a dot
    st.builds("{}@{}.{}.".format, ATOM, ATOM, ATOM),
    st.builds("{} {}@{}.{}".format, ATOM, ATOM, ATOM, ATOM),  # a space inside
    st.builds("{}@{} {}.{}".format, ATOM, ATOM, ATOM, ATOM),
    st.builds("{}\n@{}.{}".format, ATOM, ATOM, ATOM),
    st.sampled_from(["", " ", "jane", "jane@", "@example.com", "jane@example", "jane@@example.com", "jane doe@x.com"]),
)


@SOME
@given(script=st.sampled_from(sorted(EMAIL_SCRIPTS)), value=NOT_EMAILS)
def test_email_that_is_not_an_address_is_refused(inproc, httpserver, script, value):
    fresh(httpserver, inproc)
    result = inproc(script, *[part.replace("{}", value) for part in EMAIL_SCRIPTS[script]])
    assert_refused(inproc, httpserver, result, "--email")


@pytest.mark.parametrize("value", ["jane@example..com", "jane@.example.com", "jane@example.com..", "jane@a..b.c"])
def test_email_with_an_empty_domain_label_is_refused(inproc, httpserver, value):
    """A domain is dot-separated non-empty labels (RFC 5321 §4.1.2): `example..com` is a typo
    that would otherwise be stored on the contact (Chatwoot's own check, Devise's, lets it by)."""
    assert_refused(inproc, httpserver, inproc("create_contact", "--name", "Jane", f"--email={value}"), "--email")


PHONE_SCRIPTS = {
    "create_contact": ["--name", "Jane", "--phone={}"],
    "update_contact": ["17", "--phone={}"],
    "find_or_create_contact": ["--phone={}"],
    "message_contact": ["--inbox-id", "3", "--phone={}", "hello"],
}
PHONE_ALLOWED = set("0123456789+().-")


def _has_foreign_character(text: str) -> bool:
    return any(character not in PHONE_ALLOWED and not character.isspace() for character in text)


NOT_PHONES = st.one_of(
    st.from_regex(r"[1-9][0-9]{1,14}", fullmatch=True),  # no +
    st.from_regex(r"00[1-9][0-9]{4,12}", fullmatch=True),  # 00 instead of +
    st.from_regex(r"\+0[0-9]{1,14}", fullmatch=True),  # country code cannot start with 0
    st.from_regex(r"\+[1-9][0-9]{15,20}", fullmatch=True),  # more than 15 digits
    st.from_regex(r"\+[0-9]?", fullmatch=True),  # too short
    st.from_regex(r"[0-9]{1,6}\+[0-9]{1,8}", fullmatch=True),  # + not first
    st.from_regex(r"\+\+[1-9][0-9]{4,12}", fullmatch=True),
    st.text(FILE_CHAR, max_size=20).filter(_has_foreign_character),  # letters, symbols, other digits
    st.sampled_from(
        [
            "",
            " ",
            "+",
            "+49 151 CALL-NOW",
            "+49151x123",
            "+\u0661\u0662\u0663\u0664",
            "+\uff14\uff19\uff11\uff15\uff11",
            "tel:+4915112345678",
        ]
    ),
)


@SOME
@given(script=st.sampled_from(sorted(PHONE_SCRIPTS)), value=NOT_PHONES)
def test_phone_that_is_not_e164_is_refused(inproc, httpserver, script, value):
    fresh(httpserver, inproc)
    result = inproc(script, *[part.replace("{}", value) for part in PHONE_SCRIPTS[script]])
    assert_refused(inproc, httpserver, result, "--phone")


@pytest.mark.parametrize(
    ("written", "number"),
    [("+44 (0) 20 7946 0958", "+442079460958"), ("+49 (0)151 12345678", "+4915112345678")],
)
def test_phone_with_a_bracketed_trunk_zero_is_never_stored_wrong(inproc, httpserver, written, number):
    """`+44 (0) 20 …` is how UK (and German, Swiss…) numbers are commonly written: the (0) is dialled
    only from inside the country. Dropping the brackets but keeping the 0 stores another number
    (+4402079460958). Either refuse it (exit 2) or store the number it means."""
    result = inproc("create_contact", "--name", "Jane", f"--phone={written}", "--dry-run")
    if result.code == 2:
        assert_refused(inproc, httpserver, result, "--phone")
        return
    assert result.code == 0, result.stderr
    assert json.loads(result.stdout)["body"]["phone_number"] == number


def _past_unix_seconds() -> st.SearchStrategy[str]:
    return st.integers(100_000_000, int(time.time()) - 60).map(str)


NOT_DURATIONS = st.one_of(
    st.sampled_from(
        ["m", "h", "d", "w", "0m", "0h", "00d", "0w", "-2h", "+2h", "1.5h", "0.5d", "2hh", "h2", "2 hours"]
    ),
    st.sampled_from(
        ["2s", "2y", "2H", "two hours", "tomorrow", "later", "next week", "", " ", "\t", "\u221eh", "\uff12h"]
    ),
    st.sampled_from(["2026-13-01T09:00", "2026-02-30T09:00", "2026-12-01T25:00", "2026-12-01T09:60", "12/01/2026"]),
    st.sampled_from(["1e9", "0x7fffffff", "NaN", "-1", "0", "2h30m", "P1D", "PT2H"]),
    st.tuples(st.integers(0, 10**6), st.sampled_from("sySHMDWxyz%")).map(lambda pair: f"{pair[0]}{pair[1]}"),
    st.tuples(st.integers(1, 999), st.sampled_from("mhdw")).map(lambda pair: f"-{pair[0]}{pair[1]}"),
    _past_unix_seconds(),  # unix seconds in the past
    st.text(FILE_CHAR.filter(lambda c: not c.isdigit()), max_size=12),  # no digit: no time at all
)


@SOME
@given(value=NOT_DURATIONS)
def test_snooze_until_that_is_not_a_future_time_is_refused(inproc, httpserver, value):
    fresh(httpserver, inproc)
    result = inproc("set_status", "42", "snoozed", f"--until={value}")
    assert_refused(inproc, httpserver, result, "--until")


# A valid call of every script: an unknown flag added to it is the only thing wrong.
VALID_CALLS = {
    "add_note": ["42", "hi"],
    "assign_conversation": ["42", "--agent-id", "5"],
    "canned_responses": [],
    "contact_labels": ["17"],
    "contact_notes": ["17"],
    "conversation_context": ["42"],
    "csat": [],
    "delete_message": ["42", "7", "--yes"],
    "list_portals": [],
    "macros": [],
    "merge_contacts": ["17", "18", "--yes"],
    "report": [],
    "run_macro": ["3", "42"],
    "search_articles": ["password"],
    "webhooks": [],
    "contact_conversations": ["17"],
    "conversation_attributes": ["42"],
    "conversation_counts": [],
    "create_contact": ["--name", "Jane"],
    "create_conversation": ["--inbox-id", "3", "--contact-id", "17"],
    "delete_contact": ["17", "--yes"],
    "filter_contacts": ["--where", "name=Jane"],
    "filter_conversations": ["--where", "status=open"],
    "find_or_create_contact": ["--email", "jane@example.com"],
    "get_contact": ["17"],
    "get_conversation": ["42"],
    "labels": ["42"],
    "list_agents": [],
    "list_contacts": [],
    "list_conversations": [],
    "list_inboxes": [],
    "list_messages": ["42"],
    "list_teams": [],
    "message_contact": ["--inbox-id", "3", "--contact-id", "17", "hi"],
    "search_contacts": ["jane"],
    "send_message": ["42", "hi"],
    "set_priority": ["42", "high"],
    "set_status": ["42", "open"],
    "update_contact": ["17", "--name", "X"],
    "verify_webhook": ["--secret-env", "HOOK_SECRET", "--timestamp", "1", "--signature", "sha256=00"],
    "whoami": [],
}


def test_every_script_has_a_valid_call():
    scripts = set(OPERATIONS)
    assert scripts == set(VALID_CALLS)


@cache
def known_flags(script: str) -> frozenset:
    text = load_script(script).command.parser().format_help()
    return frozenset(re.findall(r"(?<![\w-])(--?[A-Za-z][\w-]*)", text))


UNKNOWN_FLAGS = st.one_of(
    st.from_regex(r"--[a-z][a-z0-9]{0,10}(-[a-z0-9]{1,6}){0,2}", fullmatch=True),
    st.from_regex(r"-[a-zA-Z]", fullmatch=True),
    st.sampled_from(["--dry", "--sum", "--al", "--verbose", "--json", "--token", "--account-id", "--base-url"]),
)


@SOME
@given(
    script=st.sampled_from(sorted(VALID_CALLS)),
    flag=UNKNOWN_FLAGS,
    value=st.none() | st.from_regex(r"[a-z0-9]{1,6}", fullmatch=True),
    first=st.booleans(),
)
def test_unknown_flag_is_refused_and_nothing_sent(inproc, httpserver, script, flag, value, first):
    assume(flag not in known_flags(script) and not flag.startswith("-h"))
    fresh(httpserver, inproc)
    unknown = flag if value is None else f"{flag}={value}"
    argv = [unknown, *VALID_CALLS[script]] if first else [*VALID_CALLS[script], unknown]
    result = inproc(script, *argv)
    assert_refused(inproc, httpserver, result, "unrecognized arguments", unknown)


# K:=JSON takes what Python's json module takes, which includes NaN and Infinity: not JSON.
NAN_CALLS = [
    ("create_contact", ["--name", "Jane", "--custom-attr", "seats:={}"]),
    ("create_contact", ["--name", "Jane", "--attr", "score:={}"]),
    ("update_contact", ["17", "--custom-attr", "seats:={}"]),
    ("conversation_attributes", ["42", "--set", "score:={}"]),
]


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity", "[1, NaN]", '{"a": Infinity}'])
@pytest.mark.parametrize(("script", "arguments"), NAN_CALLS, ids=[f"{s}-{a[-2]}" for s, a in NAN_CALLS])
def test_json_attribute_value_that_is_not_json_is_refused(inproc, httpserver, script, arguments, value):
    result = inproc(script, *[part.replace("{}", value) for part in arguments])
    assert_refused(inproc, httpserver, result)
