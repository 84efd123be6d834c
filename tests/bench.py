"""`make bench`: the scripts' speed against the sandbox, next to the import floor and plain curl.

A benchmark, not a test: nothing here passes or fails a build. One run prints medians and
ratios, with the machine they came from, and writes the same text to .bench/latest.txt:

1. per call: a read (get_conversation.py) and two writes (send_message.py, set_status.py)
   against the floor (a bare interpreter importing `requests`, and `jinja2` for writes) and
   against plain curl, at the injected latency and at latency 0 (the start-up goal:
   a script's median within 1.15x of its floor);
2. bulk: resolving 100 conversations with one bulk call (--parallel 4 and 8) against a shell
   loop over the script and a shell loop of plain curl (target: --parallel 8 at
   least 5x faster than the curl loop);
3. paging: list_conversations.py --all over 40 pages against a curl loop over the same pages;
4. peak memory of --all over 5,000 conversations against a bare interpreter importing requests.

Every variant is a fresh process timed from spawn to exit (time.perf_counter); the variants
of a section run round-robin (each round starting one further along), after one untimed
warm-up run that also checks the variant does what it claims. After every run the sandbox's
request log is checked: the expected number of requests, every one answered 2xx.

    python tests/bench.py [--quick] [--only percall,bulk,paging,memory] [--latency 0.05]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import random
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any, Callable

from sandbox import Sandbox

SKILL_DIR = Path(__file__).resolve().parent.parent
SCRIPTS_DIR = SKILL_DIR / "scripts"
BENCH_DIR = SKILL_DIR / ".bench"
PYTHON = sys.executable  # the interpreter the scripts run under (make bench: .venv/bin/python)

SECTIONS = ("percall", "bulk", "paging", "memory", "size")
# Rounds: enough for stable medians on 2 shared cores, the whole run well under 10 minutes.
ROUNDS = {"percall": 41, "bulk": 5, "paging": 7, "memory": 3}
QUICK_ROUNDS = {"percall": 5, "bulk": 1, "paging": 2, "memory": 1}
BULK_REPEAT = 2  # a bulk call is short: run it twice a round for as many samples as the rest
SCRIPT_LOOP_ROUNDS = 3  # 100 interpreter starts take half a minute: enough to show the gap
BOOTSTRAP = 2000  # resamples of the rounds for the confidence interval of a ratio of medians

BASE_OPEN = 16  # open conversations in the sandbox's starting data (30 conversations)
PAGE_SIZE = 25
PAGES = 40
PAGING_OPEN = PAGES * PAGE_SIZE - 10  # 990: page 40 is the last, part-full, so --all makes 40 requests
MEMORY_OPEN = 5000
BULK_COUNT = 100

START_UP_GOAL = 1.15
BULK_GOAL = 5.0

MESSAGE = "Thank you for contacting us! Let me help you with that."


class BenchError(Exception):
    """A variant failed or did not do what it claims: the figures would mean nothing."""


def progress(text: str) -> None:
    print(f"bench: {text}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- running one process


# Peak memory: a process forked from this one reports this process's RSS as its own peak
# (Linux counts the memory it had before exec, and this one holds the sandbox), so the
# measured command is forked from a small interpreter that passes on the child's ru_maxrss.
RSS_WRAPPER = """\
import os, sys
pid = os.fork()
if pid == 0:
    try:
        os.execv(sys.argv[2], sys.argv[2:])
    finally:
        os._exit(127)
_, status, usage = os.wait4(pid, 0)
with open(sys.argv[1], "w") as out:
    out.write(str(usage.ru_maxrss))
