"""``sessionapi judge FILE...``: judge traffic recorded by anything, not only by this plugin.

Reads VCR cassettes (vcrpy, pytest-recording, ``--sessionapi-record``) and HAR 1.2 files (a
browser's network panel, a proxy), picks out the exchanges of each API by their path (the
descriptor's ``recorded_exchange_path``), and hands each API's exchanges of one file, in the order
they were made, to that API's ``steps.judge_recorded(exchanges, conformance)``: the API judges
them with the suites' own rules and records the verdicts. What each API can judge from traffic
alone (and what it leaves ``not-tested``) is said there; this module names no API.

The core's part: reading the files, recognising each API's exchanges, masking the credentials
the traffic carries, and the reports, which are the suites' own (conformance.json, .md, .html).
Everything the traffic cannot show (what needs a known device, a second credential, or a request
the client never made) is reported ``not-tested``.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from .cassettes import Interaction, read_vcr
from .errors import ConfigError
from .plan import TargetPlan
from .registry import api_of_recorded_path, get_api


def read_har(path: Path) -> list[Interaction]:
    """The exchanges of a HAR 1.2 file (``log.entries``), in the order they were made."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        entries = document["log"]["entries"]
    except (ValueError, KeyError, TypeError) as exc:
        raise ConfigError(f"{path}: not a HAR file ({exc})") from None
    found = []
    for entry in sorted(entries, key=lambda e: str(e.get("startedDateTime", ""))):
        request, response = entry.get("request", {}), entry.get("response", {})
        content = response.get("content", {}) or {}
        text = content.get("text") or ""
        body = base64.b64decode(text) if content.get("encoding") == "base64" else text.encode("utf-8")
        status = int(response.get("status") or 0)
        found.append(
            Interaction(
                method=str(request.get("method", "GET")).upper(),
                url=str(request.get("url", "")),
                request_headers=[(h["name"], h["value"]) for h in request.get("headers", [])],
                request_body=str((request.get("postData") or {}).get("text") or "").encode("utf-8"),
                status=status or None,
                reason=str(response.get("statusText", "")),
                response_headers=[(h["name"], h["value"]) for h in response.get("headers", [])],
                response_body=body,
                # A HAR entry with status 0 is a request that got no answer (blocked, aborted).
                error=None if status else ("TransportError", "no response recorded"),
            )
        )
    return found


def read_traffic(path: Path) -> list[Interaction]:
    if not path.is_file():
        raise ConfigError(f"{path}: no such file")
    if path.suffix.lower() in (".har", ".json"):
        return read_har(path)
    try:
        return read_vcr(path).interactions
    except Exception as exc:  # noqa: BLE001 - any loader error is "not a cassette"
        raise ConfigError(f"{path}: neither a HAR file nor a VCR cassette ({exc})") from None


@dataclass(frozen=True)
class RecordedExchange:
    """One recorded exchange of an API, as the API's judge (``steps.judge_recorded``) reads it:
    the request as sent, the answer as received, and the named groups of the descriptor's
    ``recorded_exchange_path`` (the operation, the session, the device...) its path matched."""

    method: str
    url: str
    request_headers: tuple[tuple[str, str], ...]
    request_body: bytes
    status: int
    response_headers: tuple[tuple[str, str], ...]
    response_body: bytes
    fields: Mapping[str, str | None]

    @classmethod
    def of(cls, found: Interaction, match: re.Match[str]) -> RecordedExchange:
        return cls(
            method=found.method,
            url=found.url,
            request_headers=tuple(found.request_headers),
            request_body=found.request_body,
            status=found.status or 0,
            response_headers=tuple(found.response_headers),
            response_body=found.response_body,
            fields=match.groupdict(),
        )

    @cached_property
    def response(self) -> httpx.Response:
        """The answer as the suites' own client hands it to the rules."""
        from .http_checks import JudgedResponse

        return JudgedResponse(
            self.status,
            headers=list(self.response_headers),
            content=self.response_body,
            request=httpx.Request(self.method, self.url or "http://unknown/"),
        )


def learn_credentials(found: Interaction, redactor: Any) -> None:
    """Traffic from a browser or a proxy holds the client's real credentials: every value that
    is one (Authorization, cookies, XSRF tokens, the token endpoint's answer) is masked in what
    the judgment writes."""
    from .cassettes import _CREDENTIAL_HEADERS, is_token_answer_path

    for name, value in [*found.request_headers, *found.response_headers]:
        lower = name.lower()
        if lower in _CREDENTIAL_HEADERS:
            redactor.add(value)
            redactor.add(value.partition(" ")[2])
        elif lower in ("cookie", "set-cookie"):
            parts = value.split(";") if lower == "cookie" else value.split(";")[:1]
            for part in parts:
                redactor.add(part.partition("=")[2].strip())
    if is_token_answer_path(found.url):
        redactor.add(found.response_body.decode("utf-8", errors="replace").strip())


