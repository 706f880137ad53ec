"""The model (model.py, model.toml): the transition model entry by entry (which changes are
allowed, which refused, and which requirement a disagreement fails), the one date-time reader, and
the PATCH oracle (what answer the docs demand for a body sent onto a stored session)."""

from __future__ import annotations

import tomllib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from pytest_sessionapi.apis.biot import model
from pytest_sessionapi.apis.biot.model import (
    REQ_DOCUMENTED_EDGE,
    REQ_FINAL,
    REQ_INFERRED_ALLOWED,
    REQ_INFERRED_FORBIDDEN,
    STATES,
    load_model,
)
from pytest_sessionapi.apis.biot.sessions import SuiteSessions

TABLE = tomllib.loads(Path(model.__file__).with_name("model.toml").read_text("utf-8"))
EDGES = {(edge["from"], edge["to"]): edge["basis"] for edge in TABLE["edge"]}


def test_the_model_allows_exactly_the_edges_of_the_table():
    model = load_model()
    allowed = {(a, b) for a in STATES for b in STATES if model.allowed(a, b)}
    assert allowed == set(EDGES)


@pytest.mark.parametrize(
    ("current", "target", "requirement"),
    [
        ("ACTIVE", "DONE", REQ_DOCUMENTED_EDGE),  # 'Stop a Session'
        ("ACTIVE", "PAUSING", REQ_INFERRED_ALLOWED),
        ("ACTIVE", "ACTIVE", REQ_INFERRED_ALLOWED),  # re-sending the current state
        ("ACTIVE", "ACTIVATING", REQ_INFERRED_FORBIDDEN),  # not an edge
        ("PAUSING", "ACTIVE", REQ_INFERRED_FORBIDDEN),
        ("DONE", "ACTIVE", REQ_FINAL),  # DONE is final
        ("DONE", "STOPPING", REQ_FINAL),
    ],
)
def test_a_disagreement_fails_the_requirement_of_the_entrys_basis(current, target, requirement):
    assert load_model().transition(current, target).requirement == requirement


def test_done_is_final_and_only_done_may_be_re_sent():
    model = load_model()
    assert model.targets_from("DONE") == ["DONE"]
    for target in STATES:
        if target != "DONE":
            refused = model.transition("DONE", target)
            assert not refused.allowed and refused.basis == "documented"


def test_every_state_but_done_has_a_way_forward_and_done_is_reached_from_active():
    model = load_model()
    for state in STATES:
        assert [t for t in model.targets_from(state) if t != state] or state == "DONE"
    assert "DONE" in model.targets_from("ACTIVE")


def test_the_table_has_an_entry_for_every_pair_and_says_why():
    table = load_model().table()
    assert len(table) == len(STATES) ** 2
    refused = load_model().transition("ACTIVE", "ACTIVATING").describe()
    assert refused.startswith("ACTIVE -> ACTIVATING: refused (409 SESSION_STATE_CHANGE_INVALID) [inferred:")
    allowed = load_model().transition("ACTIVE", "DONE").describe()
    assert allowed.startswith("ACTIVE -> DONE: allowed [documented: BioT documentation 'Stop a Session'")


# -- the date-time reader and the PATCH oracle ----------------------------------------------

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
START = NOW - timedelta(hours=3)


def view(state="ACTIVE", end=None, reason=None, code=None, name="n"):
    return model.SessionView("id", state, START, end, name, reason, code)


def fmt(moment):
    return model.format_utc(moment)


def test_times_parse_and_format():
    assert model.parse_utc("2022-07-28T14:02:26.199Z") == datetime(2022, 7, 28, 14, 2, 26, 199000, UTC)
    assert model.parse_utc("2022-07-28T14:02:26+00:00") is not None
    assert model.parse_utc("2022-07-28T16:02:26+02:00") is None  # ISO, but not UTC
    assert model.parse_instant("2022-07-28T16:02:26+02:00") == datetime(2022, 7, 28, 14, 2, 26, tzinfo=UTC)
    assert model.parse_utc("2022-07-28") is None
    assert fmt(datetime(103, 7, 1, tzinfo=UTC)) == "0103-07-01T00:00:00.000Z"


