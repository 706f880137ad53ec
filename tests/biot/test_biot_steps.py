"""The judged steps (steps.py) against the in-process reference and its variants, with the real
recorder: which requirements a PATCH, a refusal or a session answer records, and how."""

from __future__ import annotations

import pytest

from pytest_sessionapi.apis.biot import client as biot_client
from pytest_sessionapi.apis.biot.model import WRONG_TYPE, InvalidBody, SessionView, format_utc
from pytest_sessionapi.apis.biot.reference import EMBEDDED_TABLE
from pytest_sessionapi.apis.biot.rules import Refusal
from pytest_sessionapi.apis.biot.sessions import SuiteSessions
from pytest_sessionapi.apis.biot.steps import (
    finished,
    judge_invalid_body_refusal,
    judge_patch,
    judge_refusal,
    judge_session,
)
from pytest_sessionapi.config import embedded_target
from pytest_sessionapi.ledger import TestRecorder
from pytest_sessionapi.registry import get_api
from pytest_sessionapi.transport import exchange_log, open_client


@pytest.fixture
def make_sessions():
    opened = []

    def make(variant: str | None = None, declared: tuple[str, ...] = ()) -> tuple[SuiteSessions, TestRecorder]:
        target = embedded_target(get_api("biot"), variant)
        http = open_client(target, auth=biot_client.build_auth(target))
        opened.append((http, target))
        recorder = TestRecorder("tests/biot::steps", declared)
        sessions = SuiteSessions(
            biot_client.Client(http, target), EMBEDDED_TABLE["device_id"], EMBEDDED_TABLE["usage_type"],
            recorder=recorder,
        )
        return sessions, recorder

    yield make
    for http, target in opened:
        http.close()
        target.close()


def statuses(recorder: TestRecorder) -> dict[str, str]:
    return {rid: recorder.status_of(rid) for rid in recorder.observations}


def active(sessions: SuiteSessions) -> tuple[str, SessionView]:
    created = sessions.create()
    return created["_id"], SessionView.from_body(created)


def test_an_accepted_patch_records_the_oracle_the_session_rules_and_the_get(make_sessions):
    sessions, recorder = make_sessions()
    session_id, before = active(sessions)
    body = {"_startTime": format_utc(before.start), "_state": "ACTIVE", "_name": "renamed"}
    judged = judge_patch(recorder, sessions, session_id, before, body)
    assert judged.accepted and judged.current.name == "renamed" and judged.stored.name == "renamed"
    assert statuses(recorder) == dict.fromkeys(
        ["BIOT-RESPONSE-SCHEMA", "BIOT-DATETIME-UTC", "BIOT-PATCH-PARTIAL",
         "BIOT-TRANSITION-INFERRED-ALLOWED", "BIOT-GET", "BIOT-PATCH-NAME-LENGTH",
         "BIOT-PATCH-STATE-ENUM"], "pass",
    )
    sessions.retire_all()


def test_a_refused_patch_records_the_rule_it_breaks_the_envelope_and_no_effect(make_sessions):
    sessions, recorder = make_sessions()
    session_id, before = active(sessions)
    judged = judge_patch(recorder, sessions, session_id, before, {"_startTime": format_utc(before.start), "_state": "FINISHED"})
    assert not judged.accepted and judged.current == before
    assert statuses(recorder) == dict.fromkeys(
        ["BIOT-ERROR-ENVELOPE", "BIOT-ERROR-ENVELOPE-FIELDS", "BIOT-ERROR-DETAILS",
         "BIOT-PATCH-STATE-ENUM", "BIOT-PATCH-REJECTED-NO-EFFECT",
         "BIOT-REFUSAL-CODE", "BIOT-REFUSAL-CODE-CONDITION", "BIOT-ERROR-DETAILS-VALUES"], "pass",
    )
    sessions.retire_all()


def test_a_refused_patch_with_a_code_naming_another_condition_fails_only_that(make_sessions):
    sessions, recorder = make_sessions("refusal-codes-mismatched")
    session_id, before = active(sessions)
    judge_patch(recorder, sessions, session_id, before, {"_startTime": format_utc(before.start), "_state": "FINISHED"})
    assert [o.requirement.id for o in recorder.failures()] == ["BIOT-REFUSAL-CODE-CONDITION"]
    sessions.retire_all()


