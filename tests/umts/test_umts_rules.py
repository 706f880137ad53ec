"""The UMTS rulebook (rules.py) on hand-made answers and the vendor's own examples."""

from __future__ import annotations

import json

import pytest

from pytest_sessionapi.apis.umts import vendor_examples
from pytest_sessionapi.apis.umts.model import Expect
from pytest_sessionapi.apis.umts.models import OPERATIONS
from pytest_sessionapi.apis.umts.rules import RULES, Asked
from pytest_sessionapi.apis.umts.steps import SESSION_RULES, STATUS_ANSWER
from pytest_sessionapi.requirements import load_catalogue
from pytest_sessionapi.rulebook import Answer, RuleFailure

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
ENVELOPE = {"error": {"type": "error", "message": "Invalid Session", "details": "d", "code": "TBST1005"}}
STATUS = Asked("status", Expect.SESSION, session_id=SESSION_ID, device_uuid=DEVICE)
CREATE = Asked("create", Expect.NEW_SESSION, device_uuid=DEVICE)


def answer(status=200, body=None, content=None, ctype="application/json", headers=()):
    if content is None:
        content = json.dumps(body).encode()
    return Answer(status, ctype, content, tuple(headers), "GET", "/dataservice/stream/device/umts/status/s")


def failures(response, asked, rules=None):
    return RULES.judge(response, asked, rules).failures


def test_every_requirement_of_the_catalogue_has_exactly_one_rule():
    assert set(RULES) == set(load_catalogue("umts").requirements)


def test_vendor_status_sample_passes_every_status_rule():
    verdicts = RULES.judge(answer(body=SESSION), STATUS, STATUS_ANSWER)
    assert verdicts.failures == {}
    assert set(verdicts.passed) == {"UMTS-MEDIA-JSON", "UMTS-STATUS-IDENTITY", *SESSION_RULES}


def test_the_vendor_status_ok_sample_is_the_one_the_tests_use():
    assert vendor_examples.status_ok_sample()["requestStatus"] == "START"
    assert not failures(answer(body=vendor_examples.status_ok_sample()),
                        Asked("status", Expect.SESSION, session_id=vendor_examples.status_ok_sample()["sessionId"]),
                        SESSION_RULES)


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
        ({"sessionId": "another"}, "UMTS-STATUS-IDENTITY"),
        ({"uuid": "C8K-another"}, "UMTS-STATUS-IDENTITY"),
    ],
)
def test_each_broken_field_fails_its_requirement(change, requirement):
    assert requirement in failures(answer(body={**SESSION, **change}), STATUS, STATUS_ANSWER)


@pytest.mark.parametrize(
    "change",
    [{"requestStatus": "stop"}, {"JSessionId": None}, {"extra": [1]}, {"download_status": None}],
)
def test_allowed_differences_pass(change):
    session = {k: v for k, v in {**SESSION, **change}.items() if v is not None}
    assert failures(answer(body=session), STATUS, STATUS_ANSWER) == {}


def test_payload_double_encoding_only_in_a_create_answer():
    session = {**SESSION, "payload": json.dumps(PAYLOAD)}
    assert failures(answer(body=[session]), CREATE, SESSION_RULES) == {}
    assert "JSON object" in failures(answer(body=session), STATUS, SESSION_RULES)["UMTS-SESSION-PAYLOAD"]
    without = {k: v for k, v in SESSION.items() if k != "payload"}
    assert "no payload" in failures(answer(body=without), STATUS, SESSION_RULES)["UMTS-SESSION-PAYLOAD"]
    assert failures(answer(body=[without]), CREATE, SESSION_RULES) == {}


def test_create_answer_shapes():
    for good in ([SESSION], SESSION):
        assert failures(answer(body=good), CREATE, ("UMTS-CREATE-SESSION",)) == {}
    for bad in ([], [SESSION, SESSION], {"error": {"code": "X"}, "sessionId": "s"}, {"sessionId": ""}, "s"):
        assert "UMTS-CREATE-SESSION" in failures(answer(body=bad), CREATE, ("UMTS-CREATE-SESSION",))
    # The session rules judge only a create answer that holds its one session.
    assert RULES.judge(answer(body=[]), CREATE, SESSION_RULES).results == {}