def test_valid_partial_update_is_expected_to_apply():
    expectation = model.expect_patch(view(), {"_name": "new"}, now=NOW)
    assert not expectation.violations
    assert [t.requirement for t in expectation.tolerances] == [model.R_REQUIRED_CONFLICT]
    assert expectation.expected_after["name"] == "new"
    assert expectation.expected_after["state"] == "ACTIVE"


@pytest.mark.parametrize(
    ("body", "requirement"),
    [
        ({"_state": "FINISHED"}, model.R_STATE_ENUM),
        ({"_name": ""}, model.R_NAME_LENGTH),
        ({"_name": "x" * 65}, model.R_NAME_LENGTH),
        ({"_name": 5}, model.R_TYPES),
        ({"_startTime": "yesterday"}, model.R_DATETIME_FORMAT),
        ({"_startTime": fmt(NOW + timedelta(days=1))}, model.R_TIME_IN_FUTURE),
        ({"_endTime": fmt(START + timedelta(minutes=1))}, model.R_END_TIME_STATE),
        ({"_summary": {"_stopReasonCode": "COMPLETION"}}, model.R_STOP_DATA_NON_DONE),
        ({"_summary": {"_stopReasonCode": "X"}}, model.R_CODE_ENUM),
        ({"_state": "DONE", "_endTime": fmt(START + timedelta(minutes=1))}, model.R_STOP_DATA_NULL),
        ({"_state": "DONE", "_endTime": fmt(START - timedelta(minutes=1)),
          "_summary": {"_stopReasonCode": "COMPLETION"}}, model.R_START_AFTER_END),
        ({"_state": "ACTIVATING"}, "BIOT-TRANSITION-INFERRED-FORBIDDEN"),
    ],
)
def test_each_rule_is_a_violation_with_its_requirement(body, requirement):
    expectation = model.expect_patch(view(), body, now=NOW)
    assert [v.requirement for v in expectation.violations] == [requirement]
    findings = expectation.judge(200, {})
    assert findings and findings[0].requirement == requirement


