"""Before an API's tests: is what the user controls set up right?

A wrong API key, an unreachable host or a ``base_url`` that already holds the API's path would
otherwise fail every check of a suite and read as a nonconformant vendor. The preflight looks at
exactly what the user controls, in one or two requests (each bounded by the target's timeout),
and says in one line what to check. Interface, called by the runtime before an API's tests::

    check_target(target, open_http) -> SetupProblem | None

``open_http(auth)`` returns an ``httpx.Client`` bound to the target through the project's
transport, so the preflight's requests are counted, rate limited and logged redacted like any
other; the clients stay the caller's to close. ``SetupProblem.line()`` is
``"{api}: {what}: {advice}"``, one line, never a secret, e.g.::

    controlcenter: credentials refused (401 10000001): check username and api_key_env, ...

What counts as a setup problem, in the order it is checked:

1. ``base_url`` ends in a path the suite appends itself (``ApiDescriptor.appended_paths``):
   found without a request.
2. The host does not answer: the name does not resolve, the connection is refused, connecting
   times out, or a proxy refuses the connection.
3. TLS does not work: the certificate is not trusted, or the handshake fails.
4. The endpoint redirects to another scheme, host or port (``http://`` for an HTTPS-only
   endpoint, a captive portal); the suite follows no redirect.
5. The credentials are refused with the API's own documented "bad credentials" answer. Each
   API's ``client.preflight(open_http, target)`` makes one documented login or read with the
   configured credentials and knows that answer; transport errors it lets through to here.

Nothing else is: a 5xx, a login that "succeeds" without a session cookie, a malformed body, a
response that never comes. ``check_target`` returns None and the suite judges the endpoint,
because those are the vendor's behaviour, not the user's setup.
"""

from __future__ import annotations

import ssl
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import httpx

from .config import EffectiveTarget

OpenHttp = Callable[[httpx.Auth | None], httpx.Client]

REACH_ADVICE = "check base_url and that this machine can reach it (network, VPN, firewall, proxy)"


@dataclass(frozen=True)
class SetupProblem:
    api: str
    what: str
    """What went wrong, e.g. ``credentials refused (401 10000001)``."""
    advice: str
    """What the user should check, e.g. ``check username and api_key_env; ...``."""

    def line(self) -> str:
        text = f"{self.api}: {self.what}: {self.advice}"
        return " ".join(text.split())


def appended_path_in(base_url: str, appended_paths: tuple[str, ...]) -> tuple[str, str] | None:
    """(the offending end of the path, ``base_url`` without it) when ``base_url``'s path ends in
    the start of a path the client appends (``/rws``, ``/rws/api``, ``/rws/api/v1``...), or
    holds all of one (``/rws/api/v1/devices``); None otherwise.

    Segment by segment, so that ``/gateway/devices`` is not mistaken for BioT's ``/device/v1``.
    """
    parts = urlsplit(base_url)
    segments = [s for s in parts.path.split("/") if s]
    for start in range(len(segments)):
        tail = segments[start:]
        for appended in appended_paths:
            head = [s for s in appended.split("/") if s]
            common = min(len(tail), len(head))
            if tail[:common] == head[:common]:
                kept = "/" + "/".join(segments[:start]) if start else ""
                trimmed = urlunsplit((parts.scheme, parts.netloc, kept, "", ""))
                return "/" + "/".join(tail), trimmed
    return None


def origin(url: httpx.URL) -> str:
    """``scheme://host:port``, the port always written: it is what the socket was opened to."""
    port = url.port or {"http": 80, "https": 443}.get(url.scheme)
    host = f"[{url.host}]" if ":" in url.host else url.host
    return f"{url.scheme}://{host}:{port}"


def _causes(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _unreachable(
    api: str, where: str, timeout_s: float, exc: httpx.TransportError
) -> SetupProblem | None:
    """The setup problem a transport error shows, or None when it is the endpoint's behaviour."""
    if isinstance(exc, httpx.ConnectTimeout):
        return SetupProblem(
            api, f"timed out connecting to {where} after {timeout_s:g} s",
            f"{REACH_ADVICE}; on a slow network raise timeout_s",
        )
    if isinstance(exc, httpx.ProxyError):
        return SetupProblem(
            api, f"the proxy did not connect to {where} ({exc or type(exc).__name__})",
            "check the proxy settings and that the proxy may reach base_url",
        )
    if not isinstance(exc, httpx.ConnectError):
        # A read timeout, a reset or a broken answer after connecting: the endpoint's doing.
        return None
    causes = list(_causes(exc))
    for cause in causes:
        if isinstance(cause, ssl.SSLCertVerificationError):
            reason = cause.verify_message or cause.reason or "certificate verify failed"
            return SetupProblem(
                api, f"TLS certificate of {where} not trusted ({reason})",
                "set ca_bundle to a PEM file holding the CA that signed it "
                "(or verify_tls = false, for a test endpoint only)",
            )
    for cause in causes:
        if isinstance(cause, ssl.SSLError):
            reason = (cause.reason or str(cause)).replace("_", " ").lower()
            return SetupProblem(
                api, f"TLS handshake with {where} failed ({reason})",
                "check that base_url's scheme and port are those of the endpoint's HTTPS service",
            )
    detail = next(
        (c.strerror for c in causes if isinstance(c, OSError) and c.strerror),
        str(exc) or type(exc).__name__,
    )
    return SetupProblem(api, f"could not connect to {where} ({detail})", REACH_ADVICE)


def _redirected_elsewhere(
    api: str, base: httpx.URL, responses: list[httpx.Response]
) -> SetupProblem | None:
    """A redirect to another origin: ``base_url`` names the wrong scheme, host or port. A
    redirect within the endpoint (vManage's ``/welcome.html`` for an expired session) is the
    suite's to judge."""
    for response in responses:
        location = response.headers.get("location")
        if not response.is_redirect or not location:
            continue
        try:
            target = response.request.url.join(location)
        except httpx.InvalidURL:
            continue
        if origin(target) != origin(base):
            elsewhere = origin(target)
            return SetupProblem(
                api, f"base_url redirects to {elsewhere} ({response.status_code})",
                f'if that is the endpoint, set base_url = "{elsewhere}"; '
                "the suite follows no redirect",
            )
    return None


def check_target(target: EffectiveTarget, open_http: OpenHttp) -> SetupProblem | None:
    """The first setup problem of ``target``, or None when the suite may judge the endpoint."""
    api = target.api
    problem = _check(target, open_http)
    if problem is None:
        return None
    redact = target.redactor.text
    return SetupProblem(api.name, redact(problem.what), redact(problem.advice))


def _check(target: EffectiveTarget, open_http: OpenHttp) -> SetupProblem | None:
    api = target.api
    base_url = target.settings.base_url
    appended = appended_path_in(base_url, api.appended_paths)
    if appended is not None:
        suffix, trimmed = appended
        return SetupProblem(
            api.name, f"base_url ends in {suffix}, a path the suite appends itself",
            f'set base_url = "{trimmed}"',
        )
    responses: list[httpx.Response] = []

    def watched(auth: httpx.Auth | None) -> httpx.Client:
        client = open_http(auth)
        hooks = client.event_hooks
        client.event_hooks = {**hooks, "response": [*hooks.get("response", []), responses.append]}
        return client

    base = httpx.URL(base_url)
    try:
        refused = api.client.preflight(watched, target)
        problem = _redirected_elsewhere(api.name, base, responses) or refused
        if problem is None:
            problem = api.sessions.leftovers(watched, target)
    except httpx.TransportError as exc:
        return _unreachable(api.name, origin(base), target.settings.timeout_s, exc)
    return problem
