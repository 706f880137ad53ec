"""The BioT rulebook (rules.py): each rule on answers built by hand, the PATCH oracle's rules, the
read-back after a PATCH, the Schemathesis custom checks built from the rules, and the catalogue
data the rules read."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from pytest_sessionapi.apis.biot import model, rules
from pytest_sessionapi.apis.biot.model import SessionView, expect_patch, format_utc, to_milliseconds
from pytest_sessionapi.apis.biot.reference import create_app
from pytest_sessionapi.apis.biot.rules import RULES, Asked, ReadBack, Refusal
from pytest_sessionapi.apis.biot.vendor_examples import STOP_EXAMPLE, SUMMARY_EXAMPLE, schema_findings
from pytest_sessionapi.requirements import load_catalogue
from pytest_sessionapi.rulebook import Answer, RuleFailure

NOW = to_milliseconds(datetime.now(UTC))
START = NOW - timedelta(hours=3)


def answer(status: int, body=None, *, content_type="application/json", raw: bytes | None = None) -> Answer:
    content = raw if raw is not None else (b"" if body is None else json.dumps(body).encode())
    return Answer(status, content_type, content)


def envelope(code="SESSION_NOT_FOUND", **details):
    return {"code": code, "message": "m", "serviceName": "s", "traceId": "t", "environment": "e",
            "details": details}


def session(**changes):
    """A SessionResponseV2 as the reference writes it."""
    app = create_app()
    state = app.state.reference
    from pytest_sessionapi.apis.biot.reference.server import StoredSession

    stored = StoredSession(
        id="s1", device_id="reference-device-1", patient_id="p", organization_id="o",
        template_id="t", usage_type="Monitoring", start=START, end=None, state="ACTIVE",
        name="n", configuration={}, summary={}, created=START, modified=START, context="c",
    )
    return {**state.render(stored), **changes}


def verdicts(requirement_ids, response: Answer, asked: Asked) -> dict[str, str | None]:
    return RULES.judge(response, asked, requirement_ids).results


def test_every_rule_names_a_requirement_of_the_catalogue():
    catalogue = {r.id for r in load_catalogue("biot")}
    assert set(RULES) <= catalogue


def test_a_session_answer():
    asked = Asked("getSession", session_status=200)
    assert verdicts(rules.SESSION_REQUIREMENTS, answer(200, session()), asked) == {
        "BIOT-RESPONSE-SCHEMA": None, "BIOT-DATETIME-UTC": None,
    }
    broken = session()
    del broken["_sessionContext"]
    assert "_sessionContext" in verdicts(["BIOT-RESPONSE-SCHEMA"], answer(200, broken), asked)["BIOT-RESPONSE-SCHEMA"]
    assert "expected 201" in verdicts(["BIOT-RESPONSE-SCHEMA"], answer(200, session()), Asked("x", session_status=201))["BIOT-RESPONSE-SCHEMA"]
    offset = session(_startTime="2022-07-28T16:02:26.000+02:00")
    assert "UTC" in verdicts(["BIOT-DATETIME-UTC"], answer(200, offset), asked)["BIOT-DATETIME-UTC"]
    # No session asked for, no error answer: the rules have nothing to judge.
    assert verdicts(["BIOT-RESPONSE-SCHEMA", "BIOT-ERROR-ENVELOPE"], answer(200, session()), Asked("getSession")) == {}


def test_an_error_answer():
    asked = Asked("getSession")
    every = ["BIOT-ERROR-ENVELOPE", "BIOT-ERROR-ENVELOPE-FIELDS", "BIOT-ERROR-DETAILS"]
    assert verdicts(every, answer(404, envelope(id="1")), asked) == dict.fromkeys(every)
    found = verdicts(every, answer(404, {"code": "SESSION_NOT_FOUND", "details": {}}), asked)
    assert "lacks message" in found["BIOT-ERROR-ENVELOPE-FIELDS"]
    assert "details lacks ['id']" in found["BIOT-ERROR-DETAILS"]
    assert "ErrorResponse" in verdicts(every, answer(400, {"error": "x"}), asked)["BIOT-ERROR-ENVELOPE"]
    assert "application/json" in verdicts(every, answer(400, raw=b"bad", content_type="text/plain"), asked)["BIOT-ERROR-ENVELOPE"]
    # A code the vendor does not list for the operation has no details to check.
    assert verdicts(["BIOT-ERROR-DETAILS"], answer(404, envelope("OTHER")), asked) == {"BIOT-ERROR-DETAILS": None}


def test_a_documented_refusal():
    asked = Asked("getSession", refusals={"BIOT-SESSION-NOT-FOUND": Refusal.of(404, "SESSION_NOT_FOUND", id="1")})
    assert verdicts(["BIOT-SESSION-NOT-FOUND"], answer(404, envelope(id="1")), asked) == {"BIOT-SESSION-NOT-FOUND": None}
    assert "details.id '2'" in verdicts(["BIOT-SESSION-NOT-FOUND"], answer(404, envelope(id="2")), asked)["BIOT-SESSION-NOT-FOUND"]
    assert "code 'SESSION_NOT_FOUND'" in verdicts(["BIOT-SESSION-NOT-FOUND"], answer(404, envelope("NOT_FOUND")), asked)["BIOT-SESSION-NOT-FOUND"]
    assert "expected 404" in verdicts(["BIOT-SESSION-NOT-FOUND"], answer(200, session()), asked)["BIOT-SESSION-NOT-FOUND"]
    # A rule whose refusal the request was not sent for judges nothing.
    assert verdicts(["BIOT-WRONG-DEVICE"], answer(404, envelope()), asked) == {}
    either = Asked("getSession", refusals={"BIOT-AUTH-EXPIRED": Refusal(frozenset({401, 403}))})
    assert verdicts(["BIOT-AUTH-EXPIRED"], answer(403, raw=b"", content_type=None), either) == {"BIOT-AUTH-EXPIRED": None}


def patch(body, before=None):
    before = before or SessionView("s1", "ACTIVE", START, None, "n", None, None)
    return Asked("updateSession", sent=body, expectation=expect_patch(before, body, now=NOW))


def test_the_oracles_rules_judge_what_the_body_puts_in_play():
    asked = patch({"_startTime": format_utc(START), "_state": "FINISHED"})
    found = verdicts(rules.PATCH_ANSWER_REQUIREMENTS, answer(200, session()), asked)
    assert list(found) == ["BIOT-PATCH-STATE-ENUM"] and "must be refused" in found["BIOT-PATCH-STATE-ENUM"]
    assert verdicts(rules.PATCH_ANSWER_REQUIREMENTS, answer(400, envelope("X")), asked) == {"BIOT-PATCH-STATE-ENUM": None}
    rename = patch({"_startTime": format_utc(START), "_state": "ACTIVE", "_name": "m"})
    assert verdicts(rules.PATCH_ANSWER_REQUIREMENTS, answer(200, session(_name="m")), rename) == {
        "BIOT-PATCH-PARTIAL": None, "BIOT-TRANSITION-INFERRED-ALLOWED": None,
        "BIOT-PATCH-NAME-LENGTH": None, "BIOT-PATCH-STATE-ENUM": None,
    }
    assert "_name is 'n'" in verdicts(["BIOT-PATCH-PARTIAL"], answer(200, session()), rename)["BIOT-PATCH-PARTIAL"]


def test_the_oracle_judges_each_answer_once_however_many_rules_read_it(monkeypatch):
    asked = patch({"_startTime": format_utc(START), "_state": "ACTIVE", "_name": "m"})
    calls = []
    real = type(asked.expectation).judge
    monkeypatch.setattr(type(asked.expectation), "judge", lambda self, *a: calls.append(a) or real(self, *a))
    RULES.judge(answer(200, session(_name="m")), asked, rules.PATCH_ANSWER_REQUIREMENTS)
    assert len(calls) == 1


def test_an_omission_of_the_required_attributes():
    omits = {"_name": "m"}
    assert verdicts(["BIOT-REQUIRED-CONFLICT"], answer(200, session(_name="m")), patch(omits)) == {"BIOT-REQUIRED-CONFLICT": None}
    refused = Asked("updateSession", sent=omits, repeat_status=200)
    assert verdicts(["BIOT-REQUIRED-CONFLICT"], answer(400, envelope("ATTRIBUTE_IS_MANDATORY")), refused) == {"BIOT-REQUIRED-CONFLICT": None}
    found = verdicts(["BIOT-REQUIRED-CONFLICT"], answer(422, envelope("ATTRIBUTE_IS_MANDATORY")), refused)
    assert "while the complete PATCH got 200" in found["BIOT-REQUIRED-CONFLICT"]
    # The same refusal for the complete repeat: about something else in the body, not the omission.
    alike = Asked("updateSession", sent=omits, repeat_status=409)
    assert verdicts(["BIOT-REQUIRED-CONFLICT"], answer(409, envelope("X")), alike) == {"BIOT-REQUIRED-CONFLICT": None}
    # A body that sends both attributes has no omission to judge.
    assert verdicts(["BIOT-REQUIRED-CONFLICT"], answer(200, session()), Asked("updateSession", sent={"_startTime": "x", "_state": "ACTIVE"})) == {}


def test_the_get_after_a_patch():
    body = {"_startTime": format_utc(START), "_state": "ACTIVE", "_name": "m"}
    expectation = patch(body).expectation
    accepted = Asked("getSession", read_back=ReadBack(expectation, session(_name="m")))
    both = ["BIOT-GET", "BIOT-PATCH-REJECTED-NO-EFFECT"]
    assert verdicts(both, answer(200, session(_name="m")), accepted) == {"BIOT-GET": None}
    assert "differs from the PATCH answer" in verdicts(both, answer(200, session()), accepted)["BIOT-GET"]
    refused = Asked("getSession", read_back=ReadBack(expectation, None))
    assert verdicts(both, answer(200, session()), refused) == {"BIOT-PATCH-REJECTED-NO-EFFECT": None}
    assert "was refused, yet" in verdicts(both, answer(200, session(_name="m")), refused)["BIOT-PATCH-REJECTED-NO-EFFECT"]
    assert "could not be read back" in verdicts(both, answer(404, envelope()), refused)["BIOT-GET"]


def test_a_rule_failure_carries_its_requirement():
    with pytest.raises(RuleFailure) as failure:
        RULES.apply("BIOT-ERROR-ENVELOPE-FIELDS", answer(400, {"code": "c"}), Asked("getSession"))
    assert failure.value.requirement_id == "BIOT-ERROR-ENVELOPE-FIELDS"


def test_the_schemathesis_custom_checks_are_the_rules():
    from pytest_sessionapi.apis.biot import schemathesis_checks
    from pytest_sessionapi.schemathesis_support import RequirementViolation

    class Response:
        status_code = 404
        headers = {"content-type": ["application/json"]}
        content = json.dumps({"code": "SESSION_NOT_FOUND", "details": {}}).encode()
        request = None

    class Case:
        method = "GET"
        path = "/device/v1/devices/{deviceId}/usage-sessions/{id}"

    names = [check.__name__ for check in schemathesis_checks.CUSTOM_CHECKS]
    assert names == ["biot_biot_error_envelope", "biot_biot_error_details", "biot_biot_datetime_utc"]
    details = schemathesis_checks.CUSTOM_CHECKS[1]
    with pytest.raises(RequirementViolation) as violation:
        details(None, Response(), Case())
    assert violation.value.requirement_id == "BIOT-ERROR-DETAILS"
    Case.path = "/another/api"
    assert details(None, Response(), Case()) is None  # another API's operation: not judged


def test_vendor_examples_findings():
    stop = dict(schema_findings(STOP_EXAMPLE))
    assert "_startTime" in stop["BIOT-REQUIRED-CONFLICT"]
    assert any("_startTime, _state" in text for _, text in schema_findings(SUMMARY_EXAMPLE))


def test_working_openapi_document():
    from pytest_sessionapi.apis.biot.schemathesis_checks import PATCH_PATH, load_schema

    schema = load_schema()
    labels = sorted(op.ok().label for op in schema.get_all_operations())
    assert labels == [
        "DELETE /device/v1/devices/{deviceId}/usage-sessions/{id}",
        "GET /device/v1/devices/{deviceId}/usage-sessions/{id}",
        "PATCH /device/v1/devices/{deviceId}/usage-sessions/{id}",
        "POST /device/v1/devices/{deviceId}/usage-sessions/usage-type/{usageType}",
    ]
    assert schema[PATCH_PATH]["PATCH"] is not None
    raw = schema.raw_schema["components"]["schemas"]
    assert "required" not in raw["UpdateSessionRequestV2"]  # the `required` conflict, decided
    errors = rules.documented_errors()["updateSession"]
    assert errors["409"]["SESSION_STATE_CHANGE_INVALID"] == ("currentState", "targetState")
    assert errors["400"]["STOP_DATA_NULL_FOR_DONE_SESSION"] == ()


# --------------------------------------------------------------------------------------------
# The code of a refusal of an invalid body (BIOT-REFUSAL-CODE, -CONDITION, BIOT-ERROR-DETAILS-VALUES)

ACTIVE_VIEW = SessionView(id="s", state="ACTIVE", start=START, end=None, name="n", stop_reason=None,
                          stop_reason_code=None)


def _invalid(codes=model.WRONG_TYPE, at_fault=None, operation="updateSession") -> Asked:
    return Asked(operation, invalid_body=model.InvalidBody(codes, at_fault))


def _failed(results) -> list[str]:
    return sorted(rid for rid, text in results.items() if text is not None)


def test_listed_codes_are_read_from_the_vendor_document():
    assert "ATTRIBUTE_VALUE_TYPE_MISMATCH" in rules.documented_codes("updateSession", 400)
    assert "SESSION_MISSING_PATIENT_ID" in rules.documented_codes("createSessionByUsageType", 400)
    assert "SESSION_MISSING_PATIENT_ID" not in rules.documented_codes("updateSession", 400)
    assert rules.documented_codes("updateSession", 422) == frozenset()


def test_a_code_the_vendor_does_not_list_fails_refusal_code_only():
    results = verdicts(rules.REFUSAL_CODE_REQUIREMENTS, answer(400, envelope("BAD_REQUEST")), _invalid())
    assert results.keys() == {"BIOT-REFUSAL-CODE"} and _failed(results) == ["BIOT-REFUSAL-CODE"]


def test_a_listed_code_naming_another_condition_fails_the_condition():
    results = verdicts(rules.REFUSAL_CODE_REQUIREMENTS, answer(400, envelope("TIME_IN_FUTURE")), _invalid())
    assert _failed(results) == ["BIOT-REFUSAL-CODE-CONDITION"]
    assert results["BIOT-REFUSAL-CODE"] is None


def test_details_attribute_name_must_name_the_attribute_at_fault():
    at_fault = frozenset({"_summary._stopReason"})
    for named in ("_summary._stopReason", "_stopReason", "_summary"):
        refusal = answer(400, envelope("ATTRIBUTE_VALUE_TYPE_MISMATCH", attributeName=named, value=1, type="string"))
        assert _failed(verdicts(rules.REFUSAL_CODE_REQUIREMENTS, refusal, _invalid(at_fault=at_fault))) == [], named
    part = answer(400, envelope("ATTRIBUTE_IS_MANDATORY", attributeName="_patient.id"))
    asked = _invalid(model.MANDATORY, frozenset({"_patient"}), "createSessionByUsageType")
    assert _failed(verdicts(rules.REFUSAL_CODE_REQUIREMENTS, part, asked)) == []
    wrong = answer(400, envelope("ATTRIBUTE_VALUE_TYPE_MISMATCH", attributeName="_name", value=1, type="string"))
    assert _failed(verdicts(rules.REFUSAL_CODE_REQUIREMENTS, wrong, _invalid(at_fault=at_fault))) == [
        "BIOT-REFUSAL-CODE-CONDITION"
    ]


def test_what_is_not_a_coded_refusal_of_an_invalid_body_is_left_to_other_rules():
    for response, asked in (
        (answer(422, envelope("ANYTHING")), _invalid()),  # no codes listed at 422
        (answer(400, {"message": "no code"}), _invalid()),
        (answer(200, session()), _invalid()),
        (answer(400, envelope("BAD_REQUEST")), Asked("updateSession")),  # nothing sent as invalid
    ):
        assert verdicts(rules.REFUSAL_CODE_REQUIREMENTS, response, asked) == {}


def test_patch_refusals_get_the_code_of_their_condition():
    body = {"_startTime": format_utc(START), "_state": "ACTIVE", "_name": 12345}
    asked = Asked("updateSession", sent=body, expectation=expect_patch(ACTIVE_VIEW, body, now=NOW))
    right = answer(400, envelope("ATTRIBUTE_VALUE_TYPE_MISMATCH", attributeName="_name", value=12345, type="string"))
    assert _failed(verdicts(rules.REFUSAL_CODE_REQUIREMENTS, right, asked)) == []
    assert _failed(verdicts(rules.REFUSAL_CODE_REQUIREMENTS, answer(400, envelope("TIME_IN_FUTURE")), asked)) == [
        "BIOT-REFUSAL-CODE-CONDITION"
    ]
    # A valid body refused is the oracle's failure, not the code's.
    valid = {"_startTime": format_utc(START), "_state": "ACTIVE"}
    asked_valid = Asked("updateSession", sent=valid, expectation=expect_patch(ACTIVE_VIEW, valid, now=NOW))
    assert verdicts(rules.REFUSAL_CODE_REQUIREMENTS, answer(400, envelope("BAD_REQUEST")), asked_valid) == {}


def test_details_values_are_the_schemas_bounds_and_enums():
    good = envelope("SELECT_ATTRIBUTE_INVALID_VALUE", value="X", attributeName="_state",
                    allowedValues=["DONE", "ACTIVE", "PAUSED", "ACTIVATING", "PAUSING", "RESUMING", "STOPPING"])
    ids = ("BIOT-ERROR-DETAILS-VALUES",)
    assert verdicts(ids, answer(400, good), _invalid(model.NOT_IN_ENUM)) == {"BIOT-ERROR-DETAILS-VALUES": None}
    for bad in (
        envelope("SELECT_ATTRIBUTE_INVALID_VALUE", value="X", attributeName="_state", allowedValues=None),
        envelope("SELECT_ATTRIBUTE_INVALID_VALUE", value="X", attributeName="_state", allowedValues=["A"]),
        envelope("VALIDATION_MAX_ALLOWED_VALUE", attributeName="_name", maxValue=65),
        envelope("VALIDATION_MINIMUM_ALLOWED_VALUE", attributeName="_name", minimum=2),
        envelope("ATTRIBUTE_VALUE_TYPE_MISMATCH", attributeName="_name", value=1, type=None),
    ):
        assert _failed(verdicts(ids, answer(400, bad), _invalid())) == ["BIOT-ERROR-DETAILS-VALUES"], bad
    # A null that was sent may be echoed as the value; a value that was sent may not come back null.
    echoed = envelope("ATTRIBUTE_VALUE_TYPE_MISMATCH", attributeName="_name", value=None, type="string")
    assert _failed(verdicts(ids, answer(400, echoed), _invalid())) == []
    sent_null = Asked("updateSession", sent={"_name": None}, invalid_body=model.InvalidBody(model.WRONG_TYPE))
    assert _failed(verdicts(ids, answer(400, echoed), sent_null)) == []
    lost = envelope("ATTRIBUTE_VALUE_TYPE_MISMATCH", attributeName="_summary._stopReason", value=None, type="string")
    sent = Asked("updateSession", sent={"_summary": {"_stopReason": 12}},
                 invalid_body=model.InvalidBody(model.WRONG_TYPE))
    results = verdicts(ids, answer(400, lost), sent)
    assert _failed(results) == ["BIOT-ERROR-DETAILS-VALUES"] and "was sent as 12" in results["BIOT-ERROR-DETAILS-VALUES"]


def test_a_null_envelope_attribute_is_no_error_response():
    for name in ("message", "serviceName", "traceId", "environment", "details"):
        body = {**envelope(), name: None}
        results = verdicts(("BIOT-ERROR-ENVELOPE",), answer(404, body), Asked("getSession"))
        assert results["BIOT-ERROR-ENVELOPE"] and name in results["BIOT-ERROR-ENVELOPE"], name


def test_page_findings_quote_the_stored_update_page():
    """The defects of the Update Usage Session page reported as findings quote that page as it
    is stored (tests/vendor_pages), so each can be checked by opening it."""
    from pathlib import Path

    from pytest_sessionapi.apis.biot.vendor_examples import PAGE_FINDINGS

    page = " ".join((Path(__file__).parents[1] / "vendor_pages" / "biot-update-usage-session.txt")
                    .read_text(encoding="utf-8").split())
    by_requirement = dict(PAGE_FINDINGS)
    for requirement, fragment in (
        ("BIOT-PATCH-STATE-ENUM", "string enum required The Sessions state Allowed:"),
        ("BIOT-PATCH-STATE-ENUM", "Values:ACTIVE,DONE,PAUSED,ACTIVATING,PAUSING,RESUMING,STOPPING"),
        ("BIOT-PATCH-STOP-REASON-LENGTH", "_summary._stopReasonstringfalseThe reason the session was stopped"),
        ("BIOT-PATCH-DATETIME-FORMAT", "date-time required A UTC date-time in the ISO-8601 format"),
        ("BIOT-CUSTOM-ATTRIBUTE", "<customAttribute1><customAttribute1Type>falseRegular custom attribute 1 value"),
    ):
        assert fragment in by_requirement[requirement] and fragment in page, (requirement, fragment)
    assert "Responses Language Credentials" in page  # the 'Responses' section lists nothing
    assert "Allowed: _configuration" in page  # the 'Allowed:' list is empty


def test_every_requirement_of_the_catalogue_has_a_rule():
    """Issue 17: no requirement is judged inline by a suite; each has its rule, sequence ones too."""
    assert {r.id for r in load_catalogue("biot")} == set(RULES)


def test_an_outcome_of_a_sequence_is_judged_by_its_requirements_rule():
    """What a request of a sequence must lead to (Asked.outcomes) passes and fails both ways,
    under its own requirement, whether or not that requirement has a rule about one answer."""
    from pytest_sessionapi.apis.biot.model import SessionView
    from pytest_sessionapi.apis.biot.rules import Outcome, create_outcome

    created = session(_name="m")
    echo = create_outcome({"_state": "ACTIVE", "_name": "m", "_startTime": created["_startTime"]},
                          created["_device"]["id"])
    asked = Asked("createSessionByUsageType", outcomes={"BIOT-CREATE": echo})
    assert verdicts(["BIOT-CREATE"], answer(201, created), asked) == {"BIOT-CREATE": None}
    assert "_name is 'other'" in verdicts(["BIOT-CREATE"], answer(201, {**created, "_name": "other"}), asked)["BIOT-CREATE"]
    assert "expected 201" in verdicts(["BIOT-CREATE"], answer(200, created), asked)["BIOT-CREATE"]
    # A requirement with a rule of its own (the refusal) also judges the GET after it.
    kept = Asked("getSession", outcomes={"BIOT-WRONG-DEVICE": Outcome.of(200, keeps=SessionView.from_body(created))})
    assert verdicts(["BIOT-WRONG-DEVICE"], answer(200, created), kept) == {"BIOT-WRONG-DEVICE": None}
    assert "_name" in verdicts(["BIOT-WRONG-DEVICE"], answer(200, {**created, "_name": "x"}), kept)["BIOT-WRONG-DEVICE"]
    gone = Asked("deleteSession", outcomes={"BIOT-DELETE": Outcome.of(204, empty=True)})
    assert verdicts(["BIOT-DELETE"], answer(204), gone) == {"BIOT-DELETE": None}
    assert "no body" in verdicts(["BIOT-DELETE"], answer(204, {"a": 1}), gone)["BIOT-DELETE"]
    # Without an outcome the sequence rule has nothing to judge.
    assert verdicts(["BIOT-CREATE"], answer(201, created), Asked("createSessionByUsageType")) == {}


def test_an_outcome_that_names_an_id_fails_an_answer_without_one():
    """'If patient is null in the request, the patient id will be read from the device entity.':
    a create without _patient must answer a session whose _patient.id is an id, judged by
    BIOT-CREATE-PATIENT's rule like any other outcome."""
    demand = rules.Outcome.of(201, what="create without _patient", names=("_patient.id",))
    asked = Asked("createSessionByUsageType", outcomes={"BIOT-CREATE-PATIENT": demand})
    assert verdicts(("BIOT-CREATE-PATIENT",), answer(201, session()), asked) == {"BIOT-CREATE-PATIENT": None}
    found = verdicts(("BIOT-CREATE-PATIENT",), answer(201, session(_patient=None)), asked)
    assert found == {"BIOT-CREATE-PATIENT": "create without _patient: _patient.id is None, expected an id"}
    found = verdicts(("BIOT-CREATE-PATIENT",), answer(201, session(_patient={"id": ""})), asked)
    assert found["BIOT-CREATE-PATIENT"].endswith("_patient.id is '', expected an id")
