"""The sessions the UMTS suite opens on the target's device, and their guaranteed release.

Only sessions the suite created are ever touched. Release is ``disable`` (with ``stop`` first when
the server will not disable a running trace, undocumented and allowed); a release that fails is
noted in :attr:`SessionTracker.problems`, never raised, and the fixture hands the notes to the
core's :func:`pytest_sessionapi.cleanup.warn_if_incomplete` once the test is over. A device held
by a session the suite cannot account for is not a verdict: the step that meets it calls
``conformance.stop_not_tested`` (see :func:`busy_device_problem` and :mod:`.steps`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from pytest_sessionapi import interrupt_shield
from pytest_sessionapi.inputs import SuiteInputs
from pytest_sessionapi.leftovers import Journal, say_closed, target_journal
from pytest_sessionapi.rulebook import Answer
from pytest_sessionapi.transport import NOT_SENT, describe_transport_error

from .client import PRELOGGED, Client
from .models import CODE_CONFLICT, CODE_UNKNOWN_SESSION, error_code
from .rules import session_id_in


def umts_input(entity: Callable[[str], str]) -> dict[str, str]:
    """The UMTSInput for the target's device; a missing key makes the test not-tested."""
    return {
        "deviceUUID": entity("device_uuid"),
        "localColor": entity("local_color"),
        "remoteColor": entity("remote_color"),
        "remoteSystem": entity("remote_system"),
    }


def journal_of(target: Any) -> Journal | None:
    """The leftovers journal of the target's device (:func:`pytest_sessionapi.leftovers.target_journal`)."""
    return target_journal(target, "device_uuid")


def unknown_session_id(inputs: SuiteInputs) -> str:
    """A well-formed session id no server has handed out, from the run's ids."""
    return str(inputs.uuid4())


@dataclass
class DeviceLog:
    """Run-wide: what the suite did to the target's device, to tell a server that keeps the device
    busy after disable (UMTS-DISABLE-FREES-DEVICE) from a device someone else is using."""

    open: set[str] = field(default_factory=set)
    released: int = 0
    lost: int = 0
    """Creates that answered 200 without a session id the suite could read (and release)."""
    stuck: int = 0
    """Sessions the suite opened and could not disable: they hold the device."""

    @property
    def freed_by_suite(self) -> bool:
        """The suite disabled sessions on the device and holds none: it must be free."""
        return self.released > 0 and not self.open


def leftovers(open_http: Callable[[httpx.Auth | None], httpx.Client], target: Any) -> None:
    """The preflight's look at the device, before the first test: the sessions an earlier run of
    the suite left open (killed before its clean-up: its journal says which; UMTS sessions have
    no name) are disabled, one line each, with the session the preflight logged in (nothing, and
    no request, when the journal holds nothing). The API offers no way to look for somebody
    else's session on the device (no list or search operation; a create would open one): a
    create that meets one stops the run as a setup problem (``steps.create_first``)."""
    journal = journal_of(target)
    auth = target.held.get(PRELOGGED)
    if journal is None or auth is None or not journal.open_ids():
        return None
    SessionTracker(Client(open_http(auth), target), journal=journal).close_leftovers()
    return None