sys.exit(os.waitstatus_to_exitcode(status))
"""


class Sample:
    """One run: wall seconds, CPU seconds (user + system, the whole process tree), peak RSS in KiB
    (measured only for the variants that ask: see RSS_WRAPPER)."""

    __slots__ = ("cpu", "rss_kib", "wall")

    def __init__(self, wall: float, cpu: float, rss_kib: int | None):
        self.wall = wall
        self.cpu = cpu
        self.rss_kib = rss_kib


class Variant:
    """One thing to time: an argv list (run directly) or a shell line (run with bash -c)."""

    def __init__(
        self,
        name: str,
        command: list[str] | str,
        *,
        requests: int,
        validate: Callable[[bytes], None] | None = None,
        before: Callable[[], None] | None = None,
        after: Callable[[], None] | None = None,
        repeat: int = 1,
        max_rounds: int | None = None,
        peak_memory: bool = False,
    ):
        self.name = name
        self.command = command
        self.requests = requests  # how many requests one run must make, all answered 2xx
        self.validate = validate  # checks the warm-up run's stdout
        self.before = before
        self.after = after
        self.repeat = repeat
        self.max_rounds = max_rounds  # a long variant may sit out the later rounds
        self.peak_memory = peak_memory  # run under RSS_WRAPPER (an argv command only)
        self.output_size = 0  # bytes on stdout in the warm-up run


class Bench:
    def __init__(self, sandbox: Sandbox, workdir: Path, raw: dict[str, dict[str, list[Sample]]]):
        self.sandbox = sandbox
        self.workdir = workdir
        self.raw = raw  # every sample, by section and variant
        self.request_file = workdir / "chatwoot_request.json"  # where a plain curl call writes its body
        tmp = workdir / "tmp"
        tmp.mkdir(exist_ok=True)
        # A clean environment, as conftest.Runner uses: no proxies, no PYTHON* settings.
        self.env = {
            "PATH": os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin"),
            "HOME": os.environ.get("HOME", str(workdir)),
            "LANG": "C.UTF-8",
            "TMPDIR": str(tmp),
            **sandbox.env(),
        }

    def spawn(self, command: list[str] | str, stdout: Any = subprocess.DEVNULL, peak_memory: bool = False) -> Sample:
        argv = ["bash", "-c", command] if isinstance(command, str) else command
        rss_file = self.workdir / "peak_rss"
        if peak_memory:
            argv = [PYTHON, "-c", RSS_WRAPPER, str(rss_file), *argv]
        with tempfile.TemporaryFile(dir=self.workdir) as errors:
            start = time.perf_counter()
            process = subprocess.Popen(
                argv, stdin=subprocess.DEVNULL, stdout=stdout, stderr=errors, env=self.env, cwd=self.workdir
            )
            _, status, usage = os.wait4(process.pid, 0)
            wall = time.perf_counter() - start
            process.returncode = os.waitstatus_to_exitcode(status)
            if process.returncode != 0:
                errors.seek(0)
                tail = errors.read().decode("utf-8", "replace")[-2000:]
                shown = command if isinstance(command, str) else shlex.join(command)
                raise BenchError(f"{shown[:300]} exited {process.returncode}:\n{tail}")
        # wait4 reports the child and every descendant it waited for (the loops' curls).
        rss = int(rss_file.read_text()) if peak_memory else None
        return Sample(wall, usage.ru_utime + usage.ru_stime, rss)

    def audit(self, variant: Variant) -> None:
        """The run made exactly the requests it should, and every one was answered 2xx."""
        with self.sandbox.lock:
            made = list(self.sandbox.requests)
            self.sandbox.requests.clear()
            crashes = list(self.sandbox.errors)
        failed = [f"{r.method} {r.path} -> {r.status}" for r in made if not (r.status and 200 <= r.status < 300)]
        if crashes or failed or len(made) != variant.requests:
            raise BenchError(
                f"{variant.name}: expected {variant.requests} requests answered 2xx, got {len(made)}"
                + (f"; failed: {failed[:5]}" if failed else "")
                + (f"; sandbox errors: {crashes[:1]}" if crashes else "")
            )

    def run(self, variant: Variant, check: bool = False) -> Sample:
        if variant.before:
            variant.before()
        if check:
            with tempfile.TemporaryFile(dir=self.workdir) as out:
                sample = self.spawn(variant.command, stdout=out, peak_memory=variant.peak_memory)
                out.seek(0)
                output = out.read()
            variant.output_size = len(output)
            if variant.validate:
                try:
                    variant.validate(output)
                except (ValueError, KeyError, TypeError, AssertionError) as problem:
                    raise BenchError(f"{variant.name}: unexpected output ({problem!r}): {output[:300]!r}") from None
        else:
            sample = self.spawn(variant.command, peak_memory=variant.peak_memory)
        self.audit(variant)
        if variant.after:
            variant.after()
        return sample

    def measure(self, title: str, variants: list[Variant], rounds: int) -> dict[str, list[Sample]]:
        """One untimed, checked warm-up run each, then `rounds` interleaved rounds."""
        progress(f"{title}: warm-up")
        for variant in variants:
            self.run(variant, check=True)
        samples: dict[str, list[Sample]] = {v.name: [] for v in variants}
        self.raw[title] = samples
        started = time.perf_counter()
        for number in range(rounds):
            progress(f"{title}: round {number + 1}/{rounds} ({time.perf_counter() - started:.0f} s)")
            shift = number % len(variants)
            for variant in variants[shift:] + variants[:shift]:
                if variant.max_rounds is not None and number >= variant.max_rounds:
                    continue
                for _ in range(variant.repeat):
                    samples[variant.name].append(self.run(variant))
        return samples

    # -- commands

    def script(self, name: str, *args: str) -> list[str]:
        return [PYTHON, str(SCRIPTS_DIR / f"{name}.py"), *args]

    def plain_curl(self, method: str, path: str, body: str | None = None, jq: str | None = None) -> str:
        """The plain curl way, as a person would type it: write the JSON file,
        then curl with $(printenv ...) for every setting. The file is written with printf, a bash
        builtin, so writing it costs the curl call next to nothing."""
        url = f'"$(printenv CHATWOOT_BASE_URL)/api/v1/accounts/$(printenv CHATWOOT_ACCOUNT_ID){path}"'
        line = f'curl -s -X {method} {url} -H "api_access_token: $(printenv CHATWOOT_API_TOKEN)"'
        if body is not None:
            quoted = shlex.quote(str(self.request_file))
            line = (
                f"printf '%s\\n' {shlex.quote(body)} > {quoted}\n"
                f'{line} -H "Content-Type: application/json" -d @{quoted}'
            )
        if jq is not None:
            line += f" | jq {shlex.quote(jq)}"
        return line


# --------------------------------------------------------------------------- statistics and tables


def median(values: list[float]) -> float:
    return statistics.median(values)


def iqr(values: list[float]) -> float:
    if len(values) < 2:
        return 0.0
    low, _, high = statistics.quantiles(values, n=4, method="inclusive")
    return high - low


def table(headers: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(str(row[i])) for row in [headers, *rows]) for i in range(len(headers))]

    def line(cells: list[str]) -> str:
        first = str(cells[0]).ljust(widths[0])
        rest = [str(cell).rjust(width) for cell, width in zip(cells[1:], widths[1:])]
        return "  ".join([first, *rest]).rstrip()

    return [line(headers), line(["-" * w for w in widths]), *[line(row) for row in rows]]


def ratio_interval(top: list[float], bottom: list[float], level: float = 0.90) -> tuple[float, float]:
    """A bootstrap interval for median(top) / median(bottom), resampling whole rounds
    (top[i] and bottom[i] ran in the same round, so they keep together)."""
    rng = random.Random(20260202)
    rounds = range(len(top))
    ratios = sorted(
        median([top[i] for i in pick]) / median([bottom[i] for i in pick])
        for pick in (rng.choices(rounds, k=len(top)) for _ in range(BOOTSTRAP))
    )
    tail = (1 - level) / 2
    return ratios[int(tail * len(ratios))], ratios[int((1 - tail) * len(ratios)) - 1]


def ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}x" if b else "-"


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


# --------------------------------------------------------------------------- checks of outputs


def expect_json(check: Callable[[Any], bool]) -> Callable[[bytes], None]:
    def validate(output: bytes) -> None:
        if not check(json.loads(output)):
            raise ValueError("the JSON is not what this variant should print")

    return validate


def expect_nothing(output: bytes) -> None:
    if output.strip():
        raise ValueError("a floor prints nothing")


def json_documents(output: bytes) -> list:
    """Every JSON document in a stream of them (a loop's outputs, one after another)."""
    text, decoder, documents, at = output.decode("utf-8"), json.JSONDecoder(), [], 0
    while True:
        while at < len(text) and text[at].isspace():
            at += 1
        if at == len(text):
            return documents
        document, at = decoder.raw_decode(text, at)
        documents.append(document)


def expect_documents(count: int) -> Callable[[bytes], None]:
    def validate(output: bytes) -> None:
        found = len(json_documents(output))
        if found != count:
            raise ValueError(f"expected {count} JSON documents, got {found}")

    return validate


def expect_conversations(count: int) -> Callable[[bytes], None]:
    """list_conversations.py's output: a page envelope (--all) or an array (--summary) of `count`."""

    def validate(output: bytes) -> None:
        document = json.loads(output)
        items = document if isinstance(document, list) else document["data"]["payload"]
        if len(items) != count or len({item["id"] for item in items}) != count:
            raise ValueError(f"{len(items)} conversations, expected {count} different ones")

    return validate


# --------------------------------------------------------------------------- the sections


def per_call(
    bench: Bench, rounds: int, latency: float
) -> tuple[list[str], dict[str, tuple[float, float, float, float]]]:
    sandbox = bench.sandbox
    sandbox.latency = latency
    sandbox.reset()
    text_json = json.dumps({"content": MESSAGE, "message_type": "outgoing", "private": False})
    floor_read = Variant("floor: python -c 'import requests'", [PYTHON, "-c", "import requests"], requests=0)
    floor_write = Variant(
        "floor: python -c 'import requests, jinja2'", [PYTHON, "-c", "import requests, jinja2"], requests=0
    )
    for bare in (floor_read, floor_write):
        bare.validate = expect_nothing
    read = Variant(
        "get_conversation.py 1",
        bench.script("get_conversation", "1"),
        requests=1,
        validate=expect_json(lambda d: d["id"] == 1),
    )
    curl_read = Variant(
        "plain curl: GET /conversations/1",
        bench.plain_curl("GET", "/conversations/1"),
        requests=1,
        validate=expect_json(lambda d: d["id"] == 1),
    )
    send = Variant(
        "send_message.py 1 TEXT",
        bench.script("send_message", "1", MESSAGE),
        requests=1,
        validate=expect_json(lambda d: d["content"] == MESSAGE),
    )
    curl_send = Variant(
        "plain curl: write file; POST /conversations/1/messages",
        bench.plain_curl("POST", "/conversations/1/messages", text_json),
        requests=1,
        validate=expect_json(lambda d: d["content"] == MESSAGE),
    )
    status = Variant(
        "set_status.py 2 resolved",
        bench.script("set_status", "2", "resolved"),
        requests=1,
        validate=expect_json(lambda d: d["payload"]["current_status"] == "resolved"),
    )
    curl_status = Variant(
        "plain curl: write file; POST /conversations/2/toggle_status",
        bench.plain_curl("POST", "/conversations/2/toggle_status", '{"status": "resolved"}'),
        requests=1,
        validate=expect_json(lambda d: d["payload"]["current_status"] == "resolved"),
    )
    variants = [floor_read, read, curl_read, floor_write, send, curl_send, status, curl_status]
    samples = bench.measure(f"per call, latency {latency * 1000:g} ms", variants, rounds)
    wall = {name: median([s.wall for s in runs]) for name, runs in samples.items()}
    groups = [
        ("read", [(floor_read, None, None), (read, floor_read, curl_read), (curl_read, None, None)]),
        (
            "write",
            [
                (floor_write, None, None),
                (send, floor_write, curl_send),
                (curl_send, None, None),
                (status, floor_write, curl_status),
                (curl_status, None, None),
            ],
        ),
    ]
    cpu = {name: median([s.cpu for s in runs]) for name, runs in samples.items()}
    rows = []
    ratios: dict[str, tuple[float, float, float, float]] = {}
    for group, members in groups:
        rows.append([group])
        for variant, floor, curl in members:
            walls = [s.wall for s in samples[variant.name]]
            row = ["  " + variant.name, f"{wall[variant.name] * 1000:.1f}", f"{iqr(walls) * 1000:.1f}", "", "", "", ""]
            if floor:
                low, high = ratio_interval(walls, [s.wall for s in samples[floor.name]])
                over = wall[variant.name] / wall[floor.name]
                ratios[variant.name.split(" ")[0]] = (over, low, high, cpu[variant.name] / cpu[floor.name])
                row[3:6] = [
                    f"{(wall[variant.name] - wall[floor.name]) * 1000:+.1f}",
                    f"{over:.2f}x",
                    f"{low:.2f}-{high:.2f}",
                ]
            if curl:
                row[6] = ratio(wall[variant.name], wall[curl.name])
            row += [f"{cpu[variant.name] * 1000:.0f}", ratio(cpu[variant.name], cpu[floor.name]) if floor else ""]
            rows.append(row)
    headers = [
        "variant",
        "median ms",
        "IQR ms",
        "over floor ms",
        "/ floor",
        "90% CI",
        "/ curl",
        "cpu ms",
        "cpu / floor",
    ]
    lines = [
        f"1{'a' if latency else 'b'}. Per call, server latency {latency * 1000:g} ms: median of {rounds} interleaved rounds",
        *table(headers, [row + [""] * (len(headers) - len(row)) for row in rows]),
    ]
    return lines, ratios


def bulk(bench: Bench, rounds: int, latency: float) -> tuple[list[str], dict[str, float]]:
    sandbox = bench.sandbox
    sandbox.latency = latency
    sandbox.reset()
    with sandbox.lock:
        ids = [c["id"] for c in sandbox.conversations.values() if c["status"] == "open" and c["id"] > 30]
    ids = sorted(ids)[:BULK_COUNT]
    if len(ids) != BULK_COUNT:
        raise BenchError(f"the bulk sandbox has {len(ids)} extra open conversations, not {BULK_COUNT}")
    listed = ",".join(map(str, ids))
    spaced = " ".join(map(str, ids))

    def all_resolved() -> None:
        with sandbox.lock:
            left = [i for i in ids if sandbox.conversations[i]["status"] != "resolved"]
        if left:
            raise BenchError(f"{len(left)} of the {BULK_COUNT} conversations are not resolved after the run")

    def bulk_ok(output: bytes) -> None:
        results = json.loads(output)
        if len(results) != BULK_COUNT or not all(r["ok"] for r in results):
            raise ValueError("not 100 ok results")

    hooks: dict[str, Any] = {"before": sandbox.reset, "after": all_resolved}
    call_4 = Variant(
        f"set_status.py ID,ID,... resolved (one bulk call, {BULK_COUNT} ids, --parallel 4)",
        bench.script("set_status", listed, "resolved"),
        requests=BULK_COUNT,
        validate=bulk_ok,
        repeat=BULK_REPEAT,
        **hooks,
    )
    call_8 = Variant(
        f"set_status.py ID,ID,... resolved --parallel 8 (one bulk call, {BULK_COUNT} ids)",
        bench.script("set_status", listed, "resolved", "--parallel", "8"),
        requests=BULK_COUNT,
        validate=bulk_ok,
        repeat=BULK_REPEAT,
        **hooks,
    )
    script_loop = Variant(
        f"shell loop: set_status.py ID resolved, {BULK_COUNT} times",
        f"for id in {spaced}; do {shlex.quote(PYTHON)} {shlex.quote(str(SCRIPTS_DIR / 'set_status.py'))} "
        '"$id" resolved; done',
        requests=BULK_COUNT,
        validate=expect_documents(BULK_COUNT),
        max_rounds=SCRIPT_LOOP_ROUNDS,
        **hooks,
    )
    curl_call = bench.plain_curl("POST", "/conversations/$id/toggle_status", '{"status": "resolved"}')
    curl_loop = Variant(
        f"shell loop: plain curl, {BULK_COUNT} times",
        f"for id in {spaced}; do\n{curl_call}\ndone",
        requests=BULK_COUNT,
        validate=expect_documents(BULK_COUNT),
        **hooks,
    )
    variants = [call_4, call_8, script_loop, curl_loop]
    samples = bench.measure(f"bulk, latency {latency * 1000:g} ms", variants, rounds)
    wall = {name: median([s.wall for s in runs]) for name, runs in samples.items()}
    curl_wall = wall[curl_loop.name]
    rows = []
    for variant in variants:
        runs = samples[variant.name]
        walls = [s.wall for s in runs]
        rows.append(
            [
                variant.name,
                str(len(runs)),
                f"{median(walls):.2f}",
                f"{iqr(walls):.2f}",
                f"{median([s.cpu for s in runs]):.2f}",
                f"{curl_wall / wall[variant.name]:.2f}x",
            ]
        )
    speedups = {"parallel 4": curl_wall / wall[call_4.name], "parallel 8": curl_wall / wall[call_8.name]}
    rounds_of_latency = -(-BULK_COUNT // 4)
    lines = [
        f"2. Bulk: resolve {BULK_COUNT} open conversations, server latency {latency * 1000:g} ms: "
        f"median of {rounds} interleaved rounds (bulk calls {BULK_REPEAT} times a round, the script loop in the first "
        f"{SCRIPT_LOOP_ROUNDS}; state reset before each run)",
        *table(["variant", "runs", "median s", "IQR s", "cpu s", "curl loop / this"], rows),
        f"target: one bulk call at --parallel 8 at least {BULK_GOAL:g}x faster than the curl loop: "
        f"{speedups['parallel 8']:.2f}x, {verdict(speedups['parallel 8'] >= BULK_GOAL)}; "
        f"at the default --parallel 4: {speedups['parallel 4']:.2f}x "
        f"({rounds_of_latency} rounds of {latency * 1000:g} ms bound it)",
    ]
    return lines, speedups


def paging(bench: Bench, rounds: int, latency: float) -> list[str]:
    sandbox = bench.sandbox
    sandbox.latency = latency
    sandbox.reset()

    def curl_loop(jq: str | None) -> str:
        curl_call = bench.plain_curl("GET", "/conversations?status=open&page=$page", jq=jq)
        return f"for page in $(seq 1 {PAGES}); do\n{curl_call}\ndone"

    variants = [
        Variant(
            "list_conversations.py --all",
            bench.script("list_conversations", "--all"),
            requests=PAGES,
            validate=expect_conversations(PAGING_OPEN),
        ),
        Variant(
            f"curl loop over pages 1..{PAGES} (raw pages)",
            curl_loop(None),
            requests=PAGES,
            validate=expect_documents(PAGES),
        ),
        Variant(
            "list_conversations.py --all --summary",
            bench.script("list_conversations", "--all", "--summary"),
            requests=PAGES,
            validate=expect_conversations(PAGING_OPEN),
        ),
        Variant(
            f"curl loop over pages 1..{PAGES} | jq (a jq filter)",
            curl_loop(".data.payload[] | {id, status, contact: .meta.sender.name}"),
            requests=PAGES,
            validate=expect_documents(PAGING_OPEN),
        ),
    ]
    samples = bench.measure(f"paging, latency {latency * 1000:g} ms", variants, rounds)
    wall = {name: median([s.wall for s in runs]) for name, runs in samples.items()}
    pairs = {variants[0].name: variants[1].name, variants[2].name: variants[3].name}
    rows = []
    for variant in variants:
        runs = samples[variant.name]
        walls = [s.wall for s in runs]
        curl = pairs.get(variant.name)
        rows.append(
            [
                variant.name,
                f"{median(walls):.2f}",
                f"{iqr(walls):.2f}",
                f"{median([s.cpu for s in runs]):.2f}",
                f"{wall[curl] / wall[variant.name]:.2f}x" if curl else "",
            ]
        )
    return [
        f"3. Paging: {PAGING_OPEN} open conversations = {PAGES} pages of {PAGE_SIZE}, server latency "
        f"{latency * 1000:g} ms: median of {rounds} interleaved rounds (the curl loops are told the page count)",
        *table(["variant", "median s", "IQR s", "cpu s", "curl loop / this"], rows),
    ]


SUMMARY_GOAL = 10 * 1024  # bytes: a page of 25 conversations as --summary, small enough to read whole


def size(bench: Bench) -> tuple[list[str], int]:
    """How much an agent reads for one page of 25 open conversations: the full page and --summary."""
    bench.sandbox.latency = 0.0
    bench.sandbox.reset()
    sizes = {}
    for name, args in (("full page", ()), ("--summary", ("--summary",))):
        command = bench.script("list_conversations", "--status", "open", *args)
        completed = subprocess.run(command, capture_output=True, env=bench.env, timeout=120)
        if completed.returncode != 0 or len(json_documents(completed.stdout)) != 1:
            raise BenchError(f"list_conversations.py {' '.join(args)} failed: {completed.stderr.decode()[-500:]}")
        sizes[name] = len(completed.stdout)
    rows = [[name, f"{value:,}", f"{value / 1024:.1f}"] for name, value in sizes.items()]
    lines = [
        "5. Size: list_conversations.py --status open, one page of 25 conversations (what an agent reads)",
        *table(["variant", "bytes", "KB"], rows),
        f"  --summary is {sizes['full page'] / sizes['--summary']:.1f}x smaller than the full page",
    ]
    return lines, sizes["--summary"]


def memory(bench: Bench, rounds: int) -> list[str]:
    sandbox = bench.sandbox
    sandbox.latency = 0.0  # memory does not depend on it, and 200 pages at 50 ms would add 10 s a run
    sandbox.reset()
    pages = -(-MEMORY_OPEN // PAGE_SIZE)  # the walk stops at Chatwoot's count: no request for an empty page

    floor = Variant(
        "floor: python -c 'import requests'",
        [PYTHON, "-c", "import requests"],
        requests=0,
        validate=expect_nothing,
        peak_memory=True,
    )
    variants = [
        floor,
        Variant(
            "list_conversations.py --all",
            bench.script("list_conversations", "--all"),
            requests=pages,
            validate=expect_conversations(MEMORY_OPEN),
            peak_memory=True,
        ),
        Variant(
            "list_conversations.py --all --summary",
            bench.script("list_conversations", "--all", "--summary"),
            requests=pages,
            validate=expect_conversations(MEMORY_OPEN),
            peak_memory=True,
        ),
    ]
    samples = bench.measure("memory, latency 0", variants, rounds)
    peak = {name: median([s.rss_kib for s in runs]) / 1024 for name, runs in samples.items()}
    rows = [
        [
            variant.name,
            f"{peak[variant.name]:.1f}",
            ratio(peak[variant.name], peak[floor.name]),
            f"{variant.output_size / 2**20:.1f}",
            f"{median([s.wall for s in samples[variant.name]]):.2f}",
        ]
        for variant in variants
    ]
    return [
        f"4. Peak memory: --all over {MEMORY_OPEN} open conversations ({pages} requests), server latency 0: "
        f"median of {rounds} interleaved rounds (peak RSS: ru_maxrss of the process, forked from a small wrapper)",
        *table(["variant", "peak MiB", "/ floor", "stdout MiB", "wall s (+ the wrapper's start)"], rows),
    ]


# --------------------------------------------------------------------------- the machine


def code_state() -> tuple[str, str]:
    """What is measured: the git commit (and whether scripts/ or templates/ differ from it),
    and a digest of those files' contents, to notice an edit during the run."""
    digest = hashlib.sha256()
    for path in sorted([*SCRIPTS_DIR.glob("*.py"), *(SKILL_DIR / "templates").glob("*")]):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    try:
        head = subprocess.run(
            ["git", "-C", str(SKILL_DIR), "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(SKILL_DIR), "status", "--porcelain", "--", "scripts", "templates"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        described = f"git {head}" + (" + uncommitted changes in scripts/ or templates/" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        described = "not a git checkout"
    return described, digest.hexdigest()[:12]


def usable_cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def machine() -> list[str]:
    model = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    versions = []
    for package in ("requests", "jinja2"):
        try:
            versions.append(f"{package} {metadata.version(package)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{package} missing")
    for tool in ("curl", "bash"):
        first = subprocess.run([tool, "--version"], capture_output=True, text=True).stdout.splitlines()[0]
        number = re.search(r"[0-9]+\.[0-9]+(\.[0-9]+)?", first)
        versions.append(f"{tool} {number.group(0) if number else '?'}")
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return [
        f"date: {datetime.now(timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}",
        f"machine: {model}, {usable_cores()} usable cores (of {os.cpu_count()}); {platform.system()} {platform.release()}; "
        f"load average at start {load}",
        f"software: {platform.python_implementation()} {platform.python_version()} ({PYTHON}); {', '.join(versions)}",
    ]


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a few rounds only (a smoke run; writes .bench/quick.txt)")
    parser.add_argument("--only", default=",".join(SECTIONS), help=f"comma-separated sections of {','.join(SECTIONS)}")
    parser.add_argument("--latency", type=float, default=0.05, help="injected server latency in seconds")
    args = parser.parse_args(argv)
    sections = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = set(sections) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown section(s): {', '.join(sorted(unknown))}")
    rounds = QUICK_ROUNDS if args.quick else ROUNDS
    for tool in ("bash", "curl", "jq"):
        if shutil.which(tool) is None:
            parser.error(f"{tool} is needed (the curl calls run through bash, the curl list loop pipes to jq)")
    latency = args.latency

    started = time.perf_counter()
    start_load = os.getloadavg()
    code, digest = code_state()
    report = [
        "chatwoot skill benchmark (make bench)" + (" -- QUICK RUN, too few rounds to quote" if args.quick else ""),
        *machine(),
        f"code: {code} (scripts+templates digest {digest})",
        "method: each variant is a fresh process, wall time from spawn to exit (time.perf_counter); cpu = user+sys",
        "  of its process tree; the sandbox (tests/sandbox/, threaded) runs in the benchmark's process and sleeps",
        "  the latency before each answer. Python variants are exec'd directly, curl calls and loops via bash -c.",
        "  Ratios are of medians; / floor <= 1.15 is the start-up goal (meaningful at latency 0). The 90% CI of a",
        "  ratio is a bootstrap over rounds. cpu time does not count waiting for a core, so it is the steadier",
        "  figure when other work shares the machine.",
    ]
    cores = usable_cores()
    goals: list[str] = []
    raw: dict[str, dict[str, list[Sample]]] = {}
    with tempfile.TemporaryDirectory(prefix="chatwoot_bench_") as temp:
        workdir = Path(temp)
        if "percall" in sections or "bulk" in sections:
            with Sandbox(extra_conversations=BULK_COUNT) as sandbox:
                bench = Bench(sandbox, workdir, raw)
                if "percall" in sections:
                    lines, _ = per_call(bench, rounds["percall"], latency)
                    report += ["", *lines]
                    lines, ratios = per_call(bench, rounds["percall"], 0.0)  # start-up alone
                    report += ["", *lines]
                    goals.append(
                        f"goal: a script's median within {START_UP_GOAL}x of its floor at latency 0: "
                        + "; ".join(
                            f"{name} {value:.2f}x (90% CI {low:.2f}-{high:.2f}; cpu {cpu:.2f}x) {verdict(value <= START_UP_GOAL)}"
                            for name, (value, low, high, cpu) in ratios.items()
                        )
                    )
                if "bulk" in sections:
                    lines, speedups = bulk(bench, rounds["bulk"], latency)
                    report += ["", *lines]
                    goals.append(
                        f"target: a bulk call at --parallel 8 at least {BULK_GOAL:g}x faster than the curl loop: "
                        f"{speedups['parallel 8']:.2f}x {verdict(speedups['parallel 8'] >= BULK_GOAL)} "
                        f"(--parallel 4: {speedups['parallel 4']:.2f}x)"
                    )
        if "paging" in sections:
            with Sandbox(extra_conversations=PAGING_OPEN - BASE_OPEN) as sandbox:
                report += ["", *paging(Bench(sandbox, workdir, raw), rounds["paging"], latency)]
        if "memory" in sections:
            with Sandbox(extra_conversations=MEMORY_OPEN - BASE_OPEN) as sandbox:
                report += ["", *memory(Bench(sandbox, workdir, raw), rounds["memory"])]
        if "size" in sections:
            with Sandbox(extra_conversations=PAGE_SIZE - BASE_OPEN) as sandbox:
                lines, summary_bytes = size(Bench(sandbox, workdir, raw))
                report += ["", *lines]
                goals.append(
                    f"target: a page of 25 conversations as --summary under {SUMMARY_GOAL // 1024} KB: "
                    f"{summary_bytes / 1024:.1f} KB {verdict(summary_bytes < SUMMARY_GOAL)}"
                )
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    report += [
        "",
        *goals,
        f"total benchmark time: {time.perf_counter() - started:.0f} s; load average at the end {load}",
    ]
    if code_state()[1] != digest:
        report.append("WARNING: scripts/ or templates/ changed during the run: the sections measured different code")
    if max(start_load[0], os.getloadavg()[1]) > cores / 2:
        report.append(
            f"note: other work shared the {cores} cores during this run (load averages above); the wall medians "
            "carry that noise, the cpu columns much less"
        )

    text = "\n".join(report) + "\n"
    sys.stdout.write(text)
    BENCH_DIR.mkdir(exist_ok=True)
    target = BENCH_DIR / ("quick.txt" if args.quick else "latest.txt")
    target.write_text(text, encoding="utf-8")
    samples = {
        section: {name: [[s.wall, s.cpu, s.rss_kib] for s in runs] for name, runs in variants.items()}
        for section, variants in raw.items()
    }
    target.with_suffix(".json").write_text(json.dumps({"samples [wall s, cpu s, peak KiB]": samples}, indent=1))
    progress(f"written to {target.relative_to(SKILL_DIR)} (and every sample to {target.with_suffix('.json').name})")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as problem:
        print(f"bench: error: {problem}", file=sys.stderr)
        sys.exit(1)
