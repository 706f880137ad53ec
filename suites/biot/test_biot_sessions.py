"""Create by usage type, get, delete: the calls every other BioT check builds on, and their errors."""

from __future__ import annotations

import pytest

from pytest_sessionapi.apis.biot.model import SessionView, format_utc
from pytest_sessionapi.apis.biot.rules import (
    ERROR_REQUIREMENTS,
    SESSION_REQUIREMENTS,
    Outcome,
    Refusal,
    create_outcome,
)
from pytest_sessionapi.apis.biot.steps import finished, judge_outcome, judge_refusal

pytestmark = pytest.mark.sessionapi("biot")


@pytest.mark.sessionapi_requirement("BIOT-CREATE", "BIOT-GET", *SESSION_REQUIREMENTS)
def test_create_by_usage_type_then_get(biot_sessions, sessionapi_conformance):
    """'Create a new Usage Session by Template name' answers 201 with the session it was sent, on
    the path's device; 'Get Usage Session by ID' then shows the same session."""
    start = biot_sessions.past()
    body = {"_startTime": format_utc(start), "_state": "ACTIVE", "_name": biot_sessions.session_name()}
    response = biot_sessions.create_raw(body)
    created = judge_outcome(
        sessionapi_conformance, response, "createSessionByUsageType",
        {"BIOT-CREATE": create_outcome(body, biot_sessions.device_id)}, session_status=201, sent=body,
    )
    if response.status_code != 201 or not isinstance(created, dict) or not isinstance(created.get("_id"), str):
        return
    judge_outcome(
        sessionapi_conformance, biot_sessions.get(created["_id"]), "getSession",
        {"BIOT-GET": Outcome.of(200, what="GET after the create", keeps=SessionView.from_body(created))},
        session_status=200,
    )


@pytest.mark.sessionapi_requirement("BIOT-SESSION-NOT-FOUND", *ERROR_REQUIREMENTS)
def test_unknown_session_is_not_found(biot_sessions, sessionapi_conformance):
    """404 'Code : SESSION_NOT_FOUND, Details: [id]' for get, update and delete of a session id
    nobody has."""
    unknown = str(biot_sessions.inputs.uuid4())
    client, device = biot_sessions.client, biot_sessions.device_id
    calls = {
        "getSession": lambda: client.get_session(device, unknown),
        "updateSession": lambda: client.update_session(
            device, unknown, {"_startTime": format_utc(biot_sessions.past()), "_state": "ACTIVE"}
        ),
        "deleteSession": lambda: client.delete_session(device, unknown),
    }
    not_found = Refusal.of(404, "SESSION_NOT_FOUND", id=unknown)
    for operation, call in calls.items():
        judge_refusal(sessionapi_conformance, call(), operation, {"BIOT-SESSION-NOT-FOUND": not_found})


MALFORMED_IDS = ("not-a-uuid", "12345", "3fa85f64-5717-4562-b3fc-2c963f66afa", "3fa85f64571745624b3fc2c963f66afa6z")


@pytest.mark.sessionapi_requirement("BIOT-NO-SERVER-ERROR", *ERROR_REQUIREMENTS)
def test_malformed_session_id_is_refused_not_crashed(biot_sessions, sessionapi_conformance):
    """The path id is 'Usage Session ID that needs to be updated', a 'uuid': get, update and
    delete of an id that is no UUID (a word, a number, one digit short, a stray letter) are
    refused with a 4xx in the envelope, never answered with 'Code : INTERNAL_SERVER_ERROR,
    Details: []' (the documented statuses of a request are its 2xx and 4xx)."""
    client, device = biot_sessions.client, biot_sessions.device_id
    for malformed in MALFORMED_IDS:
        calls = {
            "getSession": lambda: client.get_session(device, malformed),
            "updateSession": lambda: client.update_session(
                device, malformed, {"_startTime": format_utc(biot_sessions.past()), "_state": "ACTIVE"}
            ),
            "deleteSession": lambda: client.delete_session(device, malformed),
        }
        for operation, call in calls.items():
            judge_outcome(sessionapi_conformance, call(), operation, {
                "BIOT-NO-SERVER-ERROR": Outcome(
                    frozenset(range(400, 500)), what=f"{operation} of the malformed session id {malformed!r}",
                ),
            })