class SessionTracker:
    """Every session the suite opened, released at the end whatever happened.

    Ids the server no longer knows (400 TBST1005) count as released. A session that cannot be
    released is noted in ``problems`` (never raised), for the fixture to warn about.
    """

    def __init__(self, client: Client, log: DeviceLog | None = None, journal: Journal | None = None) -> None:
        self.client = client
        self.log = log if log is not None else DeviceLog()
        self.open: list[str] = []
        self.unreleased: list[str] = []
        self.problems: list[str] = []
        self.journal = journal
        """Where the sessions the suite opened on the device are written down until released,
        across runs (:mod:`pytest_sessionapi.leftovers`): UMTS sessions have no name, so the
        journal is how the next run knows a leftover for its own (see :func:`close_leftovers`)."""

    def track(self, session_id: str) -> str:
        if session_id not in self.open:
            self.open.append(session_id)
        self.log.open.add(session_id)
        if self.journal is not None:
            self.journal.opened(session_id)
        return session_id

    def forget(self, session_id: str, *, released: bool = True) -> None:
        """The session is gone (disabled by the test itself, or released here)."""
        if session_id in self.open:
            self.open.remove(session_id)
        self.log.open.discard(session_id)
        if released:
            self.log.released += 1
            if self.journal is not None:
                self.journal.closed(session_id)

    def release(self, session_id: str) -> bool:
        """Disable (stop first if need be); a Ctrl-C waits until it is over
        (:mod:`pytest_sessionapi.interrupt_shield`), and a release the network cut (a reset, a
        timeout, a 5xx or 429) is tried once more."""
        with interrupt_shield.cleanup():
            return self._release(session_id)

    def _release(self, session_id: str) -> bool:
        released = False
        last = "no answer"
        transient = False
        for attempt, steps in enumerate((("disable",), ("stop", "disable"), ("disable",))):
            if attempt == 2 and not transient:
                break  # the third try is for a release the network cut, not for a refusal
            response = None
            try:
                for step in steps:
                    response = self.client.operation(step, session_id)
            except httpx.HTTPError as exc:
                if attempt < 2:  # the note says what the two documented ways met
                    last = f"{' then '.join(steps)}: {describe_transport_error(exc)}"
                transient = not isinstance(exc, NOT_SENT)
                continue
            if response is not None and (response.status_code == 200 or _is_unknown(response)):
                released = True
                break
            if response is not None and attempt < 2:
                # The status and error code only: a warning is not redacted, a body might echo
                # the session cookie (status bodies carry JSessionId).
                code = error_code(Answer.from_httpx(response).json)
                last = f"{' then '.join(steps)} answered {response.status_code}" + (f" {code}" if code else "")
                transient = response.status_code >= 500 or response.status_code == 429
        self.forget(session_id, released=released)
        if not released:
            self.log.stuck += 1
            self.unreleased.append(session_id)
            self.problems.append(f"session {session_id} could not be disabled ({last})")
        return released

    def release_all(self) -> list[str]:
        """Release every open session; what could not be released this time (every such note
        stays in ``problems`` until the fixture warns)."""
        noted = len(self.problems)
        with interrupt_shield.cleanup():
            for session_id in list(reversed(self.open)):
                self.release(session_id)
        return self.problems[noted:]

    def close_leftovers(self) -> list[str]:
        """Disable what an earlier run of the suite left open on the device (its journal says
        so); one line per session closed. A session the server no longer knows (TBST1005) is
        crossed off in silence."""
        if self.journal is None:
            return []
        lines = []
        with interrupt_shield.cleanup():
            for session_id in self.journal.open_ids():
                try:
                    status = self.client.operation("status", session_id)
                except httpx.HTTPError:
                    continue  # the journal keeps it for the next try
                if _is_unknown(status):
                    self.journal.closed(session_id)
                    continue
                self.open.append(session_id)
                if self.release(session_id):  # if not, the journal keeps it for the next run
                    lines.append(
                        f"umts: disabled session {session_id} on device "
                        f"{self.journal.entity!r}, left open by an earlier run of this suite"
                    )
                    say_closed(lines[-1])
        return lines


def _is_unknown(response: httpx.Response) -> bool:
    return response.status_code == 400 and \
        error_code(Answer.from_httpx(response).json) == CODE_UNKNOWN_SESSION


def open_session(
    client: Client, body: object, tracker: SessionTracker
) -> tuple[httpx.Response, str | None]:
    """POST create and track whatever session it opened (in any shape) for cleanup; a Ctrl-C
    waits until its id is noted (:func:`pytest_sessionapi.interrupt_shield.noting`)."""
    with interrupt_shield.noting():
        response = client.create_raw(body)
        session_id = session_id_in(Answer.from_httpx(response))
        if session_id:
            tracker.track(session_id)
        elif response.status_code == 200:
            tracker.log.lost += 1
    return response, session_id


def busy_device_problem(response: httpx.Response, tracker: SessionTracker) -> str | None:
    """Why a create answered TBST1008 although the suite holds nothing on the device: "busy"
    (somebody else's session: nothing to judge), "lost" (an earlier create answered 200 without a
    session id, so the suite could not release what it opened: that create is the failure, already
    recorded), "stuck" (a session the suite opened could not be disabled, see the clean-up
    warning), "leftover" (an earlier run's session the journal names, which the preflight could
    not disable), a UMTS-DISABLE-FREES-DEVICE failure message, or None (not that situation)."""
    answer = Answer.from_httpx(response)
    if answer.status == 200 or error_code(answer.json) != CODE_CONFLICT:
        return None
    if tracker.log.open:
        return None
    if tracker.log.lost:
        return "lost"
    if tracker.log.stuck:
        return "stuck"
    if tracker.journal is not None and tracker.journal.open_ids():
        # What the run opened and released is crossed off the journal, what it could not release
        # is "stuck" above: what is left is an earlier run's.
        return "leftover"
    if tracker.log.freed_by_suite:
        return (
            f"the suite disabled each of the {tracker.log.released} session(s) it opened on the "
            f"device and holds none"
        )
    return "busy"
