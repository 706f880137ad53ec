"""The BioT session model and its oracle: what the vendor's docs demand of an answer, as data where
possible.

- The transition model over the seven session states, read from ``model.toml`` (which changes of
  ``_state`` a conformant server accepts, and on what basis).
- Date-times: the one reader of written date-times (:func:`read_time`) and the wire form the suite
  sends.
- :class:`SessionView`, the attributes the PATCH rules are about.
- The PATCH oracle: given what the server stored before a PATCH and the body sent,
  :func:`expect_patch` says which answers are conformant and which requirement each wrong answer
  fails. The example tests, the Hypothesis bodies, the state machine and the Schemathesis test all
  judge through it (via ``rules.RULES``), so a rule is written once. The reference implementation
  does NOT use the oracle (it implements the rules on its own), so a mistake here shows up as a
  disagreement instead of hiding in both; it shares only the transition table and the date reader.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any, Literal

from .vendor_examples import VENDOR_REQUIRED

# --------------------------------------------------------------------------------------------
# The transition model (model.toml)

STATES: tuple[str, ...] = ("ACTIVE", "DONE", "PAUSED", "ACTIVATING", "PAUSING", "RESUMING", "STOPPING")

REQ_DOCUMENTED_EDGE = "BIOT-STOP-DOCUMENTED"
REQ_INFERRED_ALLOWED = "BIOT-TRANSITION-INFERRED-ALLOWED"
REQ_INFERRED_FORBIDDEN = "BIOT-TRANSITION-INFERRED-FORBIDDEN"
REQ_FINAL = "BIOT-DONE-FINAL"


@dataclass(frozen=True)
class Transition:
    current: str
    target: str
    allowed: bool
    basis: Literal["documented", "inferred"]
    source: str

    @property
    def requirement(self) -> str:
        """The requirement a server fails when it disagrees with this entry of the model: only
        documented edges and "DONE is final" are MUST."""
        if self.allowed:
            return REQ_DOCUMENTED_EDGE if self.basis == "documented" else REQ_INFERRED_ALLOWED
        return REQ_FINAL if self.basis == "documented" else REQ_INFERRED_FORBIDDEN

    def describe(self) -> str:
        verdict = "allowed" if self.allowed else "refused (409 SESSION_STATE_CHANGE_INVALID)"
        return f"{self.current} -> {self.target}: {verdict} [{self.basis}: {self.source}]"


@dataclass(frozen=True)
class TransitionModel:
    final_state: str
    final_source: str
    edges: dict[tuple[str, str], Transition]

    def transition(self, current: str, target: str) -> Transition:
        if (current, target) in self.edges:
            return self.edges[(current, target)]
        if current == self.final_state:
            return Transition(current, target, False, "documented", self.final_source)
        return Transition(
            current, target, False, "inferred",
            "not an edge of the model: no documented or inferred way between these states",
        )

    def allowed(self, current: str, target: str) -> bool:
        return self.transition(current, target).allowed

    def targets_from(self, current: str) -> list[str]:
        return [t for t in STATES if self.allowed(current, t)]

    def table(self) -> list[Transition]:
        return [self.transition(a, b) for a in STATES for b in STATES]


MODEL_PATH = Path(__file__).with_name("model.toml")


@cache
def load_model() -> TransitionModel:
    """The transition model of ``model.toml``, checked for unknown states, duplicate edges and
    edges out of the final state (the reference and the suite both read it)."""
    path = MODEL_PATH
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    final = data["final"]
    if final["state"] not in STATES:
        raise ValueError(f"{path}: final state {final['state']!r} is not a session state")
    edges: dict[tuple[str, str], Transition] = {}
    for entry in data["edge"]:
        current, target, basis = entry["from"], entry["to"], entry["basis"]
        if current not in STATES or target not in STATES:
            raise ValueError(f"{path}: edge {current} -> {target} names an unknown state")
        if basis not in ("documented", "inferred"):
            raise ValueError(f"{path}: edge {current} -> {target}: basis must be documented|inferred")
        if current == final["state"] and target != current:
            raise ValueError(f"{path}: edge {current} -> {target} leaves the final state")
        if (current, target) in edges:
            raise ValueError(f"{path}: duplicate edge {current} -> {target}")
        edges[(current, target)] = Transition(current, target, True, basis, entry["source"])
    return TransitionModel(final["state"], final["source"], edges)


# --------------------------------------------------------------------------------------------
# Constants of the catalogue

STOP_REASON_CODES: tuple[str, ...] = ("COMPLETION", "GENERAL_DEVICE_ERROR", "TIMEOUT")
RUNNING_STATES = frozenset({"ACTIVE", "PAUSED", "ACTIVATING", "PAUSING", "RESUMING"})
NAME_MIN, NAME_MAX = 1, 64
STOP_REASON_MAX = 128

FUTURE_MARGIN = timedelta(hours=1)
"""Clock-skew tolerance. The suite sends "future" times at least a day ahead and "past" times at
least this much behind its own clock, so a server whose clock is off by less than an hour, or that
tolerates up to a day of skew, is judged the same as a perfect one. Times within the margin of now
are never sent; the oracle refuses to judge them."""

# Requirement IDs (the catalogue, requirements.toml, is the authority on their wording).
R_STATE_ENUM = "BIOT-PATCH-STATE-ENUM"
R_CODE_ENUM = "BIOT-PATCH-STOP-REASON-CODE-ENUM"
R_NAME_LENGTH = "BIOT-PATCH-NAME-LENGTH"
R_REASON_LENGTH = "BIOT-PATCH-STOP-REASON-LENGTH"
R_DATETIME_FORMAT = "BIOT-PATCH-DATETIME-FORMAT"
R_TIME_IN_FUTURE = "BIOT-TIME-IN-FUTURE"
R_START_AFTER_END = "BIOT-START-AFTER-END"
R_END_TIME_STATE = "BIOT-END-TIME-STATE"
R_STOP_DATA_NULL = "BIOT-STOP-DATA-NULL-DONE"
R_STOP_DATA_NON_DONE = "BIOT-STOP-DATA-NON-DONE"
R_PARTIAL = "BIOT-PATCH-PARTIAL"
R_SUMMARY_MERGE = "BIOT-PATCH-SUMMARY-MERGE"
R_REJECTED_NO_EFFECT = "BIOT-PATCH-REJECTED-NO-EFFECT"
R_GET = "BIOT-GET"
R_REQUIRED_CONFLICT = "BIOT-REQUIRED-CONFLICT"
R_TYPES = "BIOT-PATCH-TYPES"
R_NO_SERVER_ERROR = "BIOT-NO-SERVER-ERROR"

ORACLE_REQUIREMENTS: tuple[str, ...] = (
    R_STATE_ENUM, R_CODE_ENUM, R_NAME_LENGTH, R_REASON_LENGTH, R_DATETIME_FORMAT, R_TIME_IN_FUTURE,
    R_START_AFTER_END, R_END_TIME_STATE, R_STOP_DATA_NULL, R_STOP_DATA_NON_DONE, R_PARTIAL,
    R_SUMMARY_MERGE, R_TYPES, REQ_DOCUMENTED_EDGE, REQ_INFERRED_ALLOWED, REQ_INFERRED_FORBIDDEN,
    REQ_FINAL,
)
"""Every requirement the PATCH oracle can find broken by a PATCH answer (besides
BIOT-REQUIRED-CONFLICT and BIOT-NO-SERVER-ERROR, whose rules judge more than the oracle)."""

# The code each semantic rule is documented with (PATCH 400/409 lists in the vendor document).
RULE_CODES: dict[str, str] = {
    R_TIME_IN_FUTURE: "TIME_IN_FUTURE",
    R_START_AFTER_END: "START_TIME_AFTER_END_TIME",
    R_END_TIME_STATE: "END_TIME_VALUE_INVALID_FOR_SESSION_STATE",
    R_STOP_DATA_NULL: "STOP_DATA_NULL_FOR_DONE_SESSION",
    R_STOP_DATA_NON_DONE: "STOP_DATA_NOT_NULL_FOR_NON_DONE_SESSION",
}
STATE_CHANGE_INVALID = "SESSION_STATE_CHANGE_INVALID"
_ENUM_REQUIREMENTS = frozenset({R_STATE_ENUM, R_CODE_ENUM})
NOT_IN_ENUM_CODE = frozenset({"SELECT_ATTRIBUTE_INVALID_VALUE"})
"""The one listed code whose name says a value is outside an enum (the conversion codes name a
wrong type as much as a wrong value, so they do not single out an enum)."""


def _shown(value: Any) -> str:
    text = json.dumps(value)
    return text if len(text) <= 40 else f"{text[:37]}...\" ({len(value)} characters)"


# --------------------------------------------------------------------------------------------
# Date-times: one reader for every written date-time (answers, bodies, the reference's input)

_WRITTEN_TIME = re.compile(
    r"^(\d{4}-\d{2}-\d{2})([Tt])(\d{2}:\d{2}:\d{2})(\.\d+)?([Zz]|[+-]\d{2}:?\d{2})$"
)
_ZERO_OFFSET = re.compile(r"^[+-]00:?00$")


@dataclass(frozen=True)
class WrittenTime:
    """A date-time as written: the instant it names and the form it is written in, so that each
    reader decides which forms it accepts (the documented UTC form, RFC 3339, ...)."""

    instant: datetime | None
    """In UTC; None when the text is shaped like a date-time but names no moment (hour 25, a leap
    second, the 31st of February)."""
    separator: str
    """'T' or 't'."""
    fraction_digits: int
    zone: str
    """As written: 'Z', 'z', '+02:00', '+0200'."""

    @property
    def upper_case(self) -> bool:
        return self.separator == "T" and self.zone != "z"

    @property
    def rfc3339(self) -> bool:
        """RFC 3339 (ISO-8601-compatible): either letter case, an offset with its colon."""
        return self.zone in ("Z", "z") or ":" in self.zone

    @property
    def utc(self) -> bool:
        """The documented form: 'T', 'Z' or a zero offset, at most nine fraction digits."""
        return (
            self.separator == "T" and (self.zone == "Z" or bool(_ZERO_OFFSET.match(self.zone)))
            and self.fraction_digits <= 9
        )


def read_time(value: Any) -> WrittenTime | None:
    """How ``value`` is written, when it is an ISO-8601 date-time with a zone designator; else None."""
    if not isinstance(value, str):
        return None
    match = _WRITTEN_TIME.match(value)
    if match is None:
        return None
    day, separator, clock, fraction, zone = match.groups()
    offset = "+00:00" if zone in ("Z", "z") else zone if ":" in zone else f"{zone[:3]}:{zone[3:]}"
    try:
        # Python parses at most microseconds; BioT sends milliseconds; keep what fits.
        instant = datetime.fromisoformat(f"{day}T{clock}{(fraction or '')[:7]}{offset}").astimezone(UTC)
    except ValueError:
        instant = None
    return WrittenTime(instant, separator, len(fraction or ".") - 1, zone)


def parse_utc(value: Any) -> datetime | None:
    """An ISO-8601 UTC date-time (``Z`` or a zero offset), or None if ``value`` is not one."""
    written = read_time(value)
    return written.instant if written is not None and written.utc else None


def parse_instant(value: Any) -> datetime | None:
    """Any ISO-8601 date-time with a zone designator, as a UTC instant (for reading answers:
    whether the answer used UTC is BIOT-DATETIME-UTC's business, not every other rule's)."""
    written = read_time(value)
    return written.instant if written is not None else None


def format_utc(moment: datetime) -> str:
    """The wire form the suite sends: millisecond precision, ``Z`` (as the vendor examples)."""
    moment = moment.astimezone(UTC)
    return (
        f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}T{moment.hour:02d}:"
        f"{moment.minute:02d}:{moment.second:02d}.{moment.microsecond // 1000:03d}Z"
    )


def same_instant(a: datetime | None, b: datetime | None) -> bool:
    """Equal to the millisecond (the suite sends milliseconds; servers may drop finer digits)."""
    if a is None or b is None:
        return a is b
    return abs(a - b) < timedelta(milliseconds=1)


def to_milliseconds(moment: datetime) -> datetime:
    """``moment`` to the millisecond, as the suite sends its times (its clock is the run's
    ``SuiteInputs.now()``, see ``sessions.SuiteSessions.now``)."""
    return moment.replace(microsecond=(moment.microsecond // 1000) * 1000)


# --------------------------------------------------------------------------------------------
# What a session looks like, for the rules


@dataclass(frozen=True)
class SessionView:
    """The attributes the PATCH rules are about, read from a SessionResponseV2 body."""

    id: str
    state: str
    start: datetime | None
    end: datetime | None
    name: str | None
    stop_reason: str | None
    stop_reason_code: str | None
    device_id: str | None = None

    @classmethod
    def from_body(cls, body: Any) -> SessionView:
        if not isinstance(body, dict):
            raise AssertionError(f"a session must be a JSON object, got {type(body).__name__}")
        summary = body.get("_summary") if isinstance(body.get("_summary"), dict) else {}
        device = body.get("_device") if isinstance(body.get("_device"), dict) else {}
        return cls(
            id=str(body.get("_id")),
            state=body.get("_state"),
            start=parse_instant(body.get("_startTime")),
            end=parse_instant(body.get("_endTime")),
            name=body.get("_name"),
            stop_reason=summary.get("_stopReason"),
            stop_reason_code=summary.get("_stopReasonCode"),
            device_id=device.get("id"),
        )

    def differences(self, other: SessionView) -> list[str]:
        out = []
        for attr, label in (
            ("state", "_state"), ("name", "_name"), ("stop_reason", "_summary._stopReason"),
            ("stop_reason_code", "_summary._stopReasonCode"),
        ):
            if getattr(self, attr) != getattr(other, attr):
                out.append(f"{label} {getattr(self, attr)!r} vs {getattr(other, attr)!r}")
        for attr, label in (("start", "_startTime"), ("end", "_endTime")):
            if not same_instant(getattr(self, attr), getattr(other, attr)):
                a, b = getattr(self, attr), getattr(other, attr)
                out.append(
                    f"{label} {format_utc(a) if a else None} vs {format_utc(b) if b else None}"
                )
        return out


# --------------------------------------------------------------------------------------------
# The PATCH oracle


def omits_required(body: Any) -> bool:
    """Whether a PATCH body leaves out an attribute the vendor's schema marks required (the
    point its own examples contradict: BIOT-REQUIRED-CONFLICT)."""
    return isinstance(body, dict) and not set(VENDOR_REQUIRED) <= set(body)


@dataclass(frozen=True)
class Rejection:
    """A refusal the rules call for (a violation) or allow (a tolerance)."""

    requirement: str
    statuses: frozenset[int]
    codes: frozenset[str] | None
    """None: the spec names no code for this rule, any code is accepted."""
    why: str
    details: dict[str, Any] = field(default_factory=dict)
    """Detail values the suite can predict (e.g. currentState/targetState)."""

    def matches(self, status: int, code: Any) -> bool:
        return status in self.statuses and (self.codes is None or code in self.codes)

    def describe(self) -> str:
        codes = "any code" if self.codes is None else "/".join(sorted(self.codes))
        statuses = "/".join(str(s) for s in sorted(self.statuses))
        return f"{statuses} {codes} ({self.why})"


@dataclass(frozen=True)
class Finding:
    requirement: str
    message: str


@dataclass(frozen=True)
class Exercise:
    """A constraint of the schema that a valid attribute of the body puts to the test: the name
    length, the stop reason length, the state and stop code enums. A refusal of the valid body
    that blames this attribute (or this constraint) breaks this requirement, not partial update."""

    requirement: str
    attribute: str
    """The attribute's path (``_summary._stopReasonCode``)."""
    value: Any
    at_bound: bool
    """The value sits on a documented bound (the shortest or longest length allowed); a
    documented enum value is always one of the documented values."""
    codes: frozenset[str]
    """The listed codes whose names state this constraint (SELECT_ATTRIBUTE_INVALID_VALUE for an
    enum, the min/max codes for a length)."""


