"""Per-test requirement bookkeeping: how checks, plain failures, skips and SHOULD levels become
requirement statuses, exit codes and failure text. Runs tiny throwaway suites against the
Control Center catalogue, without any HTTP."""

from __future__ import annotations

import json
import sys

import pytest

from pytest_sessionapi.requirements import load_catalogue

CATALOGUE = load_catalogue("controlcenter")
MUST_A, MUST_B = [r.id for r in CATALOGUE if r.level == "MUST"][:2]
SHOULD = next(r.id for r in CATALOGUE if r.level == "SHOULD")


@pytest.fixture
def suite(pytester: pytest.Pytester):
    """Writes a suite module and runs it; returns (result, {id: status}, document)."""

    def run(body: str, *args: str):
        pytester.makepyfile(
            test_tiny=f"import pytest\npytestmark = pytest.mark.sessionapi('controlcenter')\n"
            f"MUST_A, MUST_B, SHOULD = {MUST_A!r}, {MUST_B!r}, {SHOULD!r}\n\n{body}"
        )
        result = pytester.runpytest_inprocess("--sessionapi-api=controlcenter", "-p", "no:cacheprovider", *args)
        path = pytester.path / "reports" / "conformance.json"
        document = json.loads(path.read_text()) if path.exists() else None
        statuses = (
            {r["id"]: r["status"] for r in document["apis"]["controlcenter"]["requirements"]}
            if document else {}
        )
        return result, statuses, document

    return run


def test_soft_checks_fail_only_their_own_requirement_and_name_it(suite):
    result, statuses, _ = suite(
        f"@pytest.mark.sessionapi_requirement({MUST_A!r}, {MUST_B!r})\n"
        "def test_x(sessionapi_conformance):\n"
        "    with sessionapi_conformance.check(MUST_A):\n"
        "        assert False, 'the answer was wrong'\n"
        "    with sessionapi_conformance.check(MUST_B):\n"
        "        pass\n"
    )
    assert result.ret == 1
    assert statuses[MUST_A] == "fail" and statuses[MUST_B] == "pass"
    result.stdout.fnmatch_lines(
        [
            f"{MUST_A} (MUST) failed: {CATALOGUE[MUST_A].statement}",
            f"  source: {CATALOGUE[MUST_A].source}",
            "  found: the answer was wrong",
        ]
    )


def test_a_failure_outside_any_check_fails_every_declared_requirement(suite):
    result, statuses, _ = suite(
        f"@pytest.mark.sessionapi_requirement({MUST_A!r}, {MUST_B!r})\n"
        "def test_x():\n"
        "    raise ConnectionError('boom')\n"
    )
    assert result.ret == 1
    assert statuses[MUST_A] == statuses[MUST_B] == "fail"


def test_should_failures_warn_and_keep_exit_zero(suite):
    result, statuses, document = suite(
        f"@pytest.mark.sessionapi_requirement({SHOULD!r}, {MUST_A!r})\n"
        "def test_x(sessionapi_conformance):\n"
        "    with sessionapi_conformance.check(SHOULD):\n"
        "        assert False, 'only a SHOULD'\n"
    )
    assert result.ret == 0
    # MUST_A was declared, but no check judged it: not-tested, never a pass by default.
    assert statuses[SHOULD] == "fail" and statuses[MUST_A] == "not-tested"
    result.stdout.fnmatch_lines(["*SessionApiAdvisory: SHOULD-level requirement(s) not met*"])
    assert document["apis"]["controlcenter"]["verdict"] == "incomplete"  # the rest was not tested


def test_strict_mode_makes_should_failures_fail_the_run(suite):
    result, statuses, document = suite(
        f"@pytest.mark.sessionapi_requirement({SHOULD!r})\n"
        "def test_x(sessionapi_conformance):\n"
        "    with sessionapi_conformance.check(SHOULD):\n"
        "        assert False, 'only a SHOULD'\n",
        "--sessionapi-strict",
    )
    assert result.ret == 1
    assert document["strict"] is True
    assert document["apis"]["controlcenter"]["verdict"] == "nonconformant"


