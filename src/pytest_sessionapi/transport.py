"""The one HTTP layer every request of every suite goes through.

``open_client(target)`` returns an ``httpx.Client`` whose transport stack is, from the outside in:

``ExchangeLog`` (redacted record of each exchange, for diagnoses and, later, cassettes)
-> ``RetryTransport`` (live targets only: re-sends what the server refused for rate)
-> ``BoundedTransport`` (rate limit per API, response-size cap, ``timeout_s`` for the whole
   exchange)
-> the network (``httpx.HTTPTransport``, through the target's proxy if it has one) or the
   in-process app (``ASGIBridgeTransport``).

Suites never build clients themselves; recording or replaying traffic is a change here only.

What a hostile endpoint can do to this layer, and what it gets: a body that drips in forever ends
at ``timeout_s`` (:class:`ExchangeTimeout`); a body over :data:`MAX_RESPONSE_BYTES` is dropped
as it streams, never held whole (:class:`ResponseTooLarge`); a body that cannot be decoded
safely is refused by ``response.json()`` with a reason (``http_checks.JudgedResponse``).
"""

from __future__ import annotations

import concurrent.futures
import functools
import os
import re
import shlex
import socket
import ssl
import threading
import time
import weakref
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

from .config import EffectiveTarget
from .http_checks import JudgedResponse, parse_json
from .redaction import MASK, Redactor

MAX_RESPONSE_BYTES = 8 * 1024 * 1024
"""A conformant answer of these APIs is a few kilobytes; anything past this is a broken endpoint,
reported as such instead of exhausting memory."""


class ResponseTooLarge(httpx.TransportError):
    pass


class ExchangeTimeout(httpx.TimeoutException):
    """``timeout_s`` passed before the exchange was over, whatever phase it was in."""


_PHASES = {
    httpx.ConnectTimeout: "connecting",
    httpx.WriteTimeout: "sending the request",
    httpx.ReadTimeout: "waiting for the response",
    httpx.PoolTimeout: "waiting for a connection",
}


def _timed_out(seconds: float, phase: str, request: httpx.Request) -> ExchangeTimeout:
    limit = f"the exchange took longer than timeout_s = {seconds:g} s"
    if phase == "body":
        return ExchangeTimeout(f"timed out: {limit} (the body was still arriving)", request=request)
    return ExchangeTimeout(f"timed out {phase}: {limit}", request=request)


_LAST_WAIT_S = 0.001
"""A socket timeout of 0 would switch it to non-blocking mode (an OSError, not a timeout)."""


class Deadline(dict):  # type: ignore[type-arg]
    """``request.extensions["timeout"]``, answering each lookup with the time left.

    httpx's timeouts bound each socket operation; httpcore looks them up here when it connects,
    sends, and starts reading the headers and the body, so each phase starts with no more than
    the time left. A phase that data keeps trickling into (headers or a body dripped a byte a
    second) is cut by :class:`_Watchdog` at the deadline.
    """

    def __init__(self, seconds: float) -> None:
        super().__init__(connect=seconds, read=seconds, write=seconds, pool=seconds)
        self.seconds = seconds
        self.ends = time.monotonic() + seconds

    def left(self) -> float:
        return self.ends - time.monotonic()

    def get(self, key: str, default: Any = None) -> float:  # type: ignore[override]
        return max(self.left(), _LAST_WAIT_S)

    def __getitem__(self, key: str) -> float:
        return self.get(key)


class _Watchdog:
    """Cuts the connections of an exchange that outlives its deadline.

    One thread per transport, armed for the exchange in flight (BoundedTransport sends one at a
    time). It learns each connection's socket from httpcore's ``trace`` request extension when
    the connection is made, and shuts the sockets down at the deadline: the blocked read returns
    at once and BoundedTransport reports the timeout.
    """

    def __init__(self) -> None:
        self._sockets: weakref.WeakSet[socket.socket] = weakref.WeakSet()
        self._condition = threading.Condition()
        self._armed_until: float | None = None
        self._wakes_at: float | None = None
        """When the sleeping thread looks again by itself (None: only when notified)."""
        self._thread: threading.Thread | None = None
        self._closed = False

    def trace(self, event: str, info: dict[str, Any]) -> None:
        if event == "connection.connect_tcp.complete":
            stream = info.get("return_value")
            sock = stream.get_extra_info("socket") if stream is not None else None
            if isinstance(sock, socket.socket):
                self._sockets.add(sock)

    def arm(self, deadline: Deadline) -> None:
        with self._condition:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._watch, name="sessionapi-deadline", daemon=True
                )
                self._thread.start()
            self._armed_until = deadline.ends
            # Each exchange's deadline is later than the one before: a thread already due to look
            # again by then need not be woken, so an exchange costs no switch to it.
            if self._wakes_at is None or deadline.ends < self._wakes_at:
                self._condition.notify()

    def disarm(self) -> None:
        with self._condition:
            self._armed_until = None

    def close(self) -> None:
        with self._condition:
            self._closed = True
            self._condition.notify()

    def _watch(self) -> None:
        with self._condition:
            while not self._closed:
                if self._armed_until is None:
                    self._wakes_at = None
                    self._condition.wait()
                    continue
                left = self._armed_until - time.monotonic()
                if left > 0:
                    self._wakes_at = self._armed_until
                    self._condition.wait(left)
                    continue
                self._armed_until = None
                for sock in list(self._sockets):
                    try:
                        sock.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass  # closed already


