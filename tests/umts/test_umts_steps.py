"""The judged steps of the UMTS suites (steps.py), without a server: each answer judged once and
recorded, the create step's busy-device reading, and the wait for a downloadable trace."""

from __future__ import annotations

import pytest

from pytest_sessionapi.apis.umts.model import Expect
from pytest_sessionapi.apis.umts.rules import Asked
from pytest_sessionapi.apis.umts.sessions import DeviceLog, SessionTracker
from pytest_sessionapi.apis.umts.steps import (
    CREATE_ANSWER,
    acknowledged,
    create_first,
    gone_session,
    judge,
    judged_status,
    poll_until_downloadable,
)
from pytest_sessionapi.ledger import TestRecorder
from pytest_sessionapi.policy import Policy
from tests.umts.test_umts_sessions import ACK, FakeClient, answer, error, session

DEVICE = "C8K-6dfe1f7c-7dc5-4891-bdb4-fb74e84882b7"
BODY = {"deviceUUID": DEVICE, "localColor": "lte", "remoteColor": "lte", "remoteSystem": "172.16.255.16"}


def recorder(*declared: str, strict: bool = False) -> TestRecorder:
    return TestRecorder("tests/umts::t", declared, Policy.of(strict))


def statuses(sessionapi_conformance: TestRecorder) -> dict[str, str]:
    return {rid: sessionapi_conformance.status_of(rid) for rid in sessionapi_conformance.observations}


def test_judge_records_each_verdict_once_and_nothing_for_rules_out_of_scope():
    sessionapi_conformance = recorder()
    asked = Asked("start", Expect.ACK, session_id="s")
    verdicts = judge(sessionapi_conformance, answer(200, {"status": "failure"}), asked,
                     ("UMTS-MEDIA-JSON", "UMTS-OP-ACK", "UMTS-DOWNLOAD-SHAPE"))
    assert statuses(sessionapi_conformance) == {"UMTS-MEDIA-JSON": "pass", "UMTS-OP-ACK": "fail"}
    assert list(verdicts.failures) == ["UMTS-OP-ACK"]
    assert [len(bucket) for bucket in sessionapi_conformance.observations.values()] == [1, 1]


def test_judge_hard_raises_a_blocking_failure_after_recording_everything():
    sessionapi_conformance = recorder()
    asked = Asked("status", Expect.SESSION, session_id="s", device_uuid=DEVICE)
    with pytest.raises(AssertionError, match="answered sessionId"):
        judge(sessionapi_conformance, answer(200, session(sessionId="other", status="ok")), asked,
              ("UMTS-STATUS-IDENTITY", "UMTS-SESSION-VALUES"), hard=True)
    assert statuses(sessionapi_conformance) == {"UMTS-STATUS-IDENTITY": "fail", "UMTS-SESSION-VALUES": "fail"}


def test_judge_hard_keeps_a_should_failure_soft_unless_strict():
    asked = Asked("status", Expect.SESSION, session_id="s")
    lenient = recorder()
    judge(lenient, answer(200, session(status="ok")), asked, ("UMTS-SESSION-VALUES",), hard=True)
    assert statuses(lenient) == {"UMTS-SESSION-VALUES": "fail"}
    with pytest.raises(AssertionError):
        judge(recorder(strict=True), answer(200, session(status="ok")), asked,
              ("UMTS-SESSION-VALUES",), hard=True)


def test_a_required_failure_stops_the_test_even_when_the_rest_is_recorded():
    sessionapi_conformance = recorder()
    asked = Asked("create", Expect.NEW_SESSION, device_uuid=DEVICE)
    with pytest.raises(AssertionError, match="array of 0 items"):
        judge(sessionapi_conformance, answer(200, [], path=""), asked, CREATE_ANSWER,
              required=("UMTS-CREATE-SESSION",))
    assert statuses(sessionapi_conformance) == {"UMTS-MEDIA-JSON": "pass", "UMTS-CREATE-SESSION": "fail"}
    assert len(sessionapi_conformance.observations["UMTS-CREATE-SESSION"]) == 1


def created(session_id: str = "new") -> FakeClient:
    payload = '{"deviceUUID": "%s", "sessionId": "%s"}' % (DEVICE, session_id)
    return FakeClient(lambda op, sid: answer(200, [{"sessionId": session_id, "uuid": DEVICE,
                                                   "payload": payload}], path=""))


def test_create_first_tracks_and_judges_the_create_answer_with_the_rules_asked():
    client = created()
    tracker = SessionTracker(client)
    sessionapi_conformance = recorder()
    response, session_id = create_first(sessionapi_conformance, client, BODY, tracker, judged=CREATE_ANSWER)
    assert session_id == "new" and tracker.open == ["new"] and client.created == [BODY]
    assert set(statuses(sessionapi_conformance).values()) == {"pass"}
    assert set(statuses(sessionapi_conformance)) == set(CREATE_ANSWER)
    # Asked for no rules, a create that opened its session is the test's means, not its point.
    quiet = recorder()
    create_first(quiet, created("other"), BODY, SessionTracker(client))
    assert quiet.observations == {}


def test_create_first_fails_a_200_without_a_session_id_in_any_test():
    client = FakeClient(lambda op, sid: answer(200, {"no": "id"}, path=""))
    tracker = SessionTracker(client)
    sessionapi_conformance = recorder()
    assert create_first(sessionapi_conformance, client, BODY, tracker)[1] is None
    assert statuses(sessionapi_conformance) == {"UMTS-MEDIA-JSON": "pass", "UMTS-CREATE-SESSION": "fail"}
    assert tracker.log.lost == 1


