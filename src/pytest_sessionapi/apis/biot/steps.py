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
from typing import Any

import httpx

from pytest_sessionapi.rulebook import Answer, Verdicts

from .model import R_GET, R_REJECTED_NO_EFFECT, PatchExpectation, SessionView, expect_patch
from .rules import (
    ERROR_REQUIREMENTS,
    PATCH_ANSWER_REQUIREMENTS,
    RULES,
    Asked,
    ReadBack,
    Refusal,
    body_of,
)
from .sessions import CLEANUP_REASON, PatchOutcome, SuiteSessions

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
    body = body_of(answer)
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
    return body_of(answer)


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


def patch_verdicts(outcome: PatchOutcome, sent: Any, expectation: PatchExpectation) -> Verdicts:
    """The PATCH oracle's verdicts on the answer (and, when the suite repeated an omission of the
    required attributes complete, BIOT-REQUIRED-CONFLICT's on the first answer)."""
    verdicts = Verdicts()
    if outcome.refused_omission is not None:
        first = Asked("updateSession", sent=sent, repeat_status=outcome.response.status_code)
        verdicts.merge(RULES.judge(Answer.from_httpx(outcome.refused_omission), first, ("BIOT-REQUIRED-CONFLICT",)))
    asked = Asked("updateSession", sent=outcome.body, expectation=expectation)
    return verdicts.merge(RULES.judge(Answer.from_httpx(outcome.response), asked, PATCH_ANSWER_REQUIREMENTS))


def judge_patch(
    conformance: Any,
    sessions: SuiteSessions,
    session_id: str,
    before: SessionView,
    body: dict[str, Any],
    *,
    hard: bool = False,
) -> JudgedPatch:
    """Send ``body`` to a session of ours stored as ``before`` and judge everything about it."""
    outcome = sessions.patch_tolerating_required(session_id, body, before)
    expectation = expect_patch(before, outcome.body)
    verdicts = patch_verdicts(outcome, body, expectation)
    answer = Answer.from_httpx(outcome.response)
    accepted = 200 <= answer.status < 300
    if accepted:
        shape = session_verdicts(answer, Asked("updateSession", session_status=200))
    else:
        shape = error_verdicts(answer, Asked("updateSession"))
    conformance.record_batch(shape.results)

    answered = body_of(answer)
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
    verdicts.merge(RULES.judge(read, Asked("getSession", read_back=ReadBack(expectation, accepted_body)), read_back))
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
        with conformance.check("BIOT-STOP-DOCUMENTED"):
            raise AssertionError("no PATCH sequence the model allows brought the session to DONE")
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
