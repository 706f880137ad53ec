"""A broken endpoint is a failed check with a readable diagnosis, never an INTERNALERROR or a
missing report: HTML where JSON belongs, a timeout, a reset connection, a huge body."""

from __future__ import annotations

import socket

import pytest

from tests.test_transport import raw_server

HTML_PAGE = (
    b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 52\r\nConnection: close\r\n\r\n"
    b"<html><body><form>Login</form></body></html>\n\n\n\n\n\n\n\n"
)
HUGE_BODY = (
    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 99999999\r\n\r\n"
    + b"[" + b"0," * 5_000_000
)


@pytest.mark.parametrize(
    ("answer", "diagnosis"),
    [
        (HTML_PAGE, "*expected JSON, got an HTML page*"),
        (None, "*no usable answer from the endpoint: *"),
        (HUGE_BODY, "*response body exceeds*"),
        (b"", "*no usable answer from the endpoint: *"),
    ],
    ids=["html-instead-of-json", "connection-reset", "huge-body", "closed-without-answer"],
)
def test_broken_endpoint_fails_checks_with_a_diagnosis(run_suite, answer, diagnosis):
    with raw_server(answer) as base_url:
        run = run_suite("controlcenter", over="http", base_url=base_url, table={"timeout_s": 2})
    output = run.output()
    assert run.ret == 1, output
    assert "INTERNALERROR" not in output
    run.result.stdout.fnmatch_lines([diagnosis])
    assert run.api("controlcenter")["verdict"] == "nonconformant"


def test_timeout_fails_checks_with_a_diagnosis(run_suite):
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(64)  # accepts connections, never answers
    try:
        run = run_suite(
            "controlcenter", over="http", base_url=f"http://127.0.0.1:{silent.getsockname()[1]}",
            table={"timeout_s": 0.2},
        )
    finally:
        silent.close()
    assert run.ret == 1
    assert "INTERNALERROR" not in run.output()
    run.result.stdout.fnmatch_lines(["*no usable answer from the endpoint: timed out*"])
    assert run.api("controlcenter")["verdict"] == "nonconformant"
