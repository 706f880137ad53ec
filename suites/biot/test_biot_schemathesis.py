"""Schemathesis on the vendor's OpenAPI document, trimmed to what the suite exercises (openapi.json
in the API package), for Update Usage Session: positive and negative bodies, every request sent
through the suite's own client, every answer judged once: by Schemathesis's built-in schema
checks and by the catalogue's rules (``rules.RULES``, the PATCH oracle among them)."""

from __future__ import annotations

import pytest
from hypothesis import given, reject

from pytest_sessionapi.apis.biot import schemathesis_checks as biot_checks
from pytest_sessionapi.apis.biot import model
from pytest_sessionapi.apis.biot.model import AmbiguousTime, SessionView
from pytest_sessionapi.apis.biot.rules import (
    PATCH_ANSWER_REQUIREMENTS,
    RULES,
    Asked,
    ReadBack,
)
from pytest_sessionapi.apis.biot.strategies import patch_cases
from pytest_sessionapi.rulebook import Answer
from pytest_sessionapi.schemathesis_support import judge_generated

pytestmark = pytest.mark.sessionapi("biot")

ANSWER_RULES = (*biot_checks.CUSTOM_REQUIREMENTS, *PATCH_ANSWER_REQUIREMENTS)
"""What every generated PATCH's answer is judged on: the rules that read an answer alone, and the
PATCH oracle (each of its rules judges only what the body puts in play)."""


# Always judged; the rule each generated body breaks is recorded under its own requirement as it
# comes up (declaring them all would report a rule no example happened to break as passed).
@pytest.mark.sessionapi_requirement(
    "BIOT-PATCH-PARTIAL", "BIOT-GET", "BIOT-PATCH-REJECTED-NO-EFFECT", "BIOT-RESPONSE-SCHEMA",
    "BIOT-DATETIME-UTC", "BIOT-ERROR-ENVELOPE", "BIOT-ERROR-DETAILS",
)
def test_schemathesis_update_usage_session(biot_sessions, sessionapi_client, sessionapi_conformance):
    """Update Usage Session ('Performs partial update, if a field is specified in the request it
    will be updated') with Schemathesis' positive and negative bodies: every answer judged by its
    schema checks and by the catalogue's rules."""
    http = sessionapi_client.http

    def expect_patch(before, body):
        # The oracle on the suite's clock as each case is judged. Named and defined out here so
        # that the source of the example function below, from which derandomized Hypothesis
        # derives its examples, stays as it was: other examples are another calibration of the
        # fault variants (tests/test_selftest_variants.py).
        return model.expect_patch(before, body, now=biot_sessions.now())

    @given(case=patch_cases())
    def one_case(case):
        try:
            created = biot_sessions.create()
            session_id = created["_id"]
            before = SessionView.from_body(created)
            case.path_parameters = {"deviceId": biot_sessions.device_id, "id": session_id}
            url, sent, body = biot_checks.body_only(http, case)
            try:
                expectation = expect_patch(
                    before, sent if sent is not biot_checks.NOT_JSON_BODY else "not JSON"
                )
            except AmbiguousTime:
                reject()  # a generated time within the clock-skew margin cannot be judged
            response = http.request(case.method, url, **body)
            answer = Answer.from_httpx(response)
            verdicts = judge_generated(
                case, response, rules=RULES, answer=answer, requirement_ids=ANSWER_RULES,
                asked=Asked("updateSession", sent=sent, expectation=expectation),
                requirement_of=biot_checks.requirement_of, builtin_checks=biot_checks.BUILTIN_CHECKS,
                builtin_judges=biot_checks.builtin_judges,
            )
            answered = answer.body
            accepted = 200 <= answer.status < 300 and isinstance(answered, dict)
            read = Answer.from_httpx(biot_sessions.get(session_id))
            read_back = ReadBack(expectation, answered if accepted else None)
            verdicts.merge(RULES.judge(
                read, Asked("getSession", read_back=read_back),
                ("BIOT-GET", "BIOT-PATCH-REJECTED-NO-EFFECT"),
            ))
            sessionapi_conformance.record_batch(verdicts.results, hard=True)
        finally:
            biot_sessions.retire_all()

    # A session a refused body left as it was (its GET judged so) serves the next example.
    with biot_sessions.reusing():
        one_case()
