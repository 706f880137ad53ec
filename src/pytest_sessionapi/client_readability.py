"""One requirement per API whose vendor publishes a Python client: the vendor's client can read
every answer the suites receive.

Schema validators judge an answer against the vendor's document; none asks whether the vendor's
own SDK, with its own (sometimes stricter) models, can read it. With the ``clients`` extra
installed, every answer that reaches the suite through the API's HTTP clients during a test is
also handed to the API's ``client_readable_requirement`` rule (in the API's ``RULES``), which
parses it with the SDK's model for that operation and status. The rule raises
:class:`ClientUnavailable` when the SDK is not installed: the requirement is then ``not-tested``,
with the reason.

Watched the way :mod:`.server_errors` watches for 5xx answers: the same clients, the same tests.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx

_MAX_PROBLEMS = 5


class ClientUnavailable(Exception):
    """The vendor's client is not installed (or not importable): nothing can be judged."""


class _Collect:
    """An httpx response hook that keeps the responses; they are read once the test is over,
    when their bodies have been read by the code that asked for them."""

    def __init__(self) -> None:
        self.responses: list[httpx.Response] = []

    def __call__(self, response: httpx.Response) -> None:
        self.responses.append(response)


def _answers(collected: _Collect, state: Any, api: str, known: set[int]) -> Iterator[Any]:
    from .rulebook import Answer

    for response in collected.responses:
        try:
            yield Answer.from_httpx(response)
        except httpx.ResponseNotRead:  # a streamed answer nobody read: nothing to judge
            continue
    from .transport import exchange_log

    for client in state.http_clients.get(api, []):
        if id(client) in known:
            continue
        log = exchange_log(client)
        for exchange in log.exchanges if log is not None else ():
            if exchange.status is None:
                continue
            headers = tuple((name.lower(), value) for name, value in exchange.response_headers.items())
            yield Answer(
                status=exchange.status,
                content_type=exchange.response_headers.get("content-type"),
                content=exchange.response_body.encode("utf-8"),
                headers=headers,
                method=exchange.method,
                path=httpx.URL(exchange.url).path,
            )


def judge(rules: Any, requirement_id: str, answers: Any) -> tuple[str, str | None]:
    """``(status, message)`` of ``requirement_id`` over ``answers``: ``fail`` with the first
    problems, ``pass`` when the rule read at least one answer and every one was readable,
    ``not-tested`` with the reason when the client is not installed, ``""`` when no answer was
    within the rule's scope."""
    from .rulebook import RuleFailure

    problems: list[str] = []
    judged = 0
    for answer in answers:
        try:
            applied = rules.apply(requirement_id, answer, None)
        except ClientUnavailable as exc:
            return "not-tested", str(exc)
        except RuleFailure as exc:
            problems.append(str(exc))
            continue
        judged += int(bool(applied))
    if problems:
        more = len(problems) - _MAX_PROBLEMS
        return "fail", "; ".join(problems[:_MAX_PROBLEMS]) + (f" (and {more} more)" if more > 0 else "")
    return ("pass", None) if judged else ("", None)


@contextmanager
def watching(state: Any, recorder: Any, api: Any, requirement_id: str) -> Iterator[None]:
    """While a test runs, collect every answer of ``api``'s clients; then judge each under
    ``requirement_id`` with the API's rule and record the outcome."""
    from .server_errors import hooked

    collected = _Collect()
    known: set[int] = set()
    try:
        with hooked(state, api.name, collected) as known:
            yield
    finally:
        rules = api.module("rules").RULES
        status, message = judge(rules, requirement_id, _answers(collected, state, api.name, known))
        if status:
            recorder.record(requirement_id, status, message)
