"""What the run found, requirement by requirement: the per-test recorder and the run's ledger."""

from __future__ import annotations

import warnings
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from typing import Any, Literal, NoReturn

from .outcomes import NotTested
from .policy import Policy
from .requirements import Requirement, api_of, find_requirement

Status = Literal["pass", "fail", "skip", "not-tested"]

# When one requirement is seen several times (many tests, many Hypothesis examples), a failure
# wins over a pass, a pass over a skip.
_PRECEDENCE: dict[str, int] = {"fail": 3, "pass": 2, "skip": 1, "not-tested": 0}

_MAX_MESSAGES = 5
_MAX_MESSAGE_CHARS = 2000


class SessionApiAdvisory(UserWarning):
    """A SHOULD-level requirement failed: reported, but it does not fail the run."""


class RequirementFailure(AssertionError):
    """One or more MUST requirements failed in a test."""


@dataclass
class Observation:
    requirement: Requirement
    status: Status
    nodeid: str
    message: str | None = None


@dataclass
class Finding:
    requirement: str
    text: str


def _clip(text: str) -> str:
    return text if len(text) <= _MAX_MESSAGE_CHARS else text[:_MAX_MESSAGE_CHARS] + " [...]"


def attributed_requirements(exc: BaseException) -> list[str]:
    """The requirement IDs ``sessionapi_conformance.require`` attached to ``exc`` (or to every exception of
    a group, as Hypothesis and Schemathesis raise them); empty when any part is unattributed."""
    if isinstance(exc, BaseExceptionGroup):
        found: list[str] = []
        for inner in exc.exceptions:
            ids = attributed_requirements(inner)
            if not ids:
                return []
            found.extend(i for i in ids if i not in found)
        return found
    requirement_id = getattr(exc, "__sessionapi_requirement__", None)
    return [requirement_id] if requirement_id else []


def describe_exception(exc: BaseException) -> str:
    from .transport import describe_transport_error

    try:
        import httpx

        if isinstance(exc, httpx.TransportError):
            return f"no usable answer: {describe_transport_error(exc)}"
    except ImportError:  # pragma: no cover - httpx is a dependency
        pass
    if isinstance(exc, BaseExceptionGroup):
        parts = [describe_exception(inner) for inner in exc.exceptions[:5]]
        more = len(exc.exceptions) - len(parts)
        return "; ".join(parts) + (f"; and {more} more" if more > 0 else "")
    if isinstance(exc, AssertionError):
        text = str(exc) or "assertion failed"
    else:
        text = f"{type(exc).__name__}: {exc}"
    return text.split("\nassert ")[0].strip()


# Schemathesis raises its FailureGroup as a BaseExceptionGroup; a group of ordinary errors is a
# failed judgement like any other, a group holding KeyboardInterrupt or an exit is not.
_JUDGING_ERRORS = (Exception, BaseExceptionGroup)


def _judging_error(exc: BaseException) -> bool:
    if isinstance(exc, BaseExceptionGroup):
        return all(_judging_error(inner) for inner in exc.exceptions)
    return isinstance(exc, Exception)


