"""The judged steps the BioT suites compose: send a request, judge the answer once with ``RULES``,
record the verdicts through the ``conformance`` fixture.

A PATCH means the same thing everywhere (example tests, Hypothesis bodies, the state machine, the
transition tour): :func:`judge_patch` sends it (tolerating the ``required`` conflict), judges the
answer with the PATCH oracle and the session or error rules, reads the session back and judges
that too. ``hard=True`` (inside Hypothesis) raises the first blocking failure after recording, so
Hypothesis shrinks it; the session and envelope rules stay soft, as every other answer's.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpx

from pytest_sessionapi.http_checks import parse_json
from pytest_sessionapi.rulebook import Answer, Verdicts

from .model import (
    MANDATORY,
    R_GET,
    R_REJECTED_NO_EFFECT,
    InvalidBody,
    PatchExpectation,
    SessionView,
    expect_patch,
    load_model,
    parse_instant,
    same_instant,
)
from .rules import (
    ERROR_REQUIREMENTS,
    Outcome,
    PATCH_ANSWER_REQUIREMENTS,
    REFUSAL_CODE_REQUIREMENTS,
    RULES,
    Asked,
    ReadBack,
    Refusal,
)
from .sessions import CLEANUP_REASON, PatchOutcome, SuiteSessions

if TYPE_CHECKING:
    from pytest_sessionapi.traffic_judge import RecordedExchange

# --------------------------------------------------------------------------------------------
# One answer: a session, an error, a documented refusal


def session_verdicts(answer: Answer, asked: Asked) -> Verdicts:
    """BIOT-RESPONSE-SCHEMA, then BIOT-DATETIME-UTC on an answer that is a session (a body that is
    no session at all has no date-times to judge)."""
    verdicts = RULES.judge(answer, asked, ("BIOT-RESPONSE-SCHEMA",))
    if "BIOT-RESPONSE-SCHEMA" in verdicts.passed:
        verdicts.merge(RULES.judge(answer, asked, ("BIOT-DATETIME-UTC",)))
    return verdicts


def error_verdicts(answer: Answer, asked: Asked) -> Verdicts:
    """BIOT-ERROR-ENVELOPE, then the envelope's attributes and details (-FIELDS, -DETAILS) on an
    error answer that is an envelope; nothing for an answer that is no error (that is the
    caller's requirement's failure, not these)."""
    verdicts = RULES.judge(answer, asked, ERROR_REQUIREMENTS[:1])
    if ERROR_REQUIREMENTS[0] in verdicts.passed:
        verdicts.merge(RULES.judge(answer, asked, ERROR_REQUIREMENTS[1:]))
    return verdicts


def judge_session(conformance: Any, response: httpx.Response, status: int, operation: str) -> dict[str, Any] | None:
    """Judge a session answer (the operation documents ``status``); the session, or None when
    the answer is none."""
    answer = Answer.from_httpx(response)
    verdicts = session_verdicts(answer, Asked(operation, session_status=status))
    conformance.record_batch(verdicts.results)
    body = answer.body
    return body if "BIOT-RESPONSE-SCHEMA" in verdicts.passed else None


def judge_error(conformance: Any, response: httpx.Response, operation: str) -> None:
    """Judge an error answer's envelope (no verdict on an answer that is no 4xx)."""
    conformance.record_batch(error_verdicts(Answer.from_httpx(response), Asked(operation)).results)


def judge_refusal(
    conformance: Any, response: httpx.Response, operation: str, refusals: Mapping[str, Refusal]
) -> Any:
    """Judge an answer the docs say must be a refusal: each requirement of ``refusals`` on its
    status, code and details, and the envelope rules; the decoded body (None: not JSON)."""
    answer = Answer.from_httpx(response)
    asked = Asked(operation, refusals=refusals)
    verdicts = RULES.judge(answer, asked, tuple(refusals)).merge(error_verdicts(answer, asked))
    conformance.record_batch(verdicts.results)
    return answer.body