def test_a_create_refused_in_the_envelope_passes_only_where_a_refusal_is_allowed():
    refused = answer(400, {"error": {**ENVELOPE["error"], "code": "TBST1000"}})
    assert "UMTS-CREATE-SESSION" in failures(refused, CREATE)
    wildcard = Asked("create", Expect.NEW_SESSION_OR_REFUSAL, device_uuid=DEVICE)
    assert RULES.judge(refused, wildcard, ("UMTS-CREATE-SESSION",)).passed == ["UMTS-CREATE-SESSION"]
    # A conflict is the busy-device logic's, never a failure to create.
    conflict = answer(400, {"error": {**ENVELOPE["error"], "code": "TBST1008"}})
    assert RULES.judge(conflict, CREATE, ("UMTS-CREATE-SESSION",)).results == {}


def test_conflict():
    asked = Asked("create", Expect.CONFLICT, device_uuid=DEVICE, held_session=SESSION_ID)
    conflict = answer(400, {"error": {**ENVELOPE["error"], "code": "TBST1008"}})
    assert RULES.judge(conflict, asked, ("UMTS-CREATE-CONFLICT", "UMTS-ERROR-ENVELOPE")).failures == {}
    second = {**SESSION, "sessionId": "second"}
    assert "opened another session second" in failures(answer(body=[second]), asked)["UMTS-CREATE-CONFLICT"]
    assert "UMTS-CREATE-CONFLICT" in failures(answer(409, conflict.json), asked)


@pytest.mark.parametrize("good", ["{status: success}", "{status:success}", {"status": "success"}, {}, SESSION])
def test_acknowledgements(good):
    assert failures(answer(body=good), Asked("start", Expect.ACK), ("UMTS-OP-ACK",)) == {}


@pytest.mark.parametrize("bad", [{"status": "failure"}, {"error": {}}, "ok", [], None])
def test_bad_acknowledgements(bad):
    assert "UMTS-OP-ACK" in failures(answer(body=bad), Asked("stop", Expect.ACK), ("UMTS-OP-ACK",))


def test_an_acknowledgement_that_is_not_json_is_judged_by_its_text():
    raw = answer(content=b"{status: success}")
    verdicts = RULES.judge(raw, Asked("disable", Expect.ACK), ("UMTS-MEDIA-JSON", "UMTS-OP-ACK"))
    assert list(verdicts.failures) == ["UMTS-MEDIA-JSON"] and verdicts.passed == ["UMTS-OP-ACK"]


def test_media_json():
    rule = ("UMTS-MEDIA-JSON",)
    assert failures(answer(body="{status: success}"), STATUS, rule) == {}
    assert failures(answer(body={}, ctype="application/json; charset=utf-8"), STATUS, rule) == {}
    assert "not valid JSON" in failures(answer(content=b"{status: success}"), STATUS, rule)["UMTS-MEDIA-JSON"]
    assert "media type" in failures(answer(body={}, ctype="text/plain"), STATUS, rule)["UMTS-MEDIA-JSON"]
    assert RULES.judge(answer(302, content=b"", ctype="text/html"), STATUS, rule).results == {}


def test_download_shape():
    hop = {"idx": 1, "ip": "10.1.15.13", "hostname": "", "rtt": 486.5, "loss": 0}
    record = {"vip_idx": 496, "vip_time": 16434009013877, "remote_color": "lte", "local_color": "lte",
              "remote_system_ip": "172.16.255.16", "local_system_ip": "172.16.255.21",
              "proto": "IPSEC", "sent_qos": 139, "state": "down", "event_type": "ON_DEMAND",
              "event_subtype": "NONE", "hops": {"hop": [hop]}}
    asked = Asked("download", Expect.DATA)
    rules = ("UMTS-DOWNLOAD-READY", "UMTS-DOWNLOAD-SHAPE")
    assert failures(answer(body={"data": [record]}), asked, rules) == {}
    assert list(failures(answer(body={"data": []}), asked, rules)) == ["UMTS-DOWNLOAD-READY"]
    for bad in ([record], {"data": [{**record, "hops": [hop]}]}, {"data": [{**record, "vip_time": "1"}]},
                {"data": [{k: v for k, v in record.items() if k != "state"}]}):
        assert list(failures(answer(body=bad), asked, rules)) == ["UMTS-DOWNLOAD-SHAPE"]
    # Not ready although status said so: READY's failure alone, the shape of a refusal is nobody's.
    assert list(failures(answer(400, ENVELOPE), asked, rules)) == ["UMTS-DOWNLOAD-READY"]


