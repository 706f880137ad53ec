"""Hostile answers against the one HTTP layer: an endpoint that drips its answer, one that answers
50 MB, one whose JSON cannot be decoded safely. Each must end as a failed check with a readable
diagnosis, within ``timeout_s``, in bounded memory, and without a traceback."""

from __future__ import annotations

import gc
import json
import socket
import threading
import time
import tracemalloc

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from pytest_sessionapi import transport
from pytest_sessionapi.http_checks import UnusableJson, parse_json
from tests.loopback import answering, read_request, socket_server
from tests.test_transport import make_target

FIFTY_MB = 50 * 1024 * 1024
CHUNK = b"x" * 65536


def drip(head: bytes, body: bytes, every_s: float):
    """Sends ``head`` at once, then ``body`` one byte at a time."""

    def handle(conn: socket.socket, stop: threading.Event) -> None:
        read_request(conn)
        conn.sendall(head)
        for byte in body:
            if stop.wait(every_s):
                return
            conn.sendall(bytes([byte]))

    return handle


def drip_head(head: bytes, every_s: float):
    """Sends the status line and headers themselves one byte at a time."""
    return drip(b"", head, every_s)


def stream_bytes(total: int):
    """Answers 200 with ``total`` bytes, sent from one reused chunk (the server holds no copy)."""

    def handle(conn: socket.socket, stop: threading.Event) -> None:
        read_request(conn)
        conn.sendall(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            + f"Content-Length: {total}\r\n\r\n".encode()
        )
        sent = 0
        while sent < total and not stop.is_set():
            conn.sendall(CHUNK)
            sent += len(CHUNK)

    return handle


# -- 1. timeout_s bounds the whole exchange ---------------------------------------------------

DRIPPED_BODY_HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 400\r\n\r\n"


@pytest.mark.parametrize(
    ("handler", "diagnosis"),
    [
        (drip(DRIPPED_BODY_HEAD, b"[" + b"0," * 199 + b"]", 0.1),
         "timed out: the exchange took longer than timeout_s = 1 s (the body was still arriving)"),
        (drip_head(DRIPPED_BODY_HEAD, 0.1),
         "timed out waiting for the response: the exchange took longer than timeout_s = 1 s"),
    ],
    ids=["dripping-body", "dripping-headers"],
)
def test_timeout_s_bounds_the_whole_exchange(handler, diagnosis):
    with socket_server(handler) as base_url:
        target = make_target(base_url, timeout_s=1, max_rps=0)
        with transport.open_client(target) as client:
            started = time.monotonic()
            with pytest.raises(httpx.TimeoutException) as info:
                client.get("/drip")
            took = time.monotonic() - started
    assert took < 1.5, f"the exchange went on for {took:.1f} s with timeout_s = 1"
    assert isinstance(info.value, transport.ExchangeTimeout)
    assert transport.describe_transport_error(info.value) == diagnosis


def test_a_slow_but_steady_answer_within_timeout_s_is_read_whole():
    body = b"[" + b"0," * 4 + b"0]"
    head = f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    with socket_server(drip(head.encode(), body, 0.02)) as base_url:
        with transport.open_client(make_target(base_url, timeout_s=2, max_rps=0)) as client:
            assert client.get("/drip").json() == [0, 0, 0, 0, 0]


def test_the_in_process_bridge_is_bounded_by_timeout_s_too():
    import asyncio

    async def stuck(request: Request) -> Response:
        await asyncio.sleep(30)
        return Response(b"{}")

    target = make_target("http://reference.test", app=Starlette(routes=[Route("/stuck", stuck)]), timeout_s=0.5)
    try:
        with transport.open_client(target) as client, pytest.raises(transport.ExchangeTimeout) as info:
            started = time.monotonic()
            client.get("/stuck")
        assert time.monotonic() - started < 1.5
        assert "timeout_s = 0.5 s" in transport.describe_transport_error(info.value)
    finally:
        target.close()


# -- 2. a body over the cap is never held whole ----------------------------------------------


