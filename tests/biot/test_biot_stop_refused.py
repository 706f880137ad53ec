"""A server that refuses every documented stop: its refusal is nonconformance (BIOT-STOP-DOCUMENTED),
never a setup error, wherever the suite meets it: in a test's clean-up, or on an earlier run's
leftover the next run must close. The sessions it could not end are said, not hidden; the tests the
held device keeps from running are not-tested."""

from __future__ import annotations

import httpx
import pytest

from pytest_sessionapi.apis.biot.reference.server import EMBEDDED_ENV, EMBEDDED_TABLE, create_app

REFUSED = "every-stop-refused"

FOUND = (
    "  found: the session after every PATCH sequence to DONE the model allows (the documented stop "
    "of the {state} session, with each stop code, was answered 409 SESSION_STATE_CHANGE_INVALID): "
    "_state is 'STOPPING', expected 'DONE'"
)
HELD = (
    "SKIPPED [[]*[]] *: device 'reference-device-1' is held by session(s) {session} of this suite "
    "that the server would not let end (see BIOT-STOP-DOCUMENTED and the clean-up warning)"
)


def _assert_nonconformant_by_the_refused_stop(run) -> None:
    assert run.ret == 1, run.output()[-3000:]
    assert run.report["exit_status"] == 1
    entry = run.api("biot")
    assert entry["verdict"] == "nonconformant"
    assert run.failed("biot") == ["BIOT-STOP-DOCUMENTED"]
    assert "did not create" not in run.output()
    assert run.status("BIOT-CREATE") == "not-tested"  # the held device kept its tests from running


def test_a_clean_up_stop_refused_fails_the_documented_stop_not_the_setup(run_suite):
    """The first test's clean-up meets the refusal: its teardown fails with BIOT-STOP-DOCUMENTED
    and the server's answer, the session left open is in the clean-up warning, and the run exits
    1 (nonconformant), not 4."""
    run = run_suite("biot", "-rs", variant=REFUSED)
    _assert_nonconformant_by_the_refused_stop(run)
    run.result.stdout.fnmatch_lines([
        "*ERROR at teardown of test_*",
        "BIOT-STOP-DOCUMENTED (MUST) failed: A device stops its ACTIVE session with the documented "
        "PATCH (_state DONE, _endTime, _summary._stopReason and _stopReasonCode): the answer is 200 "
        "and the session is DONE with that end time and stop data.",
        "*",
        FOUND.format(state="ACTIVE"),
    ])
    run.result.stdout.fnmatch_lines([
        "*CleanupIncomplete: biot: clean-up incomplete, sessions the suite created may remain on the "
        "target: session * could not be brought to DONE; session * could not be deleted: DELETE *"
        "-> 409 *CANNOT_DELETE_NON_DONE_SESSION*",
        "biot: nonconformant (*); failed: BIOT-STOP-DOCUMENTED",
        HELD.format(session="*"),
    ])


def test_an_earlier_runs_leftover_that_will_not_end_fails_the_documented_stop(run_suite, tmp_path, monkeypatch):
    """A served target with a session an earlier (killed) run left open, which the server will not
    let end: the preflight cannot close it, the first test's create meets it and judges the
    refusal; exit 1, the session named as held, not "somebody else's session" (exit 4)."""
    import tempfile

    from pytest_sessionapi.leftovers import Journal
    from pytest_sessionapi.serving import serving

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # a journal of this test's own
    app = create_app(REFUSED)
    with serving(app) as url:
        answer = httpx.post(
            f"{url}/device/v1/devices/{EMBEDDED_TABLE['device_id']}/usage-sessions/usage-type/"
            f"{EMBEDDED_TABLE['usage_type']}",
            json={"_startTime": "2026-01-01T00:00:00Z", "_state": "ACTIVE", "_name": "pytest-sessionapi 0123abcd"},
            headers={"Authorization": f"Bearer {EMBEDDED_ENV[EMBEDDED_TABLE['token_env']]}"},
        )
        assert answer.status_code == 201, answer.text
        left = answer.json()["_id"]
        journal = Journal("biot", url, EMBEDDED_TABLE["device_id"])
        journal.opened(left)  # as the killed run did
        run = run_suite("biot", "-rs", "-k", "test_create_by_usage_type_then_get or test_done_is_final",
                        over="http", base_url=url)
        assert app.state.reference.live_sessions() == [left]  # it would not end
    _assert_nonconformant_by_the_refused_stop(run)
    assert journal.open_ids() == [left]  # kept, for the next run to try again
    # The preflight's try left it STOPPING (ACTIVE -> STOPPING is allowed, the stop is not).
    run.result.stdout.fnmatch_lines([FOUND.format(state="STOPPING"), HELD.format(session=left)])
    run.result.stdout.fnmatch_lines(["_* test_done_is_final _*"])  # the first test to create


@pytest.mark.parametrize("variant", ["reject-documented-stop", None])
def test_a_clean_up_that_ends_its_session_another_way_judges_nothing(run_suite, variant):
    """Only a session no way to DONE ended is judged at clean-up: a server refusing ACTIVE -> DONE
    alone lets the clean-up end it through PAUSED, and the run fails only where the suite sends
    the documented stop on purpose."""
    run = run_suite("biot", "-k", "test_create_by_usage_type_then_get", variant=variant)
    assert run.ret == 0, run.output()[-3000:]
    assert "ERROR at teardown" not in run.output()
    assert run.failed("biot") == []
