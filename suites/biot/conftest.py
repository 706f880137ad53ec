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


NO_SERVER_ERROR = "BIOT-NO-SERVER-ERROR"


def pytest_collection_modifyitems(items):
    from pytest_sessionapi.server_errors import declare_on_client_tests

    declare_on_client_tests(items, "biot", NO_SERVER_ERROR)


@pytest.hookimpl(wrapper=True, trylast=True)
def pytest_runtest_call(item):
    # trylast: inside the plugin's own wrapper, so a 5xx is recorded before the test's verdict.
    from pytest_sessionapi.server_errors import watch_test_call

    return (yield from watch_test_call(item, "biot", NO_SERVER_ERROR))
