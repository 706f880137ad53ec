"""The catalogue's rules for Get Session Details, one per requirement ID, on the core rulebook.

Every rule has the rulebook's one signature::

    rule(answer: Answer, asked: Asked) -> bool

It returns ``True`` when it judged the answer and found it right, ``False`` when the answer is
outside its scope (said once, above the rule, with :func:`applies_when`), and raises
:class:`RuleFailure` with a readable message when the answer breaks the requirement. ``Asked``
says what the suite asked and what it knows about the device; rules that depend on the device's
state only judge when the suite knows that state (:mod:`.model`).

The rules split the work so that one defect is reported under one ID (see the header of
``requirements.toml``): a 5xx is only CC-NO-SERVER-ERROR's; an error body without a readable
errorCode is only CC-ERR-ENVELOPE's; the string "null" counts as null for every rule except
CC-NULL-NOT-STRING; a value of the wrong JSON type is only CC-BODY-TYPES's.

The same rulebook serves the suite's steps (:mod:`.steps`), the Schemathesis custom checks
(:mod:`.schemathesis_checks`), the vendor-example findings and the traffic judge.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from typing import Any

from pydantic import ValidationError

from pytest_sessionapi.rulebook import Answer, RuleFailure, Rulebook, applies_when

from .client import CURRENT_API_VERSION
from .model import (
    ADDRESSED_SESSIONS,
    ERROR_STATUS,
    HAD_A_SESSION,
    INVALID_API_VERSION,
    INVALID_CREDENTIALS,
    INVALID_ICCID,
    NO_ROLE_ACCESS,
    Asked,
    DeviceState,
    Situation,
    situation,
)
from .models import DATE_FIELDS, NULLABLE_FIELDS, SessionInfo


RULES: Rulebook[Asked] = Rulebook("controlcenter")

# yyyy-MM-dd HH:mm:ss.SSS then a numeric offset without a colon (the page's response example).
DATE_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}[+-]\d{4}$")
_DATE_FORMAT = "%Y-%m-%d %H:%M:%S.%f%z"
_ISO_DATE_TIME = re.compile(
    r"^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(\.\d{1,9})?(Z|[+-]\d{2}:?\d{2})?$"
)
_EPOCH_TEXT = re.compile(r"^\d{10}(\d{3})?$")
_IPV4_TEXT = re.compile(r"^\d{1,3}(\.\d{1,3}){3}$")
_PREFIX_LENGTH = re.compile(r"^(0|[1-9]\d{0,2})$")


# --- reading an answer ------------------------------------------------------------------------


def session_body(answer: Answer) -> dict[str, Any] | None:
    """The 200 body when it is a JSON object, else None (nothing for body rules to judge)."""
    body = answer.json
    if answer.status == 200 and isinstance(body, dict):
        return body
    return None


def error_code(answer: Answer) -> str | None:
    """The errorCode of a 4xx body as text, when there is a readable one (the digits of a code,
    as a string or a number); anything else is CC-ERR-ENVELOPE's to report."""
    body = answer.json
    if not answer.is_client_error or not isinstance(body, dict):
        return None
    code = error_parts(body)[0]
    if isinstance(code, bool) or not isinstance(code, str | int):
        return None
    text = str(code).strip()
    return text if text.isascii() and text.isdigit() else None


def documented_iccid_form(iccid: str) -> bool:
    """19 or 20 digits, the forms of the page's own ICCIDs (its Request Example's 19, its ruby
    sample's 20), whatever the Luhn check digit says (the Request Example's fails it)."""
    return iccid.isascii() and iccid.isdigit() and len(iccid) in (19, 20)


def refused_current_version(answer: Answer, asked: Asked) -> bool:
    """apiVersion 1 asked with valid credentials, refused as an invalid apiVersion: the
    refusal of the documented value is CC-API-VERSION-CURRENT's, not the situation's."""
    return (
        asked.credentials == "valid"
        and asked.api_version == CURRENT_API_VERSION
        and error_code(answer) == INVALID_API_VERSION
    )