def test_an_omission_refused_and_repeated_complete_is_judged_on_both_answers(make_sessions):
    sessions, recorder = make_sessions("enforce-required")
    session_id, before = active(sessions)
    judged = judge_patch(recorder, sessions, session_id, before, {"_name": "renamed"})
    assert judged.outcome.refused_omission.status_code == 400 and judged.accepted
    assert recorder.status_of("BIOT-REQUIRED-CONFLICT") == "pass"
    # The omission alone was refused: its code names the missing attributes.
    assert recorder.status_of("BIOT-REFUSAL-CODE-CONDITION") == "pass"
    sessions.retire_all()


def test_a_refusal_of_an_invalid_body_is_judged_on_its_envelope_and_code(make_sessions):
    sessions, recorder = make_sessions("enforce-required")
    session_id, before = active(sessions)
    refused = sessions.patch(session_id, {"_name": "renamed"})
    assert refused.json()["code"] == "ATTRIBUTE_IS_MANDATORY"
    # A 400 ATTRIBUTE_IS_MANDATORY judged as the refusal of a body whose fault is a wrong type.
    judge_invalid_body_refusal(recorder, refused, "createSessionByUsageType", InvalidBody(WRONG_TYPE))
    assert [o.requirement.id for o in recorder.failures()] == ["BIOT-REFUSAL-CODE-CONDITION"]
    assert recorder.status_of("BIOT-ERROR-ENVELOPE") == "pass"
    sessions.retire_all()


def test_a_broken_rule_fails_its_own_requirement_and_hard_raises_it(make_sessions):
    sessions, recorder = make_sessions("state-enum-ignored")
    session_id, before = active(sessions)
    with pytest.raises(AssertionError, match="must be refused"):
        judge_patch(recorder, sessions, session_id, before,
                    {"_startTime": format_utc(before.start), "_state": "FINISHED"}, hard=True)
    assert [o.requirement.id for o in recorder.failures()] == ["BIOT-PATCH-STATE-ENUM"]
    sessions.retire_all()


def test_a_refused_patch_after_a_failed_get_is_not_tested_for_no_effect(make_sessions):
    sessions, recorder = make_sessions("get-returns-created")
    session_id, before = active(sessions)
    start = format_utc(before.start)
    renamed = judge_patch(recorder, sessions, session_id, before, {"_startTime": start, "_state": "ACTIVE", "_name": "x"})
    assert recorder.status_of("BIOT-GET") == "fail"
    judge_patch(recorder, sessions, session_id, renamed.current, {"_startTime": start, "_state": "FINISHED"})
    assert recorder.status_of("BIOT-PATCH-REJECTED-NO-EFFECT") == "not-tested"
    sessions.retire_all()


def test_a_documented_refusal_and_a_session_answer(make_sessions):
    sessions, recorder = make_sessions("not-found-generic")
    missing = sessions.get("00000000-0000-4000-8000-000000000000")
    judge_refusal(recorder, missing, "getSession", {
        "BIOT-SESSION-NOT-FOUND": Refusal.of(404, "SESSION_NOT_FOUND"),
    })
    assert statuses(recorder)["BIOT-SESSION-NOT-FOUND"] == "fail"
    assert statuses(recorder)["BIOT-ERROR-ENVELOPE"] == "pass"
    body = {"_startTime": format_utc(sessions.past()), "_state": "ACTIVE", "_name": "n"}
    created = judge_session(recorder, sessions.create_raw(body), 201, "createSessionByUsageType")
    assert created is not None and created["_name"] == "n"
    assert judge_session(recorder, sessions.get(created["_id"]), 201, "getSession") is None
    assert recorder.status_of("BIOT-RESPONSE-SCHEMA") == "fail"  # 200 where 201 was asked for
    sessions.retire_all()




