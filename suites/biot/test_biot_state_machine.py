"""Hypothesis state machine: random walks over the session states by PATCH, every answer compared
with the transition model (model.toml) and the rest of the PATCH oracle.

Each run drives one session of the suite's own at a time (a new one after DONE, since DONE is
final; the last run's when its GET showed it as created), always sending _startTime and _state
(so a server that enforces the schema's ``required`` is judged on the transitions alone), with
stop data and an end time when the target is DONE.
"""

from __future__ import annotations


import pytest
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    precondition,
    rule,
    run_state_machine_as_test,
)

from pytest_sessionapi.apis.biot.model import STATES, STOP_REASON_CODES, SessionView, load_model
from pytest_sessionapi.apis.biot.rules import ERROR_REQUIREMENTS, SESSION_REQUIREMENTS
from pytest_sessionapi.apis.biot.sessions import state_change_body, stored_start
from pytest_sessionapi.apis.biot.steps import judge_patch

pytestmark = pytest.mark.sessionapi("biot")

MODEL = load_model()


def machine_for(sessions, sessionapi_conformance):
    class SessionStateMachine(RuleBasedStateMachine):
        session_id: str | None = None
        current: SessionView | None = None

        @initialize()
        def open_session(self):
            self._fresh()

        def _fresh(self):
            sessions.retire_all()
            created = sessions.create()
            self.session_id = created["_id"]
            self.current = SessionView.from_body(created)
            self.start = stored_start(created)

        def _change(self, new_state: str, code: str, minutes: int) -> None:
            body = state_change_body(
                self.current.state, self.start, new_state,
                minutes=minutes, code=code, reason=f"state machine ({code})",
            )
            judged = judge_patch(
                sessionapi_conformance, sessions, self.session_id, self.current, body, hard=True
            )
            self.current = judged.current or self.current

        @rule(data=st.data(), code=st.sampled_from(STOP_REASON_CODES), minutes=st.integers(1, 90))
        def follow_an_edge(self, data, code, minutes):
            """A change the model allows (documented or inferred)."""
            allowed = MODEL.targets_from(self.current.state)
            self._change(data.draw(st.sampled_from(allowed), label="allowed"), code, minutes)

        @rule(data=st.data(), code=st.sampled_from(STOP_REASON_CODES), minutes=st.integers(1, 90))
        def try_a_refused_change(self, data, code, minutes):
            """A change the model refuses (out of DONE: documented; otherwise inferred)."""
            refused = [t for t in STATES if not MODEL.allowed(self.current.state, t)]
            self._change(data.draw(st.sampled_from(refused), label="refused"), code, minutes)

        @precondition(lambda self: self.current is not None and self.current.state == "ACTIVE")
        @rule(code=st.sampled_from(("COMPLETION", "GENERAL_DEVICE_ERROR")), minutes=st.integers(1, 90))
        def device_stops(self, code, minutes):
            """The documented stop (ACTIVE -> DONE with stop data), as a device sends it."""
            self._change("DONE", code, minutes)

        @precondition(lambda self: self.current is not None and self.current.state == "DONE")
        @rule()
        def start_over(self):
            self._fresh()

        def teardown(self):
            sessions.retire_all()

    return SessionStateMachine


# The transition requirements are recorded as the walk meets them; always judged are these.
# The inferred edges are declared too, but only a walk that meets one can judge it: one it never
# met is reported not-tested rather than passed by default (test_biot_transitions tries each
# reachable entry of the model once, whatever the walk does).
WALK_ONLY = ("BIOT-TRANSITION-INFERRED-ALLOWED", "BIOT-TRANSITION-INFERRED-FORBIDDEN")


@pytest.mark.sessionapi_requirement(
    "BIOT-STOP-DOCUMENTED", "BIOT-DONE-FINAL", "BIOT-PATCH-PARTIAL", "BIOT-GET",
    *SESSION_REQUIREMENTS, *ERROR_REQUIREMENTS, *WALK_ONLY,
)
def test_random_state_changes_follow_the_model(biot_sessions, sessionapi_conformance):
    """Random walks over the states by PATCH; each stop is the 'Stop a Session' PATCH
    ('"_endTime": "2022-07-28T14:02:26.199Z", "_state": "DONE"' with stop data), and every other
    answer is held to the transition model and the PATCH oracle."""
    machine = machine_for(biot_sessions, sessionapi_conformance)
    try:
        # A walk that leaves its session as created (its GET judged so) hands it to the next.
        with biot_sessions.reusing():
            run_state_machine_as_test(machine)
    finally:
        sessionapi_conformance.settle_unrecorded(
            "not-tested", "the random walk met no such transition", only=WALK_ONLY
        )
