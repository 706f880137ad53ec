"""The one HTTP layer: in-process bridge, rate limit, size cap, redacted exchange log, and the
diagnoses a broken endpoint gets (timeouts, resets, non-HTTP answers)."""

from __future__ import annotations

import json
import asyncio

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from pytest_sessionapi import transport
from pytest_sessionapi.config import EffectiveTarget, build_target
from pytest_sessionapi.registry import get_api
from pytest_sessionapi.serving import serving
from tests.loopback import answering_once, socket_server, unused_port

SECRET = "sessionapi-transport-secret-77"


async def echo(request: Request) -> Response:
    return JSONResponse(
        {"path": request.url.path, "auth": request.headers.get("authorization"),
         "body": (await request.body()).decode()}
    )


async def huge(request: Request) -> Response:
    return Response(b"x" * (transport.MAX_RESPONSE_BYTES + 1), media_type="application/json")


async def slow(request: Request) -> Response:
    await asyncio.sleep(2)
    return JSONResponse({})


APP = Starlette(
    routes=[Route("/echo", echo, methods=["GET", "POST"]), Route("/j_security_check", echo, methods=["POST"]),
            Route("/huge", huge), Route("/slow", slow)]
)


def make_target(base_url: str, *, app=None, **overrides) -> EffectiveTarget:
    table = {"base_url": base_url, "username": "qa-user", "api_key_env": "KEY", **overrides}
    return build_target(get_api("controlcenter"), table, {"KEY": SECRET}, "test", app=app)


def test_in_process_bridge_serves_a_sync_client_without_sockets():
    target = make_target("http://reference.test", app=APP)
    with transport.open_client(target) as client:
        response = client.post("/echo", content=b"hello")
    assert response.json() == {"path": "/echo", "auth": None, "body": "hello"}
    target.close()


def make_umts_target(base_url: str, *, app=None) -> EffectiveTarget:
    """A target of the API whose descriptor names /j_security_check and /client/token as paths
    that carry credentials in their bodies."""
    table = {"base_url": base_url, "username": "qa-user", "password_env": "KEY"}
    return build_target(get_api("umts"), table, {"KEY": SECRET}, "test", app=app)


def test_exchange_log_masks_credentials_by_header_and_by_value():
    target = make_umts_target("http://reference.test", app=APP)
    target.redactor.add_basic_credentials("qa-user", SECRET)
    with transport.open_client(target, auth=httpx.BasicAuth("qa-user", SECRET)) as client:
        client.get("/echo", params={"key": SECRET})
        client.post("/j_security_check", data={"j_username": "qa-user", "j_password": SECRET})
        log = transport.exchange_log(client)
    recorded = repr(list(log.exchanges))
    assert SECRET not in recorded
    assert log.exchanges[0].request_headers["authorization"] == "***"
    assert "***" in log.exchanges[0].url
    assert log.exchanges[1].request_body == "(credentials, not recorded)"
    target.close()


def test_response_larger_than_the_cap_is_refused_with_a_diagnosis():
    target = make_target("http://reference.test", app=APP)
    with transport.open_client(target) as client, pytest.raises(transport.ResponseTooLarge) as info:
        client.get("/huge")
    assert transport.describe_transport_error(info.value).startswith("response body exceeds")
    target.close()


def test_timeout_is_diagnosed_in_words():
    with serving(APP) as base_url:
        target = make_target(base_url, timeout_s=0.2)
        with transport.open_client(target) as client, pytest.raises(httpx.TimeoutException) as info:
            client.get("/slow")
    assert transport.describe_transport_error(info.value).startswith("timed out waiting for the response")


@pytest.mark.parametrize(
    ("answer", "diagnosis"),
    [
        (None, "the "),  # reset: "the connection was reset..." or "the endpoint broke the HTTP exchange"
        (b"SSH-2.0-OpenSSH_9.0\r\n", "the endpoint broke the HTTP exchange"),
    ],
    ids=["reset", "not-http"],
)
def test_broken_connections_are_diagnosed_in_words(answer, diagnosis):
    with socket_server(answering_once(answer)) as base_url:
        target = make_target(base_url)
        with transport.open_client(target) as client, pytest.raises(httpx.TransportError) as info:
            client.get("/echo")
    assert transport.describe_transport_error(info.value).startswith(diagnosis)


def test_refused_connection_is_diagnosed_in_words():
    target = make_target(f"http://127.0.0.1:{unused_port()}")
    with transport.open_client(target) as client, pytest.raises(httpx.ConnectError) as info:
        client.get("/echo")
    assert transport.describe_transport_error(info.value).startswith("could not connect")


