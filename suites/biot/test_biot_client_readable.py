"""The vendor's own client reads the answers: biotmed-device-sdk, BioT's Python client.

Every answer of every BioT test that talks to the endpoint is read by the SDK's models, by the
core (BIOT-CLIENT-READABLE is declared on each such test, as BIOT-NO-SERVER-ERROR is). This test
drives a whole lifecycle so the requirement is judged on every operation even when it runs alone,
and records where the vendor's document and the vendor's client disagree."""

from __future__ import annotations

from datetime import timedelta

import pytest

from pytest_sessionapi.apis.biot.rules import client_document_disagreements
from pytest_sessionapi.apis.biot.sessions import stored_start
from pytest_sessionapi.apis.biot.model import format_utc
from pytest_sessionapi.client_readability import ClientUnavailable

pytestmark = pytest.mark.sessionapi("biot")


@pytest.mark.sessionapi_requirement("BIOT-CLIENT-READABLE")
def test_the_vendors_client_reads_every_answer_of_a_lifecycle(biot_sessions, sessionapi_conformance):
    """biotmed-device-sdk 2.3.40's UsageSessionAPIApi deserialises a createSessionByUsageType
    answer (201), getSession and updateSession (200) into SessionResponseV2, deleteSession (204)
    reads no body, and every documented error into ErrorResponse, although the vendor's document
    has "every attribute optional, templateId and templateName nullable and deprecated" where
    the client has them "required and not nullable"."""
    try:
        disagreements = client_document_disagreements()
    except ClientUnavailable as exc:
        sessionapi_conformance.stop_not_tested(str(exc))
    for text in disagreements:
        sessionapi_conformance.finding("BIOT-CLIENT-READABLE", text)
    created = biot_sessions.create()
    session_id, start = created["_id"], stored_start(created)
    biot_sessions.get(session_id)
    biot_sessions.patch(session_id, {"_startTime": format_utc(start), "_state": "ACTIVE", "_name": "readable"})
    biot_sessions.patch(session_id, {
        "_startTime": format_utc(start), "_state": "DONE", "_endTime": format_utc(start + timedelta(minutes=1)),
        "_summary": {"_stopReason": "Manual Stop", "_stopReasonCode": "COMPLETION"},
    })
    biot_sessions.patch(session_id, {"_startTime": format_utc(start), "_state": "ACTIVE"})  # DONE is final: 409
    biot_sessions.retire(session_id)
    biot_sessions.get(session_id)  # gone: 404
