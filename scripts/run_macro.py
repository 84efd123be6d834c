#!/usr/bin/env python3
# /// script
# requires-python = ">=3.9"
# dependencies = ["requests>=2.28,<3", "jinja2>=3.0,<4"]
# ///
"""Run a macro (its saved actions: labels, notes, status, assignment…) on one or more conversations.

Example:
  python3 scripts/run_macro.py "Close as refunded" 42
  python3 scripts/run_macro.py 3 101,102,103
  python3 scripts/list_conversations.py --label refund --summary | python3 scripts/run_macro.py "Close as refunded" -
Prints {"macro": {"id", "name"}, "conversation_ids": [...], "queued": true}. The macro (an id or
a name, from macros.py) and every conversation are checked first: Chatwoot itself answers 200 for
a macro that does not exist and skips unknown conversations without a word. Chatwoot runs the
actions in the background a moment later and reports nothing back, so the result is "queued", not
done: check a conversation with get_conversation.py afterwards.
"""

from concurrent.futures import ThreadPoolExecutor

from chatwoot_cli import Command, add_conversation_ids, warn
from chatwoot_client import ApiError, UsageError
from chatwoot_names import Kind, resolve

MACRO = Kind("macro", "/macros", ("name",), "macros.py")


def arguments(parser):
    parser.add_argument("macro", metavar="MACRO", help="the macro's id or name (macros.py lists them)")
    add_conversation_ids(parser, fan_out=False)


def run(args, api):
    macro = resolve(api, MACRO, args.macro)
    ids = list(dict.fromkeys(args.conversation_ids))
    with ThreadPoolExecutor(max_workers=4) as pool:
        missing = [number for number, found in zip(ids, pool.map(lambda n: exists(api, n), ids)) if not found]
    if missing:
        raise UsageError(
            f"no conversation {', '.join(map(str, missing))} in this account (list_conversations.py; the ids are the "
            "numbers shown in Chatwoot's UI); the macro was not run"
        )
    api.send("POST", f"/macros/{macro['id']}/execute", "execute_macro", empty_ok=True, conversation_ids=ids)
    warn(f"macro {macro['id']} queued for {len(ids)} conversation(s): Chatwoot applies it in the background and says "
         "nothing of the result; check with get_conversation.py")  # fmt: skip
    return {"macro": {"id": macro["id"], "name": macro.get("name")}, "conversation_ids": ids, "queued": True}


def exists(api, number: int) -> bool:
    try:
        api.request("GET", f"/conversations/{number}", explain=False)
    except ApiError as problem:
        if problem.status == 404:
            return False
        raise
    return True


command = Command(__doc__, arguments, run, writes=True)

if __name__ == "__main__":
    command.exit()
