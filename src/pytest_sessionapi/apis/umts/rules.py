"""The UMTS catalogue's rules: ``RULES = {requirement ID: rule}``, one rule per requirement.

Every rule has the core's one signature, ``rule(answer: Answer, asked: Asked) -> bool``
(:mod:`pytest_sessionapi.rulebook`): ``True`` when it judged the answer and found it right,
``False`` when the answer is outside its scope, an ``AssertionError`` (typed as ``RuleFailure``
by the rulebook) with a message a QA engineer can act on when the answer breaks the requirement.
:class:`Asked` says what the suite sent and what the docs demand of the answer (``expect``, from
the lifecycle oracle in :mod:`.model`); "applies only when" is the guard above each rule.

The same rules judge the documented flow, the state machine, the Schemathesis cases (and, as
custom checks, a user's own Schemathesis run), recorded traffic and the vendor's own examples.
Tolerances decided in ``requirements.toml`` (``decision``) are implemented here and only here.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

from pytest_sessionapi.rulebook import NOT_JSON, Answer, RuleFailure, Rulebook, applies_when

from .client import SESSION_COOKIE, XSRF_HEADER, is_login_page, token_in
from .model import DOCUMENTED_ERRORS, Expect
from .models import (
    CODE_CONFLICT,
    CODE_UNKNOWN_SESSION,
    EPOCH_MS_MAX,
    EPOCH_MS_MIN,
    DownloadBody,
    ErrorEnvelope,
    SessionPayload,
    UmtsSession,
    error_code,
)

WILDCARD_COLORS = ("local-color-all", "remote-color-all")
"""The colors of the vendor's payload samples that name every color: a record may carry any."""
REQUEST_STATUSES = ("START", "STOP")
STATUSES = ("success", "failure")
DOC_ACK_TEXT = "{status: success}"
LOGIN_FLOW = ("login", "token")
"""``Asked.operation`` of the login form and the token endpoint (not the UMTS endpoints)."""


@dataclass(frozen=True)
class Asked:
    """What the suite sent, and what it knows the answer must be."""

    operation: str
    """``create``, one of the five operations or another name, ``login`` or ``token``."""
    expect: Expect
    """What the docs demand of the answer in the session's state (:mod:`.model`)."""
    session_id: str | None = None
    """The session id in the path (status must answer this one)."""
    device_uuid: str | None = None
    """The device the session was created on, or the create body's (None: not known)."""
    reports: str | None = None
    """The requestStatus a status answer must report (START right after a documented start,
    STOP after a documented stop); None when anything valid goes."""
    held_session: str | None = None
    """The session that holds the device when a create must conflict."""
    situation: str = ""
    """Where the request was sent, in words, for the failure message ('after start')."""
    created_with: Mapping[str, Any] | None = None
    """The UMTSInput the session was created with (None: not known): what its payload holds and
    what its trace is about."""
    results_due: str | None = None
    """Set on the last status answer of the wait after a documented stop (how long the suite
    waited, in words): the trace must by then be downloadable or reported failed."""


RULES: Rulebook[Asked] = Rulebook("umts")


# -- parsing helpers ---------------------------------------------------------------------------
def _short(value: Any, limit: int = 200) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return text if len(text) <= limit else text[:limit] + f"... ({len(text)} chars)"


def _problems(error: ValidationError) -> str:
    parts = []
    for item in error.errors()[:6]:
        where = ".".join(str(p) for p in item["loc"]) or "(body)"
        parts.append(f"{where}: {item['msg'].lower()} (got {_short(item.get('input'), 60)})")
    more = len(error.errors()) - 6
    return "; ".join(parts) + (f"; and {more} more" if more > 0 else "")


def _validate(model: type[BaseModel], data: Any, what: str) -> Any:
    try:
        return model.model_validate(data, strict=True)
    except ValidationError as exc:
        raise AssertionError(f"{what}: {_problems(exc)}") from None


def _text(answer: Answer) -> str:
    return answer.content.decode("utf-8", errors="replace")



def _code(answer: Answer) -> str | None:
    return error_code(answer.body)


