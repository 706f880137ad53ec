"""The vManage session login: form login -> JSESSIONID -> XSRF token, and what a server must refuse.

These tests log in by hand on fresh clients (through the same transport layer) so that they see
each step's raw answer; every other test uses the suite's authenticated client.
"""

from __future__ import annotations

import pytest

from pytest_sessionapi.apis.umts import checks
from pytest_sessionapi.apis.umts.client import (
    SESSION_COOKIE,
    XSRF_HEADER,
    Client,
    build_session_only_auth,
    looks_like_login_page,
    parse_token,
)
from pytest_sessionapi.apis.umts.suite_support import (
    create_first,
    session_id_in,
    unknown_session_id,
)

pytestmark = pytest.mark.sessionapi("umts")


def raw_client(open_client, target) -> Client:
    return Client(open_client(None), target)


@pytest.mark.requirement("UMTS-AUTH-LOGIN", "UMTS-AUTH-TOKEN")
def test_login_then_token(sessionapi_open_client, sessionapi_target, conformance):
    """'When a user authenticates successfully, the response body remains empty, and the response
    includes a valid session cookie'; then, with that cookie, 'The XSRF token is in the response
    body.'"""
    target = sessionapi_target
    client = raw_client(sessionapi_open_client, target)
    response = client.login(target.settings.username, target.secret("password"))
    cookie = response.cookies.get(SESSION_COOKIE)
    target.redactor.add(cookie)
    with conformance.require("UMTS-AUTH-LOGIN"):
        assert not looks_like_login_page(response), (
            f"a login with the target's credentials answered the HTML login page: "
            f"{checks.summary(response)}"
        )
        assert response.status_code < 400, f"login failed: {checks.summary(response)}"
        assert cookie, (
            f"a successful login must set the {SESSION_COOKIE} cookie; got cookies "
            f"{sorted(response.cookies.keys()) or 'none'} ({response.status_code})"
        )

    response = client.token()
    token = parse_token(response)
    target.redactor.add(token)
    with conformance.check("UMTS-AUTH-TOKEN"):
        assert response.status_code == 200, f"token: {checks.summary(response)}"
        assert not looks_like_login_page(response), (
            f"token answered the HTML login page for a valid session: {checks.summary(response)}"
        )
        assert token, "the token endpoint answered 200 with an empty body"
        assert not any(c.isspace() for c in token), (
            f"the XSRF token is a single word; got {len(token.split())} words"
        )


@pytest.mark.requirement("UMTS-AUTH-LOGIN-REJECTED")
def test_wrong_password_opens_no_session(sessionapi_open_client, sessionapi_target, conformance):
    """'When a user is unauthenticated, the response body contains an HTML login page': a wrong
    password opens no session, and no cookie the refusal sets is accepted by the token endpoint."""
    target = sessionapi_target
    client = raw_client(sessionapi_open_client, target)
    # One attempt per run: enough to judge, and far from any account-lockout threshold.
    response = client.login(target.settings.username, target.secret("password") + "-not-it")
    target.redactor.add(response.cookies.get(SESSION_COOKIE))
    with conformance.check("UMTS-AUTH-LOGIN-REJECTED"):
        assert looks_like_login_page(response) or 400 <= response.status_code < 500, (
            f"a login with a wrong password must answer the HTML login page or a 4xx: "
            f"{checks.summary(response)}"
        )
        # Whatever cookie that answer set must not be a session. Without one there is nothing to
        # probe: the token endpoint refusing cookieless calls is UMTS-AUTH-SESSION-REQUIRED's point.
        if response.cookies.get(SESSION_COOKIE):
            checks.check_refused(client.token(), "GET /dataservice/client/token after a failed login")


@pytest.mark.requirement("UMTS-AUTH-SESSION-REQUIRED")
def test_calls_without_a_session_are_refused(
    sessionapi_open_client, sessionapi_target, sessionapi_client, umts_body, umts_sessions,
    conformance,
):
    """'For non-whitelisted endpoints, the user must provide an API token as a cookie': the token
    endpoint, create, status and start, without a JSESSIONID or with a forged one, are refused
    and change nothing."""
    anonymous = raw_client(sessionapi_open_client, sessionapi_target)
    forged_http = sessionapi_open_client(None)
    forged_http.headers[XSRF_HEADER] = "0" * 64
    forged_http.headers["Cookie"] = f"{SESSION_COOKIE}=forged{unknown_session_id().replace('-', '')}"
    forged = Client(forged_http, sessionapi_target)

    # Creates first, while the device is free: a refusal must not be mistaken for a conflict.
    for who, client in (("without JSESSIONID", anonymous), ("with a forged JSESSIONID", forged)):
        response = client.create_raw(umts_body)
        leaked = session_id_in(response)
        if leaked:
            umts_sessions.track(leaked)
        with conformance.check("UMTS-AUTH-SESSION-REQUIRED"):
            checks.check_refused(response, f"create {who}")
            assert leaked is None, f"create {who} opened session {leaked}"

    response, session_id = create_first(conformance, sessionapi_client, umts_body, umts_sessions)
    if response.status_code != 200 or not session_id:
        conformance.stop_not_tested(f"no session to protect: {checks.summary(response)}")

    for who, client in (("without JSESSIONID", anonymous), ("with a forged JSESSIONID", forged)):
        with conformance.check("UMTS-AUTH-SESSION-REQUIRED"):
            checks.check_refused(client.token(), f"GET /dataservice/client/token {who}")
        for operation in ("status", "start"):
            with conformance.check("UMTS-AUTH-SESSION-REQUIRED"):
                checks.check_refused(client.operation(operation, session_id), f"{operation} {who}")

    # The refused start must not have started anything.
    status = checks.try_json(sessionapi_client.status(session_id))
    if isinstance(status, dict):
        with conformance.check("UMTS-AUTH-SESSION-REQUIRED"):
            assert checks.normalized_request_status(status) != "START", (
                "an unauthenticated start was refused in words, but the session now reports "
                "requestStatus START"
            )


@pytest.mark.requirement("UMTS-AUTH-XSRF-POST")
def test_create_without_xsrf_token_is_refused(
    sessionapi_open_client, sessionapi_target, umts_body, umts_sessions, conformance
):
    """'If an API request does not include a token and is not included in the allowed list, Cisco
    SD-WAN Manager rejects the request and returns the response code 403 (forbidden)': a create
    with a valid JSESSIONID and no X-XSRF-TOKEN."""
    client = Client(sessionapi_open_client(build_session_only_auth(sessionapi_target)),
                    sessionapi_target)
    response = client.create_raw(umts_body)
    leaked = session_id_in(response)
    if leaked:
        umts_sessions.track(leaked)
    with conformance.check("UMTS-AUTH-XSRF-POST"):
        assert response.status_code == 403, (
            f"create with a valid JSESSIONID but no {XSRF_HEADER} must answer 403: "
            f"{checks.summary(response)}"
        )
        assert leaked is None, f"create without {XSRF_HEADER} opened session {leaked}"
