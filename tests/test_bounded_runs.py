"""Every run ends on its own (issue 19): against an endpoint that drips its answer a byte a second,
and against one that answers 429 forever, each API's run ends by itself, well within 3 minutes,
with verdict ``error``, a one-line reason and the report written.

The servers are hostile on purpose and listen on 127.0.0.1 only; ``timeout_s`` is small so that
the tests stay quick (the breaker's count, not the timeout, is what ends the run).
"""

from __future__ import annotations

import time

import pytest

from tests.loopback import answering, socket_server

APIS = ("controlcenter", "umts", "biot")

RATE_LIMITED = (
    b"HTTP/1.1 429 Too Many Requests\r\nContent-Type: application/json\r\nRetry-After: 0\r\n"
    b"Content-Length: 2\r\n\r\n{}"
)
DRIPPED = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"


def assert_ended_with_error(run, api: str, line: str, started: float) -> None:
    output = run.output()
    took = time.monotonic() - started
    assert took < 90, f"{api} took {took:.0f} s"
    assert run.ret == 4, output[-3000:]
    assert "INTERNALERROR" not in output and "Traceback" not in output, output[-3000:]
    entry = run.api(api)  # the report was written
    assert entry["verdict"] == "error", entry.get("verdict_reason")
    assert entry["verdict_reason"].startswith(f"{api}: the endpoint stopped answering: {line}")
    assert "\n" not in entry["verdict_reason"]
    assert not [r["id"] for r in entry["requirements"] if r["status"] == "fail" and "rate limit" in str(r)]


@pytest.mark.parametrize("api", APIS)
def test_an_endpoint_that_drips_a_byte_a_second_ends_the_run_by_itself(run_suite, api):
    with socket_server(answering(DRIPPED, drip_s=1.0)) as base_url:
        started = time.monotonic()
        run = run_suite(api, over="http", base_url=base_url, table={"timeout_s": 0.5})
    assert_ended_with_error(run, api, "3 exchanges in a row timed out after 0.5 s", started)


@pytest.mark.parametrize("api", APIS)
def test_an_endpoint_that_answers_429_forever_ends_the_run_by_itself(run_suite, api):
    with socket_server(answering(RATE_LIMITED)) as base_url:
        started = time.monotonic()
        run = run_suite(api, over="http", base_url=base_url, table={"timeout_s": 2})
    assert_ended_with_error(
        run, api, "3 exchanges in a row were still rate limited after every wait", started
    )
    entry = run.api(api)
    # A rate limit is not nonconformance: nothing failed, and the waits are in the report.
    assert [r["id"] for r in entry["requirements"] if r["status"] == "fail"] == []
    assert entry["rate_limit_wait_s"] == 0  # Retry-After: 0, honoured
    assert entry["resent_requests"] >= 3 * 4


def test_past_its_budget_an_api_is_incomplete_with_the_reason(run_suite):
    # Each answer takes about 0.4 s: a budget of 1 s runs out after the first few exchanges.
    slow = (
        b"HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"
    )
    with socket_server(answering(slow, drip_s=0.005)) as base_url:
        run = run_suite(
            "controlcenter", "--sessionapi-budget=1s", "-rs", over="http", base_url=base_url,
            table={"timeout_s": 5},
        )
    entry = run.api("controlcenter")
    assert entry["verdict"] in ("incomplete", "nonconformant"), entry.get("verdict_reason")
    reason = "the run-time budget of 1 s (--sessionapi-budget) was spent before every test had run"
    assert reason in entry["verdict_reason"]
    assert f"not run: {reason}" in run.output()


def test_a_budget_that_is_not_a_duration_is_a_usage_error(run_suite):
    run = run_suite("controlcenter", "--sessionapi-budget=soon")
    assert run.ret == 4
    run.result.stderr.fnmatch_lines(
        ["ERROR: --sessionapi-budget: 'soon' is not a duration (e.g. 90s, 10m, 1h30m)"]
    )


# -- soak: a finished run leaves nothing behind in the process ---------------------------------