def test_create_first_on_a_device_somebody_else_holds_is_a_setup_problem():
    from pytest_sessionapi.outcomes import TargetBusy

    client = FakeClient(lambda op, sid: answer(400, error("TBST1008"), path=""))
    with pytest.raises(TargetBusy, match="already has an open trace session that this suite did not create"):
        create_first(recorder(), client, BODY, SessionTracker(client))


class LeftoverJournal:
    """A journal that still names an earlier run's session the preflight could not disable."""

    def open_ids(self) -> list[str]:
        return ["earlier-run-1"]


def test_create_first_on_a_device_an_earlier_runs_leftover_holds_names_it_as_the_suites_own():
    """Not "a session this suite did not create": the journal says it is the suite's own."""
    from pytest_sessionapi.outcomes import TargetBusy

    client = FakeClient(lambda op, sid: answer(400, error("TBST1008"), path=""))
    tracker = SessionTracker(client, journal=LeftoverJournal())
    with pytest.raises(TargetBusy) as stopped:
        create_first(recorder(), client, BODY, tracker)
    assert str(stopped.value) == (
        f"umts: device {DEVICE!r} is held by session(s) earlier-run-1 that an earlier run of this suite "
        "left open and the preflight could not disable; disable it (or name another device_uuid) "
        "and run again"
    )


def test_create_first_on_a_device_the_suite_freed_fails_disable_frees_device():
    client = FakeClient(lambda op, sid: answer(400, error("TBST1008"), path=""))
    log = DeviceLog(released=1)
    sessionapi_conformance = recorder()
    with pytest.raises(AssertionError, match="disabled each of the 1 session"):
        create_first(sessionapi_conformance, client, BODY, SessionTracker(client, log))
    assert sessionapi_conformance.status_of("UMTS-DISABLE-FREES-DEVICE") == "fail"


def test_judged_status_holds_the_answer_to_identity_session_rules_and_what_it_must_report():
    client = FakeClient(lambda op, sid: answer(200, session(sessionId=sid, requestStatus="STOP")))
    sessionapi_conformance = recorder()
    body = judged_status(sessionapi_conformance, client, "s", DEVICE, "after start", reports="START")
    assert body["sessionId"] == "s"
    assert sessionapi_conformance.status_of("UMTS-STATUS-IDENTITY") == "pass"
    assert sessionapi_conformance.status_of("UMTS-LIFECYCLE-START") == "fail"
    assert sessionapi_conformance.status_of("UMTS-LIFECYCLE-STOP") is None
    assert "status after start reports requestStatus 'STOP', not START" in \
        sessionapi_conformance.observations["UMTS-LIFECYCLE-START"][0].message


def test_acknowledged_says_whether_the_server_answered_success():
    sessionapi_conformance = recorder()
    assert acknowledged(sessionapi_conformance, FakeClient(lambda op, sid: answer(200, ACK)), "start", "s")
    assert not acknowledged(sessionapi_conformance, FakeClient(lambda op, sid: answer(400, error("X"))), "stop", "s")
    assert sessionapi_conformance.status_of("UMTS-OP-ACK") == "fail"


def test_gone_session_judges_the_error_the_situation_asks_for():
    sessionapi_conformance = recorder()
    client = FakeClient(lambda op, sid: answer(400, error("TBST1005")))
    gone_session(sessionapi_conformance, client, "start", "x", Expect.DISABLED_SESSION)
    assert statuses(sessionapi_conformance) == {
        "UMTS-MEDIA-JSON": "pass", "UMTS-DISABLE-INVALIDATES": "pass", "UMTS-ERROR-ENVELOPE": "pass"}
    gone_session(sessionapi_conformance, FakeClient(lambda op, sid: answer(404, None)), "status", "y",
                 Expect.UNKNOWN_SESSION)
    assert sessionapi_conformance.status_of("UMTS-ERROR-UNKNOWN-SESSION") == "fail"


# --- poll_until_downloadable --------------------------------------------------------------------


def polling(*bodies) -> FakeClient:
    queue = list(bodies)
    return FakeClient(lambda op, sid: queue.pop(0) if len(queue) > 1 else queue[0])


def test_polling_stops_when_status_reports_download_status():
    client = polling(answer(200, session()), answer(200, session()),
                     answer(200, session(download_status="success")))
    poll = poll_until_downloadable(client, "s", timeout_s=5, interval_s=0.001)
    assert poll.ready and not poll.failed and poll.problem is None
    assert poll.polls == 3 and poll.session["download_status"] == "success"


def test_a_trace_the_device_reports_failed_ends_the_wait_as_failed():
    client = polling(answer(200, session(status="failure", statusMessage="no route")))
    poll = poll_until_downloadable(client, "s", timeout_s=5, interval_s=0.001)
    assert poll.failed and not poll.ready and poll.polls == 1


def test_polling_gives_up_at_the_timeout_with_the_last_status():
    client = polling(answer(200, session()))
    poll = poll_until_downloadable(client, "s", timeout_s=0.05, interval_s=0.01)
    assert not poll.ready and not poll.failed and poll.problem is None
    assert poll.waited_s >= 0.05 and poll.polls >= 2 and poll.session == session()


def test_a_status_that_is_not_a_session_stops_the_wait_with_a_problem():
    client = polling(answer(200, session()), answer(400, error("TBST1005")))
    poll = poll_until_downloadable(client, "s", timeout_s=5, interval_s=0.001)
    assert not poll.ready and poll.polls == 2 and poll.session == session()
    assert poll.problem.startswith("status answered GET /dataservice/stream/device/umts/status/s -> 400")