@dataclass
class PatchExpectation:
    before: SessionView
    body: Any
    violations: list[Rejection]
    """Each is a reason the server must refuse the PATCH; any one of them is a correct answer."""
    tolerances: list[Rejection]
    """Refusals the docs leave open: answering one of these is conformant, so is accepting."""
    expected_after: dict[str, Any]
    """For an accepted PATCH: attribute -> expected value (absent key: not predictable)."""
    sent_summary_keys: frozenset[str]
    transition: Transition | None = None
    exercised: tuple[Exercise, ...] = ()
    """The documented bounds and enum values the valid attributes of the body put to the test."""

    @property
    def must_reject(self) -> bool:
        return bool(self.violations)

    @property
    def keeps_unsent_summary(self) -> bool:
        """Whether the PATCH sent part of the summary while the session holds a summary attribute
        it did not send: only then does the answer show whether the summary was merged."""
        if not self.sent_summary_keys:
            return False
        stored = {"_stopReason": self.before.stop_reason, "_stopReasonCode": self.before.stop_reason_code}
        return any(
            value is not None and key not in self.sent_summary_keys for key, value in stored.items()
        )

    def requirements_judged(self, status: int) -> set[str]:
        """The requirements an answer with ``status`` is judged on even when nothing is found:
        the rules the body breaks, partial update when it breaks none, the transition it asks
        for, and the summary merge when an accepted answer can show it."""
        judged = {v.requirement for v in self.violations}
        if not self.violations:
            judged.add(R_PARTIAL)
            # A valid bound or enum value accepted is that bound's or enum's pass; refused, its
            # failure (_blamed_constraint).
            judged.update(e.requirement for e in self.exercised)
        if self.transition is not None:
            judged.add(self.transition.requirement)
        if 200 <= status < 300 and self.keeps_unsent_summary:
            judged.add(R_SUMMARY_MERGE)
        return judged

    def judge(self, status: int, body: Any) -> list[Finding]:
        """Findings for the PATCH answer itself (empty: the answer is conformant)."""
        code = body.get("code") if isinstance(body, dict) else None
        if 200 <= status < 300:
            if self.violations:
                first = self.violations[0]
                return [Finding(
                    v.requirement,
                    f"the PATCH {json.dumps(self.body)} was accepted with {status}, but must be "
                    f"refused with {v.describe()}",
                ) for v in self.violations[:1]] + [
                    Finding(v.requirement, f"also accepted despite: {v.describe()}")
                    for v in self.violations[1:] if v.requirement != first.requirement
                ]
            if status != 200:
                return [Finding(R_PARTIAL, f"Update Usage Session answered {status}, not 200")]
            return self._judge_result(body)
        if status >= 500 and omits_required(self.body):
            # Whether such a PATCH is valid at all is the point the docs dispute
            # (BIOT-REQUIRED-CONFLICT), so its other rules cannot be read off a server error;
            # the error itself fails the MUST every documented request is held to.
            return [Finding(R_NO_SERVER_ERROR, (
                f"the PATCH {json.dumps(self.body)} was answered with the server error {status} "
                f"{code!r}"
            ))]
        for rejection in self.violations + self.tolerances:
            if rejection.matches(status, code):
                return self._judge_details(rejection, body)
        if (
            code == STATE_CHANGE_INVALID
            and self.transition is not None
            and self.transition.allowed
        ):
            # The server refuses the change of state itself, whatever else is wrong with the
            # body: that is a verdict on the transition model, not on the body's other rule.
            return [Finding(self.transition.requirement, (
                f"the change {self.transition.describe()} was refused with {status} {code!r} "
                f"(PATCH {json.dumps(self.body)})"
            ))]
        blamed = (
            self._blamed_constraint(body, by_attribute_only=bool(self.violations))
            if 400 <= status < 500 else None
        )
        if blamed is not None:
            return [Finding(blamed.requirement, (
                f"the PATCH {json.dumps(self.body)} was refused with {status} {code!r} for "
                f"{blamed.attribute} = {_shown(blamed.value)}, a documented "
                + ("value" if blamed.requirement in _ENUM_REQUIREMENTS else "length")
                + " of that attribute; it must be accepted"
                + (f" (the body must be refused for another reason: "
                   f"{'; '.join(v.describe() for v in self.violations)})" if self.violations else "")
            ))]
        if self.violations:
            first = self.violations[0]
            return [Finding(
                first.requirement,
                f"the PATCH {json.dumps(self.body)} was refused with {status} {code!r}; "
                f"expected {first.describe()}"
                + "".join(f" or {v.describe()}" for v in self.violations[1:]),
            )]
        return [Finding(self._wrongly_refused_requirement(status, code), (
            f"the PATCH {json.dumps(self.body)} is valid for a session in state "
            f"{self.before.state} and must be accepted, but was refused with {status} {code!r}"
            + (f" (transition {self.transition.describe()})" if self.transition else "")
        ))]

    def _blamed_constraint(self, body: Any, *, by_attribute_only: bool) -> Exercise | None:
        """The valid bound or enum value a refusal blames: the attribute its details name (or
        the value they echo), else the one constraint its code states, else the one length
        the body sends on a documented bound. None: the refusal blames no such constraint."""
        if not self.exercised:
            return None
        details = body.get("details") if isinstance(body, dict) else None
        details = details if isinstance(details, dict) else {}
        code = body.get("code") if isinstance(body, dict) else None
        if code == STATE_CHANGE_INVALID or code in RULE_CODES.values():
            return None  # a rule with a code of its own: that rule's verdict
        named = details.get("attributeName")
        for exercise in self.exercised:
            if isinstance(named, str) and named in (exercise.attribute, exercise.attribute.split(".")[-1]):
                return exercise
        for exercise in self.exercised:
            if "value" in details and details["value"] == exercise.value and code in exercise.codes:
                return exercise
        if by_attribute_only or named is not None:
            return None
        by_code = {e.requirement: e for e in self.exercised if code in e.codes}
        if len(by_code) == 1:
            return next(iter(by_code.values()))
        on_bound = {e.requirement: e for e in self.exercised
                    if e.at_bound and e.requirement not in _ENUM_REQUIREMENTS}
        return next(iter(on_bound.values())) if len(on_bound) == 1 else None

    def _wrongly_refused_requirement(self, status: int, code: Any) -> str:
        if code == STATE_CHANGE_INVALID or status == 409:
            if self.transition is not None:
                return self.transition.requirement
        for requirement, rule_code in RULE_CODES.items():
            if code == rule_code:
                return requirement
        if omits_required(self.body):
            # Nothing else is wrong with the body: the refusal is a verdict on the omission, the
            # point the docs dispute (a 400 envelope for it is a tolerance, matched earlier).
            return R_REQUIRED_CONFLICT
        return R_PARTIAL

    def _judge_details(self, rejection: Rejection, body: Any) -> list[Finding]:
        if not rejection.details or not isinstance(body, dict):
            return []
        details = body.get("details")
        if not isinstance(details, dict):
            return []  # the envelope check reports a missing details object
        wrong = [
            f"details.{key} = {details.get(key)!r}, expected {value!r}"
            for key, value in rejection.details.items()
            if key in details and details.get(key) != value
        ]
        return [Finding(rejection.requirement, "; ".join(wrong))] if wrong else []

    def _judge_result(self, body: Any) -> list[Finding]:
        try:
            after = SessionView.from_body(body)
        except AssertionError as exc:
            return [Finding(R_PARTIAL, str(exc))]
        findings: list[Finding] = []
        for attr, label, value in self._expected_items():
            actual = getattr(after, attr)
            ok = same_instant(actual, value) if attr in ("start", "end") else actual == value
            if ok:
                continue
            shown = format_utc(value) if isinstance(value, datetime) else value
            shown_actual = format_utc(actual) if isinstance(actual, datetime) else actual
            requirement = R_PARTIAL
            if label.startswith("_summary.") and self.sent_summary_keys and (
                label.removeprefix("_summary.") not in self.sent_summary_keys
            ):
                requirement = R_SUMMARY_MERGE
            if attr == "state" and self.transition is not None and not self.transition.allowed:
                requirement = self.transition.requirement
            sent = "sent" if self._was_sent(label) else "not sent (must keep its value)"
            findings.append(Finding(requirement, (
                f"after PATCH {json.dumps(self.body)}: {label} is {shown_actual!r}, expected "
                f"{shown!r} ({sent})"
            )))
        return findings

    def _was_sent(self, label: str) -> bool:
        if label.startswith("_summary."):
            return label.removeprefix("_summary.") in self.sent_summary_keys
        return isinstance(self.body, dict) and label in self.body

    def _expected_items(self) -> Iterator[tuple[str, str, Any]]:
        labels = {
            "state": "_state", "start": "_startTime", "end": "_endTime", "name": "_name",
            "stop_reason": "_summary._stopReason", "stop_reason_code": "_summary._stopReasonCode",
        }
        for attr, value in self.expected_after.items():
            yield attr, labels[attr], value