def judge_outcome(
    conformance: Any,
    response: httpx.Response,
    operation: str,
    outcomes: Mapping[str, Outcome],
    *,
    session_status: int | None = None,
    sent: Any = None,
    invalid: InvalidBody | None = None,
) -> Any:
    """Judge a request of a sequence: each requirement of ``outcomes`` on what the request must
    lead to (its rule), then the answer's own form: a session's schema when ``session_status``
    is the status it came with, an error's envelope (and, with ``invalid``, the code of the
    refusal of a body sent as invalid). The decoded body (None: not JSON)."""
    answer = Answer.from_httpx(response)
    asked = Asked(operation, sent=sent, outcomes=outcomes, invalid_body=invalid)
    verdicts = RULES.judge(answer, asked, tuple(outcomes))
    if session_status is not None and answer.status == session_status:
        verdicts.merge(session_verdicts(answer, Asked(operation, session_status=session_status)))
    elif answer.is_client_error:
        verdicts.merge(error_verdicts(answer, asked))
        if invalid is not None:
            verdicts.merge(RULES.judge(answer, asked, REFUSAL_CODE_REQUIREMENTS))
    conformance.record_batch(verdicts.results)
    return answer.body


def judge_invalid_body_refusal(
    conformance: Any, response: httpx.Response, operation: str, invalid: InvalidBody, sent: Any = None
) -> Any:
    """Judge the refusal (4xx) of ``sent``, a body the suite sent as invalid outside the PATCH
    oracle: the envelope rules and its code against ``invalid`` (the codes naming what the body
    breaks, the attribute at fault); the decoded body (None: not JSON)."""
    answer = Answer.from_httpx(response)
    asked = Asked(operation, sent=sent, invalid_body=invalid)
    verdicts = error_verdicts(answer, asked).merge(RULES.judge(answer, asked, REFUSAL_CODE_REQUIREMENTS))
    conformance.record_batch(verdicts.results)
    return answer.body


# --------------------------------------------------------------------------------------------
# A PATCH, judged end to end


@dataclass
class JudgedPatch:
    expectation: PatchExpectation
    outcome: PatchOutcome
    accepted: bool
    current: SessionView | None
    """The session after the PATCH as the server answered it (the PATCH answer when accepted,
    the session before when refused): what the next PATCH is judged against."""
    stored: SessionView | None
    """The session as GET showed it afterwards (None when it could not be read)."""

    @property
    def after(self) -> SessionView | None:
        return self.current

    @property
    def response(self) -> httpx.Response:
        return self.outcome.response


def patch_verdicts(
    outcome: PatchOutcome, sent: Any, expectation: PatchExpectation, outcomes: Mapping[str, Outcome] | None = None
) -> Verdicts:
    """The PATCH oracle's verdicts on the answer, with the code of a refusal (and, when the suite
    repeated an omission of the required attributes complete, BIOT-REQUIRED-CONFLICT's on the
    first answer)."""
    verdicts = Verdicts()
    if outcome.refused_omission is not None:
        repeat = outcome.response.status_code
        # The omission was the only thing wrong when the complete repeat was accepted: a 400 for
        # it names the missing attribute ('Code : ATTRIBUTE_IS_MANDATORY, Details: [attributeName]').
        missing = frozenset(name for name in ("_startTime", "_state") if name not in sent)
        omission = (
            InvalidBody(MANDATORY, missing)
            if 200 <= repeat < 300 and outcome.refused_omission.status_code == 400 else None
        )
        first = Asked("updateSession", sent=sent, repeat_status=repeat, invalid_body=omission)
        verdicts.merge(RULES.judge(
            Answer.from_httpx(outcome.refused_omission), first,
            ("BIOT-REQUIRED-CONFLICT", *REFUSAL_CODE_REQUIREMENTS),
        ))
    asked = Asked("updateSession", sent=outcome.body, expectation=expectation, outcomes=outcomes or {})
    judged = dict.fromkeys((*PATCH_ANSWER_REQUIREMENTS, *REFUSAL_CODE_REQUIREMENTS, *(outcomes or {})))
    return verdicts.merge(RULES.judge(Answer.from_httpx(outcome.response), asked, tuple(judged)))


