"""The suites' ids and clock come from the run's ``SuiteInputs`` (the ``sessionapi_inputs``
fixture), passed explicitly: recorded and replayed through its public seam, overridable in a
user's conftest, and never drawn by a suite or an API step from ``uuid`` or ``datetime`` itself."""

from __future__ import annotations

import ast
import shutil
import uuid
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

import pytest_sessionapi
from pytest_sessionapi.inputs import SuiteInputs
from tests.conftest import SUITES

APIS_DIR = Path(pytest_sessionapi.__file__).parent / "apis"

FIXED_ID = uuid.UUID("00000000-0000-4000-8000-00000000abcd")


def test_by_default_the_machines_values():
    inputs = SuiteInputs()
    first, second = inputs.uuid4(), inputs.uuid4()
    assert first != second and first.version == 4
    before = datetime.now(UTC)
    now = inputs.now()
    assert now.tzinfo is not None and now.utcoffset() == timedelta(0)
    assert before <= now <= datetime.now(UTC)


def test_a_supplier_sees_every_draw_and_decides_the_value():
    """What a recorder does (keeps what the source made) and a replayer (hands back its own)."""
    kept: list[tuple[str, str]] = []

    def recorder(kind, make):
        value = make()
        kept.append((kind, value))
        return value

    inputs = SuiteInputs(uuid4=lambda: FIXED_ID, now=lambda: datetime(2026, 1, 1, tzinfo=UTC))
    inputs.supply_from(recorder)
    assert inputs.uuid4() == FIXED_ID
    assert inputs.now() == datetime(2026, 1, 1, tzinfo=UTC)
    assert kept == [("uuid4", str(FIXED_ID)), ("now_utc", "2026-01-01T00:00:00+00:00")]
    recorded = iter(value for _, value in kept)
    inputs.supply_from(lambda kind, make: next(recorded))
    assert (inputs.uuid4(), inputs.now()) == (FIXED_ID, datetime(2026, 1, 1, tzinfo=UTC))
    inputs.supply_from(None)
    assert inputs.uuid4() == FIXED_ID


def test_inputs_with_other_sources_keep_the_runs_recording():
    """A conftest's ``sessionapi_inputs.using(...)``: other sources, still recorded and replayed,
    also when the recording plugs in after the override was made."""
    run = SuiteInputs()
    fixed = run.using(now=lambda: datetime(2030, 5, 1, 12, tzinfo=timezone(timedelta(hours=2))))
    assert fixed.now() == datetime(2030, 5, 1, 10, tzinfo=UTC)  # in UTC, whatever the source's zone
    seen: list[str] = []
    run.supply_from(lambda kind, make: seen.append(kind) or make())
    fixed.now()
    fixed.uuid4()
    assert seen == ["now_utc", "uuid4"]


def test_a_clock_without_a_zone_is_refused_with_the_reason():
    with pytest.raises(ValueError, match="without a UTC offset"):
        SuiteInputs(now=lambda: datetime(2026, 1, 1)).now()


# --------------------------------------------------------------------------------------------
# A user's conftest overriding the fixture


OVERRIDE = '''
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest

DRAWN = Path(__file__).parent / "drawn.txt"


@pytest.fixture(scope="session")
def sessionapi_inputs(sessionapi_inputs):
    def fixed_id():
        with DRAWN.open("a") as drawn:
            drawn.write("uuid4\\n")
        return uuid.UUID("{fixed_id}")

    return sessionapi_inputs.using(uuid4=fixed_id, now=lambda: datetime(2001, 1, 1, tzinfo=UTC))
'''


@pytest.fixture
def suites_with_a_users_conftest(pytester):
    """The suites in a project whose conftest overrides ``sessionapi_inputs``: fixed ids, and a
    clock stopped on 1 January 2001."""
    shutil.copytree(SUITES, pytester.path / "suites", ignore=shutil.ignore_patterns("__pycache__"))
    pytester.makeconftest(OVERRIDE.format(fixed_id=FIXED_ID))
    return pytester


