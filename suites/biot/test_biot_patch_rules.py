"""Update Usage Session: partial update, the body's schema, and the rules behind the error codes.

Every PATCH is judged by the same oracle (``model.expect_patch``) through ``steps.judge_patch``:
the answer, the envelope or session it carries, and what GET shows afterwards. Each test breaks
exactly one rule, on a session of the suite's own.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from pytest_sessionapi.apis.biot.model import SessionView, format_utc
from pytest_sessionapi.apis.biot.rules import ERROR_REQUIREMENTS, SESSION_REQUIREMENTS, Outcome
from pytest_sessionapi.apis.biot.sessions import stored_start
from pytest_sessionapi.apis.biot.steps import judge_outcome, judge_patch, precondition

pytestmark = pytest.mark.sessionapi("biot")

# What judge_patch always records for an accepted PATCH, and for a refused one. A test declares
# those plus the rule it breaks; other requirements the oracle happens to judge are recorded too
# (only a declared requirement that records nothing would be reported as passed by the test).
ACCEPTED = ("BIOT-PATCH-PARTIAL", "BIOT-GET", *SESSION_REQUIREMENTS)
REFUSED = ("BIOT-PATCH-REJECTED-NO-EFFECT", *ERROR_REQUIREMENTS)
SAME_STATE = "BIOT-TRANSITION-INFERRED-ALLOWED"  # re-sending the current _state


def _active(biot_sessions):
    created = biot_sessions.create()
    return created["_id"], SessionView.from_body(created), stored_start(created)


def _stop_body(start, reason="Manual Stop", code="COMPLETION", end=None):
    return {
        "_startTime": format_utc(start),
        "_state": "DONE",
        "_endTime": format_utc(end or start + timedelta(minutes=30)),
        "_summary": {"_stopReason": reason, "_stopReasonCode": code},
    }


@pytest.mark.sessionapi_requirement("BIOT-REQUIRED-CONFLICT", SAME_STATE, *ACCEPTED)
def test_sent_fields_change_and_unsent_fields_keep(biot_sessions, sessionapi_conformance):
    """'Performs partial update, if a field is specified in the request it will be updated':
    PATCHes that send only _name, only _startTime, only _state. The reference marks _startTime
    and _state mandatory while its own stop and summary examples omit them, so such a PATCH may
    be applied or refused with 400 (a SHOULD), nothing else."""
    session_id, before, start = _active(biot_sessions)
    # Only _name: _startTime, _state (and the summary) are not sent and must keep their values.
    renamed = judge_patch(sessionapi_conformance, biot_sessions, session_id, before, {"_name": biot_sessions.session_name()})
    before = renamed.after or before
    # A new start time alone (earlier, still in the past): the name sent before must stay.
    earlier = start - timedelta(minutes=20)
    moved = judge_patch(
        sessionapi_conformance, biot_sessions, session_id, before, {"_startTime": format_utc(earlier)}
    )
    before = moved.after or before
    # _state alone (re-sending ACTIVE, as third-party BioT tests do): everything else stays.
    judge_patch(sessionapi_conformance, biot_sessions, session_id, before, {"_state": "ACTIVE"})


@pytest.mark.sessionapi_requirement(
    "BIOT-PATCH-SUMMARY-MERGE", "BIOT-STOP-DOCUMENTED", "BIOT-REQUIRED-CONFLICT", *ACCEPTED
)
def test_summary_attributes_not_sent_keep_their_values(biot_sessions, sessionapi_conformance):
    """Whether partial update reaches into _summary is not documented: from 'Performs partial
    update, if a field is specified in the request it will be updated' the suite infers that a
    _stopReason sent alone keeps the stored _stopReasonCode (a SHOULD)."""
    session_id, before, start = _active(biot_sessions)
    stopped = judge_patch(
        sessionapi_conformance, biot_sessions, session_id, before, _stop_body(start, "first reason", "TIMEOUT")
    )
    if not precondition(sessionapi_conformance, stopped.accepted, "could not stop the session"):
        return
    # Only _stopReason: the stored _stopReasonCode (TIMEOUT) must stay.
    judge_patch(
        sessionapi_conformance, biot_sessions, session_id, stopped.after,
        {"_summary": {"_stopReason": "second reason"}},
    )


@pytest.mark.sessionapi_requirement("BIOT-PATCH-STATE-ENUM", *REFUSED)
@pytest.mark.parametrize("value", ["FINISHED", "active", ""])
def test_state_outside_the_enum_is_refused(biot_sessions, sessionapi_conformance, value):
    """'The Sessions state Values:ACTIVE,DONE,PAUSED,ACTIVATING,PAUSING,RESUMING,STOPPING': any
    other _state (another word, another case, empty) is refused with 400."""
    session_id, before, start = _active(biot_sessions)
    judge_patch(
        sessionapi_conformance, biot_sessions, session_id, before,
        {"_startTime": format_utc(start), "_state": value},
    )


@pytest.mark.sessionapi_requirement("BIOT-PATCH-STOP-REASON-CODE-ENUM", "BIOT-STOP-DOCUMENTED", *REFUSED)
@pytest.mark.parametrize("value", ["MANUAL", "completion"])
def test_stop_reason_code_outside_the_enum_is_refused(biot_sessions, sessionapi_conformance, value):
    """'The code of the stop reason Values:COMPLETION,GENERAL_DEVICE_ERROR,TIMEOUT': a stop with
    any other code is refused with 400."""
    session_id, before, start = _active(biot_sessions)
    judge_patch(sessionapi_conformance, biot_sessions, session_id, before, _stop_body(start, code=value))


@pytest.mark.sessionapi_requirement("BIOT-PATCH-NAME-LENGTH", SAME_STATE, *ACCEPTED, *REFUSED)
def test_name_length_bounds(biot_sessions, sessionapi_conformance):
    """_name: 'length between 1 and 64'. 1 and 64 characters are accepted, 0, 65 and 200 refused."""
    session_id, before, start = _active(biot_sessions)
    for name in ("n", "x" * 64, "", "y" * 65, "z" * 200):
        judged = judge_patch(
            sessionapi_conformance, biot_sessions, session_id, before,
            {"_startTime": format_utc(start), "_state": "ACTIVE", "_name": name},
        )
        before = judged.after or before


@pytest.mark.sessionapi_requirement(
    "BIOT-PATCH-STOP-REASON-LENGTH", "BIOT-STOP-DOCUMENTED", SAME_STATE, *ACCEPTED, *REFUSED
)
def test_stop_reason_length_bounds(biot_sessions, sessionapi_conformance):
    """_summary._stopReason: '"maxLength": 128' (and minLength 0). 128 characters are accepted on
    a stop; 129 and 300 are refused, an empty one accepted."""
    session_id, before, start = _active(biot_sessions)
    stopped = judge_patch(
        sessionapi_conformance, biot_sessions, session_id, before, _stop_body(start, reason="r" * 128)
    )
    if not precondition(sessionapi_conformance, stopped.accepted, "could not stop the session"):
        return
    before = stopped.after
    for reason in ("s" * 129, "", "t" * 300):
        judged = judge_patch(
            sessionapi_conformance, biot_sessions, session_id, before,
            {"_startTime": format_utc(start), "_state": before.state,
             "_summary": {"_stopReason": reason}},
        )
        before = judged.after or before


@pytest.mark.sessionapi_requirement("BIOT-PATCH-DATETIME-FORMAT", SAME_STATE, *REFUSED)
@pytest.mark.parametrize(
    "value", ["28/07/2022 14:02:26", "2022-07-28", "yesterday", "2022-13-45T25:61:00Z"]
)
def test_start_time_that_is_not_iso_8601_is_refused(biot_sessions, sessionapi_conformance, value):
    """_startTime is 'A UTC date-time in the ISO-8601 format': other date forms, a word, an
    impossible date are refused with 400."""
    session_id, before, _ = _active(biot_sessions)
    judge_patch(
        sessionapi_conformance, biot_sessions, session_id, before, {"_startTime": value, "_state": "ACTIVE"}
    )


@pytest.mark.sessionapi_requirement("BIOT-TIME-IN-FUTURE", "BIOT-STOP-DOCUMENTED", SAME_STATE, *REFUSED)
def test_times_in_the_future_are_refused(biot_sessions, sessionapi_conformance):
    """400 'Code : TIME_IN_FUTURE, Details: [time, currentTime]': a _startTime, and a stop's
    _endTime, of tomorrow."""
    session_id, before, start = _active(biot_sessions)
    tomorrow = biot_sessions.now() + timedelta(days=1)
    judge_patch(
        sessionapi_conformance, biot_sessions, session_id, before,
        {"_startTime": format_utc(tomorrow), "_state": "ACTIVE"},
    )
    judge_patch(sessionapi_conformance, biot_sessions, session_id, before, _stop_body(start, end=tomorrow))


@pytest.mark.sessionapi_requirement("BIOT-START-AFTER-END", "BIOT-STOP-DOCUMENTED", *REFUSED)
def test_start_after_end_is_refused(biot_sessions, sessionapi_conformance):
    """400 'Code : START_TIME_AFTER_END_TIME, Details: [startTime, endTime]': a stop whose
    _endTime is before the session's _startTime."""
    session_id, before, start = _active(biot_sessions)
    # The refused bodies here also carry a valid new _name: a server that half-applies a refused
    # PATCH shows it (BIOT-PATCH-REJECTED-NO-EFFECT).
    judge_patch(
        sessionapi_conformance, biot_sessions, session_id, before,
        {**_stop_body(start, end=start - timedelta(minutes=5)), "_name": biot_sessions.session_name()},
    )


