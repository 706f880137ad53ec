"""The UMTS rules (checks.py) and the lifecycle model, on hand-made and vendor bodies."""

from __future__ import annotations

import json

import httpx
import pytest

from pytest_sessionapi.apis.umts import checks
from pytest_sessionapi.apis.umts.lifecycle import LifecycleModel, Phase

SESSION_ID = "dbd6e729-d071-4024-a42c-f55b88fa034b"
DEVICE = "C8K-6dfe1f7c-7dc5-4891-bdb4-fb74e84882b7"
PAYLOAD = json.dumps({"deviceUUID": DEVICE, "localColor": "lte", "remoteSystem": "172.16.255.16",
                      "remoteColor": "lte", "actionType": "ON_DEMANDING", "sessionId": SESSION_ID})
SESSION = {
    "JSessionId": "mRs3gc7GFhUcR1RDOBYpEW9YyLTx6JWxJRbZb852", "sessionId": SESSION_ID,
    "type": "ON_DEMANDING", "uuid": DEVICE, "statusMessage": "ok", "renewalTime": 1655641163457,
    "@rid": 1173, "payload": PAYLOAD, "download_status": "success", "userIp": "10.0.1.1",
    "startTime": 1655641163457, "user": "kkk", "requestStatus": "START", "status": "success",
}


def response(status=200, body=None, content=None, ctype="application/json"):
    request = httpx.Request("GET", "http://x/dataservice/stream/device/umts/status/s")
    if content is None:
        content = json.dumps(body).encode()
    return httpx.Response(status, content=content, headers={"content-type": ctype}, request=request)


def test_vendor_status_sample_passes_every_session_rule():
    assert checks.check_session(SESSION, context="t", device_uuid=DEVICE, payload_required=True) == []
    checks.check_status_identity(SESSION, SESSION_ID, DEVICE)


@pytest.mark.parametrize(
    ("change", "requirement"),
    [
        ({"startTime": 1655641163}, "UMTS-SESSION-VALUES"),  # seconds: a magnitude, not a type
        ({"renewalTime": "1655641163457"}, "UMTS-SESSION-TYPES"),
        ({"@rid": True}, "UMTS-SESSION-TYPES"),
        ({"payload": json.loads(PAYLOAD)}, "UMTS-SESSION-PAYLOAD"),
        ({"payload": PAYLOAD.replace(SESSION_ID, "other")}, "UMTS-SESSION-PAYLOAD"),
        ({"payload": "{not json"}, "UMTS-SESSION-PAYLOAD"),
        ({"requestStatus": "RUNNING"}, "UMTS-SESSION-VALUES"),
        ({"status": "ok"}, "UMTS-SESSION-VALUES"),
        ({"download_status": "pending"}, "UMTS-SESSION-VALUES"),
        ({"type": "PERIODIC"}, "UMTS-SESSION-VALUES"),
    ],
)
def test_each_broken_field_fails_its_requirement(change, requirement):
    broken = checks.check_session({**SESSION, **change}, context="t", device_uuid=DEVICE,
                                  payload_required=True)
    assert requirement in {r for r, _ in broken}, broken


@pytest.mark.parametrize(
    "change",
    [{"requestStatus": "stop"}, {"JSessionId": None}, {"extra": [1]}, {"download_status": None}],
)
def test_allowed_differences_pass(change):
    session = {k: v for k, v in {**SESSION, **change}.items() if v is not None}
    assert checks.check_session(session, context="t", device_uuid=DEVICE, payload_required=True) == []


def test_payload_double_encoding_only_where_allowed():
    session = {**SESSION, "payload": json.dumps(PAYLOAD)}
    checks.check_session_payload(session, required=False, allow_double_encoding=True)
    with pytest.raises(AssertionError, match="JSON object"):
        checks.check_session_payload(session, required=True)
    with pytest.raises(AssertionError, match="no payload"):
        checks.check_session_payload({"sessionId": SESSION_ID}, required=True)


def test_create_answer_shapes():
    assert checks.session_from_create([SESSION])["sessionId"] == SESSION_ID
    assert checks.session_from_create(SESSION)["sessionId"] == SESSION_ID
    for bad in ([], [SESSION, SESSION], {"error": {"code": "X"}, "sessionId": "s"}, {"sessionId": ""}, "s"):
        with pytest.raises(AssertionError):
            checks.session_from_create(bad)


def test_acknowledgements():
    for good in ("{status: success}", "{status:success}", {"status": "success"}, {}, SESSION):
        checks.check_ack(good, "start")
    for bad in ({"status": "failure"}, {"error": {}}, "ok", [], None):
        with pytest.raises(AssertionError):
            checks.check_ack(bad, "start")