def judge_patch(
    conformance: Any,
    sessions: SuiteSessions,
    session_id: str,
    before: SessionView,
    body: dict[str, Any],
    *,
    hard: bool = False,
    outcomes: Mapping[str, Outcome] | None = None,
    read_back_outcomes: Mapping[str, Outcome] | None = None,
) -> JudgedPatch:
    """Send ``body`` to a session of ours stored as ``before`` and judge everything about it;
    ``outcomes``: what the scenario demands of the PATCH's answer beside the oracle (the
    documented stop is accepted and DONE), ``read_back_outcomes`` of the GET after it."""
    outcome = sessions.patch_tolerating_required(session_id, body, before)
    expectation = expect_patch(before, outcome.body)
    verdicts = patch_verdicts(outcome, body, expectation, outcomes or {})
    answer = Answer.from_httpx(outcome.response)
    accepted = 200 <= answer.status < 300
    if accepted:
        shape = session_verdicts(answer, Asked("updateSession", session_status=200))
    else:
        shape = error_verdicts(answer, Asked("updateSession"))
    conformance.record_batch(shape.results)

    answered = answer.body
    accepted_body = answered if accepted and isinstance(answered, dict) else None
    read = Answer.from_httpx(sessions.get(session_id))
    readable = read.status == 200 and isinstance(read.json, dict)
    stored = SessionView.from_body(read.json) if readable else None
    read_back = (R_GET, R_REJECTED_NO_EFFECT)
    if readable and accepted_body is None and conformance.status_of(R_GET) == "fail":
        # GET already failed to show an accepted change: a difference now could be that stale
        # GET, not an effect of the refused PATCH. Nothing to judge the refusal on.
        conformance.record(
            R_REJECTED_NO_EFFECT, "not-tested",
            "GET does not show accepted changes (BIOT-GET failed), so a refused PATCH's effect "
            "cannot be read back",
        )
        read_back = (R_GET,)
    read_asked = Asked("getSession", read_back=ReadBack(expectation, accepted_body), outcomes=read_back_outcomes or {})
    read_back = tuple(dict.fromkeys((*read_back, *(read_back_outcomes or {}))))
    verdicts.merge(RULES.judge(read, read_asked, read_back))
    conformance.record_batch(verdicts.results, hard=hard)
    # What the next PATCH is judged against: the server's own answer (a wrong GET is BIOT-GET's
    # business and must not make every later verdict wrong too).
    current = SessionView.from_body(accepted_body) if accepted_body is not None else before
    return JudgedPatch(expectation, outcome, accepted, current, stored)


# --------------------------------------------------------------------------------------------
# Steps a test needs before its own point


def finished(
    conformance: Any, sessions: SuiteSessions, session_id: str, reason: str = CLEANUP_REASON
) -> SessionView | None:
    """The session brought to DONE, for a test that needs it there; or None (the test stops
    here) once BIOT-STOP-DOCUMENTED is recorded failed: no way to DONE the model allows worked."""
    done = sessions.finish(session_id, reason)
    if done is None:
        conformance.record_batch(
            {"BIOT-STOP-DOCUMENTED": "no PATCH sequence the model allows brought the session to DONE"}
        )
    return done


def precondition(conformance: Any, ok: bool, message: str) -> bool:
    """For a step a test needs (e.g. a DONE session): True to go on; False to stop the test here
    because the reason was already recorded as a failure (the test then fails with exactly that
    requirement, and its other requirements are not reported as failed by it); otherwise the
    step failed for a reason nobody recorded, which is an error of the test itself."""
    if ok:
        return True
    if conformance.failures():
        return False
    raise AssertionError(message)