class TestRecorder:
    """The ``sessionapi_conformance`` fixture: what one test found, requirement by requirement."""

    __test__ = False  # not a test class, despite the name

    def __init__(self, nodeid: str, declared: tuple[str, ...], policy: Policy = Policy()) -> None:
        self.nodeid = nodeid
        self.declared = declared
        self.policy = policy
        """The run's :class:`~.policy.Policy`: it alone says which failure blocks (is raised, fails
        the test); a waived one is recorded, never raised."""
        self.observations: dict[str, list[Observation]] = {}
        self.findings: list[Finding] = []

    # -- recording -------------------------------------------------------------------------
    def record(self, requirement_id: str, status: Status, message: str | None = None) -> None:
        requirement = find_requirement(requirement_id)
        bucket = self.observations.setdefault(requirement_id, [])
        if status == "fail" or not any(o.status == status for o in bucket):
            if len([o for o in bucket if o.status == "fail"]) < _MAX_MESSAGES:
                bucket.append(
                    Observation(requirement, status, self.nodeid, _clip(message) if message else None)
                )

    @contextmanager
    def check(self, requirement_id: str, *, hard: bool = False) -> Iterator[None]:
        """Soft check: a failure is recorded against ``requirement_id`` and the test goes on.

        ``hard`` (inside Hypothesis or a state machine): when a failure of ``requirement_id``
        blocks the run (the policy says), it is raised as :meth:`require` raises it, so
        Hypothesis shrinks it; a lenient SHOULD failure stays soft and the search goes on."""
        find_requirement(requirement_id)  # an unknown ID is a bug in the suite: fail loudly
        if hard and self.policy.blocks(requirement_id):
            with self.require(requirement_id):
                yield
            return
        try:
            yield
        except _JUDGING_ERRORS as exc:  # any error judging the answer fails the requirement
            if not _judging_error(exc):
                raise
            self.record(requirement_id, "fail", describe_exception(exc))
        else:
            self.record(requirement_id, "pass")

    @contextmanager
    def require(self, requirement_id: str) -> Iterator[None]:
        """Hard check: records like :meth:`check`, then lets the failure propagate (for Hypothesis
        bodies and state machines, which must see the failure to shrink it)."""
        requirement = find_requirement(requirement_id)
        try:
            yield
        except _JUDGING_ERRORS as exc:
            if not _judging_error(exc):
                raise
            self.record(requirement_id, "fail", describe_exception(exc))
            exc.__sessionapi_requirement__ = requirement_id  # type: ignore[attr-defined]
            exc.add_note(requirement.headline())
            raise
        else:
            self.record(requirement_id, "pass")

    def discard(self, reason: str) -> None:
        """Forget what the test recorded and report its requirements not-tested: the run was
        interrupted while it ran, so none of it can be trusted."""
        self.observations.clear()
        self.settle_unrecorded("not-tested", reason)

    def record_batch(
        self,
        results: Mapping[str, str | None] | Iterable[tuple[str, str | None]],
        *,
        judged: Iterable[str] = (),
        not_judged: str | None = None,
        expected: Iterable[str] | None = None,
        hard: bool = False,
    ) -> None:
        """Record the verdicts of one answer, judged by a set of rules at once.

        ``results``: requirement -> None (met) or what was found (failed); the first finding of a
        requirement is kept. Requirements in ``judged`` without an entry pass: their rules ran and
        found nothing. With ``not_judged``, every requirement of ``expected`` (default: those the
        test declared) that neither names is recorded ``not-tested`` with that reason (the answer
        gave nothing to judge them on).

        ``hard`` (inside Hypothesis or a state machine): everything is recorded first, then the
        first failure that blocks the run (a MUST; any requirement under the strict profile; never
        a waived one) is raised through :meth:`require`, so Hypothesis shrinks it. A SHOULD failure
        of a lenient run is recorded and never raised: it cannot hide a MUST failure behind it.
        """
        found: dict[str, str | None] = {}
        for requirement_id, text in results.items() if isinstance(results, Mapping) else results:
            if found.get(requirement_id) is None:
                found[requirement_id] = text
        for requirement_id in judged:
            found.setdefault(requirement_id, None)
        if not_judged is not None:
            for requirement_id in self.declared if expected is None else expected:
                if requirement_id not in found:
                    self.record(requirement_id, "not-tested", not_judged)
        to_raise = None
        if hard:
            to_raise = next(
                (rid for rid, text in found.items() if text is not None and self.policy.blocks(rid)),
                None,
            )
        for requirement_id, text in sorted(found.items(), key=lambda item: item[1] is not None):
            if requirement_id == to_raise:
                continue
            if text is None:
                self.record(requirement_id, "pass")
            else:
                self.record(requirement_id, "fail", text)
        if to_raise is not None:
            with self.require(to_raise):
                raise AssertionError(found[to_raise])

    def stop_not_tested(self, reason: str) -> NoReturn:
        """Stop the test: what it had not judged yet is reported ``not-tested`` with ``reason``
        (the target lacks what the test needs: an entity, a free device). Never a failure."""
        raise NotTested(reason)

    def stop_target_busy(self, reason: str) -> NoReturn:
        """Stop the test: the entity the target names is held by something not the suite's (a
        session somebody else opened on the device). A setup problem: the API's verdict is
        ``error`` with ``reason``, its remaining tests are skipped, the exit status is 4."""
        from .outcomes import TargetBusy

        raise TargetBusy(reason)

    def finding(self, requirement_id: str, text: str) -> None:
        """A finding about the vendor documentation itself; never affects the verdict."""
        find_requirement(requirement_id)
        if not any(f.requirement == requirement_id and f.text == text for f in self.findings):
            self.findings.append(Finding(requirement_id, text))

    @property
    def strict(self) -> bool:
        """Whether SHOULD failures count (``--sessionapi-fail-on`` should or incomplete); suites
        may read it, e.g. to decide whether a deviation the docs leave open stops a scenario."""
        return self.policy.strict

    # -- outcome ---------------------------------------------------------------------------
    def status_of(self, requirement_id: str) -> Status | None:
        bucket = self.observations.get(requirement_id)
        if not bucket:
            return None
        return max((o.status for o in bucket), key=_PRECEDENCE.__getitem__)

    def settle_unrecorded(
        self, status: Status, message: str | None = None, only: Iterable[str] | None = None
    ) -> None:
        """Give every declared requirement (or each of ``only``) that recorded nothing ``status``:
        the test's own outcome, or ``not-tested`` from a test that could judge a requirement only
        if it happened to meet a case of it."""
        for requirement_id in self.declared if only is None else only:
            if self.status_of(requirement_id) is None:
                self.record(requirement_id, status, message)

    def failures(self) -> list[Observation]:
        return [o for bucket in self.observations.values() for o in bucket if o.status == "fail"]

    def blocking_failures(self) -> list[Observation]:
        return self.policy.blocking(self.failures())

    def failure_text(self, failures: list[Observation], shown: set[str] | None = None) -> str:
        """The failures, each with the statement and source the first time a run shows it; when
        ``shown`` already holds the requirement (an earlier test failed it), only what was found,
        so one fault reads as one failure per requirement, not a cascade of repeated text."""
        lines = []
        for observation in failures:
            requirement = observation.requirement
            if shown is not None and requirement.id in shown:
                lines.append(f"{requirement.id} ({requirement.level}) failed again (statement above)")
            else:
                lines.append(f"{requirement.id} ({requirement.level}) failed: {requirement.statement}")
                lines.append(f"  source: {requirement.source}")
                if shown is not None:
                    shown.add(requirement.id)
            if observation.message:
                message = observation.message.replace("\n", "\n    ")
                lines.append(f"  found: {message}")
        return "\n".join(lines)

    def warn_advisories(self, where: tuple[str, int] | None = None) -> None:
        """Warn of what failed without failing the test. ``where`` (the test's file, as the
        reports name it, and line) is where the warning is shown: never this module's line."""
        blocking = self.blocking_failures()
        # A waived MUST is not a SHOULD: it is said apart, as what the waiver accepted.
        waived = [o for o in self.failures() if o.requirement.id in self.policy.waived]
        advisory = [o for o in self.failures() if o not in blocking and o not in waived]
        for failures, heading in (
            (advisory, "SHOULD-level requirement(s) not met (reported, not failing the run)"),
            (waived, "waived requirement(s) failed (accepted by a waiver, not failing the run)"),
        ):
            if failures:
                filename, lineno = where or (self.nodeid.partition("::")[0], 1)
                warnings.warn_explicit(
                    SessionApiAdvisory(f"{heading}:\n" + self.failure_text(failures)),
                    SessionApiAdvisory, filename, lineno,
                )