RUNS_IN_ONE_PROCESS = """
import gc, sys, weakref
import pytest

configs = []


class Watch:
    def pytest_configure(self, config):
        configs.append(weakref.ref(config))


for _ in range(3):
    code = pytest.main([sys.argv[1], "--sessionapi-api=umts", "--sessionapi-report-dir=" + sys.argv[2],
                        "-p", "no:cacheprovider", "-q", "-k", "schemathesis"], plugins=[Watch()])
    assert code == 0, code
gc.collect()
# The first run imports the plugin's dependencies through its own import hook, which they keep
# (pytest's doing, once per process); the second run imports only the conftest modules afresh.
print("second run alive:", configs[1]() is not None)
"""


def test_a_finished_run_is_not_kept_alive_by_the_next_one(tmp_path):
    """Runs one after another in one process (the soak, certify, the judge's replays) must not
    keep each other alive: a run's config holds its session, every item and report and the
    suites' ledgers (about 4 MB a run of the three suites in benchmarks/soak.py). Hypothesis's
    cache of the modules it scanned for constants (each run's fresh conftest module holds that
    run's import hook, the hook its config) and the transport's module-level resources (through
    the resend observer) kept every finished run."""
    import subprocess
    import sys

    from tests.conftest import SUITES

    script = tmp_path / "runs.py"
    script.write_text(RUNS_IN_ONE_PROCESS)
    done = subprocess.run(
        [sys.executable, str(script), str(SUITES / "umts"), str(tmp_path / "reports")],
        capture_output=True, text=True, timeout=300, cwd=tmp_path,
    )
    assert "second run alive: False" in done.stdout, (done.stdout[-2000:], done.stderr[-2000:])


FROZEN_WHILE_RUNNING = """
import atexit, gc, sys
import pytest

# Registered first, so it runs last as the process exits.
atexit.register(lambda: print("at exit: frozen", gc.get_freeze_count() > 0, flush=True))


class Probe:
    def __init__(self):
        self.frozen = []

    def pytest_runtest_setup(self, item):
        self.frozen.append(gc.get_freeze_count())


suites, unrelated = Probe(), Probe()
code = pytest.main([sys.argv[1], "--sessionapi-api=umts", "--sessionapi-report-dir=" + sys.argv[2],
                    "-p", "no:cacheprovider", "-q", "-k", "unknown_operation"], plugins=[suites])
assert code == 0, code
print("suites: frozen while running", min(suites.frozen) > 0, "after", gc.get_freeze_count())
code = pytest.main([sys.argv[3], "-p", "no:cacheprovider", "-q"], plugins=[unrelated])
assert code == 0, code
print("unrelated: frozen while running", max(unrelated.frozen) > 0)
"""


def test_a_run_of_the_suites_keeps_the_collected_objects_from_the_collector_until_it_ends(tmp_path):
    """What is alive once the suites are collected lives as long as the run: a run of the suites
    hides it from the garbage collector (pytest's full collections at the end of the run cost a
    BioT run 0.1-0.2 s over it) and gives it back when it ends, for whatever the process does
    next; as the process exits, everything is hidden from the interpreter's last collections
    (0.25-0.35 s). An unrelated run is left alone."""
    import subprocess
    import sys

    from tests.conftest import SUITES

    script = tmp_path / "runs.py"
    script.write_text(FROZEN_WHILE_RUNNING)
    unrelated = tmp_path / "unrelated" / "test_nothing.py"
    unrelated.parent.mkdir()
    unrelated.write_text("def test_nothing():\n    pass\n")
    done = subprocess.run(
        [sys.executable, str(script), str(SUITES / "umts"), str(tmp_path / "reports"), str(unrelated)],
        capture_output=True, text=True, timeout=300, cwd=tmp_path,
    )
    assert "suites: frozen while running True after 0" in done.stdout, (done.stdout[-2000:], done.stderr[-2000:])
    assert "unrelated: frozen while running False" in done.stdout, done.stdout[-2000:]
    assert "at exit: frozen True" in done.stdout, done.stdout[-2000:]
