"""A model of the UMTS session lifecycle: what the docs say each operation does in each state, and
where they say nothing.

Documented (updateUmtsSessionStatus examples, Cisco's scripts): create -> start -> status (START)
-> stop -> status (STOP, then download_status) -> download -> disable; status works on any open
session; download works whenever status reports download_status.

Left open by the docs: start on a started trace, stop before start, download before results,
disable before stop, start after stop. There the model accepts success or a 4xx refusal
(UMTS-UNDOCUMENTED-OUTCOME) and, after an undocumented success, stops predicting the session's
requestStatus (phase ``UNCERTAIN``) instead of guessing what the server did.

A trace may also finish by itself (inferred): a started session may later report STOP without a
stop call, except in the status answer right after the start.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class Phase(Enum):
    CREATED = "created"
    RUNNING = "running"
    STOPPED = "stopped"
    UNCERTAIN = "uncertain"


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
        if operation == "status":
            return True
        if operation == "start":
            return session.phase is Phase.CREATED
        if operation == "stop":
            return session.phase is Phase.RUNNING
        if operation == "download":
            return session.downloadable
        if operation == "disable":
            return session.phase is Phase.STOPPED
        raise ValueError(operation)

    def succeeded(self, operation: str, session: ModelSession, *, documented: bool) -> None:
        """The server answered success to ``operation`` (not status: see :meth:`observed`)."""
        session.just_started = session.just_stopped = False
        if operation == "start":
            session.phase = Phase.RUNNING if documented else Phase.UNCERTAIN
            session.just_started = documented
            session.downloadable = False
        elif operation == "stop":
            session.phase = Phase.STOPPED if documented else Phase.UNCERTAIN
            session.just_stopped = documented
        elif operation == "disable":
            del self.live[session.session_id]
            self.disabled.append(session.session_id)

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
    def expected_request_status(session: ModelSession) -> tuple[str, str] | None:
        """(requirement, value) the next status must report, or None when anything valid goes."""
        if session.phase is Phase.RUNNING and session.just_started:
            return ("UMTS-LIFECYCLE-START", "START")
        if session.phase is Phase.STOPPED:
            return ("UMTS-LIFECYCLE-STOP", "STOP")
        return None

    @staticmethod
    def observed(session: ModelSession, request_status: str | None, downloadable: bool) -> None:
        """A status answer: learn what the docs allow the server to decide on its own."""
        if session.phase is Phase.RUNNING and request_status == "STOP" and not session.just_started:
            session.phase = Phase.STOPPED  # the trace finished by itself
        session.just_started = session.just_stopped = False
        session.downloadable = downloadable
