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


def test_one_serialisation_carries_a_ledger_between_processes():
    """A pytest-xdist worker's ledger reaches the controller as ``Ledger.to_dict`` (JSON-able) and
    comes back with ``from_dict``: nothing is lost, and merging two workers' ledgers merges as
    within one run (a failure wins over a pass, counts add up, reasons are kept once)."""
    import json

    from pytest_sessionapi.ledger import Ledger

    def worker(status: str, message: str | None) -> Ledger:
        recorder = TestRecorder(f"suites/biot/test_x.py::{status}", ("BIOT-GET",))
        recorder.record("BIOT-GET", status, message)
        recorder.finding("BIOT-GET", "the docs disagree")
        ledger = Ledger()
        ledger.absorb(recorder)
        ledger.facts.suite_tests["biot"] = 2
        ledger.facts.tests_finished["biot"] = 1
        ledger.facts.stop("Ctrl-C (KeyboardInterrupt)")
        return ledger

    first, second = worker("pass", None), worker("fail", "GET showed the old name")
    wire = json.loads(json.dumps(first.to_dict()))
    assert Ledger.from_dict(wire).to_dict() == first.to_dict()
    merged = Ledger()
    for ledger in (first, second):
        merged.merge(Ledger.from_dict(json.loads(json.dumps(ledger.to_dict()))))
    assert merged.results["BIOT-GET"].to_dict() == {
        "status": "fail",
        "tests": ["suites/biot/test_x.py::pass", "suites/biot/test_x.py::fail"],
        "messages": ["suites/biot/test_x.py::fail: GET showed the old name"],
    }
    assert [f.text for f in merged.findings["biot"]] == ["the docs disagree"]
    assert merged.facts.suite_tests["biot"] == 2 and merged.facts.tests_finished["biot"] == 2
    assert merged.facts.stopped == ["Ctrl-C (KeyboardInterrupt)"]
