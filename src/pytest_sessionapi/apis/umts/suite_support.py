"""What the UMTS suite's tests share: session bookkeeping with guaranteed cleanup, the documented
steps with their checks, and the polling for a finished trace.

Kept in the API package (not in the suite folder) so the project's own tests can exercise it, and
so test modules stay free of state that the self-tests would re-import.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import httpx

from pytest_sessionapi.transport import describe_transport_error

from . import checks
from .client import Client

UNKNOWN_OPERATIONS = ("restart", "bogus-operation")
SESSION_RULES = ("UMTS-SESSION-TYPES", "UMTS-SESSION-PAYLOAD", "UMTS-SESSION-VALUES")


def umts_input(entity: Callable[[str], str]) -> dict[str, str]:
    """The UMTSInput for the target's device; a missing key makes the test not-tested."""
    return {
        "deviceUUID": entity("device_uuid"),
        "localColor": entity("local_color"),
        "remoteColor": entity("remote_color"),
        "remoteSystem": entity("remote_system"),
    }


def unknown_session_id() -> str:
    """A well-formed session id no server has handed out."""
    return str(uuid.uuid4())


@dataclass
class DeviceLog:
    """Run-wide: what the suite did to the target's device, to tell a server that keeps the device
    busy after disable (UMTS-DISABLE-FREES-DEVICE) from a device someone else is using."""

    open: set[str] = field(default_factory=set)
    released: int = 0
    lost: int = 0
    """Creates that answered 200 without a session id the suite could read (and release)."""

    @property
    def freed_by_suite(self) -> bool:
        """The suite disabled sessions on the device and holds none: it must be free."""
        return self.released > 0 and not self.open


class SessionTracker:
    """Every session the suite opened, released at the end whatever happened.

    Release = ``disable``; a server that refuses to disable a running trace (undocumented, and
    allowed) gets ``stop`` first. Ids the server no longer knows (400 TBST1005) count as
    released. Only sessions the suite created are ever touched. A session that cannot be released
    is noted in ``problems`` (never raised), for the fixture to warn about
    (:func:`pytest_sessionapi.cleanup.warn_if_incomplete`).
    """

    def __init__(self, client: Client, log: DeviceLog | None = None) -> None:
        self.client = client
        self.log = log if log is not None else DeviceLog()
        self.open: list[str] = []
        self.unreleased: list[str] = []
        self.problems: list[str] = []

    def track(self, session_id: str) -> str:
        if session_id not in self.open:
            self.open.append(session_id)
        self.log.open.add(session_id)
        return session_id

    def forget(self, session_id: str, *, released: bool = True) -> None:
        """The session is gone (disabled by the test itself, or released here)."""
        if session_id in self.open:
            self.open.remove(session_id)
        self.log.open.discard(session_id)
        if released:
            self.log.released += 1

    def release(self, session_id: str) -> bool:
        released = False
        last = "no answer"
        for steps in (("disable",), ("stop", "disable")):
            response = None
            try:
                for step in steps:
                    response = self.client.operation(step, session_id)
            except httpx.HTTPError as exc:
                last = f"{' then '.join(steps)}: {describe_transport_error(exc)}"
                continue
            if response is not None and (response.status_code == 200 or _is_unknown(response)):
                released = True
                break
            if response is not None:
                # The status and error code only: a warning is not redacted, a body might echo
                # the session cookie (status bodies carry JSessionId).
                code = checks.error_code(checks.try_json(response))
                last = f"{' then '.join(steps)} answered {response.status_code}" + (f" {code}" if code else "")
        self.forget(session_id, released=released)
        if not released:
            self.unreleased.append(session_id)
            self.problems.append(f"session {session_id} could not be disabled ({last})")
        return released

    def release_all(self) -> list[str]:
        """Release every open session; what could not be released this time (every such note
        stays in ``problems`` until the fixture warns)."""
        noted = len(self.problems)
        for session_id in list(reversed(self.open)):
            self.release(session_id)
        return self.problems[noted:]


def _is_unknown(response: httpx.Response) -> bool:
    body = checks.try_json(response)
    return response.status_code == 400 and checks.error_code(body) == checks.CODE_UNKNOWN_SESSION


def session_id_in(response: httpx.Response) -> str | None:
    """The session id of a create answer, if there is one in any shape (for cleanup)."""
    body = checks.try_json(response)
    if isinstance(body, list) and body:
        body = body[0]
    if isinstance(body, dict) and isinstance(body.get("sessionId"), str):
        return body["sessionId"]
    return None


@dataclass
class Poll:
    session: dict[str, Any] | None
    """The last status answer that was a session object."""
    ready: bool
    failed: bool
    waited_s: float
    polls: int
    problem: str | None = None


def poll_until_downloadable(
    client: Client, session_id: str, timeout_s: float, interval_s: float
) -> Poll:
    """Poll status until it reports ``download_status`` (ready), ``status: failure`` (the trace
    failed on the device: the documented failure path) or ``timeout_s`` passes."""
    started = time.monotonic()
    polls = 0
    last: dict[str, Any] | None = None
    while True:
        response = client.status(session_id)
        polls += 1
        body = checks.try_json(response)
        if response.status_code != 200 or not isinstance(body, dict):
            return Poll(last, False, False, time.monotonic() - started, polls,
                        f"status answered {checks.summary(response)} while waiting for the trace")
        last = body
        if body.get("download_status") is not None:
            return Poll(body, True, False, time.monotonic() - started, polls)
        if body.get("status") == "failure":
            return Poll(body, False, True, time.monotonic() - started, polls)
        waited = time.monotonic() - started
        if waited >= timeout_s:
            return Poll(body, False, False, waited, polls)
        time.sleep(min(interval_s, max(0.0, timeout_s - waited)))


