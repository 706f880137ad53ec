"""Hypothesis: PATCH bodies, valid and invalid, on a fresh session of the suite's own per example.

Each body is built from a few choices per attribute (absent, valid, each way of being invalid)
and times placed relative to the session's start and the clock, so every example is judged by the
oracle with certainty. Each example checks the answer, the envelope or session it carries, and
the stored result (GET), then retires its session.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pytest_sessionapi.apis.biot.checks import ERROR_REQUIREMENTS, SESSION_REQUIREMENTS
from pytest_sessionapi.apis.biot.judge import judge_patch
from pytest_sessionapi.apis.biot.lifecycle import stored_start
from pytest_sessionapi.apis.biot.rules import (
    RUNNING_STATES,
    STOP_REASON_CODES,
    SessionView,
    format_utc,
    now_utc,
)
from pytest_sessionapi.apis.biot.transitions import STATES, load_model

pytestmark = pytest.mark.sessionapi("biot")

_NAME_CHARS = st.characters(
    codec="utf-8", min_codepoint=0x20, max_codepoint=0xFFFF,
    categories=("Lu", "Ll", "Nd", "Pd", "Zs"),
)
_names = st.text(_NAME_CHARS, min_size=1, max_size=64).filter(lambda s: s == s.strip() and s)
_long_names = st.text(_NAME_CHARS, min_size=65, max_size=90)
_reasons = st.text(_NAME_CHARS, min_size=0, max_size=128)
_long_reasons = st.text(_NAME_CHARS, min_size=129, max_size=160)

MUTATIONS = (
    None, "state-not-in-enum", "state-change-not-in-model", "stop-code-not-in-enum", "name-empty",
    "name-too-long", "stop-reason-too-long", "time-not-iso", "start-in-future", "end-in-future",
    "start-after-end", "done-without-stop-data", "stop-code-while-running", "end-while-running",
)


@st.composite
def patch_bodies(draw, initial: str, start):
    """A PATCH body for a session in state ``initial`` started at ``start``: valid by the
    catalogue, then (most of the time) broken in exactly one way, so a server that ignores one
    rule cannot hide behind another."""
    model = load_model()
    mutation = draw(st.sampled_from(MUTATIONS))
    body: dict = {}
    if draw(st.booleans()):
        body["_startTime"] = format_utc(start - timedelta(minutes=draw(st.integers(0, 60))))
    targets = [t for t in model.targets_from(initial)]
    target = initial
    if initial != "DONE" and draw(st.booleans()) or mutation in ("done-without-stop-data", "start-after-end"):
        target = "DONE" if mutation in ("done-without-stop-data", "start-after-end") else draw(
            st.sampled_from(targets)
        )
        body["_state"] = target
    elif draw(st.booleans()):
        body["_state"] = initial
    if target == "DONE" and initial != "DONE":
        body["_endTime"] = format_utc(start + timedelta(minutes=draw(st.integers(1, 90))))
        body["_summary"] = {"_stopReasonCode": draw(st.sampled_from(STOP_REASON_CODES))}
        if draw(st.booleans()):
            body["_summary"]["_stopReason"] = draw(_reasons)
    elif target == "DONE" and draw(st.booleans()):
        body["_summary"] = {"_stopReason": draw(_reasons)}
    if draw(st.booleans()):
        body["_name"] = draw(_names)
    running = target in RUNNING_STATES
    if mutation == "state-not-in-enum":
        body["_state"] = draw(st.sampled_from(["FINISHED", "active", "STOPPED", "Done"]))
    elif mutation == "state-change-not-in-model":
        refused = [t for t in STATES if not model.allowed(initial, t)]
        body["_state"] = draw(st.sampled_from(refused))
        body.pop("_endTime", None)
        body.pop("_summary", None)
    elif mutation == "stop-code-not-in-enum":
        body.setdefault("_summary", {})["_stopReasonCode"] = draw(
            st.sampled_from(["MANUAL", "completion", "ERROR"])
        )
    elif mutation == "name-empty":
        body["_name"] = ""
    elif mutation == "name-too-long":
        body["_name"] = draw(_long_names)
    elif mutation == "stop-reason-too-long" and target == "DONE":
        body.setdefault("_summary", {})["_stopReason"] = draw(_long_reasons)
    elif mutation == "time-not-iso":
        body[draw(st.sampled_from(["_startTime", "_endTime"]))] = draw(st.sampled_from(_MALFORMED))
    elif mutation == "start-in-future":
        body["_startTime"] = format_utc(now_utc() + timedelta(days=draw(st.integers(1, 30))))
    elif mutation == "end-in-future" and target == "DONE":
        body["_endTime"] = format_utc(now_utc() + timedelta(days=draw(st.integers(1, 30))))
    elif mutation == "start-after-end":
        body["_endTime"] = format_utc(start - timedelta(minutes=draw(st.integers(1, 60))))
        body.pop("_startTime", None)
    elif mutation == "done-without-stop-data" and initial != "DONE":
        body.pop("_summary", None)
    elif mutation == "stop-code-while-running" and running:
        body["_summary"] = {"_stopReasonCode": draw(st.sampled_from(STOP_REASON_CODES))}
    elif mutation == "end-while-running" and running:
        body["_endTime"] = format_utc(start + timedelta(minutes=draw(st.integers(1, 90))))
    return body


_MALFORMED = ("2022-07-28", "28/07/2022 14:02:26", "now", "2022-07-28T25:00:00Z", "")


# Always judged; the rule each generated body breaks is recorded under its own requirement as it
# comes up (declaring them all would report a rule no example happened to break as passed).
@pytest.mark.requirement(
    "BIOT-PATCH-PARTIAL", "BIOT-GET", "BIOT-PATCH-REJECTED-NO-EFFECT", *SESSION_REQUIREMENTS,
    *ERROR_REQUIREMENTS,
)
def test_generated_patch_bodies(biot_sessions, conformance):
    """'Performs partial update, if a field is specified in the request it will be updated', for
    generated bodies, valid and invalid: each answer, its envelope or session, and GET afterwards
    are judged by the PATCH oracle."""
    @given(st.sampled_from(["ACTIVE", "ACTIVE", "DONE"]), st.data())
    def one_body(initial, data):
        try:
            created = biot_sessions.create()
            session_id = created["_id"]
            before = SessionView.from_body(created)
            if initial == "DONE":
                before = biot_sessions.finish(session_id, reason="generated-body check")
                if before is None:
                    return  # the lifecycle tests report why a session cannot end
            body = data.draw(patch_bodies(before.state, stored_start(created)), label="body")
            judge_patch(conformance, biot_sessions, session_id, before, body, hard=True)
        finally:
            biot_sessions.retire_all()

    one_body()
