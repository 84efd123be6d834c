"""Liquid in outgoing messages, as Chatwoot 4.10.1 renders it (``app/models/concerns/liquidable.rb``).

Chatwoot parses with Ruby Liquid 5.4.0 (``Gemfile.lock``) in its default lax mode and renders
with the drops of ``app/drops/*.rb``. This module renders with python-liquid in its lax mode,
after deciding with a small model of Ruby Liquid's parser whether Ruby would raise a
``Liquid::SyntaxError`` (Chatwoot then keeps the content exactly as sent):

- ``ruby_liquid_syntax_error(text)``: Ruby's tokenizer (``liquid.rb`` TemplateParser), its token
  checks (``block_body.rb`` FullToken / ContentOfVariable), ``raw`` (``tags/raw.rb``
  FullTokenPossiblyInvalid), the block structure of the registered tags (``block.rb``,
  ``document.rb``, each tag's ``unknown_tag``) and the lax markup regexes of the tags that raise
  even in lax mode (assign, capture, cycle, for, if/elsif/unless, case/when/else, include, render,
  tablerow, raw, ``#``), also inside ``{% liquid %}`` tags. This is Ruby's parser, not python-liquid's
  strict one: that one accepts ``{% doc %}``, closes raw on ``{%- endraw %}`` and rejects expressions
  Ruby's lax mode takes.
- ``render_liquid(source, drops)``: what ``Liquid::Template.parse(source).render(drops)`` gives, or
  ``source`` unchanged when Ruby would raise. Render errors are written into the text as Ruby
  does (``divided_by: 0`` -> ``Liquid error: divided by 0``); unknown filters pass the value on.
- ``render_message(content, drops)``: the above after Chatwoot's code-span wrapping.

Not modelled: Ruby-only lax quirks of expressions (``{% if x == %}`` renders its body in Ruby,
nothing in python-liquid), render errors other than division by zero, include/render at render
time ("This liquid context does not allow includes.").
"""

from __future__ import annotations

import html
import re
from decimal import Decimal, InvalidOperation
from typing import Any

import liquid
from liquid.builtin.output import Output, OutputNode
from liquid.builtin.tags.echo_tag import EchoNode, EchoTag
from liquid.exceptions import LiquidError

# ------------------------------------------------------------------ Ruby Liquid 5.4.0's grammar (lib/liquid.rb)

_FLAGS = re.S | re.A  # Ruby's /m, and Ruby's ASCII-only \s and \w
_QUOTED_STRING = r"\"[^\"]*\"|'[^']*'"
_QUOTED_FRAGMENT = rf"(?:{_QUOTED_STRING}|(?:[^\s,\|'\"]|{_QUOTED_STRING})+)"
_VARIABLE_SIGNATURE = r"\(?[\w\-\.\[\]]\)?"
_VARIABLE_SEGMENT = r"[\w\-]"
_TEMPLATE_PARSER = re.compile(r"(\{%.*?%\}|\{\{.*?\}\}?|\{%|\{\{)", _FLAGS)
_FULL_TOKEN = re.compile(r"\A\{%-?(\s*)(#|\w+)(\s*)(.*?)-?%\}\Z", _FLAGS)  # block_body.rb
_CONTENT_OF_VARIABLE = re.compile(r"\A\{\{-?(.*?)-?\}\}\Z", _FLAGS)  # block_body.rb
_FULL_TOKEN_POSSIBLY_INVALID = re.compile(r"\A(.*)\{%\s*(\w+)\s*(.*)?%\}\Z", _FLAGS)  # tags/raw.rb (no "-")
_LIQUID_TAG_TOKEN = re.compile(r"\A\s*(#|\w+)\s*(.*?)\Z", _FLAGS)  # block_body.rb, for {% liquid %} lines