def record_results(
    conformance: Any,
    broken: Iterable[tuple[str, str]],
    judged: Iterable[str],
) -> None:
    """Record a batch of rule outcomes: ``judged`` pass unless listed in ``broken``."""
    judged = tuple(judged)
    conformance.record_batch([(rid, text) for rid, text in broken if rid in judged], judged=judged)


class DeviceBusy(Exception):
    """Create answered TBST1008 although the suite holds no session on the device."""


def open_session(
    client: Client, body: dict[str, str], tracker: SessionTracker
) -> tuple[httpx.Response, str | None]:
    """POST create and track whatever session it opened (in any shape) for cleanup.

    A TBST1008 answer when the suite holds nothing on the device is either the server keeping a
    disabled session's device busy (when the suite has disabled sessions there: the caller fails
    UMTS-DISABLE-FREES-DEVICE) or somebody else's session (nothing to judge: the caller skips).
    """
    response = client.create_raw(body)
    session_id = session_id_in(response)
    if session_id:
        tracker.track(session_id)
    elif response.status_code == 200:
        tracker.log.lost += 1
    return response, session_id


def busy_device_problem(response: httpx.Response, tracker: SessionTracker) -> str | None:
    """Why a create answered TBST1008 although the suite holds nothing on the device: "busy"
    (somebody else's session: nothing to judge), "lost" (an earlier create answered 200 without a
    session id, so the suite could not release what it opened: that create is the failure, already
    recorded), a UMTS-DISABLE-FREES-DEVICE failure message, or None (not that situation)."""
    body = checks.try_json(response)
    if response.status_code == 200 or checks.error_code(body) != checks.CODE_CONFLICT:
        return None
    if tracker.log.open:
        return None
    if tracker.log.lost:
        return "lost"
    if tracker.log.freed_by_suite:
        return (
            f"the suite disabled each of the {tracker.log.released} session(s) it opened on the "
            f"device and holds none, yet create answers {checks.summary(response)}"
        )
    return "busy"


# -- the documented steps, each judged by the catalogue's rules ------------------------------------
def create_first(conformance: Any, client: Any, body: dict[str, str], tracker: Any) -> tuple[httpx.Response, str | None]:
    """Create on the target's device, telling a device kept busy after the suite's disables
    (UMTS-DISABLE-FREES-DEVICE fails) from one somebody else is using (the test skips)."""
    response, session_id = open_session(client, body, tracker)
    if response.status_code == 200 and not session_id:
        # A body that is not usable JSON is UMTS-MEDIA-JSON's failure, not a missing session.
        body = answer_json(conformance, response)
        if body is not None:
            with conformance.check("UMTS-CREATE-SESSION"):
                checks.session_from_create(body)
    problem = busy_device_problem(response, tracker)
    if problem == "lost":
        conformance.stop_not_tested(
            "the device is held by a session an earlier create opened without answering its id "
            "(UMTS-CREATE-SESSION failed there)"
        )
    if problem == "busy":
        conformance.stop_not_tested(
            "create answered TBST1008 before the suite opened anything: another session is open "
            f"on {body['deviceUUID']}; free the device (or name another) to run this test"
        )
    if problem:
        with conformance.require("UMTS-DISABLE-FREES-DEVICE"):
            raise AssertionError(problem)
    return response, session_id


def answer_json(conformance: Any, response: httpx.Response) -> Any:
    """UMTS-MEDIA-JSON on any 200/400 answer; the parsed body (or None) either way, so the
    rules about the content still run on a body that parses despite a wrong media type."""
    if response.status_code in (200, 400):
        with conformance.check("UMTS-MEDIA-JSON"):
            checks.check_media_json(response)
    body = checks.try_json(response)
    return body if checks.is_json(body) else None


def judged_status(
    conformance: Any, client: Any, session_id: str, device: str, moment: str
) -> dict[str, Any] | None:
    """GET status, judged for identity and every session rule; the session object or None."""
    response = client.status(session_id)
    body = answer_json(conformance, response)
    with conformance.check("UMTS-STATUS-IDENTITY"):
        assert response.status_code == 200, f"status {moment}: {checks.summary(response)}"
        checks.check_status_identity(body, session_id, device)
    if response.status_code != 200 or not isinstance(body, dict):
        return None
    broken = checks.check_session(
        body, context=f"status {moment}", device_uuid=device, payload_required=True
    )
    record_results(conformance, broken, SESSION_RULES)
    return body


def acknowledged(conformance: Any, response: httpx.Response, operation: str) -> bool:
    """UMTS-OP-ACK; True when the server answered success (200), whatever the body's form."""
    body = answer_json(conformance, response)
    with conformance.check("UMTS-OP-ACK"):
        assert response.status_code == 200, (
            f"{operation} in the documented flow must succeed: {checks.summary(response)}"
        )
        checks.check_ack(body if body is not None else response.text, operation)
    return response.status_code == 200


def download_when_ready(
    conformance: Any, client: Any, session_id: str, moment: str
) -> None:
    """status said download_status: download must answer 200 with the documented shape."""
    response = client.download(session_id)
    body = answer_json(conformance, response)
    with conformance.check("UMTS-DOWNLOAD-READY"):
        assert response.status_code == 200, (
            f"status {moment} reported download_status, but download answered "
            f"{checks.summary(response)}"
        )
    if response.status_code == 200:
        with conformance.check("UMTS-DOWNLOAD-SHAPE"):
            checks.check_download_body(body)