def _deadline(request: httpx.Request) -> Deadline | None:
    found = request.extensions.get("timeout")
    return found if isinstance(found, Deadline) else None


class BufferedStream(httpx.SyncByteStream):
    """A body the transport has read (within the cap): re-iterable, and readable by the layers
    above without a copy (``content``)."""

    def __init__(self, content: bytes) -> None:
        self.content = content

    def __iter__(self) -> Iterator[bytes]:
        yield self.content


def buffered_content(response: httpx.Response) -> bytes:
    """The body a lower layer of this stack has already read, without consuming the response."""
    stream = response.stream
    if isinstance(stream, BufferedStream):
        return stream.content
    return b"".join(stream)  # an in-memory httpx.ByteStream (unit tests script those)


class _Oversized(Exception):
    """Raised into the in-process app to stop it producing a body past the cap."""


class ASGIBridgeTransport(httpx.BaseTransport):
    """Serves a synchronous ``httpx.Client`` from an ASGI app, with no socket.

    The app runs on one long-lived event-loop thread (an anyio blocking portal), the way
    Schemathesis and Starlette's TestClient do, so the suites stay synchronous (Hypothesis state
    machines and pytest fixtures are) and pay for one loop, not one per request. It speaks ASGI
    itself rather than through httpx's ``ASGITransport``, which gathers the whole body before it
    returns: here the body is dropped as it streams once it passes ``max_bytes``, and the wait for
    the app is bounded by the request's deadline.
    """

    def __init__(self, app: Any, max_bytes: int | None = None) -> None:
        self._app = app
        self._max_bytes = MAX_RESPONSE_BYTES if max_bytes is None else max_bytes
        self._stack: ExitStack | None = None
        self._portal: Any = None
        self._lock = threading.Lock()

    def _get_portal(self) -> Any:
        with self._lock:
            if self._portal is None:
                from anyio.from_thread import start_blocking_portal

                self._stack = ExitStack()
                self._portal = self._stack.enter_context(start_blocking_portal())
            return self._portal

    async def _call(self, request: httpx.Request, body: bytes) -> tuple[int, list[Any], bytes]:
        import anyio

        url = request.url
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": request.method,
            "headers": [(name.lower(), value) for name, value in request.headers.raw],
            "scheme": url.scheme,
            "path": url.path,
            "raw_path": url.raw_path.split(b"?")[0],
            "query_string": url.query,
            "server": (url.host, url.port),
            "client": ("127.0.0.1", 50000),
            "root_path": "",
        }
        request_sent = False
        answered = anyio.Event()
        status: int | None = None
        headers: list[Any] = []
        chunks: list[bytes] = []
        size = 0

        async def receive() -> dict[str, Any]:
            nonlocal request_sent
            if not request_sent:
                request_sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            await answered.wait()
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            nonlocal status, headers, size
            if message["type"] == "http.response.start":
                status, headers = message["status"], list(message.get("headers", []))
            elif message["type"] == "http.response.body":
                chunk = message.get("body", b"")
                if chunk and request.method != "HEAD":
                    size += len(chunk)
                    if size > self._max_bytes:
                        chunks.clear()
                        raise _Oversized
                    chunks.append(chunk)
                if not message.get("more_body", False):
                    answered.set()

        try:
            await self._app(scope, receive, send)
        except Exception:
            # The app may hand _Oversized back wrapped (an anyio task group's ExceptionGroup).
            if size > self._max_bytes:
                pass
            elif answered.is_set():
                # Starlette sends its 500 and then re-raises the app's error; a real server
                # logs that error and the client gets the 500. So must the suite, in-process as
                # over HTTP: the answer is what is judged (a 5xx fails the no-5xx requirement).
                pass
            else:
                raise
        if size > self._max_bytes:
            raise ResponseTooLarge(
                f"response body exceeds {self._max_bytes} bytes; stopped reading", request=request
            )
        if status is None:
            raise httpx.RemoteProtocolError("the app returned without answering", request=request)
        content = b"".join(chunks)
        chunks.clear()
        return status, headers, content

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        portal = self._get_portal()
        body = request.read()
        deadline = _deadline(request)
        future = portal.start_task_soon(self._call, request, body)
        try:
            status, headers, content = future.result(timeout=deadline.left() if deadline else None)
        except concurrent.futures.TimeoutError:
            future.cancel()
            assert deadline is not None
            raise _timed_out(deadline.seconds, "waiting for the response", request) from None
        return httpx.Response(
            status, headers=headers, stream=BufferedStream(content), request=request
        )

    def close(self) -> None:
        with self._lock:
            if self._stack is not None:
                self._stack.close()
                self._stack = None
                self._portal = None