def _run(pytester, api, selection):
    result = pytester.runpytest_inprocess(
        f"suites/{api}", f"--sessionapi-api={api}", "-k", selection, "-p", "no:cacheprovider",
        f"--sessionapi-report-dir={pytester.path / 'reports'}",
        "-W", "ignore::pytest.PytestAssertRewriteWarning",
    )
    import json

    report = json.loads((pytester.path / "reports" / "conformance.json").read_text(encoding="utf-8"))
    return result, {r["id"]: r["status"] for r in report["apis"][api]["requirements"]}


def test_a_users_fixed_ids_are_the_ones_the_suites_send(suites_with_a_users_conftest):
    pytester = suites_with_a_users_conftest
    result, statuses = _run(pytester, "umts", "test_unknown_session")
    assert result.ret == 0, result.stdout.str()
    assert statuses["UMTS-ERROR-UNKNOWN-SESSION"] == "pass"
    drawn = (pytester.path / "drawn.txt").read_text().split()
    assert drawn and set(drawn) == {"uuid4"}  # one unknown id per operation, all from the conftest


def test_a_users_clock_is_the_one_the_suites_send_and_judge_by(suites_with_a_users_conftest):
    """With the suites' clock in 2001, 'tomorrow' is 2 January 2001, a time the reference (on the
    machine's clock) accepts: the judge, on the suites' clock, expected TIME_IN_FUTURE."""
    result, statuses = _run(suites_with_a_users_conftest, "biot", "test_times_in_the_future_are_refused")
    assert result.ret == 1, result.stdout.str()
    assert statuses["BIOT-TIME-IN-FUTURE"] == "fail"
    assert "2001-01-02T00:00:00.000Z" in result.stdout.str()


# --------------------------------------------------------------------------------------------
# Nobody draws ids or time but the inputs


DRAWS_FROM_THE_MACHINE = {
    ("uuid", "uuid1"), ("uuid", "uuid4"), ("datetime", "now"), ("datetime", "utcnow"),
    ("datetime", "today"), ("date", "today"), ("time", "time"),
}
CLOCK_OF_A_JUDGE = {
    # Control Center's 'not in the future' rule reads the answer's own Date header, and the
    # machine's clock only for an answer without one (the in-process reference's).
    ("controlcenter/rules.py", "datetime.now"),
}


def _machine_draws(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    imported = {
        alias.asname or alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module == "uuid"
        for alias in node.names if alias.name in ("uuid1", "uuid4")
    }
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
            if (func.value.id, func.attr) in DRAWS_FROM_THE_MACHINE:
                found.append(f"{func.value.id}.{func.attr}")
        elif isinstance(func, ast.Name) and func.id in imported:
            found.append(func.id)
    return found


def _suite_code():
    """(file, its name in messages): the suites, and the API packages but their reference servers."""
    for path in sorted(SUITES.rglob("*.py")):
        yield path, path.relative_to(SUITES.parent).as_posix()
    for path in sorted(APIS_DIR.rglob("*.py")):
        where = path.relative_to(APIS_DIR)
        if "reference" not in where.parts:
            yield path, where.as_posix()


def test_no_suite_or_api_step_draws_ids_or_time_itself():
    """The reference servers are the endpoint and keep their own ids and clock; everything else
    takes them from ``sessionapi_inputs``, or a replay would send and judge other values."""
    offenders = {}
    for path, where in _suite_code():
        draws = [d for d in _machine_draws(path) if (where, d) not in CLOCK_OF_A_JUDGE]
        if draws:
            offenders[where] = draws
    assert offenders == {}


def test_the_pin_finds_a_draw_from_the_machine(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import uuid\nfrom uuid import uuid4 as fresh\nfrom datetime import datetime\n"
        "a = uuid.uuid4()\nb = fresh()\nc = datetime.now()\nd = inputs.uuid4()\n"
    )
    assert sorted(_machine_draws(sample)) == ["datetime.now", "fresh", "uuid.uuid4"]