def _client_reads(api: Any, exchanges: list[RecordedExchange], conformance: Any) -> None:
    """A recorded answer is read by the vendor's client as a live one is (client_readability)."""
    if api.client_readable_requirement is None:
        return
    from .client_readability import judge
    from .rulebook import Answer

    answers = (Answer.from_httpx(exchange.response) for exchange in exchanges)
    status, message = judge(api.module("rules").RULES, api.client_readable_requirement, answers)
    if status:
        conformance.record(api.client_readable_requirement, status, message)


def judge_traffic(
    paths: Iterable[Path], redactor: Any = None
) -> tuple[Any, dict[str, list[str]], dict[str, int]]:
    """The ledger of every exchange of every API in ``paths``, the files each API was seen in,
    and how many exchanges of each were judged.

    The exchanges of one API in one file are that API's to judge, in the order they were made,
    through its ``steps.judge_recorded(exchanges, conformance)``; the ledger's unit of "a test" is
    one API in one file, so no session's sequence runs across files."""
    from .ledger import Ledger, TestRecorder

    ledger = Ledger()
    recorders: dict[tuple[str, str], TestRecorder] = {}
    seen: dict[str, list[str]] = {}
    counts: dict[str, int] = {}
    for path in paths:
        source = str(path)
        of_api: dict[str, list[RecordedExchange]] = {}
        for found in read_traffic(path):
            if redactor is not None:
                learn_credentials(found, redactor)
            recognised = api_of_recorded_path(urlsplit(found.url).path)
            if recognised is None or found.error is not None:
                continue
            api, match = recognised
            of_api.setdefault(api.name, []).append(RecordedExchange.of(found, match))
        for api_name, exchanges in of_api.items():
            conformance = recorders.setdefault((api_name, source), TestRecorder(source, ()))
            get_api(api_name).steps.judge_recorded(exchanges, conformance)
            _client_reads(get_api(api_name), exchanges, conformance)
            counts[api_name] = counts.get(api_name, 0) + len(exchanges)
            if source not in seen.setdefault(api_name, []):
                seen[api_name].append(source)
    for (api_name, _), conformance in recorders.items():
        ledger.apis_collected.add(api_name)
        ledger.facts.suite_tests[api_name] += 1
        ledger.facts.tests_started[api_name] += 1
        ledger.facts.tests_finished[api_name] += 1
        ledger.absorb(conformance)
    return ledger, seen, counts


@dataclass
class TrafficPlan(TargetPlan):
    sources: dict[str, list[str]] | None = None
    counts: dict[str, int] | None = None

    def describe(self, api: str) -> str:
        if api in self.not_run:
            return f"not-run ({self.not_run[api]})"
        files = ", ".join((self.sources or {}).get(api, []))
        return f"traffic recorded in {files} ({(self.counts or {}).get(api, 0)} exchanges judged)"


def main(files: list[str], report_dir: str, strict: bool) -> int:
    from .redaction import Redactor, RedactorSet
    from .registry import all_apis
    from .reports import build_document, write_reports

    started = datetime.now(UTC)
    redact = RedactorSet()
    credentials = redact.register(Redactor())
    try:
        ledger, seen, counts = judge_traffic((Path(f) for f in files), credentials)
    except ConfigError as exc:
        print(f"sessionapi judge: {exc}", file=__import__("sys").stderr)
        return 4
    if not seen:
        *others, last = all_apis()
        print(
            f"sessionapi judge: no exchange of {', '.join(others)} or {last} in "
            + ", ".join(files), file=__import__("sys").stderr,
        )
        return 4
    not_run = {name: "no exchange of this API in the traffic" for name in all_apis() if name not in seen}
    plan = TrafficPlan(None, list(seen), not_run, sources=seen, counts=counts)
    document = build_document(plan, ledger, strict=strict, started_at=started, redact=redact)
    status = 1 if ledger.blocking_failures(strict) else 0
    document["exit_status"] = status
    for path in write_reports(Path(report_dir), document, redact):
        print(f"report: {path}")
    for name, entry in document["apis"].items():
        line = f"{name}: {entry['verdict']}"
        failed = [r["id"] for r in entry["requirements"] if r["status"] == "fail"]
        if failed:
            line += f"; failed: {', '.join(failed)}"
        print(line)
    return status