class RateLimiter:
    """At most ``rate`` requests per second, and one request at a time per API.

    Control Center documents both "no more than 5 calls per second" and "one active call at a
    time", per account; serialising per API satisfies the second for every vendor at no cost to a
    sequential suite.
    """

    def __init__(self, rate: float, shared_path: str | None = None) -> None:
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self._lock = threading.Lock()
        self._next_slot = 0.0
        self._across: _ProcessSharedLimit | None = None
        if shared_path is not None and rate > 0:
            self._across = _ProcessSharedLimit(rate, shared_path)

    def acquire(self) -> Any:
        """Wait for this request's turn; the caller calls ``release()`` on what it returns once
        the exchange is over."""
        self._lock.acquire()
        if self._across is not None:
            try:
                return self._across.acquire(self._lock)
            except BaseException:
                self._lock.release()
                raise
        if self.interval:
            now = time.monotonic()
            if now < self._next_slot:
                time.sleep(self._next_slot - now)
            self._next_slot = max(now, self._next_slot) + self.interval
        return self._lock


class _ProcessSharedLimit:
    """The same limits across the processes of one run (pytest-xdist workers): the vendor's
    limits are per account, whichever worker sends. The pace is pyrate-limiter's SQLite bucket,
    one request per ``1/rate`` seconds; one active call at a time is a file lock held for the
    whole exchange. Both files live in the temporary folder, named after the run."""

    def __init__(self, rate: float, path: str) -> None:
        from filelock import FileLock
        from pyrate_limiter import Limiter, Rate, SQLiteBucket

        spacing_ms = max(1, round(1000 / rate))
        bucket = SQLiteBucket.init_from_file([Rate(1, spacing_ms)], db_path=path, use_file_lock=True)
        self._pace = Limiter(bucket, buffer_ms=5)
        self._active = FileLock(path + ".active")

    def acquire(self, thread_lock: threading.Lock) -> _Held:
        self._active.acquire()
        try:
            self._pace.try_acquire("sessionapi", blocking=True)
        except BaseException:
            self._active.release()
            raise
        return _Held(self._active, thread_lock)


class _Held:
    def __init__(self, *locks: Any) -> None:
        self._locks = locks

    def release(self) -> None:
        for lock in self._locks:
            lock.release()


def remove_shared_limits(run_id: str) -> None:
    """The shared limit files of a finished parallel run (every worker is done with them)."""
    import glob
    import os
    import tempfile

    for path in glob.glob(os.path.join(tempfile.gettempdir(), f"pytest-sessionapi-{run_id}-*")):
        try:
            os.unlink(path)
        except OSError:
            pass


def shared_limit_path(target: EffectiveTarget) -> str | None:
    """Where the processes of one parallel run share ``target``'s limits, or None when the run is
    not parallel (one process: the in-memory limiter is exact) or the target is not live."""
    import os
    import tempfile

    run = os.environ.get("PYTEST_XDIST_TESTRUNUID")
    if run is None or target.embedded or target.max_rps <= 0:
        return None
    return os.path.join(tempfile.gettempdir(), f"pytest-sessionapi-{run}-{target.api.name}.sqlite")


class BoundedTransport(httpx.BaseTransport):
    """Paces requests, bounds each exchange by ``timeout_s`` and each body by ``max_bytes``,
    and hands the layers above a body already read, as a :class:`JudgedResponse`."""

    def __init__(
        self,
        inner: httpx.BaseTransport,
        limiter: RateLimiter,
        max_bytes: int,
        timeout_s: float | None = None,
    ) -> None:
        self._inner = inner
        self._limiter = limiter
        self._max_bytes = max_bytes
        self._timeout_s = timeout_s
        self._watchdog = _Watchdog()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        lock = self._limiter.acquire()
        try:
            # The deadline starts once the request may go: time spent waiting for a rate-limit
            # slot is the suite's own pacing, not the endpoint's.
            deadline = None
            if self._timeout_s is not None:
                deadline = Deadline(self._timeout_s)
                request.extensions = {
                    **request.extensions, "timeout": deadline, "trace": self._watchdog.trace
                }
                self._watchdog.arm(deadline)
            try:
                failure: httpx.TransportError | None = None
                try:
                    response = self._inner.handle_request(request)
                except httpx.TransportError as exc:
                    failure = self._as_timeout(exc, request, deadline, "headers")
                if failure is not None:
                    # Raised outside the handler, so with no __context__: an exchange timeout must
                    # be the same error to Hypothesis whether the socket gave up on a read timeout
                    # or on the watchdog's cut, or it reports the example as flaky.
                    raise failure
                try:
                    content = self._read_body(response, request, deadline)
                finally:
                    response.close()
            finally:
                self._watchdog.disarm()
        finally:
            lock.release()
        # A stream, not ``content=``: a response built from content counts as read already, and
        # httpx then never records ``elapsed`` (which Schemathesis' response checks read).
        return JudgedResponse(
            response.status_code,
            headers=response.headers,
            stream=BufferedStream(content),
            request=request,
            extensions=response.extensions,
        )

    def _read_body(
        self, response: httpx.Response, request: httpx.Request, deadline: Deadline | None
    ) -> bytes:
        chunks: list[bytes] = []
        size = 0
        failure: httpx.TransportError | None = None
        try:
            for chunk in response.stream:
                size += len(chunk)
                if size > self._max_bytes:
                    raise ResponseTooLarge(
                        f"response body exceeds {self._max_bytes} bytes; stopped reading",
                        request=request,
                    )
                chunks.append(chunk)
                if deadline is not None and deadline.left() <= 0:
                    raise _timed_out(deadline.seconds, "body", request)
        except BaseException as exc:
            # Whatever stops the read, the part already held must not live on in the traceback
            # pytest keeps of a failed test: a run against an endpoint that always answers 50 MB
            # would otherwise hold the cap once per failed test.
            chunks.clear()
            if not isinstance(exc, httpx.TransportError):
                raise
            failure = self._as_timeout(exc, request, deadline, "body")
        if failure is not None:
            raise failure  # outside the handler: see handle_request
        content = b"".join(chunks)
        chunks.clear()
        return content

    @staticmethod
    def _as_timeout(
        exc: httpx.TransportError, request: httpx.Request, deadline: Deadline | None, phase: str
    ) -> httpx.TransportError:
        """The error to report: past the deadline, whatever broke (a read timeout, or the
        connection the watchdog cut) is the exchange's timeout."""
        if deadline is None or isinstance(exc, ExchangeTimeout | ResponseTooLarge):
            return exc
        if isinstance(exc, httpx.TimeoutException) or deadline.left() <= 0:
            if phase == "headers":
                phase = _PHASES.get(type(exc), "waiting for the response")
            return _timed_out(deadline.seconds, phase, request)
        return exc

    def close(self) -> None:
        self._watchdog.close()
        self._inner.close()


