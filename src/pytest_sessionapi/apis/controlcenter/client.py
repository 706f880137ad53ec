"""Control Center REST client: HTTP Basic ``username:apiKey`` and Get Session Details.

The vendor's flow is plain HTTP Basic (api-facts-cisco B.3 [V]): Base64 of ``username:apiKey``
in ``Authorization: Basic``, on every request, no session. httpx implements exactly that.
"""

from __future__ import annotations

from urllib.parse import quote

import httpx

from pytest_sessionapi.config import EffectiveTarget

CURRENT_API_VERSION = "1"
"""'The current version for all functions is 1.' (seed 001, Request Parameters)."""


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
