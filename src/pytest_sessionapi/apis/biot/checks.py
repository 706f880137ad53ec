"""The catalogue's response rules as plain functions raising ``AssertionError``.

Used by the example tests, the Hypothesis tests and (wrapped in ``schemathesis_checks``) as
Schemathesis custom checks. Each function checks one requirement, named in its docstring.
"""

from __future__ import annotations

from typing import Any

import httpx
from pydantic import ValidationError

from pytest_sessionapi.http_checks import describe, json_body, media_type

from . import rules
from .models import ENVELOPE_FIELDS, SESSION_DATETIME_FIELDS, ErrorResponse, SessionResponseV2


def _first_errors(error: ValidationError, limit: int = 3) -> str:
    parts = []
    for item in error.errors()[:limit]:
        where = ".".join(str(p) for p in item["loc"])
        parts.append(f"{where}: {item['msg']}")
    more = len(error.errors()) - limit
    return "; ".join(parts) + (f"; and {more} more" if more > 0 else "")


def check_session_body(body: Any) -> SessionResponseV2:
    """BIOT-RESPONSE-SCHEMA: a full SessionResponseV2 (every required attribute, right types)."""
    try:
        return SessionResponseV2.model_validate(body)
    except ValidationError as exc:
        raise AssertionError(f"not a SessionResponseV2: {_first_errors(exc)}") from None


def check_session_response(response: httpx.Response, status: int) -> dict[str, Any]:
    """BIOT-RESPONSE-SCHEMA for a success answer: status, JSON media type, full body."""
    assert response.status_code == status, (
        f"expected {status} with a SessionResponseV2, got {describe(response)}"
    )
    assert media_type(response) == "application/json", (
        f"a session answer must be application/json, got {media_type(response)!r}"
    )
    body = json_body(response)
    check_session_body(body)
    return body


def check_datetimes_utc(body: Any) -> None:
    """BIOT-DATETIME-UTC: every date-time attribute of a session is ISO-8601 in UTC."""
    if not isinstance(body, dict):
        return
    for name in SESSION_DATETIME_FIELDS:
        value = body.get(name)
        if value is None:
            continue
        assert rules.parse_utc(value) is not None, (
            f"{name} = {value!r} is not an ISO-8601 date-time in UTC (Z or +00:00)"
        )


def check_error_envelope(response: httpx.Response) -> dict[str, Any]:
    """BIOT-ERROR-ENVELOPE: a JSON ErrorResponse with a string ``code``; the other envelope
    attributes, when present, have their documented types."""
    assert media_type(response) == "application/json", (
        f"an error answer must be an application/json ErrorResponse, got "
        f"{media_type(response)!r}: {describe(response)}"
    )
    body = json_body(response)
    try:
        ErrorResponse.model_validate(body)
    except ValidationError as exc:
        raise AssertionError(
            f"not a BioT ErrorResponse: {_first_errors(exc)}; {describe(response)}"
        ) from None
    return body


def check_error_envelope_fields(body: dict[str, Any]) -> None:
    """BIOT-ERROR-ENVELOPE-FIELDS: all six envelope attributes are present."""
    missing = [name for name in ENVELOPE_FIELDS if name not in body]
    assert not missing, f"the error envelope lacks {', '.join(missing)}"


def check_error_details(body: dict[str, Any], operation_id: str, status: int) -> None:
    """BIOT-ERROR-DETAILS: for a code the vendor lists at this status for this operation,
    ``details`` is an object carrying every key listed for it."""
    code = body.get("code")
    keys = rules.documented_details(operation_id, status, code)
    if keys is None:
        return
    details = body.get("details")
    assert isinstance(details, dict), (
        f"{code}: details must be an object carrying {list(keys)}, got {details!r}"
    )
    missing = [key for key in keys if key not in details]
    assert not missing, (
        f"{code}: details lacks {missing} (documented: 'Code : {code}, Details: "
        f"[{', '.join(keys)}]'); got {sorted(details)}"
    )


def check_error(
    response: httpx.Response, status: int, code: str | None
) -> dict[str, Any]:
    """The status and documented code of an expected refusal (the caller's requirement)."""
    assert response.status_code == status, f"expected {status} {code or ''}, got {describe(response)}"
    body = json_body(response)
    if code is not None:
        actual = body.get("code") if isinstance(body, dict) else None
        assert actual == code, f"expected code {code!r}, got {actual!r}: {describe(response)}"
    return body


def record_error_checks(conformance: Any, response: httpx.Response, operation_id: str) -> None:
    """Judge an error answer's envelope (BIOT-ERROR-ENVELOPE, -FIELDS) and details
    (BIOT-ERROR-DETAILS), each under its own requirement; the caller judges status and code
    (an answer that is not an error at all is the caller's requirement's failure, not these)."""
    if not 400 <= response.status_code < 500:
        return
    body: dict[str, Any] | None = None
    with conformance.check("BIOT-ERROR-ENVELOPE"):
        body = check_error_envelope(response)
    if not isinstance(body, dict):
        return
    with conformance.check("BIOT-ERROR-ENVELOPE-FIELDS"):
        check_error_envelope_fields(body)
    with conformance.check("BIOT-ERROR-DETAILS"):
        check_error_details(body, operation_id, response.status_code)


ERROR_REQUIREMENTS = ("BIOT-ERROR-ENVELOPE", "BIOT-ERROR-ENVELOPE-FIELDS", "BIOT-ERROR-DETAILS")


def record_session_checks(conformance: Any, response: httpx.Response, status: int) -> dict[str, Any] | None:
    """Judge a success answer: BIOT-RESPONSE-SCHEMA and BIOT-DATETIME-UTC; the body or None."""
    body = None
    with conformance.check("BIOT-RESPONSE-SCHEMA"):
        body = check_session_response(response, status)
    if body is not None:
        with conformance.check("BIOT-DATETIME-UTC"):
            check_datetimes_utc(body)
    return body


SESSION_REQUIREMENTS = ("BIOT-RESPONSE-SCHEMA", "BIOT-DATETIME-UTC")
