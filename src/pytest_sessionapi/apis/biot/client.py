"""BioT usage-session client: ``Authorization: Bearer <JWT>`` and one method per operation.

Methods return the ``httpx.Response`` untouched; judging it is the suite's job.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Generator
from typing import Any

from urllib.parse import quote

import httpx

from pytest_sessionapi.config import EffectiveTarget
from pytest_sessionapi.http_checks import parse_json
from pytest_sessionapi.preflight import SetupProblem

SESSIONS = "/device/v1/devices/{device_id}/usage-sessions"
SESSION = SESSIONS + "/{session_id}"
BY_USAGE_TYPE = SESSIONS + "/usage-type/{usage_type}"
SEARCH = "/device/v1/devices/usage-sessions"
"""searchSessions ("Search Usage Session entities by filter"): the preflight's look at the device."""

# The spec's x-execution-mode header: without it create and delete run "asynchronously", and a
# GET straight after could see the old state. The suite wants read-after-write, so it asks for sync.
SYNC = {"x-execution-mode": "sync"}


class BearerAuth(httpx.Auth):
    """BioT's bearer scheme (securitySchemes.bearerAuth: http/bearer/JWT).

    The token is obtained out of band (user login or the device's MQTT token topic) and given
    through ``token_env``; it is registered with the redactor so it never reaches a report.
    """

    def __init__(self, token: str, target: EffectiveTarget | None = None) -> None:
        self._header = f"Bearer {token}"
        if target is not None:
            target.redactor.add(token)
            target.redactor.add(self._header)

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = self._header
        yield request


def build_auth(target: EffectiveTarget) -> httpx.Auth | None:
    return BearerAuth(target.secret("token"), target)


PREFLIGHT_SESSION_ID = "00000000-0000-4000-8000-000000000000"
"""A session id no server holds: the preflight's read changes nothing and finds nothing."""
PREFLIGHT_DEVICE_ID = "sessionapi-preflight"
"""The device of the preflight's read when the target names none (authentication comes first)."""

TOKEN_REFUSED = {
    # The API reference's answer to a bad token, on every operation (facts 1.3).
    (401, "TOKEN_NOT_VALID"): (
        "token refused (401 TOKEN_NOT_VALID)",
        "check token_env: it must hold a BioT JWT that has not expired; if it does, the "
        "endpoint refuses a valid token",
    ),
    # The Device API access page's answer to an expired token (facts 3.2), and the API
    # reference's to a token without the operation's permission or of another organization.
    (403, "ACCESS_DENIED"): (
        "access denied (403 ACCESS_DENIED)",
        "check token_env (a BioT JWT that has not expired and carries PROTECTED_API) and that "
        "device_id belongs to the token's organization; if they are right, the endpoint refuses "
        "valid credentials",
    ),
}


def preflight(
    open_http: Callable[[httpx.Auth | None], httpx.Client], target: EffectiveTarget
) -> SetupProblem | None:
    """One getSession with the configured token, of a session id nobody holds (read-only; 404
    when the token is accepted). Only the documented refusals of a token count; any other
    answer is the suite's to judge."""
    device_id = target.entity("device_id")
    client = Client(open_http(build_auth(target)), target)
    response = client.get_session(device_id or PREFLIGHT_DEVICE_ID, PREFLIGHT_SESSION_ID)
    try:
        body = parse_json(response.content)
    except ValueError:
        return None
    code = body.get("code") if isinstance(body, dict) else None
    if device_id is None and response.status_code == 403:
        # The stand-in device is nobody's: a 403 may be about it, not about the token.
        return None
    refused = TOKEN_REFUSED.get((response.status_code, code)) if isinstance(code, str) else None
    if refused is None:
        return None
    return SetupProblem(target.api.name, *refused)


_KEPT_URLS = 256
"""How many joined URLs a client keeps (the paths of the last few sessions)."""


def _segment(value: str) -> str:
    # Device ids are free strings; keep a '/' or '?' in one from changing the route.
    return quote(value, safe="")


class Client:
    def __init__(self, http: httpx.Client, target: EffectiveTarget) -> None:
        self.http = http
        self.target = target
        self._urls: dict[str, httpx.URL] = {}
        self._urls_base: httpx.URL | None = None

    def _url(self, path: str) -> httpx.URL | str:
        """``path`` on the client's base URL, joined as httpx joins it, once per path: httpx
        parses a relative URL twice for every request (0.1 ms, a fifth of the client's own CPU
        for one BioT request), and a session's path serves all of its requests."""
        base = self.http.base_url
        if base.is_relative_url:
            return path
        if base is not self._urls_base or len(self._urls) >= _KEPT_URLS:
            self._urls, self._urls_base = {}, base
        url = self._urls.get(path)
        if url is None:
            joined = base.raw_path + httpx.URL(path).raw_path.lstrip(b"/")
            url = self._urls[path] = base.copy_with(raw_path=joined)
        return url

    def create_session_by_usage_type(
        self, device_id: str, usage_type: str, body: Any
    ) -> httpx.Response:
        url = BY_USAGE_TYPE.format(device_id=_segment(device_id), usage_type=_segment(usage_type))
        return self.http.post(self._url(url), json=body, headers=SYNC)

    def get_session(self, device_id: str, session_id: str) -> httpx.Response:
        return self.http.get(
            self._url(SESSION.format(device_id=_segment(device_id), session_id=_segment(session_id)))
        )

    def update_session(
        self, device_id: str, session_id: str, body: Any = None, *, content: bytes | None = None
    ) -> httpx.Response:
        """PATCH; ``content`` sends raw bytes (for malformed-JSON checks) instead of ``body``."""
        url = self._url(SESSION.format(device_id=_segment(device_id), session_id=_segment(session_id)))
        if content is not None:
            return self.http.patch(
                url, content=content, headers={"Content-Type": "application/json"}
            )
        return self.http.patch(url, json=body)

    def search_sessions(self, search: dict[str, Any]) -> httpx.Response:
        """searchSessions: ``search`` is the SearchRequestV2 (filter, sort, limit, page), sent
        URL-encoded as the ``searchRequest`` query parameter."""
        return self.http.get(SEARCH, params={"searchRequest": json.dumps(search, separators=(",", ":"))})

    def delete_session(self, device_id: str, session_id: str) -> httpx.Response:
        return self.http.delete(
            self._url(SESSION.format(device_id=_segment(device_id), session_id=_segment(session_id))),
            headers=SYNC,
        )
