"""Random sequences of operations over sessions, each answer compared with the lifecycle model.

A Hypothesis RuleBasedStateMachine creates sessions on the target's device, runs the five
operations in any order on live, disabled and never-issued session ids, and sends unknown
operations. The oracle in ``model.py`` says what each answer must be: documented transitions are
held to their MUST requirements, transitions the docs leave open to "success or a 4xx"
(UMTS-UNDOCUMENTED-OUTCOME). Every session a run opens is disabled in its teardown.

Steps and examples come from the Hypothesis profile (sessionapi-ci: 20 runs of up to 10 steps).
"""

from __future__ import annotations

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, precondition, rule, run_state_machine_as_test

from pytest_sessionapi.apis.umts import sessions, strategies
from pytest_sessionapi.apis.umts.model import (
    Expect,
    LifecycleModel,
    ModelSession,
    Phase,
    expect,
    expected_request_status,
    next_documented_step,
)
from pytest_sessionapi.apis.umts.models import CODE_UNKNOWN_SESSION, error_code
from pytest_sessionapi.apis.umts.rules import Asked, request_status
from pytest_sessionapi.apis.umts.sessions import busy_device_problem, open_session
from pytest_sessionapi.apis.umts.steps import (
    CREATE_ANSWER,
    DOWNLOAD_ANSWER,
    ERROR_ANSWER,
    SESSION_RULES,
    STATUS_ANSWER,
    gone_session,
    judge,
)
from pytest_sessionapi.rulebook import Answer

pytestmark = pytest.mark.sessionapi("umts")

MACHINE = (
    "UMTS-LIFECYCLE-START",
    "UMTS-MEDIA-JSON",
    "UMTS-CREATE-SESSION",
    "UMTS-CREATE-CONFLICT",
    *SESSION_RULES,
    "UMTS-STATUS-IDENTITY",
    "UMTS-OP-ACK",
    "UMTS-LIFECYCLE-STOP",
    "UMTS-DOWNLOAD-READY",
    "UMTS-DOWNLOAD-SHAPE",
    "UMTS-DOWNLOAD-RECORDS",
    "UMTS-ERROR-UNKNOWN-SESSION",
    "UMTS-ERROR-ENVELOPE",
    "UMTS-DISABLE-FREES-DEVICE",
    "UMTS-DISABLE-INVALIDATES",
    "UMTS-UNKNOWN-OPERATION",
    "UMTS-UNDOCUMENTED-OUTCOME",
    "UMTS-NO-SERVER-ERROR",
)

# What an operation's answer is held to, by what the docs demand of it (model.expect). The machine
# judges a 5xx itself, to stop where it happened.
EVERY_ANSWER = ("UMTS-NO-SERVER-ERROR", "UMTS-MEDIA-JSON")
HELD_TO: dict[Expect, tuple[str, ...]] = {
    Expect.SESSION: ("UMTS-NO-SERVER-ERROR", *STATUS_ANSWER),
    Expect.ACK: (*EVERY_ANSWER, "UMTS-OP-ACK"),
    Expect.DATA: ("UMTS-NO-SERVER-ERROR", *DOWNLOAD_ANSWER),
    # A download the docs leave open may answer anything; records it does answer are the session's.
    Expect.OPEN: (*EVERY_ANSWER, "UMTS-UNDOCUMENTED-OUTCOME", "UMTS-DOWNLOAD-RECORDS"),
}
CONFLICT_ANSWER = ("UMTS-MEDIA-JSON", "UMTS-CREATE-CONFLICT", "UMTS-ERROR-ENVELOPE")