RETRY_WAITS_S = (1.0, 2.0, 5.0, 10.0)
"""Waits before each re-send of a rate-limited request (dynamic, increasing waits, as Cisco
recommends for Control Center; vManage and BioT document no Retry-After either). A request still
refused for rate after the last wait raises :class:`StillRateLimited`: nothing was judged."""
MAX_RETRY_AFTER_S = 30.0
"""A ``Retry-After`` is honoured up to this long; a longer one is cut to it (the run must go on)."""
_IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "DELETE", "PUT"})
_RATE_LIMIT_BODY_MAX = 64 * 1024


def retry_after_seconds(headers: httpx.Headers) -> float | None:
    """``Retry-After`` in seconds when it is a number of seconds (an HTTP date is ignored)."""
    value = headers.get("retry-after", "").strip()
    try:
        seconds = float(value)
    except ValueError:
        return None
    return min(max(seconds, 0.0), MAX_RETRY_AFTER_S) if seconds == seconds else None


class RetryTransport(httpx.BaseTransport):
    """Re-sends a request the server did not carry out for reasons that say nothing about
    conformance: a rate limit (429, or the API's own rate-limit error code), after the waits of
    ``RETRY_WAITS_S``; a gateway failure (503/504) once, for idempotent methods only (a POST may
    have been carried out behind a gateway that timed out).

    Rate limits are per account at Control Center and shared with every other user of it, so the
    suite's own pacing cannot rule them out; without this a busy account would look like a
    nonconformant endpoint. Used for live targets only: the reference implementations never
    limit, and a fault variant must be judged on its first answer.
    """

    def __init__(
        self,
        inner: httpx.BaseTransport,
        rate_limit_code: tuple[str, str] | None = None,
        waits: tuple[float, ...] = RETRY_WAITS_S,
        sleep: Callable[[float], None] | None = None,
        observe: Callable[[str], None] | None = None,
        breaker: Breaker | None = None,
    ) -> None:
        self._breaker = breaker
        """Where the waits are added up, and whose budget cuts them short."""
        self._inner = inner
        self._rate_limit_code = rate_limit_code
        self._waits = waits
        self._sleep = sleep
        self._observe = observe
        """Told each wait before a re-send, in one line: a run that pauses says why."""

    def _rate_limited(self, response: httpx.Response) -> bool:
        if response.status_code == 429:
            return True
        if self._rate_limit_code is None or not 400 <= response.status_code < 500:
            return False
        field, code = self._rate_limit_code
        content = buffered_content(response)
        # A rate-limit answer is a short envelope; a long body is not one, and is left unparsed.
        if len(content) > _RATE_LIMIT_BODY_MAX or code.encode() not in content:
            return False
        try:
            body = parse_json(content)
        except ValueError:
            return False
        return isinstance(body, dict) and str(body.get(field)) == code

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self._inner.handle_request(request)
        retries = 0
        waited = 0.0
        for attempt, wait in enumerate(self._waits):
            gateway = (
                response.status_code in (503, 504) and request.method in _IDEMPOTENT and attempt == 0
            )
            if not (gateway or self._rate_limited(response)):
                break
            response.close()
            told = retry_after_seconds(response.headers)
            seconds = wait if told is None else told
            left = self._breaker.budget_left() if self._breaker is not None else None
            if left is not None and left < seconds:
                self._breaker.check(request)  # out of time: BudgetSpent, not a wait past it
                seconds = max(left, 0.0)
            if self._observe is not None:
                why = "gateway failure" if gateway else "rate limited"
                self._observe(
                    f"{request.method} {request.url.path} answered {response.status_code} ({why}); "
                    f"re-sending in {seconds:g} s (re-send {attempt + 1} of {len(self._waits)})"
                )
            (self._sleep or time.sleep)(seconds)
            waited += seconds
            if self._breaker is not None:
                self._breaker.waited_s += seconds
            response = self._inner.handle_request(request)
            retries += 1
        if retries and self._rate_limited(response):
            # Still refused for rate after every wait: the request was never carried out, so
            # there is nothing to judge. Raised, so the requirements it was to exercise are
            # reported not-tested with this line, never failed.
            response.close()
            refused = StillRateLimited(
                f"{request.method} {request.url.path} still answered {response.status_code} "
                f"(rate limited) after {retries} re-sends and {waited:g} s of waiting",
                request=request,
            )
            refused.retries = retries
            raise refused
        if retries:
            response.extensions = {**response.extensions, "sessionapi_retries": retries}
        return response

    def close(self) -> None:
        self._inner.close()