@pytest.mark.sessionapi_requirement("BIOT-WRONG-DEVICE", *ERROR_REQUIREMENTS)
def test_session_of_another_device(biot_sessions, sessionapi_entity, sessionapi_conformance):
    """409 'Code : SESSION_WRONG_DEVICE_ID, Details: [id, deviceId]' for get, update and delete
    of the suite's session through another device's path, and nothing changes."""
    other_device = sessionapi_entity("other_device_id")
    created = biot_sessions.create()
    session_id = created["_id"]
    before = SessionView.from_body(created)
    client = biot_sessions.client
    rename = {"_startTime": created["_startTime"], "_state": "ACTIVE", "_name": biot_sessions.session_name()}
    wrong_device = Refusal.of(409, "SESSION_WRONG_DEVICE_ID", id=session_id, deviceId=other_device)
    for operation, call in {
        "getSession": lambda: client.get_session(other_device, session_id),
        "updateSession": lambda: client.update_session(other_device, session_id, rename),
    }.items():
        judge_refusal(sessionapi_conformance, call(), operation, {"BIOT-WRONG-DEVICE": wrong_device})
    judge_outcome(sessionapi_conformance, biot_sessions.get(session_id), "getSession", {
        "BIOT-WRONG-DEVICE": Outcome.of(200, what="GET after the PATCH through another device's path", keeps=before),
    }, session_status=200)
    # DELETE through the wrong path, on a DONE session (so the only reason to refuse is the device).
    if finished(sessionapi_conformance, biot_sessions, session_id) is None:
        return
    response = client.delete_session(other_device, session_id)
    judge_refusal(sessionapi_conformance, response, "deleteSession", {"BIOT-WRONG-DEVICE": wrong_device})
    judge_outcome(sessionapi_conformance, biot_sessions.get(session_id), "getSession", {
        "BIOT-WRONG-DEVICE": Outcome.of(200, what="GET after the DELETE through another device's path"),
    }, session_status=200)


@pytest.mark.sessionapi_requirement("BIOT-DELETE-NON-DONE", "BIOT-DELETE", *ERROR_REQUIREMENTS)
def test_delete_only_done_sessions(biot_sessions, sessionapi_conformance):
    """409 'Code : CANNOT_DELETE_NON_DONE_SESSION, Details: [id, state]' for an ACTIVE session,
    which remains; once DONE, 'Delete Usage Session' answers 204 and the session is gone."""
    created = biot_sessions.create()
    session_id = created["_id"]
    client, device = biot_sessions.client, biot_sessions.device_id
    response = client.delete_session(device, session_id)
    judge_refusal(sessionapi_conformance, response, "deleteSession", {
        "BIOT-DELETE-NON-DONE": Refusal.of(409, "CANNOT_DELETE_NON_DONE_SESSION", id=session_id, state="ACTIVE"),
    })
    still = biot_sessions.get(session_id)
    judge_outcome(sessionapi_conformance, still, "getSession", {
        "BIOT-DELETE-NON-DONE": Outcome.of(200, what="GET after the refused DELETE of the ACTIVE session"),
    }, session_status=200)
    if still.status_code != 200:
        return  # deleted by the faulty DELETE above; nothing left to test
    if finished(sessionapi_conformance, biot_sessions, session_id) is None:
        return
    deleted = client.delete_session(device, session_id)
    judge_outcome(sessionapi_conformance, deleted, "deleteSession", {
        "BIOT-DELETE": Outcome.of(204, empty=True, what="DELETE of a DONE session"),
    })
    # The code of that 404 is BIOT-SESSION-NOT-FOUND's business.
    judge_outcome(sessionapi_conformance, biot_sessions.get(session_id), "getSession", {
        "BIOT-DELETE": Outcome.of(404, what="GET after the DELETE"),
    })
