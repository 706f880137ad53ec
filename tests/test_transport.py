"""The one HTTP layer: in-process bridge, rate limit, size cap, redacted exchange log, and the
diagnoses a broken endpoint gets (timeouts, resets, non-HTTP answers)."""

from __future__ import annotations

import asyncio
import socket
import threading
from contextlib import contextmanager

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


def test_exchange_log_masks_credentials_by_header_and_by_value():
    target = make_target("http://reference.test", app=APP)
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


@contextmanager
def raw_server(answer: bytes | None):
    """A loopback socket that answers every connection with ``answer`` (None: close at once)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    stop = threading.Event()

    def loop():
        sock.settimeout(0.1)
        while not stop.is_set():
            try:
                conn, _ = sock.accept()
            except TimeoutError:
                continue
            with conn:
                conn.recv(65536)
                if answer is not None:
                    conn.sendall(answer)
                else:
                    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        stop.set()
        thread.join()
        sock.close()


@pytest.mark.parametrize(
    ("answer", "diagnosis"),
    [
        (None, "the "),  # reset: "the connection was reset..." or "the endpoint broke the HTTP exchange"
        (b"SSH-2.0-OpenSSH_9.0\r\n", "the endpoint broke the HTTP exchange"),
    ],
    ids=["reset", "not-http"],
)
def test_broken_connections_are_diagnosed_in_words(answer, diagnosis):
    with raw_server(answer) as base_url:
        target = make_target(base_url)
        with transport.open_client(target) as client, pytest.raises(httpx.TransportError) as info:
            client.get("/echo")
    assert transport.describe_transport_error(info.value).startswith(diagnosis)


def test_refused_connection_is_diagnosed_in_words():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there now
    target = make_target(f"http://127.0.0.1:{port}")
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
    target = make_target("http://reference.test", app=app)
    with transport.open_client(target) as client:
        assert client.get("/dataservice/client/token").text == "6c1d2a-xsrf-token-value"
        log = transport.exchange_log(client)
    assert "6c1d2a-xsrf-token-value" not in repr(list(log.exchanges))
    target.close()