# The lax syntax of each tag that raises Liquid::SyntaxError when its markup does not match (re.search, as =~).
_MARKUP_SYNTAX = {
    "assign": re.compile(rf"({_VARIABLE_SIGNATURE}+)\s*=\s*(.*)\s*", _FLAGS),
    "capture": re.compile(rf"({_VARIABLE_SIGNATURE}+)", _FLAGS),
    "for": re.compile(rf"\A({_VARIABLE_SEGMENT}+)\s+in\s+({_QUOTED_FRAGMENT}+)\s*(reversed)?", _FLAGS),
    "case": re.compile(rf"({_QUOTED_FRAGMENT})", _FLAGS),
    "tablerow": re.compile(rf"(\w+)\s+in\s+({_QUOTED_FRAGMENT}+)", _FLAGS),
    "include": re.compile(
        rf"({_QUOTED_FRAGMENT}+)(\s+(?:with|for)\s+({_QUOTED_FRAGMENT}+))?(\s+(?:as)\s+({_VARIABLE_SEGMENT}+))?", _FLAGS
    ),
    "render": re.compile(
        rf"((?:{_QUOTED_STRING})+)(\s+(with|for)\s+({_QUOTED_FRAGMENT}+))?(\s+(?:as)\s+({_VARIABLE_SEGMENT}+))?", _FLAGS
    ),
}
_CYCLE_NAMED = re.compile(rf"\A({_QUOTED_FRAGMENT})\s*\:\s*(.*)", _FLAGS)
_CYCLE_SIMPLE = re.compile(rf"\A{_QUOTED_FRAGMENT}+", _FLAGS)
_WHEN_SYNTAX = re.compile(rf"({_QUOTED_FRAGMENT})(?:(?:\s+or\s+|\s*\,\s*)({_QUOTED_FRAGMENT}.*))?", _FLAGS)
_IF_SYNTAX = re.compile(rf"({_QUOTED_FRAGMENT})\s*([=!<>a-z_]+)?\s*({_QUOTED_FRAGMENT})?", _FLAGS)
_IF_EXPRESSIONS = re.compile(
    rf"(?:\b(?:\s?and\s?|\s?or\s?)\b|(?:\s*(?!\b(?:\s?and\s?|\s?or\s?)\b)(?:{_QUOTED_FRAGMENT}|\S+)\s*)+)", _FLAGS
)

_BLOCK_TAGS = {"if", "unless", "for", "case", "capture", "tablerow", "ifchanged", "comment"}
_SIMPLE_TAGS = {"assign", "break", "continue", "cycle", "decrement", "echo", "include", "increment", "render", "#"}
_MAX_DEPTH = 100  # Block::MAX_DEPTH


def _if_markup_ok(markup: str) -> bool:
    """If#lax_parse: the scanned expressions alternate condition, and/or, condition, ..."""
    expressions = _IF_EXPRESSIONS.findall(markup)
    if not expressions or not _IF_SYNTAX.search(expressions.pop()):
        return False
    while expressions:
        operator = expressions.pop().strip()
        if not (expressions and _IF_SYNTAX.search(expressions.pop())) or operator not in ("and", "or"):
            return False
    return True


def _when_markup_ok(markup: str | None) -> bool:
    """Case#record_when_condition: every comma/or-separated value must be a quoted fragment."""
    while markup is not None:
        match = _WHEN_SYNTAX.search(markup)
        if not match:
            return False
        markup = match.group(2)
    return True


def _markup_error(name: str, markup: str) -> str | None:
    """The Liquid::SyntaxError a tag's initializer raises in lax mode, if any."""
    if name in _MARKUP_SYNTAX and not _MARKUP_SYNTAX[name].search(markup):
        return f"Syntax Error in '{name}'"
    if name == "cycle" and not (_CYCLE_NAMED.search(markup) or _CYCLE_SIMPLE.search(markup)):
        return "Syntax Error in 'cycle'"
    if name in ("if", "unless", "elsif") and not _if_markup_ok(markup):
        return "Syntax Error in tag 'if' - Valid syntax: if [expression]"
    if name == "#" and re.search(r"\n\s*[^#\s]", markup, _FLAGS):
        return "Syntax error in tag '#' - Each line of comments must be prefixed by the '#' character"
    return None


