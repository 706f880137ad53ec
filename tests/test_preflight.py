"""The preflight: a setup mistake becomes one line saying what to check, never a vendor failure;
and nothing the suites must judge (no fault variant, no broken endpoint) is taken for one."""

from __future__ import annotations

import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from pytest_sessionapi.config import EffectiveTarget, build_target, embedded_target
from pytest_sessionapi.preflight import SetupProblem, appended_path_in, check_target
from pytest_sessionapi.registry import all_apis, get_api
from pytest_sessionapi.serving import LOOPBACK, bind_socket, serving
from pytest_sessionapi.transport import exchange_log, open_client
from tests.loopback import answering_once, socket_server, unused_port

WRONG_SECRET = "wrong-secret-7d41c0e9"


def live_target(
    api: str, base_url: str, *, secret: str | None = None, **table: Any
) -> EffectiveTarget:
    """The API's embedded table pointed at ``base_url`` over the network, with its secret
    replaced by ``secret`` when given."""
    reference = get_api(api).reference
    env = dict(reference.EMBEDDED_ENV)
    secret_key = {"controlcenter": "api_key_env", "umts": "password_env", "biot": "token_env"}[api]
    secret_variable = reference.EMBEDDED_TABLE[secret_key]
    if secret is not None:
        env[secret_variable] = secret
    return build_target(
        get_api(api), {**reference.EMBEDDED_TABLE, "base_url": base_url, **table}, env,
        "targets.toml",
    )


def preflight(target: EffectiveTarget) -> tuple[SetupProblem | None, int]:
    """The preflight's verdict and how many requests it sent."""
    clients: list[httpx.Client] = []

    def open_http(auth: httpx.Auth | None) -> httpx.Client:
        client = open_client(target, auth)
        clients.append(client)
        return client

    try:
        problem = check_target(target, open_http)
    finally:
        for client in clients:
            client.close()
        target.close()
    return problem, sum(exchange_log(client).count for client in clients)


def assert_no_secret(line: str, target: EffectiveTarget) -> None:
    for secret in target.secrets.values():
        assert secret not in line
    assert WRONG_SECRET not in line
    for api in all_apis().values():
        for value in api.reference.EMBEDDED_ENV.values():
            assert value not in line


# -- the references and every variant pass, cheaply -------------------------------------------

ALL_VARIANTS = [
    pytest.param(api.name, variant, id=f"{api.name}:{variant or 'reference'}")
    for api in all_apis().values()
    for variant in [None, *api.reference.VARIANTS]
]


@pytest.mark.parametrize(("api", "variant"), ALL_VARIANTS)
def test_no_reference_variant_is_taken_for_a_setup_problem(api, variant):
    # Each fault variant must fail its own requirement in the self-test; a preflight that
    # turned one into a setup error would hide it behind verdict `error`.
    problem, requests = preflight(embedded_target(get_api(api), variant))
    assert problem is None
    assert 1 <= requests <= 2


@pytest.mark.parametrize("api", list(all_apis()))
def test_the_right_credentials_pass_over_loopback(api):
    with serving(get_api(api).reference.create_app()) as url:
        problem, requests = preflight(live_target(api, url))
    assert problem is None
    assert requests <= 2


def test_every_api_says_which_paths_it_appends_and_how_it_checks_credentials():
    for api in all_apis().values():
        assert api.appended_paths, api.name
        assert callable(api.client.preflight), api.name


# -- credentials refused -----------------------------------------------------------------------

CC_REFUSED = (
    "controlcenter: credentials refused (401 10000001): check username and api_key_env, and that "
    "this machine's IP address is in the account's allowed range; if they are right, the "
    "endpoint refuses valid credentials"
)
UMTS_REFUSED = (
    "umts: credentials refused (POST /j_security_check answered the login page): check username "
    "and password_env; if they are right, the endpoint refuses valid credentials"
)
BIOT_REFUSED = (
    "biot: token refused (401 TOKEN_NOT_VALID): check token_env: it must hold a BioT JWT that has "
    "not expired; if it does, the endpoint refuses a valid token"
)
BIOT_DENIED = (
    "biot: access denied (403 ACCESS_DENIED): check token_env (a BioT JWT that has not expired and "
    "carries PROTECTED_API) and that device_id belongs to the token's organization; if they are "
    "right, the endpoint refuses valid credentials"
)