def test_errors():
    unknown = Asked("status", Expect.UNKNOWN_SESSION)
    rules = ("UMTS-ERROR-UNKNOWN-SESSION", "UMTS-DISABLE-INVALIDATES", "UMTS-ERROR-ENVELOPE")
    assert RULES.judge(answer(400, ENVELOPE), unknown, rules).passed == [
        "UMTS-ERROR-UNKNOWN-SESSION", "UMTS-ERROR-ENVELOPE"]
    assert list(failures(answer(404, ENVELOPE), unknown, rules)) == ["UMTS-ERROR-UNKNOWN-SESSION"]
    assert list(failures(answer(400, ENVELOPE["error"]), unknown, rules)) == ["UMTS-ERROR-ENVELOPE"]
    numeric = {"error": {**ENVELOPE["error"], "code": 1005}}
    assert set(failures(answer(400, numeric), unknown, rules)) == {
        "UMTS-ERROR-UNKNOWN-SESSION", "UMTS-ERROR-ENVELOPE"}
    disabled = Asked("start", Expect.DISABLED_SESSION)
    assert "UMTS-DISABLE-INVALIDATES" in failures(answer(200, SESSION), disabled, rules)


def test_refusals_of_calls_without_a_session():
    asked = Asked("status", Expect.NOT_SERVED, situation="status without JSESSIONID")
    rule = ("UMTS-AUTH-SESSION-REQUIRED",)
    for refused in (answer(302, content=b"", ctype="text/html"), answer(401, {}),
                    answer(200, content=b"<html><form/></html>", ctype="text/html")):
        assert failures(refused, asked, rule) == {}
    for served in (answer(200, {}), answer(500, content=b"", ctype="text/plain")):
        assert "was not refused" in failures(served, asked, rule)["UMTS-AUTH-SESSION-REQUIRED"]
    leaked = Asked("create", Expect.NOT_SERVED, situation="create without JSESSIONID")
    assert "opened session" in failures(answer(302, [SESSION]), leaked, rule)["UMTS-AUTH-SESSION-REQUIRED"]


def test_login_rules():
    page = answer(200, content=b"<!DOCTYPE html><html></html>", ctype="text/html")
    ok = answer(200, content=b"", ctype=None, headers=[("set-cookie", "JSESSIONID=abc; Path=/")])
    wrong_cookie = answer(200, content=b"", ctype=None, headers=[("set-cookie", "SESSION=abc")])
    login = Asked("login", Expect.LOGIN)
    assert failures(ok, login) == {}
    assert "HTML login page" in failures(page, login)["UMTS-AUTH-LOGIN"]
    assert "['SESSION']" in failures(wrong_cookie, login)["UMTS-AUTH-LOGIN"]
    rejected = Asked("login", Expect.LOGIN_REFUSED)
    assert failures(page, rejected) == {} and "UMTS-AUTH-LOGIN-REJECTED" in failures(ok, rejected)
    token_after = Asked("token", Expect.LOGIN_REFUSED, situation="token after a failed login")
    assert "UMTS-AUTH-LOGIN-REJECTED" in failures(answer(200, content=b"t0k3n", ctype="text/plain"), token_after)


def test_token_rule():
    token = Asked("token", Expect.TOKEN)
    assert failures(answer(200, content=b"abc123\n", ctype="text/plain"), token) == {}
    assert failures(answer(200, {"token": "abc"}), token) == {}
    assert "empty body" in failures(answer(200, content=b"", ctype="text/plain"), token)["UMTS-AUTH-TOKEN"]
    assert "single word" in failures(answer(200, content=b"a b", ctype="text/plain"), token)["UMTS-AUTH-TOKEN"]


