"""What every suite needs to run Schemathesis cases and its catalogue rules as custom checks.

A custom check can only raise; Schemathesis then wraps the exception in a ``CustomFailure``. To
attribute that failure to the catalogue requirement it enforces, the check raises
:class:`RequirementViolation` and the suite reads the ID back with :func:`carried_requirement`.
Cases are sent through the suite's own client (:func:`send_case`), the custom checks built by
:func:`rule_checks` read Schemathesis's response directly (``rulebook.Answer.from_schemathesis``),
and answers are validated with :func:`validate_response`, which keeps bodies Schemathesis would crash on away
from its checks. :func:`judge_generated` is the one way every suite judges an answer to a
generated case: the API's rulebook once, Schemathesis's built-in checks beside it, each failure
attributed to one requirement by the API's own mapping.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import cache
from pathlib import Path
from typing import Any, Literal

import httpx

from .http_checks import UnusableJson, parse_json
from .rulebook import Answer, Rulebook, Verdicts


class RequirementViolation(AssertionError):
    """A rule's failure, carrying its requirement ID through Schemathesis."""

    def __init__(self, requirement_id: str, message: str) -> None:
        super().__init__(message)
        self.requirement_id = requirement_id


def carried_requirement(failure: Any) -> str | None:
    """The requirement a Schemathesis failure carries, when one of our custom checks raised it."""
    from schemathesis.core.failures import CustomFailure

    if isinstance(failure, CustomFailure) and isinstance(failure.exception, RequirementViolation):
        return failure.exception.requirement_id
    return None


def _beyond_limits(response: httpx.Response) -> UnusableJson | None:
    """Why a JSON body cannot be decoded safely (nested too deep, a number out of range), or
    None. A body that is simply not JSON is left to Schemathesis, which reports it as
    MalformedJson itself, with the position."""
    try:
        parse_json(response.content)
    except UnusableJson as exc:
        return exc if exc.beyond_limits else None
    return None


def validate_response(case: Any, response: httpx.Response, checks: Iterable[Any]) -> None:
    """``case.validate_response(response, checks=checks)``, for any answer an endpoint can give.

    Schemathesis decodes JSON bodies with a plain ``json.loads``: a body nested 100,000 levels
    deep is a RecursionError out of its checks, a traceback in place of a verdict. Such a body is
    reported as what it is for the suites, Schemathesis' own ``MalformedJson`` (which each API
    maps to its "the answer is usable JSON" requirement), and only the checks that do not decode
    the body run on it.
    """
    checks = list(checks)
    problem = _beyond_limits(response)
    if problem is None:
        case.validate_response(response, checks=checks)
        return
    from schemathesis.core.failures import FailureGroup, MalformedJson
    from schemathesis.specs.openapi.checks import response_schema_conformance

    failures: list[Any] = [
        MalformedJson(
            operation=case.operation.label,
            message=f"Response must be usable JSON: {problem.reason}",
            validation_message=problem.reason,
            document="",
            position=0,
            lineno=1,
            colno=1,
        )
    ]
    safe = [check for check in checks if check is not response_schema_conformance]
    if safe:
        try:
            case.validate_response(response, checks=safe)
        except FailureGroup as group:
            failures.extend(group.exceptions)
    raise FailureGroup(failures, "Schemathesis found failures")


def send_case(http: httpx.Client, case: Any) -> httpx.Response:
    """Send a Schemathesis case through the suite's own client: one transport layer (rate limit,
    re-sends of rate-limited requests, size cap, redacted log) and the target's own credentials. The headers generated from the
    security schemes, and the library's own, are dropped, its ``X-Schemathesis-TestCaseId``
    tracing header too (Schemathesis adds it in ``transport.prepare.prepare_headers``): a vendor's
    endpoint has no use for it, and it cluttered every exchange and curl line of a report."""
    kwargs = case.as_transport_kwargs(base_url=str(http.base_url).rstrip("/"))
    return http.request(
        kwargs["method"], kwargs["url"], json=kwargs.get("json"),
        params=kwargs.get("params") or None,
    )