def test_done_is_final_is_the_documented_requirement():
    expectation = model.expect_patch(
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
    expectation = model.expect_patch(view(), body, now=NOW)
    assert not expectation.violations
    findings = expectation.judge(409, {"code": "SESSION_STATE_CHANGE_INVALID"})
    assert findings[0].requirement == "BIOT-STOP-DOCUMENTED"


def test_clobbered_field_is_a_partial_update_failure_and_summary_merge_is_separate():
    expectation = model.expect_patch(view(), {"_startTime": fmt(START)}, now=NOW)
    answer = {"_id": "id", "_state": "ACTIVE", "_startTime": fmt(START), "_summary": {}}
    assert [f.requirement for f in expectation.judge(200, answer)] == [model.R_PARTIAL]
    done = view("DONE", end=START + timedelta(minutes=1), reason="r", code="TIMEOUT")
    merge = model.expect_patch(done, {"_summary": {"_stopReason": "s"}}, now=NOW)
    answer = {"_id": "id", "_state": "DONE", "_startTime": fmt(START), "_name": "n",
              "_endTime": fmt(START + timedelta(minutes=1)), "_summary": {"_stopReason": "s"}}
    assert [f.requirement for f in merge.judge(200, answer)] == [model.R_SUMMARY_MERGE]


def test_open_points_are_tolerated():
    # Both answers to the `required` conflict.
    expectation = model.expect_patch(view(), {"_name": "x"}, now=NOW)
    assert expectation.judge(400, {"code": "ATTRIBUTE_IS_MANDATORY"}) == []
    # null is undocumented: a refusal is fine, and the value is not predicted.
    nulls = model.expect_patch(view(), {"_name": None, "_startTime": fmt(START), "_state": "ACTIVE"}, now=NOW)
    assert nulls.judge(400, {"code": "X"}) == [] and "name" not in nulls.expected_after
    # A bare stop reason on a running session, an end time while STOPPING.
    assert model.expect_patch(view(), {"_summary": {"_stopReason": "r"}}, now=NOW).violations == []
    stopping = model.expect_patch(
        view(), {"_state": "STOPPING", "_endTime": fmt(START + timedelta(minutes=1))}, now=NOW
    )
    assert stopping.violations == [] and stopping.tolerances


def test_times_near_now_are_never_judged():
    with pytest.raises(model.AmbiguousTime):
        model.expect_patch(view(), {"_startTime": fmt(NOW - timedelta(minutes=5))}, now=NOW)


def test_transition_model_is_consistent():
    model = load_model()
    assert model.transition("ACTIVE", "DONE").basis == "documented"
    assert all(not model.allowed("DONE", t) for t in STATES if t != "DONE")
    assert model.transition("DONE", "ACTIVE").requirement == "BIOT-DONE-FINAL"
    assert model.transition("ACTIVE", "ACTIVATING").requirement == "BIOT-TRANSITION-INFERRED-FORBIDDEN"
    assert all(SuiteSessions._paths_to_done(s)[0][-1] == "DONE" for s in STATES if s != "DONE")


@pytest.mark.parametrize(
    ("text", "utc", "rfc3339", "instant"),
    [
        ("2022-07-28T14:02:26.199Z", True, True, datetime(2022, 7, 28, 14, 2, 26, 199000, UTC)),
        ("2022-07-28T14:02:26+0000", True, False, datetime(2022, 7, 28, 14, 2, 26, tzinfo=UTC)),
        ("2022-07-28t16:02:26+02:00", False, True, datetime(2022, 7, 28, 14, 2, 26, tzinfo=UTC)),
        ("2022-07-28T14:02:26.1234567891Z", False, True, datetime(2022, 7, 28, 14, 2, 26, 123456, UTC)),
        ("2022-13-45T25:61:00Z", True, True, None),  # shaped like one, names no moment
    ],
)
def test_one_reader_says_what_a_date_time_names_and_how_it_is_written(text, utc, rfc3339, instant):
    written = model.read_time(text)
    assert (written.utc, written.rfc3339, written.instant) == (utc, rfc3339, instant)


@pytest.mark.parametrize("text", ["2022-07-28", "28/07/2022 14:02:26", "yesterday", "", None, 5])
def test_what_is_no_date_time_with_a_zone_is_not_read(text):
    assert model.read_time(text) is None


@pytest.mark.parametrize(
    ("value", "rejection"),
    [
        ("2022-07-28T16:02:26+02:00", "tolerance"),  # RFC 3339, not the documented UTC form
        ("2022-07-28T25:00:00Z", "tolerance"),  # written right, names no moment: left open
        ("2022-07-28T16:02:26+0200", "violation"),  # no colon: not RFC 3339
        ("2022-07-28", "violation"),
    ],
)
def test_sent_date_times_outside_the_documented_form(value, rejection):
    expectation = model.expect_patch(view(), {"_startTime": value, "_state": "ACTIVE"}, now=NOW)
    found = expectation.tolerances if rejection == "tolerance" else expectation.violations
    assert model.R_DATETIME_FORMAT in [r.requirement for r in found]


def test_requirements_judged_follow_the_body_and_the_answer():
    rename = model.expect_patch(view(), {"_name": "x", "_startTime": fmt(START), "_state": "ACTIVE"}, now=NOW)
    assert rename.requirements_judged(200) == {
        model.R_PARTIAL, "BIOT-TRANSITION-INFERRED-ALLOWED", model.R_NAME_LENGTH, model.R_STATE_ENUM,
    }
    enum = model.expect_patch(view(), {"_state": "FINISHED"}, now=NOW)
    assert enum.requirements_judged(400) == {model.R_STATE_ENUM}
    done = view("DONE", end=START + timedelta(minutes=1), reason="r", code="TIMEOUT")
    merge = model.expect_patch(done, {"_summary": {"_stopReason": "s"}}, now=NOW)
    assert model.R_SUMMARY_MERGE in merge.requirements_judged(200)
    assert model.R_SUMMARY_MERGE not in merge.requirements_judged(400)



# --------------------------------------------------------------------------------------------
# A valid bound or enum value refused fails that bound's or enum's requirement (issue 17 item 2)

_DONE = dict(end=START + timedelta(minutes=1), reason="r", code="COMPLETION")


def _stop(code="COMPLETION", reason="Manual Stop"):
    return {"_startTime": fmt(START), "_state": "DONE", "_endTime": fmt(START + timedelta(minutes=2)),
            "_summary": {"_stopReason": reason, "_stopReasonCode": code}}


@pytest.mark.parametrize(
    ("stored", "body", "refusal", "requirement"),
    [
        # named by details.attributeName
        ({}, {"_startTime": fmt(START), "_state": "ACTIVE", "_name": "x" * 64},
         {"code": "VALIDATION_MAX_ALLOWED_VALUE", "details": {"attributeName": "_name", "maxValue": 63}},
         model.R_NAME_LENGTH),
        ({}, {"_startTime": fmt(START), "_state": "ACTIVE", "_name": "x"},
         {"code": "VALIDATION_MINIMUM_ALLOWED_VALUE", "details": {"attributeName": "_name"}}, model.R_NAME_LENGTH),
        ({}, _stop(reason="r" * 128),
         {"code": "VALIDATION_MAX_ALLOWED_VALUE", "details": {"attributeName": "_summary._stopReason"}},
         model.R_REASON_LENGTH),
        ({}, _stop(code="TIMEOUT"),
         {"code": "SELECT_ATTRIBUTE_INVALID_VALUE", "details": {"attributeName": "_summary._stopReasonCode"}},
         model.R_CODE_ENUM),
        # no attribute named: the value echoed, the one constraint the code states, the one bound
        ({}, _stop(code="GENERAL_DEVICE_ERROR"),
         {"code": "SELECT_ATTRIBUTE_INVALID_VALUE", "details": {"value": "GENERAL_DEVICE_ERROR"}},
         model.R_CODE_ENUM),
        ({}, {"_startTime": fmt(START), "_state": "ACTIVE", "_name": "x" * 64},
         {"code": "VALIDATION_MAX_ALLOWED_VALUE"}, model.R_NAME_LENGTH),
        ({}, {"_startTime": fmt(START), "_state": "ACTIVE", "_name": "x" * 64},
         {"code": "BAD_REQUEST"}, model.R_NAME_LENGTH),
        # a valid name that is on no bound, refused with no hint: partial update
        ({}, {"_startTime": fmt(START), "_state": "ACTIVE", "_name": "middle"},
         {"code": "BAD_REQUEST"}, model.R_PARTIAL),
        # a rule with a code of its own keeps its verdict
        ({}, {"_startTime": fmt(START), "_state": "ACTIVE", "_name": "x" * 64},
         {"code": "TIME_IN_FUTURE", "details": {"attributeName": "_name"}}, model.R_TIME_IN_FUTURE),
        # every state value, named, even where the body must be refused for another reason (409)
        *[
            ({}, {"_startTime": fmt(START), "_state": value},
             {"code": "SELECT_ATTRIBUTE_INVALID_VALUE", "details": {"attributeName": "_state", "value": value}},
             model.R_STATE_ENUM)
            for value in model.STATES if value != "DONE"
        ],
        ({}, _stop(), {"code": "SELECT_ATTRIBUTE_INVALID_VALUE", "details": {"attributeName": "_state"}},
         model.R_STATE_ENUM),
        (_DONE, {"_startTime": fmt(START), "_state": "DONE"},
         {"code": "SELECT_ATTRIBUTE_INVALID_VALUE", "details": {"attributeName": "_state"}}, model.R_STATE_ENUM),
    ],
)
def test_a_valid_bound_or_enum_value_refused_fails_its_own_requirement(stored, body, refusal, requirement):
    before = view("DONE", **stored) if stored else view()
    findings = model.expect_patch(before, body, now=NOW).judge(400, refusal)
    assert [f.requirement for f in findings] == [requirement], findings


def test_a_valid_value_accepted_passes_its_bound_or_enum():
    stop = model.expect_patch(view(), _stop(code="TIMEOUT", reason=""), now=NOW)
    assert {model.R_CODE_ENUM, model.R_REASON_LENGTH, model.R_STATE_ENUM} <= stop.requirements_judged(200)
    assert [(e.requirement, e.at_bound) for e in stop.exercised] == [
        (model.R_STATE_ENUM, True), (model.R_REASON_LENGTH, True), (model.R_CODE_ENUM, True),
    ]


# --------------------------------------------------------------------------------------------
# What the code of a refused PATCH is judged against (model.refused_patch_body)


def test_a_schema_rule_left_open_by_its_requirement_gets_the_codes_naming_it():
    body = {"_startTime": fmt(START), "_state": "ACTIVE", "_name": 12345}
    judged = model.refused_patch_body(model.expect_patch(view(), body, now=NOW), 400, "TIME_IN_FUTURE")
    assert judged == model.InvalidBody(model.WRONG_TYPE)
    state = {"_startTime": fmt(START), "_state": "FINISHED"}
    assert model.refused_patch_body(model.expect_patch(view(), state, now=NOW), 400, None).codes == model.NOT_IN_ENUM


def test_a_rule_with_its_own_code_leaves_only_the_listing_to_judge():
    # A future start: TIME_IN_FUTURE is part of BIOT-TIME-IN-FUTURE, which fails another code.
    tomorrow = {"_startTime": fmt(NOW + timedelta(days=1)), "_state": "ACTIVE"}
    expectation = model.expect_patch(view(), tomorrow, now=NOW)
    assert model.refused_patch_body(expectation, 400, "START_TIME_AFTER_END_TIME") == model.InvalidBody(None)


def test_a_body_with_null_leaves_the_code_open():
    body = {"_startTime": fmt(START), "_state": "ACTIVE", "x": None}
    assert model.refused_patch_body(model.expect_patch(view(), body, now=NOW), 400, "TIME_IN_FUTURE") == model.InvalidBody(None)
    unknown = {"_startTime": fmt(START), "_state": "ACTIVE", "x": "y"}
    assert model.refused_patch_body(model.expect_patch(view(), unknown, now=NOW), 400, None).codes == model.UNKNOWN_ATTRIBUTE


def test_no_code_is_judged_for_an_acceptance_or_a_valid_body():
    invalid = model.expect_patch(view(), {"_startTime": fmt(START), "_state": "ACTIVE", "_name": 1}, now=NOW)
    assert model.refused_patch_body(invalid, 200, None) is None
    assert model.refused_patch_body(invalid, 500, "INTERNAL_SERVER_ERROR") is None
    valid = model.expect_patch(view(), {"_startTime": fmt(START), "_state": "ACTIVE"}, now=NOW)
    assert model.refused_patch_body(valid, 400, "BAD_REQUEST") is None


@pytest.mark.parametrize(("named", "at_fault", "names"), [
    ("_summary._stopReason", {"_summary._stopReason"}, True),
    ("_stopReason", {"_summary._stopReason"}, True),
    ("_summary", {"_summary._stopReason"}, True),
    ("_patient.id", {"_patient"}, True),
    ("_name", {"_summary._stopReason"}, False),
    (12, {"_name"}, False),
])
def test_attribute_name_names_the_attribute_at_fault(named, at_fault, names):
    assert model.names_one_of(named, frozenset(at_fault)) is names