# Codes that name a cause other than the ICCID's form: a 400 carrying one of them is judged by
# that cause's requirement (20000001 with 400 is CC-ERR-STATUS-TABLE's: the server said "not
# found" with the wrong status).
_OTHER_CAUSES = frozenset({INVALID_CREDENTIALS, INVALID_API_VERSION, INVALID_ICCID, NO_ROLE_ACCESS})


def refused_iccid_form(answer: Answer, asked: Asked) -> bool:
    """An ICCID of a documented form, asked with valid credentials and apiVersion 1, refused as
    a bad request (400) for no other documented cause: CC-ICCID-DOCUMENTED-FORMS's."""
    return (
        asked.is_regular
        and documented_iccid_form(asked.iccid)
        and answer.status == 400
        and error_code(answer) not in _OTHER_CAUSES
    )


def _refused_documented_value(answer: Answer, asked: Asked) -> bool:
    return refused_current_version(answer, asked) or refused_iccid_form(answer, asked)


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    return {str: "string", list: "array", dict: "object"}.get(type(value), type(value).__name__)


def parse_date(value: str) -> datetime | None:
    """The documented date form, as an aware datetime; None when the text is not that form."""
    if not DATE_PATTERN.match(value):
        return None
    try:
        return datetime.strptime(value, _DATE_FORMAT)
    except ValueError:
        return None


def parse_date_time(value: str) -> datetime | None:
    """The point in time a date value denotes, or None: the documented form, any other ISO 8601
    form (T or space, optional fraction, Z or an offset with or without a colon, or none), or a
    Unix time written as text (10 digits: seconds, 13: milliseconds). The page says a date is
    'the time when', and shows one form by example only; every common way to write a time
    denotes one."""
    documented = parse_date(value)
    if documented is not None:
        return documented
    if _EPOCH_TEXT.match(value):
        return datetime.fromtimestamp(int(value) / (1000 if len(value) == 13 else 1), timezone.utc)
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