def test_media_json():
    checks.check_media_json(response(body="{status: success}"))
    checks.check_media_json(response(body={}, ctype="application/json; charset=utf-8"))
    with pytest.raises(AssertionError, match="not valid JSON"):
        checks.check_media_json(response(content=b"{status: success}"))
    with pytest.raises(AssertionError, match="media type"):
        checks.check_media_json(response(body={}, ctype="text/plain"))


def test_download_shape():
    hop = {"idx": 1, "ip": "10.1.15.13", "hostname": "", "rtt": 486.5, "loss": 0}
    record = {"vip_idx": 496, "vip_time": 16434009013877, "remote_color": "lte", "local_color": "lte",
              "remote_system_ip": "172.16.255.16", "local_system_ip": "172.16.255.21",
              "proto": "IPSEC", "sent_qos": 139, "state": "down", "event_type": "ON_DEMAND",
              "event_subtype": "NONE", "hops": {"hop": [hop]}}
    checks.check_download_body({"data": [record]})
    checks.check_download_body({"data": []})
    for bad in ([record], {"data": [{**record, "hops": [hop]}]}, {"data": [{**record, "vip_time": "1"}]},
                {"data": [{k: v for k, v in record.items() if k != "state"}]}):
        with pytest.raises(AssertionError):
            checks.check_download_body(bad)


def test_errors():
    envelope = {"error": {"type": "error", "message": "Invalid Session", "details": "d", "code": "TBST1005"}}
    checks.check_error_envelope(envelope)
    checks.check_unknown_session(response(400, envelope))
    with pytest.raises(AssertionError):
        checks.check_unknown_session(response(404, envelope))
    with pytest.raises(AssertionError):
        checks.check_error_envelope(envelope["error"])
    with pytest.raises(AssertionError):
        checks.check_error_envelope({"error": {**envelope["error"], "code": 1005}})
    assert checks.error_code(envelope["error"]) == "TBST1005"


def test_refusals_and_open_outcomes():
    checks.check_refused(response(302, content=b"", ctype="text/html"), "x")
    checks.check_refused(response(401, {}), "x")
    checks.check_refused(response(200, content=b"<html><form/></html>", ctype="text/html"), "x")
    for served in (response(200, {}), response(500, content=b"", ctype="text/plain")):
        with pytest.raises(AssertionError):
            checks.check_refused(served, "x")
    assert checks.check_open_outcome(response(200, "{status: success}"), "start", "twice")
    assert not checks.check_open_outcome(response(404, content=b"", ctype="text/plain"), "start", "twice")
    # A 5xx is UMTS-NO-SERVER-ERROR's (a MUST, on every request): the open outcome stays unknown.
    server_error = response(500, content=b"", ctype="text/plain")
    assert checks.check_open_outcome(server_error, "start", "twice") is None
    checks.check_unknown_operation(server_error, "restart")
    with pytest.raises(AssertionError, match="server error"):
        checks.check_no_server_error(server_error)
    with pytest.raises(AssertionError):
        checks.check_open_outcome(response(302, content=b"", ctype="text/html"), "start", "twice")
    with pytest.raises(AssertionError):
        checks.check_unknown_operation(response(200, {}), "restart")
    with pytest.raises(AssertionError):
        checks.check_open_outcome(response(400, {"message": "flat"}), "start", "twice")
    with pytest.raises(AssertionError):
        checks.check_open_outcome(response(200, [1]), "download", "early")


def test_lifecycle_model_documented_path():
    model = LifecycleModel()
    session = model.add("s")
    assert model.documented("start", session) and not model.documented("stop", session)
    model.succeeded("start", session, documented=True)
    assert model.expected_request_status(session) == ("UMTS-LIFECYCLE-START", "START")
    model.observed(session, "START", downloadable=False)
    assert model.expected_request_status(session) is None
    model.succeeded("stop", session, documented=True)
    assert model.expected_request_status(session) == ("UMTS-LIFECYCLE-STOP", "STOP")
    model.observed(session, "STOP", downloadable=True)
    assert model.documented("download", session) and model.documented("disable", session)
    model.succeeded("disable", session, documented=True)
    assert model.live == {} and model.disabled == ["s"]


def test_lifecycle_model_stops_guessing_after_undocumented_success():
    model = LifecycleModel()
    session = model.add("s")
    model.succeeded("stop", session, documented=False)
    assert session.phase is Phase.UNCERTAIN and model.expected_request_status(session) is None
    assert not model.documented("start", session) and not model.documented("disable", session)


def test_lifecycle_model_trace_may_finish_by_itself_but_not_right_after_start():
    model = LifecycleModel()
    session = model.add("s")
    model.succeeded("start", session, documented=True)
    model.observed(session, "START", downloadable=False)
    model.observed(session, "STOP", downloadable=True)
    assert session.phase is Phase.STOPPED and model.documented("download", session)