@pytest.mark.parametrize(
    ("api", "expected"),
    [("controlcenter", CC_REFUSED), ("umts", UMTS_REFUSED), ("biot", BIOT_REFUSED)],
)
def test_a_wrong_secret_is_one_line_naming_what_to_check(api, expected):
    with serving(get_api(api).reference.create_app()) as url:
        target = live_target(api, url, secret=WRONG_SECRET)
        problem, requests = preflight(target)
    assert problem is not None and problem.line() == expected
    assert requests <= 2
    assert_no_secret(problem.line(), target)


def test_a_wrong_controlcenter_username_is_refused_the_same_way():
    with serving(get_api("controlcenter").reference.create_app()) as url:
        problem, _ = preflight(live_target("controlcenter", url, username="not-the-user"))
    assert problem is not None and problem.line() == CC_REFUSED


def test_an_unknown_vmanage_user_is_refused_the_same_way():
    with serving(get_api("umts").reference.create_app()) as url:
        problem, _ = preflight(live_target("umts", url, username="not-the-user"))
    assert problem is not None and problem.line() == UMTS_REFUSED


@pytest.mark.parametrize(
    ("variant", "expected"), [(None, BIOT_REFUSED), ("expired-token-403", BIOT_DENIED)]
)
def test_an_expired_biot_token_is_refused_as_either_document_says(variant, expected):
    reference = get_api("biot").reference
    expired = reference.EMBEDDED_ENV[reference.EMBEDDED_TABLE["expired_token_env"]]
    with serving(reference.create_app(variant)) as url:
        target = live_target("biot", url, secret=expired)
        problem, _ = preflight(target)
    assert problem is not None and problem.line() == expected
    assert_no_secret(problem.line(), target)


@pytest.mark.parametrize(
    ("device_id", "expected"),
    [(get_api("biot").reference.EMBEDDED_TABLE["device_id"], BIOT_DENIED), (None, None)],
    ids=["device-named", "no-device"],
)
def test_a_biot_403_counts_only_on_a_device_the_user_named(device_id, expected):
    denied = JSONResponse({"code": "ACCESS_DENIED", "message": "Access denied", "details": {}}, 403)
    with serving(answering(denied)) as url:
        problem, _ = preflight(live_target("biot", url, device_id=device_id))
    assert (problem.line() if problem else None) == expected


# -- the host does not answer, TLS does not work ---------------------------------------------------


def test_an_unreachable_port_says_where_it_tried():
    port = unused_port()
    problem, _ = preflight(live_target("controlcenter", f"http://{LOOPBACK}:{port}"))
    assert problem is not None
    assert problem.line() == (
        f"controlcenter: could not connect to http://127.0.0.1:{port} (Connection refused): "
        "check base_url and that this machine can reach it (network, VPN, firewall, proxy)"
    )


def test_a_name_that_does_not_resolve_is_a_setup_problem(monkeypatch):
    # Offline: the resolver is made to fail the way a typo in the host name does.
    def no_such_host(*args: Any, **kwargs: Any) -> Any:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_such_host)
    problem, _ = preflight(live_target("biot", "https://api.example.invalid"))
    assert problem is not None
    assert problem.line() == (
        "biot: could not connect to https://api.example.invalid:443 (Name or service not known): "
        "check base_url and that this machine can reach it (network, VPN, firewall, proxy)"
    )