@dataclass
class _Draft:
    """What :func:`expect_patch` learns attribute by attribute, in the order the rules are read."""

    before: SessionView
    body: dict[str, Any]
    now: datetime
    violations: list[Rejection] = field(default_factory=list)
    tolerances: list[Rejection] = field(default_factory=list)
    unpredictable: set[str] = field(default_factory=set)
    state: str = ""
    state_ok: bool = True
    name: Any = None
    start: datetime | None = None
    end: datetime | None = None
    times_ok: bool = True
    sent_summary: dict[str, Any] = field(default_factory=dict)
    transition: Transition | None = None
    exercised: list[Exercise] = field(default_factory=list)

    def exercise(self, requirement: str, attribute: str, value: Any, at_bound: bool) -> None:
        """A valid value that puts a documented bound or enum to the test."""
        codes = NOT_IN_ENUM_CODE if requirement in _ENUM_REQUIREMENTS else TOO_SHORT | TOO_LONG
        self.exercised.append(Exercise(requirement, attribute, value, at_bound, codes))

    def refuse(self, requirement: str, why: str, *, status: int = 400,
               codes: frozenset[str] | None = None, **details: Any) -> None:
        """A reason the server must refuse the PATCH."""
        self.violations.append(Rejection(requirement, frozenset({status}), codes, why, details))

    def allow_refusal(self, requirement: str, why: str, *, statuses: frozenset[int] = frozenset({400}),
                      codes: frozenset[str] | None = None) -> None:
        """A refusal the docs leave open: conformant, and so is accepting."""
        self.tolerances.append(Rejection(requirement, statuses, codes, why))


