"""The sessions the UMTS suite opens (sessions.py), without a server: bookkeeping, release, the
clean-up warning, and how a TBST1008 conflict is read."""

from __future__ import annotations

import warnings
from collections.abc import Callable

import httpx
import pytest

from pytest_sessionapi.apis.umts.sessions import (
    DeviceLog,
    SessionTracker,
    busy_device_problem,
    open_session,
)
from pytest_sessionapi.cleanup import CleanupIncomplete, warn_if_incomplete

BASE = "https://vmanage.test/dataservice/stream/device/umts"


def answer(status: int, body=None, *, path: str = "status/s") -> httpx.Response:
    request = httpx.Request("GET", f"{BASE}/{path}")
    if body is None:
        return httpx.Response(status, request=request)
    return httpx.Response(status, json=body, request=request)


def error(code: str) -> dict:
    return {"error": {"type": "error", "message": "m", "details": "d", "code": code}}


class FakeClient:
    """Answers each (operation, session id) from ``script``; records every call."""

    def __init__(self, script: Callable[[str, str], httpx.Response]) -> None:
        self.script = script
        self.calls: list[tuple[str, str]] = []
        self.created: list[dict] = []

    def operation(self, operation: str, session_id: str) -> httpx.Response:
        self.calls.append((operation, session_id))
        return self.script(operation, session_id)

    def status(self, session_id: str) -> httpx.Response:
        return self.operation("status", session_id)

    def create_raw(self, body: dict) -> httpx.Response:
        self.created.append(body)
        return self.script("create", "")


ACK = {"status": "success"}


# --- SessionTracker ------------------------------------------------------------------------------


def test_release_all_disables_each_tracked_session_newest_first():
    client = FakeClient(lambda op, sid: answer(200, ACK))
    tracker = SessionTracker(client)
    tracker.track("a")
    tracker.track("b")
    tracker.track("a")  # tracked once
    assert tracker.release_all() == []
    assert client.calls == [("disable", "b"), ("disable", "a")]
    assert tracker.open == [] and tracker.log.open == set() and tracker.log.released == 2
    assert tracker.problems == [] and tracker.unreleased == []


def test_a_running_trace_the_server_will_not_disable_is_stopped_first():
    def script(op, sid):
        if op == "disable" and ("stop", sid) not in client.calls:
            return answer(400, error("TBST9999"))
        return answer(200, ACK)

    client = FakeClient(script)
    tracker = SessionTracker(client)
    tracker.track("s")
    assert tracker.release("s") is True
    assert client.calls == [("disable", "s"), ("stop", "s"), ("disable", "s")]


def test_a_session_the_server_no_longer_knows_counts_as_released():
    client = FakeClient(lambda op, sid: answer(400, error("TBST1005")))
    tracker = SessionTracker(client)
    tracker.track("gone")
    assert tracker.release("gone") is True
    assert tracker.log.released == 1 and tracker.problems == []


def test_a_session_that_cannot_be_released_is_noted_without_its_body():
    body = {**error("TBST1008"), "JSessionId": "secret-cookie-value"}
    client = FakeClient(lambda op, sid: answer(500, body))
    tracker = SessionTracker(client)
    tracker.track("stuck")
    problems = tracker.release_all()
    assert problems == ["session stuck could not be disabled (stop then disable answered 500 TBST1008)"]
    assert tracker.unreleased == ["stuck"] and tracker.log.released == 0
    assert "secret-cookie-value" not in problems[0]


def test_a_transport_failure_during_release_is_noted_not_raised():
    def script(op, sid):
        raise httpx.ConnectError("connection refused", request=httpx.Request("GET", BASE))

    tracker = SessionTracker(FakeClient(script))
    tracker.track("s")
    assert tracker.release("s") is False
    assert tracker.problems == ["session s could not be disabled (stop then disable: could not connect (connection refused))"]


def test_release_all_returns_this_rounds_problems_and_keeps_every_one_for_the_warning():
    refused = {"first"}
    client = FakeClient(lambda op, sid: answer(400 if sid in refused else 200, ACK))
    tracker = SessionTracker(client)
    tracker.track("first")
    assert len(tracker.release_all()) == 1
    tracker.track("second")
    assert tracker.release_all() == []
    assert len(tracker.problems) == 1 and "first" in tracker.problems[0]


def test_forget_after_a_failed_release_does_not_count_it_released():
    tracker = SessionTracker(FakeClient(lambda op, sid: answer(200, ACK)))
    tracker.track("s")
    tracker.forget("s", released=False)
    assert tracker.log.released == 0 and tracker.open == []


# --- the clean-up warning, the same for every API -----------------------------------------------


def test_clean_up_problems_are_one_warning_naming_the_api_and_each_problem():
    with pytest.warns(CleanupIncomplete) as caught:
        warn_if_incomplete("umts", ["session a could not be disabled", "session b could not be disabled"])
    assert len(caught) == 1
    assert str(caught[0].message) == (
        "umts: clean-up incomplete, sessions the suite created may remain on the target: "
        "session a could not be disabled; session b could not be disabled"
    )


def test_no_problem_no_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warn_if_incomplete("umts", [])


# --- reading a create answer ------------------------------------------------------------------


def session(**fields) -> dict:
    return {"sessionId": "s", "requestStatus": "STOP", "status": "success", **fields}


def test_open_session_tracks_a_session_in_any_shape_and_counts_one_it_cannot_read():
    client = FakeClient(lambda op, sid: answer(200, [{"sessionId": "listed"}], path=""))
    tracker = SessionTracker(client)
    response, session_id = open_session(client, {"deviceUUID": "d"}, tracker)
    assert session_id == "listed" and tracker.open == ["listed"]
    client.script = lambda op, sid: answer(200, {"no": "id"}, path="")
    assert open_session(client, {"deviceUUID": "d"}, tracker)[1] is None
    assert tracker.log.lost == 1


def conflict() -> httpx.Response:
    return answer(400, error("TBST1008"), path="")


def test_busy_device_problem_reads_a_conflict_by_what_the_suite_did_to_the_device():
    log = DeviceLog()
    tracker = SessionTracker(FakeClient(lambda op, sid: answer(200, ACK)), log)
    assert busy_device_problem(answer(200, session(), path=""), tracker) is None
    assert busy_device_problem(answer(400, error("TBST1005"), path=""), tracker) is None
    assert busy_device_problem(conflict(), tracker) == "busy"  # the suite never held the device

    tracker.track("mine")
    assert busy_device_problem(conflict(), tracker) is None  # a real conflict with our session

    tracker.release_all()
    problem = busy_device_problem(conflict(), tracker)
    assert problem.startswith("the suite disabled each of the 1 session(s) it opened on the device")

    log.lost = 1
    assert busy_device_problem(conflict(), tracker) == "lost"
