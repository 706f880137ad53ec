"""One way for every API to state its rules: ``RULES = {requirement ID: rule}``.

Every rule of every API has the same signature::

    rule(answer: Answer, asked: Asked) -> bool

``answer`` is what came back (:class:`Answer`, the same whichever library fetched it), ``asked``
is the API's own record of what the suite sent and what it knows. A rule returns ``True`` when it
judged the answer and found it right, ``False`` when the answer is outside its scope (nothing to
judge), and raises :class:`RuleFailure` (any ``AssertionError`` is accepted and typed on the way
out) when the answer breaks its requirement.

"Applies only when" is said once, above the rule, with :func:`applies_when`: the guard's reason
is part of the rule's documentation and the body only states what the vendor's sentence demands.

:meth:`Rulebook.judge` applies the rules to one answer, once, and returns :class:`Verdicts`:
the suite records them in the ledger, and :func:`pytest_sessionapi.schemathesis_support.rule_checks`
builds Schemathesis checks from the same rulebook. Modelled on Schemathesis's own ``checks.py``:
one signature, guards, typed failures that carry the requirement ID.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property, wraps
from typing import Any, Generic, TypeVar

from .http_checks import UnusableJson, parse_json

_PREVIEW = 240

AskedT = TypeVar("AskedT")


class _NotJson:
    def __repr__(self) -> str:
        return "<not JSON>"


NOT_JSON: Any = _NotJson()
"""What :attr:`Answer.json` is for a body that is not usable JSON (a rule compares, never crashes)."""


@dataclass(frozen=True)
class Answer:
    """What came back, independent of the HTTP library that fetched it: httpx for the suite's
    own requests, Schemathesis's response inside a Schemathesis check, a recorded exchange."""

    status: int
    content_type: str | None
    content: bytes
    headers: tuple[tuple[str, str], ...] = ()
    """Every header as (lower-case name, value), repeated headers repeated."""
    method: str = ""
    path: str = ""
    """The request line, for the failure's context (no query string: it may carry secrets)."""

    @classmethod
    def from_httpx(cls, response: Any) -> Answer:
        try:
            request = response.request
        except RuntimeError:  # a response built without a request (a test's, a replayed one)
            request = None
        return cls(
            status=response.status_code,
            content_type=response.headers.get("content-type"),
            content=response.content,
            headers=tuple((name.lower(), value) for name, value in response.headers.multi_items()),
            method=request.method if request is not None else "",
            path=request.url.path if request is not None else "",
        )

    @classmethod
    def from_schemathesis(cls, response: Any) -> Answer:
        headers = tuple(
            (name.lower(), value) for name, values in response.headers.items() for value in values
        )
        request = getattr(response, "request", None)
        url = str(getattr(request, "url", "") or "")
        path = "/" + url.split("://", 1)[-1].split("/", 1)[-1].split("?", 1)[0] if "://" in url else url
        return cls(
            status=response.status_code,
            content_type=next((value for name, value in headers if name == "content-type"), None),
            content=response.content,
            headers=headers,
            method=str(getattr(request, "method", "") or ""),
            path=path,
        )

    def header_list(self, name: str) -> tuple[str, ...]:
        name = name.lower()
        return tuple(value for key, value in self.headers if key == name)

    def header(self, name: str) -> str | None:
        values = self.header_list(name)
        return values[0] if values else None

    @property
    def media_type(self) -> str:
        """``application/json; charset=utf-8`` -> ``application/json``."""
        return (self.content_type or "").split(";")[0].strip().lower()

    @cached_property
    def json(self) -> Any:
        """The decoded body, or :data:`NOT_JSON` (see :attr:`not_json_because`)."""
        try:
            return parse_json(self.content)
        except ValueError:
            return NOT_JSON

    @property
    def body(self) -> Any:
        """The decoded body, or None when it is not usable JSON (the rule on the answer's form
        reports that; the others have nothing to judge)."""
        body = self.json
        return None if body is NOT_JSON else body

    @property
    def not_json_because(self) -> str:
        """`` (reason)`` when the body is not usable JSON, for the rules' messages; else ''."""
        if not self.content.strip():
            return " (an empty body)"
        try:
            parse_json(self.content)
        except UnusableJson as exc:
            return f" ({exc.reason})"
        return ""

    @property
    def is_client_error(self) -> bool:
        return 400 <= self.status < 500

    def describe(self) -> str:
        """``404 application/json: {"code": ...}``, the body shortened (secrets are masked by the
        plugin's failure-report redaction, and no header is shown)."""
        text = self.content[: _PREVIEW * 2].decode("utf-8", errors="replace")
        text = " ".join(text.split())
        if len(text) > _PREVIEW:
            text = text[:_PREVIEW] + "..."
        return f"{self.status} {self.content_type or '(no content-type)'}: {text or '(empty body)'}"

    def exchange(self) -> str:
        """``PATCH /path -> 400 application/json: ...``."""
        line = f"{self.method} {self.path} -> " if self.method else ""
        return line + self.describe()


