"""The vManage session-login flow (VManageSessionAuth) and the thin client."""

from __future__ import annotations

import httpx
import pytest
import respx

from pytest_sessionapi.apis.umts.client import (
    Client,
    VManageLoginError,
    VManageSessionAuth,
    build_auth,
    build_session_only_auth,
    parse_token,
    session_expired,
)
from pytest_sessionapi.apis.umts.reference import EMBEDDED_TABLE, LOGIN_PAGE
from pytest_sessionapi.config import build_target, embedded_target
from pytest_sessionapi.redaction import Redactor
from pytest_sessionapi.registry import get_api
from pytest_sessionapi.transport import exchange_log, open_client

BASE = "https://vmanage.test:8443"
BODY = {
    "deviceUUID": EMBEDDED_TABLE["device_uuid"],
    "localColor": "lte",
    "remoteColor": "lte",
    "remoteSystem": "172.16.255.16",
}


@pytest.fixture
def embedded():
    targets = []

    def make(variant=None, **overrides):
        target = embedded_target(get_api("umts"), variant)
        if overrides:
            from pytest_sessionapi.apis.umts.reference import EMBEDDED_ENV

            target = build_target(get_api("umts"), {**EMBEDDED_TABLE, **overrides}, EMBEDDED_ENV,
                                  "test", app=target.app)
        targets.append(target)
        return target

    yield make
    for target in targets:
        target.close()


def test_login_token_and_secrets_are_redacted(embedded):
    target = embedded()
    auth = build_auth(target)
    with open_client(target, auth=auth) as http:
        response = Client(http, target).create_raw(BODY)
        assert response.status_code == 200
        assert auth.logins == 1
        assert auth.session_id in target.redactor and auth.xsrf_token in target.redactor
        log = exchange_log(http)
        # The token answer is logged before the auth has read the token from it, so the log
        # holds it; everything the plugin writes goes through the redactor, which knows it now.
        text = "\n".join(e.summary() for e in log.exchanges)
        text += "".join(str(e.request_headers) for e in log.exchanges)
        text = target.redactor.text(text)
        assert auth.session_id not in text and auth.xsrf_token not in text
        assert target.secret("password") not in text
        sent = [e for e in log.exchanges if e.url.endswith("/umts")][0]
        assert sent.request_headers["x-xsrf-token"] == "***"


def test_wrong_password_is_a_clear_error_without_the_password(embedded):
    target = embedded()
    auth = VManageSessionAuth(target.settings.base_url, "admin", "not-the-password")
    with open_client(target, auth=auth) as http:
        with pytest.raises(VManageLoginError, match="HTML login page") as raised:
            Client(http, target).status("x")
    assert "not-the-password" not in str(raised.value)


def test_expired_session_logs_in_again_transparently(embedded):
    target = embedded("login-expires")
    auth = build_auth(target)
    with open_client(target, auth=auth) as http:
        client = Client(http, target)
        session = client.create_raw(BODY).json()[0]["sessionId"]
        for _ in range(12):
            assert client.status(session).status_code == 200
        assert client.disable(session).status_code == 200
    assert auth.logins >= 2


def test_session_only_auth_never_sends_the_xsrf_token(embedded):
    target = embedded()
    with open_client(target, auth=build_session_only_auth(target)) as http:
        response = Client(http, target).create_raw(BODY)
    assert response.status_code == 403
    assert target.app.state.reference.live_sessions() == []


@respx.mock
def test_logs_in_again_only_once_per_request():
    login = respx.post(f"{BASE}/j_security_check").mock(
        return_value=httpx.Response(200, headers={"Set-Cookie": "JSESSIONID=abcd1234; Path=/"})
    )
    respx.get(f"{BASE}/dataservice/client/token").mock(return_value=httpx.Response(200, text="tok-1234"))
    api = respx.get(f"{BASE}/dataservice/stream/device/umts/status/s1").mock(
        return_value=httpx.Response(200, html=LOGIN_PAGE)
    )
    auth = VManageSessionAuth(BASE, "admin", "pw", redactor=Redactor())
    with httpx.Client(base_url=BASE, auth=auth) as http:
        response = http.get("/dataservice/stream/device/umts/status/s1")
    assert login.call_count == 2 and api.call_count == 2
    assert "text/html" in response.headers["content-type"]
    assert api.calls[0].request.headers["X-XSRF-TOKEN"] == "tok-1234"
    assert api.calls[0].request.headers["Cookie"] == "JSESSIONID=abcd1234"


@respx.mock
def test_login_without_cookie_is_refused():
    respx.post(f"{BASE}/j_security_check").mock(return_value=httpx.Response(200))
    auth = VManageSessionAuth(BASE, "admin", "pw")
    with httpx.Client(base_url=BASE, auth=auth) as http:
        with pytest.raises(VManageLoginError, match="without a JSESSIONID cookie"):
            http.get("/dataservice/client/token")


def test_parse_token_and_expiry_signals():
    request = httpx.Request("GET", BASE)
    assert parse_token(httpx.Response(200, text=" abc \n", request=request)) == "abc"
    assert parse_token(httpx.Response(200, json={"token": "xyz"}, request=request)) == "xyz"
    assert session_expired(httpx.Response(302, headers={"Location": "/welcome.html"}, request=request))
    assert session_expired(httpx.Response(200, html=LOGIN_PAGE, request=request))
    assert session_expired(httpx.Response(401, request=request))
    assert not session_expired(httpx.Response(400, json={"error": {}}, request=request))
    assert not session_expired(httpx.Response(200, json="{status: success}", request=request))


def test_client_quotes_path_segments(embedded):
    target = embedded()
    with open_client(target, auth=build_auth(target)) as http:
        response = Client(http, target).operation("status", "a/b")
    assert response.request.url.raw_path.endswith(b"/status/a%2Fb")