@dataclass
class RequirementResult:
    requirement: Requirement
    status: Status = "not-tested"
    tests: list[str] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    waiver: Any = None
    """The waiver that accepts this failure for now (status ``fail`` stays what was found; the
    reports say ``waived``)."""

    # -- the one serialisation: conformance.json's status/tests/messages, and the xdist wire ----
    def to_dict(self) -> dict[str, Any]:
        return {"status": self.status, "tests": list(self.tests), "messages": list(self.messages)}

    @classmethod
    def from_dict(cls, requirement_id: str, data: Mapping[str, Any]) -> RequirementResult:
        return cls(find_requirement(requirement_id), data["status"], list(data["tests"]), list(data["messages"]))

    def merge(self, other: RequirementResult) -> None:
        """Add what another process found of the same requirement: statuses merge as within one
        run (a failure wins over a pass, a pass over a skip)."""
        for nodeid in other.tests:
            if nodeid not in self.tests:
                self.tests.append(nodeid)
        if _PRECEDENCE[other.status] > _PRECEDENCE[self.status]:
            self.status = other.status
            if other.status != "fail":
                self.messages = []
        if other.status == self.status:
            for message in other.messages:
                if message not in self.messages and len(self.messages) < _MAX_MESSAGES:
                    self.messages.append(message)


