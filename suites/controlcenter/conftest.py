"""Fixtures of the Control Center suite."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import pytest

from pytest_sessionapi.apis.controlcenter.suite_support import (
    asked_for,
    judge_case,
    make_case,
    record,
)
from pytest_sessionapi.schemathesis_support import send_case


@pytest.fixture
def cc_exchange(sessionapi_target, sessionapi_client, conformance) -> Callable[..., None]:
    """``cc_exchange(case_or_iccid, declared, api_version="1", hard=False)``: send one
    Get Session Details request with the target's credentials, judge the answer with every rule
    and Schemathesis check, and record it (``hard``: raise a failure that fails the run, for Hypothesis, so that
    a SHOULD point the vendor's docs leave open never stops the search for MUST failures)."""

    def exchange(case: Any, declared: Iterable[str], api_version: str = "1", hard: bool = False) -> None:
        if isinstance(case, str):
            case = make_case(case, api_version)
        parameters = case.path_parameters
        asked = asked_for(sessionapi_target, str(parameters["iccid"]), str(parameters["apiVersion"]))
        response = send_case(sessionapi_client.http, case)
        declared = tuple(declared)
        results = judge_case(case, response, asked)
        record(conformance, results, declared, hard=hard)

    return exchange
