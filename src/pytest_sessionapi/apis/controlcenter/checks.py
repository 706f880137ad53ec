"""The catalogue's rules for Get Session Details, as plain functions over one answer.

Every rule belongs to exactly one requirement ID (``RULES``) and has the same shape::

    rule(answer: Answer, asked: Asked) -> bool

It returns ``True`` when it judged the answer and found it right, ``False`` when the answer is
outside its scope (nothing to judge), and raises ``AssertionError`` with a readable message when
the answer breaks the requirement. ``Asked`` says what the suite asked and what it knows about the
device; rules that depend on the device's state only judge when the suite knows that state.

The rules split the work so that one defect is reported under one ID (see the header of
``requirements.toml``): a 5xx is only CC-NO-SERVER-ERROR's; an error body without a readable
errorCode is only CC-ERR-ENVELOPE's; the string "null" counts as null for every rule except
CC-NULL-NOT-STRING; a value of the wrong JSON type is only CC-BODY-TYPES's.

The same functions serve the example tests, the Hypothesis tests, the Schemathesis custom checks
(:mod:`.schemathesis_checks`) and the vendor-example findings.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any, Literal

from pydantic import ValidationError

from pytest_sessionapi.http_checks import parse_json

from .models import DATE_FIELDS, NULLABLE_FIELDS, ErrorEnvelope, SessionInfo

CURRENT_API_VERSION = "1"

ERROR_STATUS: dict[str, int] = {
    "10000001": 401,  # Invalid credentials.
    "10000024": 400,  # Invalid apiVersion.
    "10000031": 400,  # Invalid Zone.
    "20000001": 404,  # Resource not found - Invalid ICCID.
    "30000001": 500,  # Unknown server error.
}
"""'Get Session Details' 'Errors' table: errorCode -> HTTP status."""

INVALID_CREDENTIALS = "10000001"
INVALID_API_VERSION = "10000024"
INVALID_ICCID = "20000001"

DeviceState = Literal[
    "in_session", "session_ended", "never_in_session", "ipv6_only", "dual_stack", "ipv4_only"
]
Credentials = Literal["valid", "invalid", "none"]

DEVICE_OF_ENTITY: dict[str, DeviceState] = {
    "iccid_in_session": "in_session",
    "iccid_session_ended": "session_ended",
    "iccid_never_in_session": "never_in_session",
    "iccid_ipv6_only": "ipv6_only",
    "iccid_dual_stack": "dual_stack",
    "iccid_ipv4_only": "ipv4_only",
}

HAD_A_SESSION: frozenset[str] = frozenset(
    {"in_session", "session_ended", "ipv6_only", "dual_stack", "ipv4_only"}
)

# yyyy-MM-dd HH:mm:ss.SSS then a numeric offset without a colon (the page's response example).
DATE_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}[+-]\d{4}$")
_DATE_FORMAT = "%Y-%m-%d %H:%M:%S.%f%z"
_IPV4_TEXT = re.compile(r"^\d{1,3}(\.\d{1,3}){3}$")
_PREFIX_LENGTH = re.compile(r"^(0|[1-9]\d{0,2})$")

_PREVIEW = 240


class _NotJson:
    def __repr__(self) -> str:
        return "<not JSON>"


NOT_JSON: Any = _NotJson()


@dataclass(frozen=True)
class Answer:
    """What came back, independent of the HTTP library that fetched it."""

    status: int
    content_type: str | None
    content: bytes
    www_authenticate: tuple[str, ...] = ()

    @classmethod
    def from_httpx(cls, response: Any) -> Answer:
        return cls(
            status=response.status_code,
            content_type=response.headers.get("content-type"),
            content=response.content,
            www_authenticate=tuple(response.headers.get_list("www-authenticate")),
        )

    @classmethod
    def from_schemathesis(cls, response: Any) -> Answer:
        headers = {name.lower(): values for name, values in response.headers.items()}
        content_type = headers.get("content-type") or [None]
        return cls(
            status=response.status_code,
            content_type=content_type[0],
            content=response.content,
            www_authenticate=tuple(headers.get("www-authenticate", ())),
        )

    @cached_property
    def json(self) -> Any:
        try:
            return parse_json(self.content)
        except ValueError:  # http_checks.UnusableJson: not JSON, or beyond safe limits
            return NOT_JSON

    @property
    def not_json_because(self) -> str:
        """`` (reason)`` when the body is not usable JSON, for the rules' messages; else ''."""
        try:
            parse_json(self.content)
        except ValueError as exc:
            return f" ({getattr(exc, 'reason', exc)})"
        return ""

    @property
    def media_type(self) -> str:
        return (self.content_type or "").split(";")[0].strip().lower()

    @property
    def session_body(self) -> dict[str, Any] | None:
        """The 200 body when it is a JSON object, else None (nothing for body rules to judge)."""
        if self.status == 200 and isinstance(self.json, dict):
            return self.json
        return None

    @property
    def is_client_error(self) -> bool:
        return 400 <= self.status < 500

    @property
    def error_code(self) -> str | None:
        """The errorCode of a 4xx body as text, when there is a readable one."""
        body = self.json
        if not self.is_client_error or not isinstance(body, dict):
            return None
        code = body.get("errorCode")
        if isinstance(code, bool) or not isinstance(code, str | int):
            return None
        return str(code)

    def describe(self) -> str:
        text = self.content[: _PREVIEW * 2].decode("utf-8", errors="replace")
        text = " ".join(text.split())
        if len(text) > _PREVIEW:
            text = text[:_PREVIEW] + "..."
        return f"{self.status} {self.content_type or '(no content-type)'}: {text or '(empty body)'}"


