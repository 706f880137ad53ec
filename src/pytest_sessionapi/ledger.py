"""What the run found, requirement by requirement: the per-test recorder and the run's ledger."""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Literal

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
    """The requirement IDs ``conformance.require`` attached to ``exc`` (or to every exception of
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
    """The ``conformance`` fixture: what one test found, requirement by requirement."""

    __test__ = False  # not a test class, despite the name

    def __init__(self, nodeid: str, declared: tuple[str, ...], strict: bool = False) -> None:
        self.nodeid = nodeid
        self.declared = declared
        self.strict = strict
        """Whether SHOULD failures count (``--sessionapi-strict``); suites may read it, e.g. to
        decide whether a deviation the docs leave open stops a scenario."""
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
    def check(self, requirement_id: str) -> Iterator[None]:
        """Soft check: a failure is recorded against ``requirement_id`` and the test goes on."""
        find_requirement(requirement_id)  # an unknown ID is a bug in the suite: fail loudly
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

    def finding(self, requirement_id: str, text: str) -> None:
        """A finding about the vendor documentation itself; never affects the verdict."""
        find_requirement(requirement_id)
        if not any(f.requirement == requirement_id and f.text == text for f in self.findings):
            self.findings.append(Finding(requirement_id, text))

    def blocks(self, requirement_id: str) -> bool:
        """Whether a failure of ``requirement_id`` fails the run: a MUST, or anything in strict
        mode."""
        return self.strict or find_requirement(requirement_id).blocking

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

    def blocking_failures(self, strict: bool) -> list[Observation]:
        return [o for o in self.failures() if strict or o.requirement.blocking]

    def failure_text(self, failures: list[Observation]) -> str:
        lines = []
        for observation in failures:
            requirement = observation.requirement
            lines.append(f"{requirement.id} ({requirement.level}) failed: {requirement.statement}")
            lines.append(f"  source: {requirement.source}")
            if observation.message:
                message = observation.message.replace("\n", "\n    ")
                lines.append(f"  found: {message}")
        return "\n".join(lines)

    def warn_advisories(self, strict: bool) -> None:
        advisory = [o for o in self.failures() if not (strict or o.requirement.blocking)]
        if advisory:
            warnings.warn(
                SessionApiAdvisory(
                    "SHOULD-level requirement(s) not met (reported, not failing the run):\n"
                    + self.failure_text(advisory)
                ),
                stacklevel=1,
            )


@dataclass
class RequirementResult:
    requirement: Requirement
    status: Status = "not-tested"
    tests: list[str] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)


class Ledger:
    """Every observation of the run, merged per requirement."""

    def __init__(self) -> None:
        self.results: dict[str, RequirementResult] = {}
        self.findings: dict[str, list[Finding]] = {}
        self.apis_collected: set[str] = set()
        self.exit_status: int | None = None

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
