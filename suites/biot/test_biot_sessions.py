"""Create by usage type, get, delete: the calls every other BioT check builds on, and their errors."""

from __future__ import annotations

import uuid

import pytest

from pytest_sessionapi.apis.biot.model import SessionView, format_utc, parse_instant, same_instant
from pytest_sessionapi.apis.biot.rules import ERROR_REQUIREMENTS, SESSION_REQUIREMENTS, Refusal
from pytest_sessionapi.apis.biot.sessions import past, session_name
from pytest_sessionapi.apis.biot.steps import finished, judge_refusal, judge_session
from pytest_sessionapi.http_checks import describe, json_object

pytestmark = pytest.mark.sessionapi("biot")


@pytest.mark.sessionapi_requirement("BIOT-CREATE", "BIOT-GET", *SESSION_REQUIREMENTS)
def test_create_by_usage_type_then_get(biot_sessions, sessionapi_conformance):
    """'Create a new Usage Session by Template name' answers 201 with the session it was sent, on
    the path's device; 'Get Usage Session by ID' then shows the same session."""
    start = past()
    body = {"_startTime": format_utc(start), "_state": "ACTIVE", "_name": session_name()}
    response = biot_sessions.create_raw(body)
    judge_session(sessionapi_conformance, response, 201, "createSessionByUsageType")
    created = None
    with sessionapi_conformance.check("BIOT-CREATE"):
        assert response.status_code == 201, f"create by usage type: {describe(response)}"
        created = json_object(response)
        assert created.get("_state") == "ACTIVE", f"_state {created.get('_state')!r}, sent 'ACTIVE'"
        assert same_instant(parse_instant(created.get("_startTime")), start), (
            f"_startTime {created.get('_startTime')!r}, sent {body['_startTime']!r}"
        )
        assert created.get("_name") == body["_name"], (
            f"_name {created.get('_name')!r}, sent {body['_name']!r}"
        )
        device = (created.get("_device") or {}).get("id")
        assert device == biot_sessions.device_id, (
            f"_device.id {device!r}, created on device {biot_sessions.device_id!r}"
        )
        assert created.get("_initiator") == "EXTERNAL", (
            f"_initiator {created.get('_initiator')!r}: a session a device creates is EXTERNAL"
        )
    if created is None:
        return
    fetched = biot_sessions.get(created["_id"])
    judge_session(sessionapi_conformance, fetched, 200, "getSession")
    with sessionapi_conformance.check("BIOT-GET"):
        assert fetched.status_code == 200, f"get: {describe(fetched)}"
        got = json_object(fetched)
        diffs = SessionView.from_body(got).differences(SessionView.from_body(created))
        assert not diffs, "GET differs from the create answer: " + "; ".join(diffs)


@pytest.mark.sessionapi_requirement("BIOT-SESSION-NOT-FOUND", *ERROR_REQUIREMENTS)
def test_unknown_session_is_not_found(biot_sessions, sessionapi_conformance):
    """404 'Code : SESSION_NOT_FOUND, Details: [id]' for get, update and delete of a session id
    nobody has."""
    unknown = str(uuid.uuid4())
    client, device = biot_sessions.client, biot_sessions.device_id
    calls = {
        "getSession": lambda: client.get_session(device, unknown),
        "updateSession": lambda: client.update_session(
            device, unknown, {"_startTime": format_utc(past()), "_state": "ACTIVE"}
        ),
        "deleteSession": lambda: client.delete_session(device, unknown),
    }
    not_found = Refusal.of(404, "SESSION_NOT_FOUND", id=unknown)
    for operation, call in calls.items():
        judge_refusal(sessionapi_conformance, call(), operation, {"BIOT-SESSION-NOT-FOUND": not_found})


@pytest.mark.sessionapi_requirement("BIOT-WRONG-DEVICE", *ERROR_REQUIREMENTS)
def test_session_of_another_device(biot_sessions, sessionapi_entity, sessionapi_conformance):
    """409 'Code : SESSION_WRONG_DEVICE_ID, Details: [id, deviceId]' for get, update and delete
    of the suite's session through another device's path, and nothing changes."""
    other_device = sessionapi_entity("other_device_id")
    created = biot_sessions.create()
    session_id = created["_id"]
    before = SessionView.from_body(created)
    client = biot_sessions.client
    rename = {"_startTime": created["_startTime"], "_state": "ACTIVE", "_name": session_name()}
    wrong_device = Refusal.of(409, "SESSION_WRONG_DEVICE_ID", deviceId=other_device)
    for operation, call in {
        "getSession": lambda: client.get_session(other_device, session_id),
        "updateSession": lambda: client.update_session(other_device, session_id, rename),
    }.items():
        judge_refusal(sessionapi_conformance, call(), operation, {"BIOT-WRONG-DEVICE": wrong_device})
    with sessionapi_conformance.check("BIOT-WRONG-DEVICE"):
        after = biot_sessions.view(session_id)
        diffs = after.differences(before)
        assert not diffs, "the PATCH through another device's path changed the session: " + "; ".join(diffs)
    # DELETE through the wrong path, on a DONE session (so the only reason to refuse is the device).
    if finished(sessionapi_conformance, biot_sessions, session_id) is None:
        return
    response = client.delete_session(other_device, session_id)
    judge_refusal(sessionapi_conformance, response, "deleteSession", {"BIOT-WRONG-DEVICE": wrong_device})
    with sessionapi_conformance.check("BIOT-WRONG-DEVICE"):
        still = biot_sessions.get(session_id)
        assert still.status_code == 200, (
            f"the DELETE through another device's path removed the session: {describe(still)}"
        )


@pytest.mark.sessionapi_requirement("BIOT-DELETE-NON-DONE", "BIOT-DELETE", *ERROR_REQUIREMENTS)
def test_delete_only_done_sessions(biot_sessions, sessionapi_conformance):
    """409 'Code : CANNOT_DELETE_NON_DONE_SESSION, Details: [id, state]' for an ACTIVE session,
    which remains; once DONE, 'Delete Usage Session' answers 204 and the session is gone."""
    created = biot_sessions.create()
    session_id = created["_id"]
    client, device = biot_sessions.client, biot_sessions.device_id
    response = client.delete_session(device, session_id)
    judge_refusal(sessionapi_conformance, response, "deleteSession", {
        "BIOT-DELETE-NON-DONE": Refusal.of(409, "CANNOT_DELETE_NON_DONE_SESSION", state="ACTIVE"),
    })
    with sessionapi_conformance.check("BIOT-DELETE-NON-DONE"):
        still = biot_sessions.get(session_id)
        assert still.status_code == 200, f"the ACTIVE session is gone: {describe(still)}"
    if biot_sessions.get(session_id).status_code != 200:
        return  # deleted by the faulty DELETE above; nothing left to test
    if finished(sessionapi_conformance, biot_sessions, session_id) is None:
        return
    deleted = client.delete_session(device, session_id)
    with sessionapi_conformance.check("BIOT-DELETE"):
        assert deleted.status_code == 204, f"DELETE of a DONE session: {describe(deleted)}"
        assert not deleted.content, f"a 204 carries no body, got {deleted.content[:100]!r}"
        gone = biot_sessions.get(session_id)
        # The code of that 404 is BIOT-SESSION-NOT-FOUND's business.
        assert gone.status_code == 404, f"GET after DELETE: {describe(gone)}"
