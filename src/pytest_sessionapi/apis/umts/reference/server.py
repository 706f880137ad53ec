"""Reference implementation of the vManage UMTS on-demand trace API (a conformant ASGI server).

Built from Cisco's SD-WAN Manager 20.18 API guide (updateUmtsSessionStatus, enableSession) and its
authentication pages. Where the vendor
documents nothing, the reference makes a plain choice and says so here; the suite never checks
those choices (they are exactly what the conformant variants vary):

* Unauthenticated calls get the vManage login page (200, ``text/html``) like an expired session
  (an expired session is answered with a 302 to welcome.html, or the HTML login page).
* ``X-XSRF-TOKEN`` is required on every ``/dataservice`` call except the token endpoint itself
  (the docs say "some GET and all POST"; variant ``xsrf-post-only`` requires it on POST only).
* start/stop/disable answer the spec example literally: the JSON string ``"{status: success}"``.
* ``create`` answers an array of one session (the spec's schema).
* A trace finishes at ``stop``: results and ``download_status`` are there right away. A trace
  towards a remote system in 192.0.2.0/24 (TEST-NET-1, reachable by no device) fails instead:
  status ``failure``, statusMessage ``device error``, no ``download_status`` (the vendor's
  'status fail sample').
* Undocumented situations (start twice, stop before start, download before results, disable
  without stop) succeed; an unknown operation and a refused input answer 400 with the vManage
  envelope and the reference's own code ``TBST1000`` (not a vendor code).
"""

from __future__ import annotations

import ipaddress
import json
import secrets
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from pytest_sessionapi.reference_support import Switch

from .variants import LOGIN_EXPIRES_AFTER, TRACE_DELAY_S, VARIANTS

OPERATIONS = ("start", "stop", "status", "download", "disable")
REFERENCE_CODE = "TBST1000"

EMBEDDED_TABLE: dict[str, Any] = {
    "base_url": "http://umts.reference",
    "username": "admin",
    "password_env": "SESSIONAPI_REFERENCE_UMTS_PASSWORD",
    "device_uuid": "C8K-6dfe1f7c-7dc5-4891-bdb4-fb74e84882b7",
    "local_color": "lte",
    "remote_color": "lte",
    # The vendor's own create example names two remote systems, comma-separated: configured so,
    # both documented forms (one system IP, a list) are sent.
    "remote_system": "172.16.255.16,172.16.255.14",
    "poll_timeout_s": 2,
    "poll_interval_s": 0.1,
    # A local mock needs no throttling; a live target defaults to the vendor's 100 requests/s.
    "max_rps": 0,
}
EMBEDDED_ENV: dict[str, str] = {"SESSIONAPI_REFERENCE_UMTS_PASSWORD": "reference-umts-password"}

# The server's identity, as a vManage answers /dataservice/client/server: a single-tenant
# manager, so catalystwan takes the session for a SINGLE_TENANT one.
SERVER_INFO: dict[str, Any] = {
    "server": "vmanage-reference",
    "tenancyMode": "SingleTenant",
    "userMode": "tenant",
    "viewMode": "tenant",
    "platformVersion": "20.18.1",
    "roles": ["netadmin"],
    "capabilities": [],
    "vpns": [],
    "isSamlUser": False,
    "isRbacVpnUser": False,
    "externalUser": False,
}
ABOUT: dict[str, Any] = {
    "title": "Cisco Catalyst SD-WAN Manager (pytest-sessionapi reference)",
    "version": "20.18.1",
    "applicationVersion": "20.18.1",
    "applicationServer": "reference",
    "copyright": None,
    "time": "2026-01-01T00:00:00Z",
    "timeZone": "UTC",
    "logo": None,
}

# A second seeded edge device, so the reference is not a one-device toy; the suite never uses it.
OTHER_DEVICE = "C8K-21a355e3-fd5b-4d03-9d48-f2845388c07f"