def test_rate_limiter_spaces_requests(monkeypatch):
    clock = {"now": 100.0}
    slept: list[float] = []
    monkeypatch.setattr(transport.time, "monotonic", lambda: clock["now"])

    def fake_sleep(seconds: float) -> None:
        slept.append(seconds)
        clock["now"] += seconds

    monkeypatch.setattr(transport.time, "sleep", fake_sleep)
    limiter = transport.RateLimiter(5)
    for _ in range(4):
        limiter.acquire().release()
    assert slept == pytest.approx([0.2, 0.2, 0.2])


def test_live_targets_default_to_the_vendor_rate_limit_and_embedded_ones_to_none():
    assert make_target("https://rws.example.test").max_rps == 5
    assert make_target("https://rws.example.test", max_rps=0).max_rps == 0
    assert make_target("http://reference.test", app=APP).max_rps == 0


@pytest.mark.parametrize("over", ["inprocess", "http"])
def test_responses_carry_elapsed_like_any_httpx_response(over):
    """Schemathesis' response checks read ``response.elapsed``; the stack must not lose it."""
    if over == "inprocess":
        target = make_target("http://reference.test", app=APP)
        with transport.open_client(target) as client:
            response = client.get("/echo")
        target.close()
    else:
        with serving(APP) as base_url, transport.open_client(make_target(base_url)) as client:
            response = client.get("/echo")
    assert response.elapsed.total_seconds() >= 0
    assert response.json()["path"] == "/echo"


def test_token_endpoint_answers_are_not_recorded():
    """The XSRF token comes back in a body before any client could register it as a secret."""

    async def token(request: Request) -> Response:
        return Response("6c1d2a-xsrf-token-value", media_type="text/plain")

    app = Starlette(routes=[Route("/dataservice/client/token", token)])
    target = make_umts_target("http://reference.test", app=app)
    with transport.open_client(target) as client:
        assert client.get("/dataservice/client/token").text == "6c1d2a-xsrf-token-value"
        log = transport.exchange_log(client)
    assert "6c1d2a-xsrf-token-value" not in repr(list(log.exchanges))
    target.close()


def test_credential_paths_come_from_the_targets_api():
    """Another API's login path is an ordinary path: the core knows no API's paths itself."""
    target = make_target("http://reference.test", app=APP)
    with transport.open_client(target) as client:
        client.post("/j_security_check", content=b"not a credential here")
        log = transport.exchange_log(client)
    assert log.exchanges[-1].request_body == "not a credential here"
    target.close()


def test_exchange_log_is_known_only_for_clients_the_transport_opened():
    target = make_target("http://reference.test", app=APP)
    with transport.open_client(target) as client, httpx.Client() as foreign:
        client.get("/echo")
        assert transport.exchange_log(client).count == 1
        assert transport.exchange_log(foreign) is None
    target.close()


def test_clients_of_one_target_share_its_limiter_and_in_process_server():
    target = make_target("http://reference.test", app=APP)
    other = make_target("http://reference.test", app=APP)
    shared = transport.target_resources(target)
    assert transport.target_resources(target) is shared
    assert transport.target_resources(other) is not shared
    with transport.open_client(target) as first, transport.open_client(target) as second:
        first.get("/echo")
        second.get("/echo")
    bridge = shared.bridge
    assert bridge is not None
    target.close()
    assert shared.bridge is None


class ScriptedTransport(httpx.BaseTransport):
    """Answers each request with the next scripted response, as BoundedTransport hands them over
    (an in-memory, re-iterable stream)."""

    def __init__(self, *answers: httpx.Response) -> None:
        self.answers = list(answers)
        self.sent: list[str] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(request.method)
        answer = self.answers.pop(0)
        return httpx.Response(
            answer.status_code, headers=answer.headers, stream=httpx.ByteStream(answer.read()),
            request=request,
        )


def _retrying(*answers: httpx.Response, code=("errorCode", "40000029")):
    slept: list[float] = []
    inner = ScriptedTransport(*answers)
    return transport.RetryTransport(inner, code, sleep=slept.append), inner, slept


def _send(retrying, method="GET"):
    return retrying.handle_request(httpx.Request(method, "https://rws.example.test/x"))


