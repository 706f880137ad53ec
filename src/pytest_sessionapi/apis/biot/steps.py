"""The judged steps the BioT suites compose: send a request, judge the answer once with ``RULES``,
record the verdicts through the ``conformance`` fixture.

A PATCH means the same thing everywhere (example tests, Hypothesis bodies, the state machine, the
transition tour): :func:`judge_patch` sends it (tolerating the ``required`` conflict), judges the
answer with the PATCH oracle and the session or error rules, reads the session back and judges
that too. ``hard=True`` (inside Hypothesis) raises the first blocking failure after recording, so
Hypothesis shrinks it; the session and envelope rules stay soft, as every other answer's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpx

from pytest_sessionapi.rulebook import Answer, Verdicts

from .model import _KNOWN_ATTRIBUTES as DOCUMENTED_ATTRIBUTES
from .model import (
    MANDATORY,
    R_GET,
    R_REJECTED_NO_EFFECT,
    InvalidBody,
    PatchExpectation,
    SessionView,
    expect_patch,
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
    from pytest_sessionapi.traffic_judge import RecordedRequest

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
    expectation = expect_patch(before, outcome.body, now=sessions.now())
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
    here) once BIOT-STOP-DOCUMENTED's rule failed the session as read after every way to DONE the
    model allows was tried."""
    done = sessions.finish(session_id, reason)
    if done is not None:
        return done
    return sessions.judge_unended(session_id, conformance)


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
# Recorded traffic (``sessionapi judge``): the Asked the suite would have built, from the request
# and what the file showed of the session before it

ANSWERS_A_SESSION = ("createSessionByUsageType", "getSession", "updateSession")


@dataclass
class RecordedSession:
    """What the recorded traffic showed of one usage session it created, so far."""

    body: dict[str, Any]
    """The last answer that showed the whole session."""
    device: str
    read_back: ReadBack | None = None
    """The PATCH just before, for the GET right after it (BIOT-GET, BIOT-PATCH-REJECTED-NO-EFFECT)."""
    deleted: bool = False


def asked_of_recorded(request: RecordedRequest, answer: Answer, history: dict[str, Any]) -> Asked:
    """What the suite would have asked with ``request``, for the core judge to hold ``answer``
    to the whole rulebook; ``history`` is this API's bookkeeping of one file (the sessions it
    created).

    Every answer: a 2xx to a request for a session is a session; a 4xx an error envelope. On a
    session the file created: a PATCH is judged by the PATCH oracle against the session as the
    file last showed it (``expect_patch``: bounds, enums, transitions, stop data), at the moment
    the file says it was sent; the GET right after it must show what it did; a request through
    another device, or after the delete, must be refused as documented; a delete of a session
    that is not DONE is refused. A session the file did not create has an unknown state: only
    its answers' shapes are judged. (The create's echo and the delete of a DONE session are
    judged inline by the suite, not by a rule: from traffic they stay not-tested.)"""
    sessions: dict[str, RecordedSession] = history.setdefault("sessions", {})
    operation, device = request.operation, request.parameters["deviceId"]
    session_status = answer.status if answer.status in (200, 201) and operation in ANSWERS_A_SESSION else None
    sent = request.json
    body = answer.body
    if operation == "createSessionByUsageType":
        if session_status is not None and isinstance(body, dict) and isinstance(body.get("_id"), str):
            sessions[body["_id"]] = RecordedSession(body, device)
        return Asked(operation, sent=sent, session_status=session_status)
    seen = sessions.get(request.parameters["id"])
    if seen is None:
        return Asked(operation, sent=sent, session_status=session_status)
    read_back, seen.read_back = seen.read_back, None
    if device != seen.device:
        wrong = Refusal.of(409, "SESSION_WRONG_DEVICE_ID", deviceId=device)
        return Asked(operation, sent=sent, refusals={"BIOT-WRONG-DEVICE": wrong})
    if seen.deleted:
        gone = Refusal.of(404, "SESSION_NOT_FOUND", id=request.parameters["id"])
        return Asked(operation, sent=sent, refusals={"BIOT-SESSION-NOT-FOUND": gone})
    accepted = 200 <= answer.status < 300
    if operation == "getSession":
        if accepted and isinstance(body, dict):
            seen.body = body
        return Asked(operation, session_status=session_status, read_back=read_back)
    if operation == "deleteSession":
        seen.deleted = accepted
        if seen.body.get("_state") == "DONE":
            return Asked(operation)
        running = Refusal.of(409, "CANNOT_DELETE_NON_DONE_SESSION", state=seen.body.get("_state"))
        return Asked(operation, refusals={"BIOT-DELETE-NON-DONE": running})
    # updateSession: the oracle needs the instant it was sent ('not in the future'), and knows
    # only the documented attributes: a custom one is the template's, which traffic does not show.
    if request.at is None or not isinstance(sent, dict) or set(sent) - DOCUMENTED_ATTRIBUTES:
        return Asked(operation, sent=sent, session_status=session_status)
    expectation = expect_patch(SessionView.from_body(seen.body), sent, now=request.at)
    accepted_body = body if accepted and isinstance(body, dict) else None
    seen.read_back = ReadBack(expectation, accepted_body)
    if accepted_body is not None:
        seen.body = accepted_body
    return Asked(operation, sent=sent, session_status=session_status, expectation=expectation)
