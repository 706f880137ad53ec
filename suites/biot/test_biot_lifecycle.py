"""The documented session lifecycle: a device creates its session, updates its summary, stops it
with the documented PATCH; DONE is final. And the vendor's own examples through the same oracle."""

from __future__ import annotations

from datetime import timedelta

import pytest

from pytest_sessionapi.apis.biot.model import STATES, SessionView, expect_patch, format_utc, parse_utc
from pytest_sessionapi.apis.biot.rules import ERROR_REQUIREMENTS, SESSION_REQUIREMENTS, Outcome
from pytest_sessionapi.apis.biot.sessions import stored_start
from pytest_sessionapi.apis.biot.steps import finished, judge_outcome, judge_patch, precondition
from pytest_sessionapi.apis.biot.vendor_examples import (
    PAGE_FINDINGS,
    STOP_EXAMPLE,
    SUMMARY_EXAMPLE,
    schema_findings,
)

pytestmark = pytest.mark.sessionapi("biot")

ACCEPTED = ("BIOT-PATCH-PARTIAL", "BIOT-GET", *SESSION_REQUIREMENTS)
REFUSED = ("BIOT-PATCH-REJECTED-NO-EFFECT", *ERROR_REQUIREMENTS)


@pytest.mark.sessionapi_requirement(
    "BIOT-STOP-DOCUMENTED", "BIOT-SUMMARY-UPDATE", "BIOT-REQUIRED-CONFLICT", *ACCEPTED
)
def test_device_stops_its_session_then_updates_the_summary(biot_sessions, sessionapi_conformance):
    """'Stop a Session': the device sends '"_endTime": "2022-07-28T14:02:26.199Z", "_state":
    "DONE"' with its stop data, and the session is DONE; then, as 'Session Summary' allows at
    completion, a PATCH of only _summary updates it."""
    created = biot_sessions.create()
    session_id, start = created["_id"], stored_start(created)
    stop = {
        "_startTime": format_utc(start),
        "_state": "DONE",
        "_endTime": format_utc(start + timedelta(minutes=42)),
        "_summary": {"_stopReason": "Manual Stop", "_stopReasonCode": "COMPLETION"},
    }
    stopped = judge_patch(
        sessionapi_conformance, biot_sessions, session_id, SessionView.from_body(created), stop,
        outcomes={"BIOT-STOP-DOCUMENTED": Outcome.of(200, what="the documented stop", _state="DONE")},
    )
    if not precondition(sessionapi_conformance, stopped.accepted, "the documented stop failed"):
        return
    # 'Session Summary': summary attributes can be updated at completion with only _summary.
    summary = {"_summary": {"_stopReason": "Stopped by the operator", "_stopReasonCode": "COMPLETION"}}
    judge_patch(
        sessionapi_conformance, biot_sessions, session_id, stopped.after, summary,
        outcomes={"BIOT-SUMMARY-UPDATE": Outcome.of(
            200, what="a summary update on a DONE session", _state="DONE",
            _summary___stopReason="Stopped by the operator",
        )},
    )


@pytest.mark.sessionapi_requirement("BIOT-DONE-FINAL", "BIOT-GET", *REFUSED)
def test_done_is_final(biot_sessions, sessionapi_conformance):
    """A DONE session never leaves DONE: every other _state gets 409 'Code :
    SESSION_STATE_CHANGE_INVALID, Details: [currentState, targetState]' and the session stays
    DONE."""
    created = biot_sessions.create()
    session_id = created["_id"]
    done = finished(sessionapi_conformance, biot_sessions, session_id, reason="done-is-final check")
    if done is None:
        return
    # "Stays DONE" is read back with GET: a GET that does not show the DONE just stored cannot
    # tell whether a later PATCH moved the session. That is BIOT-GET's failure, not this MUST's.
    shown = judge_outcome(sessionapi_conformance, biot_sessions.get(session_id), "getSession", {
        "BIOT-GET": Outcome.of(200, what="GET right after the session reached DONE", _state="DONE"),
    }, session_status=200)
    if not isinstance(shown, dict) or shown.get("_state") != "DONE":
        sessionapi_conformance.stop_not_tested("GET does not show the stored DONE: the session's state cannot be read back")
    for target in STATES:
        if target == "DONE":
            continue
        # "stays DONE" is this MUST's own clause, also when the server answered a refusal: judged
        # on the GET that follows the PATCH.
        judged = judge_patch(
            sessionapi_conformance, biot_sessions, session_id, done,
            {"_startTime": format_utc(done.start), "_state": target},
            read_back_outcomes={"BIOT-DONE-FINAL": Outcome.of(
                200, what=f"GET after a PATCH of the DONE session to {target}", _state="DONE",
            )},
        )
        if judged.after is not None:
            done = judged.after
        if done.state != "DONE":
            break  # the server let it leave DONE: recorded; the other targets say no more


@pytest.mark.sessionapi_requirement(
    "BIOT-STOP-DOCUMENTED", "BIOT-SUMMARY-UPDATE", "BIOT-REQUIRED-CONFLICT", *ACCEPTED
)
def test_vendor_examples(biot_sessions, sessionapi_conformance):
    """The 'Stop a Session' and 'Session Summary' examples, sent as published, on a session that
    fits them (started an hour before the stop example's end time)."""
    for example in (STOP_EXAMPLE, SUMMARY_EXAMPLE):
        for requirement, text in schema_findings(example):
            sessionapi_conformance.finding(requirement, text)
    for requirement, text in PAGE_FINDINGS:
        sessionapi_conformance.finding(requirement, text)
    example_end = parse_utc(STOP_EXAMPLE.body["_endTime"])
    created = biot_sessions.create(start=example_end - timedelta(hours=1))
    session_id = created["_id"]
    before = SessionView.from_body(created)
    # The example judged offline first: a documentation finding if the vendor's own example
    # breaks the vendor's own rules for the state it is written for.
    offline = expect_patch(before, STOP_EXAMPLE.body, now=biot_sessions.now())
    for violation in offline.violations:
        sessionapi_conformance.finding(
            violation.requirement,
            f"the vendor's '{STOP_EXAMPLE.name}' example breaks a documented rule: {violation.why}",
        )
    stopped = judge_patch(
        sessionapi_conformance, biot_sessions, session_id, before, STOP_EXAMPLE.body,
        outcomes={"BIOT-STOP-DOCUMENTED": Outcome.of(200, what="the vendor's own stop example")},
    )
    if stopped.after is None or stopped.after.state != SUMMARY_EXAMPLE.applies_to:
        return
    # Make the summary example's values visible: give the session other stop data first.
    other = {"_summary": {"_stopReason": "before the summary example", "_stopReasonCode": "TIMEOUT"}}
    prepared = judge_patch(sessionapi_conformance, biot_sessions, session_id, stopped.after, other)
    if not precondition(sessionapi_conformance, prepared.accepted, "could not prepare the summary example"):
        return
    judge_patch(
        sessionapi_conformance, biot_sessions, session_id, prepared.after or stopped.after, SUMMARY_EXAMPLE.body,
        outcomes={"BIOT-SUMMARY-UPDATE": Outcome.of(
            200, what="the vendor's own summary example on a DONE session", _state="DONE",
        )},
    )
