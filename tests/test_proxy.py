"""Proxies: the ``proxy`` key of a targets.toml table, and HTTP_PROXY / HTTPS_PROXY / ALL_PROXY /
NO_PROXY as httpx reads them. Requests to a live target go through the proxy with every guarantee
of the transport (exchange log, size cap, whole-exchange timeout); proxy credentials are secrets;
the embedded reference never uses a proxy."""

from __future__ import annotations

import http.client
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import httpx
import pytest

from pytest_sessionapi import transport
from pytest_sessionapi.config import build_target, environment_proxy
from pytest_sessionapi.errors import ConfigError
from pytest_sessionapi.registry import get_api
from pytest_sessionapi.serving import serving
from tests.loopback import socket_server
from tests.test_hostile_answers import DRIPPED_BODY_HEAD, drip
from tests.test_transport import APP, SECRET

PROXY_PASSWORD = "proxy-secret-4711"
_HOP_BY_HOP = {"connection", "proxy-connection", "proxy-authorization", "keep-alive", "host",
               "transfer-encoding", "content-length"}


@dataclass
class ForwardProxy:
    url: str
    seen: list[tuple[str, str, str | None]] = field(default_factory=list)
    """(method, request target, Proxy-Authorization) of every request the proxy received."""


class _Relay(BaseHTTPRequestHandler):
    """A plain HTTP forward proxy: absolute-form requests in, relayed to the origin."""

    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the stdlib's name
        pass

    def _relay(self) -> None:
        proxy: ForwardProxy = self.server.proxy  # type: ignore[attr-defined]
        proxy.seen.append((self.command, self.path, self.headers.get("Proxy-Authorization")))
        origin = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP}
        upstream = http.client.HTTPConnection(origin.hostname, origin.port, timeout=30)
        target = origin.path + (f"?{origin.query}" if origin.query else "")
        try:
            upstream.request(self.command, target, body=body, headers=headers)
            answer = upstream.getresponse()
            content = answer.read()
        except (OSError, http.client.HTTPException):
            try:
                self.send_error(502)
            except OSError:  # the client gave up on the broken answer first: nobody to tell
                pass
            return
        finally:
            upstream.close()
        self.send_response(answer.status, answer.reason)
        for name, value in answer.getheaders():
            if name.lower() not in _HOP_BY_HOP:
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        self.wfile.write(content)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _relay


@contextmanager
def forward_proxy(credentials: str = "") -> Iterator[ForwardProxy]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Relay)
    server.daemon_threads = True
    proxy = ForwardProxy(f"http://{credentials}127.0.0.1:{server.server_address[1]}")
    server.proxy = proxy  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield proxy
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def live_target(base_url: str, environ: dict[str, str] | None = None, **overrides):
    table = {"base_url": base_url, "username": "qa-user", "api_key_env": "KEY", "max_rps": 0, **overrides}
    return build_target(get_api("controlcenter"), table, {"KEY": SECRET, **(environ or {})}, "test")


# -- which proxy a target uses ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "environ", "expected"),
    [
        ("https://rws.example.com", {}, (None, "")),
        ("https://rws.example.com", {"HTTPS_PROXY": "http://p:3128"}, ("http://p:3128", "HTTPS_PROXY")),
        ("https://rws.example.com", {"HTTP_PROXY": "http://p:3128"}, (None, "")),
        ("http://rws.example.com", {"HTTP_PROXY": "p:3128"}, ("http://p:3128", "HTTP_PROXY")),
        ("https://rws.example.com", {"ALL_PROXY": "http://p:1"}, ("http://p:1", "ALL_PROXY")),
        ("https://rws.example.com", {"all_proxy": "http://a:1", "https_proxy": "http://s:2"}, ("http://s:2", "https_proxy")),
        ("https://rws.example.com", {"HTTPS_PROXY": "http://upper:1", "https_proxy": "http://lower:2"}, ("http://lower:2", "https_proxy")),
        ("https://rws.example.com", {"HTTPS_PROXY": "http://p:1", "NO_PROXY": "example.com"}, (None, "")),
        ("https://rws.example.com", {"HTTPS_PROXY": "http://p:1", "NO_PROXY": ".example.com"}, (None, "")),
        ("https://example.com", {"HTTPS_PROXY": "http://p:1", "NO_PROXY": ".example.com"}, ("http://p:1", "HTTPS_PROXY")),
        ("https://notexample.com", {"HTTPS_PROXY": "http://p:1", "NO_PROXY": "example.com"}, ("http://p:1", "HTTPS_PROXY")),
        ("https://rws.example.com", {"HTTPS_PROXY": "http://p:1", "no_proxy": "other.org, *"}, (None, "")),
        ("http://10.1.2.3:8080", {"HTTP_PROXY": "http://p:1", "NO_PROXY": "10.0.0.0/8"}, (None, "")),
        ("http://127.0.0.1:8080", {"HTTP_PROXY": "http://p:1", "NO_PROXY": "localhost,127.0.0.1"}, (None, "")),
        ("http://vmanage:8443", {"HTTP_PROXY": "http://p:1", "NO_PROXY": "http://vmanage:8443"}, (None, "")),
        ("http://vmanage:8443", {"HTTP_PROXY": "http://p:1", "NO_PROXY": "http://vmanage:9000"}, ("http://p:1", "HTTP_PROXY")),
    ],
)
def test_the_environment_names_the_proxy_as_httpx_reads_it(url, environ, expected):
    assert environment_proxy(url, environ) == expected