async def fifty_megabytes(request: Request) -> Response:
    async def chunks():
        for _ in range(FIFTY_MB // len(CHUNK)):
            yield CHUNK

    return StreamingResponse(chunks(), media_type="application/json")


def _memory_of_a_refused_answer(client: httpx.Client) -> tuple[int, int]:
    """(peak increase while refusing a 50 MB answer, memory still held once it was refused while
    the exception, and so its traceback, is kept as pytest keeps a failed test's)."""
    try:
        client.get("/warm-up")  # the first request starts threads and fills caches; not measured
    except transport.ResponseTooLarge:
        pass
    gc.collect()
    tracemalloc.start()
    try:
        baseline, _ = tracemalloc.get_traced_memory()
        with pytest.raises(transport.ResponseTooLarge) as info:
            client.get("/huge")
        gc.collect()
        held, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert transport.describe_transport_error(info.value).startswith("response body exceeds")
    return peak - baseline, held - baseline


@pytest.mark.parametrize("over", ["inprocess", "http"])
def test_a_50_mb_answer_is_refused_in_memory_near_the_cap(over):
    cap = transport.MAX_RESPONSE_BYTES
    if over == "inprocess":
        app = Starlette(routes=[Route("/huge", fifty_megabytes), Route("/warm-up", lambda request: Response(b"{}"))])
        target = make_target("http://reference.test", app=app)
        try:
            with transport.open_client(target) as client:
                peak, held = _memory_of_a_refused_answer(client)
        finally:
            target.close()
    else:
        with socket_server(stream_bytes(FIFTY_MB)) as base_url:
            with transport.open_client(make_target(base_url, max_rps=0)) as client:
                peak, held = _memory_of_a_refused_answer(client)
    assert peak < 3 * cap, f"peak {peak / 2**20:.0f} MiB for a cap of {cap / 2**20:.0f} MiB"
    assert held < 1024 * 1024, f"{held / 2**20:.1f} MiB still held after the answer was refused"


def test_an_answer_under_the_cap_is_copied_once_on_its_way_up():
    """The exchange log and the rate-limit check read the body the transport holds; only the
    final join of its chunks copies it."""
    size = 4 * 1024 * 1024
    with socket_server(stream_bytes(size)) as base_url:
        with transport.open_client(make_target(base_url, max_rps=0)) as client:
            gc.collect()
            tracemalloc.start()
            try:
                response = client.get("/big")
                _, peak = tracemalloc.get_traced_memory()
            finally:
                tracemalloc.stop()
            log = transport.exchange_log(client)
    assert len(response.content) == size
    assert peak < 2.5 * size, f"peak {peak / 2**20:.1f} MiB for a {size / 2**20:.0f} MiB body"
    assert log.last(1)[0].response_body.endswith(f"... ({size} bytes)")


# -- 3. JSON that cannot be decoded safely -----------------------------------------------------

HOSTILE_BODIES = {
    "nested-100000-deep": b"[" * 100_000 + b"]" * 100_000,
    "nested-200-deep": b'{"a":' * 200 + b"1" + b"}" * 200,
    "huge-exponent": b'{"iccid": 1e999999}',
    "100k-digit-integer": b'{"iccid": ' + b"9" * 100_000 + b"}",
    "nan": b'{"iccid": NaN}',
}


@pytest.mark.parametrize("body", HOSTILE_BODIES.values(), ids=HOSTILE_BODIES.keys())
def test_parse_json_refuses_what_would_crash_the_judging_with_a_reason(body):
    with pytest.raises(UnusableJson) as info:
        parse_json(body)
    assert isinstance(info.value, ValueError)  # every `except ValueError` around json.loads holds
    message = str(info.value)
    assert message.startswith("the body is not usable JSON: ")
    assert len(message) < 200 and "\n" not in message


def test_parse_json_reads_ordinary_documents_as_json_loads_does():
    body = b'{"a": [1, 2.5, -3e2, true, null, {"b": "[[[{{{"}], "c": "\\u00e9"}'
    assert parse_json(body) == {"a": [1, 2.5, -300.0, True, None, {"b": "[[[{{{"}], "c": "é"}


def test_every_client_response_decodes_safely():
    app = Starlette(routes=[Route("/deep", lambda request: Response(HOSTILE_BODIES["nested-100000-deep"],
                                                                   media_type="application/json"))])
    target = make_target("http://reference.test", app=app)
    try:
        with transport.open_client(target) as client:
            response = client.get("/deep")
            with pytest.raises(UnusableJson) as info:
                response.json()
    finally:
        target.close()
    assert str(info.value).startswith(
        "expected JSON, got a body that cannot be used (its arrays and objects are nested more "
        "than 64 levels deep (no documented answer nests more than a few)): GET /deep -> 200 application/json: [[[["
    )


# -- 3b. the suites judge such an answer: the usable-body requirement fails, the rest stands ----

DEPTH_DIAGNOSIS = "nested more than 64 levels deep"


def answer_200(body: bytes) -> bytes:
    head = f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    return head.encode() + body


def assert_judged_without_crashing(
    run, api: str, usable_body: str, met: tuple[str, ...], diagnosis: str = DEPTH_DIAGNOSIS
) -> None:
    output = run.output()
    assert "RecursionError" not in output and "INTERNALERROR" not in output, output[-3000:]
    assert run.api(api)["verdict"] == "nonconformant", output[-3000:]
    entry = {r["id"]: r for r in run.api(api)["requirements"]}
    assert entry[usable_body]["status"] == "fail", entry[usable_body]
    assert any(diagnosis in message for message in entry[usable_body]["messages"]), entry[usable_body]
    for requirement_id in met:
        assert entry[requirement_id]["status"] != "fail", entry[requirement_id]
    assert "RecursionError" not in json.dumps(run.report)


@pytest.mark.parametrize(
    ("body", "diagnosis"),
    [
        (HOSTILE_BODIES["nested-100000-deep"], DEPTH_DIAGNOSIS),
        (HOSTILE_BODIES["huge-exponent"], "a number beyond the range of a double: 1e999999"),
        (HOSTILE_BODIES["100k-digit-integer"], "an integer longer than 4300 digits"),
    ],
    ids=["nested-100000-deep", "huge-exponent", "100k-digit-integer"],
)
def test_controlcenter_judges_a_body_it_cannot_decode_safely(run_suite, body, diagnosis):
    # Every request on the connection answered: a client reusing a kept-alive connection must not
    # meet one the server is closing (a "Server disconnected" that would break a judged exchange).
    with socket_server(answering(answer_200(body))) as base_url:
        run = run_suite("controlcenter", over="http", base_url=base_url, table={"timeout_s": 5})
    assert_judged_without_crashing(
        run, "controlcenter", "CC-OK-STATUS", met=("CC-NO-SERVER-ERROR", "CC-CONTENT-TYPE"),
        diagnosis=diagnosis,
    )


def deep_json_answers(app, statuses=(200, 201)):
    """The reference ``app``, except that every JSON answer with one of ``statuses`` carries a
    body nested 100,000 levels deep instead of its own."""

    async def hostile(scope, receive, send):
        if scope["type"] != "http":
            return await app(scope, receive, send)
        replace = False

        async def rewrite(message):
            nonlocal replace
            if message["type"] == "http.response.start":
                headers = dict(message.get("headers", []))
                replace = message["status"] in statuses and headers.get(b"content-type", b"").startswith(
                    b"application/json"
                )
                if replace:
                    body = HOSTILE_BODIES["nested-100000-deep"]
                    headers = [(k, v) for k, v in message["headers"] if k.lower() != b"content-length"]
                    headers.append((b"content-length", str(len(body)).encode()))
                    message = {**message, "headers": headers}
            elif message["type"] == "http.response.body" and replace:
                if message.get("more_body", False):
                    return None
                message = {"type": "http.response.body", "body": HOSTILE_BODIES["nested-100000-deep"]}
            await send(message)
            return None

        return await app(scope, receive, rewrite)

    return hostile


@pytest.mark.parametrize(
    ("api", "usable_body", "met"),
    [
        ("umts", "UMTS-MEDIA-JSON", ("UMTS-AUTH-LOGIN", "UMTS-AUTH-TOKEN")),
        ("biot", "BIOT-RESPONSE-SCHEMA", ("BIOT-ERROR-ENVELOPE",)),
    ],
)
def test_session_apis_judge_bodies_nested_100000_deep(run_suite, api, usable_body, met):
    from pytest_sessionapi.registry import get_api
    from pytest_sessionapi.serving import serving

    app = get_api(api).reference.create_app(None)
    with serving(deep_json_answers(app)) as base_url:
        run = run_suite(api, over="http", base_url=base_url, table={"timeout_s": 5})
    assert_judged_without_crashing(run, api, usable_body, met)
