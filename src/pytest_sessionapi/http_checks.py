"""Helpers for judging a response, with diagnoses a QA engineer can read.

A broken endpoint (an HTML error page, an empty body, a proxy's text answer) must fail the
requirement being checked with a sentence that says what came back, never a JSONDecodeError
traceback.
"""

from __future__ import annotations

import json
from typing import Any

import httpx

_BODY_PREVIEW = 300


class UnusableResponse(AssertionError):
    """The endpoint answered, but with something no requirement can be judged on (HTML, an
    empty or unparsable body). Reported as a short diagnosis rather than a traceback."""


def media_type(response: httpx.Response) -> str:
    """``application/json; charset=utf-8`` -> ``application/json``."""
    return response.headers.get("content-type", "").split(";")[0].strip().lower()


def _preview(response: httpx.Response) -> str:
    text = response.content[:_BODY_PREVIEW * 2].decode("utf-8", errors="replace")
    text = " ".join(text.split())
    if len(text) > _BODY_PREVIEW:
        text = text[:_BODY_PREVIEW] + "..."
    return text or "(empty body)"


def describe(response: httpx.Response) -> str:
    """``GET /x -> 404 application/json: {"errorMessage": ...}``; secrets are masked by the
    plugin's failure-report redaction, and no header is shown here."""
    request = response.request
    ctype = response.headers.get("content-type", "no content-type")
    return (
        f"{request.method} {request.url.path} -> {response.status_code} {ctype}: "
        f"{_preview(response)}"
    )


def json_body(response: httpx.Response) -> Any:
    """The decoded JSON body, or an AssertionError that says what came back instead."""
    kind = media_type(response)
    if not response.content.strip():
        raise UnusableResponse(f"expected a JSON body, got an empty body ({describe(response)})")
    if kind == "text/html" or response.content.lstrip()[:1] == b"<":
        raise UnusableResponse(
            f"expected JSON, got an HTML page (a login page, proxy or server error page?): "
            f"{describe(response)}"
        )
    try:
        return json.loads(response.content)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        reason = exc.msg if isinstance(exc, json.JSONDecodeError) else "not UTF-8"
        raise UnusableResponse(
            f"expected JSON, got a body that does not parse ({reason}): "
            f"{describe(response)}"
        ) from None


def json_object(response: httpx.Response) -> dict[str, Any]:
    body = json_body(response)
    if not isinstance(body, dict):
        raise UnusableResponse(
            f"expected a JSON object, got {type(body).__name__}: {describe(response)}"
        )
    return body


def expect_status(response: httpx.Response, *allowed: int) -> None:
    if response.status_code not in allowed:
        expected = " or ".join(str(code) for code in allowed)
        raise AssertionError(f"expected HTTP {expected}, got {describe(response)}")
