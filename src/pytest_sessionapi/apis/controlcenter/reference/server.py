"""Reference implementation of Control Center "Get Session Details" (a conformant server).

Built from Cisco's 'Get Session Details' page
(https://developer.cisco.com/docs/control-center/get-session-details). Where the vendor leaves a
point open, the reference takes the reading that satisfies the strict profile too (JSON null,
plain IPv6 addresses, string error codes), and the conformant variants show the other allowed
readings.

Order of checks, as a Spring-secured server applies them: credentials (401), then apiVersion
(400 10000024), then the ICCID (404 20000001).
"""

from __future__ import annotations

import base64
import binascii
import json
import secrets
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from pytest_sessionapi.reference_support import Switch

from ..rules import luhn_valid
from .variants import VARIANTS

API_KEY_ENV = "SESSIONAPI_REFERENCE_CC_API_KEY"
USERNAME = "reference-qa"

EMBEDDED_TABLE: dict[str, Any] = {
    "base_url": "http://controlcenter.reference",
    "username": USERNAME,
    "api_key_env": API_KEY_ENV,
    # The vendor's sample ICCID and its neighbours from the target contract: 19 digits, and they
    # fail Luhn, as the vendor's own sample does.
    "iccid_in_session": "8988216716970004975",
    "iccid_session_ended": "8988216716970004983",
    "iccid_never_in_session": "8988216716970004991",
    # 20 digits with a valid Luhn check digit.
    "iccid_ipv6_only": "89882167169700050013",
    "iccid_dual_stack": "89882167169700050021",
    "iccid_ipv4_only": "89882167169700050039",
    # A local mock needs no throttling; a live target defaults to the vendor's 5 calls/s.
    "max_rps": 0,
}

EMBEDDED_ENV: dict[str, str] = {API_KEY_ENV: "cc-reference-key-5f0c9d2e7b41"}

@dataclass(frozen=True)
class Device:
    iccid: str
    ip_address: str | None
    ipv6_address: str | None
    started: str | None
    ended: str | None


def _seed_devices() -> dict[str, Device]:
    table = EMBEDDED_TABLE
    devices = [
        Device(table["iccid_in_session"], "10.151.24.6", None, "2026-11-21 08:15:02.117+0000", None),
        Device(table["iccid_session_ended"], "10.151.24.9", None,
               "2026-11-20 22:04:51.348+0000", "2026-11-20 23:40:07.905+0000"),
        Device(table["iccid_never_in_session"], None, None, None, None),
        Device(table["iccid_ipv6_only"], None, "2605:9780:309e:12::7a",
               "2026-11-21 06:30:00.000+0000", None),
        Device(table["iccid_dual_stack"], "10.151.24.14", "2605:9780:309e:12::8c",
               "2026-11-21 07:45:19.502+0000", None),
        Device(table["iccid_ipv4_only"], "10.151.24.21", None,
               "2026-11-21 05:12:44.031+0000", None),
    ]
    return {device.iccid: device for device in devices}


MESSAGES = {
    "10000001": "Invalid credentials.",
    "10000024": "Invalid apiVersion.",
    "10000028": "Invalid request.",
    "20000001": "Resource not found - Invalid ICCID.",
    "30000001": "Unknown server error.",
}
OTHER_WORDING = {
    "10000001": "Invalid credentials",
    "10000024": "Invalid apiVersion",
    "10000028": "Invalid request",
    "20000001": "Invalid ICCID",
    "30000001": "Unknown server error",
}
# What the vendor's server says before authentication (observed by a third-party live probe).
PRE_AUTH_MESSAGE = "Full authentication is required to access this resource"


class ReferenceState:
    """The app's in-memory state: the seeded devices. Control Center is read-only, so the suite
    never creates sessions here."""

    def __init__(self, variant: str | None) -> None:
        self.variant = Switch(variant, VARIANTS)
        self.devices = _seed_devices()
        self.username = USERNAME
        self.api_key = EMBEDDED_ENV[API_KEY_ENV]
        if self.variant("ipv6-only-in-session"):
            in_session = EMBEDDED_TABLE["iccid_in_session"]
            self.devices[in_session] = replace(
                self.devices[in_session], ip_address=None, ipv6_address="2605:9780:309e:12::3"
            )
        if self.variant("zero-length-session"):
            ended = EMBEDDED_TABLE["iccid_session_ended"]
            self.devices[ended] = replace(self.devices[ended], ended=self.devices[ended].started)

    def live_sessions(self) -> list[str]:
        return []


