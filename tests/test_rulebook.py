"""The one way every API states its rules: a rulebook of ``rule(answer, asked) -> bool``, guards
for "applies only when", and failures that carry their requirement ID."""

from __future__ import annotations

import httpx
import pytest

from pytest_sessionapi.reference_support import Switch, Variant, variant_table
from pytest_sessionapi.rulebook import NOT_JSON, Answer, RuleFailure, Rulebook, applies_when

RULES: Rulebook[None] = Rulebook("example")


@RULES.rule("EX-OK")
@applies_when(lambda answer, asked: answer.status == 200, "a 200 answer")
def ok_body(answer: Answer, asked: None) -> bool:
    assert answer.json == {"ok": True}, f"the body is {answer.json!r}"
    return True


@RULES.rule("EX-TYPED")
def typed(answer: Answer, asked: None) -> bool:
    if answer.status == 418:
        raise RuleFailure("a teapot", "GET /x")
    return True


def _answer(status: int, body: bytes, content_type: str = "application/json") -> Answer:
    request = httpx.Request("GET", "http://127.0.0.1/devices/1?token=secret")
    return Answer.from_httpx(httpx.Response(status, content=body, headers={"content-type": content_type}, request=request))


def test_a_rule_outside_its_scope_judges_nothing():
    verdicts = RULES.judge(_answer(404, b"{}"), None)
    assert "EX-OK" not in verdicts.results
    assert verdicts.results == {"EX-TYPED": None}


def test_a_plain_assertion_becomes_a_typed_failure_carrying_its_id():
    with pytest.raises(RuleFailure) as caught:
        RULES.apply("EX-OK", _answer(200, b'{"ok": false}'), None)
    assert caught.value.requirement_id == "EX-OK"
    # (pytest's assertion rewriting adds its own explanation after the message in a test module)
    assert caught.value.problem.startswith("the body is {'ok': False}")


def test_a_typed_failure_keeps_its_context_and_gets_its_id():
    verdicts = RULES.judge(_answer(418, b""), None)
    assert verdicts.failures == {"EX-TYPED": "a teapot [GET /x]"}
    assert verdicts.problems == {"EX-TYPED": "a teapot"}


def test_the_guard_is_documented_on_the_rule():
    assert ok_body.applies_when == ("a 200 answer",)
    assert list(RULES) == ["EX-OK", "EX-TYPED"]


def test_one_requirement_has_one_rule():
    with pytest.raises(ValueError, match="two rules for EX-OK"):
        RULES.rule("EX-OK")(typed)


def test_the_answer_names_the_request_without_its_query():
    answer = _answer(200, b"<html>")
    assert answer.exchange() == "GET /devices/1 -> 200 application/json: <html>"
    assert answer.json is NOT_JSON
    assert answer.body is None
    assert _answer(200, b'{"ok": true}').body == {"ok": True}
    assert "token" not in answer.exchange()


def test_an_empty_body_says_so():
    assert _answer(400, b"").not_json_because == " (an empty body)"


def test_verdicts_merge_keeps_a_failure():
    first = RULES.judge(_answer(200, b'{"ok": true}'), None)
    second = RULES.judge(_answer(418, b""), None)
    assert first.merge(second).failures == {"EX-TYPED": "a teapot [GET /x]"}


VARIANTS = variant_table(
    Variant("extra-fields", "conformant", "adds fields"),
    Variant("crash", "fault", "answers 500", requirement="EX-OK"),
)


def test_the_switch_tells_the_active_variant():
    switch = Switch("crash", VARIANTS)
    assert switch("crash") and switch("extra-fields", "crash") and not switch("extra-fields")
    assert not Switch(None, VARIANTS)("crash")


def test_a_misspelt_switch_is_an_error_not_a_switch_that_never_fires():
    with pytest.raises(KeyError, match="crahs"):
        Switch(None, VARIANTS)("crahs")
    with pytest.raises(ValueError, match="no reference variant 'nope'"):
        Switch("nope", VARIANTS)
