"""The UMTS catalogue's rules as plain functions.

Each ``check_*`` raises ``AssertionError`` with a message a QA engineer can act on, and names in its
docstring the requirement it implements. The same functions serve the example-based tests, the
state machine, the Schemathesis custom checks and the run over the vendor's own examples, so a
rule is written once.

Tolerances decided in ``requirements.toml`` (``decision``) are implemented here and only here.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
from pydantic import BaseModel, ValidationError

from pytest_sessionapi.http_checks import parse_json

from .client import looks_like_login_page
from .models import (
    EPOCH_MS_MAX,
    EPOCH_MS_MIN,
    DownloadBody,
    ErrorEnvelope,
    SessionPayload,
    UmtsSession,
)

OPERATIONS = ("start", "stop", "status", "download", "disable")
REQUEST_STATUSES = ("START", "STOP")
STATUSES = ("success", "failure")
DOC_ACK_TEXT = "{status: success}"
CODE_UNKNOWN_SESSION = "TBST1005"
CODE_CONFLICT = "TBST1008"

_NOT_JSON = object()


# -- helpers -----------------------------------------------------------------------------------
def short(value: Any, limit: int = 200) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return text if len(text) <= limit else text[:limit] + f"... ({len(text)} chars)"


def summary(response: httpx.Response) -> str:
    """``GET /path -> 400 application/json: {...}`` (the body is shortened; never headers)."""
    request = response.request
    ctype = response.headers.get("content-type", "no content-type")
    body = response.text
    return (
        f"{request.method} {request.url.path} -> {response.status_code} {ctype}: "
        f"{short(body) if body else '(empty body)'}"
    )


def try_json(response: httpx.Response) -> Any:
    """The parsed body, or ``_NOT_JSON`` (also for JSON nested too deep or with numbers out of
    range: see ``http_checks.parse_json``)."""
    try:
        return parse_json(response.content)
    except ValueError:
        return _NOT_JSON


def is_json(value: Any) -> bool:
    return value is not _NOT_JSON


def _problems(error: ValidationError) -> str:
    parts = []
    for item in error.errors()[:6]:
        where = ".".join(str(p) for p in item["loc"]) or "(body)"
        got = item.get("input")
        parts.append(f"{where}: {item['msg'].lower()} (got {short(got, 60)})")
    more = len(error.errors()) - 6
    return "; ".join(parts) + (f"; and {more} more" if more > 0 else "")


def _validate(model: type[BaseModel], data: Any, what: str) -> Any:
    try:
        return model.model_validate(data, strict=True)
    except ValidationError as exc:
        raise AssertionError(f"{what}: {_problems(exc)}") from None


# -- UMTS-MEDIA-JSON ---------------------------------------------------------------------------
def check_media_json(response: httpx.Response) -> Any:
    """UMTS-MEDIA-JSON: a 200/400 answer is ``application/json`` and its body parses as JSON.
    Returns the parsed body."""
    ctype = response.headers.get("content-type", "")
    media = ctype.split(";")[0].strip().lower()
    assert media == "application/json" or media.endswith("+json"), (
        f"declared media type is {media or 'missing'!r}, not application/json: {summary(response)}"
    )
    try:
        body = parse_json(response.content)
    except ValueError as exc:
        raise AssertionError(
            f"the body is not valid JSON ({getattr(exc, 'reason', exc)}): {summary(response)}"
        ) from None
    return body


# -- UMTS-CREATE-SESSION -----------------------------------------------------------------------
def session_from_create(body: Any) -> dict[str, Any]:
    """UMTS-CREATE-SESSION: the create answer holds exactly one session with a ``sessionId``.

    Decision: an array of one ``UMTSSession`` (the spec's schema) and a single object (what
    Cisco's own scripts index) are both accepted.
    """
    if isinstance(body, list):
        assert len(body) == 1, (
            f"create answered an array of {len(body)} items; expected exactly the new session: "
            f"{short(body)}"
        )
        session = body[0]
    else:
        session = body
    assert isinstance(session, dict), (
        f"create answered {type(session).__name__}, not a session object: {short(body)}"
    )
    assert "error" not in session, f"create answered 200 with an error envelope: {short(body)}"
    session_id = session.get("sessionId")
    assert isinstance(session_id, str) and session_id.strip(), (
        f"the created session has no non-empty string sessionId: {short(session)}"
    )
    return session


# -- UMTS-SESSION-TYPES ------------------------------------------------------------------------
def check_session_types(session: Any) -> UmtsSession:
    """UMTS-SESSION-TYPES: every documented field present has its documented JSON type."""
    assert isinstance(session, dict), f"a session is a JSON object, got {short(session)}"
    return _validate(UmtsSession, session, "session field types")


# -- UMTS-SESSION-PAYLOAD ----------------------------------------------------------------------
def decode_payload(session: dict[str, Any], *, allow_double_encoding: bool) -> SessionPayload:
    raw = session.get("payload")
    assert isinstance(raw, str), (
        f"payload must be a string holding JSON, got {type(raw).__name__}: {short(raw)}"
    )
    try:
        decoded = json.loads(raw)
        if isinstance(decoded, str) and allow_double_encoding:
            decoded = json.loads(decoded)
    except ValueError:
        raise AssertionError(f"payload is not a JSON-encoded string: {short(raw)}") from None
    assert isinstance(decoded, dict), f"payload does not decode to a JSON object: {short(raw)}"
    return _validate(SessionPayload, decoded, "payload")


def check_session_payload(
    session: dict[str, Any],
    *,
    required: bool,
    device_uuid: str | None = None,
    allow_double_encoding: bool = False,
) -> None:
    """UMTS-SESSION-PAYLOAD: ``payload`` is a string holding a JSON object whose ``sessionId``
    and ``deviceUUID`` are the session's.

    ``required``: status answers carry it in every vendor example; for the create answer it is
    checked when present. ``allow_double_encoding``: the POST example encodes it twice.
    """
    if "payload" not in session:
        assert not required, f"the session has no payload: {short(session)}"
        return
    payload = decode_payload(session, allow_double_encoding=allow_double_encoding)
    assert payload.session_id == session.get("sessionId"), (
        f"payload sessionId {payload.session_id!r} != session's sessionId "
        f"{session.get('sessionId')!r}"
    )
    owner = session.get("uuid", device_uuid)
    if owner is not None:
        assert payload.device_uuid == owner, (
            f"payload deviceUUID {payload.device_uuid!r} != session's device {owner!r}"
        )
    if device_uuid is not None:
        assert payload.device_uuid == device_uuid, (
            f"payload deviceUUID {payload.device_uuid!r} != the requested device {device_uuid!r}"
        )


# -- UMTS-SESSION-VALUES -----------------------------------------------------------------------
def normalized_request_status(session: dict[str, Any]) -> str | None:
    """``requestStatus`` upper-cased (decision: the docs write both ``STOP`` and ``stop``)."""
    value = session.get("requestStatus")
    return value.upper() if isinstance(value, str) else None


def check_session_values(session: dict[str, Any]) -> None:
    """UMTS-SESSION-VALUES: fields hold the values the vendor's examples show (a SHOULD: the
    docs enumerate none of them): requestStatus, status, type, download_status, and
    ``startTime``/``renewalTime`` in epoch milliseconds."""
    for name in ("startTime", "renewalTime"):
        value = session.get(name)
        if isinstance(value, int) and not isinstance(value, bool):
            assert EPOCH_MS_MIN <= value < EPOCH_MS_MAX, (
                f"{name} {value} is not an epoch time in milliseconds "
                f"(expected {EPOCH_MS_MIN} <= value < {EPOCH_MS_MAX}; seconds have 10 digits)"
            )
    request_status = session.get("requestStatus")
    if request_status is not None:
        assert isinstance(request_status, str) and request_status.upper() in REQUEST_STATUSES, (
            f"requestStatus {short(request_status)} is not START or STOP (any case)"
        )
    status = session.get("status")
    if status is not None:
        assert status in STATUSES, f"status {short(status)} is not 'success' or 'failure'"
    kind = session.get("type")
    if kind is not None:
        assert kind == "ON_DEMANDING", f"type {short(kind)} is not 'ON_DEMANDING'"
    download_status = session.get("download_status")
    if download_status is not None:
        assert download_status == "success", (
            f"download_status {short(download_status)} is not 'success' (its only documented "
            "value; absent when nothing is downloadable)"
        )


# -- UMTS-STATUS-IDENTITY ----------------------------------------------------------------------
def check_status_identity(
    session: Any, session_id: str, device_uuid: str | None
) -> None:
    """UMTS-STATUS-IDENTITY: status answers the session asked for, on the device it was made on."""
    assert isinstance(session, dict), f"status answered {short(session)}, not a session object"
    assert session.get("sessionId") == session_id, (
        f"status of {session_id} answered sessionId {short(session.get('sessionId'))}"
    )
    if device_uuid is not None and "uuid" in session:
        assert session["uuid"] == device_uuid, (
            f"status of a session on {device_uuid} answered uuid {short(session['uuid'])}"
        )


def check_session(
    session: Any,
    *,
    context: str,
    device_uuid: str | None,
    payload_required: bool,
    allow_double_encoding: bool = False,
) -> list[tuple[str, str]]:
    """Every session rule at once, for the state machine and Schemathesis: a list of
    ``(requirement, message)`` for the rules broken (empty when conformant)."""
    if not isinstance(session, dict):
        return [("UMTS-SESSION-TYPES", f"{context}: a session is a JSON object, got {short(session)}")]
    broken: list[tuple[str, str]] = []
    rules = (
        ("UMTS-SESSION-TYPES", lambda: check_session_types(session)),
        ("UMTS-SESSION-PAYLOAD", lambda: check_session_payload(
            session, required=payload_required, device_uuid=device_uuid,
            allow_double_encoding=allow_double_encoding)),
        ("UMTS-SESSION-VALUES", lambda: check_session_values(session)),
    )
    for requirement, rule in rules:
        try:
            rule()
        except AssertionError as exc:
            broken.append((requirement, f"{context}: {exc}"))
    return broken


# -- UMTS-OP-ACK -------------------------------------------------------------------------------
def check_ack(body: Any, operation: str) -> None:
    """UMTS-OP-ACK: start/stop/disable answer success.

    Decision: a JSON object (``{"status": "success"}``, the session, ...) whose ``status``, if
    present, is ``success``; or the spec example's value, the JSON string ``"{status: success}"``.
    """
    if isinstance(body, str):
        compact = "".join(body.split()).lower()
        assert compact == "".join(DOC_ACK_TEXT.split()), (
            f"{operation} answered the JSON string {short(body)}; the only documented string is "
            f"{DOC_ACK_TEXT!r}"
        )
        return
    assert isinstance(body, dict), (
        f"{operation} answered {type(body).__name__} {short(body)}; expected an object such as "
        f'{{"status": "success"}} or the string {DOC_ACK_TEXT!r}'
    )
    assert "error" not in body, f"{operation} answered 200 with an error envelope: {short(body)}"
    if "status" in body:
        assert body["status"] == "success", (
            f"{operation} answered 200 with status {short(body['status'])}, not 'success'"
        )


# -- UMTS-DOWNLOAD-SHAPE -----------------------------------------------------------------------
def check_download_body(body: Any) -> DownloadBody:
    """UMTS-DOWNLOAD-SHAPE: ``{"data": [record, ...]}``; every record has the documented fields
    and types, and ``hops`` is an object wrapping the ``hop`` array."""
    assert isinstance(body, dict) and "data" in body, (
        f'download must answer an object {{"data": [...]}}, got {short(body)}'
    )
    return _validate(DownloadBody, body, "download body")


# -- errors ------------------------------------------------------------------------------------
def error_code(body: Any) -> str | None:
    """The vManage error code wherever a server put it (envelope shape is its own rule)."""
    if isinstance(body, dict):
        inner = body.get("error")
        if isinstance(inner, dict) and "code" in inner:
            return inner.get("code")
        return body.get("code")
    return None


def check_error_envelope(body: Any) -> None:
    """UMTS-ERROR-ENVELOPE: ``{"error": {"type", "message", "details", "code"}}``, all strings."""
    assert isinstance(body, dict) and isinstance(body.get("error"), dict), (
        f'an error answer must be {{"error": {{type, message, details, code}}}}, got {short(body)}'
    )
    _validate(ErrorEnvelope, body, "error envelope")


def check_error_status_and_code(
    response: httpx.Response, body: Any, code: str, situation: str
) -> None:
    """400 with ``code`` (TBST1005 / TBST1008)."""
    got = error_code(body) if is_json(body) else None
    assert response.status_code == 400 and got == code, (
        f"{situation}: expected 400 with code {code}, got {response.status_code} with code "
        f"{got!r}: {summary(response)}"
    )


def check_unknown_session(response: httpx.Response) -> None:
    """UMTS-ERROR-UNKNOWN-SESSION: 400 with code TBST1005."""
    check_error_status_and_code(response, try_json(response), CODE_UNKNOWN_SESSION,
                                "operation on an unknown session")


def check_conflict(response: httpx.Response) -> None:
    """UMTS-CREATE-CONFLICT: 400 with code TBST1008."""
    check_error_status_and_code(response, try_json(response), CODE_CONFLICT,
                                "second create for a device with an open session")


# -- authentication ----------------------------------------------------------------------------
def check_refused(response: httpx.Response, situation: str) -> None:
    """UMTS-AUTH-SESSION-REQUIRED: refused, never served.

    Decision: the refusal form is undocumented; accepted are a redirect (to the login page), any
    4xx, and the HTML login page with 200 ('Authentication'). A 2xx other than the login page is serving
    the call; a 5xx is not a refusal either.
    """
    status = response.status_code
    refused = 300 <= status < 500 or (status == 200 and looks_like_login_page(response))
    assert refused, f"{situation} was not refused: {summary(response)}"


def check_no_server_error(response: httpx.Response) -> None:
    """UMTS-NO-SERVER-ERROR: no request is answered with a 5xx (the suites also watch every
    answer on the wire; this is for the state machine, which must stop where it happened)."""
    assert response.status_code < 500, f"answered with a server error: {summary(response)}"


def check_unknown_operation(response: httpx.Response, operation: str) -> None:
    """UMTS-UNKNOWN-OPERATION: an operation outside the five is refused with a 4xx rather than
    served. A 5xx is not judged here: it fails UMTS-NO-SERVER-ERROR, on every request."""
    if response.status_code >= 500:
        return
    assert 400 <= response.status_code < 500, (
        f"unknown operation {operation!r} must be refused with a 4xx: {summary(response)}"
    )


# -- outcomes the docs leave open ---------------------------------------------------------------
def check_open_outcome(response: httpx.Response, operation: str, situation: str) -> bool | None:
    """UMTS-UNDOCUMENTED-OUTCOME: success or a 4xx refusal, never a redirect.

    Returns True when the server answered success (200), False when it refused, None on a 5xx
    (the server may or may not have acted; UMTS-NO-SERVER-ERROR judges it, on every request).
    A 400 must carry the envelope (checked here because nothing else documents what a refusal
    looks like).
    """
    status = response.status_code
    if status >= 500:
        return None
    assert status == 200 or 400 <= status < 500, (
        f"{operation} {situation} (undocumented) must answer success or a 4xx: {summary(response)}"
    )
    if status == 200:
        body = try_json(response)
        assert is_json(body), f"{operation} {situation} answered 200 without JSON: {summary(response)}"
        if operation == "download":
            check_download_body(body)
        elif operation in ("start", "stop", "disable"):
            check_ack(body, operation)
        return True
    if status == 400:
        body = try_json(response)
        assert is_json(body), f"{operation} {situation} answered 400 without JSON: {summary(response)}"
        check_error_envelope(body)
    return False


# -- documentation lint (findings, never verdicts) ------------------------------------------------
def epoch_ms_plausible(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and \
        EPOCH_MS_MIN <= value < EPOCH_MS_MAX