_KNOWN_ATTRIBUTES = frozenset({"_startTime", "_endTime", "_state", "_name", "_summary", "_configuration"})


def _code(requirement: str) -> frozenset[str]:
    return frozenset({RULE_CODES[requirement]})


def _utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _length_verdict(text: str, low: int, high: int) -> str:
    """'ok', 'bad' or 'open': Java servers count UTF-16 units, Python code points; a string that
    is in range by one count and out by the other is left open."""
    by_points = low <= len(text) <= high
    by_units = low <= _utf16_length(text) <= high
    if by_points and by_units:
        return "ok"
    if not by_points and not by_units:
        return "bad"
    return "open"


def _contains_null(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, dict):
        return any(_contains_null(v) for v in value.values())
    return False


class AmbiguousTime(ValueError):
    """A generated time too close to now to judge (the property tests discard such bodies)."""


def _undocumented_attributes(draft: _Draft) -> None:
    """null, attributes the schema does not name, template-defined configuration."""
    body = draft.body
    # null is undocumented for PATCH (BIOT-PATCH-PARTIAL decision): any answer to a body that
    # carries one is conformant as long as it is 200 or a 4xx envelope, and what a null does to
    # the stored value is not judged.
    if _contains_null(body):
        draft.allow_refusal(R_PARTIAL, "null in a PATCH body is undocumented",
                            statuses=frozenset({400, 409}))
    for key in body:
        if key not in _KNOWN_ATTRIBUTES:
            draft.allow_refusal(
                R_PARTIAL,
                f"{key!r} is not a documented attribute (custom attributes are template-defined)",
            )
    if isinstance(body.get("_configuration"), dict) and body["_configuration"]:
        draft.allow_refusal(
            R_PARTIAL, "configuration attributes are template-defined; the template may not know them"
        )
    elif "_configuration" in body and body["_configuration"] is not None:
        draft.refuse(R_TYPES, "_configuration is not an object")