def not_a_device_address(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    """Why ``address`` cannot be an address a device used in a session, or None: the
    unspecified address (0.0.0.0, ::), loopback, multicast, the limited broadcast."""
    if address.is_unspecified:
        return "is the unspecified address, a placeholder, not an address a device used"
    if address.is_loopback:
        return "is a loopback address, which never leaves a host"
    if address.is_multicast:
        return "is a multicast group, not a device's address"
    if address == ipaddress.IPv4Address("255.255.255.255"):
        return "is the limited broadcast address, not a device's address"
    return None


def _session_address_problem(value: str, asked: Asked) -> str | None:
    """For a device not known to be never in session (there, any address is the null rule's)."""
    if asked.device == "never_in_session":
        return None
    text = value.partition("/")[0]
    return not_a_device_address(ipaddress.ip_address(text))


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


def _fail(asked: Asked, answer: Answer, problem: str) -> None:
    raise RuleFailure(problem, f"{asked.describe()} -> {answer.describe()}")


def _nullish(name: str, value: Any) -> bool:
    """Null in the lenient reading: JSON null or the vendor example's string "null"; for
    ipAddress, whose value without IPv4 the vendor leaves unspecified, also ""."""
    return value is None or value == "null" or (name == "ipAddress" and value == "")


def _has_value(body: Mapping[str, Any], name: str) -> bool:
    return name in body and not _nullish(name, body[name]) and body[name] != ""


def _written_dates(body: dict[str, Any], *, numbers: bool = False) -> Iterator[tuple[str, str]]:
    """(field, value) of each date field that holds a string other than a null stand-in; with
    ``numbers``, a JSON integer too, as its digits (a Unix time denotes a time as well: its JSON
    type is CC-BODY-TYPES's to judge, not what it means)."""
    for name in DATE_FIELDS:
        value = body.get(name)
        if numbers and isinstance(value, int) and not isinstance(value, bool):
            yield name, str(value)
        elif isinstance(value, str) and value.strip() and not _nullish(name, value):
            yield name, value  # a blank is no date at all: the rules on set and null dates judge it


# --- scopes -------------------------------------------------------------------------------------


def _a_session_body(answer: Answer, asked: Asked) -> bool:
    return session_body(answer) is not None


def _device_in(*states: DeviceState) -> Any:
    def in_states(answer: Answer, asked: Asked) -> bool:
        return asked.device in states and session_body(answer) is not None

    in_states.__name__ = f"a 200 body of a device {' or '.join(states)}"
    return in_states


def _exempt_pre_auth(answer: Answer, asked: Asked) -> bool:
    return not (answer.status == 401 and asked.credentials == "none")


EXEMPT_PRE_AUTH = "not the 401 to a request without credentials (exempt: decision in the catalogue)"
SESSION_BODY = "a 200 answer whose body is a JSON object"
NOT_A_SERVER_ERROR = "any answer but a 5xx (a 5xx is CC-NO-SERVER-ERROR's alone)"


# --- rules: any answer ---------------------------------------------------------------------


@RULES.rule("CC-NO-SERVER-ERROR")
def no_server_error(answer: Answer, asked: Asked) -> bool:
    if answer.status >= 500:
        _fail(asked, answer, f"answered with server error {answer.status}")
    return True


@RULES.rule("CC-CONTENT-TYPE")
@applies_when(lambda answer, asked: answer.status == 200 or answer.is_client_error, "a 200 or a 4xx")
@applies_when(_exempt_pre_auth, EXEMPT_PRE_AUTH)
def content_type(answer: Answer, asked: Asked) -> bool:
    if answer.media_type != "application/json":
        _fail(asked, answer, f"content type is {answer.content_type!r}, not application/json")
    return True


# --- rules: the 200 body -------------------------------------------------------------------


@RULES.rule("CC-BODY-ICCID")
@applies_when(_a_session_body, SESSION_BODY)
def body_iccid(answer: Answer, asked: Asked) -> bool:
    body = answer.json
    if "iccid" not in body:
        _fail(asked, answer, "the body has no iccid")
    value = body["iccid"]
    if not isinstance(value, str):
        _fail(asked, answer, f"iccid is a JSON {json_type(value)} ({value!r}), not a string")
    if value != asked.iccid:
        _fail(asked, answer, f"iccid {value!r} is not the requested {asked.iccid!r}")
    return True


@RULES.rule("CC-BODY-TYPES")
@applies_when(_a_session_body, SESSION_BODY)
def body_types(answer: Answer, asked: Asked) -> bool:
    body = answer.json
    try:
        SessionInfo.model_validate(body)
    except ValidationError as exc:
        names = dict.fromkeys(str(error["loc"][0]) for error in exc.errors() if error["loc"])
        problems = [f"{name} is a JSON {json_type(body.get(name))} ({body.get(name)!r})" for name in names]
        expected = "dates and ipAddress must be strings or null, ipv6Address a string"
        _fail(asked, answer, f"wrong JSON types: {'; '.join(problems)} ({expected})")
    return True


@RULES.rule("CC-IPV4-PRESENT")
@applies_when(_a_session_body, SESSION_BODY)
def ipv4_present(answer: Answer, asked: Asked) -> bool:
    if "ipAddress" not in answer.json:
        _fail(asked, answer, "the body has no ipAddress key (it is 'always returned')")
    return True


@RULES.rule("CC-IPV4-FORMAT")
@applies_when(_a_session_body, SESSION_BODY)
def ipv4_format(answer: Answer, asked: Asked) -> bool:
    value = answer.json.get("ipAddress")
    if not isinstance(value, str) or _nullish("ipAddress", value):
        return False
    problem = ipv4_problem(value) or _session_address_problem(value, asked)
    if problem:
        _fail(asked, answer, f"ipAddress {value!r} {problem}")
    return True


@RULES.rule("CC-IPV6-NEVER-NULL")
@applies_when(_a_session_body, SESSION_BODY)
def ipv6_never_null(answer: Answer, asked: Asked) -> bool:
    body = answer.json
    if "ipv6Address" in body and _nullish("ipv6Address", body["ipv6Address"]):
        _fail(
            asked,
            answer,
            f"ipv6Address is {body['ipv6Address']!r}; without an IPv6 address the key must be absent",
        )
    return True


@RULES.rule("CC-IPV6-ABSENT-WITHOUT-ADDRESS")
@applies_when(_a_session_body, SESSION_BODY)
def ipv6_absent_without_address(answer: Answer, asked: Asked) -> bool:
    body = answer.json
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


@RULES.rule("CC-IPV6-FORMAT")
@applies_when(_a_session_body, SESSION_BODY)
def ipv6_format(answer: Answer, asked: Asked) -> bool:
    value = answer.json.get("ipv6Address")
    if not isinstance(value, str) or value == "" or _nullish("ipv6Address", value):
        return False
    problem = ipv6_problem(value) or _session_address_problem(value, asked)
    if problem:
        _fail(asked, answer, f"ipv6Address {value!r} {problem}")
    return True


@RULES.rule("CC-IPV6-PLAIN-ADDRESS")
@applies_when(_a_session_body, SESSION_BODY)
def ipv6_plain_address(answer: Answer, asked: Asked) -> bool:
    value = answer.json.get("ipv6Address")
    if not isinstance(value, str) or ipv6_problem(value) is not None:
        return False  # absent, null or not an address: other rules'
    if "/" in value:
        _fail(asked, answer, f"ipv6Address {value!r} is a prefix, not an address")
    return True


@RULES.rule("CC-NULL-NOT-STRING")
@applies_when(_a_session_body, SESSION_BODY)
def null_not_string(answer: Answer, asked: Asked) -> bool:
    body = answer.json
    spelled = [
        f"{name}={body[name]!r}"
        for name in (*NULLABLE_FIELDS, "ipv6Address")
        if name in body and body[name] is not None and _nullish(name, body[name])
        # "" where the page says null outright is CC-IPV4-NULL-NEVER-SESSION's, a MUST.
        and not (name == "ipAddress" and body[name] == "" and asked.device == "never_in_session")
    ]
    if spelled:
        _fail(asked, answer, f"a missing value is spelled as a string: {', '.join(spelled)} (JSON null expected)")
    return True


@RULES.rule("CC-DATES-PRESENT")
@applies_when(_a_session_body, SESSION_BODY)
def dates_present(answer: Answer, asked: Asked) -> bool:
    missing = [name for name in DATE_FIELDS if name not in answer.json]
    if missing:
        _fail(asked, answer, f"the body has no {' and no '.join(missing)} key")
    return True


@RULES.rule("CC-DATE-FORMAT")
@applies_when(_a_session_body, SESSION_BODY)
def date_format(answer: Answer, asked: Asked) -> bool:
    judged = False
    for name, value in _written_dates(answer.json, numbers=True):
        judged = True
        if parse_date_time(value) is None:
            _fail(
                asked,
                answer,
                f"{name} {value!r} is not a time (neither the form of the vendor's example, "
                f"2016-07-06 01:31:46.893+0000, nor any ISO 8601 date-time, nor Unix time)",
            )
    return judged


@RULES.rule("CC-DATE-EXAMPLE-FORM")
@applies_when(_a_session_body, SESSION_BODY)
def date_example_form(answer: Answer, asked: Asked) -> bool:
    judged = False
    for name, value in _written_dates(answer.json):
        if parse_date_time(value) is None:
            continue  # not a date at all: CC-DATE-FORMAT's
        judged = True
        if parse_date(value) is None:
            _fail(
                asked,
                answer,
                f"{name} {value!r} is a time, but not written in the form of the vendor's example "
                f"'yyyy-MM-dd HH:mm:ss.SSS+hhmm' (2016-07-06 01:31:46.893+0000)",
            )
    return judged


@RULES.rule("CC-DATE-ORDER")
@applies_when(_a_session_body, SESSION_BODY)
def date_order(answer: Answer, asked: Asked) -> bool:
    written = dict(_written_dates(answer.json, numbers=True))
    if len(written) != len(DATE_FIELDS):
        return False
    started, ended = (written[name] for name in DATE_FIELDS)
    start, end = parse_date_time(started), parse_date_time(ended)
    if start is None or end is None or (start.tzinfo is None) != (end.tzinfo is None):
        return False
    if end < start:
        _fail(asked, answer, f"the session ended ({ended}) before it started ({started})")
    return True


# A session date later than this after the answer's own time is in the future: room for the
# clocks of the server and of the suite to disagree, far below a time-zone slip (an hour or more).
CLOCK_SKEW = timedelta(minutes=10)


def answer_time(answer: Answer) -> datetime:
    """When the answer was given: its Date header (the server's own clock), else now (the
    rules judge an answer as it arrives; judged later, from a file, only more leniently)."""
    header = answer.header("date")
    if header:
        try:
            when = parsedate_to_datetime(header)
        except (TypeError, ValueError, IndexError):
            when = None
        if when is not None and when.tzinfo is not None:
            return when
    return datetime.now(timezone.utc)


@RULES.rule("CC-DATES-NOT-FUTURE")
@applies_when(_a_session_body, SESSION_BODY)
def dates_not_future(answer: Answer, asked: Asked) -> bool:
    judged = False
    latest = answer_time(answer) + CLOCK_SKEW
    for name, value in _written_dates(answer.json, numbers=True):
        when = parse_date_time(value)
        if when is None or when.tzinfo is None:
            continue  # not a date (CC-DATE-FORMAT's), or no offset: no instant to compare
        judged = True
        if when > latest:
            _fail(asked, answer, f"{name} {value!r} is later than the answer itself ({latest - CLOCK_SKEW:%Y-%m-%d %H:%M:%S%z}): a session cannot have begun or ended in the future")
    return judged


# --- rules: the device's state (only when the target says what the device is) --------------


@RULES.rule("CC-IPV4-NULL-NEVER-SESSION")
@applies_when(_device_in("never_in_session"), "a 200 body of a device never in session")
@applies_when(lambda answer, asked: "ipAddress" in answer.json, "the body has an ipAddress")
def ipv4_null_never_session(answer: Answer, asked: Asked) -> bool:
    value = answer.json["ipAddress"]
    # The page says null here, so "" (a value, however empty) fails; only the example's own
    # string "null" is read as null (CC-NULL-NOT-STRING reports its spelling).
    if value is not None and value != "null":
        _fail(asked, answer, f"a device never in session has ipAddress {value!r}, not null")
    return True


@RULES.rule("CC-DATES-NULL-NEVER-SESSION")
@applies_when(_device_in("never_in_session"), "a 200 body of a device never in session")
def dates_null_never_session(answer: Answer, asked: Asked) -> bool:
    body = answer.json
    dated = [f"{name}={body[name]!r}" for name in DATE_FIELDS if name in body and not _nullish(name, body[name])]
    if dated:
        _fail(asked, answer, f"a device that never had a session has {', '.join(dated)}, not null")
    return True


@RULES.rule("CC-SESSION-HAS-IP")
@applies_when(_device_in(*sorted(HAD_A_SESSION)), "a 200 body of a device that had a session")
def session_has_ip(answer: Answer, asked: Asked) -> bool:
    body = answer.json
    if not (_has_value(body, "ipAddress") or _has_value(body, "ipv6Address")):
        _fail(asked, answer, "the session has neither an ipAddress nor an ipv6Address value")
    return True


@RULES.rule("CC-IP-FIELDS-MATCH-SESSION")
@applies_when(
    _device_in(*sorted(ADDRESSED_SESSIONS)),
    "a 200 body of a device whose session the target names IPv6-only, dual-stack or IPv4-only",
)
def ip_fields_match_session(answer: Answer, asked: Asked) -> bool:
    body = answer.json
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


@RULES.rule("CC-DATE-STARTED-SET")
@applies_when(_device_in(*sorted(HAD_A_SESSION)), "a 200 body of a device that had a session")
def date_started_set(answer: Answer, asked: Asked) -> bool:
    body = answer.json
    if not _has_value(body, "dateSessionStarted"):
        _fail(
            asked,
            answer,
            f"dateSessionStarted is {body.get('dateSessionStarted', '(absent)')!r} for a device that had a session",
        )
    return True


@RULES.rule("CC-DATE-ENDED-NULL-IN-SESSION")
@applies_when(_device_in("in_session"), "a 200 body of a device in session")
def date_ended_null_in_session(answer: Answer, asked: Asked) -> bool:
    body = answer.json
    if "dateSessionEnded" in body and not _nullish("dateSessionEnded", body["dateSessionEnded"]):
        _fail(asked, answer, f"a device in session has dateSessionEnded {body['dateSessionEnded']!r}, not null")
    return True


@RULES.rule("CC-DATE-ENDED-SET")
@applies_when(_device_in("session_ended"), "a 200 body of a device whose session ended")
def date_ended_set(answer: Answer, asked: Asked) -> bool:
    body = answer.json
    if not _has_value(body, "dateSessionEnded"):
        _fail(
            asked,
            answer,
            f"dateSessionEnded is {body.get('dateSessionEnded', '(absent)')!r} for a device whose session ended",
        )
    return True


# --- rules: what comes back for each situation (the answers :mod:`.model` documents) -----------


def _not_a_server_error(answer: Answer, asked: Asked) -> bool:
    return answer.status < 500


NOT_A_DOCUMENTED_VALUE_REFUSED = (
    "not a refusal of apiVersion 1 or of an ICCID's documented form (each is the requirement of "
    "that value's: CC-API-VERSION-CURRENT, CC-ICCID-DOCUMENTED-FORMS)"
)


@RULES.rule("CC-API-VERSION-CURRENT")
@applies_when(lambda answer, asked: asked.credentials == "valid" and asked.api_version == CURRENT_API_VERSION,
              "apiVersion 1 asked with valid credentials")
@applies_when(_not_a_server_error, NOT_A_SERVER_ERROR)
def api_version_current(answer: Answer, asked: Asked) -> bool:
    if refused_current_version(answer, asked):
        _fail(asked, answer, f"apiVersion 1, the current version, was refused with {INVALID_API_VERSION} (Invalid apiVersion)")
    return True


@RULES.rule("CC-ICCID-DOCUMENTED-FORMS")
@applies_when(lambda answer, asked: asked.is_regular and documented_iccid_form(asked.iccid),
              "an ICCID of 19 or 20 digits asked with valid credentials and apiVersion 1")
@applies_when(_not_a_server_error, NOT_A_SERVER_ERROR)
def iccid_documented_forms(answer: Answer, asked: Asked) -> bool:
    if refused_iccid_form(answer, asked):
        luhn = "passes" if luhn_valid(asked.iccid) else "fails"
        _fail(
            asked,
            answer,
            f"an ICCID of {len(asked.iccid)} digits (its check digit {luhn} Luhn) was refused as a bad "
            "request; the page's own ICCIDs have 19 and 20 digits and its Request Example's fails "
            "Luhn, and the only documented refusal of an ICCID is 404 20000001",
        )
    return True


def luhn_valid(number: str) -> bool:
    """Whether the last digit of ``number`` is its Luhn check digit (ISO/IEC 7812)."""
    total = 0
    for index, char in enumerate(reversed(number)):
        digit = int(char) * (2 if index % 2 else 1)
        total += digit - 9 if digit > 9 else digit
    return total % 10 == 0


@RULES.rule("CC-OK-STATUS")
@applies_when(lambda answer, asked: bool(asked.provisioned) and asked.is_regular,
              "a provisioned device asked with valid credentials and the current apiVersion")
@applies_when(_not_a_server_error, NOT_A_SERVER_ERROR)
@applies_when(lambda answer, asked: not _refused_documented_value(answer, asked), NOT_A_DOCUMENTED_VALUE_REFUSED)
def ok_status(answer: Answer, asked: Asked) -> bool:
    if answer.status not in situation(asked).statuses:
        _fail(asked, answer, "a provisioned device was not answered 200")
    if not isinstance(answer.json, dict):
        _fail(asked, answer, f"the 200 body is not a JSON object{answer.not_json_because}")
    return True


def _expect_error(answer: Answer, asked: Asked, expected: Situation) -> bool:
    """The answer is a 4xx with one of the situation's errorCodes (no readable errorCode:
    CC-ERR-ENVELOPE's, nothing judged here)."""
    what = expected.what.format(api_version=asked.api_version)
    if not answer.is_client_error:
        _fail(asked, answer, f"{what} was answered {answer.status}, not with an error")
    code = error_code(answer)
    if code is None:
        return False  # no readable errorCode: CC-ERR-ENVELOPE reports it
    if code not in expected.error_codes:
        _fail(asked, answer, f"{what} was answered with errorCode {code}, expected {' or '.join(sorted(expected.error_codes))}")
    return True


@RULES.rule("CC-ERR-UNKNOWN-ICCID")
@applies_when(lambda answer, asked: asked.provisioned is False and asked.is_regular,
              "an ICCID known not to be provisioned, asked with valid credentials and apiVersion 1")
@applies_when(_not_a_server_error, NOT_A_SERVER_ERROR)
@applies_when(lambda answer, asked: not _refused_documented_value(answer, asked), NOT_A_DOCUMENTED_VALUE_REFUSED)
def err_unknown_iccid(answer: Answer, asked: Asked) -> bool:
    return _expect_error(answer, asked, situation(asked))


@RULES.rule("CC-ERR-API-VERSION")
@applies_when(lambda answer, asked: asked.credentials == "valid" and asked.api_version != CURRENT_API_VERSION,
              "another apiVersion asked with valid credentials")
@applies_when(_not_a_server_error, NOT_A_SERVER_ERROR)
def err_api_version(answer: Answer, asked: Asked) -> bool:
    return _expect_error(answer, asked, situation(asked))


@RULES.rule("CC-ERR-BAD-CREDENTIALS")
@applies_when(lambda answer, asked: asked.credentials == "invalid", "a request with wrong credentials")
@applies_when(_not_a_server_error, NOT_A_SERVER_ERROR)
def err_bad_credentials(answer: Answer, asked: Asked) -> bool:
    return _expect_error(answer, asked, situation(asked))


@RULES.rule("CC-ERR-NO-CREDENTIALS")
@applies_when(lambda answer, asked: asked.credentials == "none", "a request without credentials")
@applies_when(_not_a_server_error, NOT_A_SERVER_ERROR)
def err_no_credentials(answer: Answer, asked: Asked) -> bool:
    if answer.status != 401:
        _fail(asked, answer, f"a request without credentials was answered {answer.status}, not 401")
    body = answer.json
    if isinstance(body, dict) and "errorCode" in body and str(body["errorCode"]) != INVALID_CREDENTIALS:
        _fail(asked, answer, f"the 401 carries errorCode {body['errorCode']!r}, not {INVALID_CREDENTIALS}")
    return True


@RULES.rule("CC-AUTH-CHALLENGE")
@applies_when(lambda answer, asked: answer.status == 401, "a 401 answer")
def auth_challenge(answer: Answer, asked: Asked) -> bool:
    challenges = answer.header_list("www-authenticate")
    schemes = [value.strip().split(" ")[0].lower() for value in challenges]
    if "basic" not in schemes:
        found = ", ".join(challenges) or "no WWW-Authenticate header"
        _fail(asked, answer, f"the 401 offers no Basic challenge ({found})")
    return True


# Keys under which a body may carry the message when it does not use errorMessage.
_MESSAGE_WORDS = ("message", "description", "detail", "reason", "title")


def error_parts(body: dict[str, Any]) -> tuple[Any, Any]:
    """(code, message) of an error body, each None when absent: ``errorCode`` and
    ``errorMessage`` when the body has them, else a top-level value under another key that says
    what it is (a key with 'code' in it; 'error', or one with 'message', 'description',
    'detail'... and no 'code')."""
    code = body["errorCode"] if "errorCode" in body else next(
        (value for key, value in body.items() if "code" in key.lower()), None
    )
    message = body["errorMessage"] if "errorMessage" in body else next(
        (
            value
            for key, value in body.items()
            if "code" not in key.lower() and (key.lower() == "error" or any(w in key.lower() for w in _MESSAGE_WORDS))
        ),
        None,
    )
    return code, message


def envelope_problem(answer: Answer) -> str | None:
    """What keeps an error body from carrying its code and a message (CC-ERR-ENVELOPE), or
    None. The page's errors table gives every error a code and a message; it names no keys."""
    body = answer.json
    if not isinstance(body, dict):
        return f"the error body is not a JSON object carrying an error code and message{answer.not_json_because}"
    code, message = error_parts(body)
    problems = []
    if code is None:
        problems.append("no error code")
    elif isinstance(code, bool) or not isinstance(code, str | int) or not str(code).strip().isdigit():
        problems.append(f"the error code {code!r} is not a numeric code")
    if message is None:
        problems.append("no error message")
    elif not isinstance(message, str) or not message.strip():
        problems.append(f"the error message {message!r} is not human-readable text")
    return f"the error body carries {' and '.join(problems)}" if problems else None


@RULES.rule("CC-ERR-ENVELOPE")
@applies_when(lambda answer, asked: answer.is_client_error, "a 4xx answer")
@applies_when(_exempt_pre_auth, EXEMPT_PRE_AUTH)
def err_envelope(answer: Answer, asked: Asked) -> bool:
    problem = envelope_problem(answer)
    if problem:
        _fail(asked, answer, problem)
    return True


@RULES.rule("CC-ERR-FIELD-NAMES")
@applies_when(lambda answer, asked: answer.is_client_error, "a 4xx answer")
@applies_when(_exempt_pre_auth, EXEMPT_PRE_AUTH)
@applies_when(lambda answer, asked: envelope_problem(answer) is None,
              "an error body that carries a code and a message (else CC-ERR-ENVELOPE's)")
def err_field_names(answer: Answer, asked: Asked) -> bool:
    missing = [name for name in ("errorCode", "errorMessage") if name not in answer.json]
    if missing:
        _fail(asked, answer, f"the error body names its code and message otherwise: no {' and no '.join(missing)} key")
    return True


@RULES.rule("CC-ERR-CODE-STRING")
@applies_when(
    lambda answer, asked: answer.is_client_error and isinstance(answer.json, dict) and "errorCode" in answer.json,
    "a 4xx whose body is an object with an errorCode",
)
def err_code_string(answer: Answer, asked: Asked) -> bool:
    code = answer.json["errorCode"]
    if isinstance(code, int) and not isinstance(code, bool):
        _fail(asked, answer, f"errorCode is the number {code}, not the string \"{code}\"")
    return isinstance(code, str)


@RULES.rule("CC-ERR-STATUS-TABLE")
@applies_when(lambda answer, asked: error_code(answer) in ERROR_STATUS, "a 4xx with an errorCode of the vendor's table")
def err_status_table(answer: Answer, asked: Asked) -> bool:
    code = error_code(answer)
    if answer.status != ERROR_STATUS[code]:
        _fail(asked, answer, f"errorCode {code} came with HTTP {answer.status}; the vendor's table says {ERROR_STATUS[code]}")
    return True


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
        "CC-API-VERSION-CURRENT",
        "CC-ICCID-DOCUMENTED-FORMS",
        "CC-CONTENT-TYPE",
        *BODY_RULES,
        "CC-DATE-ORDER",
        "CC-DATES-NOT-FUTURE",
        "CC-ERR-ENVELOPE",
        "CC-ERR-FIELD-NAMES",
        "CC-ERR-CODE-STRING",
        "CC-ERR-STATUS-TABLE",
        "CC-AUTH-CHALLENGE",
    }
)
"""Rules that need nothing but the answer and the request line: safe for any generated request,
and the ones registered as Schemathesis custom checks."""
