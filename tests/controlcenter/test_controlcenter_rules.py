"""The catalogue's rules on the core rulebook: each one passes what the vendor allows, fails what
it forbids with a readable message, and leaves alone what belongs to another requirement."""

from __future__ import annotations

import json

import pytest

from pytest_sessionapi.apis.controlcenter import rules
from pytest_sessionapi.apis.controlcenter.rules import RULES, STATE_FREE, Asked
from pytest_sessionapi.apis.controlcenter.vendor_examples import RESPONSE_EXAMPLE
from pytest_sessionapi.requirements import load_catalogue
from pytest_sessionapi.rulebook import Answer, RuleFailure

ICCID = "8988216716970004975"
IN_SESSION = Asked(iccid=ICCID, device="in_session", provisioned=True)
ENDED = Asked(iccid=ICCID, device="session_ended", provisioned=True)
NEVER = Asked(iccid=ICCID, device="never_in_session", provisioned=True)
UNKNOWN = Asked(iccid="8999999999999999990", provisioned=False)
MALFORMED = Asked(iccid="898821671697", provisioned=False)

ENDED_BODY = {
    "iccid": ICCID,
    "ipAddress": "10.151.24.9",
    "dateSessionStarted": "2026-11-20 22:04:51.348+0000",
    "dateSessionEnded": "2026-11-20 23:40:07.905+0000",
}
NEVER_BODY = {"iccid": ICCID, "ipAddress": None, "dateSessionStarted": None, "dateSessionEnded": None}


def ok(body, content_type="application/json", status=200):
    return Answer(status, content_type, json.dumps(body).encode())


def error(code, status, message="x", **extra):
    return ok({"errorMessage": message, "errorCode": code, **extra}, status=status)


def judge(answer, asked):
    return RULES.judge(answer, asked)


def failures(answer, asked):
    return judge(answer, asked).failures


def test_every_requirement_has_exactly_one_rule():
    assert set(RULES) == {r.id for r in load_catalogue("controlcenter")}
    assert STATE_FREE <= set(RULES)


@pytest.mark.parametrize(
    ("asked", "body"),
    [(ENDED, ENDED_BODY), (NEVER, NEVER_BODY),
     (IN_SESSION, {**ENDED_BODY, "dateSessionEnded": None, "ipv6Address": "2605:9780:309e:12::7a"})],
)
def test_conformant_bodies_pass_every_rule(asked, body):
    assert failures(ok(body), asked) == {}


def test_the_vendor_example_breaks_only_the_two_points_its_docs_contradict():
    answer = Answer(200, "application/json", RESPONSE_EXAMPLE.encode())
    found = failures(answer, Asked(iccid=ICCID, device="session_ended", provisioned=True))
    assert set(found) == {"CC-NULL-NOT-STRING", "CC-IPV6-PLAIN-ADDRESS"}
    assert all(load_catalogue("controlcenter")[rid].level == "SHOULD" for rid in found)


