#!/usr/bin/env python3
"""Install the committed skill the way users do, and run it from the installed copy (``make smoke``).

1. ``git archive HEAD`` into a scratch folder: only committed files, as a GitHub install gets them
   (a local-path install copies everything, .venv included, so never the work tree).
2. Node >= 22.20 for the ``skills`` CLI: this machine's, or ``npm install node@22`` into
   ``.smoke/node22`` (kept and reused).
3. ``npx -y skills@SKILLS_VERSION add <export> --skill chatwoot -a claude-code -y`` into a scratch
   project, and again with ``-a codex``; checks where each put the skill, that the copy holds what
   the scripts need and nothing it must not (caches, virtual environments, .env files, keys,
   real-looking tokens, anything git-ignored).
4. The plain-pip route: a fresh virtual environment with only ``pip install -r requirements.txt``
   of the installed copy (first: without it, a script names the missing package and exits 3).
5. From the installed copy and another working directory, against the sandbox
   (``python -m sandbox --port 0`` in tests/, in the background): ``--help`` of every script, then
   ``tests/live_check.py`` (every read script for real, every write script with ``--dry-run``),
   and the sandbox's request log must show no request that changes anything.
6. The ``uv run`` route: uv from PyPI (kept in ``.smoke/``), a fresh cache, no Python downloads:
   ``uv run <installed>/scripts/list_agents.py --summary`` from the PEP 723 metadata alone.

Prints each command and a short result line, exits 1 on any failure. A package registry that
cannot be reached is a failure, said in one loud line: this test never passes without having
really installed and run. Run with the repository's .venv Python (the sandbox needs its packages).
"""

from __future__ import annotations

import json
import os
import queue
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from live_check import skill_module
from pythons import find_interpreter  # tests/ is on sys.path: this file is run as a script from it

SKILLS_VERSION = "1.7.4"  # newest `skills` on npm when written (npm view skills version); needs Node >= 22.20
NODE_MIN = (22, 20)
UV_VERSION = "0.13.9"
AGENTS = {"claude-code": ".claude/skills/chatwoot", "codex": ".agents/skills/chatwoot"}

