"""The documented flow, step by step: create, status, start, status, stop, status (until the trace
is downloadable), download, disable; then what disable promises (the device is free again, the
session id is gone).

Every answer is judged once by the catalogue's rules (rules.py), through the judged steps
(steps.py); every session the test opens is disabled again by the ``umts_sessions`` fixture, also
on failure.
"""

from __future__ import annotations

import pytest

from pytest_sessionapi.apis.umts.model import Expect
from pytest_sessionapi.apis.umts.models import OPERATIONS
from pytest_sessionapi.apis.umts.rules import Asked
from pytest_sessionapi.apis.umts.sessions import open_session, unknown_session_id
from pytest_sessionapi.apis.umts.steps import (
    CREATE_ANSWER,
    SESSION_RULES,
    UNKNOWN_OPERATIONS,
    acknowledged,
    create_first,
    download_when_ready,
    gone_session,
    judge,
    judged_status,
    judged_wait,
    poll_until_downloadable,
)
from pytest_sessionapi.rulebook import Answer

pytestmark = pytest.mark.sessionapi("umts")

FLOW = (
    "UMTS-CREATE-SESSION",
    "UMTS-MEDIA-JSON",
    *SESSION_RULES,
    "UMTS-STATUS-IDENTITY",
    "UMTS-OP-ACK",
    "UMTS-LIFECYCLE-START",
    "UMTS-LIFECYCLE-STOP",
    "UMTS-DOWNLOAD-READY",
    "UMTS-DOWNLOAD-SHAPE",
    "UMTS-DOWNLOAD-RECORDS",
    "UMTS-DISABLE-FREES-DEVICE",
    "UMTS-DISABLE-INVALIDATES",
)


@pytest.mark.sessionapi_requirement(*FLOW)
def test_documented_flow(sessionapi_client, sessionapi_target, umts_body, umts_sessions, sessionapi_conformance):
    """'Assign sessionId to client', then 'start, stop,status,download or disable session' on it,
    in the documented order; each step's answer is held to its own requirement, every answer to
    the session rules."""
    client = sessionapi_client
    device = umts_body["deviceUUID"]
    settings = sessionapi_target.settings

    # create
    response, session_id = create_first(sessionapi_conformance, client, umts_body, umts_sessions,
                                        judged=CREATE_ANSWER, required=True)
    if not session_id:
        sessionapi_conformance.stop_not_tested(
            f"create opened no session the suite could follow: {Answer.from_httpx(response).exchange()}"
        )
    judged_status(sessionapi_conformance, client, session_id, device, "after create",
                  created_with=umts_body)

    # start
    started = acknowledged(sessionapi_conformance, client, "start", session_id)
    status = judged_status(sessionapi_conformance, client, session_id, device, "after start",
                           reports="START" if started else None, created_with=umts_body)
    if not started:
        sessionapi_conformance.record("UMTS-LIFECYCLE-START", "not-tested", "start did not succeed")
    if status is not None and status.get("download_status") is not None:
        # The vendor's 'status ok sample' shows results while START; then they must download.
        download_when_ready(sessionapi_conformance, client, session_id, "after start", umts_body)

    # stop
    stopped = acknowledged(sessionapi_conformance, client, "stop", session_id)
    judged_status(sessionapi_conformance, client, session_id, device, "after stop",
                  reports="STOP" if started and stopped else None, created_with=umts_body)
    if not (started and stopped):
        sessionapi_conformance.record("UMTS-LIFECYCLE-STOP", "not-tested", "start or stop did not succeed")

    # wait for the trace, then download
    if started and stopped:
        poll = poll_until_downloadable(
            client, session_id, settings.poll_timeout_s, settings.poll_interval_s
        )
        if poll.failed:
            reason = (
                f"the device reported the trace as failed (status failure, statusMessage "
                f"{poll.session.get('statusMessage')!r}): the documented failure path"
            )
            sessionapi_conformance.record("UMTS-DOWNLOAD-READY", "not-tested", reason)
            sessionapi_conformance.record("UMTS-DOWNLOAD-SHAPE", "not-tested", reason)
            sessionapi_conformance.record("UMTS-DOWNLOAD-RECORDS", "not-tested", reason)
        else:
            judged_wait(sessionapi_conformance, poll, session_id, device, settings.poll_timeout_s,
                        umts_body)
            if poll.ready:
                download_when_ready(sessionapi_conformance, client, session_id, "after stop", umts_body)

    # disable, and what it promises
    if not acknowledged(sessionapi_conformance, client, "disable", session_id):
        for requirement_id in ("UMTS-DISABLE-FREES-DEVICE", "UMTS-DISABLE-INVALIDATES"):
            sessionapi_conformance.record(requirement_id, "not-tested", "disable did not succeed")
        return
    umts_sessions.forget(session_id)
    gone_session(sessionapi_conformance, client, "status", session_id, Expect.DISABLED_SESSION,
                 ("UMTS-DISABLE-INVALIDATES",))
    response, _ = open_session(client, umts_body, umts_sessions)
    judge(sessionapi_conformance, response, Asked("create", Expect.FREED_DEVICE, device_uuid=device),
          ("UMTS-DISABLE-FREES-DEVICE",))