def _created_session(body: Any) -> dict[str, Any]:
    """The one session a create answer holds (decision: an array of one ``UMTSSession``, the
    spec's schema, or a single object, what Cisco's own scripts index)."""
    if isinstance(body, list):
        if len(body) != 1:
            raise RuleFailure(
                f"create answered an array of {len(body)} items; expected exactly the new session: "
                f"{_short(body)}"
            )
        session = body[0]
    else:
        session = body
    if not isinstance(session, dict):
        raise RuleFailure(
            f"create answered {type(session).__name__}, not a session object: {_short(body)}"
        )
    if "error" in session:
        raise RuleFailure(f"create answered 200 with an error envelope: {_short(body)}")
    session_id = session.get("sessionId")
    if not (isinstance(session_id, str) and session_id.strip()):
        raise RuleFailure(
            f"the created session has no non-empty string sessionId: {_short(session)}"
        )
    return session


def _session_of(answer: Answer, asked: Asked) -> Any:
    """The session object the answer carries (create: its one item; status: the body), or None
    when there is none to judge (another rule names what is wrong)."""
    if answer.status != 200:
        return None
    body = answer.body
    if body is None:
        return None
    if asked.operation == "create":
        try:
            return _created_session(body)
        except AssertionError:
            return None  # UMTS-CREATE-SESSION's failure
    return body


def request_status(session: dict[str, Any]) -> str | None:
    """``requestStatus`` upper-cased (decision: the docs write both ``STOP`` and ``stop``)."""
    value = session.get("requestStatus")
    return value.upper() if isinstance(value, str) else None


def session_id_in(answer: Answer) -> str | None:
    """The session id of a create answer, in any shape (for cleanup, never a verdict)."""
    body = answer.body
    if isinstance(body, list) and body:
        body = body[0]
    if isinstance(body, dict) and isinstance(body.get("sessionId"), str):
        return body["sessionId"]
    return None


def _assert_error(answer: Answer, code: str, situation: str) -> None:
    """400 with ``code`` (TBST1005 / TBST1008)."""
    got = _code(answer)
    if not (answer.status == 400 and got == code):
        raise RuleFailure(
            f"{situation}: expected 400 with code {code}, got {answer.status} with code "
            f"{got!r}: {answer.exchange()}"
        )


def _assert_envelope(body: Any) -> None:
    if not (isinstance(body, dict) and isinstance(body.get("error"), dict)):
        raise RuleFailure(
            f'an error answer must be {{"error": {{type, message, details, code}}}}, got {_short(body)}'
        )
    _validate(ErrorEnvelope, body, "error envelope")
    empty = [key for key in ("type", "message", "details", "code") if not body["error"][key].strip()]
    if empty:
        raise RuleFailure(
            f"the error envelope's {', '.join(empty)} {'is' if len(empty) == 1 else 'are'} empty: "
            f"{_short(body)}"
        )


def _assert_ack(body: Any, operation: str) -> None:
    """Decision: a JSON object (``{"status": "success"}``, the session, ...) whose ``status``, if
    present, is ``success``; or the spec example's value, the JSON string ``"{status: success}"``."""
    if isinstance(body, str):
        compact = "".join(body.split()).lower()
        if compact != "".join(DOC_ACK_TEXT.split()):
            raise RuleFailure(
                f"{operation} answered the JSON string {_short(body)}; the only documented string is "
                f"{DOC_ACK_TEXT!r}"
            )
        return
    if not isinstance(body, dict):
        raise RuleFailure(
            f"{operation} answered {type(body).__name__} {_short(body)}; expected an object such as "
            f'{{"status": "success"}} or the string {DOC_ACK_TEXT!r}'
        )
    if "error" in body:
        raise RuleFailure(f"{operation} answered 200 with an error envelope: {_short(body)}")
    if "status" in body:
        if body["status"] != "success":
            raise RuleFailure(
                f"{operation} answered 200 with status {_short(body['status'])}, not 'success'"
            )


def _assert_download(body: Any) -> None:
    if not (isinstance(body, dict) and "data" in body):
        raise RuleFailure(f'download must answer an object {{"data": [...]}}, got {_short(body)}')
    _validate(DownloadBody, body, "download body")


def _is_login_page(answer: Answer) -> bool:
    return is_login_page(answer.content_type, answer.content)