@dataclass(frozen=True)
class Asked:
    """What the suite asked, and what it knows about the device it asked for."""

    iccid: str
    api_version: str = CURRENT_API_VERSION
    credentials: Credentials = "valid"
    device: DeviceState | None = None
    """The device's state when the target names it; None for an ICCID the suite knows is not
    provisioned (``provisioned`` False) or whose state it does not know."""
    provisioned: bool | None = None
    """True: a device of the target; False: known not provisioned; None: unknown."""

    def describe(self) -> str:
        creds = {"valid": "", "invalid": ", wrong credentials", "none": ", no credentials"}
        device = f" ({self.device.replace('_', ' ')} device)" if self.device else ""
        return f"GET v{self.api_version} sessionInfo of ICCID {self.iccid!r}{device}{creds[self.credentials]}"

    @property
    def is_regular(self) -> bool:
        """Valid credentials and the current apiVersion."""
        return self.credentials == "valid" and self.api_version == CURRENT_API_VERSION


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    return {str: "string", list: "array", dict: "object"}.get(type(value), type(value).__name__)


class RuleFailure(AssertionError):
    """A rule's verdict: what is wrong (``problem``) and on which exchange (``context``)."""

    def __init__(self, problem: str, context: str) -> None:
        super().__init__(f"{problem} [{context}]")
        self.problem = problem
        self.context = context


def _fail(asked: Asked, answer: Answer, problem: str) -> None:
    raise RuleFailure(problem, f"{asked.describe()} -> {answer.describe()}")


def _nullish(name: str, value: Any) -> bool:
    """Null in the lenient reading: JSON null or the vendor example's string "null"; for
    ipAddress, whose value without IPv4 the vendor leaves unspecified, also ""."""
    return value is None or value == "null" or (name == "ipAddress" and value == "")


def _has_value(body: Mapping[str, Any], name: str) -> bool:
    return name in body and not _nullish(name, body[name]) and body[name] != ""


def parse_date(value: str) -> datetime | None:
    """The documented date form, as an aware datetime; None when the text is not that form."""
    if not DATE_PATTERN.match(value):
        return None
    try:
        return datetime.strptime(value, _DATE_FORMAT)
    except ValueError:
        return None


_ISO_DATE_TIME = re.compile(
    r"^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(\.\d{1,9})?(Z|[+-]\d{2}:?\d{2})?$"
)


def parse_date_time(value: str) -> datetime | None:
    """A real calendar date and time in the documented form or any other ISO 8601 form (T or
    space, optional fraction, Z or an offset with or without a colon, or none); else None."""
    documented = parse_date(value)
    if documented is not None:
        return documented
    match = _ISO_DATE_TIME.match(value)
    if match is None:
        return None
    day, clock, fraction, zone = match.groups()
    zone = "+00:00" if zone == "Z" else zone or ""
    if len(zone) == 5:
        zone = f"{zone[:3]}:{zone[3:]}"
    try:
        return datetime.fromisoformat(f"{day}T{clock}{(fraction or '')[:7]}{zone}")
    except ValueError:
        return None


