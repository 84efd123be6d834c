"""Names where ids are expected: every --agent, --team, --inbox (and report.py --label) takes an id, a
name (case-insensitive after NFKC and casefold, exact first, else a unique substring) or an agent's
e-mail, and sends the numeric id; several matches or none: exit 2 listing the candidates, nothing sent."""

from __future__ import annotations

import copy
import time

import pytest
from conftest import ACCOUNT_PATH

UNTIL = int(time.time()) - 3600  # a fixed past period, so that two report runs compare equal
SINCE = UNTIL - 30 * 86400
PERIOD = ["--since", str(SINCE), "--until", str(UNTIL)]
DIRECTORY = ("/agents", "/teams", "/inboxes", "/labels")
PLURALS = {"agent": "agents", "assignee": "agents", "team": "teams", "inbox": "inboxes"}


@pytest.fixture
def admin(sandbox, run):
    """`run` pointed at the sandbox with the administrator's token; the account also has look-alikes:
    agents Ana Sousa (5) next to Ana Silva (2, shown as "Ana") and Zoë Straße (6), teams tier-1 (3) next
    to tier-2 and billing-eu (4) next to billing, and an inbox Support Email (7) next to Support API."""
    with sandbox.lock:
        for uid, name, email in ((5, "Ana Sousa", "ana.sousa@acme.example"), (6, "Zoë Straße", "zoe@acme.example")):
            sandbox.users[uid] = {
                **copy.deepcopy(sandbox.users[4]),
                **{"id": uid, "name": name, "display_name": None, "email": email, "access_token": f"token-{uid}"},
            }
        for tid, name in ((3, "tier-1"), (4, "billing-eu")):
            sandbox.teams[tid] = {**copy.deepcopy(sandbox.teams[2]), "id": tid, "name": name, "members": [2]}
        sandbox.inboxes[7] = {**copy.deepcopy(sandbox.inboxes[3]), "id": 7, "name": "Support Email"}
    run.env.update(sandbox.env())
    return run


def calls(sandbox) -> list[tuple[str, str]]:
    """(method, path without the account prefix) of every request the sandbox received."""
    return [(r.method, r.path.replace(ACCOUNT_PATH, "")) for r in sandbox.requests]


def only_directory_reads(sandbox) -> bool:
    return all(method == "GET" and path in DIRECTORY for method, path in calls(sandbox))


# --------------------------------------------------------------------------- the ways to name one


@pytest.mark.parametrize(
    ("flag", "named", "expected"),
    [
        ("--agent", "3", 3),
        ("--agent", "bruno@acme.example", 3),
        ("--agent", "BRUNO@Acme.Example", 3),
        ("--agent", "Bruno Costa", 3),
        ("--agent", "  bruno costa ", 3),
        ("--agent", "costa", 3),  # a unique substring
        ("--agent", "chen@", 4),  # part of an e-mail
        ("--agent", "ana", 2),  # exactly Ana Silva's shown name, though "ana" is also in Ana Sousa
        ("--agent", "ana sousa", 5),
        ("--agent", "ZOË STRASSE", 6),  # casefold: Ë is ë, ß is ss
        ("--agent", "Zoe\u0308 Stra\u00dfe", 6),  # NFKC: a decomposed ë is the composed one
        ("--agent-id", "4", 4),
        ("--team", "2", 2),
        ("--team", "TIER-2", 2),
        ("--team", "billing", 1),  # exact, though it is also part of billing-eu
        ("--team", "EU", 4),
        ("--team-id", "3", 3),
    ],
)
def test_an_agent_or_team_named_any_way_is_assigned_by_its_id(sandbox, admin, flag, named, expected):
    assert (sandbox.conversations[22]["assignee_id"], sandbox.conversations[22]["team_id"]) == (2, None)
    result = admin("assign_conversation", "22", flag, named)
    assert (result.code, result.stderr) == (0, ""), result.stderr
    assert result.json["id"] == expected
    field = "assignee_id" if flag.startswith("--agent") else "team_id"
    assert sandbox.conversations[22][field] == expected
    (post,) = sandbox.find_requests("POST")
    assert post.json == {field: expected} and type(post.json[field]) is int
    assert calls(sandbox)[0] == ("GET", "/agents" if field == "assignee_id" else "/teams")


