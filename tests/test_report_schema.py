"""``conformance.schema.json`` (JSON Schema draft 2020-12, shipped in the package) describes every
``conformance.json`` the plugin writes: a conformant run, a failing one, APIs not run, a setup
error, a run cut short by ``-x`` and by Ctrl-C, waived and out-of-selection requirements. And it
refuses a document that breaks the contract, so a consumer can rely on it."""

from __future__ import annotations

import copy
import json
import zipfile
from importlib import resources
from typing import Any

import jsonschema
import pytest

from tests.conftest import REPO

SCHEMA_FILE = "conformance.schema.json"


@pytest.fixture(scope="module")
def validator() -> Any:
    schema = json.loads((resources.files("pytest_sessionapi") / SCHEMA_FILE).read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


def problems(validator: Any, document: dict[str, Any]) -> list[str]:
    return sorted(
        f"/{'/'.join(map(str, error.absolute_path))}: {error.message}"
        for error in validator.iter_errors(document)
    )


def assert_valid(validator: Any, document: dict[str, Any]) -> None:
    assert problems(validator, document) == []


# -- every kind of run the plugin reports ----------------------------------------------------------


def test_a_conformant_run_of_every_api(run_suite, validator):
    run = run_suite(None)
    assert run.ret == 0, run.output()
    assert {entry["verdict"] for entry in run.report["apis"].values()} == {"conformant"}
    assert_valid(validator, run.report)


def test_a_failing_run_with_the_other_apis_not_run(run_suite, validator):
    run = run_suite("controlcenter", variant="unknown-iccid-empty-session")
    assert run.ret == 1, run.output()
    verdicts = {name: entry["verdict"] for name, entry in run.report["apis"].items()}
    assert verdicts == {"biot": "not-run", "controlcenter": "nonconformant", "umts": "not-run"}
    assert_valid(validator, run.report)


def test_a_should_failure_under_strict_and_a_run_cut_short(run_suite, validator):
    run = run_suite("biot", "--sessionapi-strict", "-x", variant="error-envelope-minimal")
    assert run.ret == 1, run.output()
    assert run.report["interrupted"] and run.report["strict"] is True
    assert run.api("biot")["verdict"] == "nonconformant"
    assert_valid(validator, run.report)


def test_a_setup_error(run_suite, validator):
    from pytest_sessionapi.apis.controlcenter.reference import API_KEY_ENV

    run = run_suite("controlcenter", over="http", env={API_KEY_ENV: "not-the-key-0451"})
    assert run.ret == 4, run.output()
    assert run.api("controlcenter")["verdict"] == "error"
    assert_valid(validator, run.report)


def test_requirements_outside_the_selection(run_suite, validator):
    run = run_suite("controlcenter", "--sessionapi-requirement=CC-ERR-UNKNOWN-ICCID")
    assert run.ret == 0, run.output()
    statuses = {r["status"] for r in run.api("controlcenter")["requirements"]}
    assert "not-run" in statuses and "pass" in statuses
    assert_valid(validator, run.report)


def test_a_waived_failure_and_a_stale_waiver(run_suite, validator, pytester):
    waivers = pytester.path / "waivers.toml"
    waivers.write_text(
        "[[waiver]]\napi = 'controlcenter'\nrequirement = 'CC-ERR-UNKNOWN-ICCID'\n"
        "reason = 'vendor ticket open'\nexpires = 2999-01-01\nticket = 'VND-1'\n\n"
        "[[waiver]]\napi = 'controlcenter'\nrequirement = 'CC-NO-SERVER-ERROR'\n"
        "reason = 'no longer needed'\nexpires = 2999-01-01\n"
    )
    run = run_suite(
        "controlcenter", f"--sessionapi-waivers={waivers}", variant="unknown-iccid-empty-session"
    )
    assert run.ret == 0, run.output()
    assert run.status("CC-ERR-UNKNOWN-ICCID") == "waived"
    assert {w["state"] for w in run.api("controlcenter")["waivers"]} == {"applied", "stale"}
    assert_valid(validator, run.report)


def test_a_run_interrupted_by_ctrl_c(pytester, validator):
    folder = pytester.path / "suites" / "controlcenter"
    folder.mkdir(parents=True)
    (folder / "test_tiny.py").write_text(
        "import os, signal, time\nimport pytest\n"
        "pytestmark = pytest.mark.sessionapi('controlcenter')\n\n"
        "@pytest.mark.sessionapi_requirement('CC-NO-SERVER-ERROR')\n"
        "def test_first(sessionapi_conformance):\n"
        "    with sessionapi_conformance.check('CC-NO-SERVER-ERROR'):\n"
        "        pass\n\n"
        "@pytest.mark.sessionapi_requirement('CC-ERR-UNKNOWN-ICCID')\n"
        "def test_second(sessionapi_conformance):\n"
        "    os.kill(os.getpid(), signal.SIGINT)\n"
        "    time.sleep(5)\n"
    )
    result = pytester.runpytest_subprocess("--sessionapi-api=controlcenter", "-p", "no:cacheprovider")
    assert result.ret == 2
    document = json.loads((pytester.path / "reports" / "conformance.json").read_text())
    assert document["interrupted"].endswith("Ctrl-C (KeyboardInterrupt)")
    assert document["apis"]["controlcenter"]["verdict"] == "incomplete"
    assert_valid(validator, document)


# -- what the schema refuses --------------------------------------------------------------------

EXAMPLE = REPO / "tests" / "report_examples" / "nonconformant.json"
"""A report the plugin wrote (a Control Center fault variant), its requirement list shortened; the
refusals below start from it, so each breaks one thing in a document that is otherwise valid."""


@pytest.fixture
def example() -> dict[str, Any]:
    return json.loads(EXAMPLE.read_text(encoding="utf-8"))


def test_the_kept_example_is_valid_and_may_carry_fields_added_later(example, validator):
    assert_valid(validator, example)
    extended = copy.deepcopy(example)
    extended["a_field_added_later"] = {"any": "shape"}
    extended["apis"]["controlcenter"]["a_field_added_later"] = 1
    extended["apis"]["controlcenter"]["requirements"][0]["a_field_added_later"] = []
    assert_valid(validator, extended)


def _break(document: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A copy of ``document`` with the value at ``path`` (``a/b/0/c``) replaced, or deleted when
    ``value`` is :data:`DELETE`."""
    broken = copy.deepcopy(document)
    *parents, last = path.split("/")
    node: Any = broken
    for key in parents:
        node = node[int(key)] if isinstance(node, list) else node[key]
    key: Any = int(last) if isinstance(node, list) else last
    if value is DELETE:
        del node[key]
    else:
        node[key] = value
    return broken


DELETE = object()
CC = "apis/controlcenter"
FIRST = f"{CC}/requirements/0"


@pytest.mark.parametrize(
    ("path", "value", "problem"),
    [
        ("schema_version", 2, "/schema_version: 1 was expected"),
        ("interrupted", DELETE, "/: 'interrupted' is a required property"),
        ("fail_on", "sometimes", "/fail_on: 'sometimes' is not one of ['must', 'should', 'incomplete']"),
        ("exit_status", "1", "/exit_status: '1' is not of type 'integer'"),
        ("started_at", "yesterday", "/started_at: 'yesterday' does not match"),
        (f"{CC}/verdict", "passed", "/apis/controlcenter/verdict: 'passed' is not one of"),
        (f"{CC}/summary", DELETE, "/apis/controlcenter: 'summary' is a required property"),
        (f"{CC}/tests/finished", -1, "/apis/controlcenter/tests/finished: -1 is less than the minimum of 0"),
        (f"{FIRST}/status", "ok", "/apis/controlcenter/requirements/0/status: 'ok' is not one of"),
        (f"{FIRST}/basis", "inferred", "/apis/controlcenter/requirements/0/basis: 'documented' was expected"),
        (f"{FIRST}/messages", DELETE, "/apis/controlcenter/requirements/0: 'messages' is a required property"),
        (f"{FIRST}/status", "waived", "/apis/controlcenter/requirements/0: 'waiver' is a required property"),
        (f"{FIRST}/id", "cc-lowercase", "/apis/controlcenter/requirements/0/id: 'cc-lowercase' does not match"),
        (f"{CC}/findings/0/text", DELETE, "/apis/controlcenter/findings/0: 'text' is a required property"),
    ],
    ids=lambda value: value if isinstance(value, str) and "/" not in value else None,
)
def test_a_document_that_breaks_the_contract_is_refused(example, validator, path, value, problem):
    assert example["apis"]["controlcenter"]["requirements"][0]["level"] == "MUST"
    found = problems(validator, _break(example, path, value))
    assert any(p.startswith(problem) for p in found), found


def test_an_error_verdict_must_say_why(example, validator):
    broken = copy.deepcopy(example)
    broken["apis"]["controlcenter"]["verdict"] = "error"
    broken["apis"]["controlcenter"].pop("verdict_reason", None)
    assert problems(validator, broken) == ["/apis/controlcenter: 'verdict_reason' is a required property"]


# -- shipped ----------------------------------------------------------------------------------------


def test_the_wheel_carries_the_schema(tmp_path):
    from hatchling.builders.wheel import WheelBuilder

    wheel = next(iter(WheelBuilder(str(REPO)).build(directory=str(tmp_path), versions=["standard"])))
    names = zipfile.ZipFile(wheel).namelist()
    assert f"pytest_sessionapi/{SCHEMA_FILE}" in names
    assert "pytest_sessionapi/html_report.py" in names
    assert any(name.endswith(".dist-info/licenses/LICENSE") for name in names), names[-8:]

