"""The BioT catalogue's rules on one answer: ``RULES``, one rule per requirement ID.

Every rule has the core signature ``rule(answer: Answer, asked: Asked) -> bool`` (see
:mod:`pytest_sessionapi.rulebook`): ``True`` judged and right, ``False`` nothing to judge, a
:class:`RuleFailure` when the answer breaks the requirement. :class:`Asked` is what the suite sent
and what it knows: the operation, the body, the PATCH oracle's expectation (``model.expect_patch``),
the refusals the docs demand.

The rules split the work so that one defect is reported under one ID: an error body's form is
BIOT-ERROR-ENVELOPE's alone, its attributes -FIELDS' and its details -DETAILS'; a session's schema is
BIOT-RESPONSE-SCHEMA's and its date-times' zone BIOT-DATETIME-UTC's; what a PATCH answer says about
the body sent is the PATCH oracle's, each finding under the requirement it breaks. The steps
(:mod:`.steps`) decide which rules an answer is judged on; the Schemathesis checks are built from
the same rulebook (:mod:`.schemathesis_checks`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from pytest_sessionapi.rulebook import NOT_JSON, Answer, RuleFailure, Rulebook, applies_when

from .model import (
    ORACLE_REQUIREMENTS,
    SCHEMA_ENUMS,
    SCHEMA_MAXIMA,
    SCHEMA_MINIMA,
    R_GET,
    R_NO_SERVER_ERROR,
    R_REJECTED_NO_EFFECT,
    R_REQUIRED_CONFLICT,
    InvalidBody,
    PatchExpectation,
    SessionView,
    judge_stored,
    names_one_of,
    omits_required,
    parse_instant,
    parse_utc,
    refused_patch_body,
    same_instant,
)
from .models import ENVELOPE_FIELDS, SESSION_DATETIME_FIELDS, ErrorResponse, SessionResponseV2


@dataclass(frozen=True)
class Refusal:
    """A refusal the docs demand for a request: one of ``statuses``, with ``code`` when the docs
    name one, and ``details`` values the suite can predict (checked when the answer carries them)."""

    statuses: frozenset[int]
    code: str | None = None
    details: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, status: int, code: str | None = None, **details: Any) -> Refusal:
        return cls(frozenset({status}), code, details)


@dataclass(frozen=True)
class Outcome:
    """What the docs say one request of a sequence leads to, from what the suite knows of the
    session's history (the model's ``SessionView``): one of ``statuses``; the answer shows
    ``shows`` (attribute path -> value, date-times compared as instants) and, with ``keeps``, a
    session whose attributes are those of ``keeps`` (a request that must change nothing, a GET
    that must show what was stored); ``empty``: no body at all; ``names``: attribute paths that
    must hold an id (a non-empty string) the suite cannot know beforehand (the device's patient)."""

    statuses: frozenset[int]
    shows: Mapping[str, Any] = field(default_factory=dict)
    keeps: SessionView | None = None
    empty: bool = False
    what: str = ""
    """The request, as the failure message names it (``the documented stop``)."""
    names: tuple[str, ...] = ()

    @classmethod
    def of(cls, *statuses: int, what: str = "", keeps: SessionView | None = None,
           empty: bool = False, names: tuple[str, ...] = (), **shows: Any) -> Outcome:
        """``Outcome.of(200, _state="DONE")``; a path with a dot is spelt with ``__``
        (``_device__id``)."""
        return cls(
            frozenset(statuses), {k.replace("__", "."): v for k, v in shows.items()}, keeps, empty, what, names
        )

    def check(self, answer: Answer) -> None:
        """Raise :class:`RuleFailure` unless ``answer`` is this outcome."""
        what = f"{self.what}: " if self.what else ""
        if answer.status not in self.statuses:
            expected = (
                "a 4xx refusal" if self.statuses == frozenset(range(400, 500))
                else "/".join(str(s) for s in sorted(self.statuses))
            )
            raise RuleFailure(f"{what}expected {expected}, got {answer.describe()}")
        if self.empty and answer.content:
            raise RuleFailure(f"{what}expected no body, got {len(answer.content)} bytes: {answer.describe()}")
        if not self.shows and self.keeps is None and not self.names:
            return
        body = answer.body
        if not isinstance(body, dict):
            raise RuleFailure(f"{what}expected a session, got {answer.describe()}")
        problems = [
            f"{path} is {_value_at(body, path)!r}, expected {value!r}"
            for path, value in self.shows.items() if not _same_value(path, _value_at(body, path), value)
        ]
        problems += [
            f"{path} is {_value_at(body, path)!r}, expected an id"
            for path in self.names if not (isinstance(_value_at(body, path), str) and _value_at(body, path))
        ]
        if self.keeps is not None:
            problems += SessionView.from_body(body).differences(self.keeps)
        if problems:
            raise RuleFailure(what + "; ".join(problems))


def _value_at(body: Any, path: str) -> Any:
    for name in path.split("."):
        body = body.get(name) if isinstance(body, dict) else None
    return body


def _same_value(path: str, actual: Any, expected: Any) -> bool:
    if path.endswith("Time") and isinstance(expected, str):
        return same_instant(parse_instant(actual), parse_instant(expected))
    return actual == expected


def create_outcome(sent: Any, device_id: str) -> Outcome:
    """BIOT-CREATE: 201 with every attribute sent echoed (_state, _startTime, _endTime, _name, the
    stop data, the configuration attributes), on the path's device, EXTERNAL (for the suite's
    creates and for recorded ones alike)."""
    sent = sent if isinstance(sent, dict) else {}
    shows = {key: sent[key] for key in ("_state", "_startTime", "_endTime", "_name") if key in sent}
    summary = sent.get("_summary")
    if isinstance(summary, dict):
        shows.update({f"_summary.{key}": summary[key] for key in ("_stopReason", "_stopReasonCode") if key in summary})
    configuration = sent.get("_configuration")
    if isinstance(configuration, dict):
        shows.update({f"_configuration.{key}": value for key, value in configuration.items()})
    return Outcome(frozenset({201}), {**shows, "_device.id": device_id, "_initiator": "EXTERNAL"},
                   what="create by usage type")


@dataclass(frozen=True)
class ReadBack:
    """The GET right after a PATCH of ours: what that PATCH expected, and its answer when it was
    accepted with a session (None after a refusal)."""

    expectation: PatchExpectation
    accepted_body: dict[str, Any] | None


@dataclass(frozen=True)
class Asked:
    """What the suite asked, and what it knows, for the rules."""

    operation: str
    """The operationId: createSessionByUsageType, getSession, updateSession, deleteSession."""
    sent: Any = None
    """The body sent (PATCH, create)."""
    session_status: int | None = None
    """The status of the session answer the suite expects (201 create, 200 get and update); None
    when the request does not ask for a session."""
    expectation: PatchExpectation | None = None
    """For a PATCH: the oracle's expectation for the body sent onto the stored session."""
    repeat_status: int | None = None
    """For the first answer to a PATCH that omitted the schema's required attributes and was then
    sent again complete: the complete PATCH's status."""
    read_back: ReadBack | None = None
    refusals: Mapping[str, Refusal] = field(default_factory=dict)
    """Requirement -> the refusal it demands for this request (a missing token, a session nobody has)."""
    invalid_body: InvalidBody | None = None
    """For a body the suite sent as invalid outside the PATCH oracle (an invalid create, a custom
    attribute of the wrong type, an omission refused alone): what the code of its refusal is
    judged against. A PATCH's is read from ``expectation``."""
    outcomes: Mapping[str, Outcome] = field(default_factory=dict)
    """Requirement -> what this request of a sequence must lead to (a create's echo, the GET
    after a DELETE, the documented stop): judged by that requirement's rule, before its own."""
    _oracle_memo: dict[Any, dict[str, list[str]]] = field(
        default_factory=dict, compare=False, hash=False, repr=False
    )

    def oracle_findings(self, answer: Answer) -> dict[str, list[str]]:
        """The PATCH oracle's findings on ``answer``, by requirement: computed once per answer,
        however many of the oracle's rules read them."""
        key = (answer.status, answer.content)
        if key not in self._oracle_memo:
            assert self.expectation is not None
            found: dict[str, list[str]] = {}
            for finding in self.expectation.judge(answer.status, answer.body):
                found.setdefault(finding.requirement, []).append(finding.message)
            self._oracle_memo[key] = found
        return self._oracle_memo[key]


RULES: Rulebook[Asked] = Rulebook("biot")


def _rule(requirement_id: str) -> Any:
    """Register a rule of ``requirement_id`` that also judges the outcome the suite expects of
    the request under that requirement (``asked.outcomes``): one rule per requirement, one way
    to fail, whether the requirement is about one answer or a sequence."""

    def register(rule: Any) -> Any:
        def judged(answer: Answer, asked: Asked) -> bool:
            outcome = asked.outcomes.get(requirement_id)
            if outcome is not None:
                outcome.check(answer)
            return rule(answer, asked) or outcome is not None

        judged.__name__, judged.__doc__ = rule.__name__, rule.__doc__
        judged.applies_when = getattr(rule, "applies_when", ())  # type: ignore[attr-defined]
        return RULES.rule(requirement_id)(judged)

    return register


def _outcome_only(answer: Answer, asked: Asked) -> bool:
    """A requirement judged only on the outcome of a request of a sequence."""
    return False


def _first_errors(error: ValidationError, limit: int = 3) -> str:
    parts = []
    for item in error.errors()[:limit]:
        where = ".".join(str(p) for p in item["loc"])
        parts.append(f"{where}: {item['msg']}")
    more = len(error.errors()) - limit
    return "; ".join(parts) + (f"; and {more} more" if more > 0 else "")


def _body_is_a(answer: Answer, model: type[BaseModel], what: str, shown: str = "") -> None:
    """The body is JSON and validates as ``model`` (the vendor's schema)."""
    if answer.json is NOT_JSON:
        raise RuleFailure(f"expected a JSON body, got{answer.not_json_because}: {answer.describe()}")
    try:
        model.model_validate(answer.json)
    except ValidationError as exc:
        raise RuleFailure(f"not {what}: {_first_errors(exc)}{shown}") from None


def _is_client_error(answer: Answer, asked: Asked) -> bool:
    return answer.is_client_error


def _client_error_object(answer: Answer, asked: Asked) -> bool:
    return answer.is_client_error and isinstance(answer.json, dict)


# --------------------------------------------------------------------------------------------
# Session answers


@_rule("BIOT-RESPONSE-SCHEMA")
@applies_when(lambda answer, asked: asked.session_status is not None, "the suite asked for a session")
def session_answer_is_a_session_response(answer: Answer, asked: Asked) -> bool:
    """A full SessionResponseV2 (every required attribute, right types) with the status the
    operation documents, as application/json."""
    if answer.status != asked.session_status:
        raise RuleFailure(f"expected {asked.session_status} with a SessionResponseV2, got {answer.describe()}")
    if answer.media_type != "application/json":
        raise RuleFailure(f"a session answer must be application/json, got {answer.media_type!r}")
    _body_is_a(answer, SessionResponseV2, "a SessionResponseV2")
    return True


@_rule("BIOT-DATETIME-UTC")
@applies_when(lambda answer, asked: 200 <= answer.status < 300 and isinstance(answer.json, dict),
              "a session answer")
def session_datetimes_are_utc(answer: Answer, asked: Asked) -> bool:
    """Every date-time attribute of a session is ISO-8601 in UTC."""
    for name in SESSION_DATETIME_FIELDS:
        value = answer.json.get(name)
        if value is not None and parse_utc(value) is None:
            raise RuleFailure(f"{name} = {value!r} is not an ISO-8601 date-time in UTC (Z or +00:00)")
    return True


# --------------------------------------------------------------------------------------------
# Error answers


@_rule("BIOT-ERROR-ENVELOPE")
@applies_when(_is_client_error, "an error answer (4xx)")
def error_is_an_error_response(answer: Answer, asked: Asked) -> bool:
    """A JSON ErrorResponse with a string ``code``; the other envelope attributes, when present,
    have their documented types."""
    if answer.media_type != "application/json":
        raise RuleFailure(
            f"an error answer must be an application/json ErrorResponse, got "
            f"{answer.media_type!r}: {answer.describe()}"
        )
    _body_is_a(answer, ErrorResponse, "a BioT ErrorResponse", f"; {answer.describe()}")
    # The schema types each attribute (string, or object for details) and none is nullable: a
    # null is present without its type.
    nulls = [name for name in ENVELOPE_FIELDS if name in answer.json and answer.json[name] is None]
    if nulls:
        raise RuleFailure(f"the error envelope's {', '.join(nulls)} is null: {answer.describe()}")
    return True


@_rule("BIOT-ERROR-ENVELOPE-FIELDS")
@applies_when(_client_error_object, "an error answer with a JSON object")
def error_envelope_has_every_attribute(answer: Answer, asked: Asked) -> bool:
    """All six envelope attributes are present."""
    missing = [name for name in ENVELOPE_FIELDS if name not in answer.json]
    if missing:
        raise RuleFailure(f"the error envelope lacks {', '.join(missing)}")
    return True


_CODE_LINE = re.compile(r"Code : ([A-Z_]+), Details: \[([^\]]*)\]")


@cache
def documented_errors() -> dict[str, dict[str, dict[str, tuple[str, ...]]]]:
    """operationId -> status -> code -> the details keys the vendor lists for it (read from the
    working OpenAPI document's response descriptions)."""
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


def documented_details(operation_id: str, status: int, code: Any) -> tuple[str, ...] | None:
    """The documented details keys of ``code`` at ``status`` for the operation, or None if the
    vendor does not list that code there."""
    return documented_errors().get(operation_id, {}).get(str(status), {}).get(code)


def documented_codes(operation_id: str, status: int) -> frozenset[str]:
    """The codes the vendor lists for ``operation_id`` at ``status`` (empty: none listed)."""
    return frozenset(documented_errors().get(operation_id, {}).get(str(status), {}))


@_rule("BIOT-ERROR-DETAILS")
@applies_when(_client_error_object, "an error answer with a JSON object")
def error_details_carry_the_documented_keys(answer: Answer, asked: Asked) -> bool:
    """For a code the vendor lists at this status for this operation, ``details`` is an object
    carrying every key listed for it (a code it does not list there has nothing to check)."""
    code = answer.json.get("code")
    keys = documented_details(asked.operation, answer.status, code)
    if keys is None:
        return True
    details = answer.json.get("details")
    if "details" in answer.json and not isinstance(details, dict):
        return False  # a details that is no object (or null) breaks the envelope: BIOT-ERROR-ENVELOPE's
    if not isinstance(details, dict):
        raise RuleFailure(f"{code}: details must be an object carrying {list(keys)}, got {details!r}")
    missing = [key for key in keys if key not in details]
    if missing:
        raise RuleFailure(
            f"{code}: details lacks {missing} (documented: 'Code : {code}, Details: "
            f"[{', '.join(keys)}]'); got {sorted(details)}"
        )
    return True


# --------------------------------------------------------------------------------------------
# Refusals the docs demand (authentication, unknown or foreign sessions, deleting a running one)

REFUSAL_REQUIREMENTS: tuple[str, ...] = (
    "BIOT-AUTH-MISSING", "BIOT-AUTH-INVALID", "BIOT-AUTH-EXPIRED", "BIOT-AUTH-EXPIRED-401",
    "BIOT-PROTECTED-API", "BIOT-SESSION-NOT-FOUND", "BIOT-WRONG-DEVICE", "BIOT-DELETE-NON-DONE",
)


def _refused_as_documented(requirement_id: str) -> Any:
    @applies_when(lambda answer, asked: requirement_id in asked.refusals,
                  f"a request the docs say {requirement_id} refuses")
    def rule(answer: Answer, asked: Asked) -> bool:
        refusal = asked.refusals[requirement_id]
        statuses = "/".join(str(status) for status in sorted(refusal.statuses))
        if answer.status not in refusal.statuses:
            raise RuleFailure(f"expected {statuses} {refusal.code or ''}, got {answer.describe()}")
        body = answer.json
        if refusal.code is not None:
            actual = body.get("code") if isinstance(body, dict) else None
            if actual != refusal.code:
                raise RuleFailure(f"expected code {refusal.code!r}, got {actual!r}: {answer.describe()}")
        details = body.get("details") if isinstance(body, dict) else None
        for key, value in refusal.details.items():
            if isinstance(details, dict) and key in details and details[key] != value:
                raise RuleFailure(f"{asked.operation}: details.{key} {details[key]!r}, expected {value!r}")
        return True

    rule.__name__ = "refused_as_" + requirement_id.lower().replace("-", "_")
    rule.__doc__ = f"{requirement_id}: the documented status, code and predictable details."
    return rule


for _requirement in REFUSAL_REQUIREMENTS:
    _rule(_requirement)(_refused_as_documented(_requirement))


# --------------------------------------------------------------------------------------------
# PATCH answers: the oracle (model.expect_patch), each finding under the requirement it breaks


def _has_expectation(answer: Answer, asked: Asked) -> bool:
    return asked.expectation is not None


def _oracle_rule(requirement_id: str) -> Any:
    @applies_when(_has_expectation, "a PATCH the oracle has an expectation for")
    def rule(answer: Answer, asked: Asked) -> bool:
        messages = asked.oracle_findings(answer).get(requirement_id)
        if messages:
            raise RuleFailure("; ".join(messages))
        assert asked.expectation is not None
        return requirement_id in asked.expectation.requirements_judged(answer.status)

    rule.__name__ = "patch_oracle_" + requirement_id.lower().replace("-", "_")
    rule.__doc__ = f"{requirement_id} as the PATCH oracle (model.expect_patch) judges the answer."
    return rule


for _requirement in (*ORACLE_REQUIREMENTS, R_NO_SERVER_ERROR):
    _rule(_requirement)(_oracle_rule(_requirement))


def _is_envelope_400(answer: Answer) -> bool:
    return answer.status == 400 and isinstance(answer.json, dict) and isinstance(answer.json.get("code"), str)


@_rule(R_REQUIRED_CONFLICT)
def omission_applied_or_refused_with_400(answer: Answer, asked: Asked) -> bool:
    """A PATCH omitting the schema's required _startTime/_state is applied (200) or refused with a
    400 envelope. A 4xx that the complete repeat gets too is about something else in the PATCH
    (the oracle's); a 5xx is BIOT-NO-SERVER-ERROR's, whatever the body. And what the oracle finds
    about the omission on a PATCH it judges (``asked.repeat_status``: the complete repeat's
    status, when the suite sent one)."""
    judged = False
    problems: list[str] = []
    # A refusal alone does not say whether the omission was refused or something else in the
    # body: only the complete repeat's answer tells (without one, the oracle judges the refusal).
    if omits_required(asked.sent) and (answer.status < 400 or asked.repeat_status is not None):
        judged = True
        repeated_alike = asked.repeat_status is not None and asked.repeat_status == answer.status
        if not (
            answer.status == 200 or _is_envelope_400(answer) or answer.status >= 500
            or (answer.is_client_error and repeated_alike)
        ):
            problems.append(
                f"a PATCH omitting _startTime/_state must be applied (200) or refused with a 400 "
                f"envelope; got {answer.describe()}"
                + (f", while the complete PATCH got {asked.repeat_status}"
                   if asked.repeat_status is not None else "")
            )
    if asked.expectation is not None:
        problems += asked.oracle_findings(answer).get(R_REQUIRED_CONFLICT, [])
        judged = judged or R_REQUIRED_CONFLICT in asked.expectation.requirements_judged(answer.status)
    if problems:
        raise RuleFailure("; ".join(problems))
    return judged


PATCH_ANSWER_REQUIREMENTS: tuple[str, ...] = (*ORACLE_REQUIREMENTS, R_REQUIRED_CONFLICT, R_NO_SERVER_ERROR)
"""The rules a PATCH answer is judged on by the oracle (each judges only what is in play)."""


# --------------------------------------------------------------------------------------------
# The GET after a PATCH


def _read_back_view(answer: Answer) -> SessionView | None:
    if answer.status == 200 and isinstance(answer.json, dict):
        return SessionView.from_body(answer.json)
    return None


@_rule(R_GET)
@applies_when(lambda answer, asked: asked.read_back is not None, "the GET right after a PATCH of ours")
def get_shows_the_accepted_patch(answer: Answer, asked: Asked) -> bool:
    """GET after an accepted PATCH shows what the PATCH answer showed; and the session can be read."""
    stored = _read_back_view(answer)
    if stored is None:
        raise RuleFailure(f"the session could not be read back: {answer.describe()}")
    assert asked.read_back is not None
    if asked.read_back.accepted_body is None:
        return False
    findings = judge_stored(asked.read_back.expectation, asked.read_back.accepted_body, stored)
    if findings:
        raise RuleFailure("; ".join(f.message for f in findings))
    return True


@_rule(R_REJECTED_NO_EFFECT)
@applies_when(
    lambda answer, asked: asked.read_back is not None and asked.read_back.accepted_body is None,
    "the GET right after a PATCH of ours that was refused",
)
def refused_patch_changed_nothing(answer: Answer, asked: Asked) -> bool:
    """A refused PATCH leaves the stored session as it was."""
    stored = _read_back_view(answer)
    if stored is None:
        return False  # BIOT-GET's failure
    assert asked.read_back is not None
    findings = judge_stored(asked.read_back.expectation, None, stored)
    if findings:
        raise RuleFailure("; ".join(f.message for f in findings))
    return True


# --------------------------------------------------------------------------------------------
# The code of a refusal of a body the suite sent as invalid (which codes name which condition:
# model.CONDITION_CODES)

REFUSAL_CODE_REQUIREMENTS: tuple[str, ...] = (
    "BIOT-REFUSAL-CODE", "BIOT-REFUSAL-CODE-CONDITION", "BIOT-ERROR-DETAILS-VALUES",
)


def _code(answer: Answer) -> Any:
    return answer.json.get("code") if isinstance(answer.json, dict) else None


def _invalid_body_refused(answer: Answer, asked: Asked) -> InvalidBody | None:
    """What the code of this refusal is judged against: None when the answer is no 4xx of a body
    the suite sent as invalid (for a PATCH: one the oracle calls invalid or open at that status)."""
    if not answer.is_client_error:
        return None
    if asked.invalid_body is not None:
        return asked.invalid_body
    if asked.expectation is not None:
        return refused_patch_body(asked.expectation, answer.status, _code(answer))
    return None


def _coded_refusal_of_invalid_body(answer: Answer, asked: Asked) -> bool:
    return (
        _invalid_body_refused(answer, asked) is not None
        and isinstance(_code(answer), str)
        and bool(documented_codes(asked.operation, answer.status))
    )


_REFUSAL_OF_INVALID_BODY = (
    "a coded refusal of a body sent as invalid, at a status the vendor lists codes for "
    "(a status without listed codes, or no code, is other requirements' business)"
)


@_rule("BIOT-REFUSAL-CODE")
@applies_when(_coded_refusal_of_invalid_body, _REFUSAL_OF_INVALID_BODY)
def refusal_code_is_listed(answer: Answer, asked: Asked) -> bool:
    """The code is one the vendor lists for the operation at that status."""
    documented = documented_codes(asked.operation, answer.status)
    code = _code(answer)
    if code not in documented:
        raise RuleFailure(
            f"{asked.operation} refused an invalid body with {answer.status} {code!r}, a code the "
            f"vendor does not list for it at {answer.status} (listed: {', '.join(sorted(documented))})"
        )
    return True


def _listed_code_of_invalid_body(answer: Answer, asked: Asked) -> bool:
    return _coded_refusal_of_invalid_body(answer, asked) and _code(answer) in documented_codes(
        asked.operation, answer.status
    )


@_rule("BIOT-REFUSAL-CODE-CONDITION")
@applies_when(_listed_code_of_invalid_body, "a refusal of a body sent as invalid, with a listed code")
def refusal_code_names_the_condition(answer: Answer, asked: Asked) -> bool:
    """The listed code is one whose name states what the body breaks, and details.attributeName,
    when present, names the attribute at fault."""
    invalid = _invalid_body_refused(answer, asked)
    assert invalid is not None
    code = _code(answer)
    problems = []
    if invalid.codes is not None and code not in invalid.codes:
        problems.append(
            f"{asked.operation} refused with {answer.status} {code!r}; the documented code naming "
            f"what the body breaks is {' or '.join(sorted(invalid.codes))}"
        )
    details = answer.json.get("details")
    named = details.get("attributeName") if isinstance(details, dict) else None
    if invalid.at_fault is not None and named is not None and not names_one_of(named, invalid.at_fault):
        problems.append(
            f"{asked.operation} refused with {code!r} naming details.attributeName {named!r}; the "
            f"attribute at fault is {' or '.join(sorted(invalid.at_fault))}"
        )
    if problems:
        raise RuleFailure("; ".join(problems))
    return True


def _sent_at(asked: Asked, path: Any) -> tuple[bool, Any]:
    """(found, value) of the attribute at ``path`` (``_summary._stopReason``) in the body sent."""
    body = asked.sent if asked.sent is not None else (
        asked.expectation.body if asked.expectation is not None else None
    )
    if not isinstance(path, str):
        return False, None
    for name in path.split("."):
        if not isinstance(body, dict) or name not in body:
            return False, None
        body = body[name]
    return True, body


@_rule("BIOT-ERROR-DETAILS-VALUES")
@applies_when(_listed_code_of_invalid_body, "a refusal of a body sent as invalid, with a listed code")
def refusal_details_hold_the_schemas_values(answer: Answer, asked: Asked) -> bool:
    """The details keys the vendor lists for the code carry values (not null; ``value`` only
    where it echoes a null that was sent), and the bounds and enums they report are the schema's."""
    code = _code(answer)
    keys = documented_details(asked.operation, answer.status, code)
    details = answer.json.get("details")
    if not keys or not isinstance(details, dict):
        return False  # no keys listed, or no details object (BIOT-ERROR-DETAILS' failure)
    problems = [f"details.{key} is null" for key in keys
                if key != "value" and key in details and details[key] is None]
    if "value" in keys and "value" in details and details["value"] is None:
        found, sent = _sent_at(asked, details.get("attributeName"))
        if found and sent is not None:
            problems.append(f"details.value is null, but {details['attributeName']} was sent as {sent!r}")
    for key, allowed in (("maxValue", SCHEMA_MAXIMA), ("minimum", SCHEMA_MINIMA)):
        if details.get(key) is not None and str(details[key]) not in allowed:
            problems.append(f"details.{key} = {details[key]!r}, not a bound of the schema "
                            f"({' or '.join(sorted(allowed))})")
    listed = details.get("allowedValues")
    if listed is not None and not (
        isinstance(listed, list) and all(isinstance(v, str) for v in listed)
        and frozenset(listed) in SCHEMA_ENUMS
    ):
        problems.append(f"details.allowedValues = {listed!r}, not one of the schema's enums")
    if problems:
        raise RuleFailure(f"{code}: " + "; ".join(problems))
    return True


SEQUENCE_REQUIREMENTS: tuple[str, ...] = (
    "BIOT-CREATE", "BIOT-DELETE", "BIOT-SUMMARY-UPDATE", "BIOT-CUSTOM-ATTRIBUTE", "BIOT-CONFIGURATION-ATTRIBUTE",
    "BIOT-CREATE-INVALID",
    "BIOT-CREATE-PATIENT",
)
"""The requirements judged only over a sequence (what a request leads to, given the session's
history): each one's rule is its outcome."""

for _requirement in SEQUENCE_REQUIREMENTS:
    _rule(_requirement)(_outcome_only)


SESSION_REQUIREMENTS = ("BIOT-RESPONSE-SCHEMA", "BIOT-DATETIME-UTC")
"""What every session answer is judged on."""
ERROR_REQUIREMENTS = ("BIOT-ERROR-ENVELOPE", "BIOT-ERROR-ENVELOPE-FIELDS", "BIOT-ERROR-DETAILS")
"""What every error answer is judged on."""


# --------------------------------------------------------------------------------------------
# The vendor's own client: biotmed-device-sdk reads the answer (judged by the core on every
# answer of a test, see pytest_sessionapi.client_readability)

CLIENT_SDK = "biotmed-device-sdk"
_SDK_ERROR_STATUSES = ("400", "401", "403", "404", "409", "500", "504")
SDK_RESPONSE_TYPES: dict[str, dict[str, str | None]] = {
    operation: {success: model, **dict.fromkeys(_SDK_ERROR_STATUSES, "ErrorResponse")}
    for operation, success, model in (
        ("createSessionByUsageType", "201", "SessionResponseV2"),
        ("getSession", "200", "SessionResponseV2"),
        ("updateSession", "200", "SessionResponseV2"),
        ("deleteSession", "204", None),
    )
}
"""The model UsageSessionAPIApi (2.3.40) deserialises each status of each operation into: its
methods' ``_response_types_map`` (None: no body is read)."""

_SESSIONS = r"/device/v1/devices/[^/]+/usage-sessions/"
_OPERATIONS: tuple[tuple[str, re.Pattern[str], str], ...] = (
    ("POST", re.compile(_SESSIONS + r"usage-type/[^/]+/?$"), "createSessionByUsageType"),
    ("GET", re.compile(_SESSIONS + r"[^/]+/?$"), "getSession"),
    ("PATCH", re.compile(_SESSIONS + r"[^/]+/?$"), "updateSession"),
    ("DELETE", re.compile(_SESSIONS + r"[^/]+/?$"), "deleteSession"),
)


def operation_of(answer: Answer) -> str | None:
    """The operationId of the request ``answer`` answers, from its request line."""
    for method, path, operation in _OPERATIONS:
        if answer.method.upper() == method and path.search(answer.path):
            return operation
    return None


@cache
def _vendor_client() -> tuple[Any, str] | str:
    """The SDK's ApiClient (it deserialises without connecting anywhere) and its version, or why
    there is none. Imported on first use only: the plugin's import stays cheap."""
    try:
        from importlib.metadata import version

        from biotmed_device_sdk import ApiClient

        return ApiClient(), version(CLIENT_SDK)
    except ImportError:
        return f"{CLIENT_SDK} is not installed (pip install 'pytest-sessionapi[clients]')"


def _document_accepts(answer: Answer, operation: str) -> bool:
    """The vendor's document accepts the answer: a documented status, and for a body a valid
    SessionResponseV2 with UTC date-times, or a valid ErrorResponse, as application/json. An answer
    it does not accept is failed under those requirements already (one defect, one ID)."""
    if str(answer.status) not in SDK_RESPONSE_TYPES[operation] or answer.status >= 500:
        return False  # a 5xx is BIOT-NO-SERVER-ERROR's
    if SDK_RESPONSE_TYPES[operation][str(answer.status)] is None:
        return True
    if 200 <= answer.status < 300:
        verdicts = RULES.judge(answer, Asked(operation, session_status=answer.status),
                               ("BIOT-RESPONSE-SCHEMA", "BIOT-DATETIME-UTC"))
    else:
        verdicts = RULES.judge(answer, Asked(operation), ("BIOT-ERROR-ENVELOPE",))
    return not verdicts.failures


def _where_unreadable(body: Any, error: ValidationError) -> str:
    """``_ownerOrganization (BasicReferencedEntityDataUUIDId) ``: the SDK validates a nested
    model on its own, so its error names the nested model's fields only; the attribute of the
    answer that holds it is found by reading each one with that model."""
    if not isinstance(body, dict):
        return ""
    from biotmed_device_sdk import models

    nested = getattr(models, error.title, None)
    if nested is None or error.title in SDK_RESPONSE_TYPES_MODELS:
        return ""
    failing = {(e["loc"], e["type"]) for e in error.errors()}
    holders = []
    for name, value in body.items():
        if isinstance(value, dict):
            try:
                nested.from_dict(value)
            except ValidationError as other:
                if {(e["loc"], e["type"]) for e in other.errors()} == failing:
                    holders.append(name)
    return f"{', '.join(holders) or '?'} ({error.title}) "


SDK_RESPONSE_TYPES_MODELS = frozenset({"SessionResponseV2", "ErrorResponse"})


@RULES.rule("BIOT-CLIENT-READABLE")
def the_vendors_client_reads_the_answer(answer: Answer, asked: Asked | None) -> bool:
    """biotmed-device-sdk deserialises an answer the document accepts into the model its
    UsageSessionAPIApi declares for that operation and status, without error."""
    from pytest_sessionapi.client_readability import ClientUnavailable

    client = _vendor_client()
    if isinstance(client, str):
        raise ClientUnavailable(client)
    operation = operation_of(answer)
    if operation is None or not _document_accepts(answer, operation):
        return False
    sdk, version = client
    model = SDK_RESPONSE_TYPES[operation][str(answer.status)]
    if model is None:
        return True  # the SDK reads no body here
    try:
        sdk.deserialize(answer.content.decode("utf-8", errors="replace"), model, answer.content_type)
    except ValidationError as exc:
        raise RuleFailure(
            f"{CLIENT_SDK} {version} cannot read this {operation} answer as its model {model}: "
            f"{_where_unreadable(answer.body, exc)}{_first_errors(exc)} (valid by the vendor's "
            "document, not by the vendor's client)",
            answer.exchange(),
        ) from None
    except Exception as exc:  # the SDK's own errors: what a user of the client would get
        raise RuleFailure(
            f"{CLIENT_SDK} {version} cannot read this {operation} answer as its model {model}: "
            f"{type(exc).__name__}: {exc}", answer.exchange(),
        ) from None
    return True


def client_document_disagreements() -> list[str]:
    """Where biotmed-device-sdk's response models require what the vendor's document leaves
    optional or nullable, one text per schema, naming both sources (a documentation finding).
    Raises ClientUnavailable without the SDK."""
    from pytest_sessionapi.client_readability import ClientUnavailable

    client = _vendor_client()
    if isinstance(client, str):
        raise ClientUnavailable(client)
    _, version = client
    from biotmed_device_sdk import models

    document = json.loads(Path(__file__).with_name("openapi.json").read_text(encoding="utf-8"))
    schemas = document["components"]["schemas"]
    holders: dict[str, list[str]] = {}
    for name, prop in schemas["SessionResponseV2"]["properties"].items():
        ref = prop.get("$ref", "").rsplit("/", 1)[-1]
        if ref:
            holders.setdefault(ref, []).append(name)
    found = []
    for schema_name in sorted(holders):
        model = getattr(models, schema_name, None)
        if model is None:
            continue
        required_by_document = set(schemas[schema_name].get("required", ()))
        stricter = []
        for field_name, info in model.model_fields.items():
            attribute = info.alias or field_name
            documented = schemas[schema_name].get("properties", {}).get(attribute)
            if documented is None or not info.is_required() or attribute in required_by_document:
                continue
            types = documented.get("type", [])
            nullable = "null" in types or any(
                option.get("type") == "null" for option in documented.get("anyOf", ())
            )
            notes = [note for note, holds in (("nullable", nullable),
                                              ("deprecated", documented.get("deprecated"))) if holds]
            stricter.append(attribute + (f" ({', '.join(notes)} in the document)" if notes else ""))
        if stricter:
            found.append(
                f"{CLIENT_SDK} {version} (models.{schema_name}) requires {', '.join(stricter)} "
                f"in {', '.join(holders[schema_name])} of SessionResponseV2, which the vendor's "
                f"OpenAPI document (components.schemas.{schema_name}) leaves optional: an answer "
                "valid by the document can be unreadable by the vendor's client"
            )
    return found
