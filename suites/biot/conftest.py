"""Fixtures of the BioT suite: the sessions the suite creates, and their clean-up."""

from __future__ import annotations

import pytest

from pytest_sessionapi.apis.biot.sessions import SuiteSessions, devices_held, journal_of
from pytest_sessionapi.cleanup import judged_clean_up, warn_if_incomplete


@pytest.fixture
def biot_sessions(sessionapi_client, sessionapi_entity, sessionapi_conformance, sessionapi_target, sessionapi_inputs):
    """Creates sessions on the target's device (create by usage type, as a device does) and, at
    teardown, brings every one of them to DONE and deletes it, also when the test failed, and
    what could not be is a warning; a session the server would not let end fails
    BIOT-STOP-DOCUMENTED there (the stop is documented). It never reads or changes a session it
    did not create."""
    device_id = sessionapi_entity("device_id")
    sessions = SuiteSessions(
        sessionapi_client, device_id, sessionapi_entity("usage_type"),
        recorder=sessionapi_conformance,
        journal=journal_of(sessionapi_target), inputs=sessionapi_inputs,
        devices=devices_held(sessionapi_target),
    )
    yield sessions
    with judged_clean_up(sessionapi_conformance):
        sessions.retire_all()
        warn_if_incomplete("biot", sessions.problems)
