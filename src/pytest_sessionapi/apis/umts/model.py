"""The UMTS session lifecycle and its oracle: what answer the docs demand for each request in each
state, and where they say nothing.

Documented (updateUmtsSessionStatus examples, Cisco's scripts): create -> start -> status (START)
-> stop -> status (STOP, then download_status) -> download -> disable; status works on any open
session; download works whenever status reports download_status.

Left open by the docs: start on a started trace, stop before start, download before results,
disable before stop, start after stop. There the oracle demands success or a 4xx refusal
(:attr:`Expect.OPEN`, UMTS-UNDOCUMENTED-OUTCOME) and, after an undocumented success, the model
stops predicting the session's requestStatus (phase ``UNCERTAIN``) instead of guessing what the
server did.

A trace may also finish by itself (inferred): a started session may later report STOP without a
stop call, except in the status answer right after the start.

The oracle is data (:data:`DOCUMENTED`, :data:`AFTER_SUCCESS`); :class:`LifecycleModel` is the
bookkeeping of the sessions a run holds, which the state machine walks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class Phase(Enum):
    CREATED = "created"
    RUNNING = "running"
    STOPPED = "stopped"
    UNCERTAIN = "uncertain"


class Expect(Enum):
    """What the docs demand of the answer to one request: the rules read it from ``Asked``."""

    NEW_SESSION = "200 with the new session"
    NEW_SESSION_OR_REFUSAL = "200 with the new session, or a 400 in the vManage envelope"
    """A create with the wildcard colors of the vendor's samples: a device may refuse them."""
    CONFLICT = "400 TBST1008, no second session"
    FREED_DEVICE = "200 with a new session: disable freed the device"
    ACK = "200 with a success acknowledgement"
    SESSION = "200 with the session asked for"
    DATA = '200 with {"data": [record, ...]}'
    OPEN = "success or a 4xx refusal (undocumented)"
    UNKNOWN_SESSION = "400 TBST1005 (a session id never issued)"
    DISABLED_SESSION = "400 TBST1005 (a disabled session)"
    REFUSAL = "a 4xx (an operation outside the five)"
    UNJUDGED = "anything but a 5xx (input the docs give no answer for)"
    RECORDED = "unknown: traffic recorded elsewhere, the state behind it unseen"
    # The login flow ('Authentication', 'Cross-Site Request Forgery Prevention').
    LOGIN = "success with a JSESSIONID cookie, not the login page"
    LOGIN_REFUSED = "the HTML login page or a 4xx"
    TOKEN = "200 with the XSRF token as one word of plain text"
    NOT_SERVED = "refused (a redirect, a 4xx or the login page): no session"
    UNCHANGED = "the session as before: a refused call started nothing"
    XSRF_REFUSED = "403: a POST without X-XSRF-TOKEN"


DOCUMENTED_ERRORS = frozenset({Expect.UNKNOWN_SESSION, Expect.DISABLED_SESSION, Expect.CONFLICT})
"""The situations whose 400 the docs show in the vManage envelope (TBST1005, TBST1008)."""

SUCCEEDS = frozenset({Expect.ACK, Expect.SESSION, Expect.DATA})
"""What the docs say succeeds."""

DOCUMENTED: dict[Phase, dict[str, Expect]] = {
    # phase: start, stop and disable; status is always SESSION, download is DATA when the last
    # status reported download_status and OPEN otherwise, whatever the phase.
    Phase.CREATED: {"start": Expect.ACK, "stop": Expect.OPEN, "disable": Expect.OPEN},
    Phase.RUNNING: {"start": Expect.OPEN, "stop": Expect.ACK, "disable": Expect.OPEN},
    Phase.STOPPED: {"start": Expect.OPEN, "stop": Expect.OPEN, "disable": Expect.ACK},
    Phase.UNCERTAIN: {"start": Expect.OPEN, "stop": Expect.OPEN, "disable": Expect.OPEN},
}
"""The oracle: phase x operation -> what the docs demand of the answer."""

AFTER_SUCCESS: dict[tuple[str, bool], Phase] = {
    # (operation, documented) -> the phase after the server answered success
    ("start", True): Phase.RUNNING,
    ("start", False): Phase.UNCERTAIN,
    ("stop", True): Phase.STOPPED,
    ("stop", False): Phase.UNCERTAIN,
}
"""Where a success leaves a session (disable removes it; status and download change nothing)."""

