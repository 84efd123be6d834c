"""Message text and Chatwoot's Liquid: what the customer sees is the text given, on every text path
(send_message, add_note, create_conversation --message, message_contact); --liquid lets Chatwoot's
variables through; the 150,000-character limit is checked on the text as sent."""

from __future__ import annotations

import re

import liquid
import pytest
from chatwoot_client import UsageError
from chatwoot_liquid import escape
from hypothesis import example, given, settings
from hypothesis import strategies as st
from sandbox.liquid import render_message, ruby_liquid_syntax_error, wrap_code_spans

# --------------------------------------------------------------------------- the escaping, over many texts

# Pieces that Liquid or Chatwoot's code-span protection give a meaning to, and their near misses.
MARKUP = [
    "{", "}", "{{", "}}", "{{{", "}}}", "{%", "%}", "{%-", "-%}", "{{-", "-}}", "`", "``", "```",
    "raw", "endraw", "{% raw %}", "{% endraw %}", "{%- endraw -%}", "{%endraw%}", "{% endraw", "{{ x }}",
    "{{ contact.name }}", "{% if x %}", "{% endif %}", "{% comment %}", "{{ 'a' | upcase }}", "\n", "\r\n",
    " ", "%", "-", '"', "'", "\\", "é", "李", "👍🏽", "\u2028",
]  # fmt: skip
TEXTS = st.lists(st.one_of(st.sampled_from(MARKUP), st.text(max_size=4)), max_size=24).map("".join)
CODE_SPAN = re.compile(r"`(.*?)`", re.DOTALL)  # Chatwoot's /`(.*?)`/m
ENDRAW_TAG = re.compile(r"\{%-?\s*endraw\b")  # what could end the {% raw %} Chatwoot wraps a code span in
STRICT = liquid.Environment(tolerance=liquid.Mode.STRICT)


def holds_endraw_in_a_code_span(text: str) -> bool:
    return any(ENDRAW_TAG.search(span) for span in CODE_SPAN.findall(text))


@settings(max_examples=200, deadline=None)
@given(text=TEXTS)
@example(text="Your order {{ order.id }} {% if x %}ok{% endif %} and `{{ kept }}`")
@example(text="{`{{ a }}` {{{`x`}}} ``` \n{% raw %}\n``` ` unbalanced {{ b }}")
@example(text="{%- raw -%}{{ x }}{%- endraw -%} `multi\nline {% if %}` {")
@example(text="see `{% endraw %}{{ x }}` here")
def test_escaped_text_renders_back_to_exactly_the_text_given(text):
    if holds_endraw_in_a_code_span(text):
        with pytest.raises(UsageError) as refused:
            escape(text)
        assert "holds {% endraw %}" in str(refused.value)
        return
    escaped = escape(text)
    wrapped = wrap_code_spans(escaped)  # what Chatwoot parses
    assert ruby_liquid_syntax_error(wrapped) is None, (text, escaped)
    STRICT.parse(wrapped)  # and a strict Liquid parser takes it too
    assert render_message(escaped, {}) == text, escaped


# --------------------------------------------------------------------------- every text path, on the sandbox

TEXT = "Your order {{ order.id }} {% if x %}ok{% endif %} and `{{ kept }}`"
PATHS = ["send_message", "add_note", "create_conversation", "message_contact"]


def send(agent, path: str, text: str, *flags: str):
    """Send `text` to Jane Doe (contact 1) in the Support API inbox (2) by one path: the result."""
    if path == "create_conversation":
        return agent("create_conversation", "--inbox-id", "2", "--contact-id", "1", "--message", text, *flags)
    if path == "message_contact":
        return agent("message_contact", "--inbox-id", "2", "--contact-id", "1", "--file", "-", *flags, stdin=text)
    return agent(path, "1", "--file", "-", *flags, stdin=text)


def printed_message(path: str, result) -> dict:
    """The message a run printed (create_conversation prints the conversation, with its latest message)."""
    if path == "create_conversation":
        return result.json["messages"][0]
    return result.json["message"] if path == "message_contact" else result.json


def stored(sandbox, path: str, result) -> dict:
    """The message one run created, as the sandbox holds it."""
    return sandbox.messages[printed_message(path, result)["id"]]


@pytest.mark.parametrize("path", PATHS)
def test_every_text_path_stores_what_was_written_and_liquid_fills_in_variables(sandbox, agent, path):
    before = len(sandbox.messages)
    literal = send(agent, path, TEXT)
    assert (literal.code, literal.stderr) == (0, ""), literal.stderr
    message = stored(sandbox, path, literal)
    assert message["content"] == TEXT  # what the customer sees
    assert (message["message_type"], message["private"]) == (1, path == "add_note")
    assert printed_message(path, literal)["content"] == TEXT  # what the script printed

    filled = send(agent, path, "Hi {{contact.name}}, re {{ inbox.name }} `{{ kept }}`", "--liquid")
    assert filled.code == 0, filled.stderr
    assert stored(sandbox, path, filled)["content"] == "Hi Jane Doe, re Support API `{{ kept }}`"
    assert len(sandbox.messages) == before + 2


LIMIT = 150_000
GROWN = "{{" * 50_000  # 100,000 characters as written; each {{ goes as {{ "{{" }}: 500,000


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize(
    ("text", "error"),
    [
        (
            GROWN,
            "error: the text is 500,000 characters as sent (100,000 as written; escaping Liquid markup adds to it); "
            "Chatwoot takes at most 150,000: shorten it or split it into several messages",
        ),
        (
            "{{" + "a" * (LIMIT - 9),  # one over after escaping
            "error: the text is 150,001 characters as sent (149,993 as written; escaping Liquid markup adds to it); "
            "Chatwoot takes at most 150,000: shorten it or split it into several messages",
        ),
        (
            "see `{% endraw %}{{ x }}` here",
            "error: a `code span` in the text holds {% endraw %}, which would end Chatwoot's protection of code "
            "spans and let Liquid run on what follows; remove it or leave the backticks out",
        ),
    ],
    ids=["grown-past-the-limit", "one-over", "endraw-in-code-span"],
)
def test_text_that_cannot_arrive_as_written_is_refused_before_anything_is_sent(sandbox, agent, path, text, error):
    before = len(sandbox.messages)
    result = send(agent, path, text)
    assert (result.code, result.stdout) == (2, "")
    assert result.error_lines == [error]
    assert len(result.stderr.splitlines()) == 1
    assert sandbox.requests == []
    assert len(sandbox.messages) == before


@pytest.mark.parametrize("path", PATHS)
def test_text_of_exactly_the_limit_after_escaping_is_sent_whole(sandbox, agent, path):
    text = "{{" + "a" * (LIMIT - 10)  # {{ becomes {{ "{{" }} (10 characters): exactly 150,000 as sent
    assert len(escape(text)) == LIMIT
    result = send(agent, path, text)
    assert result.code == 0, result.stderr
    message = stored(sandbox, path, result)
    assert message["content"] == text
    assert message["processed_message_content"] == escape(text)  # as sent, before Chatwoot's Liquid
