"""The BioT reference implementation: the documented behaviour, in-process through the core's
transport (the same path the suite uses)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from pytest_sessionapi.apis.biot import client as biot_client
from pytest_sessionapi.apis.biot.reference import EMBEDDED_ENV, EMBEDDED_TABLE, VARIANTS, create_app
from pytest_sessionapi.apis.biot.sessions import SuiteSessions
from pytest_sessionapi.config import embedded_target
from pytest_sessionapi.registry import get_api
from pytest_sessionapi.transport import open_client

DEVICE = EMBEDDED_TABLE["device_id"]
OTHER = EMBEDDED_TABLE["other_device_id"]
USAGE = EMBEDDED_TABLE["usage_type"]


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


START = datetime.now(UTC) - timedelta(hours=3)


@pytest.fixture
def make_client():
    opened = []

    def make(variant: str | None = None):
        target = embedded_target(get_api("biot"), variant)
        http = open_client(target, auth=biot_client.build_auth(target))
        opened.append((http, target))
        return biot_client.Client(http, target), target

    yield make
    for http, target in opened:
        http.close()
        target.close()


@pytest.fixture
def client(make_client):
    return make_client()[0]


def create(client, **extra):
    body = {"_startTime": iso(START), "_state": "ACTIVE", "_name": "ref test", **extra}
    response = client.create_session_by_usage_type(DEVICE, USAGE, body)
    assert response.status_code == 201, response.text
    return response.json()


def stop(client, session_id, **summary):
    return client.update_session(DEVICE, session_id, {
        "_startTime": iso(START), "_state": "DONE", "_endTime": iso(START + timedelta(minutes=5)),
        "_summary": summary or {"_stopReason": "Manual Stop", "_stopReasonCode": "COMPLETION"},
    })


def test_create_get_stop_delete_lifecycle(client, make_client):
    created = create(client)
    assert created["_state"] == "ACTIVE" and created["_initiator"] == "EXTERNAL"
    assert created["_device"]["id"] == DEVICE and created["_name"] == "ref test"
    assert created["_startTime"].endswith("Z")
    got = client.get_session(DEVICE, created["_id"])
    assert got.status_code == 200 and got.json()["_id"] == created["_id"]
    stopped = stop(client, created["_id"])
    assert stopped.status_code == 200, stopped.text
    assert stopped.json()["_state"] == "DONE"
    assert stopped.json()["_summary"] == {"_stopReason": "Manual Stop", "_stopReasonCode": "COMPLETION"}
    assert client.delete_session(DEVICE, created["_id"]).status_code == 204
    assert client.get_session(DEVICE, created["_id"]).json()["code"] == "SESSION_NOT_FOUND"


def test_one_open_session_per_device_and_usage_type(client):
    first = create(client)
    second = client.create_session_by_usage_type(
        DEVICE, USAGE, {"_startTime": iso(START), "_state": "ACTIVE"}
    )
    assert second.status_code == 409
    assert second.json()["code"] == "DEVICE_IN_SESSION_WITH_USAGE_TYPE"
    assert stop(client, first["_id"]).status_code == 200
    assert client.create_session_by_usage_type(
        DEVICE, USAGE, {"_startTime": iso(START), "_state": "ACTIVE"}
    ).status_code == 201


def test_partial_update_keeps_unsent_fields(client):
    created = create(client)
    answer = client.update_session(DEVICE, created["_id"], {"_name": "renamed"})
    assert answer.status_code == 200
    body = answer.json()
    assert body["_name"] == "renamed"
    assert body["_startTime"] == created["_startTime"] and body["_state"] == "ACTIVE"


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"_state": "FINISHED"}, 400, "SELECT_ATTRIBUTE_INVALID_VALUE"),
        ({"_name": ""}, 400, "VALIDATION_MINIMUM_ALLOWED_VALUE"),
        ({"_name": "x" * 65}, 400, "VALIDATION_MAX_ALLOWED_VALUE"),
        ({"_startTime": "yesterday"}, 400, "ATTRIBUTE_VALUE_CONVERSION_FAILED"),
        ({"_startTime": iso(datetime.now(UTC) + timedelta(days=1))}, 400, "TIME_IN_FUTURE"),
        ({"_endTime": iso(START + timedelta(minutes=1))}, 400, "END_TIME_VALUE_INVALID_FOR_SESSION_STATE"),
        ({"_summary": {"_stopReasonCode": "COMPLETION"}}, 400, "STOP_DATA_NOT_NULL_FOR_NON_DONE_SESSION"),
        ({"_state": "DONE", "_endTime": iso(START + timedelta(minutes=1))}, 400, "STOP_DATA_NULL_FOR_DONE_SESSION"),
        ({"_state": "DONE", "_endTime": iso(START - timedelta(minutes=1)),
          "_summary": {"_stopReasonCode": "COMPLETION"}}, 400, "START_TIME_AFTER_END_TIME"),
        ({"_state": "ACTIVATING"}, 409, "SESSION_STATE_CHANGE_INVALID"),
        ({"_unknown": 1}, 400, "ATTRIBUTE_NOT_VALID_FOR_TEMPLATE"),
    ],
)
def test_documented_errors(client, body, status, code):
    created = create(client)
    answer = client.update_session(DEVICE, created["_id"], body)
    assert answer.status_code == status, answer.text
    envelope = answer.json()
    assert envelope["code"] == code
    assert set(envelope) == {"code", "message", "serviceName", "traceId", "environment", "details"}
    after = client.get_session(DEVICE, created["_id"]).json()
    assert after["_state"] == "ACTIVE" and after["_name"] == "ref test"


def test_done_is_final_and_state_change_details(client):
    created = create(client)
    assert stop(client, created["_id"]).status_code == 200
    answer = client.update_session(DEVICE, created["_id"], {"_state": "ACTIVE"})
    assert answer.status_code == 409
    assert answer.json()["details"] == {"currentState": "DONE", "targetState": "ACTIVE"}


def test_wrong_device_and_not_found(client):
    created = create(client)
    wrong = client.get_session(OTHER, created["_id"])
    assert wrong.status_code == 409
    assert wrong.json()["details"] == {"id": created["_id"], "deviceId": OTHER}
    unknown = str(uuid.uuid4())
    missing = client.update_session(DEVICE, unknown, {"_name": "x"})
    assert missing.status_code == 404 and missing.json()["details"] == {"id": unknown}


def test_delete_refuses_sessions_that_are_not_done(client):
    created = create(client)
    refused = client.delete_session(DEVICE, created["_id"])
    assert refused.status_code == 409
    assert refused.json()["details"] == {"id": created["_id"], "state": "ACTIVE"}


def test_authentication(make_client):
    _, target = make_client()
    url = biot_client.SESSION.format(device_id=DEVICE, session_id=uuid.uuid4())
    anonymous = open_client(target)
    try:
        assert anonymous.get(url).json()["code"] == "TOKEN_NOT_VALID"
        expired = EMBEDDED_ENV["SESSIONAPI_REFERENCE_BIOT_EXPIRED_TOKEN"]
        answer = anonymous.get(url, headers={"Authorization": f"Bearer {expired}"})
        assert answer.status_code == 401
    finally:
        anonymous.close()


def test_live_sessions_counts_only_sessions_created_through_the_api(client, make_client):
    app_client, target = make_client()
    state = target.app.state.reference
    assert state.live_sessions() == []  # the seeded session of the other device does not count
    created = create(app_client)
    assert state.live_sessions() == [created["_id"]]
    stop(app_client, created["_id"])
    app_client.delete_session(DEVICE, created["_id"])
    assert state.live_sessions() == []


def test_strict_variant_enforces_required(make_client):
    strict, _ = make_client("enforce-required")
    created = create(strict)
    answer = strict.update_session(DEVICE, created["_id"], {"_name": "x"})
    assert answer.status_code == 400 and answer.json()["code"] == "ATTRIBUTE_IS_MANDATORY"


def test_every_variant_builds_an_app():
    for name in VARIANTS:
        assert create_app(name).state.reference.variant.active == name
    with pytest.raises(ValueError):
        create_app("no-such-variant")


def test_the_server_asks_for_variants_by_their_table_names_only():
    switch = create_app("extra-fields").state.reference.variant
    assert switch("extra-fields") and not switch("reordered-keys")
    with pytest.raises(KeyError):
        switch("extra-field")


def test_suite_sessions_never_touch_a_session_they_did_not_create(make_client):
    class NotTested(Exception):
        pass

    class Recorder:
        def stop_target_busy(self, reason):
            raise NotTested(reason)

    client, _ = make_client()
    foreign = create(client)  # someone else's open session on the device
    sessions = SuiteSessions(client, DEVICE, USAGE, recorder=Recorder())
    with pytest.raises(NotTested, match="did not create"):
        sessions.create()
    assert sessions.retire_all() == []
    still = client.get_session(DEVICE, foreign["_id"]).json()
    assert still["_state"] == "ACTIVE" and still["_name"] == "ref test"


def test_the_suites_own_leftover_is_closed_and_the_create_goes_on(make_client, tmp_path, monkeypatch):
    """A session an earlier, killed run wrote down in its journal is the suite's own: the next
    run's create meets it, closes it (one line) and goes on; a session never written down is
    never touched (the test above)."""
    import tempfile

    from pytest_sessionapi.leftovers import Journal, LeftoverClosed

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    client, target = make_client()
    journal = Journal("biot", "http://reference.test", DEVICE)
    killed = SuiteSessions(client, DEVICE, USAGE, journal=journal)
    left = killed.create()["_id"]
    assert journal.open_ids() == [left]
    later = SuiteSessions(client, DEVICE, USAGE, journal=journal)
    with pytest.warns(LeftoverClosed, match=f"closed session {left} on device"):
        created = later.create()["_id"]
    assert target.app.state.reference.live_sessions() == [created]
    assert journal.open_ids() == [created]
    assert later.retire_all() == []
    assert journal.open_ids() == [] and target.app.state.reference.live_sessions() == []


def test_suite_sessions_clean_up_also_when_the_documented_stop_is_refused(make_client):
    client, target = make_client("reject-documented-stop")
    sessions = SuiteSessions(client, DEVICE, USAGE)
    sessions.create()
    assert sessions.retire_all() == []  # via ACTIVE -> PAUSED -> DONE, a path the model allows
    assert target.app.state.reference.live_sessions() == []