@pytest.mark.sessionapi_requirement("BIOT-END-TIME-STATE", SAME_STATE, *REFUSED)
def test_end_time_on_a_running_session_is_refused(biot_sessions, sessionapi_conformance):
    """400 'Code : END_TIME_VALUE_INVALID_FOR_SESSION_STATE, Details: [value, state]' names no
    state: the suite infers that a session staying ACTIVE refuses an _endTime (a SHOULD)."""
    session_id, before, start = _active(biot_sessions)
    judge_patch(
        sessionapi_conformance, biot_sessions, session_id, before,
        {"_startTime": format_utc(start), "_state": "ACTIVE", "_name": biot_sessions.session_name(),
         "_endTime": format_utc(start + timedelta(minutes=10))},
    )


@pytest.mark.sessionapi_requirement("BIOT-STOP-DATA-NULL-DONE", "BIOT-STOP-DOCUMENTED", *REFUSED)
def test_done_without_stop_data_is_refused(biot_sessions, sessionapi_conformance):
    """400 'Code : STOP_DATA_NULL_FOR_DONE_SESSION, Details: []': a PATCH to DONE with no
    _summary stop data, sent or stored, is refused; one whose stop data is the code alone is not
    refused with that code."""
    session_id, before, start = _active(biot_sessions)
    body = _stop_body(start)
    del body["_summary"]
    judge_patch(sessionapi_conformance, biot_sessions, session_id, before, body)
    # Either attribute is stop data: a stop with its code alone is not without stop data.
    judge_patch(
        sessionapi_conformance, biot_sessions, session_id, before,
        {**body, "_summary": {"_stopReasonCode": "COMPLETION"}},
    )