def build_machine(client, tracker, sessionapi_conformance, body, inputs) -> type[RuleBasedStateMachine]:
    device = body["deviceUUID"]

    def unknown_session_id() -> str:
        # From the run's ids. Named and defined out here so that the machine's source, from which
        # derandomized Hypothesis derives its steps, stays as it was: other steps are another
        # calibration of the fault variants (tests/test_selftest_variants.py).
        return sessions.unknown_session_id(inputs)

    class UmtsLifecycle(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.model = LifecycleModel()

        # -- create --------------------------------------------------------------------------
        @rule()
        def create(self) -> None:
            response, session_id = open_session(client, body, tracker)
            uncertain = [s for s in self.model.live.values() if s.may_be_gone]
            if uncertain and not self.model.certainly_live():
                if response.status_code == 200 and session_id:
                    for gone in uncertain:  # the device was free: the disables were carried out
                        self.model.gone(gone)
                else:  # still held: they exist after all
                    for held in uncertain:
                        held.may_be_gone = False
            if self.model.live:
                asked = Asked("create", Expect.CONFLICT, device_uuid=device,
                              held_session=next(iter(self.model.live)))
                judge(sessionapi_conformance, response, asked, CONFLICT_ANSWER, hard=True)
                return
            problem = busy_device_problem(response, tracker)
            if problem:
                judge(sessionapi_conformance, response, Asked("create", Expect.NEW_SESSION, device_uuid=device),
                      ("UMTS-MEDIA-JSON",), hard=True)
                if problem in ("busy", "lost", "stuck"):
                    return  # a session the suite cannot release holds the device: nothing to judge
                judge(sessionapi_conformance, response,
                      Asked("create", Expect.FREED_DEVICE, device_uuid=device, situation=problem),
                      ("UMTS-DISABLE-FREES-DEVICE",), hard=True)
                return
            verdicts = judge(sessionapi_conformance, response,
                             Asked("create", Expect.NEW_SESSION, device_uuid=device, created_with=body),
                             CREATE_ANSWER, hard=True)
            if session_id and "UMTS-CREATE-SESSION" in verdicts.passed:
                self.model.add(session_id)

        # -- the five operations on sessions the run knows ----------------------------------
        @precondition(lambda self: bool(self.model.live))
        @rule(operation=strategies.operations, data=st.data())
        def operate_on_live(self, operation: str, data: st.DataObject) -> None:
            session_id = data.draw(st.sampled_from(sorted(self.model.live)), label="session")
            self._operate(operation, self.model.live[session_id])

        @precondition(lambda self: bool(self.model.live))
        @rule()
        def advance_documented_flow(self) -> None:
            """The next step of the documented flow on the open session, so that random runs
            also get deep into the lifecycle (status after start, download, disable)."""
            session = next(iter(self.model.live.values()))
            self._operate(next_documented_step(session), session)

        def _operate(self, operation: str, session: ModelSession) -> None:
            session_id = session.session_id
            demanded = expect(operation, session)
            response = client.operation(operation, session_id)
            answer = Answer.from_httpx(response)
            if operation == "status" and session.may_be_gone and answer.status == 400 and \
                    error_code(answer.json) == CODE_UNKNOWN_SESSION:
                judge(sessionapi_conformance, response, Asked("status", Expect.UNJUDGED), EVERY_ANSWER,
                      hard=True)
                self.model.gone(session)  # the undetermined disable was carried out
                return
            reports = None
            if operation == "status":
                session.may_be_gone = False  # not an unknown session: it still exists
                reports = expected_request_status(session)
            asked = Asked(
                operation, demanded, session_id=session_id, device_uuid=device,
                reports=reports[1] if reports else None,
                situation=f"on a session in phase {session.phase.value}", created_with=body,
            )
            verdicts = judge(sessionapi_conformance, response, asked, HELD_TO[demanded], hard=True)
            if operation == "status":
                if isinstance(answer.json, dict):
                    self.model.observed(session, request_status(answer.json),
                                        answer.json.get("download_status") is not None)
                return
            if demanded is Expect.OPEN:
                if answer.status >= 500 or "UMTS-UNDOCUMENTED-OUTCOME" in verdicts.failures:
                    # Neither a success nor a refusal: the server may or may not have acted.
                    self.model.undetermined(session, operation)
                elif answer.status == 200:
                    self._succeeded(operation, session, documented=False)
                else:
                    self.model.refused(session)
                return
            if operation == "download":
                self.model.refused(session)  # download changes nothing on the server
                session.downloaded = True
                return
            self._succeeded(operation, session, documented=True)

        def _succeeded(self, operation: str, session: ModelSession, *, documented: bool) -> None:
            self.model.succeeded(operation, session, documented=documented)
            if operation == "disable":
                tracker.forget(session.session_id)

        # -- ids that are gone or never were ----------------------------------------------
        @precondition(lambda self: bool(self.model.disabled))
        @rule(operation=strategies.operations, data=st.data())
        def operate_on_disabled(self, operation: str, data: st.DataObject) -> None:
            session_id = data.draw(st.sampled_from(self.model.disabled), label="disabled session")
            gone_session(sessionapi_conformance, client, operation, session_id, Expect.DISABLED_SESSION,
                         ERROR_ANSWER, hard=True)

        @rule(operation=strategies.operations)
        def operate_on_unknown(self, operation: str) -> None:
            gone_session(sessionapi_conformance, client, operation, unknown_session_id(),
                         Expect.UNKNOWN_SESSION, ERROR_ANSWER, hard=True)

        @precondition(lambda self: bool(self.model.live))
        @rule(operation=strategies.unknown_operations, data=st.data())
        def unknown_operation(self, operation: str, data: st.DataObject) -> None:
            session_id = data.draw(st.sampled_from(sorted(self.model.live)), label="session")
            response = client.operation(operation, session_id)
            judge(sessionapi_conformance, response, Asked(operation, Expect.REFUSAL, session_id=session_id),
                  ("UMTS-NO-SERVER-ERROR", "UMTS-UNKNOWN-OPERATION"), hard=True)
            if response.is_success:  # served as something: the model no longer knows the state
                self.model.live[session_id].phase = Phase.UNCERTAIN

        def teardown(self) -> None:
            tracker.release_all()

    return UmtsLifecycle


@pytest.mark.sessionapi_requirement(*MACHINE)
def test_lifecycle_state_machine(sessionapi_client, umts_sessions, umts_body, sessionapi_conformance, sessionapi_inputs):
    """Random walks over the operations, each answer held to the lifecycle model: after a start,
    status shows the 'status ok sample' state '"requestStatus":"START"', after a stop
    '"requestStatus":"STOP"'; the transitions the docs leave open are judged as open."""
    from hypothesis import settings

    machine = build_machine(sessionapi_client, umts_sessions, sessionapi_conformance, umts_body, sessionapi_inputs)
    run_state_machine_as_test(machine, settings=settings())