def judge_generated(
    case: Any,
    response: httpx.Response,
    *,
    rules: Rulebook[Any],
    asked: Any,
    requirement_of: Callable[[Any, Answer, Any], str],
    requirement_ids: Iterable[str] | None = None,
    builtin_checks: Iterable[Any] | None = None,
    builtin_judges: Callable[[Answer, Any], Iterable[str]] | None = None,
    said_by_rules: Callable[[Any, str], bool] | None = None,
    describe_asked: Callable[[Any], str] | None = None,
    answer: Answer | None = None,
) -> Verdicts:
    """One answer to a generated case, judged once: the rulebook on it (``requirement_ids``, or
    every rule) and Schemathesis's built-in checks (``builtin_checks``, by default
    :func:`mapped_builtin_checks`), each built-in failure attributed to one requirement by the
    API's ``requirement_of(failure, answer, asked)``. A requirement keeps its first failure, the
    rules' before Schemathesis's; a built-in failure turns a rule's pass into a failure. The
    verdicts hold the passes too, so the ledger records both.

    The hooks are for what differs between APIs, nothing else:

    - ``builtin_judges(answer, asked)``: the requirements the built-in checks judge whole on this
      answer, which pass when no built-in failure lands on them (BioT holds an answer's schema to
      one requirement). Without it a built-in check only ever fails a requirement.
    - ``said_by_rules(failure, requirement_id)``, asked only when a rule failed: True drops a
      built-in failure the rules' own failures state more precisely (UMTS: a oneOf schema reports
      a broken field as "no branch matches" at the root, where a rule names the field).
    - ``describe_asked(asked)``: what was asked, in words, for the failure text in place of the
      request line (Control Center names the device's state).
    - ``answer``: the caller's :class:`Answer` of ``response``, when it has one already, so the
      body is decoded once.
    """
    from schemathesis.core.failures import FailureGroup

    answer = Answer.from_httpx(response) if answer is None else answer
    verdicts = rules.judge(answer, asked, requirement_ids)
    rules_failed = bool(verdicts.failures)
    where = f"{describe_asked(asked)} -> {answer.describe()}" if describe_asked else answer.exchange()
    try:
        validate_response(case, response, mapped_builtin_checks() if builtin_checks is None else builtin_checks)
    except FailureGroup as group:
        for failure in group.exceptions:
            requirement_id = requirement_of(failure, answer, asked)
            if rules_failed and said_by_rules is not None and said_by_rules(failure, requirement_id):
                continue
            if verdicts.results.get(requirement_id) is not None:
                continue  # the first failure of a requirement is the one reported
            if carried_requirement(failure) is not None:  # one of our rule checks, its own words
                problem = text = str(failure.exception)
            else:
                problem = f"Schemathesis {failure.title}: {failure.message}"
                text = f"{problem} [{where}]"
            verdicts.results[requirement_id] = text
            verdicts.problems[requirement_id] = problem
    for requirement_id in builtin_judges(answer, asked) if builtin_judges is not None else ():
        verdicts.results.setdefault(requirement_id, None)
    return verdicts


def rule_checks(
    api: str,
    rules: Any,
    requirement_ids: Iterable[str],
    *,
    asked_of: Any,
    is_ours: Any,
) -> list[Any]:
    """Schemathesis checks built from an API's rulebook, one per requirement, registered once per
    process as ``<api>_<requirement id>``.

    ``rules`` is the API's :class:`pytest_sessionapi.rulebook.Rulebook`; ``asked_of(case)`` gives
    the API's record of what a case asked; ``is_ours(case)`` keeps the checks off other APIs'
    operations, so registering them cannot disturb another suite. A rule's failure reaches
    Schemathesis as a :class:`RequirementViolation` carrying its ID (see
    :func:`carried_requirement`). The answer is read straight from Schemathesis's response: no
    conversion to another library's type and back.
    """
    import schemathesis

    from .rulebook import RuleFailure

    def build(requirement_id: str, name: str) -> Any:
        def check(ctx: Any, response: Any, case: Any) -> None:
            if not is_ours(case):
                return None
            try:
                rules.apply(requirement_id, Answer.from_schemathesis(response), asked_of(case))
            except RuleFailure as exc:
                raise RequirementViolation(requirement_id, str(exc)) from None
            return None

        check.__name__ = check.__qualname__ = name
        return schemathesis.check(check)

    checks = []
    for requirement_id in requirement_ids:
        name = f"{api}_{requirement_id.lower().replace('-', '_')}"
        if name not in _REGISTERED:
            _REGISTERED[name] = build(requirement_id, name)
        checks.append(_REGISTERED[name])
    return checks


_REGISTERED: dict[str, Any] = {}


def load_openapi(path: Path) -> Any:
    """The OpenAPI document at ``path`` as a Schemathesis schema, loaded once per process."""
    return _load_openapi(str(path))


@cache
def _load_openapi(path: str) -> Any:
    import schemathesis

    return schemathesis.openapi.from_path(path)


def mapped_builtin_checks() -> list[Any]:
    """Schemathesis's built-in checks whose findings a suite maps to its requirements (see
    :func:`failure_kind`). Left out on purpose: positive/negative data acceptance (a catalogue
    names the exact answer each request must get, more precisely than 'some 4xx') and the checks
    that send requests of their own (the suites test credentials request by request)."""
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

    return [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


FailureKind = Literal["server-error", "media-type", "status", "malformed-json", "schema", "other"]


def failure_kind(failure: Any) -> FailureKind:
    """What a Schemathesis failure found, in words an API maps to its requirement IDs, so no API
    folder needs Schemathesis's failure classes: a 5xx, an undeclared, missing or malformed
    content type, a status the document does not list, a body that is not JSON, a body against
    the schema (a ``JsonSchemaError``: ``instance_path``, ``schema_path``, ``instance``), or
    anything else. (A failure of one of our own rule checks carries its requirement: see
    :func:`carried_requirement`, asked first.)"""
    from schemathesis.core.failures import MalformedJson, ServerError
    from schemathesis.openapi.checks import (
        JsonSchemaError,
        MalformedMediaType,
        MissingContentType,
        UndefinedContentType,
        UndefinedStatusCode,
    )

    if isinstance(failure, ServerError):
        return "server-error"
    if isinstance(failure, UndefinedContentType | MissingContentType | MalformedMediaType):
        return "media-type"
    if isinstance(failure, UndefinedStatusCode):
        return "status"
    if isinstance(failure, MalformedJson):
        return "malformed-json"
    if isinstance(failure, JsonSchemaError):
        return "schema"
    return "other"