@pytest.mark.sessionapi_requirement("BIOT-STOP-DATA-NON-DONE", SAME_STATE, *REFUSED)
@pytest.mark.parametrize("code", ["COMPLETION", "GENERAL_DEVICE_ERROR"])
def test_stop_reason_code_on_a_running_session_is_refused(biot_sessions, sessionapi_conformance, code):
    """400 'Code : STOP_DATA_NOT_NULL_FOR_NON_DONE_SESSION, Details: [attributeName, value,
    state]': a _stopReasonCode on a session that stays ACTIVE."""
    session_id, before, start = _active(biot_sessions)
    judge_patch(
        sessionapi_conformance, biot_sessions, session_id, before,
        {"_startTime": format_utc(start), "_state": "ACTIVE", "_name": biot_sessions.session_name(),
         "_summary": {"_stopReasonCode": code}},
    )


@pytest.mark.sessionapi_requirement("BIOT-PATCH-TYPES", SAME_STATE, *REFUSED)
def test_attributes_of_the_wrong_type_are_refused(biot_sessions, sessionapi_conformance):
    """The body is the schema's '#/components/schemas/UpdateSessionRequestV2', an object whose
    _name is a string and _summary an object: a number or a list as _name, a string as _summary,
    and an array as the whole body are refused with 400."""
    session_id, before, start = _active(biot_sessions)
    for body in (
        {"_startTime": format_utc(start), "_state": "ACTIVE", "_name": 12345},
        {"_startTime": format_utc(start), "_state": "ACTIVE", "_name": ["a", "list"]},
        {"_startTime": format_utc(start), "_state": "ACTIVE", "_summary": "not an object"},
    ):
        judged = judge_patch(sessionapi_conformance, biot_sessions, session_id, before, body)
        before = judged.after or before
    sent = ["_name", "not an object"]
    judge_outcome(sessionapi_conformance, biot_sessions.patch(session_id, sent), "updateSession", {
        "BIOT-PATCH-TYPES": Outcome.of(400, what="a JSON array as the PATCH body"),
    }, sent=sent)