@dataclass(frozen=True)
class Exchange:
    method: str
    url: str
    request_headers: dict[str, str]
    request_body: str
    status: int | None
    response_headers: dict[str, str]
    response_body: str
    error: str | None
    elapsed_s: float
    retries: int = 0
    """How often RetryTransport re-sent the request before this answer."""

    def summary(self, body_chars: int = 300) -> str:
        lines = [f"{self.method} {self.url}"]
        if self.error:
            lines.append(f"  -> no response: {self.error}")
        else:
            ctype = self.response_headers.get("content-type", "(no content-type)")
            resent = f", after {self.retries} re-send(s) (rate limit or gateway)" if self.retries else ""
            lines.append(f"  -> {self.status} {ctype}, {self.elapsed_s * 1000:.0f} ms{resent}")
            body = self.response_body
            if len(body) > body_chars:
                body = body[:body_chars] + f"... ({len(self.response_body)} chars)"
            if body:
                lines.append(f"  body: {body}")
        return "\n".join(lines)

    def full(self, body_chars: int = 1500, focus: str = "") -> str:
        """The whole exchange: request line, headers (credentials masked), body; the answer's
        status, headers and body. A body longer than ``body_chars`` keeps its start and, when the
        failure names a field that lies further on, the part around that field in view."""
        lines = [f"{self.method} {self.url}"]
        lines += [f"  {name}: {value}" for name, value in self.request_headers.items()]
        if self.request_body:
            lines.append(f"  body: {_cut(self.request_body, body_chars, focus)}")
        if self.error:
            lines.append(f"-> no response: {self.error}")
            return "\n".join(lines)
        resent = f" (after {self.retries} re-send(s): rate limit or gateway)" if self.retries else ""
        lines.append(f"-> {self.status}, {self.elapsed_s * 1000:.0f} ms{resent}")
        lines += [f"  {name}: {value}" for name, value in self.response_headers.items()]
        if self.response_body:
            lines.append(f"  body: {_cut(self.response_body, body_chars, focus)}")
        return "\n".join(lines)

    def curl(self) -> str:
        """A ``curl`` command that sends the request again. Masked values (credentials, cookies,
        tokens) come from environment variables named after their header, which the command's
        reader sets: ``SESSIONAPI_AUTHORIZATION``, ``SESSIONAPI_COOKIE``, ..."""
        url, note = self.url, ""
        host = urlsplit(url).hostname or ""
        if host.endswith(EMBEDDED_HOST_SUFFIX):
            # The embedded reference answers in-process; its host resolves nowhere. The command
            # reaches the same implementation once `sessionapi serve` runs it on loopback.
            api = host.removesuffix(EMBEDDED_HOST_SUFFIX)
            url = urlunsplit(urlsplit(url)._replace(netloc=f"127.0.0.1:{SERVE_PORT}"))
            note = f"  # in-process reference: `sessionapi serve --api {api}` serves it on 127.0.0.1:{SERVE_PORT}"
        parts = ["curl", "-X", self.method, shlex.quote(url)]
        for name, value in self.request_headers.items():
            if name.lower() in ("content-length", "host", "accept-encoding", "connection"):
                continue
            if MASK in value:
                variable = "SESSIONAPI_" + re.sub(r"[^A-Z0-9]", "_", name.upper())
                parts += ["-H", f'"{name}: ${variable}"']
            else:
                parts += ["-H", shlex.quote(f"{name}: {value}")]
        if self.request_body and not self.request_body.startswith("(credentials"):
            parts += ["--data-raw", shlex.quote(self.request_body)]
        return " ".join(parts) + note


EMBEDDED_HOST_SUFFIX = ".reference"
"""The embedded references' base URLs are ``http://<api>.reference`` (never resolved: in-process)."""
SERVE_PORT = 8080
"""``sessionapi serve``'s default port."""


def _cut(body: str, limit: int, focus: str = "") -> str:
    if len(body) <= limit:
        return body
    head = body[:limit]
    where = body.find(f'"{focus}"') if focus else -1
    if where >= limit:
        start = max(limit, where - 200)
        window = body[start:where + 300]
        return f"{head} [...] {window} [...] ({len(body)} chars)"
    return f"{head} [...] ({len(body)} chars)"