def _block_accepts(block: str, name: str, markup: str) -> str | None:
    """A block's ``unknown_tag`` for a tag that is not its end tag: None if it accepts it, else the error."""
    if block == "comment":
        return None  # Comment#unknown_tag ignores everything
    if block in ("if", "unless") and name in ("elsif", "else"):
        return _markup_error("elsif", markup) if name == "elsif" else None
    if block == "for" and name == "else":
        return None
    if block == "case" and name == "when":
        return None if _when_markup_ok(markup) else "Syntax Error in tag 'case' - Valid when condition"
    if block == "case" and name == "else":
        return None if not markup.strip() else "Syntax Error in tag 'case' - Valid else condition"
    if name == "else":
        return f"{block} tag does not expect 'else' tag"
    if name.startswith("end"):
        return f"'{name}' is not a valid delimiter for {block} tags. use end{block}"
    return f"Unknown tag '{name}'"


def _raw_end(tokens: list[str], index: int) -> tuple[str, int] | None:
    """Raw#parse from ``tokens[index]``: the body up to the first token ending in "{% endraw ... %}" and the
    index after it, or None when no token closes it."""
    body = []
    while index < len(tokens):
        closing = _FULL_TOKEN_POSSIBLY_INVALID.match(tokens[index])
        index += 1
        if closing and closing.group(2) == "endraw":
            return "".join([*body, closing.group(1)]), index
        body.append(tokens[index - 1])
    return None


def _walk(tokens: list[str], *, lines: bool) -> str | None:
    """Parse the tokens as Ruby's BlockBody/Block/Document do; ``lines`` for a {% liquid %} tag's lines."""
    stack: list[str] = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        index += 1
        if lines:
            if not token.strip():
                continue
            match = _LIQUID_TAG_TOKEN.match(token)
            name, markup = (match.group(1), match.group(2)) if match else (token, token)
        elif token.startswith("{%"):
            match = _FULL_TOKEN.match(token)
            if not match:
                return f"Tag '{token}' was not properly terminated with regexp: /\\%\\}}/"
            name, markup = match.group(2), match.group(4)
        elif token.startswith("{{"):
            if not _CONTENT_OF_VARIABLE.match(token):
                return f"Variable '{token}' was not properly terminated with regexp: /\\}}\\}}/"
            continue
        else:
            continue
        if name == "raw":
            if not re.fullmatch(r"\s*", markup, _FLAGS):
                return "Syntax Error in 'raw' - Valid syntax: raw"
            raw = _raw_end(tokens, index)
            if raw is None:
                return "'raw' tag was never closed"
            index = raw[1]
        elif name == "liquid" and not lines:
            error = _walk(markup.split("\n"), lines=True)
            if error:
                return error
        elif name in _BLOCK_TAGS or name in _SIMPLE_TAGS:
            error = _markup_error(name, markup)
            if error:
                return error
            if name in _BLOCK_TAGS:
                if len(stack) >= _MAX_DEPTH:
                    return "Nesting too deep"
                stack.append(name)
        elif not stack:
            return f"Unexpected outer '{name}' tag" if name in ("else", "end") else f"Unknown tag '{name}'"
        elif name == f"end{stack[-1]}":
            stack.pop()
        else:
            error = _block_accepts(stack[-1], name, markup)
            if error:
                return error
    if stack:
        return f"'{stack[-1]}' tag was never closed"
    return None


def _tokens(text: str) -> list[str]:
    """Ruby's Tokenizer: the text split around tags and variables, empty pieces dropped."""
    return [token for token in _TEMPLATE_PARSER.split(text) if token]


def ruby_liquid_syntax_error(text: str) -> str | None:
    """The Liquid::SyntaxError Ruby Liquid 5.4 raises parsing ``text`` in lax mode, or None if it parses.

    The messages follow Ruby's in substance, not to the letter (Chatwoot never shows them)."""
    return _walk(_tokens(text), lines=False)


# ------------------------------------------------------------------ rendering with python-liquid


class _RubyRenderError(LiquidError):
    """An error Ruby Liquid rescues while rendering a node and writes into the output."""