def _assert_refused(answer: Answer, asked: Asked) -> None:
    refused = 300 <= answer.status < 500 or (answer.status == 200 and _is_login_page(answer))
    if not refused:
        raise RuleFailure(f"{asked.situation} was not refused: {answer.exchange()}")


def _cookie(answer: Answer, name: str) -> str | None:
    """The value a ``Set-Cookie`` header of the answer gives cookie ``name`` (None: not set)."""
    for header in answer.header_list("set-cookie"):
        key, _, rest = header.partition("=")
        if key.strip() == name:
            return rest.split(";", 1)[0].strip() or None
    return None


# -- guards ------------------------------------------------------------------------------------
def _expects(*expectations: Expect) -> Any:
    wanted = frozenset(expectations)

    def predicate(answer: Answer, asked: Asked) -> bool:
        return asked.expect in wanted

    predicate.__name__ = "the docs demand " + " or ".join(e.value for e in expectations)
    return predicate


def _carries_a_session(answer: Answer, asked: Asked) -> bool:
    return asked.operation in ("create", "status") and asked.expect not in (
        Expect.UNKNOWN_SESSION, Expect.DISABLED_SESSION, Expect.CONFLICT, Expect.UNJUDGED,
    ) and _session_of(answer, asked) is not None


# -- the login flow ----------------------------------------------------------------------------
@RULES.rule("UMTS-AUTH-LOGIN")
@applies_when(_expects(Expect.LOGIN), "a login with the target's credentials")
def login_opens_a_session(answer: Answer, asked: Asked) -> bool:
    """'When a user authenticates successfully, the response body remains empty, and the
    response includes a valid session cookie'."""
    if _is_login_page(answer):
        raise RuleFailure(
            f"a login with the target's credentials answered the HTML login page: {answer.exchange()}"
        )
    if not (answer.status < 400):
        raise RuleFailure(f"login failed: {answer.exchange()}")
    names = sorted({value.partition("=")[0].strip() for value in answer.header_list("set-cookie")})
    if not _cookie(answer, SESSION_COOKIE):
        raise RuleFailure(
            f"a successful login must set the {SESSION_COOKIE} cookie; got cookies "
            f"{names or 'none'} ({answer.status})"
        )
    return True


@RULES.rule("UMTS-AUTH-LOGIN-REJECTED")
@applies_when(_expects(Expect.LOGIN_REFUSED), "a login with a wrong password, or a call with its cookie")
def wrong_password_is_refused(answer: Answer, asked: Asked) -> bool:
    """'When a user is unauthenticated, the response body contains an HTML login page', and
    whatever cookie that answer set is no session: a call with it is refused."""
    if asked.operation == "login":
        if not (_is_login_page(answer) or 400 <= answer.status < 500):
            raise RuleFailure(
                f"a login with a wrong password must answer the HTML login page or a 4xx: "
                f"{answer.exchange()}"
            )
    else:
        _assert_refused(answer, asked)
    return True


@RULES.rule("UMTS-AUTH-TOKEN")
@applies_when(_expects(Expect.TOKEN), "the token endpoint, with a valid session")
def token_is_one_word(answer: Answer, asked: Asked) -> bool:
    """'The XSRF token is in the response body.'"""
    if answer.status != 200:
        raise RuleFailure(f"token: {answer.exchange()}")
    if _is_login_page(answer):
        raise RuleFailure(
            f"token answered the HTML login page for a valid session: {answer.exchange()}"
        )
    token = token_in(_text(answer))
    if not token:
        raise RuleFailure("the token endpoint answered 200 with an empty body")
    if any(c.isspace() for c in token):
        raise RuleFailure(f"the XSRF token is a single word; got {len(token.split())} words")
    return True


@RULES.rule("UMTS-AUTH-SESSION-REQUIRED")
@applies_when(_expects(Expect.NOT_SERVED, Expect.UNCHANGED),
              "a call without a session, or with a forged one; or the session's status after one")