def test_a_hard_should_check_does_not_fail_unreached_musts(suite):
    result, statuses, _ = suite(
        f"@pytest.mark.sessionapi_requirement({SHOULD!r}, {MUST_A!r})\n"
        "def test_x(sessionapi_conformance):\n"
        "    with sessionapi_conformance.require(SHOULD):\n"
        "        assert False, 'stopped here'\n"
        "    with sessionapi_conformance.require(MUST_A):\n"
        "        pass\n"
    )
    assert result.ret == 0
    assert statuses[SHOULD] == "fail"
    assert statuses[MUST_A] == "not-tested"


def test_missing_entity_reports_not_tested_and_other_skips_skip(suite):
    result, statuses, _ = suite(
        f"@pytest.mark.sessionapi_requirement({MUST_A!r})\n"
        "def test_entity(sessionapi_entity):\n"
        "    sessionapi_entity('no_such_entity_key')\n\n"
        f"@pytest.mark.sessionapi_requirement({MUST_B!r})\n"
        "def test_skip():\n"
        "    pytest.skip('the target answers 400 to this, which the docs allow')\n"
    )
    assert result.ret == 0
    assert statuses[MUST_A] == "not-tested"
    assert statuses[MUST_B] == "skip"
    result.stdout.fnmatch_lines(["*2 skipped*"])


def test_pass_wins_over_skip_and_fail_wins_over_pass_across_tests(suite):
    _, statuses, _ = suite(
        f"@pytest.mark.sessionapi_requirement({MUST_A!r})\ndef test_one(sessionapi_conformance):\n"
        "    with sessionapi_conformance.check(MUST_A):\n        pass\n\n"
        f"@pytest.mark.sessionapi_requirement({MUST_A!r})\ndef test_two():\n    pytest.skip('x')\n\n"
        f"@pytest.mark.sessionapi_requirement({MUST_B!r})\ndef test_three(sessionapi_conformance):\n"
        "    with sessionapi_conformance.check(MUST_B):\n        pass\n\n"
        f"@pytest.mark.sessionapi_requirement({MUST_B!r})\ndef test_four():\n    assert False\n"
    )
    assert statuses[MUST_A] == "pass"
    assert statuses[MUST_B] == "fail"


def test_report_is_written_even_when_everything_fails_and_lists_untested_requirements(suite):
    result, statuses, document = suite(
        f"@pytest.mark.sessionapi_requirement({MUST_A!r})\ndef test_one():\n    assert False\n"
    )
    assert result.ret == 1
    assert set(statuses) == {r.id for r in CATALOGUE}
    assert {s for i, s in statuses.items() if i != MUST_A} == {"not-tested"}
    assert document["apis"]["umts"] == {
        "title": document["apis"]["umts"]["title"],
        "target": "not-run (not selected by --sessionapi-api)",
        "verdict": "not-run",
        "requirements": [],
        "findings": [],
    }


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("def test_x():\n    pass\n",
         "ERROR: *test_tiny.py::test_x: a suite test must declare the requirements it checks*"),
        ("@pytest.mark.sessionapi_requirement('CC-NO-SUCH-THING')\ndef test_x():\n    pass\n",
         "ERROR: *test_tiny.py::test_x: unknown requirement CC-NO-SUCH-THING (not in the controlcenter catalogue)"),
        ("@pytest.mark.sessionapi_requirement('UMTS-AUTH-X')\ndef test_x():\n    pass\n",
         "ERROR: *test_tiny.py::test_x: requirement UMTS-AUTH-X does not belong to controlcenter"),
    ],
    ids=["no-marker", "unknown-id", "other-api-id"],
)
def test_suite_mistakes_are_reported_at_collection(suite, body, message):
    result, _, _ = suite(body)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([message])


