"""Schemathesis on the bundled OpenAPI document, each answer judged once by the catalogue's rules.

- ``GET .../{operation}/{sessionId}``: each documented operation with generated session ids (none
  of them issued, so every answer must be the TBST1005 error in the vManage envelope);
- ``POST .../umts``: UMTSInput bodies for the target's device, composed from the configured
  values and the wildcard colors of the vendor's samples; each answer must be the new session
  (a wildcard combination may instead be refused with a 400 envelope), disabled again in the
  same example.

Cases go out through the suite's own client; Schemathesis adds only its built-in checks, whose
failures are mapped to requirement IDs. Examples per test are two fifths of the Hypothesis
profile's, not shrunk (``share_of_budget``).
"""

from __future__ import annotations

import pytest
from hypothesis import Phase, given, settings
from hypothesis import strategies as st

from pytest_sessionapi.apis.umts.model import Expect
from pytest_sessionapi.apis.umts.rules import RULES, Asked, session_id_in
from pytest_sessionapi.apis.umts.schemathesis_checks import (
    CREATE_RULES,
    UNKNOWN_SESSION_RULES,
    asked_of,
    requirement_of,
    said_by_rules,
)
from pytest_sessionapi.apis.umts.sessions import busy_device_problem
from pytest_sessionapi.apis.umts.steps import judge
from pytest_sessionapi.apis.umts.strategies import (
    create_bodies,
    create_cases,
    session_cases,
    uses_configured_colors,
)
from pytest_sessionapi.rulebook import Answer
from pytest_sessionapi.schemathesis_support import judge_generated, send_case

pytestmark = pytest.mark.sessionapi("umts")

# Each example is a request to the target (a create also its disable), and both tests hold every
# answer to the same few rules: two fifths of the profile's examples (8 of sessionapi-ci's 20)
# reach every requirement status twenty did, on the reference and on every variant
# (benchmarks/variant_statuses.py). A failing example is reported as found, not shrunk: shrinking
# a session id or a create body costs dozens of requests and teaches nothing the found one does
# not.
share_of_budget = settings(
    max_examples=max(1, settings.default.max_examples * 2 // 5),
    phases=[phase for phase in settings.default.phases if phase is not Phase.shrink],
)


@pytest.mark.sessionapi_requirement(*UNKNOWN_SESSION_RULES)
@given(data=st.data())
@share_of_budget
def test_generated_session_ids(data, sessionapi_client, sessionapi_conformance):
    """Generated session ids, none of them issued, on each documented operation: every answer is
    the vendor's 'error sample', '"message":"Invalid Session" ... "code":"TBST1005"'."""
    case = data.draw(session_cases(), label="case")
    response = send_case(sessionapi_client.http, case)
    verdicts = judge_generated(case, response, rules=RULES, asked=asked_of(case),
                               requirement_ids=UNKNOWN_SESSION_RULES, requirement_of=requirement_of)
    # Each rule judged passes unless it failed (``judged``).
    sessionapi_conformance.record_batch(verdicts.failures, judged=UNKNOWN_SESSION_RULES, hard=True)


@pytest.mark.sessionapi_requirement(*CREATE_RULES)
@given(data=st.data())
@share_of_budget
def test_generated_create_bodies(data, sessionapi_client, umts_body, umts_sessions, sessionapi_conformance):
    """'Assign sessionId to client' for generated UMTSInput bodies on the target's device: each
    answer is the new session (a wildcard color combination may instead be refused in the 400
    envelope)."""
    body = data.draw(create_bodies(umts_body), label="body")
    case = data.draw(create_cases(body), label="case")
    try:
        response = send_case(sessionapi_client.http, case)
        session_id = session_id_in(Answer.from_httpx(response))
        if session_id:
            umts_sessions.track(session_id)
        problem = busy_device_problem(response, umts_sessions)
        if problem in ("busy", "lost", "stuck"):
            sessionapi_conformance.stop_not_tested("a session the suite cannot release holds the target's device (TBST1008)")
        if problem:
            judge(sessionapi_conformance, response,
                  Asked("create", Expect.FREED_DEVICE, device_uuid=body["deviceUUID"], situation=problem),
                  ("UMTS-DISABLE-FREES-DEVICE",), hard=True)
        asked = asked_of(case, refusable=not uses_configured_colors(body, umts_body))
        verdicts = judge_generated(
            case, response, rules=RULES, asked=asked, requirement_ids=(*CREATE_RULES, "UMTS-ERROR-ENVELOPE"),
            requirement_of=requirement_of, said_by_rules=said_by_rules,
        )
        # The envelope of a refusal is judged too: its failure is recorded, its pass is not this
        # test's point (judged= passes only CREATE_RULES).
        sessionapi_conformance.record_batch(verdicts.failures, judged=CREATE_RULES, hard=True)
    finally:
        # Per example, so the device is free for the next one (the fixture is shared by all).
        umts_sessions.release_all()

