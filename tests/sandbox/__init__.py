"""A local, stateful, Chatwoot-compatible HTTP server (the "sandbox").

Used by the test suite, by ``make demo`` / ``make sandbox`` and by the benchmarks.
It mimics the Chatwoot Application API (v4.10.x) as documented in
``reference/chatwoot-api.md``: envelopes, key orders, error shapes, page sizes,
display ids and the known quirks.

Library use (with ``tests/`` on ``sys.path``, as conftest.py sets it)::

    with Sandbox() as sb:
        requests.get(sb.url + "/api/v1/accounts/1/contacts",
                     headers={"api_access_token": sb.TOKEN})

Command line (foreground; Ctrl-C or SIGTERM stops it)::

    cd tests && python -m sandbox [--port N] [--latency SECONDS] [--extra-conversations N] [--quiet]

Only the standard library, werkzeug and pytest-httpserver are used.

One concern a file; ``Sandbox`` is one class made of a mixin per concern, which share its state
through ``self``. Imports run one way (each file imports only those above it):

- ``helpers.py``: errors, message types and the casts shared by several files.
- ``store.py``: the records' writes (ids, clock, contact inboxes, conversations, messages).
- ``access.py``: who may see what, and the 404/401 lookups of the records a request names.
- ``seed.py``: the deterministic seed data and the seeding (``reset()`` runs it again).
- ``views.py``: the JSON renderers, as Chatwoot's jbuilder views write them.
- ``filtering.py``: the filter engine of ``POST .../filter`` (keys, checks, predicates).
- ``contacts.py``, ``conversations.py``, ``catalog.py``: the request handlers, by resource.
- ``routes.py``: the route table.
- ``server.py``: the ``Sandbox`` class: lifecycle, recording, faults, dispatch, authentication.
- ``__main__.py``: the command line.
"""

from .server import RecordedRequest, Sandbox

__all__ = ["RecordedRequest", "Sandbox"]