def failing_with(error: type[httpx.TransportError]) -> Any:
    """An ``open_http`` whose requests fail with ``error`` before any answer: the failures the
    loopback cannot stage offline (a connect timeout needs a host that drops packets)."""

    def open_http(auth: httpx.Auth | None) -> httpx.Client:
        def fail(request: httpx.Request) -> httpx.Response:
            raise error("simulated", request=request)

        return httpx.Client(auth=auth, base_url=target.settings.base_url,
                            transport=httpx.MockTransport(fail))

    target = live_target("umts", "https://vmanage.example.com:8443", timeout_s=7.5)
    return target, open_http


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (httpx.ConnectTimeout,
         "umts: timed out connecting to https://vmanage.example.com:8443 after 7.5 s: check "
         "base_url and that this machine can reach it (network, VPN, firewall, proxy); on a slow "
         "network raise timeout_s"),
        (httpx.ProxyError,
         "umts: the proxy did not connect to https://vmanage.example.com:8443 (simulated): check "
         "the proxy settings and that the proxy may reach base_url"),
        (httpx.ReadTimeout, None),
        (httpx.RemoteProtocolError, None),
    ],
    ids=["connect-timeout", "proxy", "read-timeout", "broken-answer"],
)
def test_only_failures_before_the_endpoint_answers_are_setup_problems(error, expected):
    target, open_http = failing_with(error)
    problem = check_target(target, open_http)
    assert (problem.line() if problem else None) == expected


@pytest.fixture(scope="module")
def self_signed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("the openssl command is not installed; it makes the self-signed certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True, timeout=60,
    )
    return cert, key


@contextmanager
def serving_tls(app: Any, cert: Path, key: Path) -> Iterator[str]:
    import uvicorn

    sock = bind_socket()
    config = uvicorn.Config(
        app, log_level="warning", lifespan="off", access_log=False,
        ssl_certfile=str(cert), ssl_keyfile=str(key),
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the TLS server did not start"
        time.sleep(0.01)
    try:
        yield f"https://{LOOPBACK}:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def test_an_untrusted_certificate_says_how_to_trust_it(self_signed):
    cert, key = self_signed
    with serving_tls(get_api("biot").reference.create_app(), cert, key) as url:
        problem, _ = preflight(live_target("biot", url))
    assert problem is not None
    # OpenSSL 3 writes "self-signed", OpenSSL 1.1 "self signed".
    reason = next(r for r in ("self-signed certificate", "self signed certificate") if r in problem.what)
    assert problem.line() == (
        f"biot: TLS certificate of {url} not trusted ({reason}): set ca_bundle to a PEM file "
        "holding the CA that signed it (or verify_tls = false, for a test endpoint only)"
    )


def test_the_same_certificate_passes_once_trusted(self_signed):
    cert, key = self_signed
    with serving_tls(get_api("biot").reference.create_app(), cert, key) as url:
        problem, _ = preflight(live_target("biot", url, ca_bundle=str(cert)))
    assert problem is None


def test_https_to_a_plain_http_port_is_a_failed_handshake():
    with serving(get_api("controlcenter").reference.create_app()) as url:
        https = url.replace("http://", "https://")
        problem, _ = preflight(live_target("controlcenter", https))
    assert problem is not None
    assert problem.line() == (
        f"controlcenter: TLS handshake with {https} failed (wrong version number): check that "
        "base_url's scheme and port are those of the endpoint's HTTPS service"
    )


# -- base_url ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("api", "path", "suffix", "kept"),
    [
        ("controlcenter", "/rws/api/v1", "/rws/api/v1", ""),
        ("controlcenter", "/rws/api/v1/", "/rws/api/v1", ""),
        ("controlcenter", "/rws", "/rws", ""),
        ("controlcenter", "/gateway/rws/api/v2/devices", "/rws/api/v2/devices", "/gateway"),
        ("umts", "/dataservice", "/dataservice", ""),
        ("umts", "/j_security_check", "/j_security_check", ""),
        ("biot", "/device/v1", "/device/v1", ""),
        ("biot", "/device", "/device", ""),
    ],
)
def test_a_base_url_holding_an_appended_path_is_named_before_any_request(api, path, suffix, kept):
    target = live_target(api, f"https://host.example:8443{path}")
    problem, requests = preflight(target)
    assert problem is not None
    assert problem.line() == (
        f"{api}: base_url ends in {suffix}, a path the suite appends itself: "
        f'set base_url = "https://host.example:8443{kept}"'
    )
    assert requests == 0


