"""The catalogue's state-free rules as Schemathesis custom checks, and the mapping of every
Schemathesis failure on a UMTS answer back to one requirement ID.

Importing this module registers the checks (``umts_...``) once per process; each ignores
operations that are not UMTS's, so the registration cannot disturb another API's tests.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import httpx
import schemathesis
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import (
    Failure,
    FailureGroup,
    MalformedJson,
    ServerError,
)
from schemathesis.openapi.checks import (
    JsonSchemaError,
    MalformedMediaType,
    MissingContentType,
    UndefinedContentType,
    UndefinedStatusCode,
)
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from pytest_sessionapi.schemathesis_support import (
    RequirementViolation,
    as_httpx,
    carried_requirement,
    validate_response,
)

from . import checks

OPENAPI_PATH = Path(__file__).with_name("openapi.json")
CREATE_PATH = "/dataservice/stream/device/umts"
OPERATION_PATH = "/dataservice/stream/device/umts/{operation}/{sessionId}"


def _path(case: Any) -> str | None:
    return getattr(case.operation, "path", None)


def _violations(
    case: Any, response: httpx.Response, *, refusable: bool = False
) -> list[tuple[str, str]]:
    """Every state-free rule that applies to this answer: (requirement, message) when broken.

    ``refusable``: a create whose colors the target did not configure (the documented wildcards)
    may be refused with a 400 in the vManage envelope; the configured values must be accepted.
    """
    broken: list[tuple[str, str]] = []

    def run(requirement_id: str, rule: Any) -> None:
        try:
            rule()
        except AssertionError as exc:
            broken.append((requirement_id, str(exc)))

    path = _path(case)
    status = response.status_code
    if status in (200, 400):
        run("UMTS-MEDIA-JSON", lambda: checks.check_media_json(response))
    body = checks.try_json(response)
    if path == OPERATION_PATH:
        # Generated session ids are never issued ones: every answer is about an unknown session.
        run("UMTS-ERROR-UNKNOWN-SESSION", lambda: checks.check_unknown_session(response))
        if status == 400:
            run("UMTS-ERROR-ENVELOPE", lambda: checks.check_error_envelope(body))
    elif path == CREATE_PATH:
        if status == 200 and checks.is_json(body):
            try:
                session = checks.session_from_create(body)
            except AssertionError as exc:
                broken.append(("UMTS-CREATE-SESSION", str(exc)))
            else:
                device = case.body.get("deviceUUID") if isinstance(case.body, dict) else None
                broken += checks.check_session(
                    session, context="create answer", device_uuid=device,
                    payload_required=False, allow_double_encoding=True,
                )
        elif status == 400 and checks.error_code(body) == checks.CODE_CONFLICT:
            run("UMTS-ERROR-ENVELOPE", lambda: checks.check_error_envelope(body))
        elif status == 400 and refusable:
            run("UMTS-CREATE-SESSION", lambda: checks.check_error_envelope(body))
        else:
            broken.append(("UMTS-CREATE-SESSION",
                           f"a documented-valid create answered {checks.summary(response)}"))
    return broken


@schemathesis.check
def umts_catalogue_rules(ctx: Any, response: Any, case: Any) -> None:
    """The UMTS catalogue's state-free rules (first broken one raised; all are reported by
    :func:`judge_case`, which runs them directly)."""
    if _path(case) not in (CREATE_PATH, OPERATION_PATH):
        return None
    broken = _violations(case, as_httpx(response))
    if broken:
        requirement_id, message = broken[0]
        raise RequirementViolation(requirement_id, message)
    return None


BUILTIN_CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
"""Built-ins whose findings map to a requirement. Left out on purpose: positive/negative data
acceptance (the catalogue names the exact answer each request must get) and the checks that send
requests of their own (the auth tests cover credentials request by request)."""


CHECKS = [*BUILTIN_CHECKS, umts_catalogue_rules]


@cache
def load_schema() -> Any:
    return schemathesis.openapi.from_path(str(OPENAPI_PATH))


def create_operation() -> Any:
    return load_schema()[CREATE_PATH]["POST"]


def session_operation() -> Any:
    return load_schema()[OPERATION_PATH]["GET"]


def _schema_requirement(failure: JsonSchemaError, case: Any, status: int) -> str:
    if _path(case) == OPERATION_PATH:
        return "UMTS-ERROR-ENVELOPE" if status == 400 else "UMTS-ERROR-UNKNOWN-SESSION"
    if status != 200:
        return "UMTS-ERROR-ENVELOPE"
    where = [str(p) for p in failure.instance_path if not str(p).isdigit()]
    field = where[0] if where else ""
    if field == "payload":
        return "UMTS-SESSION-PAYLOAD"
    if field in ("requestStatus", "status", "type", "download_status"):
        return "UMTS-SESSION-VALUES"
    if field in ("startTime", "renewalTime") and list(failure.schema_path)[-1:] in (
        ["minimum"], ["exclusiveMaximum"]
    ):
        return "UMTS-SESSION-VALUES"  # epoch milliseconds: a magnitude only the examples show
    if field:
        return "UMTS-SESSION-TYPES"
    return "UMTS-CREATE-SESSION"


def requirement_of(failure: Failure, case: Any, status: int) -> str:
    """The one requirement a Schemathesis failure belongs to."""
    situation = ("UMTS-ERROR-UNKNOWN-SESSION" if _path(case) == OPERATION_PATH
                 else "UMTS-CREATE-SESSION")
    carried = carried_requirement(failure)
    if carried is not None:
        return carried
    if isinstance(failure, ServerError) or status >= 500:
        return "UMTS-NO-SERVER-ERROR"
    if isinstance(failure, UndefinedContentType | MissingContentType | MalformedMediaType | MalformedJson):
        return "UMTS-MEDIA-JSON"
    if isinstance(failure, UndefinedStatusCode):
        return situation
    if isinstance(failure, JsonSchemaError):
        return _schema_requirement(failure, case, status)
    return situation


def judge_case(case: Any, response: httpx.Response, *, refusable: bool = False) -> dict[str, str]:
    """Every rule on one answer: Schemathesis' built-ins and the catalogue's custom check, plus
    the catalogue's rules run directly (the custom check stops at the first broken rule; every
    broken one must be reported). Requirement ID -> first failure text."""
    found: dict[str, str] = {}
    direct = _violations(case, response, refusable=refusable)
    for requirement_id, message in direct:
        found.setdefault(requirement_id, message)
    try:
        validate_response(case, response, CHECKS)
    except FailureGroup as group:
        for failure in group.exceptions:
            requirement_id = requirement_of(failure, case, response.status_code)
            if direct and isinstance(failure, JsonSchemaError) and requirement_id == "UMTS-CREATE-SESSION":
                # The create schema is a oneOf (array or object): a broken field shows up as "no
                # branch matches" at the root, which the catalogue's own rules name precisely.
                continue
            found.setdefault(
                requirement_id,
                f"Schemathesis {failure.title}: {failure.message} [{checks.summary(response)}]",
            )
    except AssertionError as exc:  # a single failure is raised as itself
        found.setdefault(
            requirement_of(exc, case, response.status_code)
            if isinstance(exc, Failure) else "UMTS-MEDIA-JSON",
            f"Schemathesis: {exc} [{checks.summary(response)}]",
        )
    return found
