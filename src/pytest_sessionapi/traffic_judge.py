"""``sessionapi judge FILE...``: judge traffic recorded by anything, not only by this plugin.

Reads VCR cassettes (vcrpy, pytest-recording, ``--sessionapi-record``) and HAR 1.2 files (a
browser's network panel, a proxy), picks out the exchanges of each API by their path (the
descriptor's ``recorded_exchange_path``), and judges each with the suites' own rules:

- Control Center: every Get Session Details answer, with every rule of the catalogue
  (``apis/controlcenter/rules.RULES``). The traffic does not say what state a device was in, so
  the rules that need it (never in session, ended...) judge nothing and stay ``not-tested``;
  a request without Authorization is judged as "no credentials", a 401 to one with Authorization
  as "wrong credentials" (the traffic cannot tell a refused valid key from a wrong one).
- UMTS: no 5xx; the JSON media type; a create answer holding one session, a session's field
  types (create and status); the acknowledgement of start, stop and disable; a download's shape;
  the error envelope; and, over the sequence of one session, the start and stop transitions the
  status answers show.
- BioT: no 5xx; a success answer's schema and UTC date-times; the error envelope, its fields and
  the documented details; and, over the sequence of each session the traffic created: the
  create answer echoing what was sent, a GET showing what the last accepted PATCH showed, state
  changes against the transition model (DONE is final, the documented stop, the inferred edges),
  DELETE of DONE and non-DONE sessions, and a deleted session not found.

Everything else (what needs a known device, a second credential, or a request the client never
made) is reported ``not-tested``. The reports are the suites' own: conformance.json, .md, .html.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from .cassettes import Interaction, read_vcr
from .errors import ConfigError
from .plan import TargetPlan
from .registry import api_of_recorded_path


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


def _response(found: Interaction) -> httpx.Response:
    from .http_checks import JudgedResponse

    return JudgedResponse(
        found.status or 0,
        headers=found.response_headers,
        content=found.response_body,
        request=httpx.Request(found.method, found.url or "http://unknown/"),
    )


def api_of(found: Interaction) -> str | None:
    recognised = api_of_recorded_path(urlsplit(found.url).path)
    return recognised[0].name if recognised else None


def _path_fields(found: Interaction) -> re.Match[str]:
    """The named groups of the exchange's API's ``recorded_exchange_path`` (the exchange was
    recognised by it)."""
    recognised = api_of_recorded_path(urlsplit(found.url).path)
    assert recognised is not None
    return recognised[1]


# --------------------------------------------------------------------------------------------


class _Judging:
    """One recorder per API and file: the ledger's unit of 'a test'."""

    def __init__(self, ledger: Any) -> None:
        self.ledger = ledger
        self.recorders: dict[tuple[str, str], Any] = {}

    def recorder(self, api: str, source: str) -> Any:
        from .ledger import TestRecorder

        key = (api, source)
        if key not in self.recorders:
            self.recorders[key] = TestRecorder(source, ())
        return self.recorders[key]


def _judge_controlcenter(found: Interaction, conformance: Any) -> None:
    from .apis.controlcenter.rules import RULES, Asked
    from .rulebook import Answer

    match = _path_fields(found)
    authorized = any(name.lower() == "authorization" for name, _ in found.request_headers)
    credentials = "none" if not authorized else ("invalid" if found.status == 401 else "valid")
    asked = Asked(iccid=match["iccid"], api_version=match["version"], credentials=credentials)
    answer = Answer(
        status=found.status or 0,
        content_type=next((v for k, v in found.response_headers if k.lower() == "content-type"), None),
        content=found.response_body,
        headers=tuple((k.lower(), v) for k, v in found.response_headers),
    )
    for requirement_id, text in RULES.judge(answer, asked).results.items():
        if text is None:
            conformance.record(requirement_id, "pass")
        else:
            conformance.record(requirement_id, "fail", f"{found.method} {found.url}: {text}")


@dataclass
class _UmtsSessionSeen:
    started: bool = False
    stopped: bool = False
    disabled: bool = False


