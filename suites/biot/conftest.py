"""Fixtures of the BioT suite: the sessions the suite creates, and their clean-up."""

from __future__ import annotations

import warnings

import pytest

from pytest_sessionapi.apis.biot.lifecycle import SuiteSessions


@pytest.fixture
def biot_sessions(sessionapi_client, sessionapi_entity):
    """Creates sessions on the target's device (create by usage type, as a device does) and, at
    teardown, brings every one of them to DONE and deletes it, also when the test failed. It
    never reads or changes a session it did not create."""
    sessions = SuiteSessions(
        sessionapi_client, sessionapi_entity("device_id"), sessionapi_entity("usage_type")
    )
    yield sessions
    problems = sessions.retire_all()
    if problems:
        warnings.warn(
            "BioT clean-up incomplete, sessions may remain on the device: " + "; ".join(problems),
            stacklevel=1,
        )
