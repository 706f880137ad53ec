"""Schemathesis on the vendor's OpenAPI document, trimmed to what the suite exercises (openapi.json
in the API package), for Update Usage Session: positive and negative bodies, every request sent
through the suite's own client, every answer judged by Schemathesis' schema checks and by the
catalogue's rules registered as Schemathesis custom checks (``schemathesis_checks``)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, reject
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from pytest_sessionapi.apis.biot import schemathesis_checks as biot_checks
from pytest_sessionapi.apis.biot.judge import record
from pytest_sessionapi.apis.biot.rules import (
    R_GET,
    R_PARTIAL,
    R_REJECTED_NO_EFFECT,
    AmbiguousTime,
    Finding,
    SessionView,
    expect_patch,
    judge_stored,
)

pytestmark = pytest.mark.sessionapi("biot")

_NOT_JSON = object()


def _strategy():
    operation = biot_checks.load_schema()[biot_checks.PATCH_PATH]["PATCH"]
    return st.one_of(
        operation.as_strategy(
            generation_mode=mode, path_parameters=dict(biot_checks.PLACEHOLDER_PATH)
        )
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    )


def _body_of(kwargs: dict):
    """(what the oracle judges, httpx keyword arguments for the body)."""
    if "json" in kwargs:
        return kwargs["json"], {"json": kwargs["json"]}
    raw = kwargs.get("data", b"")
    raw = raw.encode() if isinstance(raw, str) else raw
    try:
        return json.loads(raw), {"content": raw}
    except (ValueError, UnicodeDecodeError):
        return _NOT_JSON, {"content": raw}


# Always judged; the rule each generated body breaks is recorded under its own requirement as it
# comes up (declaring them all would report a rule no example happened to break as passed).
@pytest.mark.requirement(
    "BIOT-PATCH-PARTIAL", "BIOT-GET", "BIOT-PATCH-REJECTED-NO-EFFECT", "BIOT-RESPONSE-SCHEMA",
    "BIOT-DATETIME-UTC", "BIOT-ERROR-ENVELOPE", "BIOT-ERROR-DETAILS",
)
def test_schemathesis_update_usage_session(biot_sessions, sessionapi_client, conformance):
    """Update Usage Session ('Performs partial update, if a field is specified in the request it
    will be updated') with Schemathesis' positive and negative bodies: every answer judged by its
    schema checks and by the catalogue's rules."""
    http = sessionapi_client.http

    @given(case=_strategy())
    def one_case(case):
        try:
            created = biot_sessions.create()
            session_id = created["_id"]
            before = SessionView.from_body(created)
            case.path_parameters = {"deviceId": biot_sessions.device_id, "id": session_id}
            kwargs = case.as_transport_kwargs(base_url=str(http.base_url))
            judged_body, body_kwargs = _body_of(kwargs)
            try:
                expectation = expect_patch(
                    before, judged_body if judged_body is not _NOT_JSON else "not JSON"
                )
            except AmbiguousTime:
                reject()  # a generated time within the clock-skew margin cannot be judged
            # Generated headers (including a mutated Authorization) are not sent: the suite's
            # client authenticates, and only the body is under test here.
            response = http.request(case.method, kwargs["url"], **body_kwargs)
            success = 200 <= response.status_code < 300
            schema_requirement = "BIOT-RESPONSE-SCHEMA" if success else "BIOT-ERROR-ENVELOPE"
            for check in (content_type_conformance, response_schema_conformance):
                with conformance.require(schema_requirement):
                    biot_checks.validate(case, response, check)
            for check, requirement in biot_checks.CHECK_REQUIREMENTS.items():
                with conformance.require(requirement):
                    biot_checks.validate(case, response, check)
            try:
                answer = response.json()
            except ValueError:
                answer = None
            findings = expectation.judge(response.status_code, answer)
            rule_requirement = findings[0].requirement if findings else (
                expectation.violations[0].requirement if expectation.violations else R_PARTIAL
            )
            with biot_checks.patch_expectation(expectation):
                with conformance.check(rule_requirement, hard=True):
                    biot_checks.validate(case, response, biot_checks.biot_patch_rules)
            stored = biot_sessions.get(session_id)
            stored_findings: list[Finding] = []
            if stored.status_code == 200:
                stored_findings = judge_stored(
                    expectation, answer if success and isinstance(answer, dict) else None,
                    SessionView.from_body(stored.json()),
                )
            else:
                stored_findings = [Finding(R_GET, f"the session could not be read back: {stored.status_code}")]
            record(
                conformance, [R_GET if success else R_REJECTED_NO_EFFECT], stored_findings, hard=True
            )
        finally:
            biot_sessions.retire_all()

    one_case()
