"""The catalogue's rules for Update Usage Session, as an executable oracle.

Given what the server stored before a PATCH and the body sent, :func:`expect_patch` says which
answers are conformant and which requirement each wrong answer fails. The example tests, the
Hypothesis body generator, the state machine and the Schemathesis custom checks all judge through
it, so a rule is written once. The reference implementation does NOT use it (it implements the
rules on its own), so a mistake here shows up as a disagreement instead of hiding in both.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from .transitions import STATES, load_model
from .vendor_examples import VENDOR_REQUIRED

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

# The code each semantic rule is documented with (PATCH 400/409 lists in the vendor document).
RULE_CODES: dict[str, str] = {
    R_TIME_IN_FUTURE: "TIME_IN_FUTURE",
    R_START_AFTER_END: "START_TIME_AFTER_END_TIME",
    R_END_TIME_STATE: "END_TIME_VALUE_INVALID_FOR_SESSION_STATE",
    R_STOP_DATA_NULL: "STOP_DATA_NULL_FOR_DONE_SESSION",
    R_STOP_DATA_NON_DONE: "STOP_DATA_NOT_NULL_FOR_NON_DONE_SESSION",
}
STATE_CHANGE_INVALID = "SESSION_STATE_CHANGE_INVALID"

_ISO_UTC = re.compile(
    r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]00:?00)$"
)


# --------------------------------------------------------------------------------------------
# Date-times


def parse_utc(value: Any) -> datetime | None:
    """An ISO-8601 UTC date-time (``Z`` or a zero offset), or None if ``value`` is not one."""
    if not isinstance(value, str) or not _ISO_UTC.match(value):
        return None
    text = value.replace("Z", "+00:00")
    match = re.match(r"^(.*?)(\.\d+)?([+-].*)$", text)
    if match is None:
        return None
    head, fraction, zone = match.groups()
    # Python parses at most microseconds; BioT sends milliseconds; keep what fits.
    fraction = (fraction or "")[:7]
    try:
        parsed = datetime.fromisoformat(head + fraction + zone)
    except ValueError:
        return None
    return parsed.astimezone(UTC)


def parse_instant(value: Any) -> datetime | None:
    """Any ISO-8601 date-time with a zone designator, as a UTC instant (for reading answers:
    whether the answer used UTC is BIOT-DATETIME-UTC's business, not every other rule's)."""
    if not isinstance(value, str):
        return None
    utc = parse_utc(value)
    if utc is not None:
        return utc
    match = re.match(r"^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(\.\d+)?([+-]\d{2}:?\d{2})$", value)
    if match is None:
        return None
    head, fraction, zone = match.groups()
    try:
        return datetime.fromisoformat(head + (fraction or "")[:7] + zone).astimezone(UTC)
    except ValueError:
        return None


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


def now_utc() -> datetime:
    moment = datetime.now(UTC)
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
# Documented error codes and their details keys, read from the working OpenAPI document


_CODE_LINE = re.compile(r"Code : ([A-Z_]+), Details: \[([^\]]*)\]")


@cache
def documented_errors() -> dict[str, dict[str, dict[str, tuple[str, ...]]]]:
    """operationId -> status -> code -> the details keys the vendor lists for it."""
    document = json.loads(Path(__file__).with_name("openapi.json").read_text(encoding="utf-8"))
    table: dict[str, dict[str, dict[str, tuple[str, ...]]]] = {}
    for item in document["paths"].values():
        for operation in item.values():
            codes: dict[str, dict[str, tuple[str, ...]]] = {}
            for status, response in operation["responses"].items():
                for code, keys in _CODE_LINE.findall(response.get("description", "")):
                    names = tuple(k.strip() for k in keys.split(",") if k.strip())
                    codes.setdefault(status, {})[code] = names
            table[operation["operationId"]] = codes
    return table


def documented_details(operation_id: str, status: int, code: str) -> tuple[str, ...] | None:
    """The documented details keys of ``code`` at ``status`` for the operation, or None if the
    vendor does not list that code there."""
    return documented_errors().get(operation_id, {}).get(str(status), {}).get(code)


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
    transition: Any = None

    @property
    def must_reject(self) -> bool:
        return bool(self.violations)

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

    def _expected_items(self):
        labels = {
            "state": "_state", "start": "_startTime", "end": "_endTime", "name": "_name",
            "stop_reason": "_summary._stopReason", "stop_reason_code": "_summary._stopReasonCode",
        }
        for attr, value in self.expected_after.items():
            yield attr, labels[attr], value


_RFC3339 = re.compile(
    r"^(\d{4}-\d{2}-\d{2})[Tt](\d{2}:\d{2}:\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$"
)


def _any_offset_instant(value: str) -> datetime | None:
    match = _RFC3339.match(value)
    if match is None:
        return None
    day, clock, fraction, zone = match.groups()
    zone = "+00:00" if zone in ("Z", "z") else zone
    try:
        return datetime.fromisoformat(f"{day}T{clock}{(fraction or '')[:7]}{zone}").astimezone(UTC)
    except ValueError:
        return None


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


_KNOWN_ATTRIBUTES = frozenset({"_startTime", "_endTime", "_state", "_name", "_summary", "_configuration"})


def _time_value(
    name: str, value: Any, now: datetime, violations: list[Rejection], tolerances: list[Rejection]
) -> tuple[bool, datetime | None]:
    """(predictable, instant) for a sent date-time; records the rule it breaks, if any."""
    moment = parse_utc(value)
    if moment is None:
        instant = _any_offset_instant(value) if isinstance(value, str) else None
        if isinstance(value, str) and (instant is not None or _RFC3339.match(value)):
            # RFC 3339 but not the 'Z' UTC form the docs show (an offset, lower-case letters, a
            # leap second): ISO-8601-compatible, left open (BIOT-PATCH-DATETIME-FORMAT decision).
            tolerances.append(Rejection(
                R_DATETIME_FORMAT, frozenset({400}), None,
                f"{name} {value!r} is a date-time, but not in the documented UTC form",
            ))
            if instant is None:
                return False, None
            moment = instant
        else:
            violations.append(Rejection(
                R_DATETIME_FORMAT, frozenset({400}), None,
                f"{name} {value!r} is not an ISO-8601 date-time",
            ))
            return False, None
    if moment > now + FUTURE_MARGIN:
        violations.append(Rejection(
            R_TIME_IN_FUTURE, frozenset({400}), frozenset({"TIME_IN_FUTURE"}),
            f"{name} {value} is in the future",
        ))
        return False, None
    if moment > now - FUTURE_MARGIN:
        raise AmbiguousTime(
            f"{name} {value} is within {FUTURE_MARGIN} of now; the suite must not send such times "
            "(clock skew makes the verdict depend on the server's clock)"
        )
    return True, moment


class AmbiguousTime(ValueError):
    """A generated time too close to now to judge (the property tests discard such bodies)."""


def _contains_null(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, dict):
        return any(_contains_null(v) for v in value.values())
    return False


def expect_patch(before: SessionView, body: Any, now: datetime | None = None) -> PatchExpectation:
    """What the catalogue says about PATCHing ``body`` onto a session stored as ``before``."""
    now = now or now_utc()
    violations: list[Rejection] = []
    tolerances: list[Rejection] = []
    if not isinstance(body, dict):
        violations.append(Rejection(
            R_TYPES, frozenset({400}), None, "the body is not a JSON object"
        ))
        return PatchExpectation(before, body, violations, [], {}, frozenset())
    unpredictable: set[str] = set()

    # null is undocumented for PATCH (BIOT-PATCH-PARTIAL decision): any answer to a body that
    # carries one is conformant as long as it is 200 or a 4xx envelope, and what a null does to
    # the stored value is not judged.
    has_null = _contains_null(body)
    if has_null:
        tolerances.append(Rejection(
            R_PARTIAL, frozenset({400, 409}), None, "null in a PATCH body is undocumented"
        ))

    for key in body:
        if key not in _KNOWN_ATTRIBUTES:
            tolerances.append(Rejection(
                R_PARTIAL, frozenset({400}), None,
                f"{key!r} is not a documented attribute (custom attributes are template-defined)",
            ))
    if isinstance(body.get("_configuration"), dict) and body["_configuration"]:
        tolerances.append(Rejection(
            R_PARTIAL, frozenset({400}), None,
            "configuration attributes are template-defined; the template may not know them",
        ))
    elif "_configuration" in body and body["_configuration"] is not None:
        violations.append(Rejection(
            R_TYPES, frozenset({400}), None, "_configuration is not an object"
        ))

    # Schema-level checks (UpdateSessionRequestV2).
    state = before.state
    state_ok = True
    if "_state" in body and body["_state"] is not None:
        if body["_state"] not in STATES:
            violations.append(Rejection(
                R_STATE_ENUM, frozenset({400}), None,
                f"_state {body['_state']!r} is not in the enum",
            ))
            state_ok = False
        else:
            state = body["_state"]
    expected_name: Any = before.name
    if "_name" in body:
        name = body["_name"]
        if name is None:
            unpredictable.add("name")
        elif not isinstance(name, str):
            violations.append(Rejection(
                R_TYPES, frozenset({400}), None, f"_name is a {type(name).__name__}, not a string"
            ))
        else:
            verdict = _length_verdict(name, NAME_MIN, NAME_MAX)
            if verdict == "bad":
                violations.append(Rejection(
                    R_NAME_LENGTH, frozenset({400}), None,
                    f"_name length {len(name)} is outside {NAME_MIN}..{NAME_MAX}",
                ))
            elif verdict == "open":
                tolerances.append(Rejection(
                    R_NAME_LENGTH, frozenset({400}), None,
                    "_name is in range counted one way (code points / UTF-16) and not the other",
                ))
            expected_name = name
    start = before.start
    end = before.end
    times_ok = True
    for key in ("_startTime", "_endTime"):
        if key not in body:
            continue
        attr = "start" if key == "_startTime" else "end"
        if body[key] is None:
            unpredictable.add(attr)
            times_ok = False
            continue
        predictable, moment = _time_value(key, body[key], now, violations, tolerances)
        if not predictable:
            times_ok = False
            unpredictable.add(attr)
        if key == "_startTime":
            start = moment if moment is not None else start
        else:
            end = moment if moment is not None else end
    summary = body.get("_summary", {})
    sent_summary: dict[str, Any] = {}
    if "_summary" in body:
        if summary is None:
            unpredictable.update({"stop_reason", "stop_reason_code"})
            summary = {}
        elif not isinstance(summary, dict):
            violations.append(Rejection(R_TYPES, frozenset({400}), None, "_summary is not an object"))
            summary = {}
        for key in summary:
            if key not in ("_stopReason", "_stopReasonCode"):
                tolerances.append(Rejection(
                    R_PARTIAL, frozenset({400}), None,
                    f"_summary.{key} is not a documented summary attribute (custom attributes "
                    "are template-defined)",
                ))
        if "_stopReason" in summary:
            reason = summary["_stopReason"]
            if reason is None:
                unpredictable.add("stop_reason")
            elif not isinstance(reason, str):
                violations.append(Rejection(
                    R_TYPES, frozenset({400}), None, "_summary._stopReason is not a string"
                ))
            else:
                verdict = _length_verdict(reason, 0, STOP_REASON_MAX)
                if verdict == "bad":
                    violations.append(Rejection(
                        R_REASON_LENGTH, frozenset({400}), None,
                        f"_summary._stopReason is longer than {STOP_REASON_MAX} characters",
                    ))
                elif verdict == "open":
                    tolerances.append(Rejection(
                        R_REASON_LENGTH, frozenset({400}), None,
                        "_summary._stopReason length depends on how characters are counted",
                    ))
                sent_summary["_stopReason"] = reason
        if "_stopReasonCode" in summary:
            if summary["_stopReasonCode"] is None:
                unpredictable.add("stop_reason_code")
            elif summary["_stopReasonCode"] not in STOP_REASON_CODES:
                violations.append(Rejection(
                    R_CODE_ENUM, frozenset({400}), None,
                    f"_summary._stopReasonCode {summary['_stopReasonCode']!r} is not in the enum",
                ))
            else:
                sent_summary["_stopReasonCode"] = summary["_stopReasonCode"]
    schema_violations = len(violations)

    missing = [name for name in VENDOR_REQUIRED if name not in body]
    if missing:
        tolerances.append(Rejection(
            R_REQUIRED_CONFLICT, frozenset({400}), None,
            f"the schema marks {', '.join(missing)} required; refusing is conformant too",
        ))

    transition = None
    if state_ok and body.get("_state") is not None:
        transition = load_model().transition(before.state, state)
        if not transition.allowed:
            violations.append(Rejection(
                transition.requirement, frozenset({409}), frozenset({STATE_CHANGE_INVALID}),
                transition.describe(),
                details={"currentState": before.state, "targetState": state},
            ))

    reason = sent_summary.get("_stopReason", before.stop_reason)
    code = sent_summary.get("_stopReasonCode", before.stop_reason_code)
    if state_ok and state != "DONE" and (before.stop_reason_code or before.stop_reason):
        # Only reachable by leaving DONE (already a violation): a server may name the stop data
        # it would have to keep instead of the refused change.
        tolerances.append(Rejection(
            R_STOP_DATA_NON_DONE, frozenset({400}),
            frozenset({"STOP_DATA_NOT_NULL_FOR_NON_DONE_SESSION"}),
            "the stored stop data would remain on a session that is not DONE",
        ))
    if state_ok and state in RUNNING_STATES and before.end is not None and "_endTime" not in body:
        tolerances.append(Rejection(
            R_END_TIME_STATE, frozenset({400}),
            frozenset({"END_TIME_VALUE_INVALID_FOR_SESSION_STATE"}),
            "the stored end time would remain on a running session",
        ))
    if state_ok:
        if times_ok and start is not None and end is not None and start > end:
            violations.append(Rejection(
                R_START_AFTER_END, frozenset({400}), frozenset({"START_TIME_AFTER_END_TIME"}),
                f"_startTime {format_utc(start)} is after _endTime {format_utc(end)}",
            ))
        if "_endTime" in body and state in RUNNING_STATES:
            violations.append(Rejection(
                R_END_TIME_STATE, frozenset({400}),
                frozenset({"END_TIME_VALUE_INVALID_FOR_SESSION_STATE"}),
                f"_endTime sent for a session that stays in the running state {state}",
            ))
        elif "_endTime" in body and state == "STOPPING":
            tolerances.append(Rejection(
                R_END_TIME_STATE, frozenset({400}),
                frozenset({"END_TIME_VALUE_INVALID_FOR_SESSION_STATE"}),
                "an end time while STOPPING is left open by the docs",
            ))
        if state == "DONE":
            if code is None and reason is None:
                violations.append(Rejection(
                    R_STOP_DATA_NULL, frozenset({400}),
                    frozenset({"STOP_DATA_NULL_FOR_DONE_SESSION"}),
                    "DONE without any stop data (_summary._stopReason/_stopReasonCode)",
                ))
            elif code is None:
                tolerances.append(Rejection(
                    R_STOP_DATA_NULL, frozenset({400}),
                    frozenset({"STOP_DATA_NULL_FOR_DONE_SESSION"}),
                    "DONE with a stop reason but no stop reason code is left open",
                ))
            if end is None:
                tolerances.append(Rejection(
                    R_END_TIME_STATE, frozenset({400}), None,
                    "DONE without an end time is left open by the docs",
                ))
        else:
            if "_stopReasonCode" in sent_summary:
                violations.append(Rejection(
                    R_STOP_DATA_NON_DONE, frozenset({400}),
                    frozenset({"STOP_DATA_NOT_NULL_FOR_NON_DONE_SESSION"}),
                    f"_summary._stopReasonCode sent for a session in state {state}",
                ))
            elif "_stopReason" in sent_summary:
                tolerances.append(Rejection(
                    R_STOP_DATA_NON_DONE, frozenset({400}),
                    frozenset({"STOP_DATA_NOT_NULL_FOR_NON_DONE_SESSION"}),
                    "a stop reason without a code on a running session is left open",
                ))

    if has_null:
        # What the rules make of a null depends on what the server makes of it: the semantic
        # rules (state change, times, stop data) may or may not apply; never a must.
        tolerances.extend(violations[schema_violations:])
        del violations[schema_violations:]

    expected: dict[str, Any] = {"state": state}
    if start is not None:
        expected["start"] = start
    # An end time nobody sent is predictable only where the rules pin it: none while running,
    # the stored one once set. Whether a server fills one in at STOPPING or DONE is left open.
    if "_endTime" in body or before.end is not None or state in RUNNING_STATES:
        expected["end"] = end
    expected["name"] = expected_name
    expected["stop_reason"] = reason
    expected["stop_reason_code"] = code
    for attr in unpredictable:
        expected.pop(attr, None)
    return PatchExpectation(
        before, body, violations, tolerances, expected, frozenset(sent_summary), transition
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