def test_findings_about_the_docs_go_to_the_report_not_the_verdict(suite):
    _, _, document = suite(
        f"@pytest.mark.sessionapi_requirement({MUST_A!r})\n"
        "def test_x(sessionapi_conformance):\n"
        "    sessionapi_conformance.finding(MUST_A, 'the vendor example contradicts the prose')\n"
    )
    entry = document["apis"]["controlcenter"]
    assert entry["findings"] == [{"requirement": MUST_A, "text": "the vendor example contradicts the prose"}]
    assert entry["verdict"] == "incomplete"


def test_tests_of_apis_that_do_not_run_are_deselected(pytester):
    pytester.makepyfile(
        test_other="import pytest\npytestmark = pytest.mark.sessionapi('umts')\n"
        "@pytest.mark.sessionapi_requirement('UMTS-X')\ndef test_x():\n    pass\n"
    )
    result = pytester.runpytest_inprocess("--sessionapi-api=controlcenter", "-p", "no:cacheprovider")
    result.stdout.fnmatch_lines(["*1 deselected*"])
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED


def test_the_suites_of_apis_that_do_not_run_are_never_imported(pytester, monkeypatch):
    """A Control Center run does not pay for the UMTS suite's imports: its folder is not
    collected at all (a module that fails on import proves it was never opened)."""
    # The project's own ``suites`` package, imported by an earlier in-process test, would stand
    # in for this test's.
    for name in [n for n in sys.modules if n == "suites" or n.startswith("suites.")]:
        monkeypatch.delitem(sys.modules, name)
    pytester.makepyfile(**{
        "suites/__init__.py": "",
        "suites/conftest.py": "",
        "suites/controlcenter/__init__.py": "",
        "suites/controlcenter/test_cc.py": "import pytest\npytestmark = pytest.mark.sessionapi('controlcenter')\n"
        "@pytest.mark.sessionapi_requirement('CC-OK-STATUS')\ndef test_x():\n    pass\n",
        "suites/umts/__init__.py": "",
        "suites/umts/conftest.py": "raise ImportError('the UMTS suite was imported')\n",
        "suites/umts/test_umts.py": "raise ImportError('the UMTS suite was imported')\n",
    })
    result = pytester.runpytest_inprocess(
        "suites", "--sessionapi-api=controlcenter", "-p", "no:cacheprovider", "--co"
    )
    result.stdout.fnmatch_lines(["*1 test collected*"])
    assert "UMTS suite was imported" not in result.stdout.str()
    assert result.ret == pytest.ExitCode.OK
    everything = pytester.runpytest_inprocess("suites", "-p", "no:cacheprovider", "--co")
    assert "the UMTS suite was imported" in everything.stdout.str()


def test_exception_groups_fail_the_requirement_of_the_check(suite):
    """Schemathesis raises a BaseExceptionGroup; a soft check must still record it."""
    result, statuses, _ = suite(
        f"@pytest.mark.sessionapi_requirement({MUST_A!r}, {MUST_B!r})\n"
        "def test_x(sessionapi_conformance):\n"
        "    with sessionapi_conformance.check(MUST_A):\n"
        "        raise BaseExceptionGroup('found 2', [AssertionError('one'), ValueError('two')])\n"
        "    with sessionapi_conformance.check(MUST_B):\n"
        "        pass\n"
    )
    assert result.ret == 1
    assert statuses[MUST_A] == "fail" and statuses[MUST_B] == "pass"
    result.stdout.fnmatch_lines(["  found: one; ValueError: two"])


# -- one recorder API for a batch of verdicts -----------------------------------------------------