def _ruby_to_number(value: Any) -> Any:
    """Liquid::Utils.to_number (5.4.0): numbers stay, decimal strings become BigDecimal, else ``to_i`` or 0."""
    if isinstance(value, bool) or value is None:
        return 0
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, str):
        text = value.strip()
        if re.fullmatch(r"-?\d+\.\d+", text, re.A):
            try:
                return Decimal(text)
            except InvalidOperation:  # pragma: no cover - the regex admits only valid decimals
                return 0
        match = re.match(r"\s*[+-]?\d+", value, re.A)
        return int(match.group(0)) if match else 0
    return 0


def _zero_division_guard(original: Any) -> Any:
    """divided_by / modulo: a zero operand raises ZeroDivisionError in Ruby ("Liquid error: divided by 0")."""

    def guarded(left: Any, right: Any = None, *args: Any, **kwargs: Any) -> Any:
        if _ruby_to_number(right) == 0:
            raise _RubyRenderError("divided by 0", token=None)
        return original(left, right, *args, **kwargs)

    return guarded


class _RubyErrorsMixin:
    """Ruby's BlockBody.render_node: a render error of an output node becomes "Liquid error: ..." text."""

    def render_to_output(self, context: Any, buffer: Any) -> int:
        try:
            return super().render_to_output(context, buffer)  # type: ignore[misc]
        except _RubyRenderError as error:
            return buffer.write(f"Liquid error: {error.message}")


class _RubyOutputNode(_RubyErrorsMixin, OutputNode):
    pass


class _RubyEchoNode(_RubyErrorsMixin, EchoNode):
    pass


class _RubyOutput(Output):
    node_class = _RubyOutputNode


class _RubyEcho(EchoTag):
    node_class = _RubyEchoNode


def _environment(tolerance: liquid.Mode) -> liquid.Environment:
    env = liquid.Environment(tolerance=tolerance, strict_filters=False)  # unknown filters pass the value on
    env.tags.pop("doc", None)  # Liquid 5.4 has no {% doc %}
    env.tags["output"] = _RubyOutput(env)
    env.tags["echo"] = _RubyEcho(env)
    for name in ("divided_by", "modulo"):
        env.filters[name] = _zero_division_guard(env.filters[name])
    return env


_LAX = _environment(liquid.Mode.LAX)
_CODE_SPAN = re.compile(r"`(.*?)`", re.S)


def _render(source: str, drops: dict[str, Any]) -> str | None:
    """Template.parse(source).render(drops), or None where Ruby raises a Liquid::Error.

    Raw blocks are cut out by Ruby's rules and handed to python-liquid as bound strings (whose
    lexer closes raw differently), keeping the raw tags' whitespace control."""
    if "{{" not in source and "{%" not in source:
        return source  # one text token: Ruby renders it as it is
    tokens = _tokens(source)
    if _walk(tokens, lines=False):
        return None
    pieces: list[str] = []
    bindings: dict[str, str] = {}
    index = 0
    while index < len(tokens):
        token = tokens[index]
        index += 1
        match = _FULL_TOKEN.match(token) if token.startswith("{%") else None
        raw = _raw_end(tokens, index) if match and match.group(2) == "raw" else None
        if raw is None:
            pieces.append(token)
            continue
        name = f"__ruby_raw_{len(bindings)}"
        bindings[name], index = raw
        left = "-" if token.startswith("{%-") else ""
        right = "-" if token.endswith("-%}") else ""
        pieces.append(f"{{{{{left} {name} {right}}}}}")
    try:
        return _LAX.from_string("".join(pieces)).render(**drops, **bindings)
    except LiquidError:  # python-liquid refused what Ruby accepts: keep the text, as Chatwoot does on errors
        return None


def render_liquid(source: str, drops: dict[str, Any]) -> str:
    """``Liquid::Template.parse(source).render(drops)`` rescued as Chatwoot does: ``source`` on a Liquid::Error."""
    rendered = _render(source, drops)
    return source if rendered is None else rendered


