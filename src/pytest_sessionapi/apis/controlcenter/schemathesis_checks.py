"""The catalogue's state-free rules as Schemathesis custom checks, and the mapping of every
Schemathesis failure back to one requirement ID.

Importing this module registers one check per state-free rule (``controlcenter_cc_...``), once
per process, through the core factory :func:`pytest_sessionapi.schemathesis_support.rule_checks`.
Each check ignores operations that are not Control Center's, so the registration cannot disturb
another API's Schemathesis tests. The suite itself judges each answer once with the rulebook
(:mod:`.steps`) and gives Schemathesis only its built-in checks (:data:`BUILTIN_CHECKS`); the
custom checks are for users who run Schemathesis themselves.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import schemathesis
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import (
    CustomFailure,
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

from pytest_sessionapi.rulebook import Answer
from pytest_sessionapi.schemathesis_support import (
    carried_requirement,
    rule_checks,
    validate_response,
)

from .client import CURRENT_API_VERSION
from .model import situation
from .rules import RULES, STATE_FREE, Asked

OPENAPI_PATH = Path(__file__).with_name("openapi.json")
OPERATION_PATH = "/rws/api/v{apiVersion}/devices/{iccid}/sessionInfo"


def asked_from_case(case: Any) -> Asked:
    """What a Schemathesis case asked; the suite always sends it with valid credentials."""
    parameters = case.path_parameters
    return Asked(iccid=str(parameters.get("iccid", "")), api_version=str(parameters.get("apiVersion", "")))


def _is_ours(case: Any) -> bool:
    return getattr(case.operation, "path", None) == OPERATION_PATH


CUSTOM_CHECKS = rule_checks(
    "controlcenter", RULES, sorted(STATE_FREE), asked_of=asked_from_case, is_ours=_is_ours
)

BUILTIN_CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
"""The built-in checks whose findings map to a requirement. Left out on purpose:
positive_data_acceptance / negative_data_rejection (the catalogue says exactly which error each
request must get, more precisely than 'some 4xx'), and the checks that send extra requests
(ignored_auth and friends): the suite's own credential tests cover them, request by request."""

CHECKS = [*BUILTIN_CHECKS, *CUSTOM_CHECKS]


@cache
def load_schema() -> Any:
    return schemathesis.openapi.from_path(str(OPENAPI_PATH))


@cache
def operation() -> Any:
    """Get Session Details in the bundled OpenAPI document (looked up once per process)."""
    return load_schema()[OPERATION_PATH]["GET"]


def make_case(iccid: str, api_version: str = CURRENT_API_VERSION) -> Any:
    """A Schemathesis case of Get Session Details for ``iccid`` (sent through the suite's
    client by :func:`pytest_sessionapi.schemathesis_support.send_case`)."""
    return operation().Case(path_parameters={"apiVersion": api_version, "iccid": iccid})


def _schema_requirement(failure: JsonSchemaError, answer: Answer) -> str:
    path = list(failure.instance_path)
    if answer.status == 200:
        if not path:
            keyword = str(list(failure.schema_path)[-1]) if failure.schema_path else ""
            if keyword == "required" and isinstance(failure.instance, dict):
                if "iccid" not in failure.instance:
                    return "CC-BODY-ICCID"
                if "ipAddress" not in failure.instance:
                    return "CC-IPV4-PRESENT"
            return "CC-OK-STATUS"
        field = str(path[0])
        if field == "iccid":
            return "CC-BODY-ICCID"
        if field == "ipv6Address" and failure.instance is None:
            return "CC-IPV6-NEVER-NULL"
        return "CC-BODY-TYPES"
    if path and str(path[0]) == "errorCode" and isinstance(failure.instance, int):
        return "CC-ERR-CODE-STRING"
    return "CC-ERR-ENVELOPE"


def requirement_of(failure: Failure, answer: Answer, asked: Asked) -> str:
    """The one requirement a Schemathesis failure on this answer belongs to."""
    if isinstance(failure, ServerError) or answer.status >= 500:
        return "CC-NO-SERVER-ERROR"
    carried = carried_requirement(failure)
    if carried is not None:
        return carried
    if isinstance(failure, UndefinedContentType | MissingContentType | MalformedMediaType):
        return "CC-CONTENT-TYPE"
    if isinstance(failure, UndefinedStatusCode):
        return situation(asked).requirement
    if isinstance(failure, MalformedJson):
        return "CC-OK-STATUS" if answer.status == 200 else "CC-ERR-ENVELOPE"
    if isinstance(failure, JsonSchemaError):
        return _schema_requirement(failure, answer)
    return situation(asked).requirement


def schemathesis_failures(
    case: Any, response: Any, answer: Answer, asked: Asked, checks: list[Any] | None = None
) -> dict[str, str]:
    """Run Schemathesis' checks on one response (by default the built-in ones and the
    catalogue's state-free rules): requirement ID -> failure text."""
    try:
        validate_response(case, response, CHECKS if checks is None else checks)
    except FailureGroup as group:
        found: dict[str, str] = {}
        for failure in group.exceptions:
            requirement_id = requirement_of(failure, answer, asked)
            text = str(failure.exception) if isinstance(failure, CustomFailure) else (
                f"Schemathesis {failure.title}: {failure.message} [{asked.describe()} -> {answer.describe()}]"
            )
            found.setdefault(requirement_id, text)
        return found
    return {}