@pytest.mark.sessionapi_requirement("UMTS-CREATE-CONFLICT", "UMTS-ERROR-ENVELOPE", "UMTS-MEDIA-JSON")
def test_second_create_for_busy_device(sessionapi_client, umts_body, umts_sessions, sessionapi_conformance):
    """A second create for a device whose session is open gets the vendor's 400 example, TBST1008
    'is already have a active umts tunnel session', and opens no second session."""
    client = sessionapi_client
    first, first_id = create_first(sessionapi_conformance, client, umts_body, umts_sessions)
    if first.status_code != 200 or not first_id:
        sessionapi_conformance.stop_not_tested(
            f"no first session to conflict with: {Answer.from_httpx(first).exchange()}"
        )
    second, _ = open_session(client, umts_body, umts_sessions)
    asked = Asked("create", Expect.CONFLICT, device_uuid=umts_body["deviceUUID"],
                  held_session=first_id)
    judge(sessionapi_conformance, second, asked,
          ("UMTS-MEDIA-JSON", "UMTS-CREATE-CONFLICT", "UMTS-ERROR-ENVELOPE"))
    # The envelope is judged on a refusal only: a create that was (wrongly) carried out is
    # UMTS-CREATE-CONFLICT's failure, and its success body owes no error envelope.
    if second.status_code != 400:
        sessionapi_conformance.record(
            "UMTS-ERROR-ENVELOPE", "not-tested",
            f"the second create was not refused ({second.status_code}): no error to judge",
        )


# The vendor's own error example names a 38-character id; a UUID-shaped one is what servers hand
# out. Both must be unknown.
NOT_UUID_ID = "3fb76734-2fcd-44ef-b69e-77536ab5d41322"


@pytest.mark.sessionapi_requirement("UMTS-ERROR-UNKNOWN-SESSION", "UMTS-ERROR-ENVELOPE", "UMTS-MEDIA-JSON")
@pytest.mark.parametrize("operation", OPERATIONS)
def test_unknown_session(operation, sessionapi_client, sessionapi_conformance, sessionapi_inputs):
    """Each operation on a session id never issued answers the vendor's 'error sample':
    '"message":"Invalid Session" ... "code":"TBST1005"', in the vManage envelope."""
    for session_id in (unknown_session_id(sessionapi_inputs), NOT_UUID_ID):
        gone_session(sessionapi_conformance, sessionapi_client, operation, session_id, Expect.UNKNOWN_SESSION)


