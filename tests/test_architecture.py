"""The shared modules import one way, exactly as README's "How it is built" draws it."""

from __future__ import annotations

import ast
import re

from conftest import OPERATIONS, SCRIPTS_DIR, SKILL_DIR


def imported_modules(path) -> set[str]:
    """The skill's own modules a file imports, at any depth (deferred imports count too)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    own = {path.stem for path in SCRIPTS_DIR.glob("*.py")}
    return names & own


def readme_arrows() -> dict[str, set[str]]:
    """README's import table: `module ─► a, b` lines, and `module (imports none of these)`."""
    section = SKILL_DIR.joinpath("README.md").read_text(encoding="utf-8").split("## How it is built", 1)[1]
    block = section.split("```", 2)[1]
    arrows = {}
    for line in block.strip().splitlines():
        match = re.fullmatch(r"(chatwoot_\w+)\s+(?:─► (.+)|\(imports none of these\))", line.strip())
        if match:
            arrows[match[1]] = set(re.split(r",\s*", match[2])) if match[2] else set()
    return arrows


def test_every_shared_module_imports_exactly_what_readme_draws():
    shared = {path.stem for path in SCRIPTS_DIR.glob("chatwoot_*.py")}
    arrows = readme_arrows()
    assert set(arrows) == shared, "README's table must list every shared module once"
    actual = {module: imported_modules(SCRIPTS_DIR / f"{module}.py") for module in shared}
    assert actual == arrows


def test_the_drawn_imports_have_no_cycle():
    arrows = readme_arrows()
    assert len(arrows) > 5

    def below(module: str, seen: tuple[str, ...] = ()) -> None:
        assert module not in seen, f"import cycle: {' -> '.join((*seen, module))}"
        for target in arrows[module]:
            below(target, (*seen, module))

    for module in arrows:
        below(module)


def test_operation_scripts_import_only_shared_modules():
    for name in OPERATIONS:
        imports = imported_modules(SCRIPTS_DIR / f"{name}.py")
        assert imports <= set(readme_arrows()), f"{name}.py imports another operation: {imports}"
        assert imports, f"{name}.py builds on no shared module"