LOGIN_PAGE = (
    "<!DOCTYPE html><html><head><title>Cisco vManage</title></head><body>"
    '<form method="POST" action="j_security_check">'
    '<input type="text" name="j_username"/><input type="password" name="j_password"/>'
    "</form></body></html>"
)


UNREACHABLE = ipaddress.ip_network("192.0.2.0/24")


def _unreachable(remote_system: str) -> bool:
    """Whether a remote system of the list lies in TEST-NET-1, which no device can trace to."""
    for part in remote_system.split(","):
        try:
            if ipaddress.ip_address(part.strip()) in UNREACHABLE:
                return True
        except ValueError:
            continue
    return False


def _now_ms() -> int:
    return int(time.time() * 1000)


@dataclass
class LoginSession:
    user: str
    xsrf_token: str
    requests_served: int = 0


@dataclass
class TraceSession:
    session_id: str
    device_uuid: str
    local_color: str
    remote_color: str
    remote_system: str
    user: str
    user_ip: str
    creator: str
    rid: int
    start_time: int
    renewal_time: int
    state: str = "created"  # created | running | stopped
    results_at: float | None = None
    """time.monotonic() from which the results of the last stopped trace exist."""
    records: list[dict[str, Any]] = field(default_factory=list)
    failed: bool = False
    """The device reported the trace as failed (the vendor's 'status fail sample')."""


class ReferenceState:
    """The server's memory; one per app, so every test run starts clean."""

    def __init__(self, users: dict[str, str], devices: dict[str, str]) -> None:
        self.lock = threading.Lock()
        self.users = users
        self.devices = devices  # deviceUUID -> local system IP
        self.logins: dict[str, LoginSession] = {}
        self.sessions: dict[str, TraceSession] = {}
        self.disabled: dict[str, TraceSession] = {}
        """Sessions disabled but still answered (variant ``disabled-still-served`` only)."""
        self.retired_devices: set[str] = set()
        self.next_rid = 1173

    def live_sessions(self) -> list[str]:
        with self.lock:
            return list(self.sessions)

    def busy(self, device_uuid: str) -> bool:
        return any(s.device_uuid == device_uuid for s in self.sessions.values())

    def results_ready(self, session: TraceSession) -> bool:
        return session.results_at is not None and time.monotonic() >= session.results_at


def _error(status: int, message: str, details: str, code: str, variant: Switch) -> Response:
    if variant("other-wording"):
        message = f"Request rejected: {message.lower()}"
        details = f"[{code}] {details} Please check the request and retry."
    if variant("error-texts-empty"):
        message = details = ""
    body: dict[str, Any] = {"type": "error", "message": message, "details": details, "code": code}
    if variant("error-details-missing"):
        del body["details"]
    if variant("extra-fields"):
        body["traceId"] = uuid.uuid4().hex
        return JSONResponse({"error": body, "timestamp": _now_ms()}, status_code=status)
    if variant("error-envelope-flat"):
        return JSONResponse(body, status_code=status)
    return JSONResponse({"error": body}, status_code=status)


def _unknown_session(session_id: str, variant: Switch) -> Response:
    status = 404 if variant("unknown-session-404") else 400
    code = "TBST1004" if variant("unknown-session-wrong-code") else "TBST1005"
    return _error(status, "Invalid Session",
                  f"Session {session_id} doesn't exist for Tenant default.", code, variant)


def _login_page() -> Response:
    return Response(LOGIN_PAGE, media_type="text/html")


def _ack(variant: Switch) -> Response:
    if variant("ack-not-json"):
        return Response("{status: success}", media_type="application/json")
    if variant("ack-reports-failure"):
        return JSONResponse({"status": "failure"})
    if variant("extra-fields"):
        return JSONResponse({"status": "success", "requestId": uuid.uuid4().hex})
    if variant("status-object-bodies"):
        return JSONResponse({"status": "success"})
    return JSONResponse("{status: success}")


