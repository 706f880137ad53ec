"""A broken endpoint is a failed check with a readable diagnosis, never an INTERNALERROR or a
missing report: HTML where JSON belongs, a huge body. One that stops answering (every exchange
times out, is reset, or is cut mid-answer) trips the API's breaker: verdict ``error`` with one
line, exit 4, the remaining tests skipped at once, the report written."""

from __future__ import annotations

import json
import socket

import pytest

from pytest_sessionapi import transport
from tests.loopback import answering_once, socket_server

HTML_PAGE = (
    b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 52\r\nConnection: close\r\n\r\n"
    b"<html><body><form>Login</form></body></html>\n\n\n\n\n\n\n\n"
)
CAP = 64 * 1024
HUGE_BODY = (
    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000002\r\n\r\n"
    + b"[" + b"0," * 500_000 + b"0]"
)


def assert_failed_with_diagnosis(run, diagnosis: str) -> None:
    output = run.output()
    assert run.ret == 1, output
    assert "INTERNALERROR" not in output
    # One paragraph per failed test, also for the Hypothesis and Schemathesis tests: a transport
    # error that Hypothesis saw twice with different causes used to print as a flaky ExceptionGroup.
    assert "Traceback" not in output and "ExceptionGroup" not in output, output[-4000:]
    entry = run.api("controlcenter")
    assert entry["verdict"] == "nonconformant"
    messages = json.dumps([r["messages"] for r in entry["requirements"] if r["status"] == "fail"])
    assert diagnosis in messages, messages[:2000]
    assert diagnosis in output


def assert_stopped_with_one_line(run, line: str, diagnosis: str) -> None:
    output = run.output()
    assert run.ret == 4, output[-4000:]
    assert "INTERNALERROR" not in output
    assert "Traceback" not in output and "ExceptionGroup" not in output, output[-4000:]
    entry = run.api("controlcenter")
    assert entry["verdict"] == "error"
    assert entry["verdict_reason"] == f"controlcenter: the endpoint stopped answering: {line}"
    assert "\n" not in entry["verdict_reason"]
    # The exchanges before the breaker tripped are diagnosed like any broken answer.
    assert diagnosis in output
    untested = [r for r in entry["requirements"] if r["status"] == "not-tested"]
    assert any("stopped answering" in " ".join(r["messages"]) for r in untested)


@pytest.mark.parametrize(
    ("answer", "diagnosis"),
    [
        (HTML_PAGE, "200 text/html"),
        (HUGE_BODY, f"response body exceeds {CAP} bytes"),
    ],
    ids=["html-instead-of-json", "huge-body"],
)
def test_broken_endpoint_fails_checks_with_a_diagnosis(run_suite, monkeypatch, answer, diagnosis):
    # A smaller cap keeps the huge-body case quick; the run is in-process, so it sees the patch.
    monkeypatch.setattr(transport, "MAX_RESPONSE_BYTES", CAP)
    with socket_server(answering_once(answer)) as base_url:
        run = run_suite("controlcenter", over="http", base_url=base_url, table={"timeout_s": 2})
    assert_failed_with_diagnosis(run, diagnosis)


BROKE = "3 exchanges in a row broke the connection (reset, closed or not HTTP)"


@pytest.mark.parametrize(
    ("answer", "diagnosis"),
    [
        (None, "no usable answer"),
        (b"", "no usable answer"),
        (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 7\r\n\r\n{\"a\":", "no usable answer"),
    ],
    ids=["connection-reset", "closed-without-answer", "truncated-body"],
)
def test_an_endpoint_that_breaks_every_connection_stops_its_api(run_suite, answer, diagnosis):
    with socket_server(answering_once(answer)) as base_url:
        run = run_suite("controlcenter", over="http", base_url=base_url, table={"timeout_s": 2})
    assert_stopped_with_one_line(run, BROKE, diagnosis)


def test_an_endpoint_that_never_answers_stops_its_api(run_suite):
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(4096)  # accepts every connection, never answers
    try:
        run = run_suite(
            "controlcenter", over="http", base_url=f"http://127.0.0.1:{silent.getsockname()[1]}",
            table={"timeout_s": 0.2},
        )
    finally:
        silent.close()
    assert_stopped_with_one_line(
        run, "3 exchanges in a row timed out after 0.2 s", "timed out waiting for the response"
    )
