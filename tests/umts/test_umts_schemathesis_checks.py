"""Schemathesis's findings on UMTS answers mapped to one requirement ID each, the rules judged
once per answer beside them, and the state-free rules registered as Schemathesis custom checks by
the core factory (they fire on their own, on Schemathesis's own response)."""

from __future__ import annotations

import json
from datetime import timedelta

import httpx
import pytest

from pytest_sessionapi.apis.umts import schemathesis_checks as sc
from pytest_sessionapi.apis.umts.rules import RULES
from pytest_sessionapi.schemathesis_support import RequirementViolation, judge_generated
from tests.conftest import OtherApiCase, as_schemathesis_response
from tests.umts.test_umts_rules import ENVELOPE, SESSION

DEVICE = SESSION["uuid"]
BODY = {"deviceUUID": DEVICE, "localColor": "lte", "remoteColor": "lte", "remoteSystem": "172.16.255.16"}


def exchange(case, status, body, content_type="application/json"):
    url = "http://x" + case.formatted_path
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    response = httpx.Response(status, headers={"content-type": content_type}, content=content,
                              request=httpx.Request(case.method, url))
    response.elapsed = timedelta(0)
    return response


def failures(case, response, asked, rules):
    """What the suite records as failed for one answer (the core judge with UMTS's hooks)."""
    return judge_generated(case, response, rules=RULES, asked=asked, requirement_ids=rules,
                           requirement_of=sc.requirement_of, said_by_rules=sc.said_by_rules).failures


def operation_case(operation="status", session_id="dbd6e729-d071-4024-a42c-f55b88fa034b"):
    return sc.session_operation().Case(path_parameters={"operation": operation, "sessionId": session_id})


def create_case(body=None):
    return sc.create_operation().Case(body=BODY if body is None else body, media_type="application/json")


@pytest.mark.parametrize(
    ("status", "body", "content_type", "expected"),
    [
        (400, ENVELOPE, "application/json", set()),
        (404, ENVELOPE, "application/json", {"UMTS-ERROR-UNKNOWN-SESSION"}),
        (400, ENVELOPE["error"], "application/json", {"UMTS-ERROR-ENVELOPE"}),
        (400, ENVELOPE, "text/plain", {"UMTS-MEDIA-JSON"}),
        (500, b"oops", "text/plain", {"UMTS-NO-SERVER-ERROR", "UMTS-ERROR-UNKNOWN-SESSION"}),
    ],
)
def test_answers_about_generated_session_ids(status, body, content_type, expected):
    case = operation_case()
    found = failures(case, exchange(case, status, body, content_type), sc.asked_of(case),
                     sc.UNKNOWN_SESSION_RULES)
    assert set(found) == expected, found


@pytest.mark.parametrize(
    ("status", "body", "refusable", "expected"),
    [
        (200, [SESSION], False, set()),
        (200, SESSION, False, set()),
        (200, [{**SESSION, "renewalTime": "1"}], False, {"UMTS-SESSION-TYPES"}),
        (200, [{**SESSION, "status": "ok"}], False, {"UMTS-SESSION-VALUES"}),
        (200, [], False, {"UMTS-CREATE-SESSION"}),
        (400, {"error": {**ENVELOPE["error"], "code": "TBST1000"}}, True, set()),
        (400, {"error": {**ENVELOPE["error"], "code": "TBST1000"}}, False, {"UMTS-CREATE-SESSION"}),
        (400, {"code": "TBST1008"}, False, {"UMTS-ERROR-ENVELOPE"}),
    ],
)
def test_answers_to_generated_creates(status, body, refusable, expected):
    case = create_case()
    found = failures(case, exchange(case, status, body), sc.asked_of(case, refusable=refusable),
                     (*sc.CREATE_RULES, "UMTS-ERROR-ENVELOPE"))
    assert set(found) == expected, found


def test_a_generated_case_asks_what_its_path_and_body_say():
    asked = sc.asked_of(operation_case("stop", "abc"))
    assert (asked.operation, asked.session_id, asked.expect.name) == ("stop", "abc", "UNKNOWN_SESSION")
    asked = sc.asked_of(create_case(), refusable=True)
    assert (asked.operation, asked.device_uuid, asked.expect.name) == ("create", DEVICE, "NEW_SESSION_OR_REFUSAL")


def test_custom_checks_are_registered_once_per_state_free_rule_and_ignore_other_apis():
    from schemathesis.checks import CHECKS

    assert {c.__name__ for c in sc.CUSTOM_CHECKS} <= set(CHECKS.get_all_names())
    assert len(sc.CUSTOM_CHECKS) == len(sc.STATE_FREE_RULES)

    for check in sc.CUSTOM_CHECKS:
        assert check(None, None, OtherApiCase()) is None


def test_a_custom_check_fires_on_schemathesis_s_own_response_with_its_requirement():
    case = operation_case()
    response = exchange(case, 404, ENVELOPE)
    answer = as_schemathesis_response(response)
    (check,) = [c for c in sc.CUSTOM_CHECKS if c.__name__ == "umts_umts_error_unknown_session"]
    with pytest.raises(RequirementViolation) as caught:
        check(None, answer, case)
    assert caught.value.requirement_id == "UMTS-ERROR-UNKNOWN-SESSION"
    assert "expected 400 with code TBST1005, got 404" in str(caught.value)
