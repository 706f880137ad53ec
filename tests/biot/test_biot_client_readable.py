"""BIOT-CLIENT-READABLE: biotmed-device-sdk reads every answer the document accepts; what it
cannot read fails naming the SDK, its version, the model and the field; without the SDK the
requirement is not-tested, with the reason."""

from __future__ import annotations

import json
import sys

import httpx
import pytest

from pytest_sessionapi.apis.biot import rules
from pytest_sessionapi.apis.biot.reference import EMBEDDED_ENV, EMBEDDED_TABLE, create_app
from pytest_sessionapi.apis.biot.rules import RULES
from pytest_sessionapi.client_readability import ClientUnavailable
from pytest_sessionapi.rulebook import Answer, RuleFailure

SDK = pytest.importorskip("biotmed_device_sdk", reason="the clients extra is not installed")

DEVICE = EMBEDDED_TABLE["device_id"]
CREATE = f"/device/v1/devices/{DEVICE}/usage-sessions/usage-type/{EMBEDDED_TABLE['usage_type']}"
TOKEN = EMBEDDED_ENV[EMBEDDED_TABLE["token_env"]]
BODY = {"_startTime": "2026-01-01T00:00:00Z", "_state": "ACTIVE"}


def created_by(variant: str | None = None) -> Answer:
    transport = httpx.ASGITransport(app=create_app(variant))

    async def send() -> httpx.Response:
        async with httpx.AsyncClient(transport=transport, base_url="http://biot.test") as client:
            response = await client.post(CREATE, json=BODY, headers={"Authorization": f"Bearer {TOKEN}"})
            await response.aread()
            return response

    import anyio

    return Answer.from_httpx(anyio.run(send))


def readable(answer: Answer) -> bool:
    return RULES.apply("BIOT-CLIENT-READABLE", answer, None)


def test_the_references_answers_are_readable():
    assert readable(created_by()) is True


def test_what_only_the_document_accepts_fails_naming_sdk_version_model_and_field():
    answer = created_by("references-as-documented-only")
    assert RULES.judge(answer, rules.Asked("createSessionByUsageType", session_status=201),
                       ("BIOT-RESPONSE-SCHEMA",)).failures == {}  # the document accepts it
    with pytest.raises(RuleFailure) as failed:
        readable(answer)
    assert failed.value.problem.startswith(
        "biotmed-device-sdk 2.3.40 cannot read this createSessionByUsageType answer as its model "
        "SessionResponseV2: _ownerOrganization (BasicReferencedEntityDataUUIDId) templateId: "
    ), failed.value.problem


def test_an_answer_the_document_refuses_is_left_to_the_schema_requirements():
    answer = created_by("session-context-missing")  # fails BIOT-RESPONSE-SCHEMA, a MUST
    assert readable(answer) is False


@pytest.mark.parametrize(
    ("status", "content_type", "body"),
    [
        (500, "application/json", {"code": "INTERNAL_SERVER_ERROR"}),  # BIOT-NO-SERVER-ERROR's
        (201, "text/plain", BODY),  # not the documented media type
        (200, "application/json", {}),  # create documents 201, not 200
    ],
)
def test_answers_outside_the_documents_reading_are_not_judged(status, content_type, body):
    answer = Answer(status, content_type, json.dumps(body).encode(), method="POST", path=CREATE)
    assert readable(answer) is False


def test_a_documented_error_is_read_as_the_sdks_error_response():
    body = {"code": "SESSION_NOT_FOUND", "message": "no such session", "serviceName": "device",
            "traceId": "t", "environment": "e", "details": {"id": "x"}}
    answer = Answer(404, "application/json", json.dumps(body).encode(), method="GET",
                    path=f"/device/v1/devices/{DEVICE}/usage-sessions/x")
    assert readable(answer) is True


def test_another_path_is_not_judged():
    assert readable(Answer(200, "application/json", b"{}", method="GET", path="/somewhere/else")) is False


@pytest.fixture
def without_the_sdk(monkeypatch):
    rules._vendor_client.cache_clear()
    monkeypatch.setitem(sys.modules, "biotmed_device_sdk", None)  # import fails as if absent
    yield
    rules._vendor_client.cache_clear()


def test_without_the_sdk_the_rule_says_why_it_cannot_judge(without_the_sdk):
    with pytest.raises(ClientUnavailable, match=r"biotmed-device-sdk is not installed \(pip install "
                                                r"'pytest-sessionapi\[clients\]'\)"):
        readable(created_by())


def test_without_the_sdk_the_requirement_is_not_tested_with_the_reason(run_suite, without_the_sdk):
    run = run_suite("biot", "-k", "client_readable or create_by_usage_type_then_get")
    assert run.ret == 0, run.output()
    entry = next(r for r in run.api("biot")["requirements"] if r["id"] == "BIOT-CLIENT-READABLE")
    assert entry["status"] == "not-tested", entry
    assert any("biotmed-device-sdk is not installed" in message for message in entry["messages"]), entry
