"""The vManage session-login flow as an ``httpx.Auth``, and a thin client for the UMTS operations.

Flow (SD-WAN Manager 'Authentication', session-based, 20.x): ``POST /j_security_check`` with the form fields
``j_username``/``j_password`` -> ``JSESSIONID`` cookie; ``GET /dataservice/client/token`` with
that cookie -> the XSRF token as plain text; then every call carries ``Cookie: JSESSIONID=...``
and ``X-XSRF-TOKEN``. A failed login is *not* signalled by the status code: the server answers
200 with its HTML login page, so the body decides. An expired session shows up as a redirect to
the login page, the login page itself, 401, or 403; the auth then logs in once more and replays
the request (once: a server that refuses a fresh login too gets its answer passed through).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Generator
from typing import Any
from urllib.parse import quote

import httpx

from pytest_sessionapi.config import EffectiveTarget
from pytest_sessionapi.http_checks import parse_json
from pytest_sessionapi.outcomes import StepFailed
from pytest_sessionapi.preflight import SetupProblem

LOGIN_PATH = "/j_security_check"
TOKEN_PATH = "/dataservice/client/token"
UMTS_PATH = "/dataservice/stream/device/umts"
OPERATION_PATH = UMTS_PATH + "/{operation}/{sessionId}"
"""The operation endpoint as the OpenAPI document names it (updateUmtsSessionStatus)."""
SESSION_COOKIE = "JSESSIONID"
XSRF_HEADER = "X-XSRF-TOKEN"


class VManageLoginError(StepFailed):
    """The vManage login flow did not yield a usable session; the message says which step.
    Its requirement is the step's: the login's, or the token's (``requirement_id``)."""

    requirement_id = "UMTS-AUTH-LOGIN"


class VManageCredentialsRefused(VManageLoginError):
    """``POST /j_security_check`` answered 200 with the HTML login page: vManage's documented way
    of refusing a user name and password ('Authentication'). Any other failed login is a plain
    :class:`VManageLoginError`: a 404 page or a 500 says nothing about the credentials."""


def is_login_page(content_type: str | None, content: bytes) -> bool:
    """vManage answers an unauthenticated or failed login with its HTML login page."""
    head = content[:2048].lstrip().lower()
    return "text/html" in (content_type or "").lower() or head.startswith((b"<!doctype html", b"<html"))


def looks_like_login_page(response: httpx.Response) -> bool:
    return is_login_page(response.headers.get("content-type"), response.content)


def session_expired(response: httpx.Response) -> bool:
    """The answers vManage gives a request whose login session is gone (redirect or login page)."""
    if response.status_code in (401, 403):
        return True
    if response.is_redirect:
        return True
    return response.status_code == 200 and looks_like_login_page(response)


def parse_token(response: httpx.Response) -> str:
    return token_in(response.text)


def token_in(text: str) -> str:
    """The XSRF token from ``GET /dataservice/client/token``: plain text, or ``{"token"}`` JSON
    (what ``?json=true`` answers; tolerated without it so the client does not break on it)."""
    text = text.strip()
    if text.startswith("{"):
        try:
            value = parse_json(text).get("token")
        except (ValueError, AttributeError):
            value = None
        if isinstance(value, str):
            return value.strip()
    return text


class VManageSessionAuth(httpx.Auth):
    """Form login + XSRF token, re-done once per request when the session has expired.

    ``send_xsrf=False`` gives a client that has a valid ``JSESSIONID`` but never sends the token
    (for the negative XSRF checks); ``relogin=False`` disables the retry.
    """

    requires_response_body = True

    def __init__(
        self,
        base_url: str,
        username: str,
        password: str,
        *,
        redactor: Any = None,
        send_xsrf: bool = True,
        relogin: bool = True,
    ) -> None:
        self._base_url = base_url.rstrip("/")
        self._username = username
        self._password = password
        self._redactor = redactor
        self._send_xsrf = send_xsrf
        self._relogin = relogin
        self._lock = threading.RLock()
        self.session_id: str | None = None
        self.xsrf_token: str | None = None
        self.logins = 0
        """How many times the flow logged in (1 + re-logins after expiry)."""

    def _remember(self, secret: str | None) -> None:
        if self._redactor is not None and secret:
            self._redactor.add(secret)

    def _login_flow(self) -> Generator[httpx.Request, httpx.Response, None]:
        self.session_id = None
        self.xsrf_token = None
        response = yield httpx.Request(
            "POST",
            self._base_url + LOGIN_PATH,
            data={"j_username": self._username, "j_password": self._password},
            headers={"Accept": "*/*"},
        )
        cookie = response.cookies.get(SESSION_COOKIE)
        self._remember(cookie)
        if looks_like_login_page(response):
            refused = response.status_code == 200
            raise (VManageCredentialsRefused if refused else VManageLoginError)(
                f"login as {self._username!r} failed: POST {LOGIN_PATH} answered "
                f"{response.status_code} with the HTML login page (wrong credentials?)"
            )
        if not response.is_success:
            raise VManageLoginError(
                f"login as {self._username!r} failed: POST {LOGIN_PATH} answered "
                f"{response.status_code}"
            )
        if not cookie:
            raise VManageLoginError(
                f"login as {self._username!r}: POST {LOGIN_PATH} answered "
                f"{response.status_code} without a {SESSION_COOKIE} cookie"
            )
        self.logins += 1
        token_response = yield httpx.Request(
            "GET",
            self._base_url + TOKEN_PATH,
            headers={"Cookie": f"{SESSION_COOKIE}={cookie}", "Accept": "*/*"},
        )
        if not token_response.is_success or looks_like_login_page(token_response):
            raise VManageLoginError(
                f"GET {TOKEN_PATH} after a successful login answered "
                f"{token_response.status_code} "
                f"({'the HTML login page' if looks_like_login_page(token_response) else 'no token'})",
                "UMTS-AUTH-TOKEN",
            )
        token = parse_token(token_response)
        self._remember(token)
        self.session_id = cookie
        self.xsrf_token = token

    def log_in(self, http: httpx.Client) -> None:
        """Run the login flow now, through ``http``, instead of before the first request (the
        preflight). Raises :class:`VManageLoginError` when it yields no session."""
        with self._lock:
            flow = self._login_flow()
            request = next(flow)
            while True:
                response = http.send(request)
                try:
                    request = flow.send(response)
                except StopIteration:
                    return

    def _apply(self, request: httpx.Request) -> None:
        request.headers["Cookie"] = f"{SESSION_COOKIE}={self.session_id}"
        if self._send_xsrf:
            request.headers[XSRF_HEADER] = self.xsrf_token or ""
        elif XSRF_HEADER in request.headers:
            del request.headers[XSRF_HEADER]

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        with self._lock:
            if self.session_id is None:
                yield from self._login_flow()
            used_session = self.session_id
            self._apply(request)
            response = yield request
            if not (self._relogin and session_expired(response)):
                return
            if self.session_id == used_session:
                yield from self._login_flow()
            self._apply(request)
            yield request


