"""The judged steps: one request, its answer judged once by the rulebook (plus Schemathesis's
built-in checks), the verdicts recorded in the ledger with what the answer gave nothing to judge
marked not-tested."""

from __future__ import annotations

import httpx
import pytest

from pytest_sessionapi.apis.controlcenter import steps
from pytest_sessionapi.apis.controlcenter.rules import RULES, Asked
from pytest_sessionapi.apis.controlcenter.schemathesis_checks import make_case
from pytest_sessionapi.apis.controlcenter.sessions import TargetDevices
from pytest_sessionapi.ledger import TestRecorder

IN_SESSION = "8988216716970004975"
UNKNOWN = "8999999999999999990"
DEVICES = TargetDevices({IN_SESSION: "iccid_in_session"}, (UNKNOWN,))
BODY = (
    '{"iccid": "%s", "ipAddress": "10.151.24.6", "dateSessionStarted": "2026-11-21 08:15:02.117+0000",'
    ' "dateSessionEnded": null}' % IN_SESSION
)
NOT_FOUND = '{"errorMessage": "Resource not found - Invalid ICCID.", "errorCode": "20000001"}'


class _Streamed(httpx.SyncByteStream):
    """A body the client reads as from a socket (a body given as bytes is read at once, and the
    client then never times the exchange, which Schemathesis's checks need)."""

    def __init__(self, content: bytes) -> None:
        self.content = content

    def __iter__(self):
        yield self.content


def serve(answers: dict[str, tuple[int, str]], seen: list[httpx.Request]) -> httpx.Client:
    """A client whose server answers each ICCID as told (404 20000001 otherwise)."""

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        iccid = request.url.path.split("/")[-2]
        status, body = answers.get(iccid, (404, NOT_FOUND))
        return httpx.Response(status, stream=_Streamed(body.encode()), headers={"content-type": "application/json"})

    return httpx.Client(transport=httpx.MockTransport(handler), base_url="http://cc.test")


def recorder(*declared: str) -> TestRecorder:
    return TestRecorder("tests/controlcenter::step", declared)


def statuses(sessionapi_conformance: TestRecorder) -> dict[str, set[str]]:
    return {rid: {o.status for o in found} for rid, found in sessionapi_conformance.observations.items()}


def test_a_device_of_the_target_is_judged_in_its_state_once_per_answer(monkeypatch):
    calls: list[str] = []
    real_judge = RULES.judge

    def counting(answer, asked, ids=None):
        calls.append(asked.iccid)
        assert asked == Asked(IN_SESSION, device="in_session", provisioned=True)
        return real_judge(answer, asked, ids)

    monkeypatch.setattr(RULES, "judge", counting)
    seen: list[httpx.Request] = []
    sessionapi_conformance = recorder()
    declared = ("CC-DATE-ENDED-NULL-IN-SESSION", "CC-OK-STATUS", "CC-DATE-ENDED-SET")
    steps.ask(sessionapi_conformance, serve({IN_SESSION: (200, BODY)}, seen), DEVICES, IN_SESSION, declared)
    assert calls == [IN_SESSION] and len(seen) == 1
    assert seen[0].url.path == f"/rws/api/v1/devices/{IN_SESSION}/sessionInfo"
    found = statuses(sessionapi_conformance)
    assert found["CC-DATE-ENDED-NULL-IN-SESSION"] == {"pass"} and found["CC-OK-STATUS"] == {"pass"}
    # Declared, but an in-session device gives it nothing to judge: not-tested, never a pass.
    assert found["CC-DATE-ENDED-SET"] == {"not-tested"}


def test_a_defect_the_test_did_not_declare_is_still_recorded():
    sessionapi_conformance = recorder()
    wrong = BODY.replace(f'"iccid": "{IN_SESSION}"', '"iccid": 5')
    steps.ask(sessionapi_conformance, serve({IN_SESSION: (200, wrong)}, []), DEVICES, IN_SESSION, ("CC-OK-STATUS",))
    assert statuses(sessionapi_conformance)["CC-BODY-ICCID"] == {"fail"}


def test_schemathesis_s_built_in_checks_map_to_a_requirement():
    # A status the OpenAPI document does not list, for an unknown ICCID: the situation's own.
    sessionapi_conformance = recorder()
    case = make_case(UNKNOWN)
    steps.ask(sessionapi_conformance, serve({UNKNOWN: (403, NOT_FOUND.replace("20000001", "10000030"))}, []),
              DEVICES, case, ("CC-ERR-UNKNOWN-ICCID",))
    assert statuses(sessionapi_conformance)["CC-ERR-UNKNOWN-ICCID"] == {"fail"}


def test_hard_raises_a_blocking_failure_for_hypothesis_and_keeps_a_should_soft():
    must = recorder()
    with pytest.raises(AssertionError):
        steps.ask(must, serve({UNKNOWN: (200, BODY.replace(IN_SESSION, UNKNOWN))}, []), DEVICES, UNKNOWN,
                  ("CC-ERR-UNKNOWN-ICCID",), hard=True)
    assert statuses(must)["CC-ERR-UNKNOWN-ICCID"] == {"fail"}
    should = recorder()  # errorCode as a number: CC-ERR-CODE-STRING is a SHOULD
    numeric_code = NOT_FOUND.replace('"20000001"', "20000001")
    steps.ask(should, serve({UNKNOWN: (404, numeric_code)}, []), DEVICES, UNKNOWN, ("CC-ERR-CODE-STRING",), hard=True)
    assert statuses(should)["CC-ERR-CODE-STRING"] == {"fail"}


def test_a_refused_request_asks_about_the_device_in_session_with_the_credentials_it_carries():
    seen: list[httpx.Request] = []
    sessionapi_conformance = recorder()
    refusal = '{"errorMessage": "Invalid credentials.", "errorCode": "10000001"}'
    http = serve({IN_SESSION: (401, refusal)}, seen)

    class Target:
        pass

    steps.ask_refused(sessionapi_conformance, http, Target(), DEVICES, "invalid",
                      ("CC-ERR-BAD-CREDENTIALS", "CC-AUTH-CHALLENGE"))
    assert [r.url.path.split("/")[-2] for r in seen] == [IN_SESSION]
    found = statuses(sessionapi_conformance)
    assert found["CC-ERR-BAD-CREDENTIALS"] == {"pass"}
    assert found["CC-AUTH-CHALLENGE"] == {"fail"}  # the mock offers no Basic challenge