def test_rate_limited_answers_are_resent_with_growing_waits_then_judged():
    retrying, inner, slept = _retrying(
        httpx.Response(429),
        httpx.Response(400, json={"errorMessage": "Rate Limit Exceeded", "errorCode": "40000029"}),
        httpx.Response(404, json={"errorMessage": "Resource not found", "errorCode": "20000001"}),
    )
    response = _send(retrying)
    assert response.status_code == 404
    assert response.read() == b'{"errorMessage":"Resource not found","errorCode":"20000001"}'
    assert response.extensions["sessionapi_retries"] == 2
    assert slept == [1.0, 2.0]
    assert len(inner.sent) == 3


def test_a_server_that_keeps_limiting_is_not_judged_after_the_last_wait():
    """A rate limit is the account's state, not the vendor's conformance: a request still refused
    for rate after every wait was never carried out, and is raised as such, with the wait."""
    retrying, inner, slept = _retrying(*[httpx.Response(429)] * 5)
    with pytest.raises(transport.StillRateLimited) as raised:
        _send(retrying)
    assert slept == list(transport.RETRY_WAITS_S)
    assert len(inner.sent) == 5
    assert str(raised.value) == "GET /x still answered 429 (rate limited) after 4 re-sends and 18 s of waiting"


def test_the_waits_are_added_up_and_cut_by_the_budget():
    breaker = transport.Breaker()
    slept: list[float] = []
    retrying = transport.RetryTransport(
        ScriptedTransport(*[httpx.Response(429, headers={"Retry-After": "2"})] * 5), None,
        sleep=slept.append, breaker=breaker,
    )
    with pytest.raises(transport.StillRateLimited):
        _send(retrying)
    assert breaker.waited_s == sum(slept) == 8.0
    breaker.start_budget(0.0)
    with pytest.raises(transport.BudgetSpent, match="budget of 0 s"):
        transport.RetryTransport(
            ScriptedTransport(httpx.Response(429), httpx.Response(200)), None, sleep=slept.append,
            breaker=breaker,
        ).handle_request(httpx.Request("GET", "https://rws.example.test/x"))


class _Failing(httpx.BaseTransport):
    def __init__(self, error: Exception) -> None:
        self.error = error
        self.sent = 0

    def handle_request(self, request):
        self.sent += 1
        if self.error is None:
            return httpx.Response(200)
        raise self.error


@pytest.mark.parametrize(
    ("error", "line"),
    [
        (httpx.ReadTimeout("slow"), "the endpoint stopped answering: 3 exchanges in a row timed out after 30 s"),
        (httpx.ReadError("reset"), "the endpoint stopped answering: 3 exchanges in a row broke the connection (reset, closed or not HTTP)"),
        (transport.StillRateLimited("429"), "the endpoint stopped answering: 3 exchanges in a row were still rate limited after every wait (0 s spent waiting)"),
    ],
    ids=["timeout", "reset", "rate-limited"],
)
def test_the_breaker_stops_an_api_after_three_exchanges_in_a_row_without_an_answer(error, line):
    inner = _Failing(error)
    guarded = transport.BreakerTransport(inner, transport.Breaker(30.0))
    for _ in range(3):
        with pytest.raises(type(error)):
            _send(guarded)
    with pytest.raises(transport.EndpointStopped) as raised:
        _send(guarded)
    assert str(raised.value) == line
    assert inner.sent == 3  # the fourth request never left


def test_an_answer_resets_the_breaker_and_a_refused_huge_answer_does_not_count():
    breaker = transport.Breaker(30.0)
    inner = _Failing(httpx.ReadTimeout("slow"))
    guarded = transport.BreakerTransport(inner, breaker)
    for error in (httpx.ReadTimeout("slow"), httpx.ReadTimeout("slow"), None,
                  httpx.ReadTimeout("slow"), transport.ResponseTooLarge("big"), httpx.ReadTimeout("slow")):
        inner.error = error
        try:
            _send(guarded)
        except httpx.TransportError:
            pass
    assert breaker.tripped is None


@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(500),
        httpx.Response(400, json={"errorMessage": "Invalid ICCID", "errorCode": "10000003"}),
        # The code, but not in the field the vendor uses for it: not a rate limit.
        httpx.Response(400, json={"errorMessage": "see 40000029", "errorCode": "10000003"}),
        httpx.Response(400, text="40000029 but not JSON"),
    ],
)
def test_other_answers_are_judged_as_they_are(answer):
    retrying, inner, slept = _retrying(answer, httpx.Response(200))
    assert _send(retrying).status_code == answer.status_code
    assert slept == [] and len(inner.sent) == 1


def test_an_api_without_a_rate_limit_code_resends_only_429():
    retrying, inner, _ = _retrying(
        httpx.Response(400, json={"errorCode": "40000029"}), httpx.Response(200), code=None
    )
    assert _send(retrying).status_code == 400