def test_xsrf_rule():
    asked = Asked("create", Expect.XSRF_REFUSED)
    assert failures(answer(403, {}), asked) == {}
    assert "must answer 403" in failures(answer(200, [SESSION]), asked)["UMTS-AUTH-XSRF-POST"]


def test_unknown_operations_and_open_outcomes():
    refusal = Asked("restart", Expect.REFUSAL)
    server_error = answer(500, content=b"", ctype="text/plain")
    # A 5xx is UMTS-NO-SERVER-ERROR's (a MUST, on every request): nothing else judges it.
    assert RULES.judge(server_error, refusal).failures.keys() == {"UMTS-NO-SERVER-ERROR"}
    assert "must be refused with a 4xx" in failures(answer(200, {}), refusal)["UMTS-UNKNOWN-OPERATION"]
    assert failures(answer(404, content=b"", ctype="text/plain"), refusal) == {}

    def opened(operation="start"):
        return Asked(operation, Expect.OPEN, situation="(twice)")

    assert failures(answer(200, "{status: success}"), opened()) == {}
    assert failures(answer(404, content=b"", ctype="text/plain"), opened()) == {}
    assert RULES.judge(server_error, opened(), ("UMTS-UNDOCUMENTED-OUTCOME",)).results == {}
    for bad, operation in ((answer(302, content=b"", ctype="text/html"), "start"),
                           (answer(400, {"message": "flat"}), "start"),
                           (answer(200, [1]), "download"),
                           (answer(200, {"status": "success"}), "download")):
        assert "UMTS-UNDOCUMENTED-OUTCOME" in failures(bad, opened(operation))


def test_a_rule_failure_is_typed_and_carries_its_requirement():
    with pytest.raises(RuleFailure) as caught:
        RULES.apply("UMTS-STATUS-IDENTITY", answer(404, ENVELOPE), STATUS)
    assert caught.value.requirement_id == "UMTS-STATUS-IDENTITY"


@pytest.mark.parametrize("operation", OPERATIONS)
def test_every_operation_on_an_unknown_session_is_judged_alike(operation):
    asked = Asked(operation, Expect.UNKNOWN_SESSION)
    assert failures(answer(400, ENVELOPE), asked) == {}


# --- values compared with their meaning and with what the create asked (issue 18) -------------
ASKED_INPUT = {"deviceUUID": DEVICE, "localColor": "lte", "remoteColor": "lte",
               "remoteSystem": "172.16.255.16, 172.16.255.14"}
RECORD = {"vip_idx": 496, "vip_time": 1643400901398, "remote_color": "lte", "local_color": "lte",
          "remote_system_ip": "172.16.255.14", "local_system_ip": "172.16.255.21", "proto": "IPSEC",
          "sent_qos": 0, "state": "UP", "event_type": "ON_DEMAND", "event_subtype": "NONE",
          "hops": {"hop": []}}


def test_a_downloadable_trace_holds_records_of_the_tunnel_asked_for():
    asked = Asked("download", Expect.DATA, created_with=ASKED_INPUT)
    rule = ("UMTS-DOWNLOAD-RECORDS",)
    assert RULES.judge(answer(body={"data": [RECORD]}), asked, rule).passed == list(rule)
    # How many records there must be is UMTS-DOWNLOAD-READY's.
    assert failures(answer(body={"data": []}), asked, rule) == {}
    ready = ("UMTS-DOWNLOAD-READY",)
    assert "holds no record" in failures(answer(body={"data": []}), asked, ready)["UMTS-DOWNLOAD-READY"]
    for bad in ({"remote_system_ip": "172.16.255.99"}, {"local_color": "biz-internet"},
                {"remote_color": "mpls"}):
        assert list(failures(answer(body={"data": [{**RECORD, **bad}]}), asked, rule)) == list(rule)
    wildcard = Asked("download", Expect.DATA,
                     created_with={**ASKED_INPUT, "localColor": "local-color-all"})
    assert failures(answer(body={"data": [{**RECORD, "local_color": "mpls"}]}), wildcard, rule) == {}
    # An undocumented download's records, too, are the session's; without the create's input
    # there is nothing to compare.
    opened = Asked("download", Expect.OPEN, created_with=ASKED_INPUT)
    assert list(failures(answer(body={"data": [{**RECORD, "remote_system_ip": "1.2.3.4"}]}), opened, rule)) == list(rule)
    assert RULES.judge(answer(body={"data": [RECORD]}), Asked("download", Expect.DATA), rule).results == {}
    # Not a data answer: UMTS-DOWNLOAD-SHAPE's or -READY's, not this rule's.
    assert RULES.judge(answer(body=[RECORD]), asked, rule).results == {}