def test_the_table_proxy_wins_over_the_environment_and_shows_in_the_header_without_credentials():
    target = live_target(
        "https://rws.example.com", {"HTTPS_PROXY": "http://env-proxy:3128"},
        proxy=f"http://qa:{PROXY_PASSWORD}@corp-proxy.example:8080",
    )
    assert target.proxy == f"http://qa:{PROXY_PASSWORD}@corp-proxy.example:8080"
    assert target.describe() == (
        "https://rws.example.com (from test), via proxy http://corp-proxy.example:8080 (from proxy), "
        "no rate limit, timeout 30 s"
    )


def test_proxy_credentials_from_the_table_and_the_environment_are_masked():
    target = live_target(
        "https://rws.example.com",
        {"HTTP_PROXY": "http://env-user:env-proxy-pass@env-proxy:3128", "NO_PROXY": "rws.example.com"},
        proxy=f"http://qa:{PROXY_PASSWORD}@corp-proxy.example:8080",
    )
    text = (
        f"http://qa:{PROXY_PASSWORD}@corp-proxy.example:8080 http://env-user:env-proxy-pass@env-proxy:3128 "
        f"{httpx.BasicAuth('qa', PROXY_PASSWORD)._auth_header}"
    )
    masked = target.redactor.text(text)
    assert PROXY_PASSWORD not in masked and "env-proxy-pass" not in masked
    assert "corp-proxy.example:8080" in masked


def test_embedded_targets_never_use_a_proxy():
    target = build_target(
        get_api("controlcenter"),
        {"base_url": "http://reference.test", "username": "qa-user", "api_key_env": "KEY"},
        {"KEY": SECRET, "HTTP_PROXY": "http://p:3128", "ALL_PROXY": "http://p:3128"},
        "embedded",
        app=APP,
    )
    assert target.proxy is None and "via proxy" not in target.describe()
    target.close()


@pytest.mark.parametrize(
    ("proxy", "message"),
    [
        ("ftp://proxy:21", "proxy: 'ftp://proxy:21' is not an http:// or https:// proxy URL with a host"),
        ("proxy.example:3128", "is not an http:// or https:// proxy URL with a host"),
        (f"http://qa:{PROXY_PASSWORD}@proxy:3128/path", "proxy: 'http://proxy:3128/path' must be scheme://host[:port], with no path or query"),
        ("http://proxy:99999", "proxy: 'http://proxy:99999' has an invalid port"),
    ],
)
def test_a_bad_proxy_is_a_one_line_usage_error_without_its_credentials(proxy, message):
    with pytest.raises(ConfigError) as info:
        live_target("https://rws.example.com", proxy=proxy)
    text = str(info.value)
    assert message in text and "\n" not in text and PROXY_PASSWORD not in text


def test_an_unsupported_proxy_in_the_environment_is_a_usage_error():
    with pytest.raises(ConfigError) as info:
        live_target("https://rws.example.com", {"ALL_PROXY": f"socks5://qa:{PROXY_PASSWORD}@socks:1080"})
    assert str(info.value) == (
        "test: [controlcenter] environment variable ALL_PROXY: 'socks5://socks:1080' is not an "
        "http:// or https:// proxy (set proxy in the table, or NO_PROXY)"
    )


# -- requests go through it, with every guarantee of the transport ------------------------------


def test_requests_go_through_the_proxy_with_its_credentials_and_are_logged():
    with serving(APP) as base_url, forward_proxy(f"qa:{PROXY_PASSWORD}@") as proxy:
        target = live_target(base_url, proxy=proxy.url)
        with transport.open_client(target) as client:
            response = client.post("/echo", content=b"through the proxy")
            log = transport.exchange_log(client)
    assert response.json()["body"] == "through the proxy"
    assert proxy.seen == [("POST", f"{base_url}/echo", httpx.BasicAuth("qa", PROXY_PASSWORD)._auth_header)]
    assert log.count == 1 and PROXY_PASSWORD not in repr(list(log.exchanges))


