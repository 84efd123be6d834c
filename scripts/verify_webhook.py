#!/usr/bin/env python3
# /// script
# requires-python = ">=3.9"
# dependencies = ["requests>=2.28,<3", "jinja2>=3.0,<4"]
# ///
"""Check that a webhook really came from Chatwoot: its X-Chatwoot-Signature, in constant time.

Example:
  python3 scripts/verify_webhook.py --secret-env CHATWOOT_WEBHOOK_SECRET \\
      --timestamp "$TS_HEADER" --signature "$SIG_HEADER" body.json
Chatwoot signs "{X-Chatwoot-Timestamp}.{raw body}" with HMAC-SHA256 and the webhook's secret:
account webhooks from Chatwoot 4.11.2 (PR #13573, a secret per webhook), API-inbox and agent-bot
webhooks from 4.13.0 (PR #13892). Older servers send no signature at all, so there is nothing to
check. Pass the raw body exactly as received (a file, or - for stdin). The secret is read from the
environment variable named by --secret-env, never from the command line. Sends nothing.
Prints {"valid": true} and exits 0, or {"valid": false, "reason": ...} and exits 1.
"""

import hashlib
import hmac
import os
import re
import sys
import time
from pathlib import Path

from chatwoot_cli import Command, Outcome
from chatwoot_client import ConfigError, UsageError


def arguments(parser):
    parser.add_argument(
        "--secret-env", required=True, metavar="VAR", help="environment variable holding the webhook secret"
    )
    parser.add_argument("--timestamp", required=True, help="the X-Chatwoot-Timestamp header (unix seconds)")
    parser.add_argument("--signature", required=True, help="the X-Chatwoot-Signature header: sha256=HEX")
    parser.add_argument(
        "body", nargs="?", default="-", metavar="BODY_FILE", help="the raw request body; - (default) reads stdin"
    )
    parser.add_argument(
        "--max-age",
        type=int,
        default=300,
        metavar="SECONDS",
        help="reject a timestamp older (or further in the future) than this; 0 accepts any age (default 300)",
    )


def run(args, api):
    secret = os.environ.get(args.secret_env, "")
    if not secret:
        raise ConfigError(f"the environment variable {args.secret_env} (--secret-env) is not set or empty")
    if not re.fullmatch(r"[0-9]{1,12}", args.timestamp.strip()):
        raise UsageError(f"--timestamp must be the X-Chatwoot-Timestamp header, unix seconds; got {args.timestamp!r}")
    match = re.fullmatch(r"sha256=([0-9a-fA-F]{64})", args.signature.strip())
    if not match:
        raise UsageError(f"--signature must look like sha256=<64 hex digits>; got {args.signature[:20]!r}")
    try:
        body = sys.stdin.buffer.read() if args.body == "-" else Path(args.body).read_bytes()
    except OSError as problem:
        raise UsageError(f"BODY_FILE {args.body}: cannot read it ({problem.strerror or problem})") from None
    timestamp = args.timestamp.strip()
    expected = hmac.new(secret.encode("utf-8"), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, match.group(1).lower()):
        return Outcome({"valid": False, "reason": "signature does not match"}, ["invalid webhook signature"])
    age = abs(time.time() - int(timestamp))
    if args.max_age and age > args.max_age:
        reason = f"timestamp is {int(age)} s away from now (--max-age {args.max_age}); possibly a replay"
        return Outcome({"valid": False, "reason": reason}, [f"stale webhook: {reason}"])
    return {"valid": True}


command = Command(__doc__, arguments, run, needs=())

if __name__ == "__main__":
    command.exit()
