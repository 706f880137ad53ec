"""The lifecycle model and its oracle (model.py): what the docs demand in each state."""

from __future__ import annotations

import pytest

from pytest_sessionapi.apis.umts.model import (
    DOCUMENTED,
    Expect,
    LifecycleModel,
    Phase,
    expect,
    expected_request_status,
    next_documented_step,
)
from pytest_sessionapi.apis.umts.models import OPERATIONS


def test_the_oracle_names_every_operation_in_every_phase():
    for phase in Phase:
        assert set(DOCUMENTED[phase]) == set(OPERATIONS) - {"status", "download"}


@pytest.mark.parametrize(
    ("phase", "documented"),
    [(Phase.CREATED, "start"), (Phase.RUNNING, "stop"), (Phase.STOPPED, "disable"), (Phase.UNCERTAIN, None)],
)
def test_one_documented_step_per_phase_the_rest_is_open(phase, documented):
    model = LifecycleModel()
    session = model.add("s")
    session.phase = phase
    for operation in ("start", "stop", "disable"):
        assert expect(operation, session) is (Expect.ACK if operation == documented else Expect.OPEN)
    assert expect("status", session) is Expect.SESSION
    assert expect("download", session) is Expect.OPEN
    session.downloadable = True
    assert expect("download", session) is Expect.DATA
    with pytest.raises(ValueError):
        expect("restart", session)


def test_lifecycle_model_documented_path():
    model = LifecycleModel()
    session = model.add("s")
    assert model.documented("start", session) and not model.documented("stop", session)
    assert next_documented_step(session) == "start"
    model.succeeded("start", session, documented=True)
    assert expected_request_status(session) == ("UMTS-LIFECYCLE-START", "START")
    assert next_documented_step(session) == "status"
    model.observed(session, "START", downloadable=False)
    assert expected_request_status(session) is None
    assert next_documented_step(session) == "stop"
    model.succeeded("stop", session, documented=True)
    assert expected_request_status(session) == ("UMTS-LIFECYCLE-STOP", "STOP")
    model.observed(session, "STOP", downloadable=True)
    assert model.documented("download", session) and model.documented("disable", session)
    assert next_documented_step(session) == "download"
    session.downloaded = True
    assert next_documented_step(session) == "disable"
    model.succeeded("disable", session, documented=True)
    assert model.live == {} and model.disabled == ["s"]


def test_lifecycle_model_stops_guessing_after_undocumented_success():
    model = LifecycleModel()
    session = model.add("s")
    model.succeeded("stop", session, documented=False)
    assert session.phase is Phase.UNCERTAIN and expected_request_status(session) is None
    assert not model.documented("start", session) and not model.documented("disable", session)
    assert next_documented_step(session) == "disable"


def test_lifecycle_model_trace_may_finish_by_itself_but_not_right_after_start():
    model = LifecycleModel()
    session = model.add("s")
    model.succeeded("start", session, documented=True)
    model.observed(session, "STOP", downloadable=False)
    assert session.phase is Phase.RUNNING  # right after the start: STOP is a failure, not news
    model.observed(session, "STOP", downloadable=True)
    assert session.phase is Phase.STOPPED and model.documented("download", session)


def test_an_undetermined_disable_leaves_the_session_maybe_gone_until_a_create_or_status_says():
    model = LifecycleModel()
    session = model.add("s")
    model.undetermined(session, "disable")
    assert session.may_be_gone and session.phase is Phase.UNCERTAIN
    assert model.certainly_live() == []
    model.gone(session)
    assert model.live == {} and model.disabled == ["s"]


def test_a_refusal_or_a_download_changes_no_phase():
    model = LifecycleModel()
    session = model.add("s")
    model.succeeded("start", session, documented=True)
    model.refused(session)
    assert session.phase is Phase.RUNNING and not session.just_started
    model.succeeded("download", session, documented=False)
    assert session.phase is Phase.RUNNING
