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

    cd tests && python -m sandbox [--port N] [--latency SECONDS] [--extra-conversations N]
                                  [--conversations-per-page N] [--quiet]

Besides the standard library it uses werkzeug, pytest-httpserver and python-liquid (the Liquid engine).

Tokens: ``Sandbox.TOKEN`` (administrator), ``Sandbox.AGENT_TOKEN`` (the second, agent-role token),
``Sandbox.BOT_TOKEN`` (an agent bot). Tests inject time with ``sb.clock`` and rate limits with
``Sandbox(rate_limit=...)`` / ``sb.throttle(...)``; see the ``Sandbox`` docstring for the state.

One concern a file; ``Sandbox`` is one class made of a mixin per concern, which share its state
through ``self``. Imports run one way (each file imports only those above it):

- ``helpers.py``: errors, message types and the casts shared by several files.
- ``liquid.py``: Liquid in outgoing messages (a model of Ruby Liquid 5.4's parser, python-liquid to
  render, Chatwoot's drops); ``render_message()`` and ``ruby_liquid_syntax_error()`` serve other tests too.
- ``store.py``: the records' writes (ids, clock, contact inboxes, conversations, messages with their
  Liquid and processed_message_content, status changes) and the reporting events Chatwoot's
  listeners record on them.
- ``activity.py``: the seeded fortnight (resolved conversations of the last 14 days, their events, CSAT).
- ``access.py``: who may see what (policies, permission filter, agent bots), and the 404/401 lookups.
- ``assignment.py``: assignee, agent bot and team changes (AssignmentService, AssignmentHandler).
- ``seed.py``: the deterministic seed data and the seeding (``reset()`` runs it again).
- ``jobs.py``: the background job queue (``perform_later``; ``run_jobs()``).
- ``views.py``: the JSON renderers, as Chatwoot's jbuilder views write them.
- ``filtering.py``: the filter engine of ``POST .../filter`` (keys, checks, the SQL's semantics).
- ``contacts.py``, ``conversations.py``, ``catalog.py``: the request handlers, by resource.
- ``contact_extras.py``: contact merge and contact notes.
- ``csat.py``: CSAT survey responses and their metrics.
- ``reports.py``: reports v2 (time series, summaries, summary tables), computed from the state.
- ``helpcenter.py``: portals, articles and the article search, with their seed.
- ``webhooks.py``: account webhooks, with their seed.
- ``macros.py``: macros, with their seed, and the job that executes one.
- ``routes.py``: the route table, and the handlers an agent bot's token may call.
- ``ratelimit.py``: Rack::Attack's throttles (fixed windows on the sandbox's clock, 429 "Retry later").
- ``server.py``: the ``Sandbox`` class: lifecycle, recording, faults, throttles, jobs, dispatch, authentication.
- ``__main__.py``: the command line.
"""

from .server import RecordedRequest, Sandbox

__all__ = ["RecordedRequest", "Sandbox"]