REPO = Path(__file__).resolve().parent.parent
CACHE = REPO / ".smoke"
# What the installer leaves out by design (vercel-labs/skills copyDirectory).
INSTALLER_DROPS_FILES = {"metadata.json"}
INSTALLER_DROPS_DIRS = {".git", "__pycache__", "__pypackages__"}
# Never in an installed skill.
FORBIDDEN_DIRS = {
    ".venv",
    "venv",
    "__pycache__",
    ".pytest_cache",
    ".hypothesis",
    ".ruff_cache",
    ".mypy_cache",
    ".tox",
    ".smoke",
    ".bench",
    "node_modules",
    ".git",
}
FORBIDDEN_FILE = re.compile(r"(^\.env(\..*)?$|\.pyc$|\.pem$|\.key$|^id_(rsa|ed25519|ecdsa)|^\.netrc$|^\.pypirc$)")
SECRET_PATTERNS = {
    "a private key": re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
    "a GitHub token": re.compile(r"\b(ghp|gho|ghs|ghu)_[A-Za-z0-9]{30,}|\bgithub_pat_[A-Za-z0-9_]{30,}"),
    "an AWS key": re.compile(r"\bAKIA[0-9A-Z]{16}\b"),
    "a Slack token": re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{10,}"),
    "an API key": re.compile(r"\bsk-[A-Za-z0-9_-]{32,}"),
    # Chatwoot access tokens are 24 random letters and digits (has_secure_token). The tests'
    # own fake tokens ("sandbox-token", "test-token-5f2b9c") are deliberately not of that form.
    "a Chatwoot-like token": re.compile(
        r"(?i)(?:api[_-]access[_-]token|CHATWOOT_API_TOKEN|access_token)[\"']?\s*[:=]\s*[\"']?"
        r"(?=[A-Za-z0-9]*\d)(?=[A-Za-z0-9]*[a-z])(?=[A-Za-z0-9]*[A-Z])[A-Za-z0-9]{20,}\b"
    ),
}
# Variables that make the skills CLI think it runs inside an AI agent (it then changes its
# targets), user configuration for the tools under test, and the user's own Chatwoot settings.
SCRUB_PREFIXES = ("CLAUDE", "CODEX", "GEMINI", "OPENCODE", "CURSOR", "AI_AGENT", "CHATWOOT_")
SCRUB_NAMES = {"AGENT", "VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "CONDA_PREFIX", "UV_OFFLINE", "UV_NO_CACHE"}
NETWORK_SIGNS = re.compile(
    r"ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENETUNREACH|network|Could not resolve|"
    r"Failed to establish|Max retries exceeded|Temporary failure in name resolution|ConnectionError|"
    r"ReadTimeout|No matching distribution|Could not find a version|Failed to fetch|dns error|"
    r"error sending request|tcp connect error|certificate|SSL",
    re.IGNORECASE,
)


def die_with_parent() -> None:
    """In the sandbox's process, before exec: on Linux, get SIGTERM when this script dies, however
    it dies (the finally block stops the sandbox too; this covers a SIGKILL)."""
    if sys.platform.startswith("linux"):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class SmokeFailure(Exception):
    pass


class RegistryUnreachable(SmokeFailure):
    pass


class Smoke:
    def __init__(self) -> None:
        self.scratch = Path(tempfile.mkdtemp(prefix="chatwoot-smoke-"))
        self.sandbox: subprocess.Popen | None = None
        self.sandbox_log = self.scratch / "sandbox.log"
        self.timings: list[tuple[str, float]] = []
        self.env = {k: v for k, v in os.environ.items() if not self._scrubbed(k)}
        self.env["LANG"] = self.env.get("LANG") or "C.UTF-8"
        self.env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
        self.env["npm_config_update_notifier"] = "false"
        self.env["npm_config_fund"] = "false"
        self.env["npm_config_audit"] = "false"

    @staticmethod
    def _scrubbed(name: str) -> bool:
        return name in SCRUB_NAMES or name.upper().startswith(SCRUB_PREFIXES)

    # ------------------------------------------------------------------ output and commands

    def short(self, text: str) -> str:
        return text.replace(str(self.scratch), "$SMOKE").replace(str(REPO), "$REPO")

    def step(self, title: str) -> None:
        print(f"\n== {title}", flush=True)

    def ok(self, message: str) -> None:
        print(f"   ok: {message}", flush=True)

    def run(
        self,
        cmd: list[str],
        *,
        cwd: Path | None = None,
        env: dict[str, str] | None = None,
        shown_env: dict[str, str] | None = None,
        registry: str | None = None,
        timeout: float = 300,
        check: bool = True,
        stdin: str = "",
    ) -> subprocess.CompletedProcess:
        """Run one command, print it first; on failure print its output's tail and raise."""
        prefix = " ".join(f"{k}={shlex.quote(v)}" for k, v in (shown_env or {}).items())
        where = f"(cd {shlex.quote(str(cwd))} && " if cwd else ""
        line = " ".join(filter(None, [prefix, shlex.join(cmd)]))
        print(self.short(f"$ {where}{line}{')' if cwd else ''}"), flush=True)
        environment = dict(env if env is not None else self.env)
        environment.update(shown_env or {})
        try:
            result = subprocess.run(
                cmd,
                cwd=cwd,
                env=environment,
                input=stdin,
                capture_output=True,
                text=True,
                timeout=timeout,
                errors="replace",
            )
        except subprocess.TimeoutExpired as expired:
            if registry:
                raise RegistryUnreachable(
                    f"{registry}: no answer within {timeout:g} s ({shlex.join(cmd[:4])} ...)"
                ) from None
            raise SmokeFailure(f"timed out after {timeout:g} s: {shlex.join(cmd)}") from expired
        except FileNotFoundError as missing:
            raise SmokeFailure(f"cannot run {cmd[0]}: {missing}") from None
        if check and result.returncode != 0:
            output = (result.stdout + "\n" + result.stderr).strip()
            tail = "\n".join(output.splitlines()[-25:])
            print("   " + tail.replace("\n", "\n   "), flush=True)
            if registry and NETWORK_SIGNS.search(output):
                raise RegistryUnreachable(f"{registry}: {shlex.join(cmd[:4])} ... failed (exit {result.returncode})")
            raise SmokeFailure(f"exit {result.returncode}: {self.short(shlex.join(cmd))}")
        return result

    # ------------------------------------------------------------------ the steps

    def export_head(self) -> Path:
        self.step("export the committed tree (git archive HEAD)")
        head = self.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"]).stdout.strip()
        dirty = self.run(["git", "-C", str(REPO), "status", "--porcelain"]).stdout.strip()
        if dirty:
            print(f"   note: uncommitted changes are not part of this test; it installs HEAD ({head})")
        tarball = self.scratch / "head.tar"
        self.run(["git", "-C", str(REPO), "archive", "--format=tar", "--prefix=chatwoot/", "-o", str(tarball), "HEAD"])
        (self.scratch / "src").mkdir()
        self.run(["tar", "-xf", str(tarball), "-C", str(self.scratch / "src")])
        source = self.scratch / "src" / "chatwoot"
        files = self.files(source)
        ignored = self.run(
            ["git", "-C", str(REPO), "ls-files", "--cached", "--ignored", "--exclude-standard"]
        ).stdout.split()
        if ignored:
            raise SmokeFailure(f"committed files that .gitignore says must not ship: {', '.join(ignored)}")
        self.ok(f"{len(files)} committed files of {head} in $SMOKE/src/chatwoot; none of them git-ignored")
        return source

    def node(self) -> dict[str, str]:
        """An environment whose `node` is >= 22.20 (npm's node@22 package when the machine's is older)."""
        self.step(f"Node >= {NODE_MIN[0]}.{NODE_MIN[1]} for the skills CLI")
        if shutil.which("npm") is None or shutil.which("npx") is None:
            raise SmokeFailure("npm/npx not found: install Node.js with npm (any version; node@22 comes from npm)")
        system = self.node_version(self.env)
        if system and system >= NODE_MIN:
            self.ok(f"this machine's node {'.'.join(map(str, system))} will do")
            return dict(self.env)
        bin_dir = CACHE / "node22" / "node_modules" / ".bin"
        env = dict(self.env, PATH=f"{bin_dir}{os.pathsep}{self.env.get('PATH', '')}")
        cached = self.node_version(env) if (bin_dir / "node").exists() else None
        if cached and cached >= NODE_MIN:
            self.ok(
                f"node {'.'.join(map(str, cached))} from .smoke/node22 (cached; this machine's is {self.v(system)})"
            )
            return env
        (CACHE / "node22").mkdir(parents=True, exist_ok=True)
        (CACHE / "node22" / "package.json").write_text('{"name": "smoke-node22", "private": true}\n')
        self.run(
            ["npm", "install", "--no-audit", "--no-fund", "node@22"], cwd=CACHE / "node22", registry="npm registry"
        )
        installed = self.node_version(env)
        if not installed or installed < NODE_MIN:
            raise SmokeFailure(f"npm's node@22 gave node {self.v(installed)}, not >= {self.v(NODE_MIN)}")
        self.ok(f"node {self.v(installed)} installed into .smoke/node22 (this machine's is {self.v(system)})")
        return env

    @staticmethod
    def v(version: tuple[int, ...] | None) -> str:
        return ".".join(map(str, version)) if version else "none"

    def node_version(self, env: dict[str, str]) -> tuple[int, ...] | None:
        try:
            out = subprocess.run(["node", "--version"], env=env, capture_output=True, text=True, timeout=30).stdout
        except (OSError, subprocess.TimeoutExpired):
            return None
        found = re.match(r"v(\d+)\.(\d+)\.(\d+)", out.strip())
        return tuple(int(x) for x in found.groups()) if found else None

    def skills_add(self, source: Path, node_env: dict[str, str]) -> dict[str, Path]:
        self.step(f"install with the skills CLI {SKILLS_VERSION} (npx), for claude-code and for codex")
        latest = self.run(["npm", "view", "skills", "version"], env=node_env, registry="npm registry").stdout.strip()
        if latest != SKILLS_VERSION:
            print(
                f"   note: the registry's newest skills is {latest}; this test pins {SKILLS_VERSION} (SKILLS_VERSION)"
            )
        home = self.scratch / "home"  # the CLI must not touch the user's own ~/.agents or ~/.claude
        home.mkdir()
        env = dict(node_env, HOME=str(home))
        # Keep npm's own cache and settings (a warm npx cache; the machine's registry and CA).
        cache = self.run(["npm", "config", "get", "cache"], env=node_env).stdout.strip()
        userconfig = self.run(["npm", "config", "get", "userconfig"], env=node_env).stdout.strip()
        env.update(npm_config_cache=cache, npm_config_userconfig=userconfig)
        installed = {}
        for agent, where in AGENTS.items():
            project = self.scratch / f"project-{agent}"
            project.mkdir()
            result = self.run(
                ["npx", "-y", f"skills@{SKILLS_VERSION}", "add", str(source), "--skill", "chatwoot", "-a", agent, "-y"],
                cwd=project,
                env=env,
                shown_env={"DISABLE_TELEMETRY": "1"},
                registry="npm registry",
            )
            target = project / where
            if not (target / "SKILL.md").is_file():
                print("   " + result.stdout[-1500:].replace("\n", "\n   "))
                raise SmokeFailure(f"skills add -a {agent} exited 0 but {where}/SKILL.md is not there")
            how = "symlink to " + os.readlink(target) if target.is_symlink() else "a copy"
            others = [w for a, w in AGENTS.items() if a != agent and (project / w).exists() and w != where]
            self.ok(f"-a {agent}: {where} ({how})" + (f"; also made {', '.join(others)}" if others else ""))
            installed[agent] = target
        return installed

    def files(self, root: Path) -> set[str]:
        return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file() or p.is_symlink()}

    def check_contents(self, source: Path, installed: dict[str, Path]) -> None:
        self.step("the installed copies: everything the scripts need, nothing they must not carry")
        expected = {
            f
            for f in self.files(source)
            if Path(f).name not in INSTALLER_DROPS_FILES and not INSTALLER_DROPS_DIRS & set(Path(f).parts)
        }
        scripts = sorted(f for f in expected if re.fullmatch(r"scripts/[^/]+\.py", f))
        templates = sorted(f for f in expected if re.fullmatch(r"templates/[^/]+\.j2", f))
        needed = {"SKILL.md", "requirements.txt", "LICENSE", *scripts, *templates}
        if not scripts or not templates:
            raise SmokeFailure("the export holds no scripts/*.py or templates/*.j2")
        real_token = os.environ.get("CHATWOOT_API_TOKEN", "").strip()
        for agent, root in installed.items():
            have = self.files(root)
            problems = [f"missing {f}" for f in sorted(needed - have)]
            problems += [f"not in the commit: {f}" for f in sorted(have - expected)]
            problems += [f"dropped by the installer: {f}" for f in sorted(expected - have)]
            for f in sorted(have):
                parts = Path(f).parts
                if FORBIDDEN_DIRS & set(parts[:-1]) or FORBIDDEN_FILE.search(parts[-1]):
                    problems.append(f"must not ship: {f}")
                text = (root / f).read_bytes().decode("utf-8", "replace")
                for what, pattern in SECRET_PATTERNS.items():
                    if pattern.search(text):
                        problems.append(f"{f} holds what looks like {what}")
                if len(real_token) >= 8 and real_token in text:
                    problems.append(f"{f} holds the value of your CHATWOOT_API_TOKEN")
            license_line = re.search(r"^license:\s*(\S+)", (root / "SKILL.md").read_text(encoding="utf-8"), re.M)
            license_text = (root / "LICENSE").read_text(encoding="utf-8") if (root / "LICENSE").is_file() else ""
            if not license_line or license_line.group(1) not in license_text:
                problems.append("SKILL.md's license: does not match the LICENSE file")
            if problems:
                raise SmokeFailure(f"{AGENTS[agent]}: " + "; ".join(problems))
            self.ok(
                f"{AGENTS[agent]}: {len(have)} files, the same as the commit: SKILL.md, LICENSE, requirements.txt, "
                f"{len(scripts)} scripts, {len(templates)} templates; no caches, venvs, .env, keys or tokens"
            )

    def base_python(self) -> str:
        """The oldest CPython >= 3.9 at hand (the scripts promise 3.9); SMOKE_PYTHON overrides."""
        if os.environ.get("SMOKE_PYTHON"):
            return os.environ["SMOKE_PYTHON"]
        for candidate in filter(None, map(find_interpreter, [f"3.{minor}" for minor in range(9, 15)])):
            # find_interpreter already checked the version; a venv also needs venv and ensurepip.
            probe = subprocess.run([candidate, "-c", "import venv, ensurepip"], capture_output=True, timeout=30)
            if probe.returncode == 0:
                return candidate
        return sys.executable

    def pip_venv(self, skill: Path, workdir: Path, sandbox_env: dict[str, str]) -> Path:
        self.step("plain pip: a fresh venv with only the installed copy's requirements.txt")
        python = self.base_python()
        venv = self.scratch / "venv"
        self.run([python, "-m", "venv", str(venv)])
        vpy = str(venv / "bin" / "python")
        version = self.run([vpy, "-c", "import platform; print(platform.python_version())"]).stdout.strip()
        missing = self.run(
            [vpy, str(skill / "scripts" / "list_agents.py"), "--summary"],
            cwd=workdir,
            env={**self.env, **sandbox_env},
            check=False,
        )
        if missing.returncode != 3 or "pip install" not in missing.stderr or missing.stdout:
            raise SmokeFailure(
                f"without requests/jinja2 a script must say how to install them and exit 3; got exit "
                f"{missing.returncode}: {missing.stderr.strip()[:300]}"
            )
        self.ok("before pip install: exit 3 and the install command, nothing sent")
        self.run([vpy, "-m", "pip", "install", "-r", str(skill / "requirements.txt")], registry="PyPI")
        freeze = self.run([vpy, "-m", "pip", "list", "--format=json"]).stdout
        versions = {p["name"].lower(): p["version"] for p in json.loads(freeze)}
        self.ok(
            f"Python {version}: requests {versions.get('requests')}, jinja2 {versions.get('jinja2')} "
            f"(from {self.short(python)})"
        )
        return Path(vpy)

    def start_sandbox(self) -> dict[str, str]:
        self.step("the sandbox (python -m sandbox --port 0 in tests/, in the background)")
        cmd = [sys.executable, "-m", "sandbox", "--port", "0"]
        print(self.short(f"$ cd {REPO / 'tests'} && {shlex.join(cmd)} 2> $SMOKE/sandbox.log &"), flush=True)
        log = self.sandbox_log.open("w")
        self.sandbox = subprocess.Popen(
            cmd,
            stdout=subprocess.PIPE,
            stderr=log,
            stdin=subprocess.DEVNULL,
            text=True,
            env=self.env,
            cwd=REPO / "tests",
            preexec_fn=die_with_parent,
        )
        log.close()
        lines: queue.Queue[str] = queue.Queue()

        def read_exports() -> None:  # a thread: readline on a pipe has no timeout of its own
            assert self.sandbox is not None and self.sandbox.stdout is not None
            for line in self.sandbox.stdout:
                lines.put(line)

        threading.Thread(target=read_exports, daemon=True).start()
        exports: dict[str, str] = {}
        deadline = time.monotonic() + 60
        while len(exports) < 3 and time.monotonic() < deadline and self.sandbox.poll() is None:
            try:
                line = lines.get(timeout=0.2)
            except queue.Empty:
                continue
            found = re.fullmatch(r"export (CHATWOOT_[A-Z_]+)=(.*)", line.strip())
            if found:
                exports[found.group(1)] = found.group(2)
        if set(exports) != {"CHATWOOT_BASE_URL", "CHATWOOT_API_TOKEN", "CHATWOOT_ACCOUNT_ID"}:
            raise SmokeFailure(
                f"the sandbox did not print its three export lines: {self.sandbox_log.read_text()[-800:]}"
            )
        self.ok(f"listening on {exports['CHATWOOT_BASE_URL']} (account {exports['CHATWOOT_ACCOUNT_ID']})")
        return {**exports, "CHATWOOT_MAX_RETRIES": "0", "CHATWOOT_TIMEOUT": "15"}

    def stop_sandbox(self) -> None:
        if self.sandbox and self.sandbox.poll() is None:
            self.sandbox.terminate()
            try:
                self.sandbox.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.sandbox.kill()
                self.sandbox.wait()
        self.sandbox = None

    def scripts_help(self, python: Path, skill: Path, workdir: Path, sandbox_env: dict[str, str]) -> set[str]:
        self.step("--help of every script, from the installed copy and another directory")
        scripts = skill_module(skill / "scripts", "chatwoot_cli").operation_scripts(skill / "scripts")
        with_dry_run = set()
        for script in scripts:
            result = self.run([str(python), str(script), "--help"], cwd=workdir, env={**self.env, **sandbox_env})
            if "usage:" not in result.stdout or "Example:" not in result.stdout:
                raise SmokeFailure(f"{script.name} --help shows no usage or no example")
            if "--dry-run" in result.stdout:
                with_dry_run.add(script.name)
        self.ok(f"{len(scripts)} scripts answer --help with an example; {len(with_dry_run)} take --dry-run")
        return with_dry_run

    def live_check(
        self, python: Path, skill: Path, workdir: Path, sandbox_env: dict[str, str], with_dry_run: set[str]
    ) -> None:
        self.step("every read for real, every write as --dry-run (tests/live_check.py, read-only mode)")
        report = self.scratch / "live_check.json"
        cmd = [str(python), str(REPO / "tests" / "live_check.py"), "--skill-dir", str(skill), "--report", str(report)]
        result = self.run(cmd, cwd=workdir, env={**self.env, **sandbox_env}, check=False)
        print("   " + result.stdout.strip().replace("\n", "\n   "), flush=True)
        if result.returncode != 0:
            raise SmokeFailure(f"live_check.py exited {result.returncode}: {result.stderr.strip()[-500:]}")
        outcomes = json.loads(report.read_text(encoding="utf-8"))["outcomes"]
        dry_run = {o["script"] for o in outcomes if o["kind"] == "dry-run" and o["result"] == "pass"}
        reads = {o["script"] for o in outcomes if o["kind"] == "read" and o["result"] == "pass"}
        if with_dry_run - dry_run:
            raise SmokeFailure(
                f"scripts with --dry-run the live check did not dry-run: {sorted(with_dry_run - dry_run)}"
            )
        if any(o["result"] != "pass" for o in outcomes):
            raise SmokeFailure("a live-check step did not pass (see the table)")
        self.ok(f"{len(reads)} read scripts and {len(dry_run)} dry runs passed")

    def check_sandbox_log(self) -> None:
        lines = self.sandbox_log.read_text(encoding="utf-8", errors="replace").splitlines()
        seen = [m.groups() for m in (re.fullmatch(r"([A-Z]+) (\S+) -> (\d+)", line) for line in lines) if m]
        changing = [
            f"{method} {path}"
            for method, path, _ in seen
            if method != "GET" and not path.split("?")[0].endswith("/filter")
        ]
        if not seen:
            raise SmokeFailure("the sandbox logged no request at all")
        if changing:
            raise SmokeFailure(f"the sandbox received requests that change things: {changing[:5]}")
        posts = sum(1 for method, _, _ in seen if method == "POST")
        self.ok(f"the sandbox saw {len(seen)} requests: {len(seen) - posts} GET, {posts} POST to /filter, no change")

    def uv_run(self, skill: Path, workdir: Path, sandbox_env: dict[str, str]) -> None:
        self.step(f"uv run: uv {UV_VERSION} from PyPI, a fresh cache, no Python downloads, nothing preinstalled")
        uv_venv = CACHE / f"uv-{UV_VERSION}"
        uv = uv_venv / "bin" / "uv"
        have = subprocess.run([str(uv), "--version"], capture_output=True, text=True).stdout if uv.exists() else ""
        if UV_VERSION in have:
            self.ok(f"{have.strip()} from .smoke/uv-{UV_VERSION} (cached)")
        else:
            shutil.rmtree(uv_venv, ignore_errors=True)
            self.run([sys.executable, "-m", "venv", str(uv_venv)])
            self.run([str(uv_venv / "bin" / "python"), "-m", "pip", "install", f"uv=={UV_VERSION}"], registry="PyPI")
        uv_env = {"UV_CACHE_DIR": str(self.scratch / "uv-cache"), "UV_PYTHON_DOWNLOADS": "never"}
        result = self.run(
            [str(uv), "run", str(skill / "scripts" / "list_agents.py"), "--summary"],
            cwd=workdir,
            env={**self.env, **sandbox_env},
            shown_env=uv_env,
            registry="PyPI (through uv)",
        )
        try:
            agents = json.loads(result.stdout)
        except ValueError:
            raise SmokeFailure(f"uv run printed no JSON: {result.stdout[:300]!r}") from None
        if not (
            isinstance(agents, list) and agents and all({"id", "name", "email", "role"} <= a.keys() for a in agents)
        ):
            raise SmokeFailure(f"uv run did not print the agents: {result.stdout[:300]!r}")
        if "Installed" not in result.stderr:
            raise SmokeFailure(f"uv installed nothing, so something was preinstalled: {result.stderr.strip()[:300]}")
        installed = re.search(r"Installed \d+ packages?", result.stderr)
        self.ok(
            f"{installed.group(0) if installed else 'installed'} from the PEP 723 header; listed {len(agents)} agents"
        )

    # ------------------------------------------------------------------ all of it

    def timed(self, name: str, func, *args):
        start = time.monotonic()
        try:
            return func(*args)
        finally:
            self.timings.append((name, time.monotonic() - start))

    def main(self) -> int:
        started = time.monotonic()
        print(f"SMOKE={self.scratch}  (scratch; removed after a pass, kept after a failure)")
        print(f"REPO={REPO}")
        try:
            source = self.timed("export", self.export_head)
            node_env = self.timed("node", self.node)
            installed = self.timed("skills add", self.skills_add, source, node_env)
            self.timed("contents", self.check_contents, source, installed)
            workdir = self.scratch / "elsewhere"  # an agent's shell sits in the user's project, not the skill
            workdir.mkdir()
            sandbox_env = self.timed("sandbox", self.start_sandbox)
            sandbox_env["TMPDIR"] = str(self.scratch / "tmp")
            (self.scratch / "tmp").mkdir()
            python = self.timed("pip venv", self.pip_venv, installed["claude-code"], workdir, sandbox_env)
            with_dry_run = self.timed(
                "--help", self.scripts_help, python, installed["claude-code"], workdir, sandbox_env
            )
            self.timed(
                "live check", self.live_check, python, installed["claude-code"], workdir, sandbox_env, with_dry_run
            )
            self.timed("uv run", self.uv_run, installed["codex"], workdir, sandbox_env)
            self.check_sandbox_log()
        except RegistryUnreachable as problem:
            bar = "!" * 78
            print(f"\n{bar}\nSMOKE FAILED: A PACKAGE REGISTRY COULD NOT BE REACHED: {self.short(str(problem))}")
            print(f"This test installs for real and cannot pass without the registry. Scratch kept: {self.scratch}")
            print(bar)
            return 1
        except SmokeFailure as problem:
            print(f"\nSMOKE FAILED: {self.short(str(problem))}\nscratch kept for a look: {self.scratch}")
            return 1
        finally:
            self.stop_sandbox()
        took = time.monotonic() - started
        print("\n" + ", ".join(f"{name} {seconds:.0f}s" for name, seconds in self.timings))
        shutil.rmtree(self.scratch, ignore_errors=True)
        print(
            f"smoke OK in {took:.0f} s: installed with skills {SKILLS_VERSION} (claude-code, codex), pip and uv {UV_VERSION}"
        )
        return 0


def main() -> int:
    def on_signal(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)  # unwinds through the finally that stops the sandbox

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)
    return Smoke().main()


if __name__ == "__main__":
    sys.exit(main())