@pytest.mark.parametrize(("method", "resent"), [("GET", True), ("DELETE", True), ("POST", False), ("PATCH", False)])
def test_a_gateway_failure_is_resent_once_and_only_when_idempotent(method, resent):
    retrying, inner, slept = _retrying(httpx.Response(503), httpx.Response(504), httpx.Response(200))
    assert _send(retrying, method).status_code == (504 if resent else 503)
    assert len(inner.sent) == (2 if resent else 1)


@pytest.mark.parametrize(("header", "waited"), [("3", 3.0), ("0", 0.0), ("999", 30.0), ("Wed, 21 Oct 2026 07:28:00 GMT", 1.0)])
def test_retry_after_is_honoured_up_to_a_cap(header, waited):
    retrying, _, slept = _retrying(httpx.Response(429, headers={"Retry-After": header}), httpx.Response(200))
    assert _send(retrying).status_code == 200
    assert slept == [waited]


def _limited_once_app():
    calls = {"n": 0}

    async def limited(request: Request) -> Response:
        calls["n"] += 1
        if calls["n"] == 1:
            return JSONResponse({"errorMessage": "Rate Limit Exceeded", "errorCode": "40000029"},
                                status_code=429, headers={"Retry-After": "0"})
        return JSONResponse({"ok": True})

    return Starlette(routes=[Route("/limited", limited)]), calls


def test_live_targets_resend_a_rate_limited_request_and_say_so_in_the_log():
    app, calls = _limited_once_app()
    with serving(app) as base_url, transport.open_client(make_target(base_url, max_rps=0)) as client:
        response = client.get("/limited")
        log = transport.exchange_log(client)
    assert response.status_code == 200 and response.json() == {"ok": True}
    assert response.elapsed.total_seconds() >= 0
    assert calls["n"] == 2
    assert log.count == 1 and log.retries == 1
    assert "after 1 re-send(s)" in log.last(1)[0].summary()


def test_embedded_targets_are_judged_on_their_first_answer():
    app, calls = _limited_once_app()
    target = make_target("http://reference.test", app=app)
    with transport.open_client(target) as client:
        assert client.get("/limited").status_code == 429
    target.close()
    assert calls["n"] == 1


def test_max_rps_holds_across_processes_of_one_parallel_run(tmp_path):
    """pytest-xdist workers share one pace and one active call per API: two processes each
    sending 5 requests at 10 req/s need at least 0.9 s between the first and the last, and
    their exchanges never overlap."""
    import subprocess
    import sys
    import textwrap

    path = str(tmp_path / "limit.sqlite")
    script = textwrap.dedent(f"""
        import json, sys, time
        from pytest_sessionapi.transport import RateLimiter
        limiter = RateLimiter(10, {path!r})
        spans = []
        for _ in range(5):
            held = limiter.acquire()
            start = time.time()
            time.sleep(0.02)
            spans.append((start, time.time()))
            held.release()
        print(json.dumps(spans))
    """)
    workers = [subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True) for _ in range(2)]
    spans = sorted(span for worker in workers for span in json.loads(worker.communicate(timeout=60)[0]))
    assert all(worker.returncode == 0 for worker in workers)
    assert spans[-1][0] - spans[0][0] >= 0.9 - 0.05, spans
    assert all(earlier[1] <= later[0] for earlier, later in zip(spans, spans[1:])), "exchanges overlapped"


def test_only_live_targets_of_a_parallel_run_share_limits_across_processes(monkeypatch):
    from pytest_sessionapi.config import embedded_target
    from pytest_sessionapi.registry import all_apis
    from pytest_sessionapi.transport import shared_limit_path

    target = embedded_target(all_apis()["controlcenter"], None)
    monkeypatch.setenv("PYTEST_XDIST_TESTRUNUID", "abc123")
    assert shared_limit_path(target) is None  # the embedded reference has no rate limit


def test_an_app_that_crashes_in_process_answers_its_500_as_a_real_server_would():
    """Starlette sends a 500 and then re-raises the app's error; the in-process bridge hands the
    client the 500 (what uvicorn does over HTTP), so the suite judges a crash as a 5xx there too."""
    from starlette.applications import Starlette
    from starlette.routing import Route

    async def crash(request):
        raise TypeError("the reference crashed")

    bridge = transport.ASGIBridgeTransport(Starlette(routes=[Route("/x", crash)]), 1024)
    try:
        with httpx.Client(transport=bridge, base_url="http://reference.test") as client:
            assert client.get("/x").status_code == 500
    finally:
        bridge.close()