def _state_attribute(draft: _Draft) -> None:
    """_state: 'Values:ACTIVE,DONE,PAUSED,ACTIVATING,PAUSING,RESUMING,STOPPING'."""
    draft.state = draft.before.state
    value = draft.body.get("_state")
    if value is None:
        return
    if value not in STATES:
        draft.refuse(R_STATE_ENUM, f"_state {value!r} is not in the enum")
        draft.state_ok = False
    else:
        draft.state = value
        draft.exercise(R_STATE_ENUM, "_state", value, True)


def _name_attribute(draft: _Draft) -> None:
    """_name: a string, 'length between 1 and 64'."""
    draft.name = draft.before.name
    if "_name" not in draft.body:
        return
    name = draft.body["_name"]
    if name is None:
        draft.unpredictable.add("name")
    elif not isinstance(name, str):
        draft.refuse(R_TYPES, f"_name is a {type(name).__name__}, not a string")
    else:
        verdict = _length_verdict(name, NAME_MIN, NAME_MAX)
        if verdict == "bad":
            draft.refuse(R_NAME_LENGTH, f"_name length {len(name)} is outside {NAME_MIN}..{NAME_MAX}")
        elif verdict == "open":
            draft.allow_refusal(
                R_NAME_LENGTH,
                "_name is in range counted one way (code points / UTF-16) and not the other",
            )
        else:
            draft.exercise(R_NAME_LENGTH, "_name", name, len(name) in (NAME_MIN, NAME_MAX))
        draft.name = name


