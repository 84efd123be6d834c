"""The command line: ``python -m sandbox`` runs it in the foreground and prints the three export lines."""

from __future__ import annotations

import argparse
import signal
import sys
import threading

from .server import Sandbox


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m sandbox", description="Run the Chatwoot sandbox in the foreground."
    )
    parser.add_argument("--port", type=int, default=0, help="port to listen on (default: a free port)")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds to wait before each answer")
    parser.add_argument("--extra-conversations", type=int, default=0, help="extra open conversations to seed")
    parser.add_argument(
        "--conversations-per-page",
        type=int,
        default=25,
        help="GET /conversations page size (Chatwoot's CONVERSATION_RESULTS_PER_PAGE; default 25)",
    )
    parser.add_argument("--quiet", action="store_true", help="do not log each request to stderr")
    args = parser.parse_args(argv)

    stop = threading.Event()

    def on_signal(signum: int, frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    sandbox = Sandbox(
        latency=args.latency,
        extra_conversations=args.extra_conversations,
        port=args.port,
        log_requests=not args.quiet,
        conversations_per_page=args.conversations_per_page,
    )
    try:
        sandbox.start()
    except OSError as exc:
        print(f"error: cannot listen on 127.0.0.1:{args.port}: {exc}", file=sys.stderr)
        return 1
    for key, value in sandbox.env().items():
        print(f"export {key}={value}")
    sys.stdout.flush()
    print(f"Chatwoot sandbox listening on {sandbox.url}; press Ctrl-C to stop.", file=sys.stderr)
    sys.stderr.flush()
    try:
        while not stop.wait(0.1):
            pass
    finally:
        sandbox.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