@pytest.mark.parametrize(
    ("body_change", "asked", "requirement"),
    [
        ({"iccid": int(ICCID)}, ENDED, "CC-BODY-ICCID"),
        ({"iccid": ICCID + "9"}, ENDED, "CC-BODY-ICCID"),
        ({"dateSessionStarted": 1467768706893}, ENDED, "CC-BODY-TYPES"),
        ({"ipAddress": "::ffff:10.1.2.3"}, ENDED, "CC-IPV4-FORMAT"),
        ({"ipAddress": "10.1.2"}, ENDED, "CC-IPV4-FORMAT"),
        ({"ipAddress": "010.001.002.003"}, ENDED, "CC-IPV4-FORMAT"),
        ({"ipv6Address": None}, ENDED, "CC-IPV6-NEVER-NULL"),
        ({"ipv6Address": ""}, ENDED, "CC-IPV6-ABSENT-WITHOUT-ADDRESS"),
        ({"ipv6Address": "[2001:db8::1]"}, ENDED, "CC-IPV6-FORMAT"),
        ({"ipv6Address": "2001:db8::1%eth0"}, ENDED, "CC-IPV6-FORMAT"),
        ({"ipv6Address": "2001:db8::/129"}, ENDED, "CC-IPV6-FORMAT"),
        ({"ipv6Address": "2001:db8::/64"}, ENDED, "CC-IPV6-PLAIN-ADDRESS"),
        ({"dateSessionStarted": "2016-07-06T01:31:46.893Z"}, ENDED, "CC-DATE-EXAMPLE-FORM"),
        ({"dateSessionStarted": "2016-07-06 01:31:46.893+00:00"}, ENDED, "CC-DATE-EXAMPLE-FORM"),
        ({"dateSessionStarted": "2016-02-30 01:31:46.893+0000"}, ENDED, "CC-DATE-FORMAT"),
        ({"dateSessionStarted": "1467768706893"}, ENDED, "CC-DATE-EXAMPLE-FORM"),
        ({"dateSessionEnded": "0000-00-00 00:00:00.000+0000"}, ENDED, "CC-DATE-FORMAT"),
        ({"dateSessionEnded": ""}, ENDED, "CC-DATE-ENDED-SET"),
        ({"dateSessionStarted": "yesterday"}, ENDED, "CC-DATE-FORMAT"),
        ({"dateSessionEnded": "2026-11-20 22:04:51.347+0000"}, ENDED, "CC-DATE-ORDER"),
        ({"dateSessionEnded": None}, ENDED, "CC-DATE-ENDED-SET"),
        ({"dateSessionStarted": None, "dateSessionEnded": None}, IN_SESSION, "CC-DATE-STARTED-SET"),
        ({"ipAddress": None}, ENDED, "CC-SESSION-HAS-IP"),
        ({"dateSessionEnded": "2026-11-21 00:00:00.000+0000"}, IN_SESSION, "CC-DATE-ENDED-NULL-IN-SESSION"),
        # Values compared with what they are, not only typed.
        ({"ipAddress": "0.0.0.0"}, ENDED, "CC-IPV4-FORMAT"),
        ({"ipAddress": "127.0.0.1"}, ENDED, "CC-IPV4-FORMAT"),
        ({"ipAddress": "224.0.0.5"}, ENDED, "CC-IPV4-FORMAT"),
        ({"ipAddress": "255.255.255.255"}, ENDED, "CC-IPV4-FORMAT"),
        ({"ipv6Address": "::"}, ENDED, "CC-IPV6-FORMAT"),
        ({"ipv6Address": "::1"}, ENDED, "CC-IPV6-FORMAT"),
        ({"ipv6Address": "ff02::1"}, ENDED, "CC-IPV6-FORMAT"),
        ({"dateSessionEnded": "2999-01-01 00:00:00.000+0000"}, ENDED, "CC-DATES-NOT-FUTURE"),
        ({"dateSessionStarted": "2999-01-01 00:00:00.000+0000", "dateSessionEnded": None}, IN_SESSION, "CC-DATES-NOT-FUTURE"),
    ],
)
def test_one_defect_one_requirement(body_change, asked, requirement):
    body = {**ENDED_BODY, **body_change}
    if asked is IN_SESSION and "dateSessionEnded" not in body_change:
        body["dateSessionEnded"] = None
    found = failures(ok(body), asked)
    assert list(found) == [requirement], found
    assert repr(asked.iccid) in found[requirement]  # the message says what was asked


@pytest.mark.parametrize(
    ("body_change", "requirement"),
    [
        ({"ipAddress": "0.0.0.0"}, "CC-IPV4-NULL-NEVER-SESSION"),
        ({"ipAddress": ""}, "CC-IPV4-NULL-NEVER-SESSION"),
        ({"dateSessionStarted": "1970-01-01 00:00:00.000+0000"}, "CC-DATES-NULL-NEVER-SESSION"),
        ({"ipv6Address": "2001:db8::1"}, "CC-IPV6-ABSENT-WITHOUT-ADDRESS"),
        ({"ipAddress": "null"}, "CC-NULL-NOT-STRING"),
    ],
)
def test_never_in_session_defects(body_change, requirement):
    assert list(failures(ok({**NEVER_BODY, **body_change}), NEVER)) == [requirement]


