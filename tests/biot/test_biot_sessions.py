"""BioT session bookkeeping without a server: what SuiteSessions tracks, how it ends and deletes
only its own sessions, and what it notes (never raises) when the clean-up fails."""

from __future__ import annotations

import uuid

import httpx
import pytest

from pytest_sessionapi.apis.biot.model import load_model
from pytest_sessionapi.apis.biot.sessions import SuiteSessions

DEVICE = "device1"
USAGE = "Monitoring"
REQUEST = httpx.Request("GET", "https://biot.test/device/v1")


def answer(status: int, body=None, *, content: bytes | None = None) -> httpx.Response:
    if content is not None:
        return httpx.Response(status, content=content, request=REQUEST)
    if body is None:
        return httpx.Response(status, request=REQUEST)
    return httpx.Response(status, json=body, request=REQUEST)


class FakeBioT:
    """A device's sessions in memory. PATCH follows the transition model, except the edges in
    ``refused_edges``; DELETE takes DONE sessions only, unless ``delete_status`` says otherwise."""

    def __init__(self) -> None:
        self.sessions: dict[str, dict] = {}
        self.refused_edges: set[tuple[str, str]] = set()
        self.delete_status: int | None = None
        self.create_answer: httpx.Response | None = None
        self.calls: list[tuple[str, str]] = []
        self.broken = False

    def _call(self, method: str, session_id: str) -> None:
        self.calls.append((method, session_id))
        if self.broken:
            raise httpx.ReadError("connection reset", request=REQUEST)

    def create_session_by_usage_type(self, device_id, usage_type, body):
        self._call("POST", "")
        if self.create_answer is not None:
            return self.create_answer
        session = {"_id": str(uuid.uuid4()), **body, "_device": {"id": device_id}}
        self.sessions[session["_id"]] = session
        return answer(201, session)

    def get_session(self, device_id, session_id):
        self._call("GET", session_id)
        if session_id not in self.sessions:
            return answer(404, {"code": "SESSION_NOT_FOUND"})
        return answer(200, self.sessions[session_id])

    def update_session(self, device_id, session_id, body=None):
        self._call("PATCH", session_id)
        session = self.sessions[session_id]
        edge = (session["_state"], body.get("_state", session["_state"]))
        if edge in self.refused_edges or not load_model().allowed(*edge):
            return answer(409, {"code": "SESSION_STATE_CHANGE_INVALID"})
        session.update(body)
        return answer(200, session)

    def delete_session(self, device_id, session_id):
        self._call("DELETE", session_id)
        session = self.sessions.get(session_id)
        if session is None:
            return answer(404, {"code": "SESSION_NOT_FOUND"})
        if self.delete_status is not None:
            return answer(self.delete_status, {"code": "REFUSED"})
        if session["_state"] != "DONE":
            return answer(409, {"code": "CANNOT_DELETE_NON_DONE_SESSION"})
        del self.sessions[session_id]
        return answer(204)


@pytest.fixture
def server() -> FakeBioT:
    return FakeBioT()


class StoppedNotTested(Exception):
    pass


class StoppedBusy(Exception):
    pass


class Recorder:
    """The part of the ``conformance`` fixture the bookkeeping uses."""

    def stop_not_tested(self, reason: str):
        raise StoppedNotTested(reason)

    def stop_target_busy(self, reason: str):
        raise StoppedBusy(reason)


@pytest.fixture
def sessions(server) -> SuiteSessions:
    return SuiteSessions(server, DEVICE, USAGE, recorder=Recorder())


def test_only_sessions_a_create_answered_are_tracked(server, sessions):
    first = sessions.create()
    server.create_answer = answer(400, {"code": "VALIDATION_FAILED"})
    sessions.create_raw({"_state": "ACTIVE"})
    server.create_answer = answer(201, content=b"<html>not json</html>")
    sessions.create_raw({"_state": "ACTIVE"})
    assert sessions.created == [first["_id"]]


def test_a_device_busy_with_someone_elses_session_is_a_setup_problem(server, sessions):
    server.create_answer = answer(409, {"code": "DEVICE_IN_SESSION_WITH_USAGE_TYPE"})
    with pytest.raises(StoppedBusy, match="this suite did not create.*close it"):
        sessions.create()
    assert sessions.created == []