def call_without_session_is_refused(answer: Answer, asked: Asked) -> bool:
    """'For non-whitelisted endpoints, the user must provide an API token as a cookie'.

    Decision: the refusal form is undocumented; accepted are a redirect (to the login page), any
    4xx, and the HTML login page with 200 ('Authentication'). A 2xx other than the login page is
    serving the call; a 5xx is not a refusal either. A create must not have opened a session, and
    a refused start must not have started the trace (the session's status afterwards)."""
    if asked.expect is Expect.UNCHANGED:
        session = answer.body
        if answer.status != 200 or not isinstance(session, dict):
            return False  # not a session to read: UMTS-STATUS-IDENTITY's, elsewhere
        if request_status(session) == "START":
            raise RuleFailure(
                f"{asked.situation or 'an unauthenticated start'} was refused in words, but the "
                f"session now reports requestStatus START"
            )
        return True
    _assert_refused(answer, asked)
    if asked.operation == "create":
        leaked = session_id_in(answer)
        if leaked is not None:
            raise RuleFailure(f"{asked.situation} opened session {leaked}")
    return True


@RULES.rule("UMTS-AUTH-XSRF-POST")
@applies_when(_expects(Expect.XSRF_REFUSED), "a create with a session but no X-XSRF-TOKEN")
def post_without_xsrf_is_403(answer: Answer, asked: Asked) -> bool:
    """'Cisco SD-WAN Manager rejects the request and returns the response code 403'."""
    if answer.status != 403:
        raise RuleFailure(
            f"create with a valid JSESSIONID but no {XSRF_HEADER} must answer 403: {answer.exchange()}"
        )
    leaked = session_id_in(answer)
    if leaked is not None:
        raise RuleFailure(f"create without {XSRF_HEADER} opened session {leaked}")
    return True


# -- every answer ------------------------------------------------------------------------------
@RULES.rule("UMTS-NO-SERVER-ERROR")
def no_server_error(answer: Answer, asked: Asked) -> bool:
    """No request is answered with a 5xx (the core also watches every answer on the wire; the
    state machine judges it itself, to stop where it happened)."""
    if not (answer.status < 500):
        raise RuleFailure(f"answered with a server error: {answer.exchange()}")
    return True


@RULES.rule("UMTS-MEDIA-JSON")
@applies_when(lambda answer, asked: answer.status in (200, 400) and asked.operation not in LOGIN_FLOW,
              "a 200 or 400 answer of create or of the operation endpoint")
def declared_and_parsed_as_json(answer: Answer, asked: Asked) -> bool:
    """A 200/400 answer is ``application/json`` and its body parses as JSON."""
    media = answer.media_type
    if not (media == "application/json" or media.endswith("+json")):
        raise RuleFailure(
            f"declared media type is {media or 'missing'!r}, not application/json: {answer.exchange()}"
        )
    if answer.json is NOT_JSON:
        raise RuleFailure(
            f"the body is not valid JSON{answer.not_json_because}: {answer.exchange()}"
        )
    return True


# -- create ------------------------------------------------------------------------------------
@RULES.rule("UMTS-CREATE-SESSION")
@applies_when(_expects(Expect.NEW_SESSION, Expect.NEW_SESSION_OR_REFUSAL, Expect.RECORDED),
              "a create on a device the suite holds nothing on")
@applies_when(lambda answer, asked: asked.operation == "create", "a create")
def create_answers_the_new_session(answer: Answer, asked: Asked) -> bool:
    """The create answer holds exactly one session with a ``sessionId``. A TBST1008 conflict is
    not this rule's: the device is busy (the suite's busy-device logic reads it)."""
    if answer.status == 400 and _code(answer) == CODE_CONFLICT:
        return False
    if asked.expect is Expect.RECORDED and answer.status != 200:
        return False  # recorded traffic: a refusal may have been right, nothing says otherwise
    if answer.status == 400 and asked.expect is Expect.NEW_SESSION_OR_REFUSAL:
        _assert_envelope(answer.body)  # a wildcard combination, refused in the envelope
        return True
    if answer.status != 200:
        raise RuleFailure(f"a documented-valid create answered {answer.exchange()}")
    body = answer.body
    if body is None:
        raise RuleFailure(f"create answered 200 without JSON: {answer.exchange()}")
    _created_session(body)
    return True


