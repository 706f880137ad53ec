"""The one core judge of an answer to a generated case (``judge_generated``): a small rulebook of
its own and real Schemathesis cases of the bundled Control Center document, so what is checked is
the glue (rules once, built-in failures attributed, first failure kept, the hooks), not an API."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

import pytest_sessionapi
from pytest_sessionapi.rulebook import Answer, RuleFailure, Rulebook, applies_when
from pytest_sessionapi.schemathesis_support import (
    carried_requirement,
    failure_kind,
    judge_generated,
    load_openapi,
    rule_checks,
)

OPENAPI = Path(pytest_sessionapi.__file__).parent / "apis" / "controlcenter" / "openapi.json"
PATH = "/rws/api/v{apiVersion}/devices/{iccid}/sessionInfo"
ICCID = "8999999999999999990"
SESSION = {"iccid": ICCID, "ipAddress": None}

RULES: Rulebook[dict] = Rulebook("judge-test")
CALLS: list[str] = []
"""Which rules ran, in order: each must run once per answer."""


@RULES.rule("EX-STATUS")
def status_is_expected(answer: Answer, asked: dict) -> bool:
    CALLS.append("EX-STATUS")
    expected = asked.get("status", 200)
    if answer.status != expected:
        raise RuleFailure(f"expected {expected}, got {answer.status}")
    return True


@RULES.rule("EX-SCHEMA")
@applies_when(lambda answer, asked: answer.status == 200, "a 200 answer")
def iccid_is_a_string(answer: Answer, asked: dict) -> bool:
    CALLS.append("EX-SCHEMA")
    if not isinstance(answer.json, dict) or not isinstance(answer.json.get("iccid"), str):
        raise RuleFailure("iccid is not a string", answer.exchange())
    return True


@RULES.rule("EX-QUIET")
def never_fails(answer: Answer, asked: dict) -> bool:
    CALLS.append("EX-QUIET")
    return True


KIND_TO_REQUIREMENT = {
    "server-error": "EX-5XX",
    "media-type": "EX-MEDIA",
    "status": "EX-STATUS",
    "malformed-json": "EX-JSON",
    "schema": "EX-SCHEMA",
    "other": "EX-OTHER",
}


def requirement_of(failure, answer, asked) -> str:
    return carried_requirement(failure) or KIND_TO_REQUIREMENT[failure_kind(failure)]


def case_and_response(status: int, body, content_type: str = "application/json"):
    """A real Schemathesis case of Get Session Details and an httpx answer to it."""
    case = load_openapi(OPENAPI)[PATH]["GET"].Case(path_parameters={"apiVersion": "1", "iccid": ICCID})
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    response = httpx.Response(
        status, headers={"content-type": content_type}, content=content,
        request=httpx.Request("GET", f"http://127.0.0.1/rws/api/v1/devices/{ICCID}/sessionInfo"),
    )
    response.elapsed = timedelta(0)
    return case, response


def judge(status, body, content_type="application/json", asked=None, **hooks):
    CALLS.clear()
    case, response = case_and_response(status, body, content_type)
    return judge_generated(case, response, rules=RULES, asked=asked or {},
                           requirement_of=requirement_of, **hooks)


def test_a_conforming_answer_passes_every_rule_that_judged_it_each_run_once():
    verdicts = judge(200, SESSION)
    assert verdicts.results == {"EX-STATUS": None, "EX-SCHEMA": None, "EX-QUIET": None}
    assert CALLS == ["EX-STATUS", "EX-SCHEMA", "EX-QUIET"]


def test_a_rule_outside_its_scope_gives_no_verdict():
    verdicts = judge(404, {"errorMessage": "x", "errorCode": "20000001"}, asked={"status": 404})
    assert verdicts.results == {"EX-STATUS": None, "EX-QUIET": None}


def test_only_the_named_rules_run():
    verdicts = judge(200, SESSION, requirement_ids=("EX-QUIET",))
    assert verdicts.results == {"EX-QUIET": None}
    assert CALLS == ["EX-QUIET"]


def test_a_built_in_failure_turns_the_rule_s_pass_into_a_failure_of_its_requirement():
    # A 500 is a status the rule expects here, but Schemathesis's not_a_server_error fails it.
    verdicts = judge(500, {"errorMessage": "x", "errorCode": "30000001"}, asked={"status": 500})
    assert verdicts.failures.keys() == {"EX-5XX"}
    assert verdicts.results["EX-STATUS"] is None
    text = verdicts.failures["EX-5XX"]
    assert text.startswith("Schemathesis Server error")
    assert text.endswith(f"[GET /rws/api/v1/devices/{ICCID}/sessionInfo -> 500 application/json: "
                         '{"errorMessage": "x", "errorCode": "30000001"}]')
    assert verdicts.problems["EX-5XX"] == text.split(" [")[0]


def test_the_rule_s_own_failure_is_kept_before_schemathesis_s_on_the_same_requirement():
    verdicts = judge(200, {"iccid": 5, "ipAddress": None})
    assert verdicts.failures["EX-SCHEMA"].startswith("iccid is not a string [GET ")
    without_rule = judge(200, {"iccid": 5, "ipAddress": None}, requirement_ids=("EX-QUIET",))
    assert without_rule.failures["EX-SCHEMA"].startswith("Schemathesis Response violates schema")


def test_every_built_in_failure_is_attributed_by_the_api_s_mapping():
    verdicts = judge(418, {"errorMessage": "x", "errorCode": "1"}, asked={"status": 418})
    assert set(verdicts.failures) == {"EX-STATUS"}
    assert verdicts.failures["EX-STATUS"].startswith("Schemathesis Undocumented status code: Received: 418")
    verdicts = judge(200, json.dumps(SESSION).encode(), "text/html")
    assert set(verdicts.failures) == {"EX-MEDIA"}
    assert verdicts.failures["EX-MEDIA"].startswith("Schemathesis Undocumented Content-Type")


def test_a_body_too_deep_to_decode_is_malformed_json_not_a_crash():
    verdicts = judge(200, b"[" * 100_000 + b"]" * 100_000, requirement_ids=())
    assert "EX-JSON" in verdicts.failures


def test_builtin_judges_names_what_the_built_in_checks_pass():
    judges = {"builtin_judges": lambda answer, asked: ("EX-SCHEMA",), "requirement_ids": ()}
    assert judge(200, SESSION, **judges).results == {"EX-SCHEMA": None}
    assert set(judge(200, {"iccid": 5, "ipAddress": None}, **judges).failures) == {"EX-SCHEMA"}
    assert judge(200, SESSION, requirement_ids=()).results == {}


def test_said_by_rules_drops_a_built_in_failure_only_when_a_rule_failed():
    asked_about: list[str] = []

    def said_by_rules(failure, requirement_id):
        asked_about.append(requirement_id)
        return requirement_id == "EX-MEDIA"

    body = json.dumps(SESSION).encode()
    # The status rule fails (it expected a 404): the hook drops the media-type finding.
    verdicts = judge(200, body, "text/html", asked={"status": 404}, said_by_rules=said_by_rules)
    assert verdicts.failures == {"EX-STATUS": "expected 404, got 200"}
    assert asked_about == ["EX-MEDIA"]
    # No rule failed: the hook is not asked and Schemathesis's finding stands.
    asked_about.clear()
    verdicts = judge(200, body, "text/html", said_by_rules=said_by_rules)
    assert set(verdicts.failures) == {"EX-MEDIA"}
    assert asked_about == []


def test_describe_asked_replaces_the_request_line_in_the_failure_text():
    verdicts = judge(500, {"errorMessage": "x", "errorCode": "30000001"}, asked={"status": 500},
                     describe_asked=lambda asked: "a device never in session")
    assert verdicts.failures["EX-5XX"].endswith('[a device never in session -> 500 application/json: '
                                                '{"errorMessage": "x", "errorCode": "30000001"}]')


def test_the_caller_s_answer_is_judged_as_it_is():
    case, response = case_and_response(200, SESSION)
    answer = Answer.from_httpx(response)
    answer.json  # decoded once, by the caller
    verdicts = judge_generated(case, response, rules=RULES, asked={}, answer=answer,
                               requirement_of=requirement_of, requirement_ids=("EX-SCHEMA",))
    assert verdicts.results == {"EX-SCHEMA": None}


@pytest.fixture
def carrying_check():
    """One of our rules as a Schemathesis custom check, firing on the cases of this test only."""
    ours: set[int] = set()
    (check,) = rule_checks("judge_test", RULES, ["EX-SCHEMA"], asked_of=lambda case: {},
                           is_ours=lambda case: id(case) in ours)
    yield check, ours
    ours.clear()


def test_a_failure_of_our_own_check_keeps_its_requirement_and_words(carrying_check):
    check, ours = carrying_check
    case, response = case_and_response(200, {"iccid": 5, "ipAddress": None})
    ours.add(id(case))
    verdicts = judge_generated(case, response, rules=RULES, asked={}, requirement_of=requirement_of,
                               requirement_ids=(), builtin_checks=[check])
    assert verdicts.failures == {"EX-SCHEMA": f"iccid is not a string [GET /rws/api/v1/devices/{ICCID}/sessionInfo"
                                               ' -> 200 application/json: {"iccid": 5, "ipAddress": null}]'}
