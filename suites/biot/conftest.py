"""Fixtures of the BioT suite: the sessions the suite creates, and their clean-up."""

from __future__ import annotations

import pytest

from pytest_sessionapi.apis.biot.lifecycle import SuiteSessions
from pytest_sessionapi.cleanup import warn_if_incomplete


@pytest.fixture
def biot_sessions(sessionapi_client, sessionapi_entity, conformance):
    """Creates sessions on the target's device (create by usage type, as a device does) and, at
    teardown, brings every one of them to DONE and deletes it, also when the test failed, and
    what could not be is a warning. It never reads or changes a session it did not create."""
    sessions = SuiteSessions(
        sessionapi_client, sessionapi_entity("device_id"), sessionapi_entity("usage_type"),
        recorder=conformance,
    )
    yield sessions
    sessions.retire_all()
    warn_if_incomplete("biot", sessions.problems)


NO_SERVER_ERROR = "BIOT-NO-SERVER-ERROR"


def pytest_collection_modifyitems(items):
    from pytest_sessionapi.server_errors import declare_on_client_tests

    declare_on_client_tests(items, "biot", NO_SERVER_ERROR)


@pytest.hookimpl(wrapper=True, trylast=True)
def pytest_runtest_call(item):
    # trylast: inside the plugin's own wrapper, so a 5xx is recorded before the test's verdict.
    from pytest_sessionapi.server_errors import watch_test_call

    return (yield from watch_test_call(item, "biot", NO_SERVER_ERROR))
