"""Fixtures of the UMTS suite: the UMTSInput for the target's device, and the bookkeeping that
releases every session the suite opened, also when a test fails."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from pytest_sessionapi.apis.umts.sessions import (
    DeviceLog,
    SessionTracker,
    journal_of,
    umts_input,
)
from pytest_sessionapi.cleanup import warn_if_incomplete


@pytest.fixture
def umts_body(sessionapi_entity) -> dict[str, str]:
    """UMTSInput for the target's device (not-tested when the target names none)."""
    return umts_input(sessionapi_entity)


@pytest.fixture(scope="session")
def umts_device_log() -> DeviceLog:
    """What the whole run did to the target's device (sessions held, sessions released)."""
    return DeviceLog()


@pytest.fixture
def umts_sessions(sessionapi_client, umts_device_log, sessionapi_target) -> Iterator[SessionTracker]:
    """Sessions opened by the test; each is disabled at teardown (stopped first if need be), and
    what could not be is a warning. Each is in the leftovers journal until then: a run killed
    before its clean-up leaves the next run's preflight to disable it."""
    tracker = SessionTracker(sessionapi_client, umts_device_log, journal_of(sessionapi_target))
    yield tracker
    tracker.release_all()
    warn_if_incomplete("umts", tracker.problems)
