"""What every suite needs to run Schemathesis cases and its catalogue rules as custom checks.

A custom check can only raise; Schemathesis then wraps the exception in a ``CustomFailure``. To
attribute that failure to the catalogue requirement it enforces, the check raises
:class:`RequirementViolation` and the suite reads the ID back with :func:`carried_requirement`.
Cases are sent through the suite's own client (:func:`send_case`), and a check that judges with
the suite's httpx-based rules converts Schemathesis' response with :func:`as_httpx`.
"""

from __future__ import annotations

from typing import Any

import httpx


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


def as_httpx(response: Any) -> httpx.Response:
    """Schemathesis hands checks its own transport-neutral response; the rules read httpx ones."""
    request = response.request
    headers = [(name, value) for name, values in response.headers.items() for value in values]
    return httpx.Response(
        response.status_code,
        headers=headers,
        content=response.content,
        request=httpx.Request(request.method or "GET", request.url or "http://unknown/"),
    )


def send_case(http: httpx.Client, case: Any) -> httpx.Response:
    """Send a Schemathesis case through the suite's own client: one transport layer (rate limit,
    re-sends of rate-limited requests, size cap, redacted log) and the target's own credentials. The headers generated from the
    security schemes, and the library's own, are dropped; only its ``X-Schemathesis-*`` tracing
    headers go out."""
    kwargs = case.as_transport_kwargs(base_url=str(http.base_url).rstrip("/"))
    headers = {
        name: value
        for name, value in kwargs.get("headers", {}).items()
        if name.lower().startswith("x-schemathesis")
    }
    return http.request(
        kwargs["method"], kwargs["url"], headers=headers, json=kwargs.get("json"),
        params=kwargs.get("params") or None,
    )