@pytest.mark.parametrize(
    ("named", "expected"),
    [("4", 4), ("sms", 4), ("Support API", 2), ("SUPPORT api", 2), ("whats", 5), ("email", 3)],
)
def test_an_inbox_named_any_way_is_sent_by_its_id(sandbox, admin, named, expected):
    """An exact name wins: "email" is the Email inbox, though Support Email contains it too."""
    result = admin("conversation_counts", "--inbox", named)
    assert (result.code, result.stderr) == (0, "")
    assert calls(sandbox) == [("GET", "/inboxes"), ("GET", "/conversations/meta")]
    assert list(sandbox.requests[1].query.items(multi=True)) == [("inbox_id", str(expected))]
    by_id = admin("conversation_counts", "--inbox-id", str(expected))
    assert result.stdout == by_id.stdout
    assert result.json["meta"]["all_count"] == sum(
        1 for c in sandbox.conversations.values() if c["inbox_id"] == expected and c["status"] == "open"
    )


# --------------------------------------------------------------------------- every flag that reads with one

READS = [
    ("list_conversations", "--inbox", "support api", "--inbox-id", 2, "/conversations", "inbox_id", ["--summary"]),
    ("list_conversations", "--team", "Tier-2", "--team-id", 2, "/conversations", "team_id", ["--summary"]),
    ("conversation_counts", "--team", "BILLING", "--team-id", 1, "/conversations/meta", "team_id", []),
    ("csat", "--agent", "bruno@acme.example", "--agent", 3, "/csat_survey_responses", "user_ids[]", ["--summary"]),
    ("csat", "--inbox", "web", "--inbox", 1, "/csat_survey_responses", "inbox_id", ["--summary"]),
    ("csat", "--team", "billing", "--team", 1, "/csat_survey_responses", "team_id", ["--summary"]),
    ("report", "--agent", "costa", "--agent", 3, "/reports/summary", "id", PERIOD),
    ("report", "--inbox", "Support API", "--inbox", 2, "/reports/summary", "id", PERIOD),
    ("report", "--team", "tier-2", "--team", 2, "/reports/summary", "id", PERIOD),
    ("report", "--label", "VIP", None, 7, "/reports/summary", "id", PERIOD),
]


@pytest.mark.parametrize(
    ("script", "flag", "named", "id_flag", "expected", "path", "key", "extra"),
    READS,
    ids=[f"{r[0]}{r[1]}" for r in READS],
)
def test_a_name_reads_exactly_what_its_id_reads(
    sandbox, admin, script, flag, named, id_flag, expected, path, key, extra
):
    by_name = admin(script, flag, named, *extra)
    assert (by_name.code, by_name.stderr) == (0, "")
    directory = "/labels" if flag == "--label" else f"/{PLURALS[flag[2:]]}"
    read = [r for r in sandbox.requests if r.path.endswith(path)]
    assert calls(sandbox)[0] == ("GET", directory) and len(read) == 1
    assert read[0].query.getlist(key) == [str(expected)]
    if script == "report":
        assert read[0].query["type"] == flag[2:]
        assert read[0].path == f"/api/v2/accounts/1{path}"
    if id_flag is not None:  # the id reads the same
        by_id = admin(script, id_flag, str(expected), *extra)
        assert (by_id.code, by_id.stdout) == (0, by_name.stdout)
    assert by_name.json not in ([], {}, None)


# --------------------------------------------------------------------------- every flag that writes with one


