"""The vManage session login: form login -> JSESSIONID -> XSRF token, and what a server must refuse.

These tests log in by hand on fresh clients (through the same transport layer) so that they see
each step's raw answer; every other test uses the suite's authenticated client.
"""

from __future__ import annotations

import pytest

from pytest_sessionapi.apis.umts.client import (
    SESSION_COOKIE,
    XSRF_HEADER,
    Client,
    build_session_only_auth,
    parse_token,
)
from pytest_sessionapi.apis.umts.model import Expect
from pytest_sessionapi.apis.umts.rules import Asked, session_id_in
from pytest_sessionapi.apis.umts.sessions import unknown_session_id
from pytest_sessionapi.apis.umts.steps import create_first, judge
from pytest_sessionapi.rulebook import Answer

pytestmark = pytest.mark.sessionapi("umts")


def raw_client(open_client, target) -> Client:
    return Client(open_client(None), target)


def track_leaked(response, sessions) -> None:
    """A create that should have been refused but opened a session: release it like any other."""
    leaked = session_id_in(Answer.from_httpx(response))
    if leaked:
        sessions.track(leaked)


@pytest.mark.sessionapi_requirement("UMTS-AUTH-LOGIN", "UMTS-AUTH-TOKEN")
def test_login_then_token(sessionapi_open_client, sessionapi_target, sessionapi_conformance):
    """'When a user authenticates successfully, the response body remains empty, and the response
    includes a valid session cookie'; then, with that cookie, 'The XSRF token is in the response
    body.'"""
    target = sessionapi_target
    client = raw_client(sessionapi_open_client, target)
    response = client.login(target.settings.username, target.secret("password"))
    target.redactor.add(response.cookies.get(SESSION_COOKIE))
    judge(sessionapi_conformance, response, Asked("login", Expect.LOGIN), ("UMTS-AUTH-LOGIN",),
          required=("UMTS-AUTH-LOGIN",))

    response = client.token()
    target.redactor.add(parse_token(response))
    judge(sessionapi_conformance, response, Asked("token", Expect.TOKEN), ("UMTS-AUTH-TOKEN",))


@pytest.mark.sessionapi_requirement("UMTS-AUTH-LOGIN-REJECTED")
def test_wrong_password_opens_no_session(sessionapi_open_client, sessionapi_target, sessionapi_conformance):
    """'When a user is unauthenticated, the response body contains an HTML login page': a wrong
    password opens no session, and no cookie the refusal sets is accepted by the token endpoint."""
    target = sessionapi_target
    client = raw_client(sessionapi_open_client, target)
    # One attempt per run: enough to judge, and far from any account-lockout threshold.
    response = client.login(target.settings.username, target.secret("password") + "-not-it")
    target.redactor.add(response.cookies.get(SESSION_COOKIE))
    judge(sessionapi_conformance, response, Asked("login", Expect.LOGIN_REFUSED), ("UMTS-AUTH-LOGIN-REJECTED",))
    # Whatever cookie that answer set must not be a session. Without one there is nothing to
    # probe: the token endpoint refusing cookieless calls is UMTS-AUTH-SESSION-REQUIRED's point.
    if response.cookies.get(SESSION_COOKIE):
        asked = Asked("token", Expect.LOGIN_REFUSED,
                      situation="GET /dataservice/client/token after a failed login")
        judge(sessionapi_conformance, client.token(), asked, ("UMTS-AUTH-LOGIN-REJECTED",))


@pytest.mark.sessionapi_requirement("UMTS-AUTH-SESSION-REQUIRED")
def test_calls_without_a_session_are_refused(
    sessionapi_open_client, sessionapi_target, sessionapi_client, umts_body, umts_sessions,
    sessionapi_conformance, sessionapi_inputs,
):
    """'For non-whitelisted endpoints, the user must provide an API token as a cookie': the token
    endpoint, create, status and start, without a JSESSIONID or with a forged one, are refused
    and change nothing."""
    anonymous = raw_client(sessionapi_open_client, sessionapi_target)
    forged_http = sessionapi_open_client(None)
    forged_http.headers[XSRF_HEADER] = "0" * 64
    forged_http.headers["Cookie"] = f"{SESSION_COOKIE}=forged{unknown_session_id(sessionapi_inputs).replace('-', '')}"
    forged = Client(forged_http, sessionapi_target)
    callers = (("without JSESSIONID", anonymous), ("with a forged JSESSIONID", forged))
    rule = ("UMTS-AUTH-SESSION-REQUIRED",)

    # Creates first, while the device is free: a refusal must not be mistaken for a conflict.
    for who, client in callers:
        response = client.create_raw(umts_body)
        track_leaked(response, umts_sessions)
        judge(sessionapi_conformance, response, Asked("create", Expect.NOT_SERVED, situation=f"create {who}"),
              rule)

    response, session_id = create_first(sessionapi_conformance, sessionapi_client, umts_body, umts_sessions)
    if response.status_code != 200 or not session_id:
        sessionapi_conformance.stop_not_tested(f"no session to protect: {Answer.from_httpx(response).exchange()}")

    for who, client in callers:
        judge(sessionapi_conformance, client.token(),
              Asked("token", Expect.NOT_SERVED, situation=f"GET /dataservice/client/token {who}"),
              rule)
        for operation in ("status", "start"):
            judge(sessionapi_conformance, client.operation(operation, session_id),
                  Asked(operation, Expect.NOT_SERVED, session_id=session_id,
                        situation=f"{operation} {who}"),
                  rule)

    # The refused start must not have started anything.
    judge(sessionapi_conformance, sessionapi_client.status(session_id),
          Asked("status", Expect.UNCHANGED, session_id=session_id,
                situation="a start without a valid session"),
          rule)


@pytest.mark.sessionapi_requirement("UMTS-AUTH-XSRF-POST")
def test_create_without_xsrf_token_is_refused(
    sessionapi_open_client, sessionapi_target, umts_body, umts_sessions, sessionapi_conformance
):
    """'If an API request does not include a token and is not included in the allowed list, Cisco
    SD-WAN Manager rejects the request and returns the response code 403 (forbidden)': a create
    with a valid JSESSIONID and no X-XSRF-TOKEN."""
    client = Client(sessionapi_open_client(build_session_only_auth(sessionapi_target)),
                    sessionapi_target)
    response = client.create_raw(umts_body)
    track_leaked(response, umts_sessions)
    judge(sessionapi_conformance, response, Asked("create", Expect.XSRF_REFUSED), ("UMTS-AUTH-XSRF-POST",))
