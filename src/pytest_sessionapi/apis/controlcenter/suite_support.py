"""What the Control Center suite's tests share: sending one request as a Schemathesis case,
judging the answer with the catalogue's rules and Schemathesis' checks, and recording the
outcome requirement by requirement.

Recording rules (why they look like this):
- every judged requirement records pass or fail; a requirement the answer gave nothing to judge
  (a 5xx, an error body without errorCode: reported under their own IDs) records ``not-tested``
  in that test, so a passing test never reports a requirement it did not exercise as passed;
- inside Hypothesis, only a *blocking* failure (MUST, or any level under --sessionapi-strict) is
  raised for Hypothesis to shrink; a SHOULD failure is recorded and the search goes on, so a
  lenient point the vendor's docs leave open cannot hide a MUST failure behind it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import httpx

from .checks import DEVICE_OF_ENTITY, Answer, Asked, judge
from .schemathesis_checks import BUILTIN_CHECKS, operation, schemathesis_failures

NOT_JUDGED = (
    "this answer gave nothing to judge for it (its defect, if any, is reported under the ID "
    "that owns it: a 5xx under CC-NO-SERVER-ERROR, an error without errorCode under CC-ERR-ENVELOPE)"
)


def entity_asked(target: Any, key: str, iccid: str) -> Asked:
    return Asked(iccid=iccid, device=DEVICE_OF_ENTITY[key], provisioned=True)


def known_iccids(target: Any) -> dict[str, str]:
    """ICCID -> entity key, for every device the target names."""
    found: dict[str, str] = {}
    for key in DEVICE_OF_ENTITY:
        value = target.entity(key)
        if value is not None:
            found.setdefault(value, key)
    return found


def asked_for(target: Any, iccid: str, api_version: str = "1") -> Asked:
    """What the suite knows about ``iccid``: a device of the target, or not provisioned."""
    key = known_iccids(target).get(iccid)
    if key is not None:
        return Asked(iccid=iccid, api_version=api_version, device=DEVICE_OF_ENTITY[key], provisioned=True)
    return Asked(iccid=iccid, api_version=api_version, provisioned=False)


def make_case(iccid: str, api_version: str = "1") -> Any:
    return operation().Case(path_parameters={"apiVersion": api_version, "iccid": iccid})


def judge_case(case: Any, response: httpx.Response, asked: Asked) -> dict[str, str | None]:
    """Every rule of the catalogue plus Schemathesis' checks on one answer: ID -> None (pass) or
    failure text. All rules run whatever the test declares, so no defect goes unseen because a
    test did not expect it."""
    answer = Answer.from_httpx(response)
    results = judge(answer, asked).results
    # The catalogue's rules ran just above: only Schemathesis' own checks remain (running the
    # rules again as its custom checks would judge the answer twice, to the same verdicts).
    for requirement_id, text in schemathesis_failures(case, response, answer, asked, BUILTIN_CHECKS).items():
        if results.get(requirement_id) is None:
            results[requirement_id] = text
    return results


def judge_response(response: httpx.Response, asked: Asked) -> dict[str, str | None]:
    """Every rule of the catalogue on one answer (for requests the OpenAPI document does not
    describe: wrong or missing credentials)."""
    return judge(Answer.from_httpx(response), asked).results


def record(
    conformance: Any,
    results: Mapping[str, str | None],
    declared: Iterable[str],
    *,
    hard: bool = False,
) -> None:
    """Record each judged requirement; those of ``declared`` with no result become not-tested.
    ``hard``: raise the first blocking failure (for Hypothesis); the others are recorded softly."""
    conformance.record_batch(results, not_judged=NOT_JUDGED, expected=declared, hard=hard)