def _sent_time(draft: _Draft, name: str, value: Any) -> tuple[bool, datetime | None]:
    """(predictable, instant) for a sent date-time; notes the rule it breaks, if any."""
    written = read_time(value)
    if written is not None and written.utc and written.instant is not None:
        moment = written.instant
    elif written is not None and written.rfc3339:
        # RFC 3339 but not the 'Z' UTC form the docs show (an offset, lower-case letters, a leap
        # second): ISO-8601-compatible, left open (BIOT-PATCH-DATETIME-FORMAT decision).
        draft.allow_refusal(
            R_DATETIME_FORMAT, f"{name} {value!r} is a date-time, but not in the documented UTC form"
        )
        if written.instant is None:
            return False, None
        moment = written.instant
    else:
        draft.refuse(R_DATETIME_FORMAT, f"{name} {value!r} is not an ISO-8601 date-time")
        return False, None
    if moment > draft.now + FUTURE_MARGIN:
        draft.refuse(R_TIME_IN_FUTURE, f"{name} {value} is in the future", codes=_code(R_TIME_IN_FUTURE))
        return False, None
    if moment > draft.now - FUTURE_MARGIN:
        raise AmbiguousTime(
            f"{name} {value} is within {FUTURE_MARGIN} of now; the suite must not send such times "
            "(clock skew makes the verdict depend on the server's clock)"
        )
    return True, moment


def _time_attributes(draft: _Draft) -> None:
    """_startTime, _endTime: 'A UTC date-time in the ISO-8601 format', not in the future."""
    draft.start, draft.end = draft.before.start, draft.before.end
    for key, attr in (("_startTime", "start"), ("_endTime", "end")):
        if key not in draft.body:
            continue
        if draft.body[key] is None:
            draft.unpredictable.add(attr)
            draft.times_ok = False
            continue
        predictable, moment = _sent_time(draft, key, draft.body[key])
        if not predictable:
            draft.times_ok = False
            draft.unpredictable.add(attr)
        if moment is not None:
            setattr(draft, attr, moment)


def _summary_attribute(draft: _Draft) -> None:
    """_summary: an object; _stopReason at most 128 characters, _stopReasonCode in its enum."""
    if "_summary" not in draft.body:
        return
    summary = draft.body["_summary"]
    if summary is None:
        draft.unpredictable.update({"stop_reason", "stop_reason_code"})
        summary = {}
    elif not isinstance(summary, dict):
        draft.refuse(R_TYPES, "_summary is not an object")
        summary = {}
    for key in summary:
        if key not in ("_stopReason", "_stopReasonCode"):
            draft.allow_refusal(
                R_PARTIAL,
                f"_summary.{key} is not a documented summary attribute (custom attributes "
                "are template-defined)",
            )
    if "_stopReason" in summary:
        _stop_reason(draft, summary["_stopReason"])
    if "_stopReasonCode" in summary:
        code = summary["_stopReasonCode"]
        if code is None:
            draft.unpredictable.add("stop_reason_code")
        elif code not in STOP_REASON_CODES:
            draft.refuse(R_CODE_ENUM, f"_summary._stopReasonCode {code!r} is not in the enum")
        else:
            draft.exercise(R_CODE_ENUM, "_summary._stopReasonCode", code, True)
            draft.sent_summary["_stopReasonCode"] = code


def _stop_reason(draft: _Draft, reason: Any) -> None:
    if reason is None:
        draft.unpredictable.add("stop_reason")
    elif not isinstance(reason, str):
        draft.refuse(R_TYPES, "_summary._stopReason is not a string")
    else:
        verdict = _length_verdict(reason, 0, STOP_REASON_MAX)
        if verdict == "bad":
            draft.refuse(
                R_REASON_LENGTH, f"_summary._stopReason is longer than {STOP_REASON_MAX} characters"
            )
        elif verdict == "open":
            draft.allow_refusal(
                R_REASON_LENGTH, "_summary._stopReason length depends on how characters are counted"
            )
        else:
            draft.exercise(R_REASON_LENGTH, "_summary._stopReason", reason, len(reason) in (0, STOP_REASON_MAX))
        draft.sent_summary["_stopReason"] = reason


def _required_omission(draft: _Draft) -> None:
    missing = [name for name in VENDOR_REQUIRED if name not in draft.body]
    if missing:
        draft.allow_refusal(
            R_REQUIRED_CONFLICT,
            f"the schema marks {', '.join(missing)} required; refusing is conformant too",
        )


def _state_change(draft: _Draft) -> None:
    """The transition model: a change it does not allow is 409 SESSION_STATE_CHANGE_INVALID."""
    if not draft.state_ok or draft.body.get("_state") is None:
        return
    before = draft.before.state
    draft.transition = load_model().transition(before, draft.state)
    if not draft.transition.allowed:
        draft.refuse(
            draft.transition.requirement, draft.transition.describe(), status=409,
            codes=frozenset({STATE_CHANGE_INVALID}), currentState=before, targetState=draft.state,
        )


