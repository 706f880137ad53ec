"""Fixtures of the Control Center suite."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import pytest

from pytest_sessionapi.apis.controlcenter import steps
from pytest_sessionapi.apis.controlcenter.client import CURRENT_API_VERSION
from pytest_sessionapi.apis.controlcenter.model import Credentials
from pytest_sessionapi.apis.controlcenter.sessions import TargetDevices
from pytest_sessionapi.ledger import TestRecorder


@pytest.fixture
def cc_devices(sessionapi_target) -> TargetDevices:
    """The devices the target names, by ICCID, and the ICCIDs it holds no device for."""
    return TargetDevices.of(sessionapi_target)


@pytest.fixture
def cc_exchange(sessionapi_client, cc_devices, sessionapi_conformance: TestRecorder) -> Callable[..., None]:
    """``cc_exchange(case_or_iccid, declared, api_version="1", hard=False)``: send one
    Get Session Details request with the target's credentials, judge the answer once with every
    rule and Schemathesis's built-in checks, and record it (``hard``: raise a failure that fails
    the run, for Hypothesis, so that a SHOULD point the vendor's docs leave open never stops the
    search for MUST failures)."""

    def exchange(
        case: Any, declared: Iterable[str], api_version: str = CURRENT_API_VERSION, hard: bool = False
    ) -> None:
        steps.ask(sessionapi_conformance, sessionapi_client.http, cc_devices, case, declared,
                  api_version=api_version, hard=hard)

    return exchange


@pytest.fixture
def cc_refused(sessionapi_target, cc_devices, sessionapi_conformance: TestRecorder) -> Callable[..., None]:
    """``cc_refused(http, asked_as, declared)``: one Get Session Details through ``http``, a
    client whose credentials must be refused ("invalid" or "none"), about the device in session
    when the target names one; judged once and recorded."""

    def refused(http: Any, asked_as: Credentials, declared: Iterable[str]) -> None:
        steps.ask_refused(sessionapi_conformance, http, sessionapi_target, cc_devices, asked_as, declared)

    return refused