def wrap_code_spans(content: str) -> str:
    """liquidable.rb ``modified_liquid_content``: every `code span` goes inside {% raw %}...{% endraw %}."""
    return _CODE_SPAN.sub(lambda m: "{% raw %}`" + m.group(1) + "`{% endraw %}", content)


def render_message(content: str, drops: dict[str, Any]) -> str:
    """A new outgoing/template message's content after Chatwoot's ``process_liquid_in_content``."""
    rendered = _render(wrap_code_spans(content), drops)
    return content if rendered is None else rendered


# ------------------------------------------------------------------ the drops (app/drops/*.rb)


class Drop(dict):
    """A Liquid::Drop as a dict of its methods; rendered bare it prints its class name, as Ruby's does."""

    def __init__(self, class_name: str, methods: dict[str, Any]) -> None:
        super().__init__(methods)
        self.class_name = class_name

    def __str__(self) -> str:
        return self.class_name


def _words(name: str | None) -> list[str] | None:
    """Ruby's ``String#split`` with no argument: runs of ASCII whitespace, leading ones ignored."""
    return None if name is None else [w for w in re.split(r"[ \t\n\v\f\r]+", name) if w]


def _person(class_name: str, record_id: Any, name: str | None, extra: dict[str, Any]) -> Drop:
    """ContactDrop / UserDrop: name with every word capitalized; first/last name only for several words."""
    words = _words(name)
    several = words is not None and len(words) > 1
    return Drop(
        class_name,
        {
            "id": record_id,
            "name": None if words is None else " ".join(w.capitalize() for w in words),
            "first_name": words[0].capitalize() if several else None,  # type: ignore[index]
            "last_name": words[-1].capitalize() if several else None,  # type: ignore[index]
            **extra,
        },
    )


def contact_drop(contact: dict[str, Any]) -> Drop:
    """ContactDrop: id, name, email, phone_number, first_name, last_name, custom_attribute (no identifier)."""
    custom = {str(k): v for k, v in (contact.get("custom_attributes") or {}).items()}
    extra = {"email": contact.get("email"), "phone_number": contact.get("phone_number"), "custom_attribute": custom}
    return _person("ContactDrop", contact["id"], contact.get("name"), extra)


def user_drop(sender: dict[str, Any] | None) -> Drop:
    """UserDrop of the message's sender (a user, or an agent bot): id, name, available_name, first/last name."""
    if sender is None:
        return Drop("UserDrop", {})
    available = sender.get("display_name") or sender.get("name")
    return _person("UserDrop", sender["id"], sender.get("name"), {"available_name": available})


def markdown_html(text: str) -> str:
    """An approximation of ChatwootMarkdownRenderer#render_message for plain text: one <p> a paragraph."""
    paragraphs = [p.strip("\n") for p in re.split(r"\n[ \t]*\n", text.strip()) if p.strip()]
    return "".join(f"<p>{html.escape(p, quote=True)}</p>\n" for p in paragraphs)


def conversation_drop(
    conversation_db_id: int,
    conversation: dict[str, Any],
    contact: dict[str, Any],
    recent_messages: list[tuple[str, str | None, list[str]]],
) -> Drop:
    """ConversationDrop: id (the internal id), display_id, contact_name, recent_messages, custom_attribute.

    ``recent_messages`` are (sender name, content, attachment urls) of the last five chat messages."""
    name = contact.get("name")
    return Drop(
        "ConversationDrop",
        {
            "id": conversation_db_id,
            "name": None,
            "display_id": conversation["id"],
            "contact_name": "Customer" if name is None else name.capitalize(),
            "recent_messages": [
                {"sender": sender, "content": markdown_html(content or ""), "attachments": attachments}
                for sender, content, attachments in recent_messages
            ],
            "custom_attribute": {str(k): v for k, v in (conversation.get("custom_attributes") or {}).items()},
        },
    )


def named_drop(class_name: str, record: dict[str, Any]) -> Drop:
    """InboxDrop / AccountDrop: id and name."""
    return Drop(class_name, {"id": record["id"], "name": record.get("name")})