def test_absence_is_judged_once():
    body = {"iccid": ICCID}
    found = failures(ok(body), NEVER)
    assert set(found) == {"CC-IPV4-PRESENT", "CC-DATES-PRESENT"}


def test_ip_fields_must_match_what_the_target_says_of_the_device():
    ipv6_only = Asked(iccid=ICCID, device="ipv6_only", provisioned=True)
    dual = Asked(iccid=ICCID, device="dual_stack", provisioned=True)
    v6 = {**ENDED_BODY, "ipAddress": None, "ipv6Address": "2001:db8::1"}
    assert failures(ok(v6), ipv6_only) == {}
    assert list(failures(ok(v6), dual)) == ["CC-IP-FIELDS-MATCH-SESSION"]
    assert list(failures(ok(ENDED_BODY), dual)) == ["CC-IP-FIELDS-MATCH-SESSION"]
    assert failures(ok({**v6, "ipAddress": "10.0.0.1"}), dual) == {}
    ipv4_only = Asked(iccid=ICCID, device="ipv4_only", provisioned=True)
    assert failures(ok(ENDED_BODY), ipv4_only) == {}
    # An address the IPv4-only session did not use is the absence rule's, once.
    assert list(failures(ok({**ENDED_BODY, "ipv6Address": "2001:db8::1"}), ipv4_only)) == [
        "CC-IPV6-ABSENT-WITHOUT-ADDRESS"
    ]
    no_address = {**ENDED_BODY, "ipAddress": None}
    assert set(failures(ok(no_address), ipv4_only)) == {
        "CC-IP-FIELDS-MATCH-SESSION", "CC-SESSION-HAS-IP"
    }


def test_a_date_is_compared_with_the_answers_own_time():
    date = (("date", "Sat, 21 Nov 2026 09:00:00 GMT"),)
    body = {**ENDED_BODY, "dateSessionStarted": "2026-11-21 09:05:00.000+0000", "dateSessionEnded": None}
    answer = Answer(200, "application/json", json.dumps(body).encode(), date)
    assert failures(answer, IN_SESSION) == {}  # within the allowance for clock skew
    later = {**body, "dateSessionStarted": "2026-11-21 10:00:00.000+0000"}
    answer = Answer(200, "application/json", json.dumps(later).encode(), date)
    assert list(failures(answer, IN_SESSION)) == ["CC-DATES-NOT-FUTURE"]


def test_lenient_readings_pass():
    body = {**ENDED_BODY, "apn": "iot", "extra": {"nested": [1]}, "ipv6Address": "2001:db8::1"}
    assert failures(ok(body, "application/json; charset=utf-8"), ENDED) == {}
    assert failures(ok(body, "application/json;charset=UTF-8"), ENDED) == {}
    plus_two = {**ENDED_BODY, "dateSessionStarted": "2026-11-21 00:04:51.348+0200"}
    assert failures(ok(plus_two), ENDED) == {}
    # start == end, as in the vendor example
    assert failures(ok({**ENDED_BODY, "dateSessionEnded": ENDED_BODY["dateSessionStarted"]}), ENDED) == {}
    # an IPv6 prefix is only a SHOULD
    assert list(failures(ok({**ENDED_BODY, "ipv6Address": "2605:9780:309e::/64"}), ENDED)) == ["CC-IPV6-PLAIN-ADDRESS"]