class RuleFailure(AssertionError):
    """A rule's verdict: which requirement (``requirement_id``, set by the rulebook when the rule
    did not), what is wrong (``problem``) and on which exchange (``context``)."""

    def __init__(self, problem: str, context: str = "", requirement_id: str | None = None) -> None:
        super().__init__(f"{problem} [{context}]" if context else problem)
        self.problem = problem
        self.context = context
        self.requirement_id = requirement_id


Rule = Callable[[Answer, Any], bool]


def applies_when(predicate: Callable[[Answer, Any], bool], why: str = "") -> Callable[[Rule], Rule]:
    """Guard a rule: when ``predicate(answer, asked)`` is false the rule has nothing to judge and
    returns ``False`` (the requirement is not judged by this answer, neither passed nor failed).
    ``why`` documents the scope; it is kept on the rule as ``applies_when``."""

    def decorate(rule: Rule) -> Rule:
        @wraps(rule)
        def guarded(answer: Answer, asked: Any) -> bool:
            if not predicate(answer, asked):
                return False
            return rule(answer, asked)

        scopes = (*getattr(rule, "applies_when", ()), why or getattr(predicate, "__name__", "?"))
        guarded.applies_when = scopes  # type: ignore[attr-defined]
        return guarded

    return decorate


@dataclass
class Verdicts:
    """The outcome of a rulebook on one answer: requirement ID -> None (pass) or failure text.
    A rule that returned ``False`` (outside its scope) has no entry."""

    results: dict[str, str | None] = field(default_factory=dict)
    problems: dict[str, str] = field(default_factory=dict)
    """Failure texts without the exchange (for findings about the vendor's own examples)."""

    @property
    def failures(self) -> dict[str, str]:
        return {rid: text for rid, text in self.results.items() if text is not None}

    @property
    def passed(self) -> list[str]:
        return [rid for rid, text in self.results.items() if text is None]

    def merge(self, other: Verdicts) -> Verdicts:
        """Both outcomes; a requirement failed in either is failed (the first failure kept)."""
        for rid, text in other.results.items():
            if self.results.get(rid) is None:
                self.results[rid] = text
                if rid in other.problems:
                    self.problems[rid] = other.problems[rid]
        return self


class Rulebook(Generic[AskedT], Mapping[str, Rule]):
    """An API's rules, by requirement ID. Reads as the mapping ``RULES`` and registers with
    ``@RULES.rule("ID")``."""

    def __init__(self, api: str) -> None:
        self.api = api
        self._rules: dict[str, Rule] = {}

    def rule(self, requirement_id: str) -> Callable[[Rule], Rule]:
        def register(rule: Rule) -> Rule:
            if requirement_id in self._rules:
                raise ValueError(f"{self.api}: two rules for {requirement_id}")
            rule.requirement_id = requirement_id  # type: ignore[attr-defined]
            self._rules[requirement_id] = rule
            return rule

        return register

    def __getitem__(self, requirement_id: str) -> Rule:
        return self._rules[requirement_id]

    def __iter__(self) -> Iterator[str]:
        return iter(self._rules)

    def __len__(self) -> int:
        return len(self._rules)

    def apply(self, requirement_id: str, answer: Answer, asked: AskedT) -> bool:
        """One rule on one answer, its failure typed and carrying ``requirement_id``."""
        try:
            return self._rules[requirement_id](answer, asked)
        except RuleFailure as exc:
            if exc.requirement_id is None:
                exc.requirement_id = requirement_id
            raise
        except AssertionError as exc:
            raise RuleFailure(
                getattr(exc, "problem", str(exc)), getattr(exc, "context", ""), requirement_id
            ) from None

    def judge(self, answer: Answer, asked: AskedT, requirement_ids: Iterable[str] | None = None) -> Verdicts:
        """Apply the rules (all, or those named) to one answer, once each."""
        verdicts = Verdicts()
        for requirement_id in requirement_ids if requirement_ids is not None else self._rules:
            try:
                applied = self.apply(requirement_id, answer, asked)
            except RuleFailure as exc:
                verdicts.results[requirement_id] = str(exc)
                verdicts.problems[requirement_id] = exc.problem
            else:
                if applied:
                    verdicts.results[requirement_id] = None
        return verdicts