def test_no_proxy_sends_requests_direct():
    with serving(APP) as base_url, forward_proxy() as proxy:
        environ = {"HTTP_PROXY": proxy.url, "NO_PROXY": "localhost,127.0.0.1"}
        with transport.open_client(live_target(base_url, environ)) as client:
            assert client.get("/echo").status_code == 200
        assert proxy.seen == []
        with transport.open_client(live_target(base_url, {"HTTP_PROXY": proxy.url})) as client:
            assert client.get("/echo").status_code == 200
        assert [method for method, _, _ in proxy.seen] == ["GET"]


def test_the_size_cap_and_the_whole_exchange_timeout_hold_through_the_proxy(monkeypatch):
    monkeypatch.setattr(transport, "MAX_RESPONSE_BYTES", 64 * 1024)
    with serving(APP) as base_url, forward_proxy() as proxy:
        with transport.open_client(live_target(base_url, proxy=proxy.url)) as client:
            with pytest.raises(transport.ResponseTooLarge):
                client.get("/huge")
    body = b"[" + b"0," * 199 + b"]"
    with socket_server(drip(DRIPPED_BODY_HEAD, body, 0.1)) as base_url, forward_proxy() as proxy:
        with transport.open_client(live_target(base_url, proxy=proxy.url, timeout_s=1)) as client:
            started = time.monotonic()
            with pytest.raises(transport.ExchangeTimeout):
                client.get("/drip")
            assert time.monotonic() - started < 1.5
    assert len(proxy.seen) == 1


def test_a_refusing_proxy_is_diagnosed_in_words():
    import socket

    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()  # nothing listens there now
    with serving(APP) as base_url:
        target = live_target(base_url, proxy=f"http://127.0.0.1:{port}")
        with transport.open_client(target) as client, pytest.raises(httpx.TransportError) as info:
            client.get("/echo")
    assert transport.describe_transport_error(info.value).startswith("could not connect")


def test_a_proxy_that_refuses_the_tunnel_is_diagnosed_in_words():
    error = httpx.ProxyError("407 Proxy Authentication Required")
    assert transport.describe_transport_error(error) == (
        "the proxy refused or failed the request (407 Proxy Authentication Required)"
    )


def test_a_suite_runs_through_the_proxy_and_its_credentials_stay_out_of_the_report(run_suite):
    with forward_proxy(f"qa:{PROXY_PASSWORD}@") as proxy:
        run = run_suite("controlcenter", over="http", table={"proxy": proxy.url})
    output = run.output()
    assert run.ret == 0, output[-3000:]
    entry = run.api("controlcenter")
    assert entry["verdict"] == "conformant"
    assert "via proxy http://127.0.0.1:" in entry["target"] and "(from proxy)" in entry["target"]
    assert len(proxy.seen) >= entry["requests"] > 0
    assert all(target.startswith("http://127.0.0.1:") for _, target, _ in proxy.seen)
    written = json.dumps(run.report) + output + run.report_path.with_suffix(".md").read_text()
    assert PROXY_PASSWORD not in written


CC_TABLE = """
[controlcenter]
base_url = "https://rws.example.test"
username = "qa-user"
api_key_env = "SESSIONAPI_TEST_CC_KEY"
"""


@pytest.fixture
def project(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    pytester.makepyfile(test_unrelated="def test_nothing():\n    pass\n")
    monkeypatch.setenv("SESSIONAPI_TEST_CC_KEY", SECRET)
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "http_proxy", "https_proxy",
                 "all_proxy", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    return pytester


def test_the_header_names_the_proxy_and_never_its_password(project, monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", f"http://qa:{PROXY_PASSWORD}@corp-proxy.example:3128")
    project.path.joinpath("targets.toml").write_text(CC_TABLE)
    result = project.runpytest("--sessionapi-config=targets.toml")
    result.stdout.fnmatch_lines(
        ["  controlcenter: https://rws.example.test (from *targets.toml), via proxy "
         "http://corp-proxy.example:3128 (from HTTPS_PROXY), 5 req/s, timeout 30 s"]
    )
    assert PROXY_PASSWORD not in result.stdout.str() + result.stderr.str()
    assert result.ret == 0


def test_a_bad_proxy_key_stops_the_run_with_one_line(project):
    project.path.joinpath("targets.toml").write_text(
        CC_TABLE + f'proxy = "socks5://qa:{PROXY_PASSWORD}@corp-proxy.example:1080"\n'
    )
    result = project.runpytest("--sessionapi-config=targets.toml")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["ERROR: *targets.toml: [[]controlcenter[]] proxy: 'socks5://corp-proxy.example:1080' is not "
         "an http:// or https:// proxy URL with a host"]
    )
    assert len([line for line in result.stderr.lines if line.strip()]) == 1
    assert PROXY_PASSWORD not in result.stdout.str() + result.stderr.str()
