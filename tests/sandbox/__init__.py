"""A local, stateful, Chatwoot-compatible HTTP server (the "sandbox").

Used by the test suite, by ``make demo`` / ``make sandbox`` and by the benchmarks.
It mimics the Chatwoot Application API (v4.10.x) as documented in
``reference/chatwoot-api.md`` and ``reference/chatwoot-api-more.md``: envelopes, key orders,
error shapes, page sizes, display ids and the known quirks.

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
- ``store.py``: the records' writes (ids, clock, contact inboxes, conversations, messages, status
  changes) and the reporting events Chatwoot's listeners record on them.
- ``activity.py``: the seeded fortnight (resolved conversations of the last 14 days, their events, CSAT).
- ``access.py``: who may see what, and the 404/401 lookups of the records a request names.
- ``seed.py``: the deterministic seed data and the seeding (``reset()`` runs it again).
- ``jobs.py``: the background job queue (``perform_later``; ``run_jobs()``).
- ``views.py``: the JSON renderers, as Chatwoot's jbuilder views write them.
- ``filtering.py``: the filter engine of ``POST .../filter`` (keys, checks, predicates).
- ``contacts.py``, ``conversations.py``, ``catalog.py``: the request handlers, by resource.
- ``contact_extras.py``: contact merge and contact notes.
- ``csat.py``: CSAT survey responses and their metrics.
- ``reports.py``: reports v2 (time series, summaries, summary tables), computed from the state.
- ``helpcenter.py``: portals, articles and the article search, with their seed.
- ``webhooks.py``: account webhooks, with their seed.
- ``macros.py``: macros, with their seed, and the job that executes one.
- ``routes.py``: the route table.
- ``server.py``: the ``Sandbox`` class: lifecycle, recording, faults, dispatch, authentication.
- ``__main__.py``: the command line.
"""

from .server import RecordedRequest, Sandbox

__all__ = ["RecordedRequest", "Sandbox"]