def _judge_umts(found: Interaction, conformance: Any, sessions: dict[str, _UmtsSessionSeen]) -> None:
    from .apis.umts.client import looks_like_login_page
    from .apis.umts.model import Expect
    from .apis.umts.models import OPERATIONS
    from .apis.umts.rules import RULES, Asked
    from .rulebook import Answer

    match = _path_fields(found)
    response = _response(found)
    answer = Answer.from_httpx(response)
    operation, session_id = match["operation"], match["session"]
    seen = sessions.get(str(session_id)) if session_id else None
    operation_name = operation or ("create" if found.method == "POST" else "")

    def judge(expect: Any, *rules: str, reports: str | None = None) -> Any:
        asked = Asked(operation_name, expect, session_id=session_id, reports=reports)
        verdicts = RULES.judge(answer, asked, rules)
        for requirement_id, text in verdicts.results.items():
            if text is None:
                conformance.record(requirement_id, "pass")
            else:
                conformance.record(requirement_id, "fail", text)
        return verdicts

    judge(Expect.RECORDED, "UMTS-NO-SERVER-ERROR")
    if response.status_code >= 500 or looks_like_login_page(response):
        return  # the login page is vManage's refusal of a call without a session
    # The body is judged only when UMTS-MEDIA-JSON holds: a body it cannot read says nothing more.
    usable = "UMTS-MEDIA-JSON" in judge(Expect.RECORDED, "UMTS-MEDIA-JSON").passed
    if seen is not None and seen.disabled and operation in OPERATIONS:
        judge(Expect.DISABLED_SESSION, "UMTS-DISABLE-INVALIDATES")
    if response.status_code == 400 and usable:
        judge(Expect.RECORDED, "UMTS-ERROR-ENVELOPE")
        return
    if response.status_code != 200 or not usable:
        return
    if operation is None and found.method == "POST":
        verdicts = judge(Expect.RECORDED, "UMTS-CREATE-SESSION", "UMTS-SESSION-TYPES")
        if "UMTS-CREATE-SESSION" in verdicts.passed:
            body = answer.json
            session = body[0] if isinstance(body, list) else body
            sessions.setdefault(str(session.get("sessionId")), _UmtsSessionSeen())
    elif operation == "status":
        # The lifecycle over one session's sequence: after an acknowledged start the status says
        # START, after an acknowledged stop it says STOP.
        seen = sessions.get(str(session_id))
        reports = None
        if seen is not None and seen.stopped:
            reports = "STOP"
        elif seen is not None and seen.started:
            reports = "START"
        judge(Expect.RECORDED, "UMTS-SESSION-TYPES", "UMTS-LIFECYCLE-START",
              "UMTS-LIFECYCLE-STOP", reports=reports)
    elif operation in ("start", "stop", "disable"):
        judge(Expect.RECORDED, "UMTS-OP-ACK")
        seen = sessions.setdefault(str(session_id), _UmtsSessionSeen())
        if operation == "start":
            seen.started = True
        elif operation == "stop":
            seen.stopped = True
        else:
            seen.disabled = True
    elif operation == "download":
        judge(Expect.RECORDED, "UMTS-DOWNLOAD-SHAPE")


_BIOT_OPERATIONS = {"GET": "getSession", "PATCH": "updateSession", "DELETE": "deleteSession", "POST": "createSessionByUsageType"}


@dataclass
class _BiotSessionSeen:
    """What the traffic showed of one usage session so far."""

    state: str | None = None
    body: dict[str, Any] | None = None
    """The last answer that showed the whole session."""
    patched: bool = False
    """That answer was an accepted PATCH (a GET after it must show the same)."""
    deleted: bool = False
    device: str = ""


def _json_of(content: bytes) -> Any:
    from .http_checks import parse_json

    try:
        return parse_json(content)
    except ValueError:
        return None


def _biot_code(response: httpx.Response) -> Any:
    body = _json_of(response.content)
    return body.get("code") if isinstance(body, dict) else None


def _judge_biot(found: Interaction, conformance: Any, sessions: dict[str, _BiotSessionSeen]) -> None:
    from .apis.biot.steps import judge_error, judge_session

    response = _response(found)
    with conformance.check("BIOT-NO-SERVER-ERROR"):
        assert response.status_code < 500, f"{found.method} {found.url} answered {response.status_code}"
    body = None
    if 400 <= response.status_code < 500:
        judge_error(conformance, response, _BIOT_OPERATIONS.get(found.method, "getSession"))
    elif response.status_code in (200, 201) and found.method in ("GET", "PATCH", "POST"):
        body = judge_session(conformance, response, response.status_code, _BIOT_OPERATIONS.get(found.method, "getSession"))
    match = _path_fields(found)
    _judge_biot_sequence(found, response, body, match["device"], match["rest"], conformance, sessions)