@dataclass
class RunFacts:
    """What happened to the run as a whole, beside the requirement statuses: how many suite tests
    there were and how many ran to the end, whether something cut the run short, and which APIs
    could not be set up. Merged across pytest-xdist workers like the statuses."""

    suite_tests: Counter[str] = field(default_factory=Counter)
    """Per API, the suite tests selected to run (in a parallel run, the largest count any worker
    collected: every worker collects the whole selection)."""
    tests_finished: Counter[str] = field(default_factory=Counter)
    """Per API, the suite tests that ran to their teardown."""
    stopped: list[str] = field(default_factory=list)
    """Why the run did not go to its end: Ctrl-C, -x/--maxfail, a crash, a worker that died."""
    setup_problems: dict[str, str] = field(default_factory=dict)
    """API -> the one line that says what to check (verdict ``error``): the preflight failed,
    or the endpoint stopped answering (the transport's breaker tripped)."""
    requests: Counter[str] = field(default_factory=Counter)
    resent: Counter[str] = field(default_factory=Counter)
    waited_s: dict[str, float] = field(default_factory=dict)
    """Per API, seconds spent waiting before re-sends (rate limits, gateway failures)."""
    tests_started: Counter[str] = field(default_factory=Counter)
    """Per API, the suite tests whose setup began: a run where none did (``--collect-only``, a
    ``-k`` that selects nothing) writes no report."""
    hypothesis: dict[str, Any] = field(default_factory=dict)
    """How the property-based tests generated their inputs (profile, derandomize, seed), so that
    a run can be repeated."""
    cut_short_tests: dict[str, list[str]] = field(default_factory=dict)
    """Per API, tests that did not run to their end although the run went on (a timeout)."""
    ctrl_c: bool = False
    """The user interrupted the run (the exit status is pytest's 2 even if something swallowed
    the KeyboardInterrupt)."""
    replay_gaps: dict[str, list[str]] = field(default_factory=dict)
    """Per API, what a replay could not replay (a cassette missing or run out): the API is
    ``incomplete`` with these lines, and the exit status is not 0."""

    def replay_gap(self, api: str, line: str) -> None:
        lines = self.replay_gaps.setdefault(api, [])
        if line not in lines:
            lines.append(line)

    def stop(self, reason: str) -> None:
        if reason not in self.stopped:
            self.stopped.append(reason)

    def interrupted_by_user(self) -> None:
        self.ctrl_c = True
        self.stop("Ctrl-C (KeyboardInterrupt)")

    def cut_short(self, api: str, reason: str) -> None:
        """One of ``api``'s tests did not run to its end (a per-test timeout)."""
        reasons = self.cut_short_tests.setdefault(api, [])
        if reason not in reasons:
            reasons.append(reason)

    def to_dict(self) -> dict[str, Any]:
        return {
            f.name: dict(value) if isinstance(value := getattr(self, f.name), Counter) else value
            for f in fields(self)
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RunFacts:
        facts = cls()
        for f in fields(cls):
            if f.name in data:
                kept = getattr(facts, f.name)
                setattr(facts, f.name, Counter(data[f.name]) if isinstance(kept, Counter) else data[f.name])
        return facts

    def merge(self, theirs: RunFacts) -> None:
        """Add another process's facts: counts add up (the selection is the largest any worker
        collected: each collects the whole of it), reasons and problems are kept once."""
        for api, count in theirs.suite_tests.items():
            self.suite_tests[api] = max(self.suite_tests[api], count)
        self.tests_finished.update(theirs.tests_finished)
        self.tests_started.update(theirs.tests_started)
        self.ctrl_c = self.ctrl_c or theirs.ctrl_c
        self.hypothesis = self.hypothesis or theirs.hypothesis
        for api, reasons in theirs.cut_short_tests.items():
            for reason in reasons:
                self.cut_short(api, reason)
        for reason in theirs.stopped:
            self.stop(reason)
        for api, line in theirs.setup_problems.items():
            self.setup_problems.setdefault(api, line)
        self.requests.update(theirs.requests)
        self.resent.update(theirs.resent)
        for api, lines in theirs.replay_gaps.items():
            for line in lines:
                self.replay_gap(api, line)
        for api, seconds in theirs.waited_s.items():
            self.waited_s[api] = round(self.waited_s.get(api, 0.0) + seconds, 3)

    def interruption(self, api: str | None = None) -> str | None:
        """``interrupted after 17 of 22 tests: Ctrl-C (KeyboardInterrupt)`` (of one API's tests,
        or of all), ``cut short: <test> timed out``, or None when the run went to its end."""
        apis = [api] if api is not None else list(self.suite_tests)
        finished = sum(self.tests_finished[name] for name in apis)
        selected = sum(self.suite_tests[name] for name in apis)
        parts = []
        if self.stopped:
            # Every API of an interrupted run, also one whose tests had all finished before the
            # interrupt: interrupted is never conformant (README, "Runs cut short").
            parts.append(f"interrupted after {finished} of {selected} tests: " + "; ".join(self.stopped))
        cut = [reason for name in apis for reason in self.cut_short_tests.get(name, [])]
        if cut:
            parts.append("cut short: " + "; ".join(cut))
        gaps = [line for name in apis for line in self.replay_gaps.get(name, [])]
        if gaps:
            parts.append("; ".join(gaps))
        return "; ".join(parts) or None


class Ledger:
    """Every observation of the run, merged per requirement."""

    def __init__(self) -> None:
        self.results: dict[str, RequirementResult] = {}
        self.findings: dict[str, list[Finding]] = {}
        self.apis_collected: set[str] = set()
        self.exit_status: int | None = None
        self.facts = RunFacts()

    def apply_waivers(self, waivers: Iterable[Any]) -> dict[str, list[tuple[Any, str]]]:
        """Mark each failure a waiver accepts; per API, every waiver with its state: ``applied``
        (it accepted a failure of this run) or ``stale`` (its requirement did not fail)."""
        states: dict[str, list[tuple[Any, str]]] = {}
        for waiver in waivers:
            result = self.results.get(waiver.requirement)
            applied = result is not None and result.status == "fail"
            if applied:
                result.waiver = waiver
            states.setdefault(waiver.api, []).append((waiver, "applied" if applied else "stale"))
        return states

    # -- the one serialisation: a pytest-xdist worker's ``workeroutput``, the ledger a judged
    # replay hands back, and (per requirement) conformance.json's status, tests and messages --
    def to_dict(self) -> dict[str, Any]:
        """A JSON-able copy of everything the reports are built from."""
        return {
            "results": {rid: r.to_dict() for rid, r in self.results.items()},
            "findings": [[f.requirement, f.text] for found in self.findings.values() for f in found],
            "apis_collected": sorted(self.apis_collected),
            "facts": self.facts.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Ledger:
        ledger = cls()
        ledger.results = {rid: RequirementResult.from_dict(rid, r) for rid, r in data["results"].items()}
        for requirement_id, text in data["findings"]:
            ledger.findings.setdefault(api_of(requirement_id) or "?", []).append(Finding(requirement_id, text))
        ledger.apis_collected = set(data["apis_collected"])
        ledger.facts = RunFacts.from_dict(data["facts"])
        return ledger

    def merge(self, other: Ledger) -> None:
        """Add another process's ledger (a pytest-xdist worker's, a judged replay's)."""
        for requirement_id, theirs in other.results.items():
            if requirement_id in self.results:
                self.results[requirement_id].merge(theirs)
            else:
                self.results[requirement_id] = RequirementResult(theirs.requirement)
                self.results[requirement_id].merge(theirs)
        for api, found in other.findings.items():
            known = self.findings.setdefault(api, [])
            known.extend(finding for finding in found if finding not in known)
        self.apis_collected.update(other.apis_collected)
        self.facts.merge(other.facts)

    def declare(self, requirement_id: str, nodeid: str) -> None:
        result = self.results.setdefault(
            requirement_id, RequirementResult(find_requirement(requirement_id))
        )
        if nodeid not in result.tests:
            result.tests.append(nodeid)
        api = api_of(requirement_id)
        if api:
            self.apis_collected.add(api)

    def absorb(self, recorder: TestRecorder) -> None:
        for requirement_id, bucket in recorder.observations.items():
            for observation in bucket:
                result = self.results.setdefault(
                    requirement_id, RequirementResult(observation.requirement)
                )
                if recorder.nodeid not in result.tests:
                    result.tests.append(recorder.nodeid)
                if _PRECEDENCE[observation.status] > _PRECEDENCE[result.status]:
                    result.status = observation.status
                if observation.status == "fail" and observation.message:
                    if len(result.messages) < _MAX_MESSAGES:
                        result.messages.append(f"{observation.nodeid}: {observation.message}")
                elif observation.status in ("skip", "not-tested") and observation.message:
                    if not result.messages and result.status == observation.status:
                        result.messages.append(observation.message)
        for finding in recorder.findings:
            api = api_of(finding.requirement) or "?"
            known = self.findings.setdefault(api, [])
            if finding not in known:
                known.append(finding)
        api = None
        for requirement_id in recorder.declared:
            api = api_of(requirement_id)
            if api:
                self.apis_collected.add(api)
