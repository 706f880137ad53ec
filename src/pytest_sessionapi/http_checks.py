"""Helpers for judging a response, with diagnoses a QA engineer can read.

A broken endpoint (an HTML error page, an empty body, a proxy's text answer) must fail the
requirement being checked with a sentence that says what came back, never a JSONDecodeError
traceback.

Every response body the suites decode goes through :func:`parse_json`, which refuses, with a
reason, what would otherwise crash the judging further down (a hostile endpoint's body nested
100,000 levels deep is a ``RecursionError`` in ``json.loads``, in pydantic and in jsonschema; a
100,000-digit integer is Python's int-conversion limit; ``1e999999`` is a silent infinity).
"""

from __future__ import annotations

import json
import math
from typing import Any

import httpx

_BODY_PREVIEW = 300

MAX_JSON_DEPTH = 64
"""Arrays and objects inside each other. The deepest documented answer of these APIs is four
levels; 64 leaves room for any free-form field and stays far below Python's recursion limit, which
every later step (pydantic, jsonschema, repr in a failure message) walks against."""
MAX_JSON_BYTES = 8 * 1024 * 1024
"""The transport's response cap (``transport.MAX_RESPONSE_BYTES``), for bodies that come from
elsewhere (a Schemathesis response, a vendor example)."""
MAX_NUMBER_CHARS = 4300
"""Python's own limit for int <-> str conversion (``sys.get_int_max_str_digits()`` default); a
longer number is reported, not a ValueError from deep inside the decoder."""


class UnusableResponse(AssertionError):
    """The endpoint answered, but with something no requirement can be judged on (HTML, an
    empty or unparsable body). Reported as a short diagnosis rather than a traceback."""


class UnusableJson(UnusableResponse, ValueError):
    """A body that does not parse as JSON within the limits above. A ValueError too, so every
    ``except ValueError`` written for ``json.loads`` treats it as "not JSON"; ``reason`` says why,
    without the body; ``beyond_limits`` tells a body refused for its depth, size or numbers (which
    a plain ``json.loads`` would crash on or misread) from one that is not JSON at all."""

    def __init__(self, message: str, reason: str, *, beyond_limits: bool = False) -> None:
        super().__init__(message)
        self.reason = reason
        self.beyond_limits = beyond_limits


def _refuse_number(text: str, kind: str) -> None:
    shown = text if len(text) <= 40 else f"{text[:20]}...{text[-10:]} ({len(text)} characters)"
    raise UnusableJson(
        f"the body is not usable JSON: {kind} {shown}", f"{kind} {shown}", beyond_limits=True
    )


def _parse_int(text: str) -> int:
    if len(text) > MAX_NUMBER_CHARS:
        _refuse_number(text, f"it holds an integer longer than {MAX_NUMBER_CHARS} digits:")
    return int(text)


def _parse_float(text: str) -> float:
    if len(text) > MAX_NUMBER_CHARS:
        _refuse_number(text, f"it holds a number longer than {MAX_NUMBER_CHARS} characters:")
    value = float(text)
    if not math.isfinite(value):
        _refuse_number(text, "it holds a number beyond the range of a double:")
    return value


def _parse_constant(text: str) -> Any:
    _refuse_number(text, "it holds a value JSON does not have:")


def _depth_exceeds(value: Any, limit: int) -> bool:
    """Whether containers nest deeper than ``limit``; iterative, so it cannot recurse itself."""
    pending: list[tuple[Any, int]] = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is None:
            continue
        if depth > limit:
            return True
        pending.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


def parse_json(content: bytes | str) -> Any:
    """The decoded JSON document, or :class:`UnusableJson` saying why it cannot be judged."""
    if len(content) > MAX_JSON_BYTES:
        reason = (
            f"it is {len(content)} bytes long, more than the {MAX_JSON_BYTES} bytes any answer "
            f"may have"
        )
        raise UnusableJson(f"the body is not usable JSON: {reason}", reason, beyond_limits=True)
    try:
        value = json.loads(
            content, parse_int=_parse_int, parse_float=_parse_float, parse_constant=_parse_constant
        )
    except RecursionError:
        value, deep = None, True
    except json.JSONDecodeError as exc:
        raise UnusableJson(f"the body does not parse as JSON ({exc.msg})", exc.msg) from None
    except UnicodeDecodeError:
        raise UnusableJson("the body does not parse as JSON (not UTF-8)", "not UTF-8") from None
    else:
        deep = _depth_exceeds(value, MAX_JSON_DEPTH)
    if deep:
        reason = (
            f"its arrays and objects are nested more than {MAX_JSON_DEPTH} levels deep "
            f"(no documented answer nests more than a few)"
        )
        raise UnusableJson(f"the body is not usable JSON: {reason}", reason, beyond_limits=True)
    return value


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
    """The decoded JSON body, or an :class:`UnusableJson` that says what came back instead."""
    kind = media_type(response)
    if not response.content.strip():
        raise UnusableJson(
            f"expected a JSON body, got an empty body ({describe(response)})", "an empty body"
        )
    if kind == "text/html" or response.content.lstrip()[:1] == b"<":
        raise UnusableJson(
            f"expected JSON, got an HTML page (a login page, proxy or server error page?): "
            f"{describe(response)}",
            "an HTML page",
        )
    return _decoded(response)


def _decoded(response: httpx.Response) -> Any:
    """:func:`parse_json` of the body, its failure naming the exchange."""
    try:
        return parse_json(response.content)
    except UnusableJson as exc:
        raise UnusableJson(
            f"expected JSON, got a body that cannot be used ({exc.reason}): {describe(response)}",
            exc.reason,
            beyond_limits=exc.beyond_limits,
        ) from None


class JudgedResponse(httpx.Response):
    """The response every client of the suites gets (the transport builds it): ``.json()``
    decodes with :func:`parse_json`, so no rule anywhere can hit a RecursionError or a silent
    infinity. Its failure is an :class:`UnusableJson` (an AssertionError and a ValueError) that
    names the exchange."""

    def json(self, **kwargs: Any) -> Any:
        return _decoded(self)


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