def _records(session: TraceSession, local_ip: str, variant: Switch) -> list[dict[str, Any]]:
    now = _now_ms()
    records = []
    for index, (state, qos) in enumerate((("UP", 139), ("down", 188))):
        hops: list[dict[str, Any]] = [
            {"idx": 1, "ip": "10.1.15.13", "hostname": "", "rtt": 486, "rtt_min": 480,
             "rtt_max": 490, "loss": 0, "jitter": 0, "recv_qos": 0, "reply_qos": 0, "lbl_info": 0},
            {"idx": 2, "ip": "10.0.5.21", "hostname": "", "rtt": 487, "rtt_min": 480,
             "rtt_max": 490, "loss": 0, "jitter": 0, "recv_qos": 0, "reply_qos": 0, "lbl_info": 0},
        ]
        if index == 1:
            hops = hops[:1]  # the vendor sample's second record has partial hop data too
        if variant("extra-fields"):
            for hop in hops:
                hop["asn"] = 65000
        record: dict[str, Any] = {
            "vip_idx": 496 + index,
            "vip_time": now,
            "remote_color": session.remote_color,
            "local_color": session.local_color,
            "remote_system_ip": "172.16.255.99" if variant("records-other-system")
            else session.remote_system.split(",")[0].strip(),
            "local_system_ip": local_ip,
            "proto": "IPSEC",
            "sent_qos": qos,
            "state": state,
            "event_type": "ON_DEMAND",
            "event_subtype": "NONE",
            "hops": hops if variant("hops-bare-array") else {"hop": hops},
        }
        if variant("extra-fields"):
            record["tunnel_name"] = "ipsec-0"
        records.append(record)
    return records


def _payload(session: TraceSession, variant: Switch) -> dict[str, Any]:
    return {
        "deviceUUID": session.device_uuid,
        "localColor": session.local_color,
        "remoteSystem": session.remote_system,
        "remoteColor": "remote-color-all" if variant("payload-other-color") else session.remote_color,
        "actionType": "ON_DEMANDING",
        "sessionId": (str(uuid.uuid5(uuid.NAMESPACE_URL, session.session_id))
                      if variant("payload-stale-session-id") else session.session_id),
    }


def _request_status(session: TraceSession, variant: Switch) -> str:
    value = "START" if session.state == "running" else "STOP"
    if variant("start-not-reported") and session.state == "running":
        value = "STOP"
    if variant("stop-not-reported") and session.state == "stopped":
        value = "START"
    if variant("request-status-init") and session.state == "created":
        value = "INIT"
    if variant("lowercase-request-status"):
        value = value.lower()
    return value


def _session_json(
    session: TraceSession, state: ReferenceState, variant: Switch, *, for_create: bool = False
) -> dict[str, Any]:
    payload = json.dumps(_payload(session, variant), separators=(",", ":"))
    if for_create and variant("double-encoded-create-payload"):
        payload = json.dumps(payload)
    body: dict[str, Any] = {
        "JSessionId": session.creator,
        "sessionId": session.session_id,
        "type": "ON_DEMANDING",
        "uuid": session.device_uuid,
        "statusMessage": "device error" if session.failed
        else "trace session ready" if variant("other-wording") else "ok",
        "renewalTime": session.renewal_time,
        "@rid": session.rid,
        "payload": json.loads(payload) if variant("payload-object") else payload,
        "userIp": "unknown-host" if variant("user-ip-garbage") else session.user_ip,
        "startTime": session.start_time // 1000 if variant("start-time-seconds")
        else session.start_time,
        "user": session.user,
        "requestStatus": _request_status(session, variant),
        "status": "failure" if session.failed else "ok" if variant("status-ok") else "success",
    }
    if variant("renewal-time-string"):
        body["renewalTime"] = str(session.renewal_time)
    ready = state.results_ready(session)
    if variant("no-request-status-before-start") and session.state == "created":
        del body["requestStatus"]
    if variant("download-never-ready"):
        ready = False
    if variant("download-status-premature") and session.state == "running":
        ready = True
    if ready:
        body["download_status"] = "success"
    if variant("optional-fields-absent"):
        del body["JSessionId"], body["@rid"]
    if variant("extra-fields"):
        body["tenantId"] = "default"
        body["deviceName"] = "edge-1"
    if variant("status-wrong-session") and not for_create:
        other = str(uuid.uuid5(uuid.NAMESPACE_OID, session.session_id))
        body["sessionId"] = other
        decoded = json.loads(payload)
        decoded["sessionId"] = other
        body["payload"] = json.dumps(decoded, separators=(",", ":"))
    return body