# --------------------------------------------------------------------------------------------
# Recorded traffic (``sessionapi judge``: the core reads the files and calls this)

RECORDED_OPERATIONS = {
    "GET": "getSession", "PATCH": "updateSession", "DELETE": "deleteSession",
    "POST": "createSessionByUsageType",
}
"""The operation a recorded request is, by its method (the recognised paths are create by usage
type, and get, PATCH and delete of one session)."""


@dataclass
class RecordedSession:
    """What the recorded traffic showed of one usage session it created, so far."""

    state: str | None = None
    body: dict[str, Any] | None = None
    """The last answer that showed the whole session."""
    patched: bool = False
    """That answer was an accepted PATCH (a GET after it must show the same)."""
    deleted: bool = False
    device: str = ""


def judge_recorded(exchanges: Iterable[RecordedExchange], conformance: Any) -> None:
    """The BioT exchanges of one recorded file, in the order they were made.

    Every answer: no 5xx; a success answer's schema and UTC date-times; an error's envelope, its
    fields and the documented details. Over the sequence of each session the traffic created:
    the create answer echoing what was sent, a GET showing what the last accepted PATCH showed,
    state changes against the transition model (DONE is final, the documented stop, the
    inferred edges), DELETE of DONE and non-DONE sessions, a session reached through another
    device, and a deleted session not found. A session the traffic did not create has an
    unknown state: only its answers' shapes are judged."""
    sessions: dict[str, RecordedSession] = {}
    for exchange in exchanges:
        response = exchange.response
        with conformance.check("BIOT-NO-SERVER-ERROR"):
            assert response.status_code < 500, f"{exchange.method} {exchange.url} answered {response.status_code}"
        operation = RECORDED_OPERATIONS.get(exchange.method, "getSession")
        body = None
        if 400 <= response.status_code < 500:
            judge_error(conformance, response, operation)
        elif response.status_code in (200, 201) and exchange.method in ("GET", "PATCH", "POST"):
            body = judge_session(conformance, response, response.status_code, operation)
        _judge_recorded_sequence(exchange, body, conformance, sessions)


def _recorded_json(content: bytes) -> Any:
    try:
        return parse_json(content)
    except ValueError:
        return None


def _recorded_code(response: httpx.Response) -> Any:
    body = _recorded_json(response.content)
    return body.get("code") if isinstance(body, dict) else None


def _judge_recorded_sequence(
    exchange: RecordedExchange, body: Any, conformance: Any, sessions: dict[str, RecordedSession]
) -> None:
    """One exchange in its session's sequence (``body``: the answer when it is a session)."""
    response = exchange.response
    device, rest = str(exchange.fields["device"]), str(exchange.fields["rest"])
    if rest.startswith("usage-type/"):
        if exchange.method == "POST" and response.status_code == 201 and isinstance(body, dict):
            _judge_recorded_create(exchange, body, device, conformance)
            if isinstance(body.get("_id"), str):
                sessions[body["_id"]] = RecordedSession(body.get("_state"), body, device=device)
        return
    seen = sessions.get(rest)
    if seen is None:
        return  # a session this traffic did not create: its state is unknown
    code = _recorded_code(response)
    if device != seen.device:
        with conformance.check("BIOT-WRONG-DEVICE"):
            assert response.status_code == 409 and code == "SESSION_WRONG_DEVICE_ID", (
                f"{exchange.method} of device {seen.device!r}'s session through device {device!r} answered "
                f"{response.status_code} {code!r}, not 409 SESSION_WRONG_DEVICE_ID"
            )
        return
    if seen.deleted:
        with conformance.check("BIOT-SESSION-NOT-FOUND"):
            assert response.status_code == 404 and code == "SESSION_NOT_FOUND", (
                f"{exchange.method} of a deleted session answered {response.status_code} {code!r}, "
                "not 404 SESSION_NOT_FOUND"
            )
        return
    if exchange.method == "GET" and response.status_code == 200 and isinstance(body, dict):
        if seen.patched and seen.body is not None:
            with conformance.check("BIOT-GET"):
                for key in ("_state", "_name", "_startTime", "_endTime"):
                    assert body.get(key) == seen.body.get(key), (
                        f"GET shows {key} {body.get(key)!r}; the accepted PATCH before it showed {seen.body.get(key)!r}"
                    )
        seen.state, seen.body, seen.patched = body.get("_state"), body, False
    elif exchange.method == "PATCH":
        _judge_recorded_patch(exchange, body, code, seen, conformance)
    elif exchange.method == "DELETE" and seen.state:
        _judge_recorded_delete(response, code, seen, conformance)