def test_create_conversation_sends_the_named_inbox_agent_and_team_as_numbers(sandbox, admin):
    result = admin(
        "create_conversation", "--inbox", "support api", "--contact-id", "1", "--agent", "Bruno", "--team", "tier-2"
    )
    assert (result.code, result.stderr) == (0, "")
    (post,) = sandbox.find_requests("POST")
    assert post.json == {"inbox_id": 2, "contact_id": 1, "assignee_id": 3, "team_id": 2}
    assert all(type(value) is int for value in post.json.values())
    created = sandbox.conversations[result.json["id"]]
    assert (created["inbox_id"], created["assignee_id"], created["team_id"]) == (2, 3, 2)
    assert calls(sandbox)[:3] == [("GET", "/inboxes"), ("GET", "/agents"), ("GET", "/teams")]


def test_create_contact_and_message_contact_send_the_named_inbox_as_a_number(sandbox, admin):
    contact = admin("create_contact", "--name", "Lea Park", "--phone", "+15551234567", "--inbox", "SMS")
    assert (contact.code, contact.stderr) == (0, "")
    (post,) = sandbox.find_requests("POST", r"/contacts$")
    assert post.json == {"name": "Lea Park", "phone_number": "+15551234567", "inbox_id": 4}
    contact_id = contact.json["payload"]["contact"]["id"]
    assert [link["inbox_id"] for link in sandbox.contact_inboxes.values() if link["contact_id"] == contact_id] == [4]

    message = admin("message_contact", "--inbox", "support API", "--contact-id", str(contact_id), "Hello Lea")
    assert (message.code, message.stderr) == (0, "")
    (opened,) = sandbox.find_requests("POST", r"/conversations$")
    assert opened.json == {"inbox_id": 2, "contact_id": contact_id}
    conversation = sandbox.conversations[message.json["conversation_id"]]
    assert (conversation["inbox_id"], conversation["contact_id"]) == (2, contact_id)
    assert [m["content"] for m in sandbox.conversation_messages(conversation["id"])] == ["Hello Lea"]


# --------------------------------------------------------------------------- several match, or none

AGENTS_ANA = ["error:   2  Ana Silva  ana@acme.example", "error:   5  Ana Sousa  ana.sousa@acme.example"]
TEAMS_TIER = ["error:   2  tier-2", "error:   3  tier-1"]
INBOXES_SUPPORT = ["error:   2  Support API", "error:   7  Support Email  support@acme.example"]
ALL_AGENTS = [
    "error:   2  Ana Silva  ana@acme.example",
    "error:   5  Ana Sousa  ana.sousa@acme.example",
    "error:   3  Bruno Costa  bruno@acme.example",
    "error:   4  Chen Wei  chen@acme.example",
    "error:   1  Owner Admin  owner@acme.example",
    "error:   6  Zoë Straße  zoe@acme.example",
]
ALL_TEAMS = ["error:   1  billing", "error:   2  tier-2", "error:   3  tier-1", "error:   4  billing-eu"]
ALL_INBOXES = [
    "error:   3  Email  support@acme.example",  # an e-mail inbox shows its address
    "error:   4  SMS",
    "error:   2  Support API",
    "error:   7  Support Email  support@acme.example",
    "error:   6  Telegram",
    "error:   1  Website",
    "error:   5  WhatsApp",
]
NEW_CONVERSATION = ["create_conversation", "--contact-id", "1"]
FLAGS = [  # (script and its other arguments, the flag); {} is where the value goes
    (["assign_conversation", "22"], "--agent"),
    (["assign_conversation", "22"], "--team"),
    ([*NEW_CONVERSATION, "--inbox", "2"], "--agent"),
    ([*NEW_CONVERSATION, "--inbox", "2"], "--team"),
    (NEW_CONVERSATION, "--inbox"),
    (["create_contact", "--name", "Lea Park"], "--inbox"),
    (["message_contact", "--email", "lea@example.com", "Hello"], "--inbox"),
    (["list_conversations"], "--inbox"),
    (["list_conversations"], "--team"),
    (["conversation_counts"], "--inbox"),
    (["conversation_counts"], "--team"),
    (["csat"], "--agent"),
    (["csat"], "--inbox"),
    (["csat"], "--team"),
    (["report"], "--agent"),
    (["report"], "--inbox"),
    (["report"], "--team"),
]
AMBIGUOUS = {"--agent": ("ana s", AGENTS_ANA), "--team": ("tier", TEAMS_TIER), "--inbox": ("support", INBOXES_SUPPORT)}