def test_the_payload_holds_what_the_create_asked():
    asked = Asked("status", Expect.SESSION, session_id=SESSION_ID, device_uuid=DEVICE,
                  created_with={**ASKED_INPUT, "remoteSystem": "172.16.255.16"})
    rule = ("UMTS-SESSION-PAYLOAD",)
    assert failures(answer(body=SESSION), asked, rule) == {}
    other = json.dumps({**json.loads(PAYLOAD), "remoteColor": "remote-color-all"})
    problem = failures(answer(body={**SESSION, "payload": other}), asked, rule)["UMTS-SESSION-PAYLOAD"]
    assert "remoteColor" in problem
    spaced = json.dumps({**json.loads(PAYLOAD), "remoteSystem": "172.16.255.16, 172.16.255.14"})
    listed = Asked("status", Expect.SESSION, session_id=SESSION_ID, created_with=ASKED_INPUT)
    assert failures(answer(body={**SESSION, "payload": spaced}), listed, rule) == {}


def test_user_ip_is_an_ip_address():
    rule = ("UMTS-SESSION-VALUES",)
    for good in ("10.0.1.1", "2001:db8::1"):
        assert failures(answer(body={**SESSION, "userIp": good}), STATUS, rule) == {}
    for bad in ("unknown-host", "", "10.0.1"):
        assert "userIp" in failures(answer(body={**SESSION, "userIp": bad}), STATUS, rule)["UMTS-SESSION-VALUES"]


def test_an_error_envelope_with_empty_texts_fails():
    rule = ("UMTS-ERROR-ENVELOPE",)
    unknown = Asked("status", Expect.UNKNOWN_SESSION)
    for key in ("message", "details"):
        body = {"error": {**ENVELOPE["error"], key: " "}}
        assert key in failures(answer(400, body), unknown, rule)["UMTS-ERROR-ENVELOPE"]


def test_the_end_of_the_wait_after_stop():
    due = Asked("status", Expect.SESSION, session_id=SESSION_ID, results_due="after 2.0 s")
    rule = ("UMTS-DOWNLOAD-READY",)
    assert failures(answer(body=SESSION), due, rule) == {}
    failed = {k: v for k, v in SESSION.items() if k != "download_status"} | {"status": "failure"}
    assert failures(answer(body=failed), due, rule) == {}
    waiting = {k: v for k, v in SESSION.items() if k != "download_status"}
    assert "after 2.0 s" in failures(answer(body=waiting), due, rule)["UMTS-DOWNLOAD-READY"]
    # A status that is no session is UMTS-STATUS-IDENTITY's, not a readiness failure.
    assert RULES.judge(answer(400, ENVELOPE), due, rule).results == {}


def test_a_refused_start_must_not_have_started_the_trace():
    asked = Asked("status", Expect.UNCHANGED, session_id=SESSION_ID, situation="start without JSESSIONID")
    rule = ("UMTS-AUTH-SESSION-REQUIRED",)
    assert "START" in failures(answer(body=SESSION), asked, rule)["UMTS-AUTH-SESSION-REQUIRED"]
    assert failures(answer(body={**SESSION, "requestStatus": "STOP"}), asked, rule) == {}
    assert RULES.judge(answer(400, ENVELOPE), asked, rule).results == {}


def test_a_create_after_the_suite_freed_the_device():
    asked = Asked("create", Expect.FREED_DEVICE, situation="the suite disabled each of the 2 session(s)")
    rule = ("UMTS-DISABLE-FREES-DEVICE",)
    conflict = {"error": {**ENVELOPE["error"], "code": "TBST1008"}}
    assert "2 session(s)" in failures(answer(400, conflict), asked, rule)["UMTS-DISABLE-FREES-DEVICE"]
    assert failures(answer(body=[SESSION]), asked, rule) == {}
