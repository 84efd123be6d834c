"""SKILL.md, README and every --help stay true to the scripts: valid frontmatter, every script
documented, every documented path and flag real, every --help with an example and only the
settings it reads, every template used; no example time that will go stale, no word of the
project's history; `make demo` runs and shows each part."""

from __future__ import annotations

import contextlib
import io
import os
import re
import shutil
import subprocess
import sys
from datetime import datetime, timezone
from types import SimpleNamespace

import chatwoot_cli  # on sys.path through conftest, as the scripts see it
import pytest
from conftest import OPERATIONS, SCRIPTS_DIR, SKILL_DIR, TOKEN, load_script

SCRIPTS = [f"{name}.py" for name in OPERATIONS]
SKILL_MD = (SKILL_DIR / "SKILL.md").read_text(encoding="utf-8")
README = (SKILL_DIR / "README.md").read_text(encoding="utf-8")


def test_skill_md_passes_the_reference_validator(tmp_path):
    copy = tmp_path / "chatwoot"  # the validator insists the folder is named like the skill
    copy.mkdir()
    shutil.copy(SKILL_DIR / "SKILL.md", copy / "SKILL.md")
    result = subprocess.run(
        [sys.executable, "-m", "skills_ref.cli", "validate", str(copy)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Valid skill: " in result.stdout


def test_frontmatter_uses_only_allowed_keys_and_a_plain_description():
    frontmatter = SKILL_MD.split("---")[1]
    keys = re.findall(r"^([a-z-]+):", frontmatter, re.MULTILINE)
    assert keys[:2] == ["name", "description"]
    assert set(keys) <= {"name", "description", "license", "compatibility", "metadata", "allowed-tools"}
    assert re.search(r"^name: chatwoot$", frontmatter, re.MULTILINE)
    description = re.search(r"^description: (.+)$", frontmatter, re.MULTILINE).group(1)
    assert "<" not in description and ">" not in description
    assert len(description) <= 1024


def test_skill_md_is_under_400_lines():
    assert len(SKILL_MD.splitlines()) < 400


def test_license_file_matches_skill_md():
    license_name = re.search(r"^license: (.+)$", SKILL_MD, re.MULTILINE).group(1).strip()
    assert (SKILL_DIR / "LICENSE").is_file()
    assert license_name.split()[0] in (SKILL_DIR / "LICENSE").read_text(encoding="utf-8")


@pytest.mark.parametrize("script", SCRIPTS)
def test_every_script_is_documented_in_skill_md_and_readme(script):
    assert re.search(rf"(?<![\w.-]){re.escape(script)}\b", SKILL_MD), f"{script} not in SKILL.md"
    assert re.search(rf"^\|\s*`{re.escape(script)}`", README, re.MULTILINE), f"{script} missing from README table"


@pytest.mark.parametrize("module", sorted(path.name for path in SCRIPTS_DIR.glob("chatwoot_*.py")))
def test_skill_md_names_every_shared_module_as_not_an_operation(module):
    """An agent listing scripts/ meets these files too: SKILL.md says each one is not to be run."""
    assert re.search(rf"(?<![\w.-]){re.escape(module)}\b", SKILL_MD), f"{module} not in SKILL.md"


def test_every_path_skill_md_names_exists():
    paths = set(re.findall(r"\b((?:scripts|templates|references)/[\w./-]+\.(?:py|j2|md))", SKILL_MD))
    assert len(paths) > 10
    for path in paths - {"scripts/NAME.py"}:  # NAME is the placeholder in "How to run a script"
        assert (SKILL_DIR / path).exists(), path


@pytest.mark.parametrize("script", SCRIPTS)
def test_help_shows_an_example_and_the_exit_codes(script):
    result = subprocess.run([sys.executable, str(SCRIPTS_DIR / script), "--help"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "Example:" in result.stdout
    assert f"scripts/{script}" in result.stdout
    assert "exit codes:" in result.stdout


def test_every_template_is_used_by_a_script():
    sources = "\n".join(p.read_text(encoding="utf-8") for p in SCRIPTS_DIR.glob("*.py"))
    for template in (SKILL_DIR / "templates").glob("*.json.j2"):
        name = template.name.removesuffix(".json.j2")
        assert f'"{name}"' in sources, f"templates/{template.name} is used by no script"


def test_scripts_carry_pep723_metadata():
    for script in SCRIPTS:
        text = (SCRIPTS_DIR / script).read_text(encoding="utf-8")
        assert text.startswith("#!/usr/bin/env python3\n# /// script\n"), script
        assert 'requires-python = ">=3.9"' in text and '"requests' in text and '"jinja2' in text, script


def test_no_file_the_installer_drops_or_must_not_ship():
    tracked = subprocess.run(["git", "ls-files"], cwd=SKILL_DIR, capture_output=True, text=True).stdout.split()
    assert {"SKILL.md", "LICENSE", "requirements.txt", "scripts/whoami.py"} <= set(tracked)
    assert not [p for p in tracked if p.endswith("metadata.json") or p.startswith("scripts/_") or p.endswith(".env")]


# --- scripts, templates and flags, checked from both sides ---------------------------------

SCRIPT_NAME = re.compile(r"(?<![\w/.-])((?:[\w-]+/)*[a-z][a-z0-9_]*\.py)\b")


def _named_paths(text: str) -> set[str]:
    """Every `name.py` or `dir/name.py` a document mentions ($SKILL_DIR/ and the like stripped)."""
    return {m.group(1) for m in SCRIPT_NAME.finditer(text.replace("$SKILL_DIR/", "").replace("SKILL_DIR/", ""))}


@pytest.mark.parametrize("document", ["SKILL.md", "README.md"])
def test_every_script_a_document_names_exists(document):
    text = SKILL_MD if document == "SKILL.md" else README
    named = _named_paths(text)
    assert len(named) > 20
    for name in sorted(named):
        path = SKILL_DIR / name if "/" in name else SCRIPTS_DIR / name
        assert path.is_file(), f"{document} names {name}, which does not exist"


def test_readme_table_lists_exactly_the_scripts():
    rows = re.findall(r"^\|\s*`([\w.]+\.py)`", README, re.MULTILINE)
    assert len(rows) == len(set(rows)), "a script has two rows"
    assert sorted(rows) == SCRIPTS


def _template_names_in_calls() -> dict[str, set[str]]:
    """Template names the scripts pass to the core (send's third argument, template=, prepare, render)."""
    import ast

    used: dict[str, set[str]] = {}
    for path in SCRIPTS_DIR.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            func = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            candidates = [kw.value for kw in node.keywords if kw.arg == "template"]
            if func == "send" and len(node.args) >= 3:
                candidates.append(node.args[2])
            if func in ("prepare", "render") and node.args:
                candidates.append(node.args[0])
            for value in candidates:
                if isinstance(value, ast.Constant) and isinstance(value.value, str):
                    used.setdefault(value.value, set()).add(path.name)
    return used


def test_every_template_is_rendered_and_every_rendered_template_exists():
    used = _template_names_in_calls()
    files = {p.name.removesuffix(".json.j2") for p in (SKILL_DIR / "templates").glob("*.json.j2")}
    assert files - set(used) == set(), "templates no script renders"
    assert set(used) - files == set(), {name: sorted(used[name]) for name in set(used) - files}


def _documented_commands(text: str) -> list[tuple[str, list[str]]]:
    """(script, its --flags) for every command line in a document's code blocks."""
    commands = []
    for block in re.findall(r"```(?:bash|sh)?\n(.*?)```", text, re.DOTALL):
        for line in block.replace("\\\n", " ").splitlines():
            for segment in line.split("|"):
                found = re.search(r"scripts/([a-z_]+\.py)\"?(.*)", segment)
                if found:
                    commands.append((found.group(1), re.findall(r"(?<!\S)(--[a-z][a-z-]*)", found.group(2))))
    return commands


@pytest.mark.parametrize("document", ["SKILL.md", "README.md"])
def test_every_flag_a_documented_command_uses_is_in_that_scripts_help(document):
    text = SKILL_MD if document == "SKILL.md" else README
    helps: dict[str, str] = {}
    for script, flags in _documented_commands(text):
        if script not in helps:  # the real entry point's --help is checked above; its text is the parser's
            helps[script] = _help(script.removesuffix(".py"))
        for flag in flags:
            assert re.search(rf"{re.escape(flag)}\b", helps[script]), f"{document}: {script} has no {flag}"


# --- times in examples stay valid ----------------------------------------------------------------

# A value a --since or --until example gives: a duration, unix seconds, an ISO date or time, a word.
WHEN_VALUE = re.compile(
    r"(?<![\w.:-])(\d+[mhdw]|\d{9,11}|\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2})?)?(?:Z|[+-]\d{2}:\d{2})?"
    r"|today|yesterday)(?![\w:-])"
)
TIME_FLAG = re.compile(r"(?<![\w-])(--since|--until)\b")
# Where one example's text ends: a semicolon, a sentence's end, a blank line, or the next command.
CLAUSE_END = re.compile(r";|\.\s|\n\s*\n|\n(?=\s*(?:python3|uv run|\$ ))")
# Ten years on from whenever the suite runs: an example that passes then never goes stale.
TEN_YEARS_ON = datetime.now(timezone.utc).replace(year=datetime.now(timezone.utc).year + 10, month=6, day=1).timestamp()
NEXT_YEAR = datetime.now(timezone.utc).year + 1


def time_examples(text: str, script: str | None = None) -> list[tuple[str, str, str]]:
    """(script, flag, value) for every value a --since/--until example in `text` gives: the values
    between the flag and the next flag or the clause's end. The script is the one given, or the
    last `NAME.py` the text names before the flag."""
    examples = []
    for found in TIME_FLAG.finditer(text):
        rest = text[found.end() :]
        end = CLAUSE_END.search(rest)
        segment = rest[: end.start() if end else len(rest)]
        segment = re.split(r"(?<![\w-])--[a-z]", segment)[0]
        owner = script or _named_before(text, found.start())
        examples += [(owner, found.group(1), value) for value in WHEN_VALUE.findall(segment)]
    return examples


def _named_before(text: str, position: int) -> str:
    names = re.findall(r"([a-z][a-z_]*)\.py\b", text[:position])
    assert names, f"no script named before {text[position : position + 40]!r}"
    return names[-1]


def _help(script: str) -> str:
    return load_script(script).command.parser().format_help()


TIME_SCRIPTS = [
    s for s in OPERATIONS if {"--since", "--until"} & set(load_script(s).command.parser()._option_string_actions)
]


def _accepted(script: str, flag: str, value: str) -> str | None:
    """None when the script's own argument type takes the value, else its complaint."""
    actions = load_script(script).command.parser()._option_string_actions
    assert flag in actions, f"{script}.py has no {flag}"
    try:
        actions[flag].type(value)
    except Exception as problem:  # argparse.ArgumentTypeError
        return str(problem)
    return None


class TenYearsOn(datetime):
    @classmethod
    def now(cls, tz=None):
        return datetime.fromtimestamp(TEN_YEARS_ON, tz)


def move_ten_years_on(monkeypatch) -> None:
    """The argument types' clock (time.time, datetime.now) reads ten years from now."""
    monkeypatch.setattr(chatwoot_cli, "time", SimpleNamespace(time=lambda: TEN_YEARS_ON))
    monkeypatch.setattr(chatwoot_cli, "datetime", TenYearsOn)


@pytest.mark.parametrize("source", [*TIME_SCRIPTS, "SKILL.md", "README.md"])
def test_every_since_and_until_example_is_accepted_today_and_in_ten_years(source, monkeypatch):
    """Parsed with the real argument types; a fixed future time goes stale, a relative one never."""
    if source.endswith(".md"):
        examples = time_examples(SKILL_MD if source == "SKILL.md" else README)
    else:
        examples = time_examples(_help(source), source)
        assert {flag for _, flag, _ in examples} >= {"--since", "--until"} & set(
            load_script(source).command.parser()._option_string_actions
        ), f"{source}.py --help shows no example of a time flag"
    assert examples, f"no --since/--until example found in {source}"
    today = {example: _accepted(*example) for example in examples}
    assert {example: problem for example, problem in today.items() if problem} == {}
    if not source.endswith(".md"):  # a --help example is copied as it is: relative, never a date that ages
        assert [value for *_, value in examples if re.search(r"\d{4}-\d\d", value)] == []
    move_ten_years_on(monkeypatch)
    later = {example: _accepted(*example) for example in examples}
    assert {example: problem for example, problem in later.items() if problem} == {}


def test_time_examples_are_found_where_the_documents_give_them(monkeypatch):
    """The extraction the check above relies on, on the forms the documents use."""
    prose = "- `set_status.py`: `snoozed` (`--until 2h`, `3d`, `2030-01-15T09:00Z`; no `--until`: until a reply)."
    assert time_examples(prose) == [
        ("set_status", "--until", "2h"),
        ("set_status", "--until", "3d"),
        ("set_status", "--until", "2030-01-15T09:00Z"),
    ]
    command = "python3 scripts/csat.py --since 2025-01-01 --until 2025-02-01 --agent 'Ana Silva' --rating 1,2\n"
    assert time_examples(command) == [("csat", "--since", "2025-01-01"), ("csat", "--until", "2025-02-01")]
    listing = "`report.py` … `--since` / `--until` take `YYYY-MM-DD`, `today`, `yesterday`, or `7d` / `24h` ago."
    assert [value for *_, value in time_examples(listing)] == ["today", "yesterday", "7d", "24h"]
    fixed = f"{NEXT_YEAR}-01-15T09:00Z"
    assert _accepted("set_status", "--until", fixed) is None  # today, but not ten years on:
    assert _accepted("report", "--since", f"{NEXT_YEAR}-01-01") is not None  # a future start is refused
    move_ten_years_on(monkeypatch)
    assert "is in the past" in _accepted("set_status", "--until", fixed)
    assert _accepted("set_status", "--until", "2h") is None
    assert _accepted("report", "--since", f"{NEXT_YEAR}-01-01") is None


# --- no word of the project's history ---------------------------------------------------------

# Phrases, not single words: "seed" and "seeded" also name the sandbox's data ("a seeded
# fortnight", test names like "reset restores the seed"), "original" is Chatwoot's word in
# places ("the original payment method"), the sandbox has an "Acme Legacy Docs" portal, and
# "issue" is everyday English. Each phrase below only reads as this project's past.
HISTORY = re.compile(
    r"\bthe seed's\b|\bbeyond the seed\b|\bseed (?:skill|scripts?|version|recipes?|operations)\b"
    r"|\bcurl recipes?\b"
    r"|\boriginal (?:skill|scripts?|version|recipes?|implementation|code|operations)\b"
    r"|\bissue\s*#\s*\d+|\b(?:the|this) issue's\b"
    r"|\blegacy (?:skill|scripts?|version|recipes?|flags?|options?|behaviou?r|code|names?|forms?|aliases)\b"
    r"|\bformerly\b|\b(?:was|were) renamed\b|\bthe old (?:skill|scripts?|version|recipes?)\b"
    r"|\b(?:previous|earlier|first) version of (?:the|this) (?:skill|scripts?)\b"
    r"|\bused to (?:be|print|send|take)\b",
    re.IGNORECASE,
)


def _history_in(text: str) -> list[str]:
    return [text[max(0, m.start() - 30) : m.end() + 30].replace("\n", " ") for m in HISTORY.finditer(text)]


def test_history_phrases_are_caught_and_current_wording_is_not():
    for phrase in ["the seed's curl recipe", "Beyond the seed", "see issue #12", "the legacy flag", "formerly --agent",
                   "was renamed", "the original script", "used to print"]:  # fmt: skip
        assert _history_in(phrase), phrase
    fine = (
        "a sandbox seeded with a fortnight; reset restores the seed; refunds go to the original payment method; "
        "Acme Legacy Docs; Chatwoot 4.11.2 (#13573); if the issue persists, run whoami.py; until now"
    )
    assert _history_in(fine) == []


def _test_names() -> list[str]:
    names = []
    for path in sorted((SKILL_DIR / "tests").glob("test_*.py")):
        text = path.read_text(encoding="utf-8")
        names += [f"{path.name}::{name}" for name in re.findall(r"^\s*(?:async\s+)?def (test_\w+)", text, re.MULTILINE)]
    return names


@pytest.mark.parametrize("source", ["SKILL.md", "README.md", "--help", "test names"])
def test_no_word_of_the_projects_history(source):
    if source == "--help":
        text = "\n".join(_help(script) for script in OPERATIONS)
    elif source == "test names":
        text = "\n".join(name.replace("_", " ") for name in _test_names())
        assert len(_test_names()) > 100
    else:
        text = SKILL_MD if source == "SKILL.md" else README
    assert _history_in(text) == []


# --- each --help lists the settings its script reads, and no others ---------------------------

# A value of each setting that the configuration refuses, and the words of that refusal: a script
# that reads the setting exits 3 saying so, before sending anything.
BAD_SETTINGS = {
    "CHATWOOT_BASE_URL": ("not a url", "CHATWOOT_BASE_URL must be"),
    "CHATWOOT_API_TOKEN": ("two words", "CHATWOOT_API_TOKEN contains spaces"),
    "CHATWOOT_ACCOUNT_ID": ("acme", "CHATWOOT_ACCOUNT_ID must be"),
    "CHATWOOT_TIMEOUT": ("soon", "CHATWOOT_TIMEOUT must be"),
    "CHATWOOT_MAX_RETRIES": ("many", "CHATWOOT_MAX_RETRIES must be"),
    "CHATWOOT_MAX_WAIT": ("forever", "CHATWOOT_MAX_WAIT must be"),
}
# CHATWOOT_READ_ONLY=1 refuses changes: a script uses it when a call of it can write.
READ_ONLY = "CHATWOOT_READ_ONLY"

# A valid call of every script; for the scripts that may write, one that writes.
SETTINGS_CALLS = {
    "add_note": ["42", "hi"],
    "assign_conversation": ["42", "--agent-id", "5"],
    "canned_responses": [],
    "contact_conversations": ["17"],
    "contact_labels": ["17", "--add", "vip"],
    "contact_notes": ["17", "--add", "hi"],
    "conversation_attributes": ["42", "--set", "plan=gold"],
    "conversation_context": ["42"],
    "conversation_counts": [],
    "create_contact": ["--name", "Jane"],
    "create_conversation": ["--inbox-id", "3", "--contact-id", "17"],
    "csat": [],
    "delete_contact": ["17", "--yes"],
    "delete_message": ["42", "7", "--yes"],
    "filter_contacts": ["--where", "name=Jane"],
    "filter_conversations": ["--where", "status=open"],
    "find_or_create_contact": ["--email", "jane@example.com"],
    "get_contact": ["17"],
    "get_conversation": ["42"],
    "labels": ["42", "--add", "vip"],
    "list_agents": [],
    "list_contacts": [],
    "list_conversations": [],
    "list_inboxes": [],
    "list_messages": ["42"],
    "list_portals": [],
    "list_teams": [],
    "macros": [],
    "merge_contacts": ["17", "18", "--yes"],
    "message_contact": ["--inbox-id", "3", "--contact-id", "17", "hi"],
    "report": [],
    "run_macro": ["3", "42"],
    "search_articles": ["password"],
    "search_contacts": ["jane"],
    "send_message": ["42", "hi"],
    "set_priority": ["42", "high"],
    "set_status": ["42", "open"],
    "update_contact": ["17", "--name", "X"],
    "verify_webhook": ["--secret-env", "HOOK_SECRET", "--timestamp", "1", "--signature", "sha256=00"],
    "webhooks": ["--delete", "4", "--yes"],
    "whoami": [],
}


def test_the_settings_probed_are_every_setting_the_client_reads():
    source = (SCRIPTS_DIR / "chatwoot_client.py").read_text(encoding="utf-8")
    read = set(re.findall(r'_(?:env|number)\(\s*"(CHATWOOT_[A-Z_]+)"', source))
    assert read == {*BAD_SETTINGS, READ_ONLY}
    assert set(SETTINGS_CALLS) == set(OPERATIONS)


def _settings_used(run, script: str) -> set[str]:
    """The settings this script reads, found by running it: each refused value it reports (exit 3,
    nothing sent: the server is a closed port), and read-only mode refusing a writing call."""
    argv = SETTINGS_CALLS[script]
    used = set()
    closed = {"CHATWOOT_BASE_URL": "http://127.0.0.1:9", "HOOK_SECRET": "s3cret"}
    for name, (value, complaint) in BAD_SETTINGS.items():
        result = run(script, *argv, stdin="{}", env={**closed, name: value})
        if result.code == 3:
            assert result.error_lines[0].startswith(f"error: {complaint}"), (name, result.stderr)
            used.add(name)
        else:
            assert complaint not in result.stderr
    command = load_script(script).command
    if command.writes:
        assert command.would_write(argv), script
        result = run(script, *argv, stdin="{}", env={**closed, READ_ONLY: "1"})
        assert result.code == 3, result.stderr
        assert result.error_lines == [
            "error: CHATWOOT_READ_ONLY is set: this would change Chatwoot, so nothing was sent (--dry-run still works)"
        ]
        used.add(READ_ONLY)
    return used


@pytest.mark.parametrize("script", OPERATIONS)
def test_help_lists_exactly_the_settings_the_script_reads(run, script):
    listed = set(re.findall(r"CHATWOOT_[A-Z_]+", _help(script))) & {*BAD_SETTINGS, READ_ONLY}
    assert listed == _settings_used(run, script)


# --- what SKILL.md and README must say --------------------------------------------------------


def test_skill_md_defines_mine_file_text_and_request_files():
    assert re.search(r'"mine"(?:\*\*)?\s+means\b', SKILL_MD, re.IGNORECASE), 'SKILL.md does not define "mine"'
    file_text = re.search(r"\bone final newline\b[^.]*\b(?:dropped|removed|lost)\b", SKILL_MD, re.IGNORECASE)
    assert file_text or re.search(r"\bloses one final newline\b", SKILL_MD), "the final newline of --file text"
    assert "$TMPDIR/chatwoot_request_" in SKILL_MD, "where request files are kept"
    assert re.search(r"\bfile is kept\b|\bkept\b[^.]*\bfile\b", SKILL_MD), "that a failed write's file is kept"
    assert re.search(r"\bdelete (?:it|them)\b[^.]*\bresent\b", SKILL_MD), "that a kept file may be deleted once resent"


def _install_sources() -> list[str]:
    return re.findall(r"\bskills add (\S+)", README)


def test_readme_names_an_install_source_and_a_local_route():
    sources = _install_sources()
    assert sources, "README has no `npx skills add`"
    local = [s for s in sources if s.startswith(("/", "./", "~"))]
    assert local, "README gives no route from a local path"
    for source in set(sources) - set(local):
        if re.fullmatch(r"[A-Z_]+/[A-Z_]+", source):  # a placeholder: README must say to replace it
            assert re.search(rf"replace `?{re.escape(source)}`?", README), f"README never says to replace {source}"
        else:
            assert re.fullmatch(r"[\w.-]+/[\w.-]+|https://\S+", source), source


def test_readme_says_how_long_make_test_takes_and_how_to_choose_the_sandbox_port():
    duration = r"\b(?:about|around|under|within|roughly|~)\s*(?:a|one|two|\d+)\s*(?:minutes?|min|seconds?|s)\b"
    lines = [line for line in re.split(r"\n\s*\n|(?<=\.)\s", README) if "make test" in line]
    assert any(re.search(duration, line) for line in lines), "README does not say how long `make test` takes"
    port = [line for line in README.splitlines() if "--port" in line]
    assert port and any("sandbox" in line for line in port), "README does not show the sandbox's --port"
    assert '"--port"' in (SKILL_DIR / "tests" / "sandbox" / "__main__.py").read_text(encoding="utf-8")


def _examples(text: str) -> list[str]:
    """A document's examples: its code blocks and inline code."""
    return re.findall(r"```.*?```", text, re.DOTALL) + re.findall(
        r"`[^`\n]+`", re.sub(r"```.*?```", "", text, flags=re.DOTALL)
    )


@pytest.mark.parametrize("document", ["SKILL.md", "README.md"])
def test_no_example_uses_jq(document):
    examples = _examples(SKILL_MD if document == "SKILL.md" else README)
    assert len(examples) > 20
    assert [example for example in examples if re.search(r"(?<![\w-])jq\b", example)] == []


# --- make demo ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_output():
    """tests/demo.py run once, in this process, as `make demo` runs it: (exit code, what it printed)."""
    import demo

    saved = dict(os.environ)
    printed = io.StringIO()
    try:
        with contextlib.redirect_stdout(printed):
            code = demo.main()
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return code, printed.getvalue()


def test_make_demo_runs_and_shows_each_part(demo_output):
    import demo

    code, printed = demo_output
    assert code == 0
    assert "Traceback" not in printed and "internal error" not in printed
    assert [line for line in printed.splitlines() if line.startswith("# ")] == [
        f"# {number}. {title}" for number, title in enumerate(demo.PARTS, 1)
    ]
    exits = re.findall(r"^    → exit (\d+)$", printed, re.MULTILINE)
    assert exits[-3:] == ["1", "2", "0"]  # the errors shown, then a dry run
    assert set(exits[:-3]) == {"0"}
    assert '"Understanding your invoice"' in printed  # the help-center article answered from
    assert '⇒ status resolved, labels refund, last note: "Refund issued via macro"' in printed
    week = re.search(r"⇒ (\d+) conversations \([+-]\d+% on the week before\), (\d+) resolved, first reply", printed)
    assert week and int(week.group(1)) > 0 and int(week.group(2)) > 0, "the weekly report shows no real numbers"
    assert re.search(
        r"⇒ (\d+) ratings \((\d+)% of the surveys sent\), average [\d.]+, (\d+)% of them 4 or 5 stars", printed
    )
    assert TOKEN not in printed


def test_make_demo_says_no_word_of_the_projects_history(demo_output):
    _, printed = demo_output
    assert len(printed) > 2000
    assert _history_in(printed) == []