def _recorded_sent(exchange: RecordedExchange) -> dict[str, Any]:
    sent = _recorded_json(exchange.request_body) if exchange.request_body else None
    return sent if isinstance(sent, dict) else {}


def _judge_recorded_create(exchange: RecordedExchange, body: dict[str, Any], device: str, conformance: Any) -> None:
    """A 201 create answer echoes the state, name and start time sent, on the device of the
    path, initiated EXTERNAL."""
    sent = _recorded_sent(exchange)
    with conformance.check("BIOT-CREATE"):
        for key in ("_state", "_name"):
            if key in sent:
                assert body.get(key) == sent[key], f"created with {key} {sent[key]!r}, answered {body.get(key)!r}"
        if "_startTime" in sent:
            assert same_instant(parse_instant(body.get("_startTime")), parse_instant(sent["_startTime"])), (
                f"created with _startTime {sent['_startTime']!r}, answered {body.get('_startTime')!r}"
            )
        assert (body.get("_device") or {}).get("id") == device, (
            f"created on device {device!r}, answered _device {body.get('_device')!r}"
        )
        assert body.get("_initiator") == "EXTERNAL", f"_initiator is {body.get('_initiator')!r}, not EXTERNAL"


def _judge_recorded_patch(
    exchange: RecordedExchange, body: Any, code: Any, seen: RecordedSession, conformance: Any
) -> None:
    """A PATCH that asks for another state is accepted or refused as the transition model says
    (only an answer that is one of the two is judged: another error says nothing of the edge)."""
    target = _recorded_sent(exchange).get("_state")
    refused = exchange.response.status_code == 409 and code == "SESSION_STATE_CHANGE_INVALID"
    accepted = exchange.response.status_code == 200
    if isinstance(target, str) and seen.state and target != seen.state and (accepted or refused):
        transition = load_model().transition(seen.state, target)
        with conformance.check(transition.requirement):
            if transition.allowed:
                assert accepted, f"{transition.describe()}; the server refused it: {exchange.method} {exchange.url}"
            else:
                assert refused, f"{transition.describe()}; the server accepted it: {exchange.method} {exchange.url}"
    if accepted and isinstance(body, dict):
        seen.state, seen.body, seen.patched = body.get("_state"), body, True


def _judge_recorded_delete(response: httpx.Response, code: Any, seen: RecordedSession, conformance: Any) -> None:
    """DELETE removes a DONE session (204, no body) and refuses any other."""
    if seen.state == "DONE":
        with conformance.check("BIOT-DELETE"):
            assert response.status_code == 204 and not response.content, (
                f"deleting a DONE session answered {response.status_code} with {len(response.content)} bytes, "
                "not 204 with no body"
            )
    else:
        with conformance.check("BIOT-DELETE-NON-DONE"):
            assert response.status_code == 409 and code == "CANNOT_DELETE_NON_DONE_SESSION", (
                f"deleting a {seen.state} session answered {response.status_code} {code!r}, "
                "not 409 CANNOT_DELETE_NON_DONE_SESSION"
            )
    if 200 <= response.status_code < 300:
        seen.deleted = True
