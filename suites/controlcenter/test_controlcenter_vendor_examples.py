"""The vendor's own examples, through the same validators as a live answer.

What the documentation itself gets wrong is reported as a *finding* (shown in the report, never
part of the verdict): the target is not judged here.
"""

from __future__ import annotations

import json

import pytest

from pytest_sessionapi.apis.controlcenter.rules import RULES, Asked
from pytest_sessionapi.apis.controlcenter.rules import luhn_valid
from pytest_sessionapi.apis.controlcenter.rules import parse_date_time
from pytest_sessionapi.apis.controlcenter.vendor_examples import (
    ERROR_TABLE,
    INVALID_CREDENTIALS_DESCRIPTION,
    JAVASCRIPT_SAMPLE_AUTH,
    PRE_AUTH_401_BODY,
    PYTHON_SAMPLE_AUTH,
    REQUEST_EXAMPLE_AUTHORIZATION,
    REQUEST_EXAMPLE_ICCID,
    RESOURCE_URL,
    RESPONSE_EXAMPLE,
    RUBY_SAMPLE_AUTH,
    SAMPLE_CODE_ICCIDS,
)
from pytest_sessionapi.rulebook import Answer

pytestmark = pytest.mark.sessionapi("controlcenter")

RESPONSE_RULES = (
    "CC-BODY-ICCID",
    "CC-BODY-TYPES",
    "CC-IPV4-PRESENT",
    "CC-IPV4-FORMAT",
    "CC-IPV6-NEVER-NULL",
    "CC-IPV6-FORMAT",
    "CC-IPV6-PLAIN-ADDRESS",
    "CC-NULL-NOT-STRING",
    "CC-SESSION-HAS-IP",
    "CC-DATE-STARTED-SET",
    "CC-DATE-ENDED-SET",
    "CC-DATE-ORDER",
    "CC-DATE-FORMAT",
    "CC-DATE-EXAMPLE-FORM",
    "CC-DATES-PRESENT",
)
ERROR_RULES = ("CC-ERR-ENVELOPE", "CC-ERR-CODE-STRING", "CC-ERR-STATUS-TABLE", "CC-ERR-NO-CREDENTIALS")

NOT_THE_TARGET = "this test reads the vendor's documentation; the target is judged elsewhere"


def _not_judging_the_target(sessionapi_conformance, declared):
    for requirement_id in declared:
        sessionapi_conformance.record(requirement_id, "not-tested", NOT_THE_TARGET)


@pytest.mark.sessionapi_requirement(*RESPONSE_RULES)
def test_vendor_response_example(sessionapi_conformance):
    """The page's 'Response Example': both dates set, so the example shows an ended session."""
    _not_judging_the_target(sessionapi_conformance, RESPONSE_RULES)
    answer = Answer(200, "application/json", RESPONSE_EXAMPLE.encode())
    asked = Asked(iccid=REQUEST_EXAMPLE_ICCID, device="session_ended", provisioned=True)
    for requirement_id, problem in RULES.judge(answer, asked, RESPONSE_RULES).problems.items():
        sessionapi_conformance.finding(requirement_id, f"the vendor's response example: {problem}")
    example = json.loads(RESPONSE_EXAMPLE)
    started, ended = (parse_date_time(example[name]) for name in ("dateSessionStarted", "dateSessionEnded"))
    if started is not None and started == ended:
        sessionapi_conformance.finding(
            "CC-DATE-ORDER",
            f"the vendor's response example shows a session that starts and ends in the same "
            f"millisecond ({example['dateSessionStarted']}): a session of no length, with an "
            "address; the suite accepts equal dates, so the example cannot tell a reader whether "
            "the end may equal the start or was copied from it",
        )
    for iccid in (REQUEST_EXAMPLE_ICCID, *SAMPLE_CODE_ICCIDS):
        if not luhn_valid(iccid):
            sessionapi_conformance.finding(
                "CC-BODY-ICCID",
                f"the vendor's sample ICCID {iccid} ({len(iccid)} digits) fails the Luhn check: "
                "the suite never requires Luhn validity",
            )


