"""SKILL.md and README stay true to the scripts: valid frontmatter, every script documented,
every documented path real, every --help with an example, every template used."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys

import pytest
from conftest import SCRIPTS_DIR, SKILL_DIR

CORE = "chatwoot_core.py"
SCRIPTS = sorted(p.name for p in SCRIPTS_DIR.glob("*.py") if p.name != CORE and not p.name.startswith("chatwoot_"))
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
    assert f"scripts/{script}" in SKILL_MD
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
