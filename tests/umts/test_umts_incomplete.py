"""A run in which every trace fails on the device is incomplete, not conformant: the documented
failure path ('status fail sample') leaves the download requirements untested. It says so in one
line, and ``--sessionapi-fail-on=incomplete`` makes it fail the run."""

from __future__ import annotations

# TEST-NET-1: the reference fails every trace towards it, as a device fails one it cannot reach.
UNREACHABLE_SYSTEM = "192.0.2.1"


def test_a_run_where_every_trace_fails_is_incomplete(run_suite):
    run = run_suite("umts", "--sessionapi-fail-on=incomplete", over="http",
                    table={"remote_system": UNREACHABLE_SYSTEM})
    entry = run.api("umts")
    assert entry["verdict"] == "incomplete", run.output()
    assert run.failed("umts") == []
    untested = {r["id"] for r in entry["requirements"] if r["status"] == "not-tested"}
    assert "UMTS-DOWNLOAD-SHAPE" in untested, untested
    assert run.ret == 1, run.output()
    assert run.report["exit_status"] == 1
    lines = [line for line in run.output().splitlines() if line.startswith("umts: incomplete")]
    assert len(lines) == 1, run.output()
    assert "MUST not tested: " in lines[0] and "UMTS-DOWNLOAD-SHAPE" in lines[0], lines[0]


def test_without_fail_on_incomplete_the_same_run_exits_0(run_suite):
    run = run_suite("umts", over="http", table={"remote_system": UNREACHABLE_SYSTEM})
    assert run.api("umts")["verdict"] == "incomplete", run.output()
    assert run.ret == 0, run.output()
