"""The UMTS rules as Schemathesis checks, and the mapping of every Schemathesis failure on a UMTS
answer back to one requirement ID.

The suite sends each case through its own client and judges the answer once with the core's
:func:`pytest_sessionapi.schemathesis_support.judge_generated`: the rulebook, and Schemathesis's
built-in checks, whose failures :func:`requirement_of` attributes (:func:`said_by_rules` drops
the ones a failed rule already states). :data:`CUSTOM_CHECKS`, built by the core's one factory,
are for users who run Schemathesis themselves: importing this module registers them
(``umts_...``) once per process, and each ignores operations that are not UMTS's.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from pytest_sessionapi.rulebook import Answer
from pytest_sessionapi.schemathesis_support import carried_requirement, failure_kind, load_openapi, rule_checks

from .client import OPERATION_PATH, UMTS_PATH
from .model import Expect
from .rules import RULES, Asked
from .vendor_examples import OPENAPI_PATH

CREATE_PATH = UMTS_PATH

UNKNOWN_SESSION_RULES = ("UMTS-ERROR-UNKNOWN-SESSION", "UMTS-ERROR-ENVELOPE", "UMTS-MEDIA-JSON")
CREATE_RULES = (
    "UMTS-CREATE-SESSION",
    "UMTS-MEDIA-JSON",
    "UMTS-SESSION-TYPES",
    "UMTS-SESSION-PAYLOAD",
    "UMTS-SESSION-VALUES",
)
STATE_FREE_RULES = (*CREATE_RULES, "UMTS-ERROR-UNKNOWN-SESSION", "UMTS-ERROR-ENVELOPE")
"""What an answer to a generated case is held to without knowing the session's state: a
generated session id is never an issued one, and a create body names the target's device."""


def _path(case: Any) -> str | None:
    return getattr(case.operation, "path", None)


def is_ours(case: Any) -> bool:
    return _path(case) in (CREATE_PATH, OPERATION_PATH)


def asked_of(case: Any, *, refusable: bool = False) -> Asked:
    """What a case asks. ``refusable``: a create whose colors the target did not configure (the
    documented wildcards) may be refused with a 400 in the vManage envelope."""
    if _path(case) == OPERATION_PATH:
        parameters = case.path_parameters or {}
        return Asked(str(parameters.get("operation", "")), Expect.UNKNOWN_SESSION,
                     session_id=str(parameters.get("sessionId", "")))
    device = case.body.get("deviceUUID") if isinstance(case.body, dict) else None
    expect = Expect.NEW_SESSION_OR_REFUSAL if refusable else Expect.NEW_SESSION
    return Asked("create", expect, device_uuid=device if isinstance(device, str) else None)


CUSTOM_CHECKS = rule_checks("umts", RULES, STATE_FREE_RULES, asked_of=asked_of, is_ours=is_ours)


@cache
def create_operation() -> Any:
    return load_openapi(OPENAPI_PATH)[CREATE_PATH]["POST"]


@cache
def session_operation() -> Any:
    return load_openapi(OPENAPI_PATH)[OPERATION_PATH]["GET"]


def _schema_requirement(failure: Any, asked: Asked, status: int) -> str:
    """Which requirement a body that breaks the document's schema breaks (``failure`` is
    Schemathesis's JsonSchemaError: where in the body, which keyword)."""
    if asked.operation != "create":
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


def requirement_of(failure: Any, answer: Answer, asked: Asked) -> str:
    """The one requirement a Schemathesis failure on this answer belongs to."""
    carried = carried_requirement(failure)
    if carried is not None:
        return carried
    kind = failure_kind(failure)
    if kind == "server-error" or answer.status >= 500:
        return "UMTS-NO-SERVER-ERROR"
    if kind in ("media-type", "malformed-json"):
        return "UMTS-MEDIA-JSON"
    if kind == "schema":
        return _schema_requirement(failure, asked, answer.status)
    # a status the document does not list, or anything else
    return "UMTS-CREATE-SESSION" if asked.operation == "create" else "UMTS-ERROR-UNKNOWN-SESSION"


def said_by_rules(failure: Any, requirement_id: str) -> bool:
    """Whether a built-in failure only repeats what a failed rule says precisely: the create
    schema is a oneOf (array or object), so a broken field shows up as "no branch matches" at the
    root, attributed to UMTS-CREATE-SESSION, while the rule names the field."""
    return failure_kind(failure) == "schema" and requirement_id == "UMTS-CREATE-SESSION"
