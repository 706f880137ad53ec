"""TestRecorder.settle_unrecorded: what a test reports for the requirements it recorded nothing on."""

from __future__ import annotations

from pytest_sessionapi.ledger import TestRecorder


def test_settling_only_some_requirements_leaves_the_others_to_the_test_outcome():
    recorder = TestRecorder(
        "t", ("BIOT-GET", "BIOT-TRANSITION-INFERRED-ALLOWED", "BIOT-TRANSITION-INFERRED-FORBIDDEN")
    )
    recorder.record("BIOT-TRANSITION-INFERRED-ALLOWED", "fail", "refused")
    recorder.settle_unrecorded(
        "not-tested", "met no such entry",
        only=("BIOT-TRANSITION-INFERRED-ALLOWED", "BIOT-TRANSITION-INFERRED-FORBIDDEN"),
    )
    assert recorder.status_of("BIOT-TRANSITION-INFERRED-ALLOWED") == "fail"  # recorded: kept
    assert recorder.status_of("BIOT-TRANSITION-INFERRED-FORBIDDEN") == "not-tested"
    assert recorder.status_of("BIOT-GET") is None  # not named: left for the test's outcome
    recorder.settle_unrecorded("pass")
    assert recorder.status_of("BIOT-GET") == "pass"
    assert recorder.status_of("BIOT-TRANSITION-INFERRED-FORBIDDEN") == "not-tested"
