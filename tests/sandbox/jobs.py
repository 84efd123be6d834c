"""Background jobs (ActiveJob's ``perform_later``): queued by a handler, run a moment later or on demand."""

from __future__ import annotations

import threading
import traceback
from typing import Any, Callable

JOB_MODES = ("auto", "manual")


class Jobs:
    """A job queue.

    ``jobs_mode`` "auto" (the default): a timer thread runs the queue ``job_delay`` seconds after each
    enqueue, as Sidekiq would pick the job up. "manual": jobs wait until ``run_jobs()`` is called, so a
    test can look at the state before and after without sleeping. ``run_jobs()`` works in both modes.
    A job that raises is dropped and recorded in ``failed_jobs``; the request that queued it has already
    been answered, so the client never learns of it (as with Chatwoot).
    """

    job_delay = 0.2

    def _init_jobs(self, mode: str) -> None:
        if mode not in JOB_MODES:
            raise ValueError(f"jobs must be one of {JOB_MODES}, not {mode!r}")
        self.jobs_mode = mode
        self.jobs: list[dict[str, Any]] = []
        self.failed_jobs: list[dict[str, Any]] = []
        self._timers: list[threading.Timer] = []

    def _enqueue(self, name: str, perform: Callable[..., Any], **arguments: Any) -> None:
        """``perform_later``: queue ``perform(**arguments)``; ``name`` and ``arguments`` are recorded."""
        self.jobs.append({"name": name, "arguments": arguments, "perform": perform})
        if self.jobs_mode == "auto":
            timer = threading.Timer(self.job_delay, self.run_jobs)
            timer.daemon = True
            self._timers = [t for t in self._timers if t.is_alive()] + [timer]
            timer.start()

    def run_jobs(self) -> int:
        """Run every queued job (and any job they queue) in order; returns how many ran."""
        ran = 0
        with self.lock:
            while self.jobs:
                job = self.jobs.pop(0)
                ran += 1
                try:
                    job["perform"](**job["arguments"])
                except Exception as error:  # the job fails silently, as a Sidekiq job's error is only logged
                    failure = {"name": job["name"], "arguments": job["arguments"], "error": repr(error)}
                    self.failed_jobs.append({**failure, "traceback": traceback.format_exc()})
        return ran

    def _clear_jobs(self) -> None:
        for timer in self._timers:
            timer.cancel()
        self._timers.clear()
        self.jobs.clear()
        self.failed_jobs.clear()
