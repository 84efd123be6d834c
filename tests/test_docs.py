"""SKILL.md and README stay true to the scripts: valid frontmatter, every script documented,
every documented path real, every --help with an example, every template used."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys

import pytest
from conftest import OPERATIONS, SCRIPTS_DIR, SKILL_DIR

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


def test_skill_md_is_under_500_lines():
    assert len(SKILL_MD.splitlines()) < 500


def test_license_file_matches_skill_md():
    license_name = re.search(r"^license: (.+)$", SKILL_MD, re.MULTILINE).group(1).strip()
    assert (SKILL_DIR / "LICENSE").is_file()
    assert license_name.split()[0] in (SKILL_DIR / "LICENSE").read_text(encoding="utf-8")


@pytest.mark.parametrize("script", SCRIPTS)
def test_every_script_is_documented_in_skill_md_and_readme(script):
    assert re.search(rf"(?<![\w.-]){re.escape(script)}\b", SKILL_MD), f"{script} not in SKILL.md"
    assert re.search(rf"^\|\s*`{re.escape(script)}`", README, re.MULTILINE), f"{script} missing from README table"


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
    assert not [p for p in tracked if p.endswith("metadata.json") or p.startswith("scripts/_") or p.endswith(".env")]


# --- the consistency list, checked from both sides ------------------------------------

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
        if script not in helps:
            result = subprocess.run(
                [sys.executable, str(SCRIPTS_DIR / script), "--help"], capture_output=True, text=True
            )
            helps[script] = result.stdout
        for flag in flags:
            assert re.search(rf"{re.escape(flag)}\b", helps[script]), f"{document}: {script} has no {flag}"