def assert_nothing_changed(sandbox, result, counts: tuple) -> None:
    assert result.code == 2
    assert result.stdout == ""
    assert only_directory_reads(sandbox), calls(sandbox)
    assert (len(sandbox.conversations), len(sandbox.contacts), len(sandbox.messages)) == counts
    assert (sandbox.conversations[22]["assignee_id"], sandbox.conversations[22]["team_id"]) == (2, None)


@pytest.mark.parametrize(("argv", "flag"), FLAGS, ids=[f"{a[0]}{f}" for a, f in FLAGS])
def test_a_name_several_match_sends_nothing_and_lists_them(sandbox, admin, argv, flag):
    counts = (len(sandbox.conversations), len(sandbox.contacts), len(sandbox.messages))
    named, candidates = AMBIGUOUS[flag]
    result = admin(*argv, flag, named)
    assert result.error_lines == [
        f"error: 2 {PLURALS[flag[2:]]} match '{named}'; name one of them (or give its id):",
        *candidates,
    ]
    assert_nothing_changed(sandbox, result, counts)


UNKNOWN = [
    *[(argv, flag, "Nobody Here") for argv, flag in FLAGS],
    (["assign_conversation", "22"], "--agent-id", "99"),
    (["assign_conversation", "22"], "--team-id", "99"),
    ([*NEW_CONVERSATION, "--inbox", "2"], "--assignee-id", "99"),
    ([*NEW_CONVERSATION, "--inbox", "2"], "--team-id", "99"),
    (NEW_CONVERSATION, "--inbox-id", "99"),
    (["create_contact", "--name", "Lea Park"], "--inbox-id", "99"),
    (["message_contact", "--email", "lea@example.com", "Hello"], "--inbox-id", "99"),
    (["list_conversations"], "--inbox-id", "99"),  # must not list nothing, silently
    (["list_conversations"], "--team-id", "99"),
    (["conversation_counts"], "--inbox-id", "99"),
    (["conversation_counts"], "--team-id", "99"),
]
CANDIDATES = {"agent": ALL_AGENTS, "assignee": ALL_AGENTS, "team": ALL_TEAMS, "inbox": ALL_INBOXES}


@pytest.mark.parametrize(("argv", "flag", "named"), UNKNOWN, ids=[f"{a[0]}{f}={n}" for a, f, n in UNKNOWN])
def test_a_name_or_id_nothing_matches_sends_nothing_and_lists_them_all(sandbox, admin, argv, flag, named):
    counts = (len(sandbox.conversations), len(sandbox.contacts), len(sandbox.messages))
    result = admin(*argv, flag, named)
    kind = flag[2:].split("-")[0]
    noun, plural = {"assignee": "agent"}.get(kind, kind), PLURALS[kind]
    problem = (
        f"no {noun} is named {named!r}" if not named.isdigit() else f"no {noun} has the id {named} in this account"
    )
    assert result.error_lines == [
        f"error: {problem}; the {plural} this token can see (list_{plural}.py) are:",
        *CANDIDATES[noun],
    ]
    assert_nothing_changed(sandbox, result, counts)


def test_an_unknown_report_label_lists_the_labels_and_sends_nothing(sandbox, admin):
    result = admin("report", "--label", "urgent")
    assert result.error_lines == [
        "error: no label is named 'urgent'; the labels this token can see (the labels page in Chatwoot) are:",
        *[
            f"error:   {i}  {t}"
            for i, t in enumerate(["billing", "bug", "churn-risk", "customer", "enterprise", "refund", "vip"], 1)
        ],
    ]
    assert calls(sandbox) == [("GET", "/labels")]
    assert (result.code, result.stdout) == (2, "")
