"""Invalid bodies as a class: every attribute of Update Usage Session and of Create by usage type
sent with a JSON type its schema does not allow, invalid create bodies, and attributes the
template does not define; each refusal judged on its status, envelope and code.

The PATCHes go through the same oracle as every other PATCH (``steps.judge_patch``), whose rules
also judge the refusal's code (``model.refused_patch_body``). The other refusals have no oracle of
their own: each test says, per body, the attribute at fault and the documented codes naming the
condition (``model.InvalidBody``), and ``steps.judge_outcome`` judges the answer.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from pytest_sessionapi.apis.biot.model import (
    MANDATORY,
    NOT_A_DATE_TIME,
    NOT_IN_ENUM,
    TOO_LONG,
    TOO_SHORT,
    UNKNOWN_ATTRIBUTE,
    WRONG_TYPE,
    InvalidBody,
    SessionView,
    format_utc,
)
from pytest_sessionapi.apis.biot.rules import (
    ERROR_REQUIREMENTS,
    REFUSAL_CODE_REQUIREMENTS,
    SESSION_REQUIREMENTS,
    Outcome,
)
from pytest_sessionapi.apis.biot.sessions import stored_start
from pytest_sessionapi.apis.biot.steps import judge_outcome, judge_patch

pytestmark = pytest.mark.sessionapi("biot")

REFUSED = ("BIOT-PATCH-REJECTED-NO-EFFECT", *ERROR_REQUIREMENTS, *REFUSAL_CODE_REQUIREMENTS)
SAME_STATE = "BIOT-TRANSITION-INFERRED-ALLOWED"

# JSON values of each type the schema does not allow, per schema type of the attribute.
NOT_A_STRING = (12345, True, ["a", "list"], {"an": "object"})
NOT_AN_OBJECT = ("not an object", 12345, ["a", "list"])

# UpdateSessionRequestV2 / CreateSessionByUsageTypeRequestV2, attribute -> its schema type
# (SessionSummaryUpdateRequest's attributes by their path).
SCHEMA_TYPES = {
    "_startTime": "string", "_endTime": "string", "_state": "string", "_name": "string",
    "_configuration": "object", "_summary": "object",
    "_summary._stopReason": "string", "_summary._stopReasonCode": "string",
}


def wrong_values(attribute: str) -> tuple[Any, ...]:
    return NOT_A_STRING if SCHEMA_TYPES[attribute] == "string" else NOT_AN_OBJECT


def _stop_body(start, *, reason: Any = "Manual Stop", code: Any = "COMPLETION") -> dict[str, Any]:
    return {
        "_startTime": format_utc(start), "_state": "DONE",
        "_endTime": format_utc(start + timedelta(minutes=30)),
        "_summary": {"_stopReason": reason, "_stopReasonCode": code},
    }


def with_value(body: dict[str, Any], attribute: str, value: Any) -> dict[str, Any]:
    """``body`` with ``attribute`` (a top-level name or a _summary path) set to ``value``."""
    changed = {**body, "_summary": dict(body.get("_summary") or {})}
    if "." in attribute:
        parent, child = attribute.split(".")
        changed[parent][child] = value
    else:
        changed[attribute] = value
    if not changed["_summary"] and "_summary" not in body:
        del changed["_summary"]
    return changed


@pytest.mark.sessionapi_requirement(
    "BIOT-PATCH-TYPES", "BIOT-PATCH-DATETIME-FORMAT", "BIOT-PATCH-STATE-ENUM",
    "BIOT-PATCH-STOP-REASON-CODE-ENUM", "BIOT-STOP-DOCUMENTED", SAME_STATE, *REFUSED,
)
@pytest.mark.parametrize("attribute", list(SCHEMA_TYPES))
def test_every_attribute_of_the_wrong_type_is_refused(biot_sessions, sessionapi_conformance, attribute):
    """The body is '#/components/schemas/UpdateSessionRequestV2': each of its attributes sent
    with every JSON type its schema does not allow (a number, a boolean, a list, an object for a
    string; a string, a number, a list for an object) is refused with 400, in a PATCH that is
    otherwise valid (a stop for the _summary attributes, as a device sends them)."""
    created = biot_sessions.create()
    session_id, before, start = created["_id"], SessionView.from_body(created), stored_start(created)
    if attribute.startswith("_summary.") or attribute == "_endTime":
        valid = _stop_body(start)
    else:
        valid = {"_startTime": format_utc(start), "_state": "ACTIVE"}
    for value in wrong_values(attribute):
        judged = judge_patch(sessionapi_conformance, biot_sessions, session_id, before, with_value(valid, attribute, value))
        before = judged.current or before


@pytest.mark.sessionapi_requirement("BIOT-PATCH-TYPES", SAME_STATE, *REFUSED)
def test_custom_attribute_of_the_wrong_type_is_refused(biot_sessions, sessionapi_entity, sessionapi_conformance):
    """'Regular custom attribute 1 value', of the type the template gives it: the target's custom
    attribute holds a string, so a number, a boolean, a list or an object sent for it is refused
    with 400, and the session keeps its value."""
    attribute = sessionapi_entity("custom_attribute")
    created = biot_sessions.create()
    session_id, before, start = created["_id"], SessionView.from_body(created), stored_start(created)
    shown_before = created.get(attribute)
    for value in NOT_A_STRING:
        sent = {"_startTime": format_utc(start), "_state": "ACTIVE", attribute: value}
        response = biot_sessions.patch(session_id, sent)
        judge_outcome(sessionapi_conformance, response, "updateSession", {
            "BIOT-PATCH-TYPES": Outcome.of(400, what=f"{attribute} (a string attribute) sent as {value!r}"),
        }, sent=sent, invalid=InvalidBody(WRONG_TYPE, frozenset({attribute})))
        if not 400 <= response.status_code < 500:
            continue
        judge_outcome(sessionapi_conformance, biot_sessions.get(session_id), "getSession", {
            "BIOT-PATCH-REJECTED-NO-EFFECT": Outcome(
                frozenset({200}), {attribute: shown_before}, keeps=before,
                what=f"GET after the refused PATCH of {attribute}={value!r}",
            ),
        }, session_status=200)


@pytest.mark.sessionapi_requirement("BIOT-REFUSAL-CODE-CONDITION", "BIOT-REFUSAL-CODE", *ERROR_REQUIREMENTS)
def test_attribute_the_template_does_not_define(biot_sessions, sessionapi_conformance):
    """'Code : ATTRIBUTE_NOT_VALID_FOR_TEMPLATE, Details: [attributeName, templateId]': an
    attribute no template defines, in a PATCH and in a create, is accepted as a custom attribute
    or refused with 400 as not valid for the template, the attribute named."""
    unknown = f"pytestSessionapiUndefined{biot_sessions.inputs.uuid4().hex[:6]}"
    created = biot_sessions.create()
    start = stored_start(created)
    patched = {"_startTime": format_utc(start), "_state": "ACTIVE", unknown: "x"}
    posted = {**_create_body(biot_sessions), unknown: "x"}
    answers = {
        "updateSession": (patched, biot_sessions.patch(created["_id"], patched)),
        "createSessionByUsageType": (posted, biot_sessions.create_raw(posted)),
    }
    for operation, (sent, response) in answers.items():
        judge_outcome(sessionapi_conformance, response, operation, {
            "BIOT-REFUSAL-CODE-CONDITION": Outcome.of(
                200 if operation == "updateSession" else 201, 400,
                what=f"{operation} with the undefined attribute {unknown!r} (accepted or refused with 400)",
            ),
        }, sent=sent, invalid=InvalidBody(UNKNOWN_ATTRIBUTE, frozenset({unknown})))


# -- Create by usage type ----------------------------------------------------------------------


def _create_body(biot_sessions) -> dict[str, Any]:
    """A valid create of a DONE session: it holds no device busy, so a wrongly accepted invalid
    create does not block the next one (the fixture deletes it)."""
    start = biot_sessions.past()
    return {**_stop_body(start), "_name": biot_sessions.session_name()}


def _without(name: str):
    return lambda body: {k: v for k, v in body.items() if k != name}


def _setting(attribute: str, value: Any):
    return lambda body: with_value(body, attribute, value)


# (case id, how the valid body is broken, the attribute at fault, codes naming the condition)
INVALID_CREATES = [
    ("no-startTime", _without("_startTime"), "_startTime", MANDATORY),
    ("no-state", _without("_state"), "_state", MANDATORY),
    ("startTime-not-iso", _setting("_startTime", "28/07/2022 14:02:26"), "_startTime", NOT_A_DATE_TIME),
    ("state-not-in-enum", _setting("_state", "FINISHED"), "_state", NOT_IN_ENUM),
    ("name-empty", _setting("_name", ""), "_name", TOO_SHORT),
    ("name-too-long", _setting("_name", "n" * 65), "_name", TOO_LONG),
    ("stop-reason-code-not-in-enum", _setting("_summary._stopReasonCode", "MANUAL"),
     "_summary._stopReasonCode", NOT_IN_ENUM),
    ("patient-without-id", _setting("_patient", {}), "_patient.id", MANDATORY),
    # A _patient that is no reference: the type is wrong, or its mandatory id is missing.
    ("patient-not-an-object", _setting("_patient", "patient"), "_patient", WRONG_TYPE | MANDATORY),
    ("patient-id-a-number", _setting("_patient", {"id": 12345}), "_patient.id", WRONG_TYPE | MANDATORY),
    *[
        (f"{attribute}-as-{type(value).__name__}", _setting(attribute, value), attribute,
         NOT_A_DATE_TIME if attribute in ("_startTime", "_endTime")
         else NOT_IN_ENUM if attribute.endswith(("_state", "_stopReasonCode")) else WRONG_TYPE)
        for attribute in SCHEMA_TYPES
        for value in wrong_values(attribute)[:1] + wrong_values(attribute)[2:3]
    ],
]


@pytest.mark.sessionapi_requirement("BIOT-CREATE-INVALID", *ERROR_REQUIREMENTS, *REFUSAL_CODE_REQUIREMENTS)
@pytest.mark.parametrize(
    ("broken", "attribute", "conditions"),
    [pytest.param(*case[1:], id=case[0]) for case in INVALID_CREATES],
)
def test_invalid_create_body_is_refused(biot_sessions, sessionapi_conformance, broken, attribute, conditions):
    """'#/components/schemas/CreateSessionByUsageTypeRequestV2' requires _startTime and _state and
    types every attribute; of _patient.id 'This parameter is mandatory only if its optional parent
    attribute is defined.' A create that breaks one of these, in an otherwise valid body, is
    refused with 400 and creates no session."""
    body = broken(_create_body(biot_sessions))
    judge_outcome(sessionapi_conformance, biot_sessions.create_raw(body), "createSessionByUsageType", {
        "BIOT-CREATE-INVALID": Outcome.of(400, what=f"the invalid create ({attribute})"),
    }, sent=body, invalid=InvalidBody(conditions, frozenset({attribute})))


@pytest.mark.sessionapi_requirement("BIOT-CREATE-PATIENT", "BIOT-CREATE", *SESSION_REQUIREMENTS)
def test_create_patient_is_the_device_patient_or_the_one_sent(biot_sessions, sessionapi_conformance):
    """'If patient is null in the request, the patient id will be read from the device entity.':
    a create with no _patient and one with _patient null get the device's patient; one that sends
    that patient as _patient {id} gets it too."""
    first = biot_sessions.create_raw(_create_body(biot_sessions))
    judge_outcome(sessionapi_conformance, first, "createSessionByUsageType", {
        "BIOT-CREATE-PATIENT": Outcome.of(
            201, what="create without _patient (the device's patient)", names=("_patient.id",)
        ),
    }, session_status=201)
    patient = _patient_id(first)
    if sessionapi_conformance.status_of("BIOT-CREATE-PATIENT") == "fail":
        return  # no patient of the device to send back: the rule said why
    for how, sent in (("_patient null", None), ("_patient {id} of the device's patient", {"id": patient})):
        response = biot_sessions.create_raw({**_create_body(biot_sessions), "_patient": sent})
        judge_outcome(sessionapi_conformance, response, "createSessionByUsageType", {
            "BIOT-CREATE-PATIENT": Outcome.of(201, what=f"create with {how}", _patient__id=patient),
        }, session_status=201)


def _json(response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _patient_id(response) -> Any:
    body = _json(response)
    patient = body.get("_patient") if isinstance(body, dict) else None
    return patient.get("id") if isinstance(patient, dict) else None
