"""The judged steps the Control Center suite composes: send one Get Session Details request,
judge the answer once with the rulebook (plus, for a request the OpenAPI document describes,
Schemathesis's built-in checks), and record the verdicts in the ledger.

Recording rules (why they look like this):
- every judged requirement records pass or fail; a requirement the answer gave nothing to judge
  (a 5xx, an error body without errorCode: reported under their own IDs) records ``not-tested``
  in that test, so a passing test never reports a requirement it did not exercise as passed;
- inside Hypothesis (``hard``), only a *blocking* failure (MUST, or any level under
  --sessionapi-strict) is raised for Hypothesis to shrink; a SHOULD failure is recorded and the
  search goes on, so a lenient point the vendor's docs leave open cannot hide a MUST failure
  behind it. Both are the recorder's (``conformance.record_batch``), the same for every API.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import httpx

from pytest_sessionapi.ledger import TestRecorder
from pytest_sessionapi.rulebook import Answer
from pytest_sessionapi.schemathesis_support import judge_generated, send_case

from .client import CURRENT_API_VERSION, Client
from .model import Credentials
from .rules import RULES, Asked
from .schemathesis_checks import make_case, requirement_of
from .sessions import TargetDevices

if TYPE_CHECKING:
    from pytest_sessionapi.traffic_judge import RecordedRequest

NOT_JUDGED = (
    "this answer gave nothing to judge for it (its defect, if any, is reported under the ID "
    "that owns it: a 5xx under CC-NO-SERVER-ERROR, an error without errorCode under CC-ERR-ENVELOPE)"
)


def judge_response(response: httpx.Response, asked: Asked) -> dict[str, str | None]:
    """Every rule of the catalogue, once, on one answer (for requests the OpenAPI document does
    not describe: wrong or missing credentials)."""
    return RULES.judge(Answer.from_httpx(response), asked).results


def record(
    conformance: TestRecorder,
    results: Mapping[str, str | None],
    declared: Iterable[str],
    *,
    hard: bool = False,
) -> None:
    """Record each judged requirement; those of ``declared`` with no result become not-tested.
    ``hard``: raise the first blocking failure (for Hypothesis); the others are recorded softly."""
    conformance.record_batch(results, not_judged=NOT_JUDGED, expected=declared, hard=hard)


def ask(
    conformance: TestRecorder,
    http: httpx.Client,
    devices: TargetDevices,
    case: Any,
    declared: Iterable[str],
    *,
    api_version: str = CURRENT_API_VERSION,
    hard: bool = False,
) -> None:
    """Send one Get Session Details (a Schemathesis case, or an ICCID to build one for) with the
    target's credentials, judge the answer once and record it: every rule of the catalogue,
    whatever the test declares (no defect goes unseen because a test did not expect it), and
    Schemathesis's built-in checks; the rules are not run again as Schemathesis custom checks."""
    if isinstance(case, str):
        case = make_case(case, api_version)
    parameters = case.path_parameters
    asked = devices.asked(str(parameters["iccid"]), str(parameters["apiVersion"]))
    response = send_case(http, case)
    verdicts = judge_generated(case, response, rules=RULES, asked=asked, requirement_of=requirement_of,
                               describe_asked=Asked.describe)
    record(conformance, verdicts.results, tuple(declared), hard=hard)


def ask_refused(
    conformance: TestRecorder,
    http: httpx.Client,
    target: Any,
    devices: TargetDevices,
    asked_as: Credentials,
    declared: Iterable[str],
) -> None:
    """Send one Get Session Details through ``http`` (a client with credentials that must be
    refused, ``asked_as`` "invalid" or "none"), about the device in session when the target
    names one; judge the answer once and record it."""
    iccid, provisioned = devices.probe_iccid()
    response = Client(http, target).session_info(iccid)
    asked = Asked(iccid=iccid, credentials=asked_as, provisioned=provisioned)
    record(conformance, judge_response(response, asked), declared)


# --------------------------------------------------------------------------------------------
# Recorded traffic (``sessionapi judge``): the Asked the suite would have built, from the request


def asked_of_recorded(request: RecordedRequest, answer: Answer, history: dict[str, Any]) -> Asked:
    """What the suite would have asked with ``request``, for the core judge to hold ``answer``
    to the whole rulebook.

    The traffic does not say what state a device was in, so the rules that need it (never in
    session, ended...) judge nothing and stay ``not-tested``. A request without Authorization is
    asked with no credentials, a 401 to one with Authorization with wrong ones: the traffic cannot
    tell a refused valid key from a wrong one (nor, when the recording tool masked it, a
    malformed header from a wrong key)."""
    authorized = request.header("authorization") is not None
    credentials: Credentials = "none" if not authorized else ("invalid" if answer.status == 401 else "valid")
    return Asked(iccid=request.parameters["iccid"], api_version=request.parameters["apiVersion"],
                 credentials=credentials)
