"""``sessionapi judge FILE...``: judge traffic recorded by anything, not only by this plugin.

Reads VCR cassettes (vcrpy, pytest-recording, ``--sessionapi-record``), the Schemathesis CLI's
``--report vcr`` cassettes and any HAR 1.2 file (the Schemathesis CLI's ``--report har``, a
browser's network panel, a proxy).

Two ways in, one judge:

- A cassette written by ``--sessionapi-record`` holds what its suite asked (the test, the ids and
  clock it drew): the judge hands it back to that test, replayed offline
  (``--sessionapi-replay``), so every answer is judged by the step that asked for it, with the
  ``Asked`` that step built, by the API's rulebook. The statuses are the live run's.
- Any other traffic: each exchange is matched against the operations of the API's OpenAPI
  document (``openapi.json``). A method or path the document does not describe is listed as out
  of scope, never judged. A documented one is handed to the API's
  ``steps.asked_of_recorded(request, answer, history)``, which rebuilds the ``Asked`` the suite
  would have built from the request and what the file showed before it; the API's whole rulebook
  then judges the answer, as the live steps do (:func:`judge_exchange`). What the rebuild cannot
  know (a device's state, which credential was wrong) it leaves out, and the rules that need it
  stay ``not-tested``.

A value the recording tool masked (``[Filtered]``, ``SCRUBBED``...) is not the server's: a rule
that reads it is ``not-tested`` on that answer, with the reason, instead of failing on the mask.

This module names no API: what it knows of one comes from its descriptor and its own files.
"""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest

from .cassettes import METADATA_FILE, RECORDING_FORMAT, Interaction, read_vcr
from .errors import ConfigError
from .plan import TargetPlan
from .registry import ApiDescriptor, all_apis
from .rulebook import Answer, RuleFailure

MASKS = frozenset({"[Filtered]", "SCRUBBED", "[REDACTED]", "[MASKED]", "***"})
"""Values recording tools write in place of a secret: Schemathesis (``[Filtered]``), this
plugin's cassettes (``SCRUBBED``), common proxies. A header value is masked when it is one of
these, alone or after an auth scheme (``Basic [Filtered]``)."""


# --------------------------------------------------------------------------------------------
# Reading the files


def _body_of(content: Mapping[str, Any] | None) -> bytes:
    content = content or {}
    if "base64_string" in content:
        return base64.b64decode(content["base64_string"] or "")
    text = content.get("text", content.get("string")) or ""
    if content.get("encoding") == "base64":
        return base64.b64decode(text)
    return str(text).encode("utf-8")


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
        status = int(response.get("status") or 0)
        found.append(
            Interaction(
                method=str(request.get("method", "GET")).upper(),
                url=str(request.get("url", "")),
                request_headers=[(h["name"], h["value"]) for h in request.get("headers", [])],
                request_body=_body_of(request.get("postData")),
                status=status or None,
                reason=str(response.get("statusText", "")),
                response_headers=[(h["name"], h["value"]) for h in response.get("headers", [])],
                response_body=_body_of(response.get("content")),
                # A HAR entry with status 0 is a request that got no answer (blocked, aborted).
                error=None if status else ("TransportError", "no response recorded"),
                recorded_at=str(entry.get("startedDateTime") or ""),
            )
        )
    return found


def _header_items(headers: Mapping[str, Any] | None) -> list[tuple[str, str]]:
    return [
        (str(name), str(value))
        for name, values in (headers or {}).items()
        for value in (values if isinstance(values, list) else [values])
    ]


