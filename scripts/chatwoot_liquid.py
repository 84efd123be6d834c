"""Message text as the customer will see it. Chatwoot renders Liquid in every outgoing message
and private note before saving it (app/models/concerns/liquidable.rb): `{{ order.id }}` would
vanish and `{% if %}` would run. So the text is escaped to print literally, except where the
agent asks for Chatwoot's variables (--liquid). Standard library only."""

from __future__ import annotations

import re

from chatwoot_client import UsageError

CONTENT_LIMIT = 150_000  # characters Chatwoot stores in a message (Message validates content's length)

# Chatwoot's own code-span regex, /`(.*?)`/m in Ruby (m: the dot matches newlines). It wraps each
# span in {% raw %}…{% endraw %} before parsing, so a span is printed as is; an unbalanced
# backtick protects nothing after it.
CODE_SPAN = re.compile(r"`(.*?)`", re.DOTALL)
# What ends Liquid's raw block (Liquid 5.4's FullTokenPossiblyInvalid with the name endraw).
ENDRAW = re.compile(r"\{%-?\s*endraw\b")
# Outside code spans: every {{ or {% (whitespace-control forms included, as they start the same way).
OPENER = re.compile(r"\{[{%]")

# Liquid string literals print their text; `{{ "{{" }}` is the only way to print "{{".
LITERAL = {"{{": '{{ "{{" }}', "{%": '{{ "{%" }}', "{": '{{ "{" }}'}


def escape(text: str) -> str:
    """The text written so that Chatwoot's Liquid prints it exactly: outside code spans each `{{`
    becomes {{ "{{" }}, each `{%` {{ "{%" }}, and a `{` right before a code span {{ "{" }} (else
    it would meet the {% raw %} Chatwoot inserts there and form `{{%`). Code spans are left as
    they are; one holding {% endraw %} would end Chatwoot's protection early, so it is refused."""
    pieces, position = [], 0
    for span in CODE_SPAN.finditer(text):
        if ENDRAW.search(span.group(1)):
            raise UsageError(
                "a `code span` in the text holds {% endraw %}, which would end Chatwoot's protection of code "
                "spans and let Liquid run on what follows; remove it or leave the backticks out"
            )
        before = _escape_plain(text[position : span.start()])
        if before.endswith("{"):
            before = before[:-1] + LITERAL["{"]
        pieces += [before, span.group(0)]
        position = span.end()
    pieces.append(_escape_plain(text[position:]))
    return "".join(pieces)


def _escape_plain(text: str) -> str:
    return OPENER.sub(lambda match: LITERAL[match.group(0)], text)


def as_sent(text: str, liquid: bool = False) -> str:
    """The content a script sends for this text: escaped (or, with --liquid, as written for
    Chatwoot to fill in its variables), and within Chatwoot's length limit."""
    content = text if liquid else escape(text)
    if len(content) > CONTENT_LIMIT:
        grown = "" if content == text else f" ({len(text):,} as written; escaping Liquid markup adds to it)"
        raise UsageError(
            f"the text is {len(content):,} characters as sent{grown}; Chatwoot takes at most {CONTENT_LIMIT:,}: "
            "shorten it or split it into several messages"
        )
    return content