@pytest.mark.parametrize(
    ("answer", "asked", "expected"),
    [
        (error("20000001", 404, "Resource not found - Invalid ICCID."), UNKNOWN, set()),
        (error("20000001", 404, "Invalid ICCID"), UNKNOWN, set()),
        (error(20000001, 404), UNKNOWN, {"CC-ERR-CODE-STRING"}),
        (error("20000001", 400), UNKNOWN, {"CC-ERR-STATUS-TABLE"}),
        (error("10000028", 400), UNKNOWN, {"CC-ICCID-DOCUMENTED-FORMS"}),
        (error("10000028", 400), MALFORMED, {"CC-ERR-UNKNOWN-ICCID"}),
        (ok({"errorCode": "20000001"}, status=404), UNKNOWN, {"CC-ERR-ENVELOPE"}),
        (ok({"errorMessage": "", "errorCode": "20000001"}, status=404), UNKNOWN, {"CC-ERR-ENVELOPE"}),
        (ok({"errorMessage": "  ", "errorCode": "20000001"}, status=404), UNKNOWN, {"CC-ERR-ENVELOPE"}),
        (ok({"errorMessage": "Invalid ICCID", "errorCode": ""}, status=404), UNKNOWN, {"CC-ERR-ENVELOPE"}),
        # The page gives a code and a message, not the keys: other keys are only a SHOULD.
        (ok({"message": "Invalid ICCID", "code": "20000001"}, status=404), UNKNOWN, {"CC-ERR-FIELD-NAMES"}),
        (ok({"message": "Invalid ICCID", "code": "10000028"}, status=404), UNKNOWN, {"CC-ERR-FIELD-NAMES", "CC-ERR-UNKNOWN-ICCID"}),
        (ok({"error": "Invalid ICCID", "errorCode": "20000001"}, status=404), UNKNOWN, {"CC-ERR-FIELD-NAMES"}),
        (ok({"code": "20000001"}, status=404), UNKNOWN, {"CC-ERR-ENVELOPE"}),
        (Answer(404, "text/html", b"<html>Not Found</html>"), UNKNOWN, {"CC-ERR-ENVELOPE", "CC-CONTENT-TYPE"}),
        (ok(NEVER_BODY | {"iccid": UNKNOWN.iccid}), UNKNOWN, {"CC-ERR-UNKNOWN-ICCID"}),
        (error("30000001", 500), UNKNOWN, {"CC-NO-SERVER-ERROR"}),
        (Answer(502, "text/html", b"<html>Bad gateway</html>"), UNKNOWN, {"CC-NO-SERVER-ERROR"}),
    ],
)
def test_error_answers(answer, asked, expected):
    """Empty or unreadable codes and messages are the envelope's alone."""
    assert set(failures(answer, asked)) == expected


@pytest.mark.parametrize("asked", [IN_SESSION, UNKNOWN, Asked("89882167169700050013", device="ipv6_only", provisioned=True)])
def test_a_refused_documented_value_fails_the_requirement_of_that_value_alone(asked):
    """apiVersion 1 refused as invalid, an ICCID of the page's own forms (19 digits failing
    Luhn, 20 digits) refused as a bad request: filed under the value's requirement, not under
    CC-OK-STATUS or CC-ERR-UNKNOWN-ICCID, which the refusal hides."""
    assert set(failures(error("10000024", 400), asked)) == {"CC-API-VERSION-CURRENT"}
    assert set(failures(error("10000028", 400), asked)) == {"CC-ICCID-DOCUMENTED-FORMS"}
    assert set(failures(ok({"errorMessage": "Invalid ICCID"}, status=400), asked)) == {
        "CC-ICCID-DOCUMENTED-FORMS", "CC-ERR-ENVELOPE"
    }
    # Codes naming another cause stay with that cause.
    assert "CC-ICCID-DOCUMENTED-FORMS" not in failures(error("10000030", 400), asked)
    assert "CC-ICCID-DOCUMENTED-FORMS" not in failures(error("20000001", 400), asked)
    judged = judge(error("20000001", 404), UNKNOWN)
    assert judged.results["CC-ICCID-DOCUMENTED-FORMS"] is None
    assert judged.results["CC-API-VERSION-CURRENT"] is None


def test_api_version_accepts_either_code_only_when_the_iccid_is_unknown_too():
    both_wrong = Asked(iccid="8999999999999999990", api_version="2", provisioned=False)
    only_version = Asked(iccid=ICCID, api_version="2", device="in_session", provisioned=True)
    assert failures(error("20000001", 404), both_wrong) == {}
    assert failures(error("10000024", 400), both_wrong) == {}
    assert failures(error("10000024", 400), only_version) == {}
    assert list(failures(error("20000001", 404), only_version)) == ["CC-ERR-API-VERSION"]
    assert list(failures(ok({**ENDED_BODY, "dateSessionEnded": None}), only_version)) == ["CC-ERR-API-VERSION"]


