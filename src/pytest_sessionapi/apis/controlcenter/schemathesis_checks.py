"""The catalogue's state-free rules as Schemathesis custom checks, and the mapping of every
Schemathesis failure back to one requirement ID.

Importing this module registers one check per state-free rule (``controlcenter_cc_...``), once
per process, through the core factory :func:`pytest_sessionapi.schemathesis_support.rule_checks`.
Each check ignores operations that are not Control Center's, so the registration cannot disturb
another API's Schemathesis tests. The suite itself judges each answer once (:mod:`.steps`, through
the core's :func:`pytest_sessionapi.schemathesis_support.judge_generated`): the rulebook, and
Schemathesis's built-in checks, whose failures :func:`requirement_of` attributes; the custom
checks are for users who run Schemathesis themselves.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from pytest_sessionapi.rulebook import Answer
from pytest_sessionapi.schemathesis_support import carried_requirement, failure_kind, load_openapi, rule_checks

from .client import CURRENT_API_VERSION
from .model import situation
from .rules import RULES, STATE_FREE, Asked, envelope_problem

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


@cache
def operation() -> Any:
    """Get Session Details in the bundled OpenAPI document (looked up once per process)."""
    return load_openapi(OPENAPI_PATH)[OPERATION_PATH]["GET"]


def make_case(iccid: str, api_version: str = CURRENT_API_VERSION) -> Any:
    """A Schemathesis case of Get Session Details for ``iccid`` (sent through the suite's
    client by :func:`pytest_sessionapi.schemathesis_support.send_case`)."""
    return operation().Case(path_parameters={"apiVersion": api_version, "iccid": iccid})


def _schema_requirement(failure: Any, answer: Answer) -> str:
    """Which requirement a body that breaks the document's schema breaks (``failure`` is
    Schemathesis's JsonSchemaError: where in the body, which keyword, the value found)."""
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
    # The document's schema names errorCode/errorMessage; the page only says a code and a
    # message: a body that carries both under other keys breaks only the names.
    return "CC-ERR-ENVELOPE" if envelope_problem(answer) else "CC-ERR-FIELD-NAMES"


def requirement_of(failure: Any, answer: Answer, asked: Asked) -> str:
    """The one requirement a Schemathesis failure on this answer belongs to."""
    kind = failure_kind(failure)
    if kind == "server-error" or answer.status >= 500:
        return "CC-NO-SERVER-ERROR"
    carried = carried_requirement(failure)
    if carried is not None:
        return carried
    if kind == "media-type":
        return "CC-CONTENT-TYPE"
    if kind == "malformed-json":
        return "CC-OK-STATUS" if answer.status == 200 else "CC-ERR-ENVELOPE"
    if kind == "schema":
        return _schema_requirement(failure, answer)
    return situation(asked).requirement  # a status the document does not list, or anything else