@RULES.rule("UMTS-CREATE-CONFLICT")
@applies_when(_expects(Expect.CONFLICT), "a create while a session holds the device")
def second_create_conflicts(answer: Answer, asked: Asked) -> bool:
    """A second create for a busy device: 400 TBST1008, and no second session."""
    opened = session_id_in(answer)
    if not (opened is None or opened == asked.held_session):
        raise RuleFailure(
            f"a second create for {asked.device_uuid} opened another session {opened} while "
            f"{asked.held_session} is open"
        )
    _assert_error(answer, CODE_CONFLICT, "second create for a device with an open session")
    return True


@RULES.rule("UMTS-DISABLE-FREES-DEVICE")
@applies_when(_expects(Expect.FREED_DEVICE), "a create after the device's only session was disabled")
def disable_frees_the_device(answer: Answer, asked: Asked) -> bool:
    """After a successful disable, the device accepts a new create."""
    why = asked.situation or "the device's only session was disabled"
    if not (answer.status == 200 and session_id_in(answer)):
        raise RuleFailure(f"{why}, yet create did not open a new session: {answer.exchange()}")
    return True


# -- session objects (create item, status answer) ----------------------------------------------
@RULES.rule("UMTS-SESSION-TYPES")
@applies_when(_carries_a_session, "a 200 create or status answer carrying a session")
def session_field_types(answer: Answer, asked: Asked) -> bool:
    """Every documented field present has its documented JSON type."""
    session = _session_of(answer, asked)
    if not isinstance(session, dict):
        raise RuleFailure(f"a session is a JSON object, got {_short(session)}")
    _validate(UmtsSession, session, "session field types")
    return True


@RULES.rule("UMTS-SESSION-PAYLOAD")
@applies_when(_carries_a_session, "a 200 create or status answer carrying a session")
def session_payload(answer: Answer, asked: Asked) -> bool:
    """``payload`` is a string holding a JSON object whose ``sessionId`` and ``deviceUUID`` are
    the session's. Status answers carry it in every vendor example; a create answer is judged
    when it carries one, and may encode it twice (the POST example does)."""
    session = _session_of(answer, asked)
    if not isinstance(session, dict):
        return False  # UMTS-SESSION-TYPES'
    creating = asked.operation == "create"
    if "payload" not in session:
        if not creating:
            raise RuleFailure(f"the session has no payload: {_short(session)}")
        return True
    payload = _decode_payload(session.get("payload"), allow_double_encoding=creating)
    if payload.session_id != session.get("sessionId"):
        raise RuleFailure(
            f"payload sessionId {payload.session_id!r} != session's sessionId "
            f"{session.get('sessionId')!r}"
        )
    owner = session.get("uuid", asked.device_uuid)
    if owner is not None:
        if payload.device_uuid != owner:
            raise RuleFailure(
                f"payload deviceUUID {payload.device_uuid!r} != session's device {owner!r}"
            )
    if asked.device_uuid is not None:
        if payload.device_uuid != asked.device_uuid:
            raise RuleFailure(
                f"payload deviceUUID {payload.device_uuid!r} != the requested device "
                f"{asked.device_uuid!r}"
            )
    for key, attribute in _PAYLOAD_KEYS.items():
        wanted, held = (asked.created_with or {}).get(key), getattr(payload, attribute)
        if wanted is not None and held is not None:
            if not _same_input(key, held, wanted):
                raise RuleFailure(
                    f"payload {key} {held!r} is not what the create asked ({wanted!r})"
                )
    return True


_PAYLOAD_KEYS = {"deviceUUID": "device_uuid", "localColor": "local_color",
                 "remoteColor": "remote_color", "remoteSystem": "remote_system"}
"""The UMTSInput keys the payload echoes (the vendor's payload samples carry all four)."""


