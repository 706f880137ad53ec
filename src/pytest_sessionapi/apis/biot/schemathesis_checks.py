"""The catalogue's rules registered as Schemathesis custom checks (imported once per process).

Each check judges one requirement, named in ``CHECK_REQUIREMENTS``, so the suite can run them one
at a time under the matching ``conformance.require(ID)``. The PATCH oracle needs what the server
stored before the request, which a Schemathesis check cannot see; the suite provides it through
``patch_expectation`` (a context variable) for the duration of one validation.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from pathlib import Path
from typing import Any

import httpx
import schemathesis

from pytest_sessionapi.schemathesis_support import as_httpx, validate_response

from . import checks
from .rules import PatchExpectation

_EXPECTATION: ContextVar[PatchExpectation | None] = ContextVar("biot_patch_expectation", default=None)

OPERATIONS = {
    ("PATCH", "/device/v1/devices/{deviceId}/usage-sessions/{id}"): "updateSession",
    ("GET", "/device/v1/devices/{deviceId}/usage-sessions/{id}"): "getSession",
    ("DELETE", "/device/v1/devices/{deviceId}/usage-sessions/{id}"): "deleteSession",
    ("POST", "/device/v1/devices/{deviceId}/usage-sessions/usage-type/{usageType}"):
        "createSessionByUsageType",
}


@contextmanager
def patch_expectation(expectation: PatchExpectation) -> Iterator[None]:
    token = _EXPECTATION.set(expectation)
    try:
        yield
    finally:
        _EXPECTATION.reset(token)


@schemathesis.check
def biot_error_envelope(ctx: Any, response: Any, case: Any) -> bool | None:
    """BIOT-ERROR-ENVELOPE."""
    if 400 <= response.status_code < 500:
        checks.check_error_envelope(as_httpx(response))
    return None


@schemathesis.check
def biot_error_details(ctx: Any, response: Any, case: Any) -> bool | None:
    """BIOT-ERROR-DETAILS."""
    operation = OPERATIONS.get((case.method.upper(), case.path))
    if operation is None or not 400 <= response.status_code < 500:
        return None
    try:
        body = as_httpx(response).json()
    except ValueError:
        return None  # the envelope check reports an unreadable body
    if isinstance(body, dict):
        checks.check_error_details(body, operation, response.status_code)
    return None


@schemathesis.check
def biot_datetime_utc(ctx: Any, response: Any, case: Any) -> bool | None:
    """BIOT-DATETIME-UTC."""
    if 200 <= response.status_code < 300 and response.content:
        try:
            body = as_httpx(response).json()
        except ValueError:
            return None
        checks.check_datetimes_utc(body)
    return None


@schemathesis.check
def biot_patch_rules(ctx: Any, response: Any, case: Any) -> bool | None:
    """The PATCH oracle (requirement: the first finding's, see ``rules.PatchExpectation``)."""
    expectation = _EXPECTATION.get()
    if expectation is None or case.method.upper() != "PATCH":
        return None
    try:
        body = as_httpx(response).json()
    except ValueError:
        body = None
    findings = expectation.judge(response.status_code, body)
    if findings:
        raise AssertionError("; ".join(f"[{f.requirement}] {f.message}" for f in findings))
    return None


CHECK_REQUIREMENTS = {
    biot_error_envelope: "BIOT-ERROR-ENVELOPE",
    biot_error_details: "BIOT-ERROR-DETAILS",
    biot_datetime_utc: "BIOT-DATETIME-UTC",
}


@cache
def load_schema() -> Any:
    """The suite's working OpenAPI document (openapi.json), loaded once per process."""
    return schemathesis.openapi.from_path(str(Path(__file__).with_name("openapi.json")))


PATCH_PATH = "/device/v1/devices/{deviceId}/usage-sessions/{id}"
PLACEHOLDER_PATH = {"deviceId": "placeholder-device", "id": "00000000-0000-4000-8000-000000000000"}
"""Fixed path parameters for generation: only the body varies (and is mutated in negative mode);
each case is then pointed at a fresh session of the suite's own."""


def validate(case: Any, response: httpx.Response, check: Any) -> None:
    """``case.validate_response`` with one check, its failure as an ``AssertionError``.

    Schemathesis raises ``FailureGroup``, a ``BaseExceptionGroup`` that ``except Exception`` (the
    plugin's requirement blocks) does not catch; the message keeps each failure's title and text
    (not the reproduction command, which would carry the generated junk headers)."""
    from schemathesis.core.failures import FailureGroup

    try:
        validate_response(case, response, [check])
    except FailureGroup as group:
        parts = []
        for failure in group.exceptions:
            title = getattr(failure, "title", type(failure).__name__)
            message = getattr(failure, "message", "") or str(failure)
            parts.append(f"{title}: {message}".strip())
        raise AssertionError("; ".join(parts)) from None
