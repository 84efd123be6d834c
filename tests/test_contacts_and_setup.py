"""Contacts beyond the seed (update, list, delete, a contact's conversations), priority,
teams, canned responses and whoami: the exact requests and outputs."""

from __future__ import annotations

import json

import pytest
from conftest import ACCOUNT_PATH, assert_received, only_request

CONVERSATION = {"meta": {"sender": {"name": "Jane Doe"}, "channel": "Channel::Api"}, "id": 42, "status": "open"}


def compact(document) -> str:
    return json.dumps(document, ensure_ascii=False) + "\n"


def lines(items) -> str:
    return "[\n" + ",\n".join(json.dumps(i, ensure_ascii=False) for i in items) + "\n]\n"


# ----------------------------------------------------------------------------- list_contacts




# ----------------------------------------------------------------------------- contact_conversations


def test_contact_conversations_summary(httpserver, run):
    httpserver.expect_request(f"{ACCOUNT_PATH}/contacts/17/conversations").respond_with_json(
        {"payload": [CONVERSATION]}
    )
    result = run("contact_conversations", "17", "--summary")
    assert result.code == 0, result.stderr
    assert result.stdout == lines(
        [
            {
                "id": 42, "status": "open", "priority": None, "contact": "Jane Doe", "contact_id": None,
                "inbox_id": None, "assignee": None, "team": None, "labels": [], "unread": None, "waiting_since": None,
                "last_message": None,
            }
        ]
    )  # fmt: skip


# ----------------------------------------------------------------------------- teams, canned responses


def test_list_teams_summary(httpserver, run):
    teams = [{"id": 2, "name": "billing", "description": "", "allow_auto_assign": True, "account_id": 1}]
    httpserver.expect_request(f"{ACCOUNT_PATH}/teams").respond_with_json(teams)
    result = run("list_teams", "--summary")
    assert result.stdout == lines([{"id": 2, "name": "billing"}])
    result = run("list_teams")
    assert result.stdout == lines(teams)  # any array of objects prints one object a line


def test_canned_responses_search(httpserver, run):
    rows = [{"id": 1, "account_id": 1, "short_code": "refund", "content": "We've processed your refund."}]
    httpserver.expect_request(f"{ACCOUNT_PATH}/canned_responses", query_string="search=refund").respond_with_json(rows)
    result = run("canned_responses", "--search", "refund")
    assert result.code == 0, result.stderr
    assert result.stdout == lines(rows)
    assert_received(only_request(httpserver), "GET", f"{ACCOUNT_PATH}/canned_responses", query=[("search", "refund")])


