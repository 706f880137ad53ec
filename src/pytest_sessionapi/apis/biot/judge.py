"""One PATCH, judged end to end: send it (tolerating the ``required`` conflict), compare the answer
with the oracle, read the session back, and record every verdict under its own requirement.

Shared by the example tests, the Hypothesis tests and the state machine, so a PATCH means the same
thing everywhere. ``hard=True`` records through ``conformance.require`` (the failure propagates, for
Hypothesis to see and shrink); otherwise through ``conformance.check``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import httpx

from pytest_sessionapi.http_checks import describe

from . import checks
from .lifecycle import CLEANUP_REASON, PatchOutcome, SuiteSessions, is_envelope_400
from .rules import (
    R_GET,
    R_PARTIAL,
    R_REJECTED_NO_EFFECT,
    R_REQUIRED_CONFLICT,
    R_SUMMARY_MERGE,
    Finding,
    PatchExpectation,
    SessionView,
    expect_patch,
    judge_stored,
    omits_required,
)


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


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def record(
    conformance: Any, requirements: Iterable[str], findings: list[Finding], *, hard: bool
) -> None:
    """A verdict per requirement: fail with its findings' messages, else pass."""
    by_requirement: dict[str, list[str]] = {}
    for requirement in requirements:
        by_requirement.setdefault(requirement, [])
    for finding in findings:
        by_requirement.setdefault(finding.requirement, []).append(finding.message)
    conformance.record_batch(
        {rid: "; ".join(messages) if messages else None for rid, messages in by_requirement.items()},
        hard=hard,
    )


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
    findings: list[Finding] = []
    in_play: set[str] = set()

    if omits_required(body):
        in_play.add(R_REQUIRED_CONFLICT)
        first = outcome.refused_omission or outcome.response
        # 200 and a 400 envelope are the two conformant answers. A 4xx that the complete repeat
        # gets too is about something else in the PATCH (judged by the oracle below); a 5xx is
        # BIOT-NO-SERVER-ERROR's, whatever the body.
        repeated_alike = (
            outcome.refused_omission is not None
            and outcome.response.status_code == first.status_code
        )
        if not (
            first.status_code == 200
            or is_envelope_400(first)
            or first.status_code >= 500
            or (400 <= first.status_code < 500 and repeated_alike)
        ):
            findings.append(Finding(R_REQUIRED_CONFLICT, (
                f"a PATCH omitting _startTime/_state must be applied (200) or refused with a 400 "
                f"envelope; got {describe(first)}"
                + (f", while the complete PATCH got {outcome.response.status_code}"
                   if outcome.refused_omission is not None else "")
            )))

    expectation = expect_patch(before, outcome.body)
    response = outcome.response
    answer = _json(response)
    findings += expectation.judge(response.status_code, answer)
    in_play.update(v.requirement for v in expectation.violations)
    if not expectation.violations:
        in_play.add(R_PARTIAL)
    if expectation.transition is not None:
        in_play.add(expectation.transition.requirement)

    accepted = 200 <= response.status_code < 300
    if accepted and _keeps_unsent_summary(expectation):
        in_play.add(R_SUMMARY_MERGE)
    if accepted:
        checks.record_session_checks(conformance, response, 200)
    else:
        checks.record_error_checks(conformance, response, "updateSession")

    after: SessionView | None = None
    stored = sessions.get(session_id)
    if stored.status_code == 200 and isinstance(_json(stored), dict):
        after = SessionView.from_body(stored.json())
        accepted_body = answer if accepted and isinstance(answer, dict) else None
        if accepted_body is None and conformance.status_of(R_GET) == "fail":
            # GET already failed to show an accepted change: a difference now could be that
            # stale GET, not an effect of the refused PATCH. Nothing to judge the refusal on.
            conformance.record(
                R_REJECTED_NO_EFFECT, "not-tested",
                "GET does not show accepted changes (BIOT-GET failed), so a refused PATCH's "
                "effect cannot be read back",
            )
        else:
            in_play.add(R_GET if accepted_body is not None else R_REJECTED_NO_EFFECT)
            findings += judge_stored(expectation, accepted_body, after)
    else:
        requirement = R_GET
        in_play.add(requirement)
        findings.append(Finding(requirement, f"the session could not be read back: {describe(stored)}"))
    record(conformance, in_play, findings, hard=hard)
    # What the next PATCH is judged against: the server's own answer (a wrong GET is BIOT-GET's
    # business and must not make every later verdict wrong too).
    if accepted and isinstance(answer, dict):
        try:
            current = SessionView.from_body(answer)
        except AssertionError:
            current = after
    else:
        current = before
    return JudgedPatch(expectation, outcome, accepted, current, after)


def _keeps_unsent_summary(expectation: PatchExpectation) -> bool:
    """Whether the PATCH sent part of the summary while the session holds a summary attribute
    it did not send: only then does the answer show whether the summary was merged."""
    if not expectation.sent_summary_keys:
        return False
    stored = {
        "_stopReason": expectation.before.stop_reason,
        "_stopReasonCode": expectation.before.stop_reason_code,
    }
    return any(
        value is not None and key not in expectation.sent_summary_keys
        for key, value in stored.items()
    )


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