class _App:
    def __init__(self, state: ReferenceState) -> None:
        self.state = state
        self.variant = state.variant

    # -- answers --------------------------------------------------------------------------
    def _json(self, payload: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
        if self.variant("key-order") and isinstance(payload, dict):
            payload = dict(reversed(list(payload.items())))
        media_type = "application/json"
        if self.variant("content-type-text-plain"):
            media_type = "text/plain"
        elif self.variant("charset-utf8"):
            media_type = "application/json; charset=utf-8"
        return Response(json.dumps(payload), status_code=status, media_type=media_type, headers=headers)

    def _error(self, code: str, headers: dict[str, str] | None = None) -> Response:
        status = {"10000001": 401, "10000024": 400, "10000028": 400, "20000001": 404, "30000001": 500}[code]
        if self.variant("unknown-iccid-400") and code == "20000001":
            status = 400
        message = (OTHER_WORDING if self.variant("other-wording") else MESSAGES)[code]
        body: dict[str, Any] = {"errorMessage": message, "errorCode": code}
        if self.variant("errorcode-number"):
            body["errorCode"] = int(code)
        if self.variant("error-without-message"):
            del body["errorMessage"]
        if self.variant("empty-error-message"):
            body["errorMessage"] = ""
        if self.variant("error-fields-renamed"):
            body = {"code": body["errorCode"], "message": body["errorMessage"]}
        if self.variant("extra-fields"):
            body["errorDetails"] = {"requestId": "7c1e0b52"}
        return self._json(body, status, headers)

    def _challenge(self) -> dict[str, str]:
        return {} if self.variant("no-www-authenticate") else {"WWW-Authenticate": 'Basic realm="Jasper"'}

    def _unauthenticated(self) -> Response:
        if self.variant("documented-401-envelope"):
            return self._error("10000001", self._challenge())
        message = "Unauthorized" if self.variant("other-wording") else PRE_AUTH_MESSAGE
        return self._json({"errorMessage": message}, 401, self._challenge())

    # -- the operation --------------------------------------------------------------------
    def _authenticated(self, request: Request) -> bool | None:
        """True: valid; False: wrong credentials; None: no Authorization header."""
        header = request.headers.get("authorization")
        if header is None:
            return None
        scheme, _, blob = header.partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            username, sep, api_key = base64.b64decode(blob.strip(), validate=True).decode("utf-8").partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return False
        if not sep:
            return False
        user_ok = secrets.compare_digest(username.encode(), self.state.username.encode())
        key_ok = secrets.compare_digest(api_key.encode(), self.state.api_key.encode())
        if self.variant("api-key-not-checked"):
            return user_ok
        return user_ok and key_ok

    async def session_info(self, request: Request) -> Response:
        authenticated = self._authenticated(request)
        if authenticated is None and not self.variant("anonymous-allowed"):
            return self._unauthenticated()
        if authenticated is False:
            return self._error("10000001", self._challenge())
        api_version = request.path_params["api_version"]
        iccid = request.path_params["iccid"]
        if self.variant("non-numeric-iccid-crash") and not iccid.isdigit():
            return self._error("30000001")
        if self.variant("long-iccid-crash") and len(iccid) > 22:
            return self._error("30000001")
        device = self.state.devices.get(iccid)
        if self.variant("iccid-before-version") and device is None:
            return self._error("20000001")
        if api_version != "1" and not self.variant("any-api-version"):
            return self._error("10000024")
        if self.variant("current-version-refused"):
            return self._error("10000024")
        if self.variant("luhn-checked") and _digits(iccid, 19, 20) and not luhn_valid(iccid):
            return self._error("10000028")
        if self.variant("twenty-digit-iccid-refused") and _digits(iccid, 20):
            return self._error("10000028")
        if device is None:
            if self.variant("unknown-iccid-empty-session"):
                device = Device(iccid, None, None, None, None)
            else:
                return self._error("20000001")
        if self.variant("never-session-not-found") and device.started is None:
            return self._error("20000001")
        return self._json(self._body(device))

    def _body(self, device: Device) -> dict[str, Any]:
        variant = self.variant
        in_session = device.started is not None and device.ended is None
        ended = device.ended is not None
        never = device.started is None
        ip, ipv6, started, finished = device.ip_address, device.ipv6_address, device.started, device.ended
        if variant("never-session-ipv4-zero") and never:
            ip = "0.0.0.0"
        if variant("never-session-ipv4-empty") and never:
            ip = ""
        if variant("in-session-ipv4-placeholder") and in_session and ip:
            ip = "0.0.0.0"
        if variant("ipv6-only-unspecified") and ipv6 and not ip:
            ipv6 = "::"
        if variant("future-session-start") and in_session:
            ahead = datetime.now(timezone.utc) + timedelta(days=1)
            started = ahead.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3] + "+0000"
        if variant("never-session-epoch-dates") and never:
            started = finished = "1970-01-01 00:00:00.000+0000"
        ipv4_only = device.iccid == EMBEDDED_TABLE["iccid_ipv4_only"]
        if variant("ipv4-only-reports-ipv6") and ipv4_only:
            ipv6 = "2605:9780:309e:12::99"
        if variant("dual-stack-drops-ipv6") and ip and ipv6:
            ipv6 = None
        if variant("ended-session-addresses-blanked") and ended:
            ip = ipv6 = None
        if variant("in-session-start-null") and in_session:
            started = None
        if variant("in-session-end-set") and in_session:
            finished = started
        if variant("ended-end-null") and ended:
            finished = None
        if variant("dates-zero") and ended:
            finished = "0000-00-00 00:00:00.000+0000"
        if variant("ended-dates-swapped") and ended:
            started, finished = finished, started
        if variant("ipv4-mapped-ipv6") and ip:
            ip = f"::ffff:{ip}"
        if variant("ipv6-bracketed") and ipv6:
            ipv6 = f"[{ipv6}]"
        if variant("ipv6-prefix") and ipv6:
            ipv6 = ipv6.rsplit(":", 2)[0] + "::/64"
        if variant("null-as-string") and ip is None:
            ip = "null"
        if variant("dates-rfc3339"):
            started, finished = (_rfc3339(d) for d in (started, finished))
        if variant("dates-epoch-text"):
            started, finished = (
                None if d is None else str(int(_parse(d).timestamp() * 1000))
                for d in (started, finished)
            )
        if variant("non-utc-offset"):
            started, finished = (_plus_two_hours(d) for d in (started, finished))

        body: dict[str, Any] = {"iccid": device.iccid, "ipAddress": ip}
        if ipv6 is not None:
            body["ipv6Address"] = ipv6
        elif variant("ipv6-null"):
            body["ipv6Address"] = None
        elif variant("ipv6-empty-string"):
            body["ipv6Address"] = ""
        body["dateSessionStarted"] = started
        body["dateSessionEnded"] = finished

        if variant("iccid-as-number"):
            body["iccid"] = int(device.iccid)
        if variant("dates-epoch-millis"):
            for name in ("dateSessionStarted", "dateSessionEnded"):
                if body[name] is not None:
                    body[name] = _epoch_millis(body[name])
        if variant("omit-null-ipaddress") and body["ipAddress"] is None:
            del body["ipAddress"]
        if variant("omit-null-dates"):
            for name in ("dateSessionStarted", "dateSessionEnded"):
                if body[name] is None:
                    del body[name]
        if variant("extra-fields"):
            body["apn"] = "iot.reference.example"
            body["imsi"] = "310170845466094"
            body["sessionDetails"] = {"ratType": "LTE", "bytesUsed": 48213}
        return body


def _digits(iccid: str, *lengths: int) -> bool:
    return iccid.isascii() and iccid.isdigit() and len(iccid) in lengths


def _parse(value: str) -> datetime:
    return datetime.strptime(value, "%Y-%m-%d %H:%M:%S.%f%z")


def _rfc3339(value: str | None) -> str | None:
    if value is None:
        return None
    return _parse(value).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _plus_two_hours(value: str | None) -> str | None:
    if value is None:
        return None
    shifted = _parse(value).astimezone(timezone(timedelta(hours=2)))
    return shifted.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3] + shifted.strftime("%z")


def _epoch_millis(value: str) -> int:
    return int(_parse(value).timestamp() * 1000)


def create_app(variant: str | None = None) -> Starlette:
    """A fresh reference server with its own state (``app.state.reference``)."""
    state = ReferenceState(variant)
    handler = _App(state)
    app = Starlette(
        routes=[
            Route(
                "/rws/api/v{api_version}/devices/{iccid}/sessionInfo",
                handler.session_info,
                methods=["GET"],
            )
        ]
    )
    app.state.reference = state
    return app