def test_a_batch_records_passes_failures_and_what_the_answer_could_not_judge(suite):
    result, statuses, document = suite(
        f"@pytest.mark.sessionapi_requirement({MUST_A!r}, {MUST_B!r}, {SHOULD!r})\n"
        "def test_x(sessionapi_conformance):\n"
        "    sessionapi_conformance.record_batch({MUST_A: None, SHOULD: 'only a SHOULD'}, not_judged='no body to judge')\n"
    )
    assert result.ret == 0
    assert (statuses[MUST_A], statuses[SHOULD], statuses[MUST_B]) == ("pass", "fail", "not-tested")
    messages = {r["id"]: r["messages"] for r in document["apis"]["controlcenter"]["requirements"]}
    assert messages[MUST_B] == ["no body to judge"]


HARD_BATCH = (
    f"@pytest.mark.sessionapi_requirement({MUST_A!r}, {MUST_B!r}, {SHOULD!r})\n"
    "def test_x(sessionapi_conformance):\n"
    "    try:\n"
    "        sessionapi_conformance.record_batch({SHOULD: 'should broke', MUST_A: 'first must', MUST_B: 'second must'}, hard=True)\n"
    "    except AssertionError as exc:\n"
    "        print('RAISED', exc.__sessionapi_requirement__)\n"
    "    else:\n"
    "        print('RAISED nothing')\n"
)


@pytest.mark.parametrize(
    ("args", "raised"),
    [([], MUST_A), (["--sessionapi-strict"], SHOULD)],
    ids=["lenient: the first MUST", "strict: the first failure"],
)
def test_a_hard_batch_raises_the_first_blocking_failure_after_recording_all(suite, args, raised):
    result, statuses, _ = suite(HARD_BATCH, "-s", *args)
    result.stdout.fnmatch_lines([f"*RAISED {raised}"])
    assert statuses[MUST_A] == statuses[MUST_B] == statuses[SHOULD] == "fail"


def test_a_hard_batch_never_raises_a_lenient_should_failure(suite):
    result, statuses, _ = suite(
        f"@pytest.mark.sessionapi_requirement({MUST_A!r}, {SHOULD!r})\n"
        "def test_x(sessionapi_conformance):\n"
        "    sessionapi_conformance.record_batch({SHOULD: 'should broke', MUST_A: None}, hard=True)\n"
    )
    assert result.ret == 0
    assert statuses[SHOULD] == "fail" and statuses[MUST_A] == "pass"


def test_stop_not_tested_reports_the_unjudged_requirements_not_tested(suite):
    result, statuses, document = suite(
        f"@pytest.mark.sessionapi_requirement({MUST_A!r}, {MUST_B!r})\n"
        "def test_x(sessionapi_conformance):\n"
        "    with sessionapi_conformance.check(MUST_A):\n"
        "        pass\n"
        "    sessionapi_conformance.stop_not_tested('the device is held by somebody else')\n"
    )
    assert result.ret == 0
    assert statuses[MUST_A] == "pass" and statuses[MUST_B] == "not-tested"
    messages = {r["id"]: r["messages"] for r in document["apis"]["controlcenter"]["requirements"]}
    assert messages[MUST_B] == ["the device is held by somebody else"]


def test_a_hard_check_raises_only_what_blocks_the_run(suite):
    body = (
        f"@pytest.mark.sessionapi_requirement({SHOULD!r}, {MUST_A!r})\n"
        "def test_x(sessionapi_conformance):\n"
        "    raised = []\n"
        "    for rid in (SHOULD, MUST_A):\n"
        "        try:\n"
        "            with sessionapi_conformance.check(rid, hard=True):\n"
        "                assert False, 'broken'\n"
        "        except AssertionError:\n"
        "            raised.append(rid)\n"
        "    print('RAISED', raised)\n"
    )
    lenient, statuses, _ = suite(body, "-s")
    assert f"RAISED [{MUST_A!r}]" in lenient.stdout.str()
    assert statuses[SHOULD] == statuses[MUST_A] == "fail"
    strict, _, _ = suite(body, "-s", "--sessionapi-strict")
    assert f"RAISED [{SHOULD!r}, {MUST_A!r}]" in strict.stdout.str()
