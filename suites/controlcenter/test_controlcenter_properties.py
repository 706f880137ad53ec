"""Property-based tests: every generated request gets a documented answer, never a 5xx.

- Schemathesis generates requests from the bundled OpenAPI document (ICCIDs of 19-20 digits,
  plus the target's own devices); each answer is judged once by the catalogue's rules and
  Schemathesis's built-in checks;
- Hypothesis strategies add what the document does not generate: ICCIDs with and without a
  valid Luhn digit, malformed ICCIDs, other apiVersions.

The example count comes from the Hypothesis profile (sessionapi-ci by default,
--hypothesis-profile=sessionapi-thorough for a certification run).
"""

from __future__ import annotations

import pytest
from hypothesis import Phase, given, settings
from hypothesis import strategies as st

from pytest_sessionapi.apis.controlcenter.rules import BODY_RULES
from pytest_sessionapi.apis.controlcenter.strategies import (
    generated_cases,
    iccids,
    known_and_unknown_iccids,
    malformed_iccids,
    other_api_versions,
)

pytestmark = pytest.mark.sessionapi("controlcenter")

# Each example is one request against an account the vendor limits to 5 calls a second, and the
# four properties judge the same rules: two fifths of the profile's examples each (8 of
# sessionapi-ci's 20) reach every status twenty did, on the reference and on every variant
# (benchmarks/variant_statuses.py). A failing example is reported as found, not shrunk: shrinking
# an ICCID or an apiVersion costs dozens of requests and teaches nothing the found one does not.
# A run sends at most 60 requests (53 on the reference), where it sent up to 111.
share_of_budget = settings(
    max_examples=max(1, settings.default.max_examples * 2 // 5),
    phases=[phase for phase in settings.default.phases if phase is not Phase.shrink],
)

ANY_ANSWER = (
    "CC-NO-SERVER-ERROR",
    "CC-CONTENT-TYPE",
    "CC-ERR-ENVELOPE",
    "CC-ERR-FIELD-NAMES",
    "CC-ERR-CODE-STRING",
    "CC-ERR-STATUS-TABLE",
)
BODY = (*BODY_RULES, "CC-DATE-ORDER", "CC-DATES-NOT-FUTURE")
# Every generated case asks apiVersion 1 with an ICCID of 19 or 20 digits (the document's pattern).
DOCUMENTED_VALUES = ("CC-API-VERSION-CURRENT", "CC-ICCID-DOCUMENTED-FORMS")
SCHEMA_DRIVEN = (*ANY_ANSWER, *BODY, "CC-OK-STATUS", "CC-ERR-UNKNOWN-ICCID", *DOCUMENTED_VALUES)


@pytest.mark.sessionapi_requirement(*SCHEMA_DRIVEN)
@given(data=st.data())
@share_of_budget
def test_schemathesis_generated_requests(data, cc_devices, cc_exchange):
    """Schemathesis cases from openapi.json, about half of them naming one of the target's
    devices (so the state rules run on them too): each gets an answer the page documents; its
    error table ends with '30000001 500 Unknown server error.', the server's own failure, never
    an answer to a request it describes."""
    case = data.draw(generated_cases(cc_devices.iccids), label="case")
    cc_exchange(case, SCHEMA_DRIVEN, hard=True)


UNKNOWN = ("CC-ERR-UNKNOWN-ICCID", *ANY_ANSWER)
UNKNOWN_OF_DOCUMENTED_FORM = ("CC-ICCID-DOCUMENTED-FORMS", *UNKNOWN, "CC-API-VERSION-CURRENT")


@pytest.mark.sessionapi_requirement(*UNKNOWN_OF_DOCUMENTED_FORM)
@given(iccid=iccids())
@share_of_budget
def test_unprovisioned_iccids_with_and_without_luhn(iccid, cc_exchange):
    """19 and 20 digits, Luhn valid or not: '20000001 404 Resource not found - Invalid ICCID.' (a
    Luhn-only rejection would be a 400, a refusal of the form of the page's own example ICCID)."""
    cc_exchange(iccid, UNKNOWN_OF_DOCUMENTED_FORM, hard=True)


@pytest.mark.sessionapi_requirement(*UNKNOWN)
@given(iccid=malformed_iccids())
@share_of_budget
def test_malformed_iccids(iccid, cc_exchange):
    """Letters, wrong lengths: the documented answer is '20000001 404 Resource not found -
    Invalid ICCID.', never a 5xx."""
    cc_exchange(iccid, UNKNOWN, hard=True)


VERSIONS = ("CC-ERR-API-VERSION", *ANY_ANSWER, *BODY)


@pytest.mark.sessionapi_requirement(*VERSIONS)
@given(data=st.data(), api_version=other_api_versions())
@share_of_budget
def test_other_api_versions(data, api_version, cc_devices, cc_exchange):
    """'The current version for all functions is 1': any other apiVersion, for the target's
    devices and for unknown ICCIDs, is 400 10000024."""
    iccid = data.draw(known_and_unknown_iccids(cc_devices), label="iccid")
    cc_exchange(iccid, VERSIONS, api_version=api_version, hard=True)
