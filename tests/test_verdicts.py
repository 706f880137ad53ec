"""The verdict and the exit status come from one truth, the requirement ledger, however a run
ends: a recorded failure followed by a skip or an xfail, a requirement nothing judged, Ctrl-C
(also when something swallows it), ``-x``, a per-test timeout, a run that executes nothing, and a
parallel run under pytest-xdist. Tiny throwaway suites against the Control Center catalogue.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pytest_sessionapi.requirements import load_catalogue

CATALOGUE = load_catalogue("controlcenter")
MUST_A, MUST_B, MUST_C = [r.id for r in CATALOGUE if r.level == "MUST"][:3]
SHOULD = next(r.id for r in CATALOGUE if r.level == "SHOULD")

HEADER = (
    "import os, signal, time\nimport pytest\n"
    "pytestmark = pytest.mark.sessionapi('controlcenter')\n"
    f"MUST_A, MUST_B, MUST_C, SHOULD = {MUST_A!r}, {MUST_B!r}, {MUST_C!r}, {SHOULD!r}\n\n"
)


class Run:
    def __init__(self, result: pytest.RunResult, report: Path) -> None:
        self.result = result
        self.ret = int(result.ret)
        self.report_path = report
        self.document = json.loads(report.read_text()) if report.exists() else None

    @property
    def entry(self) -> dict:
        return self.document["apis"]["controlcenter"]

    @property
    def statuses(self) -> dict[str, str]:
        return {r["id"]: r["status"] for r in self.entry["requirements"]}

    def messages(self, requirement_id: str) -> list[str]:
        return next(r["messages"] for r in self.entry["requirements"] if r["id"] == requirement_id)


@pytest.fixture
def tiny(pytester: pytest.Pytester):
    """``tiny(body, *args, subprocess=False)``: writes a suite module and runs it."""

    def run(body: str, *args: str, subprocess: bool = False) -> Run:
        # Under a suites/<api>/ folder, like the real suites: that is how a parallel run keeps
        # an API's tests on one worker.
        folder = pytester.path / "suites" / "controlcenter"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "test_tiny.py").write_text(HEADER + body)
        runner = pytester.runpytest_subprocess if subprocess else pytester.runpytest_inprocess
        result = runner("--sessionapi-api=controlcenter", "-p", "no:cacheprovider", *args)
        return Run(result, pytester.path / "reports" / "conformance.json")

    return run


def _one_truth(run: Run) -> None:
    assert run.document is not None, run.result.stdout.str()
    assert run.document["exit_status"] == run.ret


# -- a failure recorded anywhere decides the exit status ---------------------------------------


def test_a_skip_after_a_recorded_must_failure_fails_the_test_and_the_run(tiny):
    run = tiny(
        "@pytest.mark.sessionapi_requirement(MUST_A)\n"
        "def test_x(sessionapi_conformance):\n"
        "    with sessionapi_conformance.check(MUST_A):\n"
        "        assert False, 'served without credentials'\n"
        "    pytest.skip('no session to protect')\n"
    )
    assert run.ret == 1
    _one_truth(run)
    assert run.statuses[MUST_A] == "fail"
    assert run.entry["verdict"] == "nonconformant"
    run.result.assert_outcomes(failed=1)


def test_an_xfailed_test_that_recorded_a_must_failure_still_fails_the_run(tiny):
    run = tiny(
        "@pytest.mark.xfail(reason='known to break', strict=False)\n"
        "@pytest.mark.sessionapi_requirement(MUST_A)\n"
        "def test_x(sessionapi_conformance):\n"
        "    with sessionapi_conformance.check(MUST_A):\n"
        "        assert False, 'broken'\n"
    )
    run.result.assert_outcomes(xfailed=1)
    assert run.ret == 1
    _one_truth(run)
    assert run.entry["verdict"] == "nonconformant"


def test_a_skip_after_a_should_failure_stays_a_skip_unless_strict(tiny):
    body = (
        "@pytest.mark.sessionapi_requirement(SHOULD)\n"
        "def test_x(sessionapi_conformance):\n"
        "    with sessionapi_conformance.check(SHOULD):\n"
        "        assert False, 'only a SHOULD'\n"
        "    pytest.skip('nothing more to see')\n"
    )
    lenient = tiny(body)
    assert lenient.ret == 0
    _one_truth(lenient)
    strict = tiny(body, "--sessionapi-strict")
    assert strict.ret == 1
    _one_truth(strict)


# -- pass means judged -------------------------------------------------------------------------


def test_a_declared_requirement_nothing_judged_is_not_tested_with_the_reason(tiny):
    run = tiny(
        "@pytest.mark.sessionapi_requirement(MUST_A, MUST_B)\n"
        "def test_x(sessionapi_conformance):\n"
        "    with sessionapi_conformance.check(MUST_A):\n"
        "        pass\n"
    )
    assert run.ret == 0
    assert run.statuses[MUST_A] == "pass"
    assert run.statuses[MUST_B] == "not-tested"
    assert run.messages(MUST_B) == ["the test ended without judging it (no check recorded a result)"]
    assert run.entry["verdict"] == "incomplete"


# -- runs that execute nothing write nothing ---------------------------------------------------


@pytest.mark.parametrize("args", [["--collect-only"], ["-k", "no_such_test"], ["--setup-plan"]])
def test_a_run_that_executes_no_test_leaves_the_last_report_alone(tiny, pytester, args):
    first = tiny(
        "@pytest.mark.sessionapi_requirement(MUST_A)\n"
        "def test_x(sessionapi_conformance):\n"
        "    with sessionapi_conformance.check(MUST_A):\n"
        "        pass\n"
    )
    before = first.report_path.read_bytes()
    again = tiny("@pytest.mark.sessionapi_requirement(MUST_A)\ndef test_x():\n    pass\n", *args)
    assert again.report_path.read_bytes() == before
    assert "sessionapi conformance" not in again.result.stdout.str()


# -- interrupted is never conformant -----------------------------------------------------------

JUDGED_THEN_MORE = (
    "@pytest.mark.sessionapi_requirement(MUST_A)\n"
    "def test_first(sessionapi_conformance):\n"
    "    with sessionapi_conformance.check(MUST_A):\n"
    "        pass\n\n"
)
THEN_A_THIRD = (
    "@pytest.mark.sessionapi_requirement(MUST_C)\n"
    "def test_third(sessionapi_conformance):\n"
    "    with sessionapi_conformance.check(MUST_C):\n"
    "        pass\n"
)


def test_ctrl_c_gives_incomplete_exit_2_and_a_report(tiny):
    run = tiny(
        JUDGED_THEN_MORE + "@pytest.mark.sessionapi_requirement(MUST_B)\n"
        "def test_second(sessionapi_conformance):\n"
        "    os.kill(os.getpid(), signal.SIGINT)\n"
        "    time.sleep(5)\n\n"
        + THEN_A_THIRD,
        subprocess=True,
    )
    assert run.ret == 2
    _one_truth(run)
    assert run.entry["verdict"] == "incomplete"
    assert run.entry["verdict_reason"] == (
        "interrupted after 1 of 3 tests: Ctrl-C (KeyboardInterrupt)"
    )
    assert run.statuses[MUST_A] == "pass"
    assert run.statuses[MUST_B] == run.statuses[MUST_C] == "not-tested"


def test_a_swallowed_ctrl_c_still_ends_the_run_as_interrupted_and_fails_nothing(tiny):
    """Hypothesis once turned the interrupt into ``assert None is not None``: what a test says
    after Ctrl-C is not believed."""
    run = tiny(
        JUDGED_THEN_MORE + "@pytest.mark.sessionapi_requirement(MUST_B)\n"
        "def test_second(sessionapi_conformance):\n"
        "    session = None\n"
        "    try:\n"
        "        os.kill(os.getpid(), signal.SIGINT)\n"
        "        time.sleep(5)\n"
        "    except BaseException:\n"
        "        pass\n"
        "    with sessionapi_conformance.check(MUST_B):\n"
        "        assert session is not None\n\n"
        + THEN_A_THIRD,
        subprocess=True,
    )
    assert run.ret == 2
    _one_truth(run)
    assert run.statuses[MUST_B] == "not-tested"
    assert "fail" not in run.statuses.values()
    assert run.entry["verdict"] == "incomplete"


def test_stopping_at_the_first_failure_is_reported_as_a_cut_short_run(tiny):
    run = tiny(
        "@pytest.mark.sessionapi_requirement(SHOULD)\n"
        "def test_first():\n"
        "    raise RuntimeError('not a requirement failure: the test itself broke')\n\n"
        "@pytest.mark.sessionapi_requirement(MUST_A)\n"
        "def test_second(sessionapi_conformance):\n"
        "    with sessionapi_conformance.check(MUST_A):\n"
        "        pass\n",
        "-x",
        "--sessionapi-strict",
    )
    assert run.ret == 1
    _one_truth(run)
    assert run.entry["verdict"] == "nonconformant"
    assert run.document["interrupted"].startswith("interrupted after 1 of 2 tests: stopping after 1 failures")


def test_a_per_test_timeout_makes_the_run_incomplete_not_failed(tiny):
    pytest.importorskip("pytest_timeout")
    run = tiny(
        "@pytest.mark.timeout(1, method='signal')\n"
        "@pytest.mark.sessionapi_requirement(MUST_A, MUST_B)\n"
        "def test_x(sessionapi_conformance):\n"
        "    with sessionapi_conformance.check(MUST_A):\n"
        "        pass\n"
        "    time.sleep(10)\n",
        subprocess=True,
    )
    assert run.ret == 1
    _one_truth(run)
    assert run.statuses[MUST_A] == "pass"
    assert run.statuses[MUST_B] == "not-tested"
    assert run.entry["verdict"] == "incomplete"
    assert "timed out" in run.entry["verdict_reason"]


# -- pytest-xdist ------------------------------------------------------------------------------

PARALLEL_SUITE = "".join(
    f"@pytest.mark.sessionapi_requirement({rid})\n"
    f"def test_{n}(sessionapi_conformance):\n"
    f"    with sessionapi_conformance.check({rid}):\n"
    f"        assert {outcome!r} == 'pass', 'broken'\n\n"
    for n, (rid, outcome) in enumerate(
        [("MUST_A", "pass"), ("MUST_B", "fail"), ("MUST_C", "pass"), ("SHOULD", "fail")] * 3
    )
)


def test_a_parallel_run_writes_the_same_report_as_a_serial_one(tiny):
    pytest.importorskip("xdist")
    serial = tiny(PARALLEL_SUITE, subprocess=True)
    parallel = tiny(PARALLEL_SUITE, "-n", "2", subprocess=True)
    assert serial.ret == parallel.ret == 1
    _one_truth(serial)
    _one_truth(parallel)
    for key in ("verdict", "summary", "tests", "requests"):
        assert parallel.entry[key] == serial.entry[key], key
    assert parallel.statuses == serial.statuses
    assert {r["id"]: sorted(r["tests"]) for r in parallel.entry["requirements"]} == {
        r["id"]: sorted(r["tests"]) for r in serial.entry["requirements"]
    }
    parallel.result.stdout.fnmatch_lines(["*sessionapi conformance*", "controlcenter: nonconformant*"])


# -- a setup mistake is not nonconformance ------------------------------------------------------


def test_a_wrong_api_key_gives_the_error_verdict_exit_4_and_one_line_not_a_vendor_failure(run_suite):
    from pytest_sessionapi.apis.controlcenter.reference import API_KEY_ENV

    run = run_suite("controlcenter", over="http", env={API_KEY_ENV: "not-the-key-0451"})
    assert run.ret == 4, run.output()
    assert run.report["exit_status"] == 4
    entry = run.api("controlcenter")
    assert entry["verdict"] == "error"
    assert entry["verdict_reason"].startswith("controlcenter: credentials refused (401 10000001): check username and api_key_env")
    assert {r["status"] for r in entry["requirements"]} == {"skip"}
    run.result.stdout.fnmatch_lines(["controlcenter: error", "  controlcenter: credentials refused (401 10000001)*"])
    assert "not-the-key-0451" not in run.report_path.read_text() + run.output()


def test_an_unreachable_host_is_a_setup_error_for_that_api_only(run_suite):
    import socket

    with socket.socket() as probe:  # a port on loopback nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    run = run_suite("controlcenter", over="http", base_url=f"http://127.0.0.1:{port}")
    assert run.ret == 4, run.output()
    assert run.api("controlcenter")["verdict"] == "error"
    assert "could not connect" in run.api("controlcenter")["verdict_reason"]


FAULTS = "biot:accept-missing-token,controlcenter:unknown-iccid-empty-session,umts:unauthenticated-served"


@pytest.mark.parametrize("variants", [None, FAULTS], ids=["reference", "a-fault-per-api"])
def test_the_real_suites_in_parallel_match_a_serial_run(pytester, variants):
    pytest.importorskip("xdist")
    from tests.conftest import SUITES

    def run(*extra: str) -> tuple[int, dict]:
        report_dir = pytester.path / f"reports{len(extra)}"
        args = [str(SUITES), f"--sessionapi-report-dir={report_dir}", "-p", "no:cacheprovider", *extra]
        if variants:
            args.append(f"--sessionapi-reference-variant={variants}")
        result = pytester.runpytest_subprocess(*args)
        document = json.loads((report_dir / "conformance.json").read_text())
        assert document["exit_status"] == result.ret
        return int(result.ret), document

    serial_ret, serial = run()
    parallel_ret, parallel = run("-n", "2")
    assert serial_ret == parallel_ret == (1 if variants else 0)
    for name, entry in serial["apis"].items():
        other = parallel["apis"][name]
        assert other["verdict"] == entry["verdict"] == ("nonconformant" if variants else "conformant")
        assert {r["id"]: r["status"] for r in other["requirements"]} == {
            r["id"]: r["status"] for r in entry["requirements"]
        }
        assert (other["requests"], other["tests"]) == (entry["requests"], entry["tests"])


def test_the_umts_test_that_skips_after_recording_a_must_failure_fails_the_run(run_suite):
    """The issue's reproduction: the test records UMTS-AUTH-SESSION-REQUIRED failed, then skips
    because there is no session to protect."""
    run = run_suite("umts", "-k", "test_calls_without_a_session_are_refused", variant="unauthenticated-served")
    assert run.ret == 1, run.output()
    assert run.report["exit_status"] == 1
    assert run.status("UMTS-AUTH-SESSION-REQUIRED") == "fail"
    assert run.api("umts")["verdict"] == "nonconformant"


def test_a_transport_error_inside_a_group_or_a_cause_gets_the_one_paragraph_diagnosis(tiny):
    run = tiny(
        "import httpx\n"
        "@pytest.mark.sessionapi_requirement(MUST_A)\n"
        "def test_x(sessionapi_conformance):\n"
        "    try:\n"
        "        raise httpx.ReadTimeout('timed out')\n"
        "    except httpx.ReadTimeout as cause:\n"
        "        raise BaseExceptionGroup('Hypothesis found 1 failure', [RuntimeError('wrapped')]) from cause\n"
    )
    assert run.ret == 1
    out = run.result.stdout.str()
    assert "no usable answer from the endpoint: timed out waiting for the response" in out
    assert "Traceback" not in out and "BaseExceptionGroup" not in out


# -- exit policy, waivers, requirement selection --------------------------------------------

MUST_FAILS_SHOULD_FAILS_ONE_UNTESTED = (
    "@pytest.mark.sessionapi_requirement(MUST_A, SHOULD, MUST_B)\n"
    "def test_x(sessionapi_conformance):\n"
    "    with sessionapi_conformance.check(MUST_A):\n"
    "        assert False, 'broken'\n"
    "    with sessionapi_conformance.check(SHOULD):\n"
    "        assert False, 'only a SHOULD'\n"
)
SHOULD_FAILS = (
    "@pytest.mark.sessionapi_requirement(SHOULD, MUST_A)\n"
    "def test_x(sessionapi_conformance):\n"
    "    with sessionapi_conformance.check(MUST_A):\n"
    "        pass\n"
    "    with sessionapi_conformance.check(SHOULD):\n"
    "        assert False, 'only a SHOULD'\n"
)


@pytest.mark.parametrize(
    ("args", "expected"),
    [([], 0), (["--sessionapi-fail-on=should"], 1), (["--sessionapi-strict"], 1),
     (["--sessionapi-fail-on=incomplete"], 1), (["--sessionapi-fail-on=must"], 0)],
)
def test_fail_on_decides_which_outcomes_fail_the_run(tiny, args, expected):
    run = tiny(SHOULD_FAILS, *args)
    assert run.ret == expected
    _one_truth(run)


def test_fail_on_incomplete_fails_a_run_where_a_must_was_not_tested(tiny):
    body = (
        "@pytest.mark.sessionapi_requirement(MUST_A)\n"
        "def test_x(sessionapi_conformance):\n"
        "    with sessionapi_conformance.check(MUST_A):\n"
        "        pass\n"
    )
    assert tiny(body).ret == 0
    run = tiny(body, "--sessionapi-fail-on=incomplete")
    assert run.ret == 1
    _one_truth(run)
    assert run.entry["verdict"] == "incomplete"
    assert run.document["fail_on"] == "incomplete"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--sessionapi-fail-on=sometimes"], "ERROR: --sessionapi-fail-on: 'sometimes' is not one of must, should, incomplete"),
        (["--sessionapi-fail-on=must", "--sessionapi-strict"], "ERROR: --sessionapi-fail-on: 'must' contradicts --sessionapi-strict*"),
        (["--sessionapi-requirement=CC-NO-SUCH-*"], "ERROR: --sessionapi-requirement: 'CC-NO-SUCH-*' matches no requirement of any catalogue"),
    ],
)
def test_policy_mistakes_are_one_line_usage_errors(tiny, args, message):
    run = tiny("@pytest.mark.sessionapi_requirement(MUST_A)\ndef test_x():\n    pass\n", *args)
    assert run.ret == 4
    run.result.stderr.fnmatch_lines([message])


def _waivers(pytester, text: str) -> str:
    path = pytester.path / "waivers.toml"
    path.write_text(text)
    return f"--sessionapi-waivers={path}"


def test_a_waived_failure_is_reported_waived_and_does_not_fail_the_run(tiny, pytester):
    waivers = _waivers(
        pytester,
        f'[[waiver]]\napi = "controlcenter"\nrequirement = "{MUST_A}"\nreason = "vendor fix in 4.2"\n'
        f'expires = 2099-01-31\nticket = "https://tracker.example/QA-12"\n\n'
        f'[[waiver]]\napi = "controlcenter"\nrequirement = "{MUST_C}"\nreason = "fixed?"\nexpires = 2099-01-31\n',
    )
    run = tiny(MUST_FAILS_SHOULD_FAILS_ONE_UNTESTED, waivers)
    assert run.ret == 0, run.result.stdout.str()
    _one_truth(run)
    assert run.statuses[MUST_A] == "waived"
    waiver = next(r for r in run.entry["requirements"] if r["id"] == MUST_A)["waiver"]
    assert waiver == {"requirement": MUST_A, "reason": "vendor fix in 4.2", "expires": "2099-01-31",
                      "ticket": "https://tracker.example/QA-12", "state": "applied"}
    assert [w["state"] for w in run.entry["waivers"]] == ["applied", "stale"]
    run.result.stdout.fnmatch_lines([f"  stale waiver: {MUST_C} did not fail in this run*"])
    run.result.assert_outcomes(passed=1)


def test_an_expired_waiver_fails_the_run_naming_it(tiny, pytester):
    waivers = _waivers(
        pytester,
        f'[[waiver]]\napi = "controlcenter"\nrequirement = "{MUST_A}"\nreason = "r"\n'
        f'expires = 2020-01-31\nticket = "QA-7"\n',
    )
    run = tiny(MUST_FAILS_SHOULD_FAILS_ONE_UNTESTED, waivers)
    assert run.ret == 4
    run.result.stderr.fnmatch_lines(
        [f"ERROR: *waivers.toml: waiver #1 (controlcenter {MUST_A}, ticket QA-7) expired on 2020-01-31: renew it or remove it"]
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[[waiver]]\napi = "controlcenter"\nrequirement = "CC-NOPE"\nreason = "r"\nexpires = 2099-01-01\n',
         "*waiver #1: CC-NOPE is not a requirement of controlcenter"),
        ('[[waiver]]\napi = "controlcenter"\nrequirement = "X"\nexpires = 2099-01-01\n', "*waiver #1: 'reason' is required"),
        ('[[waiver]]\napi = "cc"\nrequirement = "X"\nreason = "r"\nexpires = 2099-01-01\n', "*waiver #1: unknown API 'cc'*"),
        (f'[[waiver]]\napi = "controlcenter"\nrequirement = "{MUST_A}"\nreason = "r"\nexpires = "soon"\n',
         "*waiver #1: expires must be a date (YYYY-MM-DD), not 'soon'"),
        ("[[waiver]\n", "*waivers.toml: not valid TOML*"),
    ],
)
def test_a_broken_waivers_file_is_a_one_line_usage_error(tiny, pytester, text, message):
    run = tiny("@pytest.mark.sessionapi_requirement(MUST_A)\ndef test_x():\n    pass\n", _waivers(pytester, text))
    assert run.ret == 4
    run.result.stderr.fnmatch_lines(["ERROR: " + message])


TWO_TESTS = (
    "@pytest.mark.sessionapi_requirement(MUST_A)\n"
    "def test_a(sessionapi_conformance):\n"
    "    with sessionapi_conformance.check(MUST_A):\n"
    "        pass\n\n"
    "@pytest.mark.sessionapi_requirement(MUST_B)\n"
    "def test_b(sessionapi_conformance):\n"
    "    with sessionapi_conformance.check(MUST_B):\n"
    "        pass\n"
)


def test_selecting_a_requirement_runs_only_its_tests_and_reports_the_rest_not_run(tiny):
    run = tiny(TWO_TESTS, f"--sessionapi-requirement={MUST_A.lower()}")
    run.result.assert_outcomes(passed=1, deselected=1)
    assert run.statuses[MUST_A] == "pass"
    assert run.statuses[MUST_B] == "not-run"
    assert run.document["requirement_selection"] == [MUST_A]
    assert run.entry["verdict"] == "incomplete"


def test_a_requirement_id_is_a_keyword_and_a_junit_property(tiny, pytester):
    junit = pytester.path / "junit.xml"
    run = tiny(TWO_TESTS, "-k", MUST_B, f"--junitxml={junit}")
    run.result.assert_outcomes(passed=1, deselected=1)
    xml = junit.read_text()
    assert f'<property name="requirement" value="{MUST_B} (MUST)" />' in xml
    assert MUST_A not in xml


def test_a_junit_failure_message_starts_with_the_requirement_and_its_statement(tiny, pytester):
    import xml.etree.ElementTree as ET

    junit = pytester.path / "junit.xml"
    tiny(MUST_FAILS_SHOULD_FAILS_ONE_UNTESTED, f"--junitxml={junit}")
    failure = ET.parse(junit).find(".//testcase/failure")
    assert failure is not None
    assert failure.get("message").startswith(f"{MUST_A} (MUST) failed: {CATALOGUE[MUST_A].statement}")


# -- comparable reports ------------------------------------------------------------------------


@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o077, 0o600)])
def test_reports_are_created_with_the_users_umask(tiny, umask, mode):
    import os

    previous = os.umask(umask)
    try:
        run = tiny("@pytest.mark.sessionapi_requirement(MUST_A)\ndef test_x():\n    pass\n")
    finally:
        os.umask(previous)
    for path in run.report_path.parent.iterdir():
        assert path.stat().st_mode & 0o777 == mode, path


def test_the_report_records_how_hypothesis_generated_inputs(run_suite):
    run = run_suite("controlcenter", "-k", "properties", "--hypothesis-seed=4242")
    assert run.report["hypothesis"] == {
        "profile": "sessionapi-ci", "derandomize": True, "max_examples": 20, "seed": "4242",
    }


@pytest.mark.parametrize(
    ("path", "nodeid"),
    [
        ("/work/repo/suites/biot/test_biot_auth.py", "suites/biot/test_biot_auth.py::test_x[a]"),
        ("/venv/lib/python3.11/site-packages/pytest_sessionapi/suites/biot/test_biot_auth.py",
         "biot/test_biot_auth.py::test_x[a]"),
        ("/venv/lib/python3.11/site-packages/pytest_sessionapi/suites/biot/test_biot_auth.py",
         "../../venv/lib/python3.11/site-packages/pytest_sessionapi/suites/biot/test_biot_auth.py::test_x[a]"),
    ],
)
def test_test_ids_in_reports_do_not_depend_on_how_the_suites_were_launched(path, nodeid):
    from types import SimpleNamespace

    from pytest_sessionapi.parallel import api_of_nodeid
    from pytest_sessionapi.runtime import reported_id

    assert reported_id(SimpleNamespace(path=path, nodeid=nodeid)) == "suites/biot/test_biot_auth.py::test_x[a]"
    assert api_of_nodeid(nodeid) == "biot"


def test_only_suite_folders_are_grouped_on_one_worker():
    from pytest_sessionapi.parallel import api_of_nodeid

    assert api_of_nodeid("tests/biot/test_biot_client.py::test_x") is None
    assert api_of_nodeid("tests/test_runtime.py::test_x") is None


def test_one_fault_shows_its_statement_once_and_no_plugin_frames(run_suite):
    run = run_suite("controlcenter", variant="unknown-iccid-empty-session")
    # The failure reports, not pytest's one-line summary at the end (its width varies).
    out = run.output().split("short test summary info")[0]
    statement = CATALOGUE["CC-ERR-UNKNOWN-ICCID"].statement
    assert out.count(statement) == 1, out
    assert out.count("CC-ERR-UNKNOWN-ICCID (MUST) failed again (statement above)") >= 3
    assert "_pytest" not in out and "hypothesis/core.py" not in out and "@given" not in out


def test_a_failure_shows_the_whole_exchange_and_a_curl_line_without_secrets(run_suite):
    run = run_suite("controlcenter", "-k", "test_unknown_iccid", variant="unknown-iccid-empty-session")
    out = run.output()
    assert "last exchanges (credentials masked):" in out
    assert "  authorization: ***" in out  # the request's headers, the credential masked
    assert "-> 200, " in out and "  content-type: application/json" in out  # the answer's
    assert "reproduce (masked values from environment variables):" in out
    assert '-H "authorization: $SESSIONAPI_AUTHORIZATION"' in out
    from pytest_sessionapi.apis.controlcenter.reference import EMBEDDED_ENV

    for secret in EMBEDDED_ENV.values():
        assert secret not in out


def test_a_long_body_keeps_the_field_the_failure_names_in_view():
    from pytest_sessionapi.transport import Exchange

    body = '{"padding": "' + "x" * 3000 + '", "ipv6Address": null}'
    exchange = Exchange("GET", "https://h/x", {}, "", 200, {}, body, None, 0.01)
    shown = exchange.full(body_chars=500, focus="ipv6Address")
    assert '"ipv6Address": null' in shown and len(shown) < 1500


def test_rate_limit_waits_on_live_targets_are_shown_as_they_happen(run_suite):
    from pytest_sessionapi.registry import all_apis
    from pytest_sessionapi.serving import serving

    inner = all_apis()["controlcenter"].reference.create_app(None)
    answered = {"n": 0}

    async def limited_once(scope, receive, send):
        if scope["type"] == "http" and answered["n"] == 0:
            answered["n"] += 1
            await send({"type": "http.response.start", "status": 429,
                        "headers": [(b"retry-after", b"0"), (b"content-type", b"application/json")]})
            await send({"type": "http.response.body", "body": b"{}"})
            return
        await inner(scope, receive, send)

    with serving(limited_once) as url:
        run = run_suite("controlcenter", "-k", "test_device_in_session", over="http", base_url=url)
    assert run.ret == 0, run.output()
    run.result.stdout.fnmatch_lines(
        ["sessionapi: controlcenter: GET /rws/api/v1/devices/*/sessionInfo answered 429 (rate limited); "
         "re-sending in 0 s (re-send 1 of 4)"]
    )
    assert run.api("controlcenter")["resent_requests"] == 1


def test_a_parallel_run_against_a_live_target_leaves_no_shared_limit_files(run_suite):
    import glob
    import tempfile

    pytest.importorskip("xdist")
    run_id = "sessionapi0test0cleanup"
    run = run_suite(
        "controlcenter", "-n", "2", f"--testrunuid={run_id}", over="http", subprocess=True,
        table={"max_rps": 200},  # a limit, so the workers share one
    )
    assert run.ret == 0, run.output()
    assert glob.glob(f"{tempfile.gettempdir()}/pytest-sessionapi-{run_id}-*") == []