def _judge_biot_sequence(
    found: Interaction, response: httpx.Response, body: Any, device: str, rest: str,
    conformance: Any, sessions: dict[str, _BiotSessionSeen],
) -> None:
    """The lifecycle over one session's exchanges: creation echoes what was sent, a GET shows
    what the last accepted PATCH showed, state changes follow the transition model, DELETE
    removes only DONE sessions, and a deleted session is not found."""
    from .apis.biot.model import load_model, parse_instant, same_instant

    sent = _json_of(found.request_body) if found.request_body else None
    sent = sent if isinstance(sent, dict) else {}
    if rest.startswith("usage-type/"):
        if found.method == "POST" and response.status_code == 201 and isinstance(body, dict):
            with conformance.check("BIOT-CREATE"):
                for key in ("_state", "_name"):
                    if key in sent:
                        assert body.get(key) == sent[key], f"created with {key} {sent[key]!r}, answered {body.get(key)!r}"
                if "_startTime" in sent:
                    assert same_instant(parse_instant(body.get("_startTime")), parse_instant(sent["_startTime"])), (
                        f"created with _startTime {sent['_startTime']!r}, answered {body.get('_startTime')!r}"
                    )
                assert (body.get("_device") or {}).get("id") == device, (
                    f"created on device {device!r}, answered _device {body.get('_device')!r}"
                )
                assert body.get("_initiator") == "EXTERNAL", f"_initiator is {body.get('_initiator')!r}, not EXTERNAL"
            if isinstance(body.get("_id"), str):
                sessions[body["_id"]] = _BiotSessionSeen(body.get("_state"), body, device=device)
        return
    session_id = rest
    seen = sessions.get(session_id)
    if seen is None:
        return  # a session this traffic did not create: its state is unknown
    if device != seen.device:
        with conformance.check("BIOT-WRONG-DEVICE"):
            assert response.status_code == 409 and _biot_code(response) == "SESSION_WRONG_DEVICE_ID", (
                f"{found.method} of device {seen.device!r}'s session through device {device!r} answered "
                f"{response.status_code} {_biot_code(response)!r}, not 409 SESSION_WRONG_DEVICE_ID"
            )
        return
    if seen.deleted:
        with conformance.check("BIOT-SESSION-NOT-FOUND"):
            assert response.status_code == 404 and _biot_code(response) == "SESSION_NOT_FOUND", (
                f"{found.method} of a deleted session answered {response.status_code} {_biot_code(response)!r}, "
                "not 404 SESSION_NOT_FOUND"
            )
        return
    if found.method == "GET" and response.status_code == 200 and isinstance(body, dict):
        if seen.patched and seen.body is not None:
            with conformance.check("BIOT-GET"):
                for key in ("_state", "_name", "_startTime", "_endTime"):
                    assert body.get(key) == seen.body.get(key), (
                        f"GET shows {key} {body.get(key)!r}; the accepted PATCH before it showed {seen.body.get(key)!r}"
                    )
        seen.state, seen.body, seen.patched = body.get("_state"), body, False
    elif found.method == "PATCH":
        target = sent.get("_state")
        refused = response.status_code == 409 and _biot_code(response) == "SESSION_STATE_CHANGE_INVALID"
        accepted = response.status_code == 200
        if isinstance(target, str) and seen.state and target != seen.state and (accepted or refused):
            transition = load_model().transition(seen.state, target)
            with conformance.check(transition.requirement):
                if transition.allowed:
                    assert accepted, f"{transition.describe()}; the server refused it: {found.method} {found.url}"
                else:
                    assert refused, f"{transition.describe()}; the server accepted it: {found.method} {found.url}"
        if accepted and isinstance(body, dict):
            seen.state, seen.body, seen.patched = body.get("_state"), body, True
    elif found.method == "DELETE" and seen.state:
        if seen.state == "DONE":
            with conformance.check("BIOT-DELETE"):
                assert response.status_code == 204 and not response.content, (
                    f"deleting a DONE session answered {response.status_code} with {len(response.content)} bytes, "
                    "not 204 with no body"
                )
        else:
            with conformance.check("BIOT-DELETE-NON-DONE"):
                assert response.status_code == 409 and _biot_code(response) == "CANNOT_DELETE_NON_DONE_SESSION", (
                    f"deleting a {seen.state} session answered {response.status_code} {_biot_code(response)!r}, "
                    "not 409 CANNOT_DELETE_NON_DONE_SESSION"
                )
        if 200 <= response.status_code < 300:
            seen.deleted = True


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


def judge_traffic(
    paths: Iterable[Path], redactor: Any = None
) -> tuple[Any, dict[str, list[str]], dict[str, int]]:
    """The ledger of every exchange of the three APIs in ``paths``, the files each API was seen
    in, and how many exchanges of each were judged."""
    from .ledger import Ledger

    ledger = Ledger()
    judging = _Judging(ledger)
    seen: dict[str, list[str]] = {}
    counts: dict[str, int] = {}
    for path in paths:
        source = str(path)
        sessions: dict[str, _UmtsSessionSeen] = {}
        biot_sessions: dict[str, _BiotSessionSeen] = {}
        for found in read_traffic(path):
            if redactor is not None:
                learn_credentials(found, redactor)
            api = api_of(found)
            if api is None or found.error is not None:
                continue
            conformance = judging.recorder(api, source)
            if api == "controlcenter":
                _judge_controlcenter(found, conformance)
            elif api == "umts":
                _judge_umts(found, conformance, sessions)
            else:
                _judge_biot(found, conformance, biot_sessions)
            counts[api] = counts.get(api, 0) + 1
            if source not in seen.setdefault(api, []):
                seen[api].append(source)
    for (api, _), recorder in judging.recorders.items():
        ledger.apis_collected.add(api)
        ledger.facts.suite_tests[api] += 1
        ledger.facts.tests_started[api] += 1
        ledger.facts.tests_finished[api] += 1
        ledger.absorb(recorder)
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