def ipv4_problem(value: str) -> str | None:
    if not _IPV4_TEXT.match(value):
        return "is not dotted-decimal IPv4 (four decimal octets)"
    try:
        ipaddress.IPv4Address(value)
    except ValueError as exc:
        return f"is not an IPv4 address ({exc})"
    return None


def ipv6_problem(value: str) -> str | None:
    """None when ``value`` is an IPv6 address, optionally with /prefix-length."""
    address, slash, length = value.partition("/")
    if slash and not (_PREFIX_LENGTH.match(length) and int(length) <= 128):
        return f"has an invalid prefix length '/{length}'"
    if "%" in address:
        return "carries a zone index, which is not part of an address"
    if not address or address.strip() != address or "[" in address or "]" in address:
        return "is not a bare IPv6 address"
    if ":" not in address:
        return "is not IPv6 text (no ':')"
    try:
        ipaddress.IPv6Address(address)
    except ValueError as exc:
        return f"is not an IPv6 address ({exc})"
    return None


# --- rules: any answer ---------------------------------------------------------------------


def no_server_error(answer: Answer, asked: Asked) -> bool:
    if answer.status >= 500:
        _fail(asked, answer, f"answered with server error {answer.status}")
    return True


def content_type(answer: Answer, asked: Asked) -> bool:
    if answer.status >= 500 or not (answer.status == 200 or answer.is_client_error):
        return False
    if answer.status == 401 and asked.credentials == "none":
        return False  # exempt (decision in the catalogue)
    if answer.media_type != "application/json":
        _fail(asked, answer, f"content type is {answer.content_type!r}, not application/json")
    return True


# --- rules: the 200 body -------------------------------------------------------------------


def body_iccid(answer: Answer, asked: Asked) -> bool:
    body = answer.session_body
    if body is None:
        return False
    if "iccid" not in body:
        _fail(asked, answer, "the body has no iccid")
    value = body["iccid"]
    if not isinstance(value, str):
        _fail(asked, answer, f"iccid is a JSON {json_type(value)} ({value!r}), not a string")
    if value != asked.iccid:
        _fail(asked, answer, f"iccid {value!r} is not the requested {asked.iccid!r}")
    return True


def body_types(answer: Answer, asked: Asked) -> bool:
    body = answer.session_body
    if body is None:
        return False
    try:
        SessionInfo.model_validate(body)
    except ValidationError as exc:
        names = dict.fromkeys(str(error["loc"][0]) for error in exc.errors() if error["loc"])
        problems = [f"{name} is a JSON {json_type(body.get(name))} ({body.get(name)!r})" for name in names]
        expected = "dates and ipAddress must be strings or null, ipv6Address a string"
        _fail(asked, answer, f"wrong JSON types: {'; '.join(problems)} ({expected})")
    return True


def ipv4_present(answer: Answer, asked: Asked) -> bool:
    body = answer.session_body
    if body is None:
        return False
    if "ipAddress" not in body:
        _fail(asked, answer, "the body has no ipAddress key (it is 'always returned')")
    return True


def ipv4_format(answer: Answer, asked: Asked) -> bool:
    body = answer.session_body
    if body is None:
        return False
    value = body.get("ipAddress")
    if not isinstance(value, str) or _nullish("ipAddress", value):
        return False
    problem = ipv4_problem(value)
    if problem:
        _fail(asked, answer, f"ipAddress {value!r} {problem}")
    return True


def ipv6_never_null(answer: Answer, asked: Asked) -> bool:
    body = answer.session_body
    if body is None:
        return False
    if "ipv6Address" in body and _nullish("ipv6Address", body["ipv6Address"]):
        _fail(
            asked,
            answer,
            f"ipv6Address is {body['ipv6Address']!r}; without an IPv6 address the key must be absent",
        )
    return True


