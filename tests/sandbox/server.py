"""HTTP plumbing: the Sandbox's lifecycle, request recording, faults, dispatch, authentication, parameters."""

from __future__ import annotations

import json
import random
import re
import sys
import threading
import time
import traceback
from dataclasses import dataclass, field
from typing import Any, Callable

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response
from werkzeug.datastructures import MultiDict
from werkzeug.serving import WSGIRequestHandler

from .helpers import _EMPTY, _bots_unauthorized, _Ctx, _Fail, _int_or_none, _not_found, _unauthorized
from .jobs import Jobs
from .ratelimit import THROTTLED_BODY, RateLimiting, Throttle
from .routes import BOT_ACCESSIBLE, Routes
from .seed import Seeding

JSON_CONTENT_TYPE = "application/json; charset=utf-8"


def _json_bytes(obj: Any) -> bytes:
    """Compact JSON, UTF-8, with ActiveSupport's HTML-entity escaping of < > &."""
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
    text = (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )
    return text.encode("utf-8", "replace")


def _rack_params(pairs: Any) -> dict[str, Any]:
    """Turn flat form/query pairs into Rails-style params (``a[]`` lists, ``a[b]`` hashes)."""
    out: dict[str, Any] = {}
    for key, value in pairs:
        match = re.match(r"\A([^\[\]]+)((?:\[[^\[\]]*\])*)\Z", key)
        if not match:
            out[key] = value
            continue
        parts = [match.group(1), *re.findall(r"\[([^\[\]]*)\]", match.group(2))]
        target: Any = out
        for index, part in enumerate(parts):
            last = index == len(parts) - 1
            following = None if last else parts[index + 1]
            if last:
                if isinstance(target, list):
                    target.append(value)
                else:
                    target[part] = value
                break
            if following == "":
                existing = target.get(part) if isinstance(target, dict) else None
                if not isinstance(existing, list):
                    existing = []
                    target[part] = existing
                existing.append(value)
                break
            existing = target.get(part) if isinstance(target, dict) else None
            if not isinstance(existing, dict):
                existing = {}
                target[part] = existing
            target = existing
    return out