_LOGGED_BODY_BYTES = 4096


class _Interrupts:
    """Ctrl-C held back while an exchange is in flight (see ``runtime._watch_interrupts``): a
    create whose answer was never read leaves a session on the target that the suite cannot
    release, since it never learnt its id. The interrupt is raised as the next exchange starts
    (the test's clean-up then runs), or by the runtime's timer if none starts soon."""

    def __init__(self) -> None:
        self.in_flight = 0
        self.pending = threading.Event()
        self.shielded = 0
        """Clean-ups under way that release the suite's sessions (``interrupt_shield.cleanup``):
        a held Ctrl-C waits until they are over."""
        self.deferred = False
        """A Ctrl-C already waited for a clean-up once; the next one is not held back."""

    def before_exchange(self) -> None:
        if self.pending.is_set() and not self.shielded:
            self.pending.clear()
            raise KeyboardInterrupt("Ctrl-C (held back until the exchange in flight was over)")


INTERRUPTS = _Interrupts()


class ExchangeLog(httpx.BaseTransport):
    """Keeps the last exchanges, redacted, so a failure can show what was actually said."""

    def __init__(
        self,
        inner: httpx.BaseTransport,
        redactor: Redactor,
        keep: int = 50,
        credential_paths: tuple[str, ...] = (),
    ) -> None:
        self._inner = inner
        self._redactor = redactor
        # Exchanges on these paths carry credentials in their bodies (the API descriptor names
        # them): their bodies are never recorded, in either direction, whatever the redactor
        # knows yet, since a token endpoint answers before the client has registered the token.
        self._credential_paths = credential_paths
        self.exchanges: deque[Exchange] = deque(maxlen=keep)
        self.count = 0
        self.retries = 0

    def _body(self, content: bytes, url: str) -> str:
        if any(url.split("?")[0].endswith(p) for p in self._credential_paths):
            return "(credentials, not recorded)" if content else ""
        head = content[:_LOGGED_BODY_BYTES].decode("utf-8", errors="replace")
        if len(content) > _LOGGED_BODY_BYTES:
            head += f"... ({len(content)} bytes)"
        return self._redactor.text(head)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        INTERRUPTS.before_exchange()
        started = time.monotonic()
        url = self._redactor.text(str(request.url))
        request_body = self._body(request.read(), url)
        self.count += 1
        INTERRUPTS.in_flight += 1
        try:
            response = self._inner.handle_request(request)
        except httpx.TransportError as exc:
            self.retries += getattr(exc, "retries", 0)
            self.exchanges.append(
                Exchange(
                    request.method, url, self._redactor.headers(request.headers.multi_items()),
                    request_body, None, {}, "", describe_transport_error(exc),
                    time.monotonic() - started,
                )
            )
            raise
        finally:
            INTERRUPTS.in_flight -= 1
        # BoundedTransport hands over the body it read; reading it here must not mark the
        # response as read (see BoundedTransport.handle_request), nor copy it.
        content = buffered_content(response)
        retries = response.extensions.get("sessionapi_retries", 0)
        self.retries += retries
        self.exchanges.append(
            Exchange(
                request.method, url, self._redactor.headers(request.headers.multi_items()),
                request_body, response.status_code,
                self._redactor.headers(response.headers.multi_items()),
                self._body(content, url), None, time.monotonic() - started, retries,
            )
        )
        return response

    def close(self) -> None:
        self._inner.close()

    def last(self, n: int = 3) -> list[Exchange]:
        return list(self.exchanges)[-n:]


def describe_transport_error(exc: BaseException) -> str:
    """A sentence a QA engineer can act on, instead of an httpx traceback."""
    if isinstance(exc, ExchangeTimeout):
        return str(exc)
    if isinstance(exc, httpx.TimeoutException):
        kind = _PHASES.get(type(exc), "talking to the endpoint")
        return f"timed out {kind} ({exc or 'no detail'})"
    if isinstance(exc, httpx.ProxyError):
        return f"the proxy refused or failed the request ({exc})"
    if isinstance(exc, ResponseTooLarge | StillRateLimited | EndpointStopped | BudgetSpent):
        return str(exc)
    if isinstance(exc, httpx.ConnectError):
        return f"could not connect ({exc})"
    if isinstance(exc, httpx.RemoteProtocolError):
        return f"the endpoint broke the HTTP exchange ({exc})"
    if isinstance(exc, httpx.ReadError | httpx.WriteError):
        return f"the connection was reset or closed ({exc})"
    return f"{type(exc).__name__}: {exc}"