REPORTS_AFTER: dict[str, tuple[str, str]] = {
    "start": ("UMTS-LIFECYCLE-START", "START"),
    "stop": ("UMTS-LIFECYCLE-STOP", "STOP"),
}
"""The requestStatus a status answer must report right after a documented, successful step."""


@dataclass
class ModelSession:
    session_id: str
    phase: Phase = Phase.CREATED
    just_started: bool = False
    """The last operation on the session was a documented, successful start."""
    just_stopped: bool = False
    """The last operation on the session was a documented, successful stop."""
    downloadable: bool = False
    """The last status answer reported download_status."""
    downloaded: bool = False
    """A download of this session succeeded."""
    may_be_gone: bool = False
    """A disable got an answer that is neither a success nor a refusal: the server may have
    disabled the session. The next create or status says which; until then nothing that depends
    on the session existing (a conflict, its status) is judged."""


def expect(operation: str, session: ModelSession) -> Expect:
    """What the docs demand of ``operation`` on ``session`` now."""
    if operation == "status":
        return Expect.SESSION
    if operation == "download":
        return Expect.DATA if session.downloadable else Expect.OPEN
    try:
        return DOCUMENTED[session.phase][operation]
    except KeyError:
        raise ValueError(operation) from None


def expected_request_status(session: ModelSession) -> tuple[str, str] | None:
    """(requirement, value) the next status must report, or None when anything valid goes."""
    if session.phase is Phase.RUNNING and session.just_started:
        return REPORTS_AFTER["start"]
    if session.phase is Phase.STOPPED:
        return REPORTS_AFTER["stop"]
    return None


def next_documented_step(session: ModelSession) -> str:
    """The next step of the documented flow on ``session`` (status after each change, download
    once results are there, disable last), so that random runs also get deep into the lifecycle."""
    if session.just_started or session.just_stopped:
        return "status"
    if session.phase is Phase.CREATED:
        return "start"
    if session.phase is Phase.RUNNING:
        return "stop"
    if session.phase is Phase.STOPPED and session.downloaded:
        return "disable"
    if session.phase is Phase.STOPPED and session.downloadable:
        return "download"
    if session.phase is Phase.STOPPED:
        return "status"
    return "disable"


@dataclass
class LifecycleModel:
    live: dict[str, ModelSession] = field(default_factory=dict)
    disabled: list[str] = field(default_factory=list)

    def add(self, session_id: str) -> ModelSession:
        session = ModelSession(session_id)
        self.live[session_id] = session
        return session

    @staticmethod
    def documented(operation: str, session: ModelSession) -> bool:
        """Whether the docs say ``operation`` succeeds on ``session`` now."""
        return expect(operation, session) in SUCCEEDS

    def succeeded(self, operation: str, session: ModelSession, *, documented: bool) -> None:
        """The server answered success to ``operation`` (not status: see :meth:`observed`)."""
        session.just_started = session.just_stopped = False
        if operation == "disable":
            del self.live[session.session_id]
            self.disabled.append(session.session_id)
            return
        phase = AFTER_SUCCESS.get((operation, documented))
        if phase is None:
            return
        session.phase = phase
        if operation == "start":
            session.just_started = documented
            session.downloadable = False
        else:
            session.just_stopped = documented

    def refused(self, session: ModelSession) -> None:
        session.just_started = session.just_stopped = False

    def undetermined(self, session: ModelSession, operation: str = "") -> None:
        """An answer that is neither a success nor a refusal (a 5xx, a 200 saying failure): the
        server may or may not have acted, so the model stops predicting what this session
        reports; after a disable, whether it still exists at all."""
        session.phase = Phase.UNCERTAIN
        session.just_started = session.just_stopped = False
        session.downloadable = False
        if operation == "disable":
            session.may_be_gone = True

    def certainly_live(self) -> list[ModelSession]:
        return [session for session in self.live.values() if not session.may_be_gone]

    def gone(self, session: ModelSession) -> None:
        """A session the model was unsure of turned out disabled (a create succeeded, or its
        status answered unknown session)."""
        self.live.pop(session.session_id, None)
        self.disabled.append(session.session_id)

    @staticmethod
    def observed(session: ModelSession, request_status: str | None, downloadable: bool) -> None:
        """A status answer: learn what the docs allow the server to decide on its own."""
        if session.phase is Phase.RUNNING and request_status == "STOP" and not session.just_started:
            session.phase = Phase.STOPPED  # the trace finished by itself
        session.just_started = session.just_stopped = False
        session.downloadable = downloadable