PRELOGGED = "umts preflight login"
"""The key, in ``target.held``, of the session the preflight logged in, until the suite's client
takes it."""


def build_auth(target: EffectiveTarget) -> httpx.Auth:
    """The login flow for ``target``: the first call after a passed preflight gets the session
    the preflight logged in (the suite's client, which would otherwise log in a second time with
    the same credentials, to the same end, before its first call); every other call a new one."""
    kept = target.held.pop(PRELOGGED, None)
    if kept is not None:
        return kept
    return VManageSessionAuth(
        target.settings.base_url,
        target.settings.username,
        target.secret("password"),
        redactor=target.redactor,
    )


def preflight(
    open_http: Callable[[httpx.Auth | None], httpx.Client], target: EffectiveTarget
) -> SetupProblem | None:
    """Log in as the configured user (login form, then the XSRF token: two requests). Only the
    login page in answer to the form says the credentials are wrong; a login that fails any other
    way is the suite's to judge (UMTS-AUTH-LOGIN, UMTS-AUTH-TOKEN). The session it logged in
    waits in the target for the suite's client (:func:`build_auth`) and for
    :func:`.sessions.leftovers`."""
    auth = build_auth(target)
    try:
        auth.log_in(open_http(None))
    except VManageCredentialsRefused:
        return SetupProblem(
            target.api.name,
            f"credentials refused (POST {LOGIN_PATH} answered the login page)",
            "check username and password_env; if they are right, the endpoint refuses valid "
            "credentials",
        )
    except VManageLoginError:
        return None
    target.held[PRELOGGED] = auth  # for the suite's client (build_auth), held by the target itself
    return None


def build_session_only_auth(target: EffectiveTarget) -> VManageSessionAuth:
    """A logged-in session that never sends ``X-XSRF-TOKEN`` (negative XSRF checks)."""
    return VManageSessionAuth(
        target.settings.base_url,
        target.settings.username,
        target.secret("password"),
        redactor=target.redactor,
        send_xsrf=False,
        relogin=False,
    )


class Client:
    """One method per vendor operation; each returns the ``httpx.Response`` unchecked."""

    def __init__(self, http: httpx.Client, target: EffectiveTarget) -> None:
        self.http = http
        self.target = target

    # -- authentication (raw; the auth flow above does this for every other call) ------------
    def login(self, username: str, password: str) -> httpx.Response:
        return self.http.post(
            LOGIN_PATH, data={"j_username": username, "j_password": password},
            headers={"Accept": "*/*"},
        )

    def token(self, *, as_json: bool = False) -> httpx.Response:
        params = {"json": "true"} if as_json else None
        return self.http.get(TOKEN_PATH, params=params, headers={"Accept": "*/*"})

    # -- UMTS ---------------------------------------------------------------------------------
    def create(
        self, device_uuid: str, local_color: str, remote_color: str, remote_system: str
    ) -> httpx.Response:
        """``POST /dataservice/stream/device/umts`` (operationId ``enableSession``)."""
        return self.create_raw(
            {
                "deviceUUID": device_uuid,
                "localColor": local_color,
                "remoteColor": remote_color,
                "remoteSystem": remote_system,
            }
        )

    def create_raw(self, body: Any) -> httpx.Response:
        return self.http.post(UMTS_PATH, json=body)

    def operation(self, operation: str, session_id: str) -> httpx.Response:
        """``GET /dataservice/stream/device/umts/{operation}/{sessionId}``."""
        return self.http.get(
            f"{UMTS_PATH}/{quote(operation, safe='')}/{quote(session_id, safe='')}"
        )

    def start(self, session_id: str) -> httpx.Response:
        return self.operation("start", session_id)

    def stop(self, session_id: str) -> httpx.Response:
        return self.operation("stop", session_id)

    def status(self, session_id: str) -> httpx.Response:
        return self.operation("status", session_id)

    def download(self, session_id: str) -> httpx.Response:
        return self.operation("download", session_id)

    def disable(self, session_id: str) -> httpx.Response:
        return self.operation("disable", session_id)
