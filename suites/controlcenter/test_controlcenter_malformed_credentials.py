"""Authorization headers that are not HTTP Basic username:apiKey credentials at all: another
scheme, a Basic blob that is not base64, a Basic blob without the ':' between username and key.

Control Center authenticates with HTTP Basic (username:apiKey); none of these carries a username
and a key, so each is invalid credentials: '10000001 Invalid credentials.' with HTTP 401, like a
wrong key (test_controlcenter_errors.py). None of them holds a real credential, so nothing here
depends on how a server reads a scheme the vendor does not use.
"""

from __future__ import annotations

import base64
from collections.abc import Generator

import httpx
import pytest

pytestmark = pytest.mark.sessionapi("controlcenter")

MALFORMED = {
    "bearer-scheme": "Bearer sessionapi-not-a-credential",
    "basic-not-base64": "Basic sessionapi:not*base64!",
    "basic-without-colon": "Basic " + base64.b64encode(b"sessionapi-no-colon-here").decode(),
}

BAD_CREDENTIALS = (
    "CC-ERR-BAD-CREDENTIALS",
    "CC-AUTH-CHALLENGE",
    "CC-ERR-STATUS-TABLE",
    "CC-ERR-ENVELOPE",
    "CC-ERR-FIELD-NAMES",
    "CC-ERR-CODE-STRING",
    "CC-CONTENT-TYPE",
    "CC-NO-SERVER-ERROR",
)


class _Header(httpx.Auth):
    """Sends exactly this Authorization header."""

    def __init__(self, value: str) -> None:
        self.value = value

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = self.value
        yield request


@pytest.mark.sessionapi_requirement(*BAD_CREDENTIALS)
@pytest.mark.parametrize("form", sorted(MALFORMED))
def test_malformed_authorization(form, sessionapi_open_client, cc_refused):
    """10000001 'Invalid credentials.' with HTTP 401, asked about a device in session when the
    target names one (a server that lets the request through would hand out its data)."""
    cc_refused(sessionapi_open_client(_Header(MALFORMED[form])), "invalid", BAD_CREDENTIALS)