class _HeaderDict(dict):
    """The raw request headers as sent (original names); lookups ignore case."""

    def _find(self, key: str) -> str | None:
        if dict.__contains__(self, key):
            return key
        lowered = key.lower()
        for existing in self:
            if existing.lower() == lowered:
                return existing
        return None

    def __getitem__(self, key: str) -> str:
        found = self._find(key)
        if found is None:
            raise KeyError(key)
        return dict.__getitem__(self, found)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self._find(key) is not None

    def get(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
        found = self._find(key)
        return default if found is None else dict.__getitem__(self, found)


@dataclass
class RecordedRequest:
    """One request as the sandbox received it.

    ``headers`` holds the headers exactly as sent (so ``"api_access_token" in r.headers`` tells
    the underscore form from ``Api-Access-Token``); lookups are case-insensitive.
    ``json`` is the parsed body when it parses as JSON (whatever the content type), else None.
    ``files`` lists multipart uploads as ``{"field", "filename", "content_type", "size"}``.
    ``status`` is the status code the sandbox answered with.
    """

    method: str
    path: str
    query: MultiDict
    headers: dict[str, str]
    body: bytes
    json: Any = None
    files: list[dict[str, Any]] = field(default_factory=list)
    status: int | None = None

    @property
    def token(self) -> str | None:
        return self.headers.get("api_access_token") or self.headers.get("api-access-token")


@dataclass
class _Fault:
    method: str
    path: re.Pattern[str]
    status: int
    body: bytes
    content_type: str
    times: int
    headers: dict[str, str] | None


class _RequestHandler(WSGIRequestHandler):
    """werkzeug's handler, plus: underscore headers reach the app, quiet or short logs.

    werkzeug's dev server drops every header whose name contains "_" (so ``api_access_token``
    would never arrive). Puma (Chatwoot's server) maps it to ``HTTP_API_ACCESS_TOKEN`` unless
    the hyphenated twin ``Api-Access-Token`` is also present; this handler does the same.
    """

    protocol_version = "HTTP/1.1"

    def make_environ(self) -> dict[str, Any]:
        environ = super().make_environ()
        raw = list(self.headers.items())
        environ["sandbox.raw_headers"] = raw
        for key, value in raw:
            if "_" in key:
                environ.setdefault("HTTP_" + key.upper().replace("-", "_"), value.replace("\r\n", ""))
        return environ

    def date_time_string(self, timestamp: float | None = None) -> str:
        """The Date header, from the sandbox's clock (so a client can find the rate-limit window from it)."""
        sandbox = getattr(self.server, "sandbox", None)
        if timestamp is None and sandbox is not None:
            timestamp = sandbox.clock()
        return super().date_time_string(timestamp)

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        sandbox = getattr(self.server, "sandbox", None)
        if sandbox is not None and sandbox.log_requests:
            sys.stderr.write(f"{self.command} {self.path} -> {code}\n")
            sys.stderr.flush()


class Sandbox(Seeding, Routes, RateLimiting, Jobs):
    """A stateful fake Chatwoot server (see the module docstring).

    Tokens: ``TOKEN`` (Owner Admin, administrator), ``AGENT_TOKEN`` (the second, agent-role token:
    Ana Silva), ``BOT_TOKEN`` (the Triage Bot, an agent bot of account 1).

    Constructor options: ``conversations_per_page`` (GET /conversations' page size, Chatwoot's
    CONVERSATION_RESULTS_PER_PAGE, default 25), ``rate_limit=(limit, period_seconds)`` (a throttle
    on every request, kept across ``reset()``; see ``throttle()`` for more), ``clock`` (a callable
    returning unix seconds, default ``time.time``; also settable as ``sb.clock``, and ``reset()``
    puts the constructor's back): it dates new records, decides "today" for ``days_before``,
    the rate-limit windows and the HTTP Date header.

    Public state (plain dicts and lists; tests may read them directly, hold ``sb.lock`` to
    read while requests are in flight). The internal representation, not the API's:

    - ``accounts[id]``: ``{id, name, status ("active"|"suspended")}``. Account 1 "Acme Support";
      account 2 "Other Co" has no seeded members (-> 401 "not authorized to access this account");
      account 3 "Suspended Co" is suspended (the administrator is a member, as an agent).
    - ``users[id]``: ``{id, name, display_name, email, access_token, pubsub_token, role (in account 1),
      availability, availability_status, auto_offline, custom_attributes, account_ids,
      account_roles ({account id: role}), type ("user")}``.
    - ``agent_bots[id]``: ``{id, name, description, outgoing_url, bot_type, account_id (None for a
      system bot), access_token, inbox_ids, type ("agent_bot")}``: 1 "Triage Bot" (account 1),
      2 "Captain" (system), 3 "Other Co Bot" (account 2).
    - ``inboxes[id]``: raw inbox columns plus ``members`` (user ids) and ``channel`` (extras):
      1 Website (WebWidget), 2 Support API, 3 Email, 4 SMS (all three agents), 5 WhatsApp (Bruno),
      6 Telegram (Ana).
    - ``teams[id]``: ``{id, name, description, allow_auto_assign, account_id, created_at,
      updated_at, members}``.
    - ``canned_responses[id]``, ``labels[id]`` (account labels ``{id, title, description, color,
      show_on_sidebar}``), ``custom_attribute_definitions`` (``[{attribute_key, attribute_model,
      attribute_display_type}]``: the only custom attributes the filters accept).
    - ``contacts[id]``: ``{id, account_id, name, email, phone_number, identifier, blocked,
      additional_attributes, custom_attributes, availability_status, last_activity_at (int or
      None), created_at, labels}``.
    - ``contact_inboxes[id]``: ``{id, contact_id, inbox_id, source_id}``; a contact may have several
      in one API or web-widget inbox (a new one a conversation created without a source id).
    - ``conversations[display_id]``: 1-30 the base seed, then the seeded fortnight (activity.py;
      all resolved), then ``extra_conversations``. ``{id (= display_id), account_id, inbox_id, contact_id,
      contact_inbox_id, uuid, status, assignee_id, assignee_agent_bot_id, team_id, priority,
      snoozed_until, labels, custom_attributes, additional_attributes, created_at, updated_at
      (float), last_activity_at, agent_last_seen_at, assignee_last_seen_at, contact_last_seen_at,
      first_reply_created_at, waiting_since, muted, message_ids (ascending)}``; times are unix
      seconds or None. The internal id (Liquid's ``conversation.id``) is the display id + 1000.
    - ``messages[id]``: ``{id, account_id, conversation_id (display id), inbox_id, content (after
      Liquid), processed_message_content, message_type (int), content_type, status, private,
      source_id, content_attributes, additional_attributes, sender_type ("Contact"|"User"|
      "AgentBot"|None), sender_id, created_at, updated_at, echo_id, attachments}``. Attachment
      dicts carry the public keys plus ``filename``, ``content_type`` and ``data`` (bytes), which
      are not rendered.
    - ``reporting_events``: ``{id, name, value, value_in_business_hours (float seconds), account_id,
      inbox_id, user_id, conversation_id (display id), event_start_time, event_end_time, created_at}``,
      recorded as messages and status changes happen (first_response, reply_time,
      conversation_resolved, conversation_opened); the reports are computed from them.
    - ``csat_responses[id]``: ``{id, account_id, conversation_id, contact_id, message_id (the rated
      input_csat message), rating, feedback_message, assigned_agent_id, csat_review_notes,
      review_notes_updated_at, created_at}``.
    - ``notes[id]``: contact notes ``{id, account_id, contact_id, user_id, content, created_at,
      updated_at}`` (float times).
    - ``macros[id]``: ``{id, account_id, name, visibility, created_by_id, updated_by_id, actions}``.
      What executed macros did outside the conversation: ``webhook_events`` (``send_webhook_event``:
      ``{url, event, conversation_id, at}``), ``email_transcripts`` (``{conversation_id, email,
      at}``); ``tracked_errors``: the actions that raised (reported, the next action ran anyway).
    - ``portals[id]``, ``categories[id]``, ``articles[id]``: the help center (articles keep
      ``portal_id``, ``category_id``, ``author_id``, ``associated_article_id``, ``status`` names).
    - ``webhooks[id]``: ``{id, account_id, inbox_id, name, url, subscriptions}``.
    - ``jobs``: queued background jobs ``{name, arguments, perform}``; ``failed_jobs``: those that
      raised ``{name, arguments, error, traceback}``. ``jobs_mode`` is "auto" (a timer runs the queue
      ``job_delay`` = 0.2 s after each enqueue) or "manual" (only ``run_jobs()`` runs it; the test
      suite's sandbox is manual). ``run_jobs()`` runs the queue now, in either mode.
    - ``uploads``: every multipart attachment received, in order (the same dicts).
    - ``requests``: every request received (``RecordedRequest``), fault-injected and throttled ones
      included.
    - ``errors``: tracebacks of sandbox crashes (a crash answers 500); should stay empty.
    - ``contact_order``: the ``random.Random`` that shuffles contacts lists without ``sort`` (Postgres
      gives no order); re-seeded by ``reset()``, replace it to choose the sequence.
    """

    def __init__(
        self,
        latency: float = 0.0,
        extra_conversations: int = 0,
        messages_in_long_conversation: int = 230,
        *,
        port: int = 0,
        log_requests: bool = False,
        conversations_per_page: int = 25,
        rate_limit: tuple[int, float] | None = None,
        clock: Callable[[], float] | None = None,
        jobs: str = "auto",
    ) -> None:
        self.latency = latency
        self.log_requests = log_requests
        self.port = port
        self.conversations_per_page = conversations_per_page
        self.lock = threading.RLock()
        self._server: HTTPServer | None = None
        self.requests: list[RecordedRequest] = []
        self.errors: list[str] = []
        self.uploads: list[dict[str, Any]] = []
        self._faults: list[_Fault] = []
        self._clock = clock or time.time
        self.clock: Callable[[], float] = self._clock
        self._rate_limit = rate_limit
        self._throttles: list[Throttle] = []
        self._routes = self._build_routes()
        self._init_jobs(jobs)
        self._seed_args = (extra_conversations, messages_in_long_conversation)
        self._restart()

    def _restart(self) -> None:
        """The seed, the clock, the constructor's throttle and a fresh contacts order."""
        self.clock = self._clock
        self._throttles = [Throttle(*self._rate_limit)] if self._rate_limit else []
        self.contact_order = random.Random(20260202)
        self._seed_all()

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> Sandbox:
        if self._server is not None:
            return self
        server = HTTPServer(host="127.0.0.1", port=self.port, threaded=True)
        server.expect_request(re.compile(r"^/.*")).respond_with_handler(self._dispatch)

        def serve() -> None:
            # Runs in the server thread before the first request is accepted (the socket is
            # already listening, so early connections just wait in the backlog).
            wsgi_server: Any = server.server
            wsgi_server.RequestHandlerClass = _RequestHandler
            wsgi_server.sandbox = self
            # werkzeug polls for shutdown every 0.5 s by default; poll faster so stop() is quick.
            wsgi_server.serve_forever(poll_interval=0.05)

        server.thread_target = serve  # type: ignore[method-assign]
        server.start()
        self._server = server
        return self

    def stop(self) -> None:
        for timer in self._timers:  # queued jobs stay queued; run_jobs() still runs them
            timer.cancel()
        server, self._server = self._server, None
        if server is not None and server.is_running():
            server.stop()

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the sandbox is not running; call start() first")
        return f"http://127.0.0.1:{self._server.port}"

    def env(self) -> dict[str, str]:
        return {
            "CHATWOOT_BASE_URL": self.url,
            "CHATWOOT_API_TOKEN": self.TOKEN,
            "CHATWOOT_ACCOUNT_ID": str(self.ACCOUNT_ID),
        }

    # ------------------------------------------------------------------ test helpers

    def reset(self) -> None:
        """Back to the freshly seeded state; clears requests, faults, throttles added by ``throttle()``
        (and every count), uploads and errors, and puts the constructor's clock back."""
        with self.lock:
            self.requests.clear()
            self.errors.clear()
            self.uploads.clear()
            self._faults.clear()
            self._clear_jobs()
            self._restart()

    def _seed_all(self) -> None:
        """The base seed and the seeded fortnight (seed.py), then each concern's own records."""
        self._seed(*self._seed_args)
        self._seed_notes()
        self._seed_macros()
        self._seed_help_center()
        self._seed_webhooks()

    def fail_next(
        self,
        method: str,
        path_regex: str,
        status: int,
        body: bytes | str = b"",
        content_type: str = "application/json",
        times: int = 1,
        headers: dict[str, str] | None = None,
    ) -> None:
        """Answer the next ``times`` requests matching ``method`` (or "*") and ``path_regex``
        (``re.search`` on the path, query string excluded) with this canned response.
        Faults are checked before auth and routing, in the order they were registered."""
        data = body.encode("utf-8") if isinstance(body, str) else bytes(body)
        with self.lock:
            self._faults.append(
                _Fault(method.upper(), re.compile(path_regex), status, data, content_type, times, headers)
            )

    def find_requests(self, method: str | None = None, path_regex: str | None = None) -> list[RecordedRequest]:
        """Recorded requests filtered by method and ``re.search`` on the path."""
        with self.lock:
            return [
                r
                for r in self.requests
                if (method is None or r.method == method.upper())
                and (path_regex is None or re.search(path_regex, r.path))
            ]

    def conversation_messages(self, display_id: int) -> list[dict[str, Any]]:
        """The internal message dicts of a conversation, oldest first."""
        with self.lock:
            return [self.messages[i] for i in self.conversations[display_id]["message_ids"]]

    def user_by_token(self, token: str) -> dict[str, Any] | None:
        """The user, or agent bot, whose access token this is."""
        owners = [*self.users.values(), *self.agent_bots.values()]
        return next((owner for owner in owners if owner["access_token"] == token), None)

    def add_conversation(
        self,
        contact_id: int,
        inbox_id: int,
        *,
        status: str = "open",
        last_activity_at: float | None = None,
        assignee_id: int | None = None,
        team_id: int | None = None,
    ) -> dict[str, Any]:
        """Add a conversation (no messages) for a test, in the contact's first contact inbox of that
        inbox (made if needed); ``last_activity_at`` defaults to now. Returns the internal dict."""
        with self.lock:
            at = self._now() if last_activity_at is None else last_activity_at
            conv = self._new_conversation(
                self._next_id("conversation"),
                self._pair_contact_inbox(contact_id, inbox_id),
                created_at=at,
                assignee_id=assignee_id,
                team_id=team_id,
                labels=[],
                priority=None,
                custom_attributes={},
                additional_attributes={},
                status=status,
            )
            return conv

    # ------------------------------------------------------------------ HTTP plumbing

    def _dispatch(self, request: Request) -> Response:
        body = request.get_data()
        raw_headers = request.environ.get("sandbox.raw_headers") or list(request.headers.items())
        headers = _HeaderDict()
        for key, value in raw_headers:
            headers[key] = f"{dict.__getitem__(headers, key)},{value}" if dict.__contains__(headers, key) else value
        try:
            parsed_json = json.loads(body) if body.strip() else None
        except ValueError:
            parsed_json = None
        record = RecordedRequest(
            method=request.method,
            path=request.path,
            query=MultiDict(request.args.items(multi=True)),
            headers=headers,
            body=body,
            json=parsed_json,
        )
        with self.lock:
            self.requests.append(record)
            fault = self._take_fault(request)
            throttled = fault is None and self._throttled(request.path)
        if self.latency and self.latency > 0:
            time.sleep(self.latency)
        if self._server is not None and len(self._server.log) > 500:
            del self._server.log[:-50]  # pytest-httpserver keeps its own log; keep it small
        if fault is not None:
            record.status = fault.status
            response = Response(fault.body, status=fault.status, content_type=fault.content_type)
            for key, value in (fault.headers or {}).items():
                response.headers[key] = value
            return response
        if throttled:
            record.status = 429
            response = Response(THROTTLED_BODY, status=429)
            response.headers["Content-Type"] = "text/plain"  # Rack::Attack's, without a charset
            return response
        try:
            with self.lock:
                status, result = self._handle(request, record)
                if isinstance(result, Response):
                    record.status = result.status_code
                    return result
                payload = b"" if result is _EMPTY else _json_bytes(result)
        except _Fail as failure:  # a payload of _EMPTY is `head <status>`: no body
            status = failure.status
            payload = b"" if failure.payload is _EMPTY else _json_bytes(failure.payload)
        except Exception:  # a sandbox bug: answer like Rails would, and keep the traceback
            text = traceback.format_exc()
            self.errors.append(text)
            sys.stderr.write(f"sandbox: internal error on {request.method} {request.path}\n{text}")
            status, payload = 500, _json_bytes({"status": 500, "error": "Internal Server Error"})
        record.status = status
        return Response(payload, status=status, content_type=JSON_CONTENT_TYPE)

    def _take_fault(self, request: Request) -> _Fault | None:
        for fault in self._faults:
            if fault.method in ("*", request.method) and fault.path.search(request.path):
                fault.times -= 1
                if fault.times <= 0:
                    self._faults.remove(fault)
                return fault
        return None

    def _handle(self, request: Request, record: RecordedRequest) -> tuple[int, Any]:
        path = request.path
        path = path.removesuffix(".json").rstrip("/") or "/"
        blob = re.fullmatch(r"/rails/active_storage/blobs/redirect/(\d+)/[^/]*", path)
        if blob and request.method == "GET":  # attachment download (a signed URL: no token)
            attachment = next((a for a in self.uploads if a["id"] == int(blob.group(1))), None)
            message = self.messages.get(attachment["message_id"]) if attachment else None
            if message is None or attachment not in message["attachments"]:  # never uploaded, or destroyed
                raise _Fail(404, {"status": 404, "error": "Not Found"})
            return 200, Response(attachment["data"], status=200, content_type=attachment["content_type"])
        for method, pattern, handler, scoped in self._routes:
            match = pattern.fullmatch(path)
            if match and method == request.method:
                return 200, self._run(request, record, match, handler, scoped)
        raise _Fail(404, {"status": 404, "error": "Not Found"})

    def _run(
        self, request: Request, record: RecordedRequest, match: re.Match[str], handler: Callable[..., Any], scoped: bool
    ) -> Any:
        """Parse the body (400), authenticate (401), refuse bots where they may not go (401), check the
        account (404, then 401 suspended, then 401 not a member), run the handler."""
        params, files = self._params(request, record)
        user = self._authenticate(request)
        if self._is_bot(user) and handler.__name__ not in BOT_ACCESSIBLE:
            raise _bots_unauthorized()
        groups = match.groupdict()
        account_id = None
        if scoped:
            account_id = _int_or_none(groups.pop("account"))
            if account_id is None or account_id not in self.accounts:
                raise _not_found()
            if self.accounts[account_id]["status"] != "active":
                raise _unauthorized("Account is suspended")
            if self._is_bot(user):
                if user["account_id"] != account_id and not any(
                    self.inboxes[i]["account_id"] == account_id for i in user["inbox_ids"] if i in self.inboxes
                ):
                    raise _unauthorized("Bot is not authorized to access this account")
            elif account_id not in user["account_ids"]:
                raise _unauthorized("You are not authorized to access this account")
            else:
                user = {**user, "role": user["account_roles"][account_id]}  # the role in this account
        ctx = _Ctx(request=request, params=params, files=files, user=user, account_id=account_id)
        return handler(ctx, **groups)

    def _params(self, request: Request, record: RecordedRequest) -> tuple[dict[str, Any], dict[str, list[Any]]]:
        params = _rack_params(request.args.items(multi=True))
        files: dict[str, list[Any]] = {}
        mimetype = request.mimetype
        if mimetype == "application/json" or mimetype.endswith("+json"):
            data = request.get_data()
            if data.strip():
                try:
                    body = json.loads(data)
                except ValueError:
                    raise _Fail(400, {"status": 400, "error": "Bad Request"}) from None
                if isinstance(body, dict):
                    params.update(body)
                else:
                    params["_json"] = body
        elif mimetype in ("multipart/form-data", "application/x-www-form-urlencoded"):
            request.max_form_memory_size = None
            request.max_form_parts = 100_000
            params.update(_rack_params(request.form.items(multi=True)))
            for key, storage in request.files.items(multi=True):
                name = key.removesuffix("[]")
                files.setdefault(name, []).append(storage)
                storage.stream.seek(0, 2)
                size = storage.stream.tell()
                storage.stream.seek(0)
                record.files.append(
                    {"field": key, "filename": storage.filename, "content_type": storage.mimetype, "size": size}
                )
        return params, files

    def _authenticate(self, request: Request) -> dict[str, Any]:
        token = request.headers.get("Api-Access-Token")
        if not token or not token.strip():
            raise _Fail(401, {"errors": ["You need to sign in or sign up before continuing."]})
        user = self.user_by_token(token)
        if user is None:
            raise _unauthorized("Invalid Access Token")
        return user