def _stored_data_left_behind(draft: _Draft) -> None:
    """Stored stop data or end time that the new state would have to keep: a server may refuse
    the PATCH naming it (left open)."""
    before = draft.before
    if draft.state != "DONE" and (before.stop_reason_code or before.stop_reason):
        # Only reachable by leaving DONE (already a violation): a server may name the stop data
        # it would have to keep instead of the refused change.
        draft.allow_refusal(
            R_STOP_DATA_NON_DONE, "the stored stop data would remain on a session that is not DONE",
            codes=_code(R_STOP_DATA_NON_DONE),
        )
    if draft.state in RUNNING_STATES and before.end is not None and "_endTime" not in draft.body:
        draft.allow_refusal(
            R_END_TIME_STATE, "the stored end time would remain on a running session",
            codes=_code(R_END_TIME_STATE),
        )


def _times_in_order(draft: _Draft) -> None:
    """400 START_TIME_AFTER_END_TIME; END_TIME_VALUE_INVALID_FOR_SESSION_STATE for a running state."""
    start, end, state = draft.start, draft.end, draft.state
    if draft.times_ok and start is not None and end is not None and start > end:
        draft.refuse(
            R_START_AFTER_END, f"_startTime {format_utc(start)} is after _endTime {format_utc(end)}",
            codes=_code(R_START_AFTER_END),
        )
    if "_endTime" in draft.body and state in RUNNING_STATES:
        draft.refuse(
            R_END_TIME_STATE, f"_endTime sent for a session that stays in the running state {state}",
            codes=_code(R_END_TIME_STATE),
        )
    elif "_endTime" in draft.body and state == "STOPPING":
        draft.allow_refusal(
            R_END_TIME_STATE, "an end time while STOPPING is left open by the docs",
            codes=_code(R_END_TIME_STATE),
        )


def _stop_data(draft: _Draft) -> None:
    """STOP_DATA_NULL_FOR_DONE_SESSION and STOP_DATA_NOT_NULL_FOR_NON_DONE_SESSION."""
    reason = draft.sent_summary.get("_stopReason", draft.before.stop_reason)
    code = draft.sent_summary.get("_stopReasonCode", draft.before.stop_reason_code)
    if draft.state == "DONE":
        if code is None and reason is None:
            draft.refuse(
                R_STOP_DATA_NULL, "DONE without any stop data (_summary._stopReason/_stopReasonCode)",
                codes=_code(R_STOP_DATA_NULL),
            )
        elif code is None:
            draft.allow_refusal(
                R_STOP_DATA_NULL, "DONE with a stop reason but no stop reason code is left open",
                codes=_code(R_STOP_DATA_NULL),
            )
        if draft.end is None:
            draft.allow_refusal(R_END_TIME_STATE, "DONE without an end time is left open by the docs")
    elif "_stopReasonCode" in draft.sent_summary:
        draft.refuse(
            R_STOP_DATA_NON_DONE, f"_summary._stopReasonCode sent for a session in state {draft.state}",
            codes=_code(R_STOP_DATA_NON_DONE),
        )
    elif "_stopReason" in draft.sent_summary:
        draft.allow_refusal(
            R_STOP_DATA_NON_DONE, "a stop reason without a code on a running session is left open",
            codes=_code(R_STOP_DATA_NON_DONE),
        )


def _expected_after(draft: _Draft) -> dict[str, Any]:
    """For an accepted PATCH: attribute -> the value the answer must show (predictable ones only)."""
    before, body = draft.before, draft.body
    expected: dict[str, Any] = {"state": draft.state}
    if draft.start is not None:
        expected["start"] = draft.start
    # An end time nobody sent is predictable only where the rules pin it: none while running,
    # the stored one once set. Whether a server fills one in at STOPPING or DONE is left open.
    if "_endTime" in body or before.end is not None or draft.state in RUNNING_STATES:
        expected["end"] = draft.end
    expected["name"] = draft.name
    expected["stop_reason"] = draft.sent_summary.get("_stopReason", before.stop_reason)
    expected["stop_reason_code"] = draft.sent_summary.get("_stopReasonCode", before.stop_reason_code)
    for attr in draft.unpredictable:
        expected.pop(attr, None)
    return expected


def expect_patch(before: SessionView, body: Any, now: datetime) -> PatchExpectation:
    """What the catalogue says about PATCHing ``body`` onto a session stored as ``before`` at the
    instant ``now`` (the suite's clock when it sends, or when a recorded request was sent): the
    'not in the future' bound is read against it."""
    if not isinstance(body, dict):
        violations = [Rejection(R_TYPES, frozenset({400}), None, "the body is not a JSON object")]
        return PatchExpectation(before, body, violations, [], {}, frozenset())
    draft = _Draft(before, body, now)
    # The schema (UpdateSessionRequestV2), attribute by attribute.
    _undocumented_attributes(draft)
    _state_attribute(draft)
    _name_attribute(draft)
    _time_attributes(draft)
    _summary_attribute(draft)
    schema_violations = len(draft.violations)
    # The rules behind the documented error codes.
    _required_omission(draft)
    _state_change(draft)
    if draft.state_ok:
        _stored_data_left_behind(draft)
        _times_in_order(draft)
        _stop_data(draft)
    if _contains_null(body):
        # What the rules make of a null depends on what the server makes of it: the semantic
        # rules (state change, times, stop data) may or may not apply; never a must.
        draft.tolerances.extend(draft.violations[schema_violations:])
        del draft.violations[schema_violations:]
    return PatchExpectation(
        before, body, draft.violations, draft.tolerances, _expected_after(draft),
        frozenset(draft.sent_summary), draft.transition, tuple(draft.exercised),
    )