def read_schemathesis_vcr(document: Mapping[str, Any]) -> list[Interaction]:
    """The exchanges of a Schemathesis ``--report vcr`` cassette (``http_interactions``)."""
    found = []
    for item in document.get("http_interactions") or []:
        request, response = item.get("request") or {}, item.get("response")
        if not response:  # Schemathesis notes a request that got no answer without a response
            error = ("TransportError", "no response recorded")
            status = None
        else:
            error, status = None, int((response.get("status") or {}).get("code") or 0) or None
        response = response or {}
        found.append(
            Interaction(
                method=str(request.get("method", "GET")).upper(),
                url=str(request.get("uri", "")),
                request_headers=_header_items(request.get("headers")),
                request_body=_body_of(request.get("body")),
                status=status,
                reason=str((response.get("status") or {}).get("message") or ""),
                response_headers=_header_items(response.get("headers")),
                response_body=_body_of(response.get("body")),
                error=error,
                recorded_at=str(item.get("recorded_at") or ""),
            )
        )
    return found


def read_traffic(path: Path) -> list[Interaction]:
    if not path.is_file():
        raise ConfigError(f"{path}: no such file")
    if path.suffix.lower() in (".har", ".json"):
        return read_har(path)
    text = path.read_text(encoding="utf-8", errors="replace")
    if re.search(r"^http_interactions:", text, re.MULTILINE):
        import yaml

        try:
            return read_schemathesis_vcr(yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)))
        except (yaml.YAMLError, AttributeError, TypeError, ValueError) as exc:
            raise ConfigError(f"{path}: not a readable Schemathesis VCR cassette ({exc})") from None
    try:
        return read_vcr(path).interactions
    except Exception as exc:  # noqa: BLE001 - any loader error is "not a cassette"
        raise ConfigError(f"{path}: neither a HAR file nor a VCR cassette ({exc})") from None


def recorded_by_this_plugin(path: Path) -> tuple[Path, str, str] | None:
    """(recording folder, API, test) of a cassette ``--sessionapi-record`` wrote beside its
    ``<api>/recording.json``; None for any other file."""
    if path.suffix.lower() not in (".yaml", ".yml"):
        return None
    try:
        metadata = read_vcr(path).metadata
    except Exception:  # noqa: BLE001 - not a vcrpy cassette: another tool's
        return None
    api, test = metadata.get("api"), metadata.get("test")
    if metadata.get("recorded_by") != RECORDING_FORMAT or api not in all_apis() or not test:
        return None
    for folder in path.resolve().parents:
        if (folder / api / METADATA_FILE).is_file():
            return folder, str(api), str(test)
    return None


# --------------------------------------------------------------------------------------------
# The operations the vendor documents


@dataclass(frozen=True)
class Operation:
    method: str
    template: str
    operation_id: str
    pattern: re.Pattern[str]


@cache
def documented_operations(api_name: str) -> tuple[Operation, ...]:
    """Every (method, path) of the API's OpenAPI document, as patterns searched at the end of a
    recorded path (a base path before it is the deployment's)."""
    document = json.loads((all_apis()[api_name].path / "openapi.json").read_text(encoding="utf-8"))
    found = []
    for template, item in (document.get("paths") or {}).items():
        regex = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template)) + "/?$"
        for method, operation in item.items():
            if isinstance(operation, dict) and method != "parameters":
                found.append(Operation(method.upper(), template, str(operation.get("operationId") or ""),
                                       re.compile(regex)))
    return tuple(found)


@dataclass(frozen=True)
class RecordedRequest:
    """A recorded request of a documented operation, as an API's ``steps.asked_of_recorded``
    reads it to rebuild what the suite would have asked."""

    method: str
    path: str
    operation: str
    """The operationId of the OpenAPI document."""
    parameters: Mapping[str, str]
    """The path parameters, by the document's names, URL-decoded."""
    headers: tuple[tuple[str, str], ...]
    body: bytes
    at: datetime | None
    """When it was sent, when the file says so."""

    def header(self, name: str) -> str | None:
        return next((value for key, value in self.headers if key.lower() == name.lower()), None)

    def masked(self, name: str) -> bool:
        """The recording tool masked this header: its presence is known, its value is not."""
        value = self.header(name)
        return value is not None and is_masked(value)

    @property
    def json(self) -> Any:
        try:
            return json.loads(self.body) if self.body else None
        except ValueError:
            return None


def is_masked(value: str) -> bool:
    value = value.strip()
    return value in MASKS or value.partition(" ")[2].strip() in MASKS