def ipv6_absent_without_address(answer: Answer, asked: Asked) -> bool:
    body = answer.session_body
    if body is None:
        return False
    value = body.get("ipv6Address")
    if value == "":
        _fail(asked, answer, "ipv6Address is an empty string; without an address it must be absent")
    if asked.device == "never_in_session" and "ipv6Address" in body and not _nullish("ipv6Address", value):
        _fail(asked, answer, f"a device never in session has ipv6Address {value!r}")
    if asked.device == "ipv4_only" and "ipv6Address" in body and not _nullish("ipv6Address", value):
        _fail(
            asked,
            answer,
            f"the target names this device's session IPv4-only, yet it has ipv6Address {value!r}",
        )
    return True


def ipv6_format(answer: Answer, asked: Asked) -> bool:
    body = answer.session_body
    if body is None:
        return False
    value = body.get("ipv6Address")
    if not isinstance(value, str) or value == "" or _nullish("ipv6Address", value):
        return False
    problem = ipv6_problem(value)
    if problem:
        _fail(asked, answer, f"ipv6Address {value!r} {problem}")
    return True


def ipv6_plain_address(answer: Answer, asked: Asked) -> bool:
    body = answer.session_body
    if body is None:
        return False
    value = body.get("ipv6Address")
    if not isinstance(value, str) or ipv6_problem(value) is not None:
        return False
    if "/" in value:
        _fail(asked, answer, f"ipv6Address {value!r} is a prefix, not an address")
    return True


def null_not_string(answer: Answer, asked: Asked) -> bool:
    body = answer.session_body
    if body is None:
        return False
    spelled = [
        f"{name}={body[name]!r}"
        for name in (*NULLABLE_FIELDS, "ipv6Address")
        if name in body and body[name] is not None and _nullish(name, body[name])
    ]
    if spelled:
        _fail(asked, answer, f"a missing value is spelled as a string: {', '.join(spelled)} (JSON null expected)")
    return True


def dates_present(answer: Answer, asked: Asked) -> bool:
    body = answer.session_body
    if body is None:
        return False
    missing = [name for name in DATE_FIELDS if name not in body]
    if missing:
        _fail(asked, answer, f"the body has no {' and no '.join(missing)} key")
    return True