def _systems(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def _same_input(key: str, held: Any, value: Any) -> bool:
    """A comma-separated remoteSystem is the same list whatever the spacing."""
    if key == "remoteSystem" and isinstance(held, str) and isinstance(value, str):
        return _systems(held) == _systems(value)
    return held == value


def _decode_payload(raw: Any, *, allow_double_encoding: bool) -> SessionPayload:
    if not isinstance(raw, str):
        raise RuleFailure(
            f"payload must be a string holding JSON, got {type(raw).__name__}: {_short(raw)}"
        )
    try:
        decoded = json.loads(raw)
        if isinstance(decoded, str) and allow_double_encoding:
            decoded = json.loads(decoded)
    except ValueError:
        raise AssertionError(f"payload is not a JSON-encoded string: {_short(raw)}") from None
    if not isinstance(decoded, dict):
        raise RuleFailure(f"payload does not decode to a JSON object: {_short(raw)}")
    return _validate(SessionPayload, decoded, "payload")


@RULES.rule("UMTS-SESSION-VALUES")
@applies_when(_carries_a_session, "a 200 create or status answer carrying a session")
def session_values(answer: Answer, asked: Asked) -> bool:
    """Fields hold the values the vendor's examples show (a SHOULD: the docs enumerate none of
    them): requestStatus, status, type, download_status, and ``startTime``/``renewalTime`` in
    epoch milliseconds."""
    session = _session_of(answer, asked)
    if not isinstance(session, dict):
        return False  # UMTS-SESSION-TYPES'
    for name in ("startTime", "renewalTime"):
        value = session.get(name)
        if isinstance(value, int) and not isinstance(value, bool):
            if not (EPOCH_MS_MIN <= value < EPOCH_MS_MAX):
                raise RuleFailure(
                    f"{name} {value} is not an epoch time in milliseconds "
                    f"(expected {EPOCH_MS_MIN} <= value < {EPOCH_MS_MAX}; seconds have 10 digits)"
                )
    value = session.get("requestStatus")
    if value is not None:
        if not (isinstance(value, str) and value.upper() in REQUEST_STATUSES):
            raise RuleFailure(f"requestStatus {_short(value)} is not START or STOP (any case)")
    status = session.get("status")
    if status is not None:
        if status not in STATUSES:
            raise RuleFailure(f"status {_short(status)} is not 'success' or 'failure'")
    kind = session.get("type")
    if kind is not None:
        if kind != "ON_DEMANDING":
            raise RuleFailure(f"type {_short(kind)} is not 'ON_DEMANDING'")
    user_ip = session.get("userIp")
    if isinstance(user_ip, str):
        try:
            ipaddress.ip_address(user_ip)
        except ValueError:
            raise AssertionError(
                f"userIp {_short(user_ip)} is not an IP address (the samples: '10.0.1.1')"
            ) from None
    download_status = session.get("download_status")
    if download_status is not None:
        if download_status != "success":
            raise RuleFailure(
                f"download_status {_short(download_status)} is not 'success' (its only documented "
                "value; absent when nothing is downloadable)"
            )
    return True


# -- the operations ----------------------------------------------------------------------------
@RULES.rule("UMTS-STATUS-IDENTITY")
@applies_when(_expects(Expect.SESSION), "status of an open session")
def status_answers_the_session_asked_for(answer: Answer, asked: Asked) -> bool:
    """Status answers the session asked for, on the device it was made on."""
    when = f" {asked.situation}" if asked.situation else ""
    if answer.status != 200:
        raise RuleFailure(f"status{when}: {answer.exchange()}")
    session = answer.body
    if not isinstance(session, dict):
        raise RuleFailure(f"status answered {_short(session)}, not a session object")
    if session.get("sessionId") != asked.session_id:
        raise RuleFailure(
            f"status of {asked.session_id} answered sessionId {_short(session.get('sessionId'))}"
        )
    if asked.device_uuid is not None and "uuid" in session:
        if session["uuid"] != asked.device_uuid:
            raise RuleFailure(
                f"status of a session on {asked.device_uuid} answered uuid {_short(session['uuid'])}"
            )
    return True


def _reports(value: str) -> Any:
    def predicate(answer: Answer, asked: Asked) -> bool:
        return asked.reports == value and answer.status == 200 and isinstance(answer.body, dict)

    predicate.__name__ = f"a status answer right after a documented, successful {value.lower()}"
    return predicate


def _assert_reports(answer: Answer, asked: Asked) -> None:
    session = answer.body
    if request_status(session) != asked.reports:
        raise RuleFailure(
            f"status {asked.situation or 'of the session'} reports requestStatus "
            f"{session.get('requestStatus')!r}, not {asked.reports}"
        )


@RULES.rule("UMTS-LIFECYCLE-START")
@applies_when(_reports("START"))
def start_is_reported(answer: Answer, asked: Asked) -> bool:
    """After a successful start, status reports requestStatus START."""
    _assert_reports(answer, asked)
    return True


@RULES.rule("UMTS-LIFECYCLE-STOP")
@applies_when(_reports("STOP"))
def stop_is_reported(answer: Answer, asked: Asked) -> bool:
    """After a successful stop of a started trace, status reports requestStatus STOP."""
    _assert_reports(answer, asked)
    return True


@RULES.rule("UMTS-OP-ACK")
@applies_when(_expects(Expect.ACK, Expect.RECORDED), "start, stop or disable in the documented flow")
@applies_when(lambda answer, asked: asked.operation in ("start", "stop", "disable"), "start, stop or disable")
def acknowledged(answer: Answer, asked: Asked) -> bool:
    """start/stop/disable answer success."""
    if asked.expect is Expect.RECORDED and answer.status != 200:
        return False
    if answer.status != 200:
        raise RuleFailure(
            f"{asked.operation} {asked.situation or 'in the documented flow'} must succeed: "
            f"{answer.exchange()}"
        )
    body = answer.body
    _assert_ack(body if body is not None else _text(answer), asked.operation)
    return True


def _results_due_or_downloadable(answer: Answer, asked: Asked) -> bool:
    if asked.operation == "download":
        return asked.expect is Expect.DATA
    return asked.operation == "status" and asked.results_due is not None and \
        answer.status == 200 and isinstance(answer.body, dict)


@RULES.rule("UMTS-DOWNLOAD-READY")
@applies_when(_results_due_or_downloadable,
              "a download once status reported download_status, or the last status of the wait "
              "after a documented stop")
def download_when_status_says_ready(answer: Answer, asked: Asked) -> bool:
    """A stopped trace ends downloadable or failed (status failure, the documented failure
    path) within the wait; whenever status reports download_status, download answers 200 with
    at least one record. A status that is not a session object is UMTS-STATUS-IDENTITY's, not
    this rule's."""
    if asked.operation == "status":
        session = answer.body
        if not (session.get("download_status") is not None or session.get("status") == "failure"):
            raise RuleFailure(
                f"no download_status {asked.results_due}; last status: {_short(session)}"
            )
        return True
    when = f" {asked.situation}" if asked.situation else ""
    if answer.status != 200:
        raise RuleFailure(
            f"status{when} reported download_status, but download answered {answer.exchange()}"
        )
    body = answer.body
    if isinstance(body, dict) and isinstance(body.get("data"), list):  # else the shape's failure
        if not body["data"]:
            raise RuleFailure(
                f"status{when} reported download_status success, but download holds no record: "
                f"{answer.exchange()}"
            )
    return True


@RULES.rule("UMTS-DOWNLOAD-SHAPE")
@applies_when(_expects(Expect.DATA, Expect.RECORDED), "a download of results")
@applies_when(lambda answer, asked: asked.operation == "download" and answer.status == 200,
              "a 200 download answer")
def download_shape(answer: Answer, asked: Asked) -> bool:
    """``{"data": [record, ...]}``; every record has the documented fields and types, and
    ``hops`` is an object wrapping the ``hop`` array."""
    _assert_download(answer.body)
    return True


def _a_data_download(answer: Answer, asked: Asked) -> bool:
    body = answer.body
    return asked.operation == "download" and answer.status == 200 and \
        isinstance(body, dict) and isinstance(body.get("data"), list)


@RULES.rule("UMTS-DOWNLOAD-RECORDS")
@applies_when(lambda answer, asked: asked.created_with is not None,
              "a download of a session whose create input is known")
@applies_when(_a_data_download, "a 200 download answer carrying data (its form is UMTS-DOWNLOAD-SHAPE's)")
def download_is_the_trace_asked_for(answer: Answer, asked: Asked) -> bool:
    """Every record is about the tunnel the create asked for: its remote system(s) and colors (a
    wildcard color matches any). How many records there must be is UMTS-DOWNLOAD-READY's."""
    asked_for = asked.created_with or {}
    systems = _systems(str(asked_for.get("remoteSystem", "")))
    for index, record in enumerate(answer.body["data"]):
        if not isinstance(record, dict):
            continue  # UMTS-DOWNLOAD-SHAPE's
        remote = record.get("remote_system_ip")
        if not (not systems or remote in systems):
            raise RuleFailure(
                f"record {index} traces remote system {_short(remote)}; the create asked for "
                f"{', '.join(systems)}"
            )
        for field_name, key in (("local_color", "localColor"), ("remote_color", "remoteColor")):
            wanted = asked_for.get(key)
            if wanted in WILDCARD_COLORS or wanted is None:
                continue
            if record.get(field_name) != wanted:
                raise RuleFailure(
                    f"record {index} has {field_name} {_short(record.get(field_name))}; the create "
                    f"asked for {key} {wanted!r}"
                )
    return True


# -- errors ------------------------------------------------------------------------------------
@RULES.rule("UMTS-ERROR-UNKNOWN-SESSION")
@applies_when(_expects(Expect.UNKNOWN_SESSION), "an operation on a session id never issued")
def unknown_session_is_tbst1005(answer: Answer, asked: Asked) -> bool:
    """Each operation on a session id that does not exist answers 400 TBST1005."""
    _assert_error(answer, CODE_UNKNOWN_SESSION,
                  asked.situation or "operation on an unknown session")
    return True


@RULES.rule("UMTS-DISABLE-INVALIDATES")
@applies_when(_expects(Expect.DISABLED_SESSION), "an operation on a disabled session")
def disabled_session_is_unknown(answer: Answer, asked: Asked) -> bool:
    """After a successful disable, operations on the disabled session id answer 400 TBST1005."""
    _assert_error(answer, CODE_UNKNOWN_SESSION,
                  asked.situation or f"{asked.operation} on a disabled session")
    return True


def _documented_error(answer: Answer, asked: Asked) -> bool:
    if answer.status != 400:
        return False
    if asked.expect in DOCUMENTED_ERRORS or asked.expect is Expect.RECORDED:
        return True
    return asked.operation == "create" and _code(answer) == CODE_CONFLICT


@RULES.rule("UMTS-ERROR-ENVELOPE")
@applies_when(_documented_error, "a 400 answer to a documented error (TBST1005, TBST1008)")
def error_envelope(answer: Answer, asked: Asked) -> bool:
    """``{"error": {"type", "message", "details", "code"}}``, all strings."""
    _assert_envelope(answer.body)
    return True


@RULES.rule("UMTS-UNKNOWN-OPERATION")
@applies_when(_expects(Expect.REFUSAL), "an operation outside the five")
@applies_when(lambda answer, asked: answer.status < 500, "not a 5xx (UMTS-NO-SERVER-ERROR's)")
def unknown_operation_is_refused(answer: Answer, asked: Asked) -> bool:
    """An operation outside the five is refused with a 4xx rather than served."""
    if not (400 <= answer.status < 500):
        raise RuleFailure(
            f"unknown operation {asked.operation!r} must be refused with a 4xx: {answer.exchange()}"
        )
    return True


@RULES.rule("UMTS-UNDOCUMENTED-OUTCOME")
@applies_when(_expects(Expect.OPEN), "a transition the docs leave open")
@applies_when(lambda answer, asked: answer.status < 500,
              "not a 5xx: the server may or may not have acted (UMTS-NO-SERVER-ERROR's)")
def open_outcome(answer: Answer, asked: Asked) -> bool:
    """Success or a 4xx refusal, never a redirect. A success is what the operation answers when
    it succeeds; a 400 carries the envelope (nothing else documents what a refusal looks like)."""
    where = f"{asked.operation} {asked.situation} (undocumented)"
    if not (answer.status == 200 or 400 <= answer.status < 500):
        raise RuleFailure(f"{where} must answer success or a 4xx: {answer.exchange()}")
    if answer.status == 200:
        body = answer.body
        if body is None:
            raise RuleFailure(f"{where} answered 200 without JSON: {answer.exchange()}")
        if asked.operation == "download":
            _assert_download(body)
        elif asked.operation in ("start", "stop", "disable"):
            _assert_ack(body, asked.operation)
    elif answer.status == 400:
        body = answer.body
        if body is None:
            raise RuleFailure(f"{where} answered 400 without JSON: {answer.exchange()}")
        _assert_envelope(body)
    return True