def _ssl_context(target: EffectiveTarget) -> ssl.SSLContext | bool:
    settings = target.settings
    if not settings.verify_tls:
        return False
    if settings.ca_bundle is not None:
        bundle = str(settings.ca_bundle)
        return _verifying_context(bundle, os.stat(bundle).st_mtime_ns)
    # httpx's own default (certifi, or SSL_CERT_FILE / SSL_CERT_DIR), built as httpx builds it.
    return _verifying_context(None, os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR"))


@functools.lru_cache(maxsize=8)
def _verifying_context(cafile: str | None, *version: object) -> ssl.SSLContext:
    """One verifying context per CA source (``version``: what tells a changed source) for the whole
    process: loading the CA file costs tens of milliseconds, and a run opens a client per test
    that needs its own credentials."""
    if cafile is not None:
        return ssl.create_default_context(cafile=cafile)
    return httpx.create_ssl_context()


class StillRateLimited(httpx.TransportError):
    """The endpoint kept refusing for rate after every wait: nothing was judged (a rate limit is
    the account's state, shared with the account's other users, not the vendor's conformance)."""

    retries = 0


class EndpointStopped(httpx.TransportError):
    """The API's breaker tripped: the request was not sent (see :class:`Breaker`)."""


class BudgetSpent(httpx.TransportError):
    """The API's run-time budget (``--sessionapi-budget``) is spent: the request was not sent."""


NOT_SENT = (EndpointStopped, BudgetSpent, StillRateLimited)
"""The transport's refusals to send: a clean-up tried again would meet them again."""


BREAKER_THRESHOLD = 3
"""Consecutive exchanges without an answer after which an API's endpoint counts as stopped."""


def _no_answer_kind(exc: BaseException) -> str | None:
    """What a breaker counts: an exchange that timed out, broke the connection, or stayed rate
    limited. An answer the suite refused (too large) is an answer, not a silent endpoint."""
    if isinstance(exc, StillRateLimited):
        return "rate limited"
    if isinstance(exc, ResponseTooLarge | EndpointStopped | BudgetSpent):
        return None
    if isinstance(exc, httpx.TimeoutException):
        return "timed out"
    if isinstance(exc, httpx.NetworkError | httpx.RemoteProtocolError):
        return "broke the connection"
    return None


class Breaker:
    """Ends an API's run once its endpoint stopped answering, and keeps its run-time budget.

    After :data:`BREAKER_THRESHOLD` exchanges in a row that timed out, broke the connection or
    stayed rate limited past their waits, every further request of the API fails at once with
    :class:`EndpointStopped` and the one line :attr:`tripped` (the runtime reports the API
    ``error`` with it and skips its remaining tests). Any answer resets the count. Without it an
    endpoint that drips a byte a second costs every request its whole ``timeout_s``: about an
    hour for a Control Center run.
    """

    def __init__(self, timeout_s: float | None = None, threshold: int = BREAKER_THRESHOLD) -> None:
        self.timeout_s = timeout_s
        self.threshold = threshold
        self._lock = threading.Lock()
        self._streak: list[str] = []
        self.tripped: str | None = None
        self.budget_s: float | None = None
        self._budget_ends: float | None = None
        self.budget_spent: str | None = None
        self.waited_s = 0.0
        """Seconds spent waiting before re-sends (rate limits, gateway failures)."""

    def start_budget(self, seconds: float | None) -> None:
        """From now, the API may take ``seconds`` (once: the first call starts the clock)."""
        with self._lock:
            if seconds is not None and self._budget_ends is None:
                self.budget_s = seconds
                self._budget_ends = time.monotonic() + seconds

    def budget_left(self) -> float | None:
        if self._budget_ends is None:
            return None
        return self._budget_ends - time.monotonic()

    def check(self, request: httpx.Request) -> None:
        """Raise instead of sending when the API is stopped or out of time."""
        if self.tripped is not None:
            raise EndpointStopped(self.tripped, request=request)
        left = self.budget_left()
        if left is not None and left <= 0:
            if self.budget_spent is None:
                self.budget_spent = (
                    f"the run-time budget of {self.budget_s:g} s (--sessionapi-budget) was spent "
                    "before every test had run"
                )
            raise BudgetSpent(self.budget_spent, request=request)

    def answered(self) -> None:
        with self._lock:
            self._streak.clear()

    def failed(self, exc: BaseException) -> None:
        kind = _no_answer_kind(exc)
        if kind is None:
            return
        with self._lock:
            self._streak.append(kind)
            if self.tripped is None and len(self._streak) >= self.threshold:
                self.tripped = self._line()

    def _line(self) -> str:
        count = len(self._streak)
        kinds = list(dict.fromkeys(self._streak))
        if kinds == ["timed out"]:
            after = f" after {self.timeout_s:g} s" if self.timeout_s else ""
            what = f"{count} exchanges in a row timed out{after}"
        elif kinds == ["rate limited"]:
            what = (
                f"{count} exchanges in a row were still rate limited after every wait "
                f"({self.waited_s:.0f} s spent waiting)"
            )
        elif kinds == ["broke the connection"]:
            what = f"{count} exchanges in a row broke the connection (reset, closed or not HTTP)"
        else:
            what = f"{count} exchanges in a row got no answer ({', '.join(kinds)})"
        return f"the endpoint stopped answering: {what}"


class BreakerTransport(httpx.BaseTransport):
    """Asks the API's :class:`Breaker` before each request and tells it how the exchange went."""

    def __init__(self, inner: httpx.BaseTransport, breaker: Breaker) -> None:
        self._inner = inner
        self._breaker = breaker

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self._breaker.check(request)
        try:
            response = self._inner.handle_request(request)
        except httpx.TransportError as exc:
            self._breaker.failed(exc)
            raise
        self._breaker.answered()
        return response

    def close(self) -> None:
        self._inner.close()


@dataclass
class TargetResources:
    """What every client of one target shares while the target lives: the rate limiter (vendor
    limits are per account), the in-process server bridge (the app's state must be one server's
    state), and the recorder or replayer of ``recording.py`` when traffic is recorded or replayed."""

    limiter: RateLimiter
    bridge: ASGIBridgeTransport | None = None
    traffic: Any = None
    observe_resends: Callable[[str], None] | None = None
    """Told of each rate-limit or gateway wait (the runtime shows it on the terminal)."""
    breaker: Breaker = field(default_factory=Breaker)

    def release(self) -> None:
        """Stops the in-process server thread, if one was started (a later client starts a new
        one): told when the target closes."""
        with _RESOURCES_LOCK:
            bridge, self.bridge = self.bridge, None
        if bridge is not None:
            bridge.close()


_RESOURCES_LOCK = threading.Lock()
"""Two threads opening the first clients of one target make one set of resources, one bridge."""


def target_resources(target: EffectiveTarget) -> TargetResources:
    """The resources of ``target``, made on first use and held by the target itself (not by its
    API's name): a process may hold several targets of one API at once (a run's, a variant's in a
    self-test, a test's own), each with its own."""
    with _RESOURCES_LOCK:
        found = target.held.get("transport")
        if found is None:
            found = target.held["transport"] = TargetResources(
                RateLimiter(target.max_rps, shared_limit_path(target)),
                breaker=Breaker(target.settings.timeout_s),
            )
            target.closers.append(found.release)
        return found


def build_transport(target: EffectiveTarget) -> ExchangeLog:
    """The transport stack for ``target``; the single place a recorder or replayer plugs in."""
    shared = target_resources(target)
    limiter = shared.limiter
    timeout_s = target.settings.timeout_s
    credential_paths = target.api.credential_paths
    # recording.py: --sessionapi-replay answers from cassettes in place of any endpoint (nothing
    # leaves the process); --sessionapi-record notes each final answer above the re-sends.
    traffic = shared.traffic
    if traffic is not None and traffic.replaying:
        replayed = BoundedTransport(traffic.transport(target.api.name), limiter, MAX_RESPONSE_BYTES, timeout_s)
        return ExchangeLog(replayed, target.redactor, credential_paths=credential_paths)
    if target.embedded:
        with _RESOURCES_LOCK:
            if shared.bridge is None:
                shared.bridge = ASGIBridgeTransport(target.app, MAX_RESPONSE_BYTES)
            bridge = shared.bridge
        inner: httpx.BaseTransport = BoundedTransport(
            _Unclosable(bridge), limiter, MAX_RESPONSE_BYTES, timeout_s
        )
        inner = BreakerTransport(inner if traffic is None else traffic.wrap(inner), shared.breaker)
        return ExchangeLog(inner, target.redactor, credential_paths=credential_paths)
    # The proxy is chosen once per target (config.environment_proxy reads the environment the way
    # httpx's trust_env does): every request of a suite goes to the target's one origin, and a
    # transport given to httpx.Client by hand is never routed through the environment's proxies.
    network = httpx.HTTPTransport(verify=_ssl_context(target), retries=0, proxy=target.proxy)
    bounded = BoundedTransport(network, limiter, MAX_RESPONSE_BYTES, timeout_s)
    resending = RetryTransport(
        bounded, target.api.rate_limit_code, observe=shared.observe_resends, breaker=shared.breaker
    )
    guarded = BreakerTransport(
        resending if traffic is None else traffic.wrap(resending), shared.breaker
    )
    return ExchangeLog(guarded, target.redactor, credential_paths=credential_paths)


class _Unclosable(httpx.BaseTransport):
    """Closing one client must not stop the shared in-process server thread."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self._inner = inner

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return self._inner.handle_request(request)


class LoggedClient(httpx.Client):
    """An ``httpx.Client`` that owns the :class:`ExchangeLog` its requests pass through."""

    def __init__(self, log: ExchangeLog, **options: Any) -> None:
        super().__init__(transport=log, **options)
        self.exchange_log = log


def open_client(target: EffectiveTarget, auth: httpx.Auth | None = None) -> httpx.Client:
    """An ``httpx.Client`` bound to ``target``; the caller closes it. Its exchanges are counted
    and kept in the :class:`ExchangeLog` that :func:`exchange_log` returns for it."""
    settings = target.settings
    log = build_transport(target)
    return LoggedClient(
        log,
        base_url=settings.base_url,
        auth=auth,
        timeout=httpx.Timeout(settings.timeout_s),
        follow_redirects=False,
        headers={"User-Agent": "pytest-sessionapi", "Accept": "application/json"},
    )


def exchange_log(client: httpx.Client) -> ExchangeLog | None:
    """The log of a client :func:`open_client` made; None for any other client."""
    return client.exchange_log if isinstance(client, LoggedClient) else None
