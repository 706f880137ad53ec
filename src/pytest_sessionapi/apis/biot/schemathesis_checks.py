"""BioT and Schemathesis: the rules as Schemathesis custom checks, Schemathesis's built-in checks
mapped to requirement IDs, and the working OpenAPI document.

The suite judges each answer once (``suites/biot/test_biot_schemathesis.py``, through the core's
:func:`pytest_sessionapi.schemathesis_support.judge_generated`): ``RULES``, and Schemathesis's
built-in checks (:data:`BUILTIN_CHECKS`), whose failures :func:`requirement_of` attributes. The
custom checks (``biot_biot_error_envelope`` ...) are built from the same rulebook by the core
factory, registered once per process when this module is imported, for users who run Schemathesis
themselves; they ignore operations that are not BioT's.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import httpx
import schemathesis
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from pytest_sessionapi.rulebook import Answer
from pytest_sessionapi.schemathesis_support import rule_checks

from .rules import RULES, Asked

OPERATIONS = {
    ("PATCH", "/device/v1/devices/{deviceId}/usage-sessions/{id}"): "updateSession",
    ("GET", "/device/v1/devices/{deviceId}/usage-sessions/{id}"): "getSession",
    ("DELETE", "/device/v1/devices/{deviceId}/usage-sessions/{id}"): "deleteSession",
    ("POST", "/device/v1/devices/{deviceId}/usage-sessions/usage-type/{usageType}"):
        "createSessionByUsageType",
}

PATCH_PATH = "/device/v1/devices/{deviceId}/usage-sessions/{id}"
PLACEHOLDER_PATH = {"deviceId": "placeholder-device", "id": "00000000-0000-4000-8000-000000000000"}
"""Fixed path parameters for generation: only the body varies (and is mutated in negative mode);
each case is then pointed at a fresh session of the suite's own."""


def _is_ours(case: Any) -> bool:
    return (case.method.upper(), case.path) in OPERATIONS


def asked_from_case(case: Any) -> Asked:
    """What a Schemathesis case asked: its operation (the state-free rules need no more)."""
    return Asked(OPERATIONS.get((case.method.upper(), case.path), ""))


CUSTOM_REQUIREMENTS = ("BIOT-ERROR-ENVELOPE", "BIOT-ERROR-DETAILS", "BIOT-DATETIME-UTC")
"""The rules that judge an answer on its own, without the session stored before the request."""
CUSTOM_CHECKS = rule_checks(
    "biot", RULES, CUSTOM_REQUIREMENTS, asked_of=asked_from_case, is_ours=_is_ours
)

BUILTIN_CHECKS = [content_type_conformance, response_schema_conformance]
"""Schemathesis's own checks the suite runs: the answer's media type and schema."""


def requirement_of(failure: Any, answer: Answer, asked: Asked) -> str:
    """The requirement a failure of the built-in checks breaks: the session schema for a success
    answer, the error envelope otherwise."""
    return "BIOT-RESPONSE-SCHEMA" if 200 <= answer.status < 300 else "BIOT-ERROR-ENVELOPE"


def builtin_judges(answer: Answer, asked: Asked) -> tuple[str]:
    """The built-in checks judge an answer's media type and schema as one requirement: with no
    failure, that requirement is met."""
    return (requirement_of(None, answer, asked),)


NOT_JSON_BODY: Any = object()
"""What :func:`body_only` reports as the body when a negative case's body is not JSON."""


def body_only(http: httpx.Client, case: Any) -> tuple[str, Any, dict[str, Any]]:
    """A case's URL, the body it sends (decoded JSON, or :data:`NOT_JSON_BODY`) and the keyword
    arguments that send just that body through the suite's own client. Generated headers (a
    mutated Authorization among them) stay home: the client authenticates, and only the body is
    under test. A negative case's raw body is sent as it is, not re-encoded."""
    kwargs = case.as_transport_kwargs(base_url=str(http.base_url))
    if "json" in kwargs:
        return kwargs["url"], kwargs["json"], {"json": kwargs["json"]}
    raw = kwargs.get("data", b"")
    raw = raw.encode() if isinstance(raw, str) else raw
    try:
        sent = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        sent = NOT_JSON_BODY
    return kwargs["url"], sent, {"content": raw}


@cache
def load_schema() -> Any:
    """The suite's working OpenAPI document (openapi.json), loaded once per process."""
    return schemathesis.openapi.from_path(str(Path(__file__).with_name("openapi.json")))
