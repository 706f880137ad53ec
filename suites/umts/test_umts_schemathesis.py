"""Schemathesis on the bundled OpenAPI document, with the catalogue's rules as custom checks.

- ``GET .../{operation}/{sessionId}``: each documented operation with generated session ids (none
  of them issued, so every answer must be the TBST1005 error in the vManage envelope);
- ``POST .../umts``: UMTSInput bodies for the target's device, composed from the configured
  values and the wildcard colors of the vendor's samples; each answer must be the new session
  (a wildcard combination may instead be refused with a 400 envelope), disabled again in the
  same example.

Examples per test come from the Hypothesis profile.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pytest_sessionapi.apis.umts.schemathesis_checks import (
    create_operation,
    judge_case,
    session_operation,
)
from pytest_sessionapi.apis.umts.suite_support import busy_device_problem, session_id_in
from pytest_sessionapi.schemathesis_support import send_case

pytestmark = pytest.mark.sessionapi("umts")

UNKNOWN_SESSION_RULES = ("UMTS-ERROR-UNKNOWN-SESSION", "UMTS-ERROR-ENVELOPE", "UMTS-MEDIA-JSON")
CREATE_RULES = (
    "UMTS-CREATE-SESSION",
    "UMTS-MEDIA-JSON",
    "UMTS-SESSION-TYPES",
    "UMTS-SESSION-PAYLOAD",
    "UMTS-SESSION-VALUES",
)

# The wildcard colors of the vendor's own payload samples (status examples). A device may refuse them
# (400 in the envelope); it must accept the colors the target configures.
DOCUMENTED_LOCAL_COLORS = ("local-color-all",)
DOCUMENTED_REMOTE_COLORS = ("remote-color-all",)


def record(conformance, found: dict[str, str], judged) -> None:
    """Soft-record every judged rule, then raise the first blocking failure for Hypothesis."""
    conformance.record_batch(found, judged=judged, hard=True)


@pytest.mark.requirement(*UNKNOWN_SESSION_RULES)
@given(data=st.data())
def test_generated_session_ids(data, sessionapi_client, conformance):
    """Generated session ids, none of them issued, on each documented operation: every answer is
    the vendor's 'error sample', '"message":"Invalid Session" ... "code":"TBST1005"'."""
    case = data.draw(session_operation().as_strategy(), label="case")
    response = send_case(sessionapi_client.http, case)
    record(conformance, judge_case(case, response), UNKNOWN_SESSION_RULES)


@pytest.mark.requirement(*CREATE_RULES)
@given(data=st.data())
def test_generated_create_bodies(data, sessionapi_client, umts_body, umts_sessions, conformance):
    """'Assign sessionId to client' for generated UMTSInput bodies on the target's device: each
    answer is the new session (a wildcard color combination may instead be refused in the 400
    envelope)."""
    local_colors = sorted({umts_body["localColor"], *DOCUMENTED_LOCAL_COLORS})
    remote_colors = sorted({umts_body["remoteColor"], *DOCUMENTED_REMOTE_COLORS})
    systems = [ip.strip() for ip in umts_body["remoteSystem"].split(",") if ip.strip()]
    body = {
        "deviceUUID": umts_body["deviceUUID"],
        "localColor": data.draw(st.sampled_from(local_colors), label="localColor"),
        "remoteColor": data.draw(st.sampled_from(remote_colors), label="remoteColor"),
        # One system IP or a comma-separated list of them (both documented forms).
        "remoteSystem": ",".join(
            data.draw(st.lists(st.sampled_from(systems), min_size=1, max_size=3, unique=True),
                      label="remoteSystem")
        ),
    }
    case = data.draw(create_operation().as_strategy(body=body, media_type="application/json"),
                     label="case")
    response = send_case(sessionapi_client.http, case)
    session_id = session_id_in(response)
    try:
        if session_id:
            umts_sessions.track(session_id)
        problem = busy_device_problem(response, umts_sessions)
        if problem in ("busy", "lost"):
            conformance.stop_not_tested("a session the suite cannot release holds the target's device (TBST1008)")
        if problem:
            with conformance.require("UMTS-DISABLE-FREES-DEVICE"):
                raise AssertionError(problem)
        configured = body["localColor"] == umts_body["localColor"] and \
            body["remoteColor"] == umts_body["remoteColor"]
        found = judge_case(case, response, refusable=not configured)
        record(conformance, found, CREATE_RULES)
    finally:
        # Per example, so the device is free for the next one (the fixture is shared by all).
        umts_sessions.release_all()
