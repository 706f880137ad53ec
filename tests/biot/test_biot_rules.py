"""The oracle (rules.py), the transition model, the response checks and the catalogue data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from pytest_sessionapi.apis.biot import checks, rules
from pytest_sessionapi.apis.biot.lifecycle import SuiteSessions
from pytest_sessionapi.apis.biot.transitions import STATES, load_model
from pytest_sessionapi.apis.biot.vendor_examples import STOP_EXAMPLE, SUMMARY_EXAMPLE, schema_findings

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
START = NOW - timedelta(hours=3)


def view(state="ACTIVE", end=None, reason=None, code=None, name="n"):
    return rules.SessionView("id", state, START, end, name, reason, code)


def fmt(moment):
    return rules.format_utc(moment)


def test_times_parse_and_format():
    assert rules.parse_utc("2022-07-28T14:02:26.199Z") == datetime(2022, 7, 28, 14, 2, 26, 199000, UTC)
    assert rules.parse_utc("2022-07-28T14:02:26+00:00") is not None
    assert rules.parse_utc("2022-07-28T16:02:26+02:00") is None  # ISO, but not UTC
    assert rules.parse_instant("2022-07-28T16:02:26+02:00") == datetime(2022, 7, 28, 14, 2, 26, tzinfo=UTC)
    assert rules.parse_utc("2022-07-28") is None
    assert fmt(datetime(103, 7, 1, tzinfo=UTC)) == "0103-07-01T00:00:00.000Z"


def test_valid_partial_update_is_expected_to_apply():
    expectation = rules.expect_patch(view(), {"_name": "new"}, now=NOW)
    assert not expectation.violations
    assert [t.requirement for t in expectation.tolerances] == [rules.R_REQUIRED_CONFLICT]
    assert expectation.expected_after["name"] == "new"
    assert expectation.expected_after["state"] == "ACTIVE"


@pytest.mark.parametrize(
    ("body", "requirement"),
    [
        ({"_state": "FINISHED"}, rules.R_STATE_ENUM),
        ({"_name": ""}, rules.R_NAME_LENGTH),
        ({"_name": "x" * 65}, rules.R_NAME_LENGTH),
        ({"_name": 5}, rules.R_TYPES),
        ({"_startTime": "yesterday"}, rules.R_DATETIME_FORMAT),
        ({"_startTime": fmt(NOW + timedelta(days=1))}, rules.R_TIME_IN_FUTURE),
        ({"_endTime": fmt(START + timedelta(minutes=1))}, rules.R_END_TIME_STATE),
        ({"_summary": {"_stopReasonCode": "COMPLETION"}}, rules.R_STOP_DATA_NON_DONE),
        ({"_summary": {"_stopReasonCode": "X"}}, rules.R_CODE_ENUM),
        ({"_state": "DONE", "_endTime": fmt(START + timedelta(minutes=1))}, rules.R_STOP_DATA_NULL),
        ({"_state": "DONE", "_endTime": fmt(START - timedelta(minutes=1)),
          "_summary": {"_stopReasonCode": "COMPLETION"}}, rules.R_START_AFTER_END),
        ({"_state": "ACTIVATING"}, "BIOT-TRANSITION-INFERRED-FORBIDDEN"),
    ],
)
def test_each_rule_is_a_violation_with_its_requirement(body, requirement):
    expectation = rules.expect_patch(view(), body, now=NOW)
    assert [v.requirement for v in expectation.violations] == [requirement]
    findings = expectation.judge(200, {})
    assert findings and findings[0].requirement == requirement


def test_done_is_final_is_the_documented_requirement():
    expectation = rules.expect_patch(
        view("DONE", end=START + timedelta(minutes=1), code="COMPLETION"),
        {"_state": "ACTIVE"}, now=NOW,
    )
    assert expectation.violations[0].requirement == "BIOT-DONE-FINAL"
    ok = {"code": "SESSION_STATE_CHANGE_INVALID", "details": {"currentState": "DONE", "targetState": "ACTIVE"}}
    assert expectation.judge(409, ok) == []
    wrong = {"code": "SESSION_STATE_CHANGE_INVALID", "details": {"currentState": "ACTIVE", "targetState": "ACTIVE"}}
    assert expectation.judge(409, wrong)[0].requirement == "BIOT-DONE-FINAL"


def test_refused_documented_stop_is_reported_as_the_stop():
    body = {"_startTime": fmt(START), "_state": "DONE", "_endTime": fmt(START + timedelta(minutes=1)),
            "_summary": {"_stopReasonCode": "COMPLETION"}}
    expectation = rules.expect_patch(view(), body, now=NOW)
    assert not expectation.violations
    findings = expectation.judge(409, {"code": "SESSION_STATE_CHANGE_INVALID"})
    assert findings[0].requirement == "BIOT-STOP-DOCUMENTED"


def test_clobbered_field_is_a_partial_update_failure_and_summary_merge_is_separate():
    expectation = rules.expect_patch(view(), {"_startTime": fmt(START)}, now=NOW)
    answer = {"_id": "id", "_state": "ACTIVE", "_startTime": fmt(START), "_summary": {}}
    assert [f.requirement for f in expectation.judge(200, answer)] == [rules.R_PARTIAL]
    done = view("DONE", end=START + timedelta(minutes=1), reason="r", code="TIMEOUT")
    merge = rules.expect_patch(done, {"_summary": {"_stopReason": "s"}}, now=NOW)
    answer = {"_id": "id", "_state": "DONE", "_startTime": fmt(START), "_name": "n",
              "_endTime": fmt(START + timedelta(minutes=1)), "_summary": {"_stopReason": "s"}}
    assert [f.requirement for f in merge.judge(200, answer)] == [rules.R_SUMMARY_MERGE]


def test_open_points_are_tolerated():
    # Both answers to the `required` conflict.
    expectation = rules.expect_patch(view(), {"_name": "x"}, now=NOW)
    assert expectation.judge(400, {"code": "ATTRIBUTE_IS_MANDATORY"}) == []
    # null is undocumented: a refusal is fine, and the value is not predicted.
    nulls = rules.expect_patch(view(), {"_name": None, "_startTime": fmt(START), "_state": "ACTIVE"}, now=NOW)
    assert nulls.judge(400, {"code": "X"}) == [] and "name" not in nulls.expected_after
    # A bare stop reason on a running session, an end time while STOPPING.
    assert rules.expect_patch(view(), {"_summary": {"_stopReason": "r"}}, now=NOW).violations == []
    stopping = rules.expect_patch(
        view(), {"_state": "STOPPING", "_endTime": fmt(START + timedelta(minutes=1))}, now=NOW
    )
    assert stopping.violations == [] and stopping.tolerances


def test_times_near_now_are_never_judged():
    with pytest.raises(rules.AmbiguousTime):
        rules.expect_patch(view(), {"_startTime": fmt(NOW - timedelta(minutes=5))}, now=NOW)


def test_transition_model_is_consistent():
    model = load_model()
    assert model.transition("ACTIVE", "DONE").basis == "documented"
    assert all(not model.allowed("DONE", t) for t in STATES if t != "DONE")
    assert model.transition("DONE", "ACTIVE").requirement == "BIOT-DONE-FINAL"
    assert model.transition("ACTIVE", "ACTIVATING").requirement == "BIOT-TRANSITION-INFERRED-FORBIDDEN"
    assert all(SuiteSessions._paths_to_done(s)[0][-1] == "DONE" for s in STATES if s != "DONE")


def test_error_checks():
    request = httpx.Request("GET", "http://x/")
    good = httpx.Response(404, json={"code": "SESSION_NOT_FOUND", "message": "m", "details": {"id": "1"}},
                          request=request)
    body = checks.check_error_envelope(good)
    checks.check_error_details(body, "getSession", 404)
    with pytest.raises(AssertionError, match="details lacks"):
        checks.check_error_details({"code": "SESSION_NOT_FOUND", "details": {}}, "getSession", 404)
    with pytest.raises(AssertionError, match="ErrorResponse"):
        checks.check_error_envelope(httpx.Response(400, json={"error": "x"}, request=request))
    with pytest.raises(AssertionError, match="application/json"):
        checks.check_error_envelope(httpx.Response(400, text="bad", request=request))
    with pytest.raises(AssertionError, match="lacks"):
        checks.check_error_envelope_fields({"code": "c", "message": "m"})


def test_session_checks():
    with pytest.raises(AssertionError, match="_patient: Field required"):
        checks.check_session_body({"_id": "x"})
    with pytest.raises(AssertionError, match="UTC"):
        checks.check_datetimes_utc({"_startTime": "2022-07-28T16:02:26+02:00"})
    checks.check_datetimes_utc({"_startTime": "2022-07-28T14:02:26.199Z", "_endTime": None})


def test_vendor_examples_findings():
    stop = dict(schema_findings(STOP_EXAMPLE))
    assert "_startTime" in stop["BIOT-REQUIRED-CONFLICT"]
    assert any("_startTime, _state" in text for _, text in schema_findings(SUMMARY_EXAMPLE))


def test_working_openapi_document():
    from pytest_sessionapi.apis.biot.schemathesis_checks import PATCH_PATH, load_schema

    schema = load_schema()
    labels = sorted(op.ok().label for op in schema.get_all_operations())
    assert labels == [
        "DELETE /device/v1/devices/{deviceId}/usage-sessions/{id}",
        "GET /device/v1/devices/{deviceId}/usage-sessions/{id}",
        "PATCH /device/v1/devices/{deviceId}/usage-sessions/{id}",
        "POST /device/v1/devices/{deviceId}/usage-sessions/usage-type/{usageType}",
    ]
    assert schema[PATCH_PATH]["PATCH"] is not None
    raw = schema.raw_schema["components"]["schemas"]
    assert "required" not in raw["UpdateSessionRequestV2"]  # the `required` conflict, decided
    errors = rules.documented_errors()["updateSession"]
    assert errors["409"]["SESSION_STATE_CHANGE_INVALID"] == ("currentState", "targetState")
    assert errors["400"]["STOP_DATA_NULL_FOR_DONE_SESSION"] == ()