@pytest.mark.sessionapi_requirement("UMTS-UNKNOWN-OPERATION")
def test_unknown_operation(sessionapi_client, umts_body, umts_sessions, sessionapi_conformance):
    """The guide names the operations in prose only, 'start, stop,status,download or disable
    session', and documents no answer for any other: the suite infers that another operation is
    refused with a 4xx (a SHOULD). Asked on a live session, so the answer can only be about the
    operation."""
    response, session_id = create_first(sessionapi_conformance, sessionapi_client, umts_body, umts_sessions)
    if response.status_code != 200 or not session_id:
        sessionapi_conformance.stop_not_tested(
            f"no session to ask about: {Answer.from_httpx(response).exchange()}"
        )
    for operation in UNKNOWN_OPERATIONS:
        # A 5xx is UMTS-NO-SERVER-ERROR's, judged on every answer of the test.
        judge(sessionapi_conformance, sessionapi_client.operation(operation, session_id),
              Asked(operation, Expect.REFUSAL, session_id=session_id), ("UMTS-UNKNOWN-OPERATION",))


# The transitions the docs leave open (the API guide documents no outcome for them): the steps that
# lead there, then the operation whose outcome is undocumented. Tried once each, so that a server
# answering one of them with a 5xx is found on every run, not only when the state machine's
# random walk happens to go there (a 5xx fails UMTS-NO-SERVER-ERROR, the outcome stays open).
OPEN_QUESTIONS = {
    "start-twice": (("start",), "start"),
    "stop-before-start": ((), "stop"),
    "download-before-results": (("start",), "download"),
    "disable-without-stop": (("start",), "disable"),
    "start-after-stop": (("start", "stop"), "start"),
}


@pytest.mark.sessionapi_requirement("UMTS-UNDOCUMENTED-OUTCOME")
@pytest.mark.parametrize("question", list(OPEN_QUESTIONS))
def test_undocumented_transition(question, sessionapi_client, umts_body, umts_sessions, sessionapi_conformance):
    """The guide documents two answers for every operation, 200 'opertion result' and 400 'bad
    input parameter', and no outcome for these transitions: the suite infers that the answer is a
    success or a 4xx refusal, and never guesses which (a SHOULD)."""
    steps, operation = OPEN_QUESTIONS[question]
    response, session_id = create_first(sessionapi_conformance, sessionapi_client, umts_body, umts_sessions)
    if response.status_code != 200 or not session_id:
        sessionapi_conformance.stop_not_tested(
            f"no session to ask about: {Answer.from_httpx(response).exchange()}"
        )
    for step in steps:
        response = sessionapi_client.operation(step, session_id)
        if response.status_code != 200:
            sessionapi_conformance.stop_not_tested(
                f"could not reach the situation: {step} answered "
                f"{Answer.from_httpx(response).exchange()}"
            )
    response = sessionapi_client.operation(operation, session_id)
    judge(sessionapi_conformance, response,
          Asked(operation, Expect.OPEN, session_id=session_id, situation=f"({question})"),
          ("UMTS-UNDOCUMENTED-OUTCOME",))
    if operation == "disable" and response.status_code == 200:
        umts_sessions.forget(session_id)


# Session ids no server hands out, in forms a path parser may choke on: the guide's answer to bad
# input is '"400":{"description":"bad input parameter"'; any answer but a 5xx passes here. Only
# characters a URL carries unencoded, so that a recorded run replays them byte for byte.
MALFORMED_SESSION_IDS = {
    "dots": "...",
    "underscore": "session_id",
    "tilde-dot": "v1.0~beta",
    "leading-dash": "-3fb76734",
    "long": "f" * 300,
}


@pytest.mark.sessionapi_requirement("UMTS-NO-SERVER-ERROR")
@pytest.mark.parametrize("case", sorted(MALFORMED_SESSION_IDS))
def test_malformed_session_id(case, sessionapi_client, sessionapi_conformance):
    """'"400":{"description":"bad input parameter"': a malformed session id in the path, on each
    operation, is bad input, never a server error (UMTS-NO-SERVER-ERROR, judged on every answer)."""
    for operation in OPERATIONS:
        sessionapi_client.operation(operation, MALFORMED_SESSION_IDS[case])
