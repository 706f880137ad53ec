"""Control Center REST client: HTTP Basic ``username:apiKey`` and Get Session Details.

The vendor's flow is plain HTTP Basic (Control Center authentication): Base64 of ``username:apiKey``
in ``Authorization: Basic``, on every request, no session. httpx implements exactly that.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from urllib.parse import quote

import httpx

from pytest_sessionapi.config import EffectiveTarget
from pytest_sessionapi.preflight import SetupProblem

from .target import unknown_iccids

CURRENT_API_VERSION = "1"
"""'The current version for all functions is 1.' ('Get Session Details', Request Parameters)."""

BAD_CREDENTIALS = "10000001"
"""'Get Session Details' errors table: 401 "Invalid credentials.", used when the API credentials
are invalid or the caller's IP address is not within the account's allowed range."""


def build_auth(target: EffectiveTarget) -> httpx.Auth:
    username = target.settings.username
    api_key = target.secret("api_key")
    # The Basic blob is on the wire in every request; register it (and the key) before any
    # request exists, so no log, report or failure message can carry it.
    target.redactor.add_basic_credentials(username, api_key)
    return httpx.BasicAuth(username, api_key)


def session_info_path(iccid: str, api_version: str = CURRENT_API_VERSION) -> str:
    """``/rws/api/v{apiVersion}/devices/{iccid}/sessionInfo``, each value one escaped segment."""
    return (
        f"/rws/api/v{quote(str(api_version), safe='')}"
        f"/devices/{quote(str(iccid), safe='')}/sessionInfo"
    )


class Client:
    """One thin method per vendor operation; returns the response, asserts nothing."""

    def __init__(self, http: httpx.Client, target: EffectiveTarget) -> None:
        self.http = http
        self.target = target

    def session_info(
        self, iccid: str, api_version: str = CURRENT_API_VERSION
    ) -> httpx.Response:
        """Get Session Details: ``GET /rws/api/v{apiVersion}/devices/{iccid}/sessionInfo``."""
        return self.http.get(
            session_info_path(iccid, api_version), headers={"Accept": "application/json"}
        )


def error_code(response: httpx.Response) -> str | None:
    """The body's ``errorCode`` as text (a number is read too), or None."""
    try:
        body = json.loads(response.content)
    except ValueError:
        return None
    code = body.get("errorCode") if isinstance(body, dict) else None
    return None if code is None or isinstance(code, bool | dict | list) else str(code)


def preflight(
    open_http: Callable[[httpx.Auth | None], httpx.Client], target: EffectiveTarget
) -> SetupProblem | None:
    """One Get Session Details with the configured credentials, of an ICCID the account does not
    hold (read-only; 404 20000001 when the credentials are accepted). Only the documented
    refusal, 401 with errorCode 10000001, says the credentials are wrong; a 401 without it is the
    suite's to judge."""
    http = open_http(build_auth(target))
    response = Client(http, target).session_info(unknown_iccids(target.settings)[0])
    if response.status_code == 401 and error_code(response) == BAD_CREDENTIALS:
        return SetupProblem(
            target.api.name,
            f"credentials refused (401 {BAD_CREDENTIALS})",
            "check username and api_key_env, and that this machine's IP address is in the "
            "account's allowed range; if they are right, the endpoint refuses valid credentials",
        )
    return None