@pytest.mark.sessionapi_requirement(*ERROR_RULES)
def test_vendor_error_table(sessionapi_conformance):
    """'Get Session Details' 'Errors': each documented (code, status, message) as an envelope."""
    _not_judging_the_target(sessionapi_conformance, ERROR_RULES)
    for code, status, message in ERROR_TABLE:
        body = f'{{"errorMessage": "{message}", "errorCode": "{code}"}}'.encode()
        answer = Answer(status, "application/json", body)
        for requirement_id, problem in RULES.judge(answer, Asked(iccid=REQUEST_EXAMPLE_ICCID), ERROR_RULES).problems.items():
            sessionapi_conformance.finding(requirement_id, f"the vendor's error table, {code}: {problem}")
    sessionapi_conformance.finding(
        "CC-ERR-STATUS-TABLE",
        "the vendor lists 10000031 'Invalid Zone' for Get Session Details, which takes no zone "
        "parameter: the suite cannot provoke it and only checks its status (400) if it appears",
    )
    pre_auth = Answer(
        401, "application/json", PRE_AUTH_401_BODY.encode(), (("www-authenticate", 'Basic realm="Jasper"'),)
    )
    if "errorCode" not in PRE_AUTH_401_BODY:
        sessionapi_conformance.finding(
            "CC-ERR-ENVELOPE",
            "the vendor's server (third-party live probe) answers a request without credentials "
            f"with {PRE_AUTH_401_BODY}, which has no errorCode although the docs promise one on "
            "every error; the suite accepts it there",
        )
    for requirement_id, problem in RULES.judge(pre_auth, Asked(iccid=REQUEST_EXAMPLE_ICCID, credentials="none"), ERROR_RULES).problems.items():
        sessionapi_conformance.finding(requirement_id, f"the vendor's pre-authentication 401: {problem}")


SAMPLE_RULES = ("CC-ERR-BAD-CREDENTIALS", "CC-OK-STATUS")


@pytest.mark.sessionapi_requirement(*SAMPLE_RULES)
def test_vendor_request_example_and_code_samples(sessionapi_conformance):
    """The page's 'Request Example' and 'Code Samples' against its own words: HTTP Basic of
    username and API key ('Make sure to use your own user credentials')."""
    _not_judging_the_target(sessionapi_conformance, SAMPLE_RULES)
    if "api_key" in PYTHON_SAMPLE_AUTH:
        for language, auth in (("javascript", JAVASCRIPT_SAMPLE_AUTH), ("ruby", RUBY_SAMPLE_AUTH)):
            if "password" in auth:
                sessionapi_conformance.finding(
                    "CC-ERR-BAD-CREDENTIALS",
                    f"the vendor's {language} sample authenticates with a password ({auth}) "
                    "where the python sample and Control Center's Basic scheme use the user's API "
                    f"key ({PYTHON_SAMPLE_AUTH}): copied as is, it sends the wrong secret",
                )
    if "ENCRYPTED" in REQUEST_EXAMPLE_AUTHORIZATION:
        sessionapi_conformance.finding(
            "CC-ERR-BAD-CREDENTIALS",
            f"the vendor's request example writes {REQUEST_EXAMPLE_AUTHORIZATION}: HTTP Basic "
            "credentials are Base64-encoded, not encrypted, and readable by anyone who sees the "
            "header (HTTPS is what protects them)",
        )
    if "IP" in INVALID_CREDENTIALS_DESCRIPTION and "credentials are invalid" in INVALID_CREDENTIALS_DESCRIPTION:
        sessionapi_conformance.finding(
            "CC-ERR-BAD-CREDENTIALS",
            f"the vendor's errors table gives 10000001 two causes ('{INVALID_CREDENTIALS_DESCRIPTION}'): "
            "a client cannot tell a wrong API key from a caller outside the allowed IP range",
        )
    if not RESOURCE_URL.split(" ", 1)[1].startswith("/"):
        sessionapi_conformance.finding(
            "CC-OK-STATUS",
            f"the vendor's resource URL '{RESOURCE_URL}' has no leading '/': the request example "
            "shows the path is /rws/api/v1/devices/{iccid}/sessionInfo under the host",
        )