def test_without_a_recorder_a_busy_device_is_an_error_of_the_test_not_a_skip(server):
    server.create_answer = answer(409, {"code": "DEVICE_IN_SESSION_WITH_USAGE_TYPE"})
    with pytest.raises(AssertionError, match="no recorder"):
        SuiteSessions(server, DEVICE, USAGE).create()


def test_a_refused_create_is_an_assertion_naming_the_answer(server, sessions):
    server.create_answer = answer(400, {"code": "VALIDATION_FAILED"})
    with pytest.raises(AssertionError, match="could not create a session .*400"):
        sessions.create()


def test_retire_all_ends_and_deletes_every_session_created_and_nothing_else(server, sessions):
    foreign = {"_id": "not-ours", "_state": "ACTIVE", "_startTime": "2026-01-01T00:00:00Z"}
    server.sessions["not-ours"] = dict(foreign)
    ids = [sessions.create()["_id"] for _ in range(2)]
    assert sessions.retire_all() == []
    assert set(server.sessions) == {"not-ours"} and server.sessions["not-ours"] == foreign
    assert all(session_id != "not-ours" for _, session_id in server.calls)
    assert sessions.created == [] and sessions.problems == []
    deleted = [session_id for method, session_id in server.calls if method == "DELETE"]
    assert deleted == ids[::-1]


def test_a_refused_direct_stop_ends_the_session_another_way_the_model_allows(server, sessions):
    server.refused_edges.add(("ACTIVE", "DONE"))
    sessions.create()
    assert sessions.retire_all() == []
    assert server.sessions == {}


def test_a_session_already_gone_needs_no_clean_up(server, sessions):
    session_id = sessions.create()["_id"]
    del server.sessions[session_id]
    assert sessions.retire_all() == []
    assert ("DELETE", session_id) not in server.calls


def test_a_refused_delete_is_noted_and_kept_for_the_fixtures_warning(server, sessions):
    session_id = sessions.create()["_id"]
    server.delete_status = 500
    problems = sessions.retire_all()
    assert len(problems) == 1 and problems[0].startswith(f"session {session_id} could not be deleted")
    server.delete_status = None
    sessions.create()
    assert sessions.retire_all() == []  # a later round (a Hypothesis example's) reports its own
    assert sessions.problems == problems  # the fixture still warns about the first


def test_a_session_that_cannot_reach_done_is_noted_judged_once_and_holds_the_device(server):
    """The documented stop refused from every state: the clean-up notes it, BIOT-STOP-DOCUMENTED's
    rule fails it once (the stop is documented: its refusal is nonconformance), and a create the
    device then refuses stops the test not-tested, naming the session: not somebody else's."""
    from pytest_sessionapi.ledger import TestRecorder
    from pytest_sessionapi.outcomes import NotTested

    recorder = TestRecorder("tests/biot::clean-up", ())
    sessions = SuiteSessions(server, DEVICE, USAGE, recorder=recorder)
    session_id = sessions.create()["_id"]
    server.refused_edges.update((state, "DONE") for state in ("ACTIVE", "PAUSED", "STOPPING"))
    problems = sessions.retire_all()
    assert problems[0] == f"session {session_id} could not be brought to DONE"
    assert session_id in server.sessions
    [refusal] = recorder.observations["BIOT-STOP-DOCUMENTED"]
    assert refusal.status == "fail"
    assert refusal.message == (
        "the session after every PATCH sequence to DONE the model allows (the documented stop of "
        "the ACTIVE session, with each stop code, was answered 409 SESSION_STATE_CHANGE_INVALID): "
        f"_state is {server.sessions[session_id]['_state']!r}, expected 'DONE'"
    )
    server.create_answer = answer(409, {"code": "DEVICE_IN_SESSION_WITH_USAGE_TYPE"})
    with pytest.raises(NotTested, match=rf"is held by session\(s\) {session_id} of this suite that the server"):
        sessions.create()
    sessions.created.append(session_id)
    sessions.retire_all()  # tried again, not judged again
    assert len(recorder.observations["BIOT-STOP-DOCUMENTED"]) == 1


def test_a_transport_failure_during_clean_up_is_noted_not_raised(server, sessions):
    session_id = sessions.create()["_id"]
    server.broken = True
    assert sessions.retire_all() == [f"session {session_id}: clean-up interrupted (connection reset)"]
