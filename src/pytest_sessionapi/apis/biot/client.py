"""BioT usage-session client: ``Authorization: Bearer <JWT>`` and one method per operation.

Methods return the ``httpx.Response`` untouched; judging it is the suite's job.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from urllib.parse import quote

import httpx

from pytest_sessionapi.config import EffectiveTarget

SESSIONS = "/device/v1/devices/{device_id}/usage-sessions"
SESSION = SESSIONS + "/{session_id}"
BY_USAGE_TYPE = SESSIONS + "/usage-type/{usage_type}"

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


def _segment(value: str) -> str:
    # Device ids are free strings; keep a '/' or '?' in one from changing the route.
    return quote(value, safe="")


class Client:
    def __init__(self, http: httpx.Client, target: EffectiveTarget) -> None:
        self.http = http
        self.target = target

    def create_session_by_usage_type(
        self, device_id: str, usage_type: str, body: Any
    ) -> httpx.Response:
        url = BY_USAGE_TYPE.format(device_id=_segment(device_id), usage_type=_segment(usage_type))
        return self.http.post(url, json=body, headers=SYNC)

    def get_session(self, device_id: str, session_id: str) -> httpx.Response:
        return self.http.get(
            SESSION.format(device_id=_segment(device_id), session_id=_segment(session_id))
        )

    def update_session(
        self, device_id: str, session_id: str, body: Any = None, *, content: bytes | None = None
    ) -> httpx.Response:
        """PATCH; ``content`` sends raw bytes (for malformed-JSON checks) instead of ``body``."""
        url = SESSION.format(device_id=_segment(device_id), session_id=_segment(session_id))
        if content is not None:
            return self.http.patch(
                url, content=content, headers={"Content-Type": "application/json"}
            )
        return self.http.patch(url, json=body)

    def delete_session(self, device_id: str, session_id: str) -> httpx.Response:
        return self.http.delete(
            SESSION.format(device_id=_segment(device_id), session_id=_segment(session_id)),
            headers=SYNC,
        )
