"""The one HTTP layer every request of every suite goes through.

``open_client(target)`` returns an ``httpx.Client`` whose transport stack is, from the outside in:

``ExchangeLog`` (redacted record of each exchange, for diagnoses and, later, cassettes)
-> ``BoundedTransport`` (rate limit per API, response-size cap)
-> the network (``httpx.HTTPTransport``) or the in-process app (``ASGIBridgeTransport``).

Suites never build clients themselves; recording or replaying traffic is a change here only.
"""

from __future__ import annotations

import ssl
import threading
import time
from collections import deque
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

    def summary(self, body_chars: int = 300) -> str:
        lines = [f"{self.method} {self.url}"]
        if self.error:
            lines.append(f"  -> no response: {self.error}")
        else:
            ctype = self.response_headers.get("content-type", "(no content-type)")
            lines.append(f"  -> {self.status} {ctype}, {self.elapsed_s * 1000:.0f} ms")
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
        self.exchanges.append(
            Exchange(
                request.method, url, self._redactor.headers(request.headers.multi_items()),
                request_body, response.status_code,
                self._redactor.headers(response.headers.multi_items()),
                self._body(content, url), None, time.monotonic() - started,
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
        inner: httpx.BaseTransport = _Unclosable(bridge)
    else:
        inner = httpx.HTTPTransport(verify=_ssl_context(target), retries=0)
    return ExchangeLog(BoundedTransport(inner, limiter, MAX_RESPONSE_BYTES), target.redactor)


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
