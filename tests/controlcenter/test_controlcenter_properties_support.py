"""The Hypothesis strategies and the mapping of Schemathesis' findings to requirement IDs."""

from __future__ import annotations

import json

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_sessionapi.apis.controlcenter import schemathesis_checks as sc
from pytest_sessionapi.apis.controlcenter.checks import Answer, Asked
from pytest_sessionapi.apis.controlcenter.strategies import (
    iccids,
    luhn_check_digit,
    luhn_valid,
    malformed_iccids,
    other_api_versions,
)
from pytest_sessionapi.apis.controlcenter.suite_support import make_case


def test_luhn_against_published_numbers():
    assert luhn_valid("89860620200029875009") and luhn_valid("89314404001235546594")
    assert not luhn_valid("8988216716970004975")  # the vendor's own sample
    assert luhn_check_digit("898821671697000497") == "3"


@settings(max_examples=200, database=None)
@given(st.data())
def test_iccids_cover_both_lengths_and_both_luhn_outcomes(data):
    iccid = data.draw(iccids())
    assert iccid.isdigit() and len(iccid) in (19, 20)


def test_iccid_strategy_reaches_every_class():
    seen = set()

    @settings(max_examples=300, database=None)
    @given(iccids())
    def collect(iccid):
        seen.add((len(iccid), luhn_valid(iccid)))

    collect()
    assert seen == {(19, True), (19, False), (20, True), (20, False)}


@settings(max_examples=200, database=None)
@given(malformed_iccids())
def test_malformed_iccids_are_one_safe_path_segment_and_not_iccids(iccid):
    assert iccid and all(c.isalnum() or c in "-_" for c in iccid)
    assert not (iccid.isdigit() and len(iccid) in (18, 19, 20, 21, 22))


@settings(max_examples=200, database=None)
@given(other_api_versions())
def test_other_api_versions_never_name_the_current_one(version):
    assert version != "1" and version and "/" not in version


DATES = {"dateSessionStarted": None, "dateSessionEnded": None}


def schemathesis_response(status, body, content_type="application/json", iccid="8999999999999999990", version="1"):
    case = make_case(iccid, version)
    url = f"http://x/rws/api/v{version}/devices/{iccid}/sessionInfo"
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    response = httpx.Response(status, headers={"content-type": content_type}, content=content,
                              request=httpx.Request("GET", url))
    response.elapsed = __import__("datetime").timedelta(0)
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
    found = sc.schemathesis_failures(case, response, Answer.from_httpx(response), asked)
    assert set(found) == set(expected), found


def test_custom_checks_are_registered_once_per_state_free_rule_and_ignore_other_apis():
    from schemathesis.checks import CHECKS

    names = set(CHECKS.get_all_names())
    assert {c.__name__ for c in sc.CUSTOM_CHECKS} <= names
    assert len(sc.CUSTOM_CHECKS) == len(sc.STATE_FREE)

    class Other:
        class operation:
            path = "/somebody/else"

    for check in sc.CUSTOM_CHECKS:
        assert check(None, None, Other()) is None
