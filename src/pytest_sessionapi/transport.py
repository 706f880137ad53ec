"""The one HTTP layer every request of every suite goes through.

``open_client(target)`` returns an ``httpx.Client`` whose transport stack is, from the outside in:

``ExchangeLog`` (redacted record of each exchange, for diagnoses and, later, cassettes)
-> ``RetryTransport`` (live targets only: re-sends what the server refused for rate)
-> ``BoundedTransport`` (rate limit per API, response-size cap)
-> the network (``httpx.HTTPTransport``) or the in-process app (``ASGIBridgeTransport``).

Suites never build clients themselves; recording or replaying traffic is a change here only.
"""

from __future__ import annotations

import json
import ssl
import threading
import time
from collections import deque
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any

import httpx

from .config import EffectiveTarget
from .redaction import Redactor

MAX_RESPONSE_BYTES = 8 * 1024 * 1024
"""A conformant answer of these APIs is a few kilobytes; anything past this is a broken endpoint,
reported as such instead of exhausting memory."""


class ResponseTooLarge(httpx.TransportError):
    pass


class ASGIBridgeTransport(httpx.BaseTransport):
    """Serves a synchronous ``httpx.Client`` from an ASGI app, with no socket.

    httpx's own ``ASGITransport`` is async-only; this runs it on one long-lived event-loop thread
    (an anyio blocking portal), the way Schemathesis and Starlette's TestClient do, so the suites
    stay synchronous (Hypothesis state machines and pytest fixtures are) and pay for one loop, not
    one per request.
    """

    def __init__(self, app: Any) -> None:
        self._inner = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
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

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        portal = self._get_portal()
        body = request.read()

        async def call() -> tuple[int, list[tuple[bytes, bytes]], bytes]:
            async_request = httpx.Request(
                request.method, request.url, headers=request.headers, content=body
            )
            response = await self._inner.handle_async_request(async_request)
            content = await response.aread()
            return response.status_code, response.headers.raw, content

        status, headers, content = portal.call(call)
        return httpx.Response(
            status, headers=headers, stream=httpx.ByteStream(content), request=request
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

    def __init__(self, rate: float) -> None:
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self._lock = threading.Lock()
        self._next_slot = 0.0

    def acquire(self) -> threading.Lock:
        self._lock.acquire()
        if self.interval:
            now = time.monotonic()
            if now < self._next_slot:
                time.sleep(self._next_slot - now)
            self._next_slot = max(now, self._next_slot) + self.interval
        return self._lock


class BoundedTransport(httpx.BaseTransport):
    def __init__(self, inner: httpx.BaseTransport, limiter: RateLimiter, max_bytes: int) -> None:
        self._inner = inner
        self._limiter = limiter
        self._max_bytes = max_bytes

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        lock = self._limiter.acquire()
        try:
            response = self._inner.handle_request(request)
            chunks: list[bytes] = []
            size = 0
            try:
                for chunk in response.stream:
                    size += len(chunk)
                    if size > self._max_bytes:
                        raise ResponseTooLarge(
                            f"response body exceeds {self._max_bytes} bytes; stopped reading",
                            request=request,
                        )
                    chunks.append(chunk)
            finally:
                response.close()
        finally:
            lock.release()
        # A stream, not ``content=``: a response built from content counts as read already, and
        # httpx then never records ``elapsed`` (which Schemathesis' response checks read).
        return httpx.Response(
            response.status_code,
            headers=response.headers,
            stream=httpx.ByteStream(b"".join(chunks)),
            request=request,
            extensions=response.extensions,
        )

    def close(self) -> None:
        self._inner.close()


RETRY_WAITS_S = (1.0, 2.0, 5.0, 10.0)
"""Waits before each re-send of a rate-limited request (dynamic, increasing waits, as Cisco
recommends for Control Center; vManage and BioT document no Retry-After either). A request still
refused after the last wait is judged as it is."""
MAX_RETRY_AFTER_S = 30.0
"""A ``Retry-After`` is honoured up to this long; a longer one is cut to it (the run must go on)."""
_IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "DELETE", "PUT"})


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
    ) -> None:
        self._inner = inner
        self._rate_limit_code = rate_limit_code
        self._waits = waits
        self._sleep = sleep

    def _rate_limited(self, response: httpx.Response) -> bool:
        if response.status_code == 429:
            return True
        if self._rate_limit_code is None or not 400 <= response.status_code < 500:
            return False
        field, code = self._rate_limit_code
        # BoundedTransport's in-memory stream can be read here without consuming the response.
        content = b"".join(response.stream)
        if code.encode() not in content:
            return False
        try:
            body = json.loads(content)
        except ValueError:
            return False
        return isinstance(body, dict) and str(body.get(field)) == code

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self._inner.handle_request(request)
        retries = 0
        for attempt, wait in enumerate(self._waits):
            gateway = (
                response.status_code in (503, 504) and request.method in _IDEMPOTENT and attempt == 0
            )
            if not (gateway or self._rate_limited(response)):
                break
            response.close()
            told = retry_after_seconds(response.headers)
            (self._sleep or time.sleep)(wait if told is None else told)
            response = self._inner.handle_request(request)
            retries += 1
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