@pytest.mark.parametrize(
    ("path", "appended"),
    [
        ("/gateway/devices", ("/device/v1",)),
        ("/vmanage", ("/j_security_check", "/dataservice")),
        ("/rws-proxy", ("/rws/api",)),
        ("/rws/other", ("/rws/api",)),
        ("", ("/rws/api",)),
    ],
)
def test_a_path_of_the_users_own_is_left_alone(path, appended):
    assert appended_path_in(f"https://host.example{path}", appended) is None


# -- a redirect to another origin -------------------------------------------------------------


def redirecting_app(location: str, status: int = 301) -> Starlette:
    async def moved(request: Request) -> Response:
        return RedirectResponse(location, status_code=status)

    return Starlette(routes=[Route("/{path:path}", moved, methods=["GET", "POST"])])


@pytest.mark.parametrize("api", list(all_apis()))
def test_a_redirect_to_another_origin_names_it(api):
    with serving(redirecting_app("https://127.0.0.1:1/elsewhere")) as url:
        problem, _ = preflight(live_target(api, url))
    assert problem is not None
    assert problem.line() == (
        f"{api}: base_url redirects to https://127.0.0.1:1 (301): if that is the endpoint, "
        'set base_url = "https://127.0.0.1:1"; the suite follows no redirect'
    )


@pytest.mark.parametrize("api", list(all_apis()))
def test_a_redirect_within_the_endpoint_is_for_the_suite_to_judge(api):
    with serving(redirecting_app("/welcome.html", 302)) as url:
        problem, _ = preflight(live_target(api, url))
    assert problem is None


# -- what is not a setup problem --------------------------------------------------------------


def answering(response: Response) -> Starlette:
    async def answer(request: Request) -> Response:
        return response

    return Starlette(routes=[Route("/{path:path}", answer, methods=["GET", "POST"])])


NOT_SETUP = {
    "server error": Response("java.lang.NullPointerException", status_code=500),
    "malformed body": Response(b"\x00{not json", status_code=200, media_type="application/json"),
    "401 without the documented code": JSONResponse(
        {"errorMessage": "Full authentication is required to access this resource"}, 401
    ),
    "403 without a code": JSONResponse({"error": "forbidden"}, 403),
    "HTML 404 page": HTMLResponse("<html><body>Not Found</body></html>", 404),
    "empty 200": Response(b"", status_code=200),
}


@pytest.mark.parametrize("api", list(all_apis()))
@pytest.mark.parametrize("answer", list(NOT_SETUP))
def test_an_answer_that_does_not_refuse_the_credentials_is_for_the_suite_to_judge(api, answer):
    with serving(answering(NOT_SETUP[answer])) as url:
        problem, _ = preflight(live_target(api, url))
    assert problem is None


@pytest.mark.parametrize("api", list(all_apis()))
def test_a_connection_closed_without_an_answer_is_for_the_suite_to_judge(api):
    # The host answered (it accepted the connection): what it does then is the endpoint's.
    with socket_server(answering_once(b"")) as url:  # reads the request, hangs up
        problem, _ = preflight(live_target(api, url))
    assert problem is None


def test_the_line_is_one_line_whatever_the_detail():
    problem = SetupProblem("biot", "could not connect to x\n(detail\r\nmore)", "check  base_url")
    assert problem.line() == "biot: could not connect to x (detail more): check base_url"


# -- leftovers are setup, not nonconformance (issue 19) -------------------------------------------


