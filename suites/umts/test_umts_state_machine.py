"""Random sequences of operations over sessions, each answer compared with the lifecycle model.

A Hypothesis RuleBasedStateMachine creates sessions on the target's device, runs the five
operations in any order on live, disabled and never-issued session ids, and sends unknown
operations. ``lifecycle.LifecycleModel`` says what each answer must be: documented transitions are
held to their MUST requirements, transitions the docs leave open to "success or a 4xx"
(UMTS-UNDOCUMENTED-OUTCOME). Every session a run opens is disabled in its teardown.

Steps and examples come from the Hypothesis profile (sessionapi-ci: 20 runs of up to 10 steps).
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any

import httpx
import pytest
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, precondition, rule, run_state_machine_as_test

from pytest_sessionapi.apis.umts import checks
from pytest_sessionapi.apis.umts.lifecycle import LifecycleModel, Phase
from pytest_sessionapi.apis.umts.suite_support import (
    SESSION_RULES,
    UNKNOWN_OPERATIONS,
    busy_device_problem,
    open_session,
    unknown_session_id,
)

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
    "UMTS-ERROR-UNKNOWN-SESSION",
    "UMTS-ERROR-ENVELOPE",
    "UMTS-DISABLE-FREES-DEVICE",
    "UMTS-DISABLE-INVALIDATES",
    "UMTS-UNKNOWN-OPERATION",
    "UMTS-UNDOCUMENTED-OUTCOME",
    "UMTS-NO-SERVER-ERROR",
)


def build_machine(client, tracker, conformance, body) -> type[RuleBasedStateMachine]:
    device = body["deviceUUID"]

    def judge(requirement_id: str) -> AbstractContextManager[None]:
        """Blocking requirements stop the run (so Hypothesis shrinks to them); the others are
        recorded and the run goes on."""
        return conformance.check(requirement_id, hard=True)

    def parsed(response: httpx.Response) -> Any:
        if response.status_code in (200, 400):
            with judge("UMTS-MEDIA-JSON"):
                checks.check_media_json(response)
        body = checks.try_json(response)
        return body if checks.is_json(body) else None

    def judge_error(response: httpx.Response, requirement_id: str, code: str, situation: str) -> None:
        answer = parsed(response)
        with judge(requirement_id):
            checks.check_error_status_and_code(response, answer, code, situation)
        if response.status_code == 400:
            with judge("UMTS-ERROR-ENVELOPE"):
                checks.check_error_envelope(answer)

    class UmtsLifecycle(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.model = LifecycleModel()

        # -- create --------------------------------------------------------------------------
        @rule()
        def create(self) -> None:
            response, session_id = open_session(client, body, tracker)
            answer = parsed(response)
            uncertain = [s for s in self.model.live.values() if s.may_be_gone]
            if uncertain and not self.model.certainly_live():
                if response.status_code == 200 and session_id:
                    for gone in uncertain:  # the device was free: the disables were carried out
                        self.model.gone(gone)
                else:  # still held: they exist after all
                    for held in uncertain:
                        held.may_be_gone = False
            if self.model.live:
                with judge("UMTS-CREATE-CONFLICT"):
                    assert session_id is None, (
                        f"a second create opened session {session_id} while "
                        f"{next(iter(self.model.live))} is open"
                    )
                    checks.check_conflict(response)
                if response.status_code == 400:
                    with judge("UMTS-ERROR-ENVELOPE"):
                        checks.check_error_envelope(answer)
                return
            problem = busy_device_problem(response, tracker)
            if problem in ("busy", "lost"):
                return  # a session the suite cannot release holds the device: nothing to judge
            if problem:
                with judge("UMTS-DISABLE-FREES-DEVICE"):
                    raise AssertionError(problem)
            with judge("UMTS-CREATE-SESSION"):
                assert response.status_code == 200, f"create: {checks.summary(response)}"
                session = checks.session_from_create(answer)
            self.model.add(session["sessionId"])
            for requirement_id, message in checks.check_session(
                session, context="create answer", device_uuid=device, payload_required=False,
                allow_double_encoding=True,
            ):
                with judge(requirement_id):
                    raise AssertionError(message)

        # -- the five operations on sessions the run knows ----------------------------------
        @precondition(lambda self: bool(self.model.live))
        @rule(operation=st.sampled_from(checks.OPERATIONS), data=st.data())
        def operate_on_live(self, operation: str, data: st.DataObject) -> None:
            session_id = data.draw(st.sampled_from(sorted(self.model.live)), label="session")
            self._operate(operation, self.model.live[session_id])

        @precondition(lambda self: bool(self.model.live))
        @rule()
        def advance_documented_flow(self) -> None:
            """The next step of the documented flow on the open session, so that random runs
            also get deep into the lifecycle (status after start, download, disable)."""
            session = next(iter(self.model.live.values()))
            if session.just_started or session.just_stopped:
                operation = "status"
            elif session.phase is Phase.CREATED:
                operation = "start"
            elif session.phase is Phase.RUNNING:
                operation = "stop"
            elif session.phase is Phase.STOPPED and session.downloaded:
                operation = "disable"
            elif session.phase is Phase.STOPPED and session.downloadable:
                operation = "download"
            elif session.phase is Phase.STOPPED:
                operation = "status"
            else:
                operation = "disable"
            self._operate(operation, session)

        def _operate(self, operation: str, session: Any) -> None:
            session_id = session.session_id
            documented = self.model.documented(operation, session)
            response = client.operation(operation, session_id)
            with judge("UMTS-NO-SERVER-ERROR"):
                checks.check_no_server_error(response)
            answer = parsed(response)
            if operation == "status":
                self._judge_status(session, response, answer)
                return
            if not documented:
                success = None  # stays None when the answer is neither success nor a 4xx
                with judge("UMTS-UNDOCUMENTED-OUTCOME"):
                    situation = f"on a session in phase {session.phase.value}"
                    success = checks.check_open_outcome(response, operation, situation)
                if success is None:
                    self.model.undetermined(session, operation)
                elif success:
                    self._succeeded(operation, session, documented=False)
                else:
                    self.model.refused(session)
                return
            if operation == "download":
                with judge("UMTS-DOWNLOAD-READY"):
                    assert response.status_code == 200, (
                        f"status reported download_status, but download answered "
                        f"{checks.summary(response)}"
                    )
                with judge("UMTS-DOWNLOAD-SHAPE"):
                    checks.check_download_body(answer)
                self.model.refused(session)  # download changes nothing on the server
                session.downloaded = True
                return
            with judge("UMTS-OP-ACK"):
                assert response.status_code == 200, (
                    f"{operation} on a session in phase {session.phase.value} is documented to "
                    f"succeed: {checks.summary(response)}"
                )
                checks.check_ack(answer if answer is not None else response.text, operation)
            self._succeeded(operation, session, documented=True)

        def _succeeded(self, operation: str, session: Any, *, documented: bool) -> None:
            self.model.succeeded(operation, session, documented=documented)
            if operation == "disable":
                tracker.forget(session.session_id)

        def _judge_status(self, session: Any, response: httpx.Response, answer: Any) -> None:
            if session.may_be_gone:
                if response.status_code == 400 and checks.error_code(answer) == checks.CODE_UNKNOWN_SESSION:
                    self.model.gone(session)  # the undetermined disable was carried out
                    return
                session.may_be_gone = False
            with judge("UMTS-STATUS-IDENTITY"):
                assert response.status_code == 200, f"status: {checks.summary(response)}"
                checks.check_status_identity(answer, session.session_id, device)
            for requirement_id, message in checks.check_session(
                answer, context="status", device_uuid=device, payload_required=True
            ):
                with judge(requirement_id):
                    raise AssertionError(message)
            expected = self.model.expected_request_status(session)
            reported = checks.normalized_request_status(answer)
            if expected is not None:
                requirement_id, value = expected
                with judge(requirement_id):
                    assert reported == value, (
                        f"status of a session in phase {session.phase.value} reports "
                        f"requestStatus {answer.get('requestStatus')!r}, expected {value}"
                    )
            self.model.observed(session, reported, answer.get("download_status") is not None)

        # -- ids that are gone or never were ----------------------------------------------
        @precondition(lambda self: bool(self.model.disabled))
        @rule(operation=st.sampled_from(checks.OPERATIONS), data=st.data())
        def operate_on_disabled(self, operation: str, data: st.DataObject) -> None:
            session_id = data.draw(st.sampled_from(self.model.disabled), label="disabled session")
            judge_error(client.operation(operation, session_id), "UMTS-DISABLE-INVALIDATES",
                        checks.CODE_UNKNOWN_SESSION, f"{operation} on a disabled session")

        @rule(operation=st.sampled_from(checks.OPERATIONS))
        def operate_on_unknown(self, operation: str) -> None:
            judge_error(client.operation(operation, unknown_session_id()),
                        "UMTS-ERROR-UNKNOWN-SESSION", checks.CODE_UNKNOWN_SESSION,
                        f"{operation} on an unknown session")

        @precondition(lambda self: bool(self.model.live))
        @rule(operation=st.sampled_from(UNKNOWN_OPERATIONS), data=st.data())
        def unknown_operation(self, operation: str, data: st.DataObject) -> None:
            session_id = data.draw(st.sampled_from(sorted(self.model.live)), label="session")
            response = client.operation(operation, session_id)
            with judge("UMTS-NO-SERVER-ERROR"):
                checks.check_no_server_error(response)
            with judge("UMTS-UNKNOWN-OPERATION"):
                checks.check_unknown_operation(response, operation)
            if response.is_success:  # served as something: the model no longer knows the state
                self.model.live[session_id].phase = Phase.UNCERTAIN

        def teardown(self) -> None:
            tracker.release_all()

    return UmtsLifecycle


@pytest.mark.requirement(*MACHINE)
def test_lifecycle_state_machine(sessionapi_client, umts_sessions, umts_body, conformance):
    """Random walks over the operations, each answer held to the lifecycle model: after a start,
    status shows the 'status ok sample' state '"requestStatus":"START"', after a stop
    '"requestStatus":"STOP"'; the transitions the docs leave open are judged as open."""
    from hypothesis import settings

    machine = build_machine(sessionapi_client, umts_sessions, conformance, umts_body)
    run_state_machine_as_test(machine, settings=settings())