# Exchanges on these paths carry credentials in their bodies (a password form, an XSRF token,
# a JWT); their bodies are never recorded, in either direction, whatever the redactor knows yet:
# the token endpoint answers before the client has read, and registered, the token.
_CREDENTIAL_PATHS = (
    "/j_security_check",
    "/client/token",
    "/jwt/login",
    "/jwt/refresh",
    "/users/login",
    "/token/refresh",
)


class ExchangeLog(httpx.BaseTransport):
    """Keeps the last exchanges, redacted, so a failure can show what was actually said."""

    def __init__(self, inner: httpx.BaseTransport, redactor: Redactor, keep: int = 50) -> None:
        self._inner = inner
        self._redactor = redactor
        self.exchanges: deque[Exchange] = deque(maxlen=keep)
        self.count = 0
        self.retries = 0

    def _body(self, content: bytes, url: str) -> str:
        if any(url.split("?")[0].endswith(p) for p in _CREDENTIAL_PATHS):
            return "(credentials, not recorded)" if content else ""
        return self._redactor.text(content[:4096].decode("utf-8", errors="replace"))

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        started = time.monotonic()
        url = self._redactor.text(str(request.url))
        request_body = self._body(request.read(), url)
        self.count += 1
        try:
            response = self._inner.handle_request(request)
        except httpx.TransportError as exc:
            self.exchanges.append(
                Exchange(
                    request.method, url, self._redactor.headers(request.headers.multi_items()),
                    request_body, None, {}, "", describe_transport_error(exc),
                    time.monotonic() - started,
                )
            )
            raise
        # BoundedTransport hands over a re-iterable in-memory stream; reading it here must not
        # mark the response as read (see BoundedTransport.handle_request).
        content = b"".join(response.stream)
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
    if isinstance(exc, httpx.TimeoutException):
        kind = {
            httpx.ConnectTimeout: "connecting",
            httpx.ReadTimeout: "waiting for the response",
            httpx.WriteTimeout: "sending the request",
            httpx.PoolTimeout: "waiting for a connection",
        }.get(type(exc), "talking to the endpoint")
        return f"timed out {kind} ({exc or 'no detail'})"
    if isinstance(exc, ResponseTooLarge):
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
        return ssl.create_default_context(cafile=str(settings.ca_bundle))
    return True


def build_transport(target: EffectiveTarget) -> ExchangeLog:
    """The transport stack for ``target``; the single place a recorder or replayer plugs in."""
    limiter = target.shared.setdefault("limiter", RateLimiter(target.max_rps))
    if target.embedded:
        bridge = target.shared.setdefault("bridge", ASGIBridgeTransport(target.app))
        return ExchangeLog(
            BoundedTransport(_Unclosable(bridge), limiter, MAX_RESPONSE_BYTES), target.redactor
        )
    network = httpx.HTTPTransport(verify=_ssl_context(target), retries=0)
    bounded = BoundedTransport(network, limiter, MAX_RESPONSE_BYTES)
    return ExchangeLog(RetryTransport(bounded, target.api.rate_limit_code), target.redactor)


class _Unclosable(httpx.BaseTransport):
    """Closing one client must not stop the shared in-process server thread."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self._inner = inner

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return self._inner.handle_request(request)


def open_client(target: EffectiveTarget, auth: httpx.Auth | None = None) -> httpx.Client:
    """An ``httpx.Client`` bound to ``target``; the caller closes it."""
    settings = target.settings
    return httpx.Client(
        base_url=settings.base_url,
        auth=auth,
        timeout=httpx.Timeout(settings.timeout_s),
        transport=build_transport(target),
        follow_redirects=False,
        headers={"User-Agent": "pytest-sessionapi", "Accept": "application/json"},
    )


def exchange_log(client: httpx.Client) -> ExchangeLog | None:
    transport = client._transport  # noqa: SLF001 - httpx exposes no public accessor
    return transport if isinstance(transport, ExchangeLog) else None