def create_app(variant_name: str | None = None) -> Starlette:
    variant = Switch(variant_name, VARIANTS)  # a name the table lacks is refused here
    password = EMBEDDED_ENV[EMBEDDED_TABLE["password_env"]]
    state = ReferenceState(
        users={EMBEDDED_TABLE["username"]: password},
        devices={EMBEDDED_TABLE["device_uuid"]: "172.16.255.21", OTHER_DEVICE: "172.16.255.22"},
    )
    cookie_name = "SESSION" if variant("login-without-cookie") else "JSESSIONID"

    def not_logged_in() -> Response:
        if variant("unauthenticated-redirect"):
            return RedirectResponse("/welcome.html", status_code=302)
        if variant("unauthenticated-401"):
            return _error(401, "Unauthorized", "Authentication required.", "AUTH1001", variant)
        return _login_page()

    def authenticate(request: Request, *, needs_xsrf: bool) -> LoginSession | Response:
        """The login session of the request, or the answer that refuses it."""
        session_key = request.cookies.get(cookie_name)
        login = state.logins.get(session_key) if session_key else None
        if login is None and variant("forged-session-served") and session_key:
            # Served whole, with no XSRF check: a forged session has no token it could know.
            # Real logins keep the check, so the fault breaks UMTS-AUTH-SESSION-REQUIRED alone.
            return LoginSession(EMBEDDED_TABLE["username"], "")
        if login is None and variant("unauthenticated-served") and not session_key:
            return LoginSession("anonymous", "")
        if login is None:
            return not_logged_in()
        if variant("login-expires"):
            login.requests_served += 1
            if login.requests_served > LOGIN_EXPIRES_AFTER:
                del state.logins[session_key]
                return not_logged_in()
        if needs_xsrf:
            sent = request.headers.get("x-xsrf-token")
            valid = sent is not None if variant("token-empty") else sent == login.xsrf_token
            if not valid:
                return _error(403, "Forbidden",
                              "SessionTokenFilter: Token provided via HTTP Header is invalid",
                              "AUTH1002", variant)
        return login

    async def login(request: Request) -> Response:
        # Parsed by hand: starlette's request.form() needs python-multipart, a dependency the
        # project does not carry for one urlencoded form.
        form = parse_qs((await request.body()).decode("utf-8", errors="replace"))
        user = form.get("j_username", [""])[0]
        given = form.get("j_password", [""])[0]
        with state.lock:
            known = state.users.get(user)
            if known is None or (given != known and not variant("login-accepts-bad-password")):
                return _login_page()
            session_key = secrets.token_urlsafe(30)
            state.logins[session_key] = LoginSession(user, secrets.token_hex(32))
        response = Response(b"", status_code=200)
        response.set_cookie(cookie_name, session_key, path="/", httponly=True, samesite=None)
        return response

    async def token(request: Request) -> Response:
        with state.lock:
            login_or_refusal = authenticate(request, needs_xsrf=False)
        if isinstance(login_or_refusal, Response):
            return login_or_refusal
        value = "" if variant("token-empty") else login_or_refusal.xsrf_token
        if request.query_params.get("json", "false").lower() == "true":
            return JSONResponse({"token": value})
        return Response(value, media_type="text/plain")

    async def create(request: Request) -> Response:
        needs_xsrf = not variant("post-without-xsrf")
        with state.lock:
            login_or_refusal = authenticate(request, needs_xsrf=needs_xsrf)
        if isinstance(login_or_refusal, Response):
            return login_or_refusal
        try:
            body = json.loads(await request.body())
        except ValueError:
            return _error(400, "Invalid input", "The request body is not JSON.",
                          REFERENCE_CODE, variant)
        fields = ("deviceUUID", "localColor", "remoteColor", "remoteSystem")
        if not isinstance(body, dict) or not all(
            isinstance(body.get(name), str) and body.get(name) for name in fields
        ):
            return _error(400, "Invalid input",
                          f"The body must carry the strings {', '.join(fields)}.",
                          REFERENCE_CODE, variant)
        device = body["deviceUUID"]
        if variant("remote-system-list-refused") and "," in body["remoteSystem"]:
            return _error(400, "Invalid input", "remoteSystem must be one system IP.",
                          REFERENCE_CODE, variant)
        with state.lock:
            if device not in state.devices:
                return _error(400, "Invalid device", f"device {device} is not known.",
                              REFERENCE_CODE, variant)
            if (state.busy(device) or device in state.retired_devices) and \
                    not variant("conflict-allowed"):
                return _error(409 if variant("conflict-409") else 400, "Server Error",
                              f"device {device} is already have a active umts tunnel session",
                              "TBST1008", variant)
            started = _now_ms()
            session = TraceSession(
                session_id=str(uuid.uuid4()),
                device_uuid=device,
                local_color=body["localColor"],
                remote_color=body["remoteColor"],
                remote_system=body["remoteSystem"],
                user=login_or_refusal.user,
                user_ip=request.client.host if request.client else "127.0.0.1",
                creator=secrets.token_urlsafe(30),
                rid=state.next_rid,
                start_time=started,
                renewal_time=started,
            )
            state.next_rid += 1
            if variant("create-empty-array"):
                return JSONResponse([])  # and nothing is held: no session is left behind
            state.sessions[session.session_id] = session
            rendered = _session_json(session, state, variant, for_create=True)
        if variant("create-object"):
            return JSONResponse(rendered)
        return JSONResponse([rendered])

    async def operation(request: Request) -> Response:
        op = request.path_params["operation"]
        session_id = request.path_params["session_id"]
        needs_xsrf = not variant("xsrf-post-only")
        with state.lock:
            login_or_refusal = authenticate(request, needs_xsrf=needs_xsrf)
        if isinstance(login_or_refusal, Response):
            return login_or_refusal
        if op not in OPERATIONS:
            if variant("unknown-operation-500"):
                return Response("Internal Server Error", status_code=500, media_type="text/plain")
            if variant("unknown-operation-404"):
                return Response(status_code=404)
            if not variant("unknown-operation-served"):
                return _error(400, "Invalid operation",
                              f"Operation {op} is not one of {', '.join(OPERATIONS)}.",
                              REFERENCE_CODE, variant)
            op = "status"
        if variant("malformed-id-500") and not all(c.isalnum() and c.isascii() or c == "-"
                                                   for c in session_id):
            return Response("java.lang.IllegalArgumentException", status_code=500)
        with state.lock:
            session = state.sessions.get(session_id) or state.disabled.get(session_id)
            if session is None:
                return _unknown_session(session_id, variant)
            return _operate(op, session)

    def _operate(op: str, session: TraceSession) -> Response:
        strict = variant("strict-transitions")
        refused = {"start": variant("start-refused"), "stop": variant("stop-refused"),
                   "status": variant("status-refused"), "download": variant("download-refused")}
        if refused.get(op):  # a documented operation, refused on a session in any state
            return _error(400, "Invalid request", f"Operation {op} is not available.",
                          REFERENCE_CODE, variant)
        if op == "status":
            return JSONResponse(_session_json(session, state, variant))
        if op == "start":
            if session.state == "running":
                if variant("start-twice-500"):
                    return Response("java.lang.IllegalStateException", status_code=500)
                if strict:
                    return _error(400, "Invalid request", "The trace is already running.",
                                  REFERENCE_CODE, variant)
            session.state = "running"
            session.results_at = None
            session.failed = False
            session.renewal_time = _now_ms()
            if variant("results-while-running"):
                session.results_at = time.monotonic()
                session.records = _records(session, state.devices[session.device_uuid], variant)
            return _ack(variant)
        if op == "stop":
            if session.state != "running":
                if strict:
                    return _error(400, "Invalid request", "The trace is not running.",
                                  REFERENCE_CODE, variant)
                return _ack(variant)
            session.state = "stopped"
            if _unreachable(session.remote_system):
                session.failed = True
                return _ack(variant)
            delay = TRACE_DELAY_S if variant("trace-finishes-later") else 0.0
            session.results_at = time.monotonic() + delay
            session.records = _records(session, state.devices[session.device_uuid], variant)
            return _ack(variant)
        if op == "download":
            ready = state.results_ready(session) and not variant("download-never-ready")
            if not ready:
                if variant("download-early-500"):
                    return Response("java.lang.NullPointerException", status_code=500)
                if variant("download-early-ack"):
                    return JSONResponse({"status": "success"})
                if strict or variant("download-status-premature"):
                    return _error(400, "Invalid request", "The trace has no results yet.",
                                  REFERENCE_CODE, variant)
                return JSONResponse({"data": []})
            if variant("download-empty"):
                return JSONResponse({"data": []})
            if variant("download-bare-array"):
                return JSONResponse(session.records)
            return JSONResponse({"data": session.records})
        # disable
        if variant("disable-requires-stop") and session.state == "running":
            return _error(400, "Invalid request", "Stop the trace before disabling the session.",
                          REFERENCE_CODE, variant)
        state.sessions.pop(session.session_id, None)
        if variant("disabled-still-served"):
            state.disabled[session.session_id] = session
        if variant("disable-keeps-device"):
            state.retired_devices.add(session.device_uuid)
        return _ack(variant)

    async def welcome(request: Request) -> Response:
        return _login_page()

    # What a vendor client's login needs besides the login form and the token (catalystwan
    # 0.41.6: ManagerSession.login reads /client/server, its AboutInfo is /client/about, a
    # restart wait polls /client/server/ready, close() posts /logout on 20.12 and later). The
    # UMTS suites never call these; they are answered so the vendor's SDK can drive the reference.
    async def server_info(request: Request) -> Response:
        with state.lock:
            login_or_refusal = authenticate(request, needs_xsrf=True)
        if isinstance(login_or_refusal, Response):
            return login_or_refusal
        return JSONResponse({"header": {"generatedOn": _now_ms()},
                             "data": {**SERVER_INFO, "user": login_or_refusal.user}})

    async def about(request: Request) -> Response:
        with state.lock:
            login_or_refusal = authenticate(request, needs_xsrf=True)
        if isinstance(login_or_refusal, Response):
            return login_or_refusal
        return JSONResponse({"header": {"generatedOn": _now_ms()}, "data": ABOUT})

    async def server_ready(request: Request) -> Response:
        return JSONResponse({"isServerReady": True})

    async def logout(request: Request) -> Response:
        session_key = request.cookies.get(cookie_name)
        with state.lock:
            state.logins.pop(session_key, None)
        response = Response(b"", status_code=200)
        response.delete_cookie(cookie_name, path="/")
        return response

    app = Starlette(
        routes=[
            Route("/j_security_check", login, methods=["POST"]),
            Route("/welcome.html", welcome, methods=["GET"]),
            Route("/dataservice/client/token", token, methods=["GET"]),
            Route("/dataservice/client/server", server_info, methods=["GET"]),
            Route("/dataservice/client/server/ready", server_ready, methods=["GET"]),
            Route("/dataservice/client/about", about, methods=["GET"]),
            Route("/logout", logout, methods=["GET", "POST"]),
            Route("/dataservice/stream/device/umts", create, methods=["POST"]),
            Route("/dataservice/stream/device/umts/{operation}/{session_id}", operation,
                  methods=["GET"]),
        ]
    )
    app.state.reference = state
    return app
