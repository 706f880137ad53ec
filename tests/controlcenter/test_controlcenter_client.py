"""The client: HTTP Basic username:apiKey on every request, secrets registered for redaction,
one escaped path segment per parameter."""

from __future__ import annotations

import base64

import httpx
import respx

from pytest_sessionapi.apis.controlcenter import client as cc_client
from pytest_sessionapi.apis.controlcenter.reference import EMBEDDED_ENV, EMBEDDED_TABLE
from pytest_sessionapi.config import build_target
from pytest_sessionapi.registry import get_api
from pytest_sessionapi.transport import exchange_log, open_client

TABLE = {**EMBEDDED_TABLE, "base_url": "https://rws.example.com", "max_rps": 0}


def live_target():
    return build_target(get_api("controlcenter"), TABLE, EMBEDDED_ENV, "test")


def test_basic_auth_carries_username_and_api_key_and_is_redacted():
    target = live_target()
    api_key = target.secret("api_key")
    auth = cc_client.build_auth(target)
    http = open_client(target, auth=auth)
    client = cc_client.Client(http, target)
    with respx.mock(assert_all_called=True) as router:
        route = router.get(
            "https://rws.example.com/rws/api/v1/devices/8988216716970004975/sessionInfo"
        ).respond(200, json={"iccid": "8988216716970004975"})
        response = client.session_info("8988216716970004975")
    assert response.status_code == 200
    sent = route.calls.last.request
    expected = base64.b64encode(f"{TABLE['username']}:{api_key}".encode()).decode()
    assert sent.headers["authorization"] == f"Basic {expected}"
    assert sent.headers["accept"] == "application/json"
    assert target.redactor.text(f"x {expected} {api_key} y") == "x *** *** y"
    recorded = exchange_log(http).exchanges[-1]
    assert expected not in str(recorded) and api_key not in str(recorded)


def test_path_segments_are_escaped():
    assert cc_client.session_info_path("8988216716970004975") == "/rws/api/v1/devices/8988216716970004975/sessionInfo"
    assert cc_client.session_info_path("a/b c", "1.0") == "/rws/api/v1.0/devices/a%2Fb%20c/sessionInfo"


def test_no_request_without_the_credentials_of_the_target():
    target = live_target()
    http = open_client(target, auth=None)
    with respx.mock() as router:
        route = router.get(url__regex=r".*/sessionInfo").respond(401, json={"errorMessage": "x"})
        cc_client.Client(http, target).session_info("1")
    assert "authorization" not in route.calls.last.request.headers
    assert isinstance(cc_client.build_auth(target), httpx.BasicAuth)