def test_credentials():
    wrong = Asked(iccid=ICCID, credentials="invalid", provisioned=True)
    missing = Asked(iccid=ICCID, credentials="none", provisioned=True)
    challenge = (("www-authenticate", 'Basic realm="Jasper"'),)
    invalid = Answer(401, "application/json", b'{"errorMessage":"Invalid credentials.","errorCode":"10000001"}', challenge)
    pre_auth = Answer(401, "application/json", b'{"errorMessage":"Full authentication is required"}', challenge)
    assert failures(invalid, wrong) == {}
    assert list(failures(pre_auth, wrong)) == ["CC-ERR-ENVELOPE"]  # wrong credentials need the code
    assert failures(pre_auth, missing) == {}  # decision: the live server's pre-auth body passes
    assert failures(invalid, missing) == {}
    assert failures(Answer(401, "text/html", b"<html/>", challenge), missing) == {}
    assert list(failures(ok(ENDED_BODY), wrong)) == ["CC-ERR-BAD-CREDENTIALS"]
    assert list(failures(ok(ENDED_BODY), missing)) == ["CC-ERR-NO-CREDENTIALS"]
    no_challenge = Answer(401, "application/json", invalid.content)
    assert list(failures(no_challenge, wrong)) == ["CC-AUTH-CHALLENGE"]


def test_rules_report_not_applicable_rather_than_pass():
    results = judge(error("20000001", 404), UNKNOWN).results
    assert "CC-BODY-ICCID" not in results and "CC-DATE-ORDER" not in results
    assert results["CC-ERR-UNKNOWN-ICCID"] is None


@pytest.mark.parametrize(
    ("value", "valid"),
    [("2016-07-06 01:31:46.893+0000", True), ("2016-07-06 01:31:46.893-0530", True),
     ("2016-07-06 01:31:46+0000", False), ("2016-07-06 01:31:46.893", False),
     ("2016-13-06 01:31:46.893+0000", False), (" 2016-07-06 01:31:46.893+0000", False)],
)
def test_date_form(value, valid):
    assert (rules.parse_date(value) is not None) is valid


@pytest.mark.parametrize(
    ("value", "valid"),
    [("2605:9780:309e::/64", True), ("2605:9780:309e:12::7a", True), ("::ffff:10.1.2.3", True),
     ("::1/128", True), ("10.1.2.3", False), ("2001:db8::/064", False), ("gggg::1", False), ("", False)],
)
def test_ipv6_text(value, valid):
    assert (rules.ipv6_problem(value) is None) is valid


def test_every_scope_is_said_once_above_its_rule():
    """The state rules say which device they judge with a guard, not inside their body."""
    for requirement_id in ("CC-IPV4-NULL-NEVER-SESSION", "CC-DATE-ENDED-SET", "CC-IP-FIELDS-MATCH-SESSION",
                           "CC-ERR-UNKNOWN-ICCID", "CC-BODY-ICCID", "CC-AUTH-CHALLENGE"):
        assert RULES[requirement_id].applies_when, requirement_id


def test_a_failure_carries_its_requirement_and_names_the_exchange():
    with pytest.raises(RuleFailure) as caught:
        RULES.apply("CC-BODY-ICCID", ok({**ENDED_BODY, "iccid": "1"}), ENDED)
    assert caught.value.requirement_id == "CC-BODY-ICCID"
    assert caught.value.problem == f"iccid '1' is not the requested {ICCID!r}"
    assert ENDED.describe() in caught.value.context and "200 application/json" in caught.value.context


def test_a_header_repeated_by_the_server_is_read_in_full():
    # Two WWW-Authenticate headers, Basic in the second: the challenge is offered.
    answer = Answer(401, "application/json", b'{"errorMessage":"x","errorCode":"10000001"}',
                    (("www-authenticate", "Bearer"), ("www-authenticate", 'Basic realm="Jasper"')))
    assert "CC-AUTH-CHALLENGE" not in failures(answer, Asked(iccid=ICCID, credentials="invalid"))