def judge_stored(expectation: PatchExpectation, accepted_body: Any, stored: SessionView) -> list[Finding]:
    """After the PATCH: GET must show the accepted answer, or the old session after a refusal."""
    if accepted_body is not None:
        answered = SessionView.from_body(accepted_body)
        diffs = stored.differences(answered)
        if diffs:
            return [Finding(R_GET, "GET after an accepted PATCH differs from the PATCH answer: "
                            + "; ".join(diffs))]
        return []
    diffs = stored.differences(expectation.before)
    if diffs:
        return [Finding(R_REJECTED_NO_EFFECT, (
            f"the PATCH {json.dumps(expectation.body)} was refused, yet the stored session changed: "
            + "; ".join(diffs)
        ))]
    return []


# --------------------------------------------------------------------------------------------
# The code of a refusal of an invalid body (BIOT-REFUSAL-CODE, BIOT-REFUSAL-CODE-CONDITION,
# BIOT-ERROR-DETAILS-VALUES)
#
# BioT lists, per operation and status, the codes its answers carry ("Code : X, Details: [...]"),
# but not which condition gets which code: that is read from the codes' names and details keys
# (inferred, so SHOULDs). Where two listed codes fit a condition, either is accepted.

# A JSON value the server cannot take as the attribute's type: a Java service may call that a
# type mismatch or a failed conversion; both codes name the condition.
WRONG_TYPE = frozenset({"ATTRIBUTE_VALUE_TYPE_MISMATCH", "ATTRIBUTE_VALUE_CONVERSION_FAILED"})
NOT_A_DATE_TIME = WRONG_TYPE | {"ATTRIBUTE_REGEX_VALIDATION_FAILED", "VALIDATION_TIMEZONE_NOT_VALID"}
NOT_IN_ENUM = WRONG_TYPE | {"SELECT_ATTRIBUTE_INVALID_VALUE"}
UNKNOWN_ATTRIBUTE = frozenset({"ATTRIBUTE_NOT_VALID_FOR_TEMPLATE", "ATTRIBUTE_NOT_OF_CATEGORY"})
MANDATORY = frozenset({"ATTRIBUTE_IS_MANDATORY"})
TOO_SHORT = frozenset({"VALIDATION_MINIMUM_ALLOWED_VALUE"})
TOO_LONG = frozenset({"VALIDATION_MAX_ALLOWED_VALUE"})

CONDITION_CODES: dict[str, frozenset[str]] = {
    R_TYPES: WRONG_TYPE,
    R_DATETIME_FORMAT: NOT_A_DATE_TIME,
    R_STATE_ENUM: NOT_IN_ENUM,
    R_CODE_ENUM: NOT_IN_ENUM,
    R_NAME_LENGTH: TOO_SHORT | TOO_LONG,
    R_REASON_LENGTH: TOO_LONG,
    R_REQUIRED_CONFLICT: MANDATORY,
    # The oracle files attributes the schema does not define under partial update (accepting
    # them is conformant: custom attributes are the template's); refused, they are not valid
    # for the template. A body with a null is the exception (see codes_naming).
    R_PARTIAL: UNKNOWN_ATTRIBUTE,
}
"""The requirement of a schema rule the oracle applies -> the listed codes whose names state it."""

# What the details of the attribute-validation codes can only say, whatever the attribute: the
# schema's bounds (_name maxLength 64 / minLength 1, _stopReason maxLength 128 / minLength 0) and
# enums (_state, _summary._stopReasonCode).
SCHEMA_MAXIMA = frozenset({str(NAME_MAX), str(STOP_REASON_MAX)})
SCHEMA_MINIMA = frozenset({"0", str(NAME_MIN)})
SCHEMA_ENUMS = (frozenset(STATES), frozenset(STOP_REASON_CODES))


@dataclass(frozen=True)
class InvalidBody:
    """What the suite knows of a body it sent as invalid, for judging the code of its refusal."""

    codes: frozenset[str] | None
    """The listed codes whose names state what the body breaks; None: any listed code is right."""
    at_fault: frozenset[str] | None = None
    """The attributes details.attributeName may name (None: not judged)."""


def codes_naming(rejections: list[Rejection], body: Any) -> frozenset[str] | None:
    """The codes that name the rules of ``rejections`` (refusals the oracle calls for or allows);
    None when one of those rules has no code naming it (then any listed code is right)."""
    codes: set[str] = set()
    for rejection in rejections:
        if rejection.codes is not None:
            codes |= rejection.codes
        elif rejection.requirement in CONDITION_CODES and not (
            rejection.requirement == R_PARTIAL and _contains_null(body)
        ):
            codes |= CONDITION_CODES[rejection.requirement]
        else:
            return None
    return frozenset(codes)


def refused_patch_body(expectation: PatchExpectation, status: int, code: Any) -> InvalidBody | None:
    """For a PATCH refused with ``status`` and ``code``: what its code is judged against, or None
    when the refusal is not of a body the oracle calls invalid or open at that status (not a 4xx,
    or a valid body refused: other rules' failure)."""
    if not 400 <= status < 500:
        return None
    applicable = [r for r in expectation.violations + expectation.tolerances if status in r.statuses]
    if not applicable:
        return None
    if any(r.codes is not None and code in r.codes for r in applicable) or all(
        r.codes is not None for r in applicable
    ):
        # Either a rule with a code of its own explains the refusal, or the oracle already failed
        # the refusal under that rule's requirement (its code is part of the rule): only whether
        # the code is a listed one is left to judge.
        return InvalidBody(None)
    # The rules whose requirement leaves the code open: this names it.
    return InvalidBody(codes_naming([r for r in applicable if r.codes is None], expectation.body))


def names_one_of(named: Any, attributes: frozenset[str]) -> bool:
    """details.attributeName names the attribute: its path (_summary._stopReason), its own name
    (_stopReason), the top-level attribute holding it (_summary), or a part of it (_patient.id
    for a _patient that is no reference)."""
    if not isinstance(named, str):
        return False
    return any(
        named in (attribute, attribute.split(".")[-1], attribute.split(".")[0])
        or named.startswith(attribute + ".")
        for attribute in attributes
    )
