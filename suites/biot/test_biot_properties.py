"""Hypothesis: PATCH bodies, valid and invalid, on a session of the suite's own per example.

Each body is built from a few choices per attribute (absent, valid, each way of being invalid)
and times placed relative to the session's start and the clock, so every example is judged by the
oracle with certainty. Each example checks the answer, the envelope or session it carries, and
the stored result (GET), then retires its session, or keeps it for the next example when GET
showed it as it was created (``SuiteSessions.reusing``).
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pytest_sessionapi.apis.biot import strategies
from pytest_sessionapi.apis.biot.model import SessionView
from pytest_sessionapi.apis.biot.rules import ERROR_REQUIREMENTS, SESSION_REQUIREMENTS
from pytest_sessionapi.apis.biot.sessions import stored_start
from pytest_sessionapi.apis.biot.steps import judge_patch

pytestmark = pytest.mark.sessionapi("biot")


# Always judged; the rule each generated body breaks is recorded under its own requirement as it
# comes up (declaring them all would report a rule no example happened to break as passed).
@pytest.mark.sessionapi_requirement(
    "BIOT-PATCH-PARTIAL", "BIOT-GET", "BIOT-PATCH-REJECTED-NO-EFFECT", *SESSION_REQUIREMENTS,
    *ERROR_REQUIREMENTS,
)
def test_generated_patch_bodies(biot_sessions, sessionapi_conformance):
    """'Performs partial update, if a field is specified in the request it will be updated', for
    generated bodies, valid and invalid: each answer, its envelope or session, and GET afterwards
    are judged by the PATCH oracle."""
    def patch_bodies(initial, start):
        # The bodies on the suite's clock as each example is drawn. Named and defined out here
        # so that the source of the example function below, from which derandomized Hypothesis
        # derives its examples, stays as it was: other examples are another calibration of the
        # fault variants (tests/test_selftest_variants.py).
        return strategies.patch_bodies(initial, start, biot_sessions.now())

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
            judge_patch(sessionapi_conformance, biot_sessions, session_id, before, body, hard=True)
        finally:
            biot_sessions.retire_all()

    # A session a refused body left as it was (its GET judged so) serves the next example.
    with biot_sessions.reusing():
        one_body()
