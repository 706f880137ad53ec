"""The vendor's own examples, as data: the request body of Cisco's UMTS scripts and the example
answers of the SD-WAN Manager 20.18 API guide, kept verbatim in the bundled ``openapi.json``
(read from there, so the document and these examples cannot drift apart)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from .client import OPERATION_PATH, UMTS_PATH

OPENAPI_PATH = Path(__file__).with_name("openapi.json")


@cache
def document() -> dict[str, Any]:
    return json.loads(OPENAPI_PATH.read_text(encoding="utf-8"))


def _examples(path: str, method: str, status: str) -> dict[str, Any]:
    content = document()["paths"][path][method]["responses"][status]["content"]["application/json"]
    return {name: example["value"] for name, example in content.get("examples", {}).items()}


def operation_samples() -> dict[str, Any]:
    """updateUmtsSessionStatus' 200 examples, 'start/stop/disable/status/download sample' to
    'download sample', by name."""
    return _examples(OPERATION_PATH, "get", "200")


def unknown_session_samples() -> dict[str, Any]:
    """updateUmtsSessionStatus' 400 'error sample' (TBST1005)."""
    return _examples(OPERATION_PATH, "get", "400")


def conflict_samples() -> dict[str, Any]:
    """enableSession's 400 'conflict sample' (TBST1008)."""
    return _examples(UMTS_PATH, "post", "400")


def operation_200_description() -> str:
    return document()["paths"][OPERATION_PATH]["get"]["responses"]["200"]["description"]


def status_ok_sample() -> dict[str, Any]:
    """The 'status ok sample': a started trace whose results are there (START, download_status)."""
    return operation_samples()["status ok sample"]


def operation_methods() -> list[str]:
    """The HTTP methods of updateUmtsSessionStatus' path (the vendor's page: GET only)."""
    return sorted(document()["paths"][OPERATION_PATH])


def operation_statuses() -> list[str]:
    """The response statuses updateUmtsSessionStatus documents."""
    return sorted(document()["paths"][OPERATION_PATH]["get"]["responses"])
