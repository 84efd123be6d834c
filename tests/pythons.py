"""Finding the CPython interpreters on this machine (pyenv's versions, or python3.X on PATH):
shared by the Python-versions tests and `make smoke`. Standard library only (smoke.py is run as
a plain script)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from functools import cache
from pathlib import Path


def _pyenv_root() -> Path | None:
    """pyenv's root: what `pyenv root` says, else $PYENV_ROOT or ~/.pyenv (pyenv not on PATH)."""
    try:
        completed = subprocess.run(["pyenv", "root"], capture_output=True, text=True, timeout=30)
        root = completed.stdout.strip() if completed.returncode == 0 else ""
    except (OSError, subprocess.SubprocessError):
        root = ""
    path = Path(root or os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv")
    return path if path.is_dir() else None


def _version_key(path: Path) -> tuple:
    return tuple(int(n) if n.isdigit() else -1 for n in re.split(r"[.]", path.parent.parent.name))


def _probe(candidate: str) -> tuple[str, str] | None:
    """(major.minor, real executable) of a python, or None if it does not run."""
    try:
        completed = subprocess.run(
            [candidate, "-c", "import sys; print('%d.%d' % sys.version_info[:2]); print(sys.executable)"],
            capture_output=True,
            text=True,
            timeout=60,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    lines = completed.stdout.split()
    return (lines[0], lines[1]) if completed.returncode == 0 and len(lines) == 2 else None


@cache
def find_interpreter(version: str) -> str | None:
    candidates: list[str] = []
    root = _pyenv_root()
    if root is not None:
        found = [p for p in root.glob(f"versions/{version}*/bin/python3") if p.is_file()]
        candidates += [str(p) for p in sorted(found, key=_version_key, reverse=True)]
    which = shutil.which(f"python{version}")
    if which:
        candidates.append(which)
    for candidate in candidates:
        probed = _probe(candidate)
        if probed and probed[0] == version:
            return probed[1]
    return None