def _masked_in(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip() in MASKS
    if isinstance(value, dict):
        return any(_masked_in(item) for item in value.values())
    if isinstance(value, list):
        return any(_masked_in(item) for item in value)
    return False


def _instant(text: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass
class Classified:
    api: ApiDescriptor
    request: RecordedRequest | None
    """None: the API's, but no operation its document describes (out of scope)."""
    label: str = ""
    """For an exchange out of scope: its method and the documented path (or its own)."""


def classify(found: Interaction) -> Classified | None:
    """Whose exchange this is, and which documented operation (None: no API's)."""
    path = urlsplit(found.url).path
    for api in all_apis().values():
        operations = documented_operations(api.name)
        on_path = [(op, m) for op in operations if (m := op.pattern.search(path))]
        if not on_path:
            if any(prefix in path for prefix in api.appended_paths):
                return Classified(api, None, f"{found.method} {path}")
            continue
        documented = next(((op, m) for op, m in on_path if op.method == found.method), None)
        if documented is None:
            return Classified(api, None, f"{found.method} {on_path[0][0].template}")
        operation, match = documented
        return Classified(api, RecordedRequest(
            method=found.method, path=path, operation=operation.operation_id,
            parameters={k: unquote(v) for k, v in match.groupdict().items()},
            headers=tuple(found.request_headers), body=found.request_body,
            at=_instant(found.recorded_at) if found.recorded_at else None,
        ))
    return None


# --------------------------------------------------------------------------------------------
# One judge for a recorded answer


class ReadingAnswer(Answer):
    """An :class:`Answer` that notes which of its parts a rule read: a verdict that rests on a
    value the recording tool masked is no verdict."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        object.__setattr__(self, "read", set())

    def header_list(self, name: str) -> tuple[str, ...]:
        name = name.lower()
        object.__getattribute__(self, "read").add(name)
        return tuple(value for key, value in object.__getattribute__(self, "headers") if key == name)

    def __getattribute__(self, name: str) -> Any:
        if name in ("content", "json", "body", "headers"):
            object.__getattribute__(self, "read").add(name)
        return object.__getattribute__(self, name)

    def masked_headers_read(self) -> list[str]:
        """The headers the rule read that the recording tool masked."""
        read = object.__getattribute__(self, "read")
        masked = {name for name, value in object.__getattribute__(self, "headers") if is_masked(value)}
        return sorted(masked if "headers" in read else masked & read)

    @property
    def body_read(self) -> bool:
        return bool(object.__getattribute__(self, "read") & {"content", "json", "body"})


MASK_STAND_INS = ("sessionapi-stand-in", "00000000-0000-4000-8000-000000000000")
"""What a masked string of a body is replaced by to see whether a verdict rests on it: a word
and a UUID (most masked strings are ids or tokens)."""


def _replace_masks(value: Any, stand_in: str) -> Any:
    if isinstance(value, str) and value.strip() in MASKS:
        return stand_in
    if isinstance(value, dict):
        return {key: _replace_masks(item, stand_in) for key, item in value.items()}
    if isinstance(value, list):
        return [_replace_masks(item, stand_in) for item in value]
    return value


def with_masks_replaced(answer: Answer) -> list[Answer]:
    """The answer with every masked string of its JSON body replaced, once by each stand-in
    (none: its body holds no masked string). Recording tools mask a string with a string, so a
    verdict that is the same, word for word, whatever the string says did not rest on it."""
    try:
        body = json.loads(answer.content)
    except ValueError:
        return []
    if not _masked_in(body):
        return []
    return [replace(answer, content=json.dumps(_replace_masks(body, s)).encode()) for s in MASK_STAND_INS]


def _verdict(rules: Any, requirement_id: str, answer: Answer, asked: Any) -> bool | str:
    """True: judged and met; False: outside the rule's scope; a text: what broke it."""
    try:
        return rules.apply(requirement_id, answer, asked)
    except RuleFailure as exc:
        return str(exc)


def judge_exchange(api: ApiDescriptor, answer: Answer, asked: Any) -> tuple[dict[str, str | None], dict[str, str]]:
    """Every rule of the API's rulebook, once, on one recorded answer: (verdicts, not-tested
    reasons). A rule gives no verdict when it rests on a value the recording tool masked: it read
    a masked header, or it read a body with masked strings and its verdict changes when they are
    replaced by other strings; the reason says which."""
    rules = api.module("rules").RULES
    stand_ins = with_masks_replaced(answer)
    verdicts: dict[str, str | None] = {}
    untested: dict[str, str] = {}
    from .client_readability import ClientUnavailable

    for requirement_id in rules:
        reading = ReadingAnswer(**{name: getattr(answer, name) for name in Answer.__dataclass_fields__})
        try:
            applied = _verdict(rules, requirement_id, reading, asked)
        except ClientUnavailable as exc:  # the vendor's client is an optional extra
            untested[requirement_id] = str(exc)
            continue
        headers = reading.masked_headers_read()
        if applied is not False and headers:
            untested[requirement_id] = (
                f"the recording tool masked {', '.join(headers)} of this answer, which this rule reads"
            )
        elif applied is not False and stand_ins and reading.body_read and any(
            _verdict(rules, requirement_id, stand_in, asked) != applied for stand_in in stand_ins
        ):
            untested[requirement_id] = (
                "the recording tool masked a value of this answer's body, on which this rule's verdict rests"
            )
        elif applied is True:
            verdicts[requirement_id] = None
        elif applied is not False:
            verdicts[requirement_id] = applied
    if api.server_error_requirement and api.server_error_requirement not in {**verdicts, **untested}:
        # Judged by the core on every answer, live as here (server_errors.py).
        verdicts[api.server_error_requirement] = (
            None if answer.status < 500 else f"answered {answer.status}: {answer.describe()}"
        )
    return verdicts, untested


def _answer_of(found: Interaction, request: RecordedRequest) -> Answer:
    return Answer(
        status=found.status or 0,
        content_type=next((v for k, v in found.response_headers if k.lower() == "content-type"), None),
        content=found.response_body,
        headers=tuple((k.lower(), v) for k, v in found.response_headers),
        method=request.method,
        path=request.path,
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


@dataclass
class Judged:
    """What ``sessionapi judge`` found, for the plan and the reports."""

    ledger: Any
    seen: dict[str, list[str]] = field(default_factory=dict)
    """API -> the files its exchanges were in."""
    counts: dict[str, int] = field(default_factory=dict)
    """API -> how many of its exchanges were judged."""
    out_of_scope: dict[str, dict[str, int]] = field(default_factory=dict)
    """API -> 'METHOD path' not in its OpenAPI document -> how many times."""
    replayed: dict[str, list[str]] = field(default_factory=dict)
    """API -> the tests of its own recordings replayed."""
    foreign: set[str] = field(default_factory=set)
    """The APIs some other tool's traffic was judged for."""

    def note(self, api: str, source: str, count: int = 1) -> None:
        self.counts[api] = self.counts.get(api, 0) + count
        if source not in self.seen.setdefault(api, []):
            self.seen[api].append(source)


def judge_file(path: Path, judged: Judged, recorders: dict[tuple[str, str], Any], redactor: Any) -> None:
    """The exchanges of one file of other tools' traffic, in the order they were made; the
    history each API's rebuild keeps is that file's (no session's sequence runs across files)."""
    from .ledger import TestRecorder

    source = str(path)
    histories: dict[str, dict[str, Any]] = {}
    for found in read_traffic(path):
        if redactor is not None:
            learn_credentials(found, redactor)
        classified = classify(found)
        if classified is None or found.error is not None:
            continue
        api, request = classified.api, classified.request
        if request is None:
            scope = judged.out_of_scope.setdefault(api.name, {})
            scope[classified.label] = scope.get(classified.label, 0) + 1
            continue
        answer = _answer_of(found, request)
        asked = api.steps.asked_of_recorded(request, answer, histories.setdefault(api.name, {}))
        judged.note(api.name, source)
        if asked is None:
            continue
        judged.foreign.add(api.name)
        conformance = recorders.setdefault((api.name, source), TestRecorder(source, ()))
        verdicts, untested = judge_exchange(api, answer, asked)
        # The failure names the exchange: a file holds many answers about many sessions.
        where = f"{request.method} {found.url}"
        conformance.record_batch({rid: None if text is None else f"{where}: {text}" for rid, text in verdicts.items()})
        for requirement_id, reason in untested.items():
            conformance.record(requirement_id, "not-tested", f"{where}: {reason}")


# --------------------------------------------------------------------------------------------
# This plugin's own recordings: replayed through the suites that made them

WIRE_ENV = "SESSIONAPI_JUDGE_WIRE"


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: Any) -> None:
    """Loaded with ``-p`` into the replay ``sessionapi judge`` runs: hands the run's ledger back
    (the xdist wire form, the one serialisation of a ledger)."""
    target = os.environ.get(WIRE_ENV)
    if not target:
        return
    from .runtime import STATE_KEY

    state = session.config.stash.get(STATE_KEY, None)
    if state is not None:
        Path(target).write_text(json.dumps(state.ledger.to_dict()), encoding="utf-8")


def _suite_node(test: str) -> str:
    """A recorded test id (``suites/<api>/test_x.py::test_y[a]``) in this installation's suites."""
    from .launch import suites_path

    file_part, sep, rest = test.partition("::")
    parts = Path(file_part).parts
    if parts and parts[0] == "suites":
        file_part = str(suites_path().joinpath(*parts[1:]))
    return file_part + sep + rest


def replay_recorded(folder: Path, api: str, tests: list[str], judged: Judged) -> None:
    """Judge the tests of one recording by replaying them offline through their suite: the same
    steps build the same ``Asked`` and the same rulebook judges each recorded answer."""
    from .launch import suites_path
    from .ledger import Ledger

    with tempfile.TemporaryDirectory(prefix="sessionapi-judge-") as scratch:
        wire = Path(scratch) / "ledger.json"
        command = [
            sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", __name__, "-q",
            "--no-header", "-p", "no:randomly", f"--sessionapi-replay={folder}",
            f"--sessionapi-report-dir={Path(scratch) / 'reports'}", f"--sessionapi-api={api}",
            # Test ids, and so cassette names, are relative to the folder holding suites/.
            f"--rootdir={suites_path().parent}",
            *sorted(dict.fromkeys(_suite_node(test) for test in tests)),
        ]
        done = subprocess.run(command, env={**os.environ, WIRE_ENV: str(wire)}, capture_output=True,
                              text=True, cwd=scratch)
        if not wire.is_file():
            tail = (done.stdout + done.stderr).strip().splitlines()[-3:]
            raise ConfigError(f"{folder}: the replay of its {api} recording did not run ({' '.join(tail)})")
        judged.ledger.merge(Ledger.from_dict(json.loads(wire.read_text(encoding="utf-8"))))
    judged.replayed.setdefault(api, []).extend(tests)
    judged.note(api, str(folder), 0)


def judge_traffic(paths: Iterable[Path], redactor: Any = None) -> Judged:
    """The ledger of every exchange of every API in ``paths``."""
    from .ledger import Ledger

    judged = Judged(Ledger())
    recorders: dict[tuple[str, str], Any] = {}
    recordings: dict[tuple[Path, str], list[str]] = {}
    for path in paths:
        own = recorded_by_this_plugin(path) if path.is_file() else None
        if own is not None:
            folder, api, test = own
            if not test.endswith(" preflight"):  # the replay sends its own preflight
                recordings.setdefault((folder, api), []).append(test)
            judged.counts[api] = judged.counts.get(api, 0) + len(read_vcr(path).interactions)
            continue
        judge_file(path, judged, recorders, redactor)
    for (folder, api), tests in recordings.items():
        replay_recorded(folder, api, tests, judged)
    ledger = judged.ledger
    for (api_name, _), conformance in recorders.items():
        ledger.apis_collected.add(api_name)
        ledger.facts.suite_tests[api_name] += 1
        ledger.facts.tests_started[api_name] += 1
        ledger.facts.tests_finished[api_name] += 1
        ledger.absorb(conformance)
    return judged


@dataclass
class TrafficPlan(TargetPlan):
    judged: Judged | None = None

    def describe(self, api: str) -> str:
        if api in self.not_run:
            return f"not-run ({self.not_run[api]})"
        judged = self.judged or Judged(None)
        files = ", ".join(judged.seen.get(api, []))
        text = f"traffic recorded in {files} ({judged.counts.get(api, 0)} exchanges judged"
        if judged.replayed.get(api):
            text += f"; {len(judged.replayed[api])} recorded tests replayed through the suite"
        scope = judged.out_of_scope.get(api)
        if scope:
            text += f"; out of scope, not in the vendor's OpenAPI document: {', '.join(sorted(scope))}"
        return text + ")"


NOT_EXERCISED = (
    "no exchange in the traffic exercised it: what it needs (a device's known state, a second "
    "credential, a request only a suite knows it made, or an operation the traffic never sent) "
    "is not in the traffic"
)


def scope_verdict(entry: dict[str, Any], strict: bool) -> None:
    """Traffic speaks only of what it exercised: the verdict of a judgment is over the
    requirements some exchange exercised, and says so; the others stay ``not-tested``."""
    from .policy import Policy

    if entry["verdict"] in ("not-run", "error"):
        return
    exercised = [r for r in entry["requirements"] if r["tests"]]
    others = len(entry["requirements"]) - len(exercised)
    for requirement in entry["requirements"]:
        if not requirement["tests"] and requirement["status"] == "not-tested":
            requirement["messages"] = [NOT_EXERCISED]
    if others:
        entry["verdict"] = Policy.of(strict).verdict(exercised)
        entry["verdict_reason"] = (
            f"judged on the {len(exercised)} requirements the traffic exercised; the other {others} "
            "are not-tested: no exchange in it exercised them"
        )


def main(files: list[str], report_dir: str, strict: bool) -> int:
    from .policy import Policy
    from .redaction import Redactor, RedactorSet
    from .reports import build_document, write_reports

    started = datetime.now(UTC)
    redact = RedactorSet()
    credentials = redact.register(Redactor())
    try:
        judged = judge_traffic((Path(f) for f in files), credentials)
    except ConfigError as exc:
        print(f"sessionapi judge: {exc}", file=sys.stderr)
        return 4
    if not judged.seen and not judged.out_of_scope:
        *others, last = all_apis()
        print(
            f"sessionapi judge: no exchange of {', '.join(others)} or {last} in " + ", ".join(files),
            file=sys.stderr,
        )
        return 4
    not_run = {name: "no exchange of this API in the traffic" for name in all_apis() if name not in judged.seen}
    plan = TrafficPlan(None, list(judged.seen), not_run, judged=judged)
    ledger = judged.ledger
    policy = Policy.of(strict)
    document = build_document(plan, ledger, policy=policy, started_at=started, redact=redact)
    for name, entry in document["apis"].items():
        if name in judged.foreign:  # a replayed recording's verdict is its suite's, as live
            scope_verdict(entry, strict)
    status = 1 if policy.blocking(ledger.results.values()) else 0
    document["exit_status"] = status
    for path in write_reports(Path(report_dir), document, redact):
        print(f"report: {path}")
    for name, scope in judged.out_of_scope.items():
        listed = ", ".join(f"{label} ({count}x)" for label, count in sorted(scope.items()))
        print(f"{name}: out of scope (no operation of the vendor's OpenAPI document): {listed}")
    for name, entry in document["apis"].items():
        line = f"{name}: {entry['verdict']}"
        failed = [r["id"] for r in entry["requirements"] if r["status"] == "fail"]
        if failed:
            line += f"; failed: {', '.join(failed)}"
        print(line)
    return status