def _open_session(url: str, name: str) -> str:
    import httpx

    from pytest_sessionapi.apis.biot.reference.server import EMBEDDED_ENV, EMBEDDED_TABLE

    token = EMBEDDED_ENV[EMBEDDED_TABLE["token_env"]]
    device = EMBEDDED_TABLE["device_id"]
    answer = httpx.post(
        f"{url}/device/v1/devices/{device}/usage-sessions/usage-type/{EMBEDDED_TABLE['usage_type']}",
        json={"_startTime": "2026-01-01T00:00:00Z", "_state": "ACTIVE", "_name": name},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert answer.status_code == 201, answer.text
    return answer.json()["_id"]


def test_someone_elses_open_session_is_a_setup_error_not_nonconformance(run_suite, tmp_path, monkeypatch):
    import tempfile

    from pytest_sessionapi.apis.biot.reference.server import create_app
    from pytest_sessionapi.serving import serving

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # a journal of this test's own
    app = create_app(None)
    with serving(app) as url:
        foreign = _open_session(url, "somebody else's")
        run = run_suite("biot", over="http", base_url=url)
        assert app.state.reference.live_sessions() == [foreign]  # never touched
    assert run.ret == 4, run.output()[-3000:]
    entry = run.api("biot")
    assert entry["verdict"] == "error"
    # Found by the preflight (searchSessions), before the first test, and named.
    assert entry["verdict_reason"] == (
        f"biot: device 'reference-device-1' already has an open 'Monitoring' session {foreign} "
        "named \"somebody else's\" that this suite did not create: the suite never touches other "
        "sessions: close it (or name another device_id) and run again"
    )
    assert run.report["apis"]["biot"]["requests"] <= 4  # the preflight's, and no test's
    assert [r["id"] for r in entry["requirements"] if r["status"] == "fail"] == []


def test_the_suites_own_leftover_is_closed_and_the_next_run_is_conformant(run_suite, tmp_path, monkeypatch):
    """What an interrupted (killed) run left open, written down in the journal as it was made,
    is closed by the next run, which is conformant."""
    import tempfile

    from pytest_sessionapi.apis.biot.reference.server import EMBEDDED_TABLE, create_app
    from pytest_sessionapi.leftovers import Journal
    from pytest_sessionapi.serving import serving

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    app = create_app(None)
    with serving(app) as url:
        left = _open_session(url, "pytest-sessionapi 0123abcd")
        Journal("biot", url, EMBEDDED_TABLE["device_id"]).opened(left)  # as the killed run did
        # Schemathesis' generated PATCHes are left out: they judge nothing about leftovers, and
        # in a process that ran other suites before they may draw other examples.
        run = run_suite("biot", "-k", "not schemathesis", over="http", base_url=url)
        assert app.state.reference.live_sessions() == []
    assert run.ret == 0, run.output()[-3000:]
    entry = run.api("biot")
    assert entry["verdict"] in ("conformant", "incomplete"), entry.get("verdict_reason")
    assert run.status("BIOT-CREATE") == "pass"
    assert [r["id"] for r in entry["requirements"] if r["status"] == "fail"] == []
    run.result.stdout.fnmatch_lines(
        [f"*LeftoverClosed: biot: closed session {left} on device 'reference-device-1', left open by "
         "an earlier run of this suite"]
    )


def test_the_suites_own_leftover_found_by_its_name_is_closed_by_the_preflight(run_suite, tmp_path, monkeypatch):
    """A leftover no journal holds (the journal was on another machine, or lost) is still the
    suite's own by its name: the preflight's search finds it, closes it and says so, and the
    run goes on as if the device had been free."""
    import tempfile

    from pytest_sessionapi.apis.biot.reference.server import create_app
    from pytest_sessionapi.serving import serving

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    app = create_app(None)
    with serving(app) as url:
        left = _open_session(url, "pytest-sessionapi 89abcdef")
        run = run_suite("biot", "-k", "test_create_by_usage_type_then_get", over="http", base_url=url)
        assert app.state.reference.live_sessions() == []
    assert run.ret == 0, run.output()[-3000:]
    assert run.status("BIOT-CREATE") == "pass"
    run.result.stdout.fnmatch_lines(
        [f"*LeftoverClosed: biot: closed session {left} on device 'reference-device-1', left open by "
         "an earlier run of this suite"]
    )


def _umts_session(url: str) -> str:
    """A trace session opened on the served UMTS reference's device, as another client would."""
    import httpx

    from pytest_sessionapi.apis.umts.reference.server import EMBEDDED_ENV, EMBEDDED_TABLE

    with httpx.Client(base_url=url) as http:
        login = http.post("/j_security_check", data={
            "j_username": EMBEDDED_TABLE["username"],
            "j_password": EMBEDDED_ENV[EMBEDDED_TABLE["password_env"]],
        })
        assert login.status_code == 200, login.text
        token = http.get("/dataservice/client/token").text
        created = http.post("/dataservice/stream/device/umts", headers={"X-XSRF-TOKEN": token}, json={
            "deviceUUID": EMBEDDED_TABLE["device_uuid"], "localColor": EMBEDDED_TABLE["local_color"],
            "remoteColor": EMBEDDED_TABLE["remote_color"], "remoteSystem": EMBEDDED_TABLE["remote_system"],
        })
        assert created.status_code == 200, created.text
        body = created.json()
        return (body[0] if isinstance(body, list) else body)["sessionId"]


def test_umts_the_suites_own_leftover_is_disabled_by_the_preflight(run_suite, tmp_path, monkeypatch):
    """UMTS sessions have no name: the journal a killed run wrote as it created them is how the
    next run knows its own. The preflight disables it with one line; the run is not held up."""
    import tempfile

    from pytest_sessionapi.apis.umts.reference.server import EMBEDDED_TABLE, create_app
    from pytest_sessionapi.leftovers import Journal
    from pytest_sessionapi.serving import serving

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    app = create_app(None)
    with serving(app) as url:
        left = _umts_session(url)
        journal = Journal("umts", url, EMBEDDED_TABLE["device_uuid"])
        journal.opened(left)  # as the killed run did
        run = run_suite("umts", "-k", "test_documented_flow", over="http", base_url=url)
        assert app.state.reference.live_sessions() == []
    assert run.ret == 0, run.output()[-3000:]
    assert run.status("UMTS-CREATE-SESSION") == "pass"
    assert journal.open_ids() == []
    run.result.stdout.fnmatch_lines(
        [f"*LeftoverClosed: umts: disabled session {left} on device '{EMBEDDED_TABLE['device_uuid']}', "
         "left open by an earlier run of this suite"]
    )


def test_umts_someone_elses_open_session_is_a_setup_error_not_nonconformance(run_suite, tmp_path, monkeypatch):
    """The UMTS API cannot list sessions, so a foreign one shows at the first create (400
    TBST1008 before the suite opened anything): verdict error, exit 4, one line, never touched."""
    import tempfile

    from pytest_sessionapi.apis.umts.reference.server import create_app
    from pytest_sessionapi.serving import serving

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    app = create_app(None)
    with serving(app) as url:
        foreign = _umts_session(url)
        run = run_suite("umts", "-k", "test_documented_flow", over="http", base_url=url)
        assert app.state.reference.live_sessions() == [foreign]  # never touched
    assert run.ret == 4, run.output()[-3000:]
    entry = run.api("umts")
    assert entry["verdict"] == "error"
    assert entry["verdict_reason"].startswith(
        "umts: device 'C8K-6dfe1f7c-7dc5-4891-bdb4-fb74e84882b7' already has an open trace session "
        "that this suite did not create"
    )
    assert [r["id"] for r in entry["requirements"] if r["status"] == "fail"] == []
