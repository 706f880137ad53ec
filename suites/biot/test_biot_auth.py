"""Authentication: BioT's bearer JWT, and what a missing, forged or expired token gets."""

from __future__ import annotations

import base64
import json

import pytest

from pytest_sessionapi.apis.biot.client import SESSION, BearerAuth
from pytest_sessionapi.apis.biot.rules import ERROR_REQUIREMENTS, Refusal
from pytest_sessionapi.apis.biot.steps import judge_refusal

pytestmark = pytest.mark.sessionapi("biot")

TOKEN_NOT_VALID = Refusal.of(401, "TOKEN_NOT_VALID")
"""Every usage-session operation documents 401 'Code : TOKEN_NOT_VALID, Details: []'."""


def _forged_token() -> str:
    """JWT-shaped, not expired, signed by nobody: what a server must refuse as not valid."""
    def b64(data: dict) -> str:
        raw = json.dumps(data, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    header = b64({"alg": "RS256", "typ": "JWT"})
    payload = b64({"sub": "pytest-sessionapi", "scope": "PROTECTED_API", "exp": 4102444800})
    return f"{header}.{payload}.cHl0ZXN0LXNlc3Npb25hcGktZm9yZ2Vk"


def _probe_url(device_id: str, inputs) -> str:
    # A session id nobody has: whatever the token, the request can change nothing.
    return SESSION.format(device_id=device_id, session_id=str(inputs.uuid4()))


@pytest.mark.sessionapi_requirement("BIOT-AUTH-MISSING", *ERROR_REQUIREMENTS)
def test_missing_token_is_refused(sessionapi_open_client, sessionapi_entity, sessionapi_conformance, sessionapi_inputs):
    """Every usage-session operation documents 401 'Code : TOKEN_NOT_VALID, Details: []': a
    request without an Authorization header gets it, in the ErrorResponse envelope."""
    http = sessionapi_open_client(None)
    response = http.get(_probe_url(sessionapi_entity("device_id"), sessionapi_inputs))
    judge_refusal(sessionapi_conformance, response, "getSession", {"BIOT-AUTH-MISSING": TOKEN_NOT_VALID})


@pytest.mark.sessionapi_requirement("BIOT-AUTH-INVALID", *ERROR_REQUIREMENTS)
def test_forged_token_is_refused(
    sessionapi_open_client, sessionapi_entity, sessionapi_target, sessionapi_conformance, sessionapi_inputs
):
    """A JWT-shaped token signed by nobody is not valid: 401 'Code : TOKEN_NOT_VALID, Details:
    []', in the ErrorResponse envelope."""
    http = sessionapi_open_client(BearerAuth(_forged_token(), sessionapi_target))
    response = http.get(_probe_url(sessionapi_entity("device_id"), sessionapi_inputs))
    judge_refusal(sessionapi_conformance, response, "getSession", {"BIOT-AUTH-INVALID": TOKEN_NOT_VALID})


@pytest.mark.sessionapi_requirement("BIOT-AUTH-EXPIRED", "BIOT-AUTH-EXPIRED-401", *ERROR_REQUIREMENTS)
def test_expired_token_is_refused(
    sessionapi_open_client, sessionapi_entity, sessionapi_target, sessionapi_conformance, sessionapi_inputs
):
    """An expired token is refused: the API reference documents 401 'Code : TOKEN_NOT_VALID,
    Details: []', the Device API access page 403, so either status passes the MUST and 401 is a
    SHOULD."""
    token = sessionapi_target.secrets.get("expired_token")
    if token is None:
        sessionapi_conformance.stop_not_tested("biot: the target names no expired_token_env (an expired BioT JWT)")
    http = sessionapi_open_client(BearerAuth(token, sessionapi_target))
    response = http.get(_probe_url(sessionapi_entity("device_id"), sessionapi_inputs))
    # 401 (API reference) or 403 (Device API access page) meets the MUST; 401 is the SHOULD.
    judge_refusal(sessionapi_conformance, response, "getSession", {
        "BIOT-AUTH-EXPIRED": Refusal(frozenset({401, 403})),
        "BIOT-AUTH-EXPIRED-401": TOKEN_NOT_VALID,
    })


@pytest.mark.sessionapi_requirement("BIOT-PROTECTED-API", *ERROR_REQUIREMENTS)
def test_token_without_protected_api_is_refused(
    biot_sessions, sessionapi_open_client, sessionapi_target, sessionapi_conformance
):
    """'This API requires PROTECTED_API permission(s).': a valid token of a user without it is
    refused with 403, and the suite's own session is not served."""
    token = sessionapi_target.secrets.get("token_without_protected_api")
    if token is None:
        sessionapi_conformance.stop_not_tested(
            "biot: the target names no token_without_protected_api_env (a valid BioT JWT of a "
            "user without the PROTECTED_API permission)"
        )
    created = biot_sessions.create()
    http = sessionapi_open_client(BearerAuth(token, sessionapi_target))
    # The suite's own session: a server that ignores the permission serves it (200).
    own_session = SESSION.format(device_id=biot_sessions.device_id, session_id=created["_id"])
    response = http.get(own_session)
    judge_refusal(sessionapi_conformance, response, "getSession", {"BIOT-PROTECTED-API": Refusal.of(403)})
