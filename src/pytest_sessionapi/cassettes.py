"""Cassettes: what recording and replaying a run is made of (the pytest wiring is recording.py).

Recorded endpoints: record a live run to VCR cassettes, replay them offline.

``--sessionapi-record=DIR`` writes every exchange a suite test makes to
``DIR/<api>/<test module>/<test name>.yaml``, one VCR cassette per test, written through vcrpy's
own serializer so that vcrpy and pytest-recording load it as they load their own. The
preflight's one or two requests go to ``DIR/<api>/_preflight.yaml``, and ``DIR/<api>/recording.json``
says what was recorded: when, from which target (its ``targets.toml`` table, no secret), under
which Hypothesis settings, and which tests ran, in order.

``--sessionapi-replay=DIR`` runs the suites against those cassettes, through respx: nothing
leaves the process. Within a test, the n-th request gets the n-th recorded answer, after its
method and path were checked against the n-th recorded request; request bodies and headers are
not compared, so timestamps and tokens the suite generates do not break the match, and the
server-issued IDs the suite uses come from the recorded answers. A request the cassette does not
hold fails the test with a message that names the test, the request and the cassette.

What the suites draw from the machine (their ids and clock, the run's
:class:`~pytest_sessionapi.inputs.SuiteInputs`, which draws through :meth:`Traffic.supply`)
is recorded per test in the cassette's ``metadata`` and handed back in replay, so the suite sends
the same requests and judges the recorded answers exactly as it judged them live: a property-
based or stateful test replays the examples that were recorded (Hypothesis runs derandomized
under the ``sessionapi-ci`` profile, and every answer it sees is the recorded one).

Secrets are scrubbed before anything is written: see :class:`Scrubber`.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx

from .errors import ConfigError
from .registry import all_apis, all_credential_paths, all_token_answer_paths

SCRUBBED = "SCRUBBED"
"""What a scrubbed credential reads in a cassette: one word, so a replayed client still finds a
cookie, a token, a password field where the live one was, and judges the answer the same way."""

METADATA_FILE = "recording.json"
PREFLIGHT_CASSETTE = "_preflight"
RECORDING_FORMAT = "pytest-sessionapi recording 2"
"""2: the suites draw their ids and clock from the run's ``SuiteInputs``, passed explicitly, in
another order than format 1's patched modules drew them: a format-1 recording would hand a
test's values back to the wrong draws. Its replay is refused (re-record); ``sessionapi judge``
reads its cassettes as it reads any VCR file."""
OLDER_FORMATS = frozenset({"pytest-sessionapi recording 1"})

# Headers whose value is a credential, whatever the value is.
_CREDENTIAL_HEADERS = frozenset(
    {"authorization", "proxy-authorization", "x-xsrf-token", "x-csrf-token", "x-api-key"}
)
_SECRET_FIELD = re.compile(r"pass(word)?|token|secret|jwt|session", re.IGNORECASE)
# JSON fields that hold a login session wherever they appear: vManage's UMTS status bodies carry
# the creator's JSESSIONID as ``JSessionId``.
_SESSION_FIELDS = frozenset({"JSessionId", "jsessionid", "JSESSIONID"})


def _is_credential_path(url: str) -> bool:
    path = urlsplit(url).path
    # Exchanges on these paths carry credentials in their bodies (each API's descriptor names
    # its own; a cassette may hold any API's traffic).
    return any(path.endswith(p) for p in all_credential_paths())


def is_token_answer_path(url: str) -> bool:
    """Whether the answer to ``url`` is a token and nothing else (each API's descriptor names
    such paths in ``token_answer_paths``)."""
    return urlsplit(url).path.endswith(all_token_answer_paths())


# --------------------------------------------------------------------------------------------
# Exchanges as recorded


@dataclass
class Interaction:
    """One exchange as the suite saw it (after any re-send for rate): raw, until it is scrubbed."""

    method: str
    url: str
    request_headers: list[tuple[str, str]]
    request_body: bytes
    status: int | None = None
    reason: str = ""
    response_headers: list[tuple[str, str]] = field(default_factory=list)
    response_body: bytes = b""
    error: tuple[str, str] | None = None
    """(exception type, message) when no answer came."""
    recorded_at: str = ""
    """When the request was sent (ISO 8601), when the file says so."""

    @property
    def path(self) -> str:
        return urlsplit(self.url).path

    def label(self) -> str:
        return f"{self.method} {self.path}"


def _decoded(headers: list[tuple[str, str]], body: bytes) -> tuple[list[tuple[str, str]], bytes]:
    """The body as the client reads it: a cassette holds text that can be scrubbed and read, so
    a compressed body is stored decompressed, without the encoding header that no longer holds."""
    encodings = [v for k, v in headers if k.lower() == "content-encoding"]
    if not encodings or not body:
        return headers, body
    try:
        content = httpx.Response(200, headers={"content-encoding": encodings[-1]}, content=body).read()
    except httpx.DecodingError:
        return headers, body
    kept = [(k, v) for k, v in headers if k.lower() not in ("content-encoding", "content-length")]
    return [*kept, ("content-length", str(len(content)))], content


class Scrubber:
    """Takes every credential out of an interaction before it is written.

    By place: the Authorization and Proxy-Authorization values (Basic credentials, Bearer
    tokens; the scheme is kept), X-XSRF-TOKEN and its kin, every cookie value in Cookie and
    Set-Cookie (names and attributes kept, so the replayed login still sets JSESSIONID), the
    vManage login form's password, the token endpoint's body, secret-looking fields of the other
    login bodies, and ``JSessionId`` in any JSON body. By value: every secret the run knows
    (configured ones, and the cookies and tokens the clients learned), wherever it appears,
    masked by the run's redactors: URL, header, body, error text.
    """

    def __init__(self, mask_text: Callable[[str], str]) -> None:
        self._mask = mask_text

    def headers(self, items: list[tuple[str, str]]) -> list[tuple[str, str]]:
        scrubbed = []
        for name, value in items:
            lower = name.lower()
            if lower in _CREDENTIAL_HEADERS:
                scheme, sep, _ = value.partition(" ")
                value = f"{scheme} {SCRUBBED}" if sep and scheme.isalpha() else SCRUBBED
            elif lower == "cookie":
                value = "; ".join(
                    f"{part.partition('=')[0].strip()}={SCRUBBED}" for part in value.split(";") if part.strip()
                )
            elif lower == "set-cookie":
                first, sep, attributes = value.partition(";")
                value = f"{first.partition('=')[0].strip()}={SCRUBBED}{sep}{attributes}"
            scrubbed.append((name, self._mask(value)))
        return scrubbed

    def body(self, content: bytes, url: str, headers: list[tuple[str, str]], *, answer: bool) -> bytes:
        if not content:
            return content
        try:
            text = content.decode("utf-8")
        except UnicodeDecodeError:
            return content  # binary: no credential of these APIs is sent as anything but text
        content_type = next((v for k, v in headers if k.lower() == "content-type"), "").lower()
        if _is_credential_path(url):
            if answer and is_token_answer_path(url):
                # The XSRF token: plain text, or {"token": ...} with ?json=true.
                return (json.dumps({"token": SCRUBBED}) if text.lstrip().startswith("{") else SCRUBBED).encode()
            if "form" in content_type or (not answer and "=" in text and not text.lstrip().startswith(("{", "<"))):
                fields = [(k, SCRUBBED if _SECRET_FIELD.search(k) else v) for k, v in parse_qsl(text, keep_blank_values=True)]
                return self._mask(urlencode(fields)).encode()
        try:
            document = json.loads(text)
        except ValueError:
            return self._mask(text).encode()
        every_secret_field = _is_credential_path(url)
        return self._mask(json.dumps(_scrub_json(document, every_secret_field), ensure_ascii=False)).encode()

    def interaction(self, found: Interaction) -> Interaction:
        response_headers, response_body = _decoded(found.response_headers, found.response_body)
        error = None
        if found.error is not None:
            error = (found.error[0], self._mask(found.error[1]))
        return Interaction(
            method=found.method,
            url=self._mask(found.url),
            request_headers=self.headers(found.request_headers),
            request_body=self.body(found.request_body, found.url, found.request_headers, answer=False),
            status=found.status,
            reason=found.reason,
            response_headers=self.headers(response_headers),
            response_body=self.body(response_body, found.url, response_headers, answer=True),
            error=error,
        )


def _scrub_json(value: Any, every_secret_field: bool) -> Any:
    if isinstance(value, dict):
        return {
            key: (
                SCRUBBED
                if isinstance(item, str) and (key in _SESSION_FIELDS or (every_secret_field and _SECRET_FIELD.search(key)))
                else _scrub_json(item, every_secret_field)
            )
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_scrub_json(item, every_secret_field) for item in value]
    return value


# --------------------------------------------------------------------------------------------
# Cassettes: VCR format, through vcrpy's serializer


def cassette_name(test_id: str) -> Path:
    """``suites/biot/test_x.py::test_y[a]`` -> ``biot/test_x/test_y[a].yaml`` (pytest-recording's
    ``<module>/<test>.yaml`` layout, under one folder per API)."""
    file_part, _, rest = test_id.partition("::")
    parts = Path(file_part).parts
    api = parts[1] if len(parts) > 2 and parts[0] == "suites" else "other"
    module = Path(file_part).stem
    name = re.sub(r"[^A-Za-z0-9_.\[\]=,+-]", "_", rest.replace("::", ".")) or "module"
    return Path(api) / module / f"{name[:200]}.yaml"


def _header_dict(items: list[tuple[str, str]]) -> dict[str, list[str]]:
    headers: dict[str, list[str]] = {}
    for name, value in items:
        headers.setdefault(name, []).append(value)
    return headers


def _header_items(headers: dict[str, Any] | None) -> list[tuple[str, str]]:
    items = []
    for name, values in (headers or {}).items():
        for value in values if isinstance(values, list) else [values]:
            items.append((str(name), str(value)))
    return items


def _as_bytes(value: Any) -> bytes:
    if value is None:
        return b""
    if isinstance(value, bytes):
        return value
    return str(value).encode("utf-8")


def write_cassette(path: Path, interactions: list[Interaction], metadata: dict[str, Any]) -> None:
    from vcr.request import Request
    from vcr.serialize import serialize
    from vcr.serializers import yamlserializer

    requests = []
    responses = []
    for found in interactions:
        request = Request(found.method, found.url, found.request_body or None, {})
        # vcrpy's Request keeps one value per header; a repeated request header is joined the way
        # HTTP allows.
        for name, values in _header_dict(found.request_headers).items():
            request.headers[name] = ", ".join(values)
        requests.append(request)
        if found.error is not None:
            responses.append({
                "status": {"code": 599, "message": "no response"},
                "headers": {},
                "body": {"string": ""},
                "sessionapi_error": {"type": found.error[0], "message": found.error[1]},
            })
        else:
            responses.append({
                "status": {"code": found.status, "message": found.reason},
                "headers": _header_dict(found.response_headers),
                "body": {"string": found.response_body},
            })
    text = serialize({"requests": requests, "responses": responses, "metadata": metadata}, yamlserializer)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


@dataclass
class Cassette:
    path: Path
    interactions: list[Interaction]
    metadata: dict[str, Any]


def read_vcr(path: Path) -> Cassette:
    """A VCR cassette as vcrpy reads it (vcrpy's own loader), recorded by this plugin, vcrpy or
    pytest-recording."""
    from vcr.serialize import deserialize
    from vcr.serializers import yamlserializer

    loaded = deserialize(path.read_text(encoding="utf-8"), yamlserializer)
    requests, responses = loaded[0], loaded[1]
    metadata = loaded[2] if len(loaded) > 2 else {}
    interactions = []
    for request, response in zip(requests, responses, strict=False):
        if "status_code" in response:  # what vcrpy before 8 wrote for httpx
            response = {
                "status": {"code": response["status_code"], "message": ""},
                "headers": response.get("headers"),
                "body": {"string": response.get("content")},
            }
        status = response.get("status", {}) or {}
        body = response.get("body", {}) or {}
        headers = _header_items(response.get("headers"))
        content = _as_bytes(body.get("string"))
        headers, content = _decoded(headers, content)
        error = response.get("sessionapi_error")
        interactions.append(
            Interaction(
                method=str(request.method).upper(),
                url=str(request.uri),
                request_headers=_header_items({k: v for k, v in request.headers.items()}),
                request_body=_as_bytes(request.body),
                status=None if error else int(status.get("code", 0)),
                reason=str(status.get("message", "")),
                response_headers=headers,
                response_body=content,
                error=(str(error.get("type")), str(error.get("message"))) if error else None,
                recorded_at=str((metadata or {}).get("recorded_at") or ""),
            )
        )
    return Cassette(path, interactions, dict(metadata or {}))


# --------------------------------------------------------------------------------------------
# Recording


class RecordingTransport(httpx.BaseTransport):
    """Notes each exchange (its final answer, after any re-send) for the current test."""

    def __init__(self, inner: httpx.BaseTransport, recorder: Recorder) -> None:
        self._inner = inner
        self._recorder = recorder

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        from .transport import buffered_content

        found = Interaction(
            request.method, str(request.url), list(request.headers.multi_items()), request.read()
        )
        try:
            response = self._inner.handle_request(request)
        except httpx.TransportError as exc:
            found.error = (type(exc).__name__, str(exc))
            self._recorder.note(found)
            raise
        found.status = response.status_code
        found.reason = response.reason_phrase
        found.response_headers = list(response.headers.multi_items())
        found.response_body = buffered_content(response)
        self._recorder.note(found)
        return response

    def close(self) -> None:
        self._inner.close()


class Traffic:
    """What recording and replaying share: which test is running, and its suite inputs."""

    replaying = False

    def __init__(self, root: Path) -> None:
        self.root = root
        self._lock = threading.Lock()
        self.current: str | None = None
        self._inputs: dict[str, dict[str, list[str]]] = {}

    def supply(self, kind: str, make: Callable[[], str]) -> str:
        """The run's :class:`~pytest_sessionapi.inputs.SuiteInputs` draw through here (its
        ``Supplier``): a recording keeps each value the current test drew, in order; a replay
        hands the recorded ones back in the same order (a new one once they run out)."""
        values = None if self.current is None else self._inputs.setdefault(self.current, {})
        if values is None:
            return make()
        if self.replaying:
            recorded = values.get(kind)
            if recorded:
                return recorded.pop(0)
            return make()
        value = make()
        values.setdefault(kind, []).append(value)
        return value

    def cassette_path(self, key: str) -> Path:
        if key.endswith(" preflight"):
            return self.root / key.split()[0] / f"{PREFLIGHT_CASSETTE}.yaml"
        return self.root / cassette_name(key)


class Recorder(Traffic):
    def __init__(self, root: Path, mask_text: Callable[[str], str]) -> None:
        super().__init__(root)
        self._scrubber = Scrubber(mask_text)
        self._pending: dict[str, list[Interaction]] = {}
        self.tests: dict[str, list[str]] = {}
        """API -> the tests recorded, in the order they ran."""
        self.hypothesis_seed: Any = None
        self.started: dict[str, str] = {}

    def wrap(self, inner: httpx.BaseTransport) -> httpx.BaseTransport:
        return RecordingTransport(inner, self)

    def note(self, found: Interaction) -> None:
        with self._lock:
            self._pending.setdefault(self.current or "unattributed", []).append(found)

    def begin(self, key: str, api: str) -> None:
        self.started.setdefault(api, datetime.now(UTC).isoformat(timespec="seconds"))
        self.current = key
        self._pending[key] = []
        self._inputs[key] = {}

    def end(self, key: str, api: str) -> None:
        """Write the test's cassette, scrubbed with every secret the run knows by now (the
        cookies and tokens learned during the test included)."""
        if self.current == key:
            self.current = None
        interactions = [self._scrubber.interaction(i) for i in self._pending.pop(key, [])]
        inputs = self._inputs.pop(key, {})
        metadata = {
            "recorded_by": RECORDING_FORMAT,
            "test": key,
            "api": api,
            "recorded_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "suite_inputs": inputs,
        }
        write_cassette(self.cassette_path(key), interactions, metadata)
        if not key.endswith(" preflight"):
            self.tests.setdefault(api, []).append(key)

    def write_index(self, api: str, target: Any, table: dict[str, Any], hypothesis: dict[str, Any],
                    mask_text: Callable[[str], str]) -> None:
        from . import __version__

        kept = {k: v for k, v in table.items() if k not in ("proxy", "ca_bundle")}
        document = {
            "format": RECORDING_FORMAT,
            "api": api,
            "tool": {"name": "pytest-sessionapi", "version": __version__},
            "recorded_at": self.started.get(api),
            "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "target": {"description": target.describe(), "table": kept, "embedded": target.embedded},
            "hypothesis": hypothesis,
            "tests": self.tests.get(api, []),
        }
        path = self.root / api / METADATA_FILE
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(mask_text(json.dumps(document, indent=2, default=str)) + "\n", encoding="utf-8")


# --------------------------------------------------------------------------------------------
# Replaying


class ReplayMismatch(Exception):
    """The suite sent a request the cassette does not hold: the recording does not fit this run."""


_UUID = re.compile(r"^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$")


def _same_path(asked: str, recorded: str) -> bool:
    """Equal, or equal but for segments that are UUIDs in both (ids the suite generates)."""
    if asked == recorded:
        return True
    left, right = asked.split("/"), recorded.split("/")
    return len(left) == len(right) and all(
        a == b or (_UUID.match(a) and _UUID.match(b)) for a, b in zip(left, right, strict=True)
    )


def _error_for(kind: str, message: str, request: httpx.Request) -> httpx.TransportError:
    from . import transport

    classes: dict[str, type[httpx.TransportError]] = {
        "ExchangeTimeout": transport.ExchangeTimeout,
        "ResponseTooLarge": transport.ResponseTooLarge,
    }
    cls = classes.get(kind) or getattr(httpx, kind, None)
    if not (isinstance(cls, type) and issubclass(cls, httpx.TransportError)):
        cls = httpx.TransportError
    return cls(message, request=request)


class Replayer(Traffic):
    replaying = True

    def __init__(self, root: Path, index: dict[str, dict[str, Any]]) -> None:
        super().__init__(root)
        self.index = index
        self._queue: list[Interaction] = []
        self._served = 0
        self._cassette: Path | None = None
        self._credential_pool: dict[str, dict[str, Interaction]] = {}
        self.replayed: dict[str, list[str]] = {}
        self.mismatches: dict[str, str] = {}
        """test -> the first request its cassette did not hold."""

    def has_cassette(self, key: str) -> bool:
        return self.cassette_path(key).is_file()

    def begin(self, key: str, api: str) -> None:
        self.current = key
        path = self.cassette_path(key)
        self._cassette = path
        self._served = 0
        if not path.is_file():
            self._queue = []
            self._inputs[key] = {}
            return
        cassette = read_vcr(path)
        self._queue = list(cassette.interactions)
        inputs = cassette.metadata.get("suite_inputs") or {}
        self._inputs[key] = {kind: list(values) for kind, values in inputs.items()}
        pool = self._credential_pool.setdefault(api, {})
        for found in cassette.interactions:
            if _is_credential_path(found.url):
                pool.setdefault(found.label(), found)
        if not key.endswith(" preflight"):
            self.replayed.setdefault(api, []).append(key)

    def end(self, key: str, api: str) -> None:
        if self.current == key:
            self.current = None
        # An answer the run never asked for means it took another path than the recorded one
        # (logins aside: a shared client may have logged in earlier).
        unasked = [found for found in self._queue if not _is_credential_path(found.url)]
        if unasked and key not in self.mismatches:
            self.mismatches[key] = (
                f"replay: {key} ended with {len(unasked)} recorded exchange(s) it never asked for "
                f"(the first: {unasked[0].label()}) in its cassette {self._cassette}; "
                f"re-record it (--sessionapi-record) if the suite changed"
            )
        self._queue = []
        self._inputs.pop(key, None)

    def transport(self, api: str) -> httpx.BaseTransport:
        import respx

        router = respx.Router(assert_all_called=False, assert_all_mocked=True)
        router.route(name=f"{api} cassettes").mock(side_effect=lambda request: self._answer(api, request))
        return httpx.MockTransport(router.handler)

    def _answer(self, api: str, request: httpx.Request) -> httpx.Response:
        with self._lock:
            found = self._next(api, request)
        if found.error is not None:
            raise _error_for(found.error[0], found.error[1], request)
        return httpx.Response(
            found.status or 599,
            headers=found.response_headers,
            content=found.response_body,
            request=request,
            extensions={"reason_phrase": found.reason.encode()} if found.reason else {},
        )

    def _next(self, api: str, request: httpx.Request) -> Interaction:
        # As it went on the wire, like the recorded URL (httpx's url.path is percent-decoded).
        path = urlsplit(str(request.url)).path
        label = f"{request.method} {path}"
        # The suite's shared client logs in in whichever test first uses it: a login the
        # cassette holds but this run does not send (already logged in) is passed over, and a
        # login this run sends where the cassette holds none is answered from another test's.
        while self._queue:
            head = self._queue[0]
            if head.method == request.method and _same_path(path, head.path):
                self._queue.pop(0)
                self._served += 1
                return head
            if _is_credential_path(head.url) and not _is_credential_path(str(request.url)):
                self._queue.pop(0)
                continue
            break
        if _is_credential_path(str(request.url)):
            pooled = self._credential_pool.get(api, {}).get(label)
            if pooled is not None:
                return pooled
        test = self.current or "(outside any test)"
        where = self._cassette or self.root
        if self._cassette is not None and not self._cassette.is_file():
            held = "which does not exist"
        elif self._queue:
            held = f"whose next exchange is {self._queue[0].label()}"
        else:
            held = f"which holds no more exchanges ({self._served} replayed)"
        message = (
            f"replay: {test} sent {label}, but its cassette {where} holds no such exchange, "
            f"{held}; re-record it (--sessionapi-record) if the suite changed"
        )
        self.mismatches.setdefault(test, message)
        raise ReplayMismatch(message)


def load_index(root: Path, origin: str) -> dict[str, dict[str, Any]]:
    """``DIR/<api>/recording.json`` of each API recorded in ``root``."""
    if not root.is_dir():
        raise ConfigError(f"{origin}: {root} is not a folder of recorded cassettes")
    index = {}
    for api in all_apis():
        path = root / api / METADATA_FILE
        if not path.is_file():
            continue
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ConfigError(f"{origin}: {path} is not a readable recording index ({exc})") from None
        if document.get("format") in OLDER_FORMATS:
            raise ConfigError(
                f"{origin}: {path} was recorded by an older pytest-sessionapi ({document['format']}), "
                f"whose suite inputs this version does not replay; re-record it (--sessionapi-record)"
            )
        if document.get("format") != RECORDING_FORMAT or not isinstance(document.get("target"), dict):
            raise ConfigError(f"{origin}: {path} is not a pytest-sessionapi recording index")
        index[api] = document
    if not index:
        raise ConfigError(
            f"{origin}: {root} holds no recording (no <api>/{METADATA_FILE}); record one with "
            f"--sessionapi-record={root}"
        )
    return index


