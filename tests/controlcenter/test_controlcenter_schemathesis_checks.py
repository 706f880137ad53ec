"""Schemathesis's findings mapped to one requirement ID each, and the catalogue's state-free rules
registered as Schemathesis custom checks by the core factory (they fire on their own)."""

from __future__ import annotations

import json
from datetime import timedelta

import httpx
import pytest

from pytest_sessionapi.apis.controlcenter import schemathesis_checks as sc
from pytest_sessionapi.apis.controlcenter.rules import RULES, Asked
from pytest_sessionapi.apis.controlcenter.schemathesis_checks import make_case
from pytest_sessionapi.schemathesis_support import RequirementViolation, judge_generated, mapped_builtin_checks
from tests.conftest import OtherApiCase, as_schemathesis_response


DATES = {"dateSessionStarted": None, "dateSessionEnded": None}


def schemathesis_response(status, body, content_type="application/json", iccid="8999999999999999990", version="1"):
    case = make_case(iccid, version)
    url = f"http://x/rws/api/v{version}/devices/{iccid}/sessionInfo"
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    response = httpx.Response(status, headers={"content-type": content_type}, content=content,
                              request=httpx.Request("GET", url))
    response.elapsed = timedelta(0)
    return case, response


@pytest.mark.parametrize(
    ("status", "body", "content_type", "asked", "expected"),
    [
        (404, {"errorMessage": "x", "errorCode": "20000001"}, "application/json", Asked("8999999999999999990", provisioned=False), {}),
        (404, {"errorMessage": "x", "errorCode": 20000001}, "application/json", Asked("8999999999999999990", provisioned=False), {"CC-ERR-CODE-STRING"}),
        (404, {"errorCode": "20000001"}, "application/json", Asked("8999999999999999990", provisioned=False), {"CC-ERR-ENVELOPE"}),
        (404, {"errorMessage": "x", "errorCode": "20000001"}, "text/plain", Asked("8999999999999999990", provisioned=False), {"CC-CONTENT-TYPE"}),
        (500, {"errorMessage": "x", "errorCode": "30000001"}, "application/json", Asked("8999999999999999990", provisioned=False), {"CC-NO-SERVER-ERROR"}),
        (403, {"errorMessage": "x", "errorCode": "10000030"}, "application/json", Asked("8999999999999999990", provisioned=False), {"CC-ERR-UNKNOWN-ICCID"}),
        (200, {"iccid": 8999999999999999990, "ipAddress": None, **DATES}, "application/json", Asked("8999999999999999990", provisioned=True), {"CC-BODY-ICCID"}),
        (200, {"iccid": "8999999999999999990", "ipAddress": None, "ipv6Address": None, **DATES}, "application/json", Asked("8999999999999999990", provisioned=True), {"CC-IPV6-NEVER-NULL"}),
        (200, {"iccid": "8999999999999999990", **DATES}, "application/json", Asked("8999999999999999990", provisioned=True), {"CC-IPV4-PRESENT"}),
        (200, {"iccid": "8999999999999999990", "ipAddress": 5, **DATES}, "application/json", Asked("8999999999999999990", provisioned=True), {"CC-BODY-TYPES"}),
        (200, [1, 2], "application/json", Asked("8999999999999999990", provisioned=True), {"CC-OK-STATUS"}),
        (200, b"<html>", "application/json", Asked("8999999999999999990", provisioned=True), {"CC-OK-STATUS"}),
        (200, {"ipAddress": None, **DATES}, "application/json", Asked("8999999999999999990", provisioned=True), {"CC-BODY-ICCID"}),
    ],
)
def test_schemathesis_findings_map_to_one_requirement(status, body, content_type, asked, expected):
    case, response = schemathesis_response(status, body, content_type)
    # Schemathesis's findings alone (no rule run directly): its built-in checks and our custom ones.
    found = judge_generated(case, response, rules=RULES, asked=asked, requirement_ids=(),
                            requirement_of=sc.requirement_of,
                            builtin_checks=[*mapped_builtin_checks(), *sc.CUSTOM_CHECKS]).failures
    assert set(found) == set(expected), found


def test_custom_checks_are_registered_once_per_state_free_rule_and_ignore_other_apis():
    from schemathesis.checks import CHECKS

    names = set(CHECKS.get_all_names())
    assert {c.__name__ for c in sc.CUSTOM_CHECKS} <= names
    assert len(sc.CUSTOM_CHECKS) == len(sc.STATE_FREE)

    for check in sc.CUSTOM_CHECKS:
        assert check(None, None, OtherApiCase()) is None


def test_a_custom_check_fires_on_schemathesis_s_own_response_with_its_requirement():
    case, response = schemathesis_response(404, {"errorMessage": "x", "errorCode": 20000001})
    answer = as_schemathesis_response(response)
    (check,) = [c for c in sc.CUSTOM_CHECKS if c.__name__ == "controlcenter_cc_err_code_string"]
    with pytest.raises(RequirementViolation) as caught:
        check(None, answer, case)
    assert caught.value.requirement_id == "CC-ERR-CODE-STRING"
    assert "errorCode is the number 20000001" in str(caught.value)