@pytest.mark.sessionapi_requirement("BIOT-CUSTOM-ATTRIBUTE", *SESSION_REQUIREMENTS)
def test_template_custom_attribute_is_updated(biot_sessions, sessionapi_entity, sessionapi_conformance):
    """'Regular custom attribute 1 value': a string sent for the template's custom attribute (the
    target's custom_attribute) is applied, shown by the answer and by GET, and nothing else
    changes."""
    attribute = sessionapi_entity("custom_attribute")
    session_id, before, start = _active(biot_sessions)
    value = f"pytest-sessionapi {biot_sessions.inputs.uuid4().hex[:12]}"
    response = biot_sessions.patch(
        session_id, {"_startTime": format_utc(start), "_state": "ACTIVE", attribute: value}
    )
    judge_outcome(sessionapi_conformance, response, "updateSession", {
        "BIOT-CUSTOM-ATTRIBUTE": Outcome(
            frozenset({200}), {attribute: value}, keeps=before,
            what=f"a PATCH of the template's custom attribute {attribute!r}",
        ),
    }, session_status=200)
    if response.status_code == 200:
        judge_outcome(sessionapi_conformance, biot_sessions.get(session_id), "getSession", {
            "BIOT-CUSTOM-ATTRIBUTE": Outcome(
                frozenset({200}), {attribute: value}, what=f"GET after the PATCH of {attribute!r}"
            ),
        }, session_status=200)


@pytest.mark.sessionapi_requirement(
    "BIOT-CONFIGURATION-ATTRIBUTE", "BIOT-PATCH-PARTIAL", "BIOT-GET", SAME_STATE, *SESSION_REQUIREMENTS
)
def test_configuration_attribute_is_updated_and_kept(biot_sessions, sessionapi_entity, sessionapi_conformance):
    """'Configuration custom attribute 1 value': a string sent for the template's configuration
    attribute (the target's configuration_attribute) under _configuration is applied, shown by the
    answer and by GET; a later PATCH that does not send _configuration keeps it ('Performs
    partial update, if a field is specified in the request it will be updated')."""
    attribute = sessionapi_entity("configuration_attribute")
    session_id, before, start = _active(biot_sessions)
    value = f"pytest-sessionapi {biot_sessions.inputs.uuid4().hex[:12]}"
    shown = {f"_configuration.{attribute}": value}
    # _name re-sent as stored: only _configuration changes.
    sent = {"_startTime": format_utc(start), "_state": "ACTIVE", "_name": before.name,
            "_configuration": {attribute: value}}
    response = biot_sessions.patch(session_id, sent)
    answer = judge_outcome(sessionapi_conformance, response, "updateSession", {
        "BIOT-CONFIGURATION-ATTRIBUTE": Outcome(
            frozenset({200}), shown, keeps=before, what=f"a PATCH of _configuration.{attribute}",
        ),
    }, session_status=200, sent=sent)
    if response.status_code != 200 or not isinstance(answer, dict):
        return
    stored = judge_outcome(sessionapi_conformance, biot_sessions.get(session_id), "getSession", {
        "BIOT-CONFIGURATION-ATTRIBUTE": Outcome(
            frozenset({200}), shown, what=f"GET after the PATCH of _configuration.{attribute}",
        ),
    }, session_status=200)
    configuration = stored.get("_configuration") if isinstance(stored, dict) else None
    if not isinstance(configuration, dict) or configuration.get(attribute) != value:
        return  # not stored (recorded above): nothing for a later PATCH to keep
    judge_patch(
        sessionapi_conformance, biot_sessions, session_id, SessionView.from_body(answer),
        {"_startTime": format_utc(start), "_state": "ACTIVE", "_name": biot_sessions.session_name()},
        outcomes={"BIOT-PATCH-PARTIAL": Outcome(
            frozenset({200}), shown, what="a PATCH that does not send _configuration",
        )},
    )