def _written_dates(body: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(field, value) of each date field that holds a string other than a null stand-in."""
    for name in DATE_FIELDS:
        value = body.get(name)
        if isinstance(value, str) and not _nullish(name, value):
            yield name, value


def date_format(answer: Answer, asked: Asked) -> bool:
    body = answer.session_body
    if body is None:
        return False
    judged = False
    for name, value in _written_dates(body):
        judged = True
        if parse_date_time(value) is None:
            _fail(
                asked,
                answer,
                f"{name} {value!r} is not a date and time (neither the form of the vendor's "
                f"example, 2016-07-06 01:31:46.893+0000, nor any ISO 8601 date-time)",
            )
    return judged


def date_example_form(answer: Answer, asked: Asked) -> bool:
    body = answer.session_body
    if body is None:
        return False
    judged = False
    for name, value in _written_dates(body):
        if parse_date_time(value) is None:
            continue  # not a date at all: CC-DATE-FORMAT's
        judged = True
        if parse_date(value) is None:
            _fail(
                asked,
                answer,
                f"{name} {value!r} is a date-time, but not of the form of the vendor's example "
                f"'yyyy-MM-dd HH:mm:ss.SSS+hhmm' (2016-07-06 01:31:46.893+0000)",
            )
    return judged


def date_order(answer: Answer, asked: Asked) -> bool:
    body = answer.session_body
    if body is None:
        return False
    started, ended = (body.get(name) for name in DATE_FIELDS)
    if not (isinstance(started, str) and isinstance(ended, str)):
        return False
    start, end = parse_date_time(started), parse_date_time(ended)
    if start is None or end is None or (start.tzinfo is None) != (end.tzinfo is None):
        return False
    if end < start:
        _fail(asked, answer, f"the session ended ({ended}) before it started ({started})")
    return True


# --- rules: the device's state (only when the target says what the device is) --------------


def ipv4_null_never_session(answer: Answer, asked: Asked) -> bool:
    body = answer.session_body
    if body is None or asked.device != "never_in_session" or "ipAddress" not in body:
        return False
    if not _nullish("ipAddress", body["ipAddress"]):
        _fail(asked, answer, f"a device never in session has ipAddress {body['ipAddress']!r}, not null")
    return True


def dates_null_never_session(answer: Answer, asked: Asked) -> bool:
    body = answer.session_body
    if body is None or asked.device != "never_in_session":
        return False
    dated = [f"{name}={body[name]!r}" for name in DATE_FIELDS if name in body and not _nullish(name, body[name])]
    if dated:
        _fail(asked, answer, f"a device that never had a session has {', '.join(dated)}, not null")
    return True


def session_has_ip(answer: Answer, asked: Asked) -> bool:
    body = answer.session_body
    if body is None or asked.device not in HAD_A_SESSION:
        return False
    if not (_has_value(body, "ipAddress") or _has_value(body, "ipv6Address")):
        _fail(asked, answer, "the session has neither an ipAddress nor an ipv6Address value")
    return True


def ip_fields_match_session(answer: Answer, asked: Asked) -> bool:
    body = answer.session_body
    if body is None or asked.device not in ("ipv6_only", "dual_stack", "ipv4_only"):
        return False
    has_v4, has_v6 = _has_value(body, "ipAddress"), _has_value(body, "ipv6Address")
    if asked.device == "ipv6_only" and (has_v4 or not has_v6):
        _fail(
            asked,
            answer,
            "the target names this device's session IPv6-only: expected an ipv6Address and a null "
            f"ipAddress, got ipAddress={body.get('ipAddress')!r}, ipv6Address={body.get('ipv6Address', '(absent)')!r}",
        )
    if asked.device == "ipv4_only" and not has_v4:
        # An ipv6Address here is CC-IPV6-ABSENT-WITHOUT-ADDRESS's: one defect, one requirement.
        _fail(
            asked,
            answer,
            "the target names this device's session IPv4-only: expected an ipAddress, got "
            f"ipAddress={body.get('ipAddress')!r}",
        )
    if asked.device == "dual_stack" and not (has_v4 and has_v6):
        _fail(
            asked,
            answer,
            "the target names this device's session dual-stack: expected both addresses, got "
            f"ipAddress={body.get('ipAddress')!r}, ipv6Address={body.get('ipv6Address', '(absent)')!r}",
        )
    return True


def date_started_set(answer: Answer, asked: Asked) -> bool:
    body = answer.session_body
    if body is None or asked.device not in HAD_A_SESSION:
        return False
    if not _has_value(body, "dateSessionStarted"):
        _fail(
            asked,
            answer,
            f"dateSessionStarted is {body.get('dateSessionStarted', '(absent)')!r} for a device that had a session",
        )
    return True


def date_ended_null_in_session(answer: Answer, asked: Asked) -> bool:
    body = answer.session_body
    if body is None or asked.device != "in_session":
        return False
    if "dateSessionEnded" in body and not _nullish("dateSessionEnded", body["dateSessionEnded"]):
        _fail(asked, answer, f"a device in session has dateSessionEnded {body['dateSessionEnded']!r}, not null")
    return True


def date_ended_set(answer: Answer, asked: Asked) -> bool:
    body = answer.session_body
    if body is None or asked.device != "session_ended":
        return False
    if not _has_value(body, "dateSessionEnded"):
        _fail(
            asked,
            answer,
            f"dateSessionEnded is {body.get('dateSessionEnded', '(absent)')!r} for a device whose session ended",
        )
    return True


# --- rules: what comes back for each situation ---------------------------------------------


def ok_status(answer: Answer, asked: Asked) -> bool:
    if not (asked.provisioned and asked.is_regular) or answer.status >= 500:
        return False
    if answer.status != 200:
        _fail(asked, answer, "a provisioned device was not answered 200")
    if not isinstance(answer.json, dict):
        _fail(asked, answer, f"the 200 body is not a JSON object{answer.not_json_because}")
    return True


def _expect_error(answer: Answer, asked: Asked, expected: set[str], situation: str) -> bool:
    if answer.status >= 500:
        return False
    if not answer.is_client_error:
        _fail(asked, answer, f"{situation} was answered {answer.status}, not with an error")
    code = answer.error_code
    if code is None:
        return False  # no readable errorCode: CC-ERR-ENVELOPE reports it
    if code not in expected:
        _fail(asked, answer, f"{situation} was answered with errorCode {code}, expected {' or '.join(sorted(expected))}")
    return True


def err_unknown_iccid(answer: Answer, asked: Asked) -> bool:
    if asked.provisioned is not False or not asked.is_regular:
        return False
    return _expect_error(answer, asked, {INVALID_ICCID}, "an ICCID that is not provisioned")


def err_api_version(answer: Answer, asked: Asked) -> bool:
    if asked.credentials != "valid" or asked.api_version == CURRENT_API_VERSION:
        return False
    expected = {INVALID_API_VERSION}
    if asked.provisioned is not True:
        expected.add(INVALID_ICCID)  # both wrong: which check comes first is not documented
    return _expect_error(answer, asked, expected, f"apiVersion {asked.api_version!r}")


def err_bad_credentials(answer: Answer, asked: Asked) -> bool:
    if asked.credentials != "invalid":
        return False
    return _expect_error(answer, asked, {INVALID_CREDENTIALS}, "a request with wrong credentials")


def err_no_credentials(answer: Answer, asked: Asked) -> bool:
    if asked.credentials != "none" or answer.status >= 500:
        return False
    if answer.status != 401:
        _fail(asked, answer, f"a request without credentials was answered {answer.status}, not 401")
    body = answer.json
    if isinstance(body, dict) and "errorCode" in body and str(body["errorCode"]) != INVALID_CREDENTIALS:
        _fail(asked, answer, f"the 401 carries errorCode {body['errorCode']!r}, not {INVALID_CREDENTIALS}")
    return True


def auth_challenge(answer: Answer, asked: Asked) -> bool:
    if answer.status != 401:
        return False
    schemes = [value.strip().split(" ")[0].lower() for value in answer.www_authenticate]
    if "basic" not in schemes:
        found = ", ".join(answer.www_authenticate) or "no WWW-Authenticate header"
        _fail(asked, answer, f"the 401 offers no Basic challenge ({found})")
    return True


def err_envelope(answer: Answer, asked: Asked) -> bool:
    if not answer.is_client_error:
        return False
    if answer.status == 401 and asked.credentials == "none":
        return False  # exempt (decision in the catalogue)
    body = answer.json
    if not isinstance(body, dict):
        _fail(asked, answer, f"the error body is not a JSON object {{errorMessage, errorCode}}{answer.not_json_because}")
    try:
        ErrorEnvelope.model_validate(body)
    except ValidationError as exc:
        missing = [str(e["loc"][0]) for e in exc.errors() if e["type"] == "missing"]
        wrong = [f"{e['loc'][0]}={body.get(e['loc'][0])!r}" for e in exc.errors() if e["type"] != "missing"]
        parts = ([f"missing {', '.join(dict.fromkeys(missing))}"] if missing else []) + (
            [f"wrong type {', '.join(dict.fromkeys(wrong))}"] if wrong else []
        )
        _fail(asked, answer, f"the error body is not the documented envelope: {'; '.join(parts)}")
    if not body["errorMessage"].strip():
        _fail(asked, answer, "errorMessage is empty")
    if not str(body["errorCode"]).isdigit():
        _fail(asked, answer, f"errorCode {body['errorCode']!r} is not a numeric code")
    return True


def err_code_string(answer: Answer, asked: Asked) -> bool:
    body = answer.json
    if not answer.is_client_error or not isinstance(body, dict) or "errorCode" not in body:
        return False
    code = body["errorCode"]
    if isinstance(code, int) and not isinstance(code, bool):
        _fail(asked, answer, f"errorCode is the number {code}, not the string \"{code}\"")
    return isinstance(code, str)


def err_status_table(answer: Answer, asked: Asked) -> bool:
    code = answer.error_code
    if code is None or code not in ERROR_STATUS:
        return False
    if answer.status != ERROR_STATUS[code]:
        _fail(asked, answer, f"errorCode {code} came with HTTP {answer.status}; the vendor's table says {ERROR_STATUS[code]}")
    return True


Rule = Callable[[Answer, Asked], bool]

RULES: dict[str, Rule] = {
    "CC-NO-SERVER-ERROR": no_server_error,
    "CC-CONTENT-TYPE": content_type,
    "CC-OK-STATUS": ok_status,
    "CC-BODY-ICCID": body_iccid,
    "CC-BODY-TYPES": body_types,
    "CC-IPV4-PRESENT": ipv4_present,
    "CC-IPV4-FORMAT": ipv4_format,
    "CC-IPV4-NULL-NEVER-SESSION": ipv4_null_never_session,
    "CC-IPV6-NEVER-NULL": ipv6_never_null,
    "CC-IPV6-ABSENT-WITHOUT-ADDRESS": ipv6_absent_without_address,
    "CC-IPV6-FORMAT": ipv6_format,
    "CC-IPV6-PLAIN-ADDRESS": ipv6_plain_address,
    "CC-IP-FIELDS-MATCH-SESSION": ip_fields_match_session,
    "CC-NULL-NOT-STRING": null_not_string,
    "CC-SESSION-HAS-IP": session_has_ip,
    "CC-DATES-NULL-NEVER-SESSION": dates_null_never_session,
    "CC-DATES-PRESENT": dates_present,
    "CC-DATE-STARTED-SET": date_started_set,
    "CC-DATE-ENDED-NULL-IN-SESSION": date_ended_null_in_session,
    "CC-DATE-ENDED-SET": date_ended_set,
    "CC-DATE-ORDER": date_order,
    "CC-DATE-FORMAT": date_format,
    "CC-DATE-EXAMPLE-FORM": date_example_form,
    "CC-ERR-ENVELOPE": err_envelope,
    "CC-ERR-CODE-STRING": err_code_string,
    "CC-ERR-STATUS-TABLE": err_status_table,
    "CC-ERR-UNKNOWN-ICCID": err_unknown_iccid,
    "CC-ERR-API-VERSION": err_api_version,
    "CC-ERR-BAD-CREDENTIALS": err_bad_credentials,
    "CC-ERR-NO-CREDENTIALS": err_no_credentials,
    "CC-AUTH-CHALLENGE": auth_challenge,
}

BODY_RULES: tuple[str, ...] = (
    "CC-BODY-ICCID",
    "CC-BODY-TYPES",
    "CC-IPV4-PRESENT",
    "CC-IPV4-FORMAT",
    "CC-IPV6-NEVER-NULL",
    "CC-IPV6-ABSENT-WITHOUT-ADDRESS",
    "CC-IPV6-FORMAT",
    "CC-IPV6-PLAIN-ADDRESS",
    "CC-NULL-NOT-STRING",
    "CC-DATES-PRESENT",
    "CC-DATE-FORMAT",
    "CC-DATE-EXAMPLE-FORM",
)
"""What every 200 body is judged on, whatever the device is doing: the base the suite's tests
declare, each adding the rules its own situation makes judgeable."""

STATE_FREE: frozenset[str] = frozenset(
    {
        "CC-NO-SERVER-ERROR",
        "CC-CONTENT-TYPE",
        *BODY_RULES,
        "CC-DATE-ORDER",
        "CC-ERR-ENVELOPE",
        "CC-ERR-CODE-STRING",
        "CC-ERR-STATUS-TABLE",
        "CC-AUTH-CHALLENGE",
    }
)
"""Rules that need nothing but the answer and the request line: safe for any generated request,
and the ones registered as Schemathesis custom checks."""


@dataclass
class Verdicts:
    """The outcome of the rules on one answer: requirement ID -> None (pass) or failure text."""

    results: dict[str, str | None] = field(default_factory=dict)
    problems: dict[str, str] = field(default_factory=dict)
    """Failure texts without the exchange (for findings about the vendor's own examples)."""

    @property
    def failures(self) -> dict[str, str]:
        return {rid: text for rid, text in self.results.items() if text is not None}

    @property
    def passed(self) -> list[str]:
        return [rid for rid, text in self.results.items() if text is None]


def judge(answer: Answer, asked: Asked, requirement_ids: Iterable[str] | None = None) -> Verdicts:
    """Apply the rules (all, or those named) to one answer."""
    verdicts = Verdicts()
    for requirement_id in requirement_ids if requirement_ids is not None else RULES:
        rule = RULES[requirement_id]
        try:
            applied = rule(answer, asked)
        except AssertionError as exc:
            verdicts.results[requirement_id] = str(exc)
            verdicts.problems[requirement_id] = getattr(exc, "problem", str(exc))
        else:
            if applied:
                verdicts.results[requirement_id] = None
    return verdicts
