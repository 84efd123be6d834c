"""The core's rendering rules, in-process: every value through the readable JSON filter, and a
template that names a variable it was not given fails instead of sending an empty string."""

from __future__ import annotations

import json

import chatwoot_client  # on sys.path through conftest, as the scripts see it
import jinja2
import pytest


def test_a_misspelt_template_variable_is_an_error_not_an_empty_value(tmp_path, monkeypatch):
    (tmp_path / "probe.json.j2").write_text('{"content": {{ contnet | json }}}\n', encoding="utf-8")
    monkeypatch.setattr(chatwoot_client, "TEMPLATES_DIR", tmp_path)
    monkeypatch.setattr(chatwoot_client, "_ENVIRONMENT", None)
    with pytest.raises(jinja2.UndefinedError, match="'contnet' is undefined"):
        chatwoot_client.render("probe", {"content": "hello"})
    monkeypatch.setattr(chatwoot_client, "_ENVIRONMENT", None)


def test_the_json_filter_keeps_text_readable_where_tojson_would_escape_it():
    text = chatwoot_client.render("send_message", {"content": 'Zoë <b> & ✈ "q"', "private": False})
    assert '"content": "Zoë <b> & ✈ \\"q\\""' in text
    assert json.loads(text) == {"content": 'Zoë <b> & ✈ "q"', "message_type": "outgoing", "private": False}
    escaped = jinja2.Environment().from_string("{{ v | tojson }}").render(v="Zoë <b>")
    assert escaped == '"Zo\\u00eb \\u003cb\\u003e"'  # what the built-in filter would have written