def test_finished_is_judged_by_the_documented_stop_rule(make_sessions, monkeypatch):
    """A session brought to DONE for a test that needs it there records nothing; when no way to
    DONE the model allows worked (here: every attempt given up), BIOT-STOP-DOCUMENTED's rule fails
    the session as read afterwards (one way to fail, a RuleFailure), and the test gets None."""
    sessions, recorder = make_sessions()
    session_id, _ = active(sessions)
    assert finished(recorder, sessions, session_id).state == "DONE"
    assert not recorder.observations
    session_id, _ = active(sessions)
    monkeypatch.setattr(sessions, "finish", lambda *args: None)
    assert finished(recorder, sessions, session_id) is None
    assert recorder.status_of("BIOT-STOP-DOCUMENTED") == "fail"
    assert recorder.observations["BIOT-STOP-DOCUMENTED"][-1].message == (
        "the session after every PATCH sequence to DONE the model allows: _state is 'ACTIVE', expected 'DONE'"
    )


# --------------------------------------------------------------------------------------------
# SuiteSessions.reusing: a session a judged GET showed as created serves the next create


def sent(sessions: SuiteSessions) -> list[str]:
    log = exchange_log(sessions.client.http)
    return [f"{exchange.method} {exchange.url.rsplit('/', 1)[-1]}" for exchange in log.exchanges]


def test_a_session_a_refused_patch_left_as_created_serves_the_next_create(make_sessions):
    """Within reusing(), the session a refused PATCH left unchanged (its GET judged so) is kept by
    retire_all and handed to the next create: no stop, delete or create is sent for it; once
    the block is over, the one kept is retired."""
    sessions, recorder = make_sessions()
    refused = {"_state": "FINISHED"}
    with sessions.reusing():
        session_id, before = active(sessions)
        judge_patch(recorder, sessions, session_id, before, {**refused, "_startTime": format_utc(before.start)})
        assert sessions.retire_all() == []
        count = len(sent(sessions))
        again = sessions.create()
        assert again["_id"] == session_id and SessionView.from_body(again) == before
        assert len(sent(sessions)) == count  # nothing sent for it
        assert sessions.created == [session_id]
        sessions.retire_all()  # kept again: nothing was sent to it
        assert sessions.created == [session_id] and len(sent(sessions)) == count
    # Once the block is over, the spare is retired.
    assert sent(sessions)[-2:] == [f"PATCH {session_id}", f"DELETE {session_id}"]
    assert sessions.created == [] and sessions.get(session_id).status_code == 404
    assert recorder.status_of("BIOT-PATCH-REJECTED-NO-EFFECT") == "pass"


def test_a_session_left_other_than_created_or_after_a_failure_is_retired(make_sessions):
    """An accepted change (another name), or a refused one that still changed the session (a
    failure), leaves no session to reuse: each next create is a new session."""
    sessions, recorder = make_sessions()
    with sessions.reusing():
        session_id, before = active(sessions)
        judge_patch(recorder, sessions, session_id, before, {"_startTime": format_utc(before.start), "_state": "ACTIVE", "_name": "renamed"})
        sessions.retire_all()
        assert sessions.create()["_id"] != session_id
        sessions.retire_all()
    sessions, recorder = make_sessions("refused-patch-keeps-name")
    with sessions.reusing():
        session_id, before = active(sessions)
        judge_patch(recorder, sessions, session_id, before, {"_startTime": format_utc(before.start), "_state": "FINISHED", "_name": "kept"})
        assert recorder.status_of("BIOT-PATCH-REJECTED-NO-EFFECT") == "fail"
        sessions.retire_all()
        assert sessions.create()["_id"] != session_id
        sessions.retire_all()


def test_a_session_nothing_was_sent_to_is_kept_but_never_for_a_create_of_other_settings(make_sessions):
    """A session created and left alone is as created; a create of another state, start or name
    gets a new session of its own, the spare retired first (it holds the device)."""
    sessions, recorder = make_sessions()
    with sessions.reusing():
        session_id = sessions.create()["_id"]
        sessions.retire_all()
        assert sessions.create()["_id"] == session_id
        sessions.retire_all()
        named = sessions.create(name="pytest-sessionapi named")
        assert named["_id"] != session_id and sessions.get(session_id).status_code == 404
        sessions.retire_all()
    assert sessions.created == []
