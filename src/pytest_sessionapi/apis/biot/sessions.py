"""Sessions the suite creates, and only those: creation, the PATCH helpers, and clean-up.

The suite creates its sessions the way a device does (create by usage type), remembers every id
it got back, and at the end brings each one to DONE and deletes it, also when a test failed. It
never reads or changes a session it did not create; once, in the preflight, it lists the device's
open sessions (searchSessions) to tell its own leftovers from somebody else's session.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx

from pytest_sessionapi import interrupt_shield
from pytest_sessionapi.http_checks import describe
from pytest_sessionapi.inputs import SuiteInputs
from pytest_sessionapi.leftovers import Journal, say_closed, target_journal
from pytest_sessionapi.preflight import SetupProblem
from pytest_sessionapi.rulebook import Answer
from pytest_sessionapi.transport import NOT_SENT, exchange_log

from .client import Client, build_auth
from .model import (
    FUTURE_MARGIN,
    STOP_REASON_CODES,
    SessionView,
    format_utc,
    load_model,
    omits_required,
    parse_instant,
    REQ_DOCUMENTED_EDGE as R_STOP_DOCUMENTED,
    to_milliseconds,
)
from .rules import RULES, Asked, Outcome

CLEANUP_REASON = "pytest-sessionapi clean-up"
DEFAULT_AGE = timedelta(hours=3)
"""New sessions start this long before the suite's clock: every time the suite later sends for
them (end times, new start times) can then sit between the start and FUTURE_MARGIN before now."""


@dataclass
class DevicesHeld:
    """What the run learnt about the target's devices that outlives one test's sessions, held by
    the target (``target.held``, :func:`devices_held`): every test's ``SuiteSessions`` sees the
    same (the preflight's keeps its own: what it could not end, a test meets again and judges)."""

    unaccounted: set[str] = field(default_factory=set)
    """The devices on which a create answered 2xx without a readable session id."""

    unended: dict[str, str] = field(default_factory=dict)
    """The sessions of the suite's own (opened by this run, or by an earlier one its journal
    names) that the clean-up could not bring to DONE, session id -> device: they hold their
    device for the rest of the run, and a create they block is not-tested, not somebody else's."""


DEVICES_HELD = "biot devices held"
"""The key of the run's :class:`DevicesHeld` in ``target.held``."""


def devices_held(target: Any) -> DevicesHeld:
    found = target.held.get(DEVICES_HELD)
    if found is None:
        found = target.held[DEVICES_HELD] = DevicesHeld()
    return found


CLEANUP_ATTEMPTS = 3
"""How often a clean-up that the network cut is tried (see ``SuiteSessions.retire``)."""

SESSION_NAME_PREFIX = "pytest-sessionapi "
"""Every session the suite creates is named so: recognisable as the suite's own on the device."""


def complete_body(body: dict[str, Any], stored: SessionView) -> dict[str, Any]:
    """``body`` with the schema's required _startTime and _state added from the stored session
    when absent, so a server that enforces ``required`` judges the rest of the body."""
    completed = dict(body)
    if "_startTime" not in completed and stored.start is not None:
        completed["_startTime"] = format_utc(stored.start)
    completed.setdefault("_state", stored.state)
    return completed


def state_change_body(
    current_state: str,
    start: datetime,
    target: str,
    *,
    minutes: int = 30,
    code: str = "COMPLETION",
    reason: str = "state change",
) -> dict[str, Any]:
    """A PATCH that sets ``_state`` to ``target``, always with ``_startTime`` (so a server that
    enforces the schema's ``required`` is judged on the change alone); into DONE from another
    state with an end time ``minutes`` after the start and stop data, so that only the change of
    state itself is under test."""
    body: dict[str, Any] = {"_startTime": format_utc(start), "_state": target}
    if target == "DONE" and current_state != "DONE":
        body["_endTime"] = format_utc(start + timedelta(minutes=minutes))
        body["_summary"] = {"_stopReason": reason, "_stopReasonCode": code}
    return body


@dataclass
class PatchOutcome:
    """A PATCH as the suite sent it, with the first answer when the server refused an omission
    of the schema's required attributes and the suite repeated it complete."""

    response: httpx.Response
    body: dict[str, Any]
    refused_omission: httpx.Response | None = None


def _sent_so_far(client: Any) -> int | None:
    """How many requests the suite's client has sent (its transport's exchange log counts every
    one, Schemathesis cases sent through its ``http`` included); None for a client without one."""
    log = exchange_log(getattr(client, "http", None))
    return None if log is None else log.count


@dataclass
class SuiteSessions:
    client: Client
    device_id: str
    usage_type: str
    created: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    recorder: Any = None
    """The test's requirement recorder (the ``conformance`` fixture): a device busy with another
    session stops the test as not-tested through it, and a create answer that is not usable JSON
    stops the test as a BIOT-RESPONSE-SCHEMA failure instead of failing whatever it declared."""

    journal: Journal | None = None
    """Where the sessions the suite opened on the device are written down until closed, across
    runs (:mod:`pytest_sessionapi.leftovers`): a killed run's session is the next run's to close."""

    inputs: SuiteInputs = field(default_factory=SuiteInputs)
    """The run's ids and clock (the ``sessionapi_inputs`` fixture): every time the suite sends or
    judges an answer against, and every name it gives, comes from them."""

    devices: DevicesHeld = field(default_factory=DevicesHeld)
    """What the run learnt about the devices, shared by every test (:func:`devices_held`)."""

    _last_read: tuple[str, httpx.Response, int] | None = field(default=None, init=False, repr=False)
    """The latest GET of one of our sessions, with the client's request count right after it
    (:func:`_sent_so_far`)."""

    _refused_stops: dict[str, tuple[str, httpx.Response]] = field(default_factory=dict, init=False, repr=False)
    """Per session, the state it was in and the answer when :meth:`finish` sent it the
    documented stop with every stop code and got no 200 (the stop from ACTIVE kept first): what
    :meth:`judge_unended` shows as the server's refusal."""

    reuse: bool = field(default=False, init=False)
    """Within :meth:`reusing`: a session left as its create left it is kept for the next create."""
    _creates: dict[str, dict[str, Any]] = field(default_factory=dict, init=False, repr=False)
    """The create answers of the sessions created while reusing, by id."""
    _untouched: tuple[str, int | None] | None = field(default=None, init=False, repr=False)
    """The session ``create`` last handed out, with the request count then."""
    _spare: dict[str, Any] | None = field(default=None, init=False, repr=False)
    """The create answer of the session kept for the next create (see :meth:`reusing`)."""

    # -- the suite's clock and names -----------------------------------------------------------
    def now(self) -> datetime:
        """The suite's clock, to the millisecond (the precision of the times it sends)."""
        return to_milliseconds(self.inputs.now())

    def past(self, offset: timedelta = DEFAULT_AGE) -> datetime:
        return self.now() - offset

    def session_name(self) -> str:
        return f"{SESSION_NAME_PREFIX}{self.inputs.uuid4().hex[:8]}"

    # -- creation ------------------------------------------------------------------------------
    def create_raw(self, body: dict[str, Any], *, again: bool = True) -> httpx.Response:
        """Send a create as it is; refused because the device is busy, it is sent ``again`` once
        the suite closed its own leftovers (an earlier run's, :meth:`close_leftovers`), and the
        test stops not-tested while a session of the suite's that would not end holds the device."""
        # A Ctrl-C between the answer and the note of its id would leave a session nobody can
        # release or recognise: it waits until the id is noted.
        with interrupt_shield.noting():
            response = self.client.create_session_by_usage_type(self.device_id, self.usage_type, body)
            if 200 <= response.status_code < 300:
                try:
                    session_id = response.json().get("_id")
                except (ValueError, AttributeError):
                    session_id = None
                if isinstance(session_id, str):
                    self.created.append(session_id)
                    if self.journal is not None:
                        self.journal.opened(session_id)
                else:
                    self.devices.unaccounted.add(self.device_id)
        if again and _device_busy(response) and self.close_leftovers():
            return self.create_raw(body, again=False)
        self._stop_if_held(response)
        return response

    def _stop_if_held(self, response: httpx.Response) -> None:
        """A create refused because the device is busy, while a session of the suite's own that
        the server would not let end holds it (``devices.unended``): the test stops not-tested. That
        refusal was judged where the clean-up met it; it is no answer to this create, and not
        somebody else's session (a setup problem)."""
        if not _device_busy(response):
            return
        held = [sid for sid, device in self.devices.unended.items() if device == self.device_id]
        if held:
            self._stop_not_tested(
                f"device {self.device_id!r} is held by session(s) {', '.join(held)} of this "
                "suite that the server would not let end (see BIOT-STOP-DOCUMENTED and the "
                "clean-up warning)"
            )

    def close_leftovers(self) -> list[str]:
        """Close what an earlier run of the suite left open on the device (its journal says so);
        one line per session closed, for the terminal."""
        if self.journal is None:
            return []
        lines = []
        unended = self.devices.unended
        for session_id in self.journal.open_ids():
            if session_id in unended or session_id in self.created:
                # The clean-up already met the server's refusal to end it, this run; or the
                # test's own session, in use: no leftover.
                continue
            problems = len(self.problems)
            self.retire(session_id)
            if len(self.problems) == problems:
                self.journal.closed(session_id)
                lines.append(
                    f"biot: closed session {session_id} on device {self.device_id!r}, left open "
                    "by an earlier run of this suite"
                )
                say_closed(lines[-1])
        return lines

    def create(
        self,
        *,
        state: str = "ACTIVE",
        start: datetime | None = None,
        name: str | None = None,
    ) -> dict[str, Any]:
        """A new session of the suite's own, or an AssertionError saying why not; within
        :meth:`reusing`, the spare one for a default create."""
        if self._spare is not None:
            spare, self._spare = self._spare, None
            if (state, start, name) == ("ACTIVE", None, None):
                self._untouched = (spare["_id"], _sent_so_far(self.client))
                return dict(spare)
            self._retire_spare(spare)  # it holds the device
        body: dict[str, Any] = {
            "_startTime": format_utc(start or self.past()),
            "_state": state,
            "_name": name or self.session_name(),
        }
        response = self.create_raw(body)
        if _device_busy(response):
            if self.device_id in self.devices.unaccounted:
                # A create of this run answered without a session id the suite could read: the
                # device may be busy with that session, the endpoint's doing, not someone else's.
                self._stop_not_tested(
                    f"device {self.device_id!r} already has an open {self.usage_type!r} session, "
                    "maybe one a create of this run opened without answering a readable _id; the "
                    f"suite never touches other sessions, so it cannot create its own: {describe(response)}"
                )
            # Somebody else's session (or one no run of this suite wrote down): a setup
            # problem, not the vendor's nonconformance. The suite never touches it.
            reason = (
                f"biot: device {self.device_id!r} already has an open {self.usage_type!r} session "
                "that this suite did not create; the suite never touches other sessions: close it "
                "(or name another device_id) and run again"
            )
            if self.recorder is None:
                raise AssertionError(f"cannot go on, and no recorder to report it: {reason}")
            self.recorder.stop_target_busy(reason)
        if response.status_code != 201:
            raise AssertionError(f"could not create a session {body}: {describe(response)}")
        try:
            created = response.json()
        except ValueError:  # http_checks.UnusableJson: says what came back, and why it is unusable
            if self.recorder is None:
                raise
            with self.recorder.require("BIOT-RESPONSE-SCHEMA"):
                raise
        if not (isinstance(created, dict) and isinstance(created.get("_id"), str)):
            raise AssertionError(f"the create answer carries no session _id: {describe(response)}")
        if self.reuse and (state, start, name) == ("ACTIVE", None, None):
            self._creates[created["_id"]] = created
            self._untouched = (created["_id"], _sent_so_far(self.client))
        return created

    def _stop_not_tested(self, reason: str) -> None:
        # A device busy with someone else's session says nothing about conformance: the test
        # stops and its requirements are reported not-tested, through the recorder.
        if self.recorder is None:
            raise AssertionError(f"cannot go on, and no recorder to report it not-tested: {reason}")
        self.recorder.stop_not_tested(reason)

    # -- reading and writing -------------------------------------------------------------------
    def get(self, session_id: str) -> httpx.Response:
        response = self.client.get_session(self.device_id, session_id)
        sent = _sent_so_far(self.client)
        self._last_read = None if sent is None else (session_id, response, sent)
        return response

    def _read(self, session_id: str) -> httpx.Response:
        """The session as a GET answers it now: the latest GET's answer when nothing at all was
        sent since (a test reads a session back after its last change, then retires it: the
        retire's own GET would only repeat that answer), otherwise a new GET."""
        if self._last_read is not None:
            read_id, response, sent = self._last_read
            if read_id == session_id and sent == _sent_so_far(self.client):
                return response
        return self.get(session_id)

    def view(self, session_id: str) -> SessionView:
        response = self.get(session_id)
        if response.status_code != 200:
            raise AssertionError(f"could not read session back: {describe(response)}")
        return SessionView.from_body(response.json())

    def patch(self, session_id: str, body: Any) -> httpx.Response:
        return self.client.update_session(self.device_id, session_id, body)

    def patch_tolerating_required(
        self, session_id: str, body: dict[str, Any], stored: SessionView
    ) -> PatchOutcome:
        """Send ``body``; if it omits the schema's required attributes and the server does not
        accept it, repeat it complete. A 400 envelope is a conformant refusal
        (BIOT-REQUIRED-CONFLICT); any other refusal or a server error is judged on the first
        answer (by the caller, and BIOT-NO-SERVER-ERROR), and the rest of the body still is, on
        the complete repeat."""
        response = self.patch(session_id, body)
        if omits_required(body) and response.status_code >= 400:
            completed = complete_body(body, stored)
            return PatchOutcome(self.patch(session_id, completed), completed, response)
        return PatchOutcome(response, body)

    def stop_body(self, stored: SessionView, reason: str, code: str = "COMPLETION") -> dict[str, Any]:
        start = stored.start or self.past()
        end = min(start + timedelta(minutes=1), self.now() - FUTURE_MARGIN - timedelta(minutes=1))
        end = max(end, start)
        return {
            "_startTime": format_utc(start),
            "_state": "DONE",
            "_endTime": format_utc(end),
            "_summary": {"_stopReason": reason, "_stopReasonCode": code},
        }

    def finish(
        self, session_id: str, reason: str = CLEANUP_REASON, *, read: httpx.Response | None = None
    ) -> SessionView | None:
        """Bring a session of ours to DONE by the shortest path the model allows, falling back
        to a direct stop; the DONE view, or None if the server would not let it end. ``read``: the
        answer of a GET of the session the caller just sent, so it is not sent twice."""
        response = read if read is not None else self.get(session_id)
        if response.status_code != 200:
            return None
        stored = SessionView.from_body(response.json())
        if stored.state == "DONE":
            return stored
        for path in self._paths_to_done(stored.state):
            current = stored
            for hop in path:
                if hop == "DONE":
                    # Every documented stop code in turn: a server that refuses one of them (a
                    # failure the suite records where it sends it) must not keep the device busy.
                    for code in STOP_REASON_CODES:
                        answer = self.patch(session_id, self.stop_body(current, reason, code))
                        if answer.status_code == 200:
                            break
                    else:
                        kept = self._refused_stops.get(session_id)
                        if kept is None or (current.state == "ACTIVE" and kept[0] != "ACTIVE"):
                            self._refused_stops[session_id] = (current.state, answer)
                else:
                    body = {"_startTime": format_utc(current.start or self.past()), "_state": hop}
                    answer = self.patch(session_id, body)
                if answer.status_code != 200:
                    break
                current = SessionView.from_body(answer.json())
            else:
                if current.state == "DONE":
                    return current
            refreshed = self.get(session_id)
            if refreshed.status_code != 200:
                return None
            stored = SessionView.from_body(refreshed.json())
            if stored.state == "DONE":
                return stored
        return None

    @staticmethod
    def _paths_to_done(state: str, longest: int = 3) -> list[list[str]]:
        """Every way to DONE the model allows, shortest first, then the direct stop: a server
        that refuses one edge (say ACTIVE -> DONE) may still let its session end another way."""
        model = load_model()
        found: list[list[str]] = []
        frontier: list[tuple[str, list[str]]] = [(state, [])]
        for _ in range(longest):
            following: list[tuple[str, list[str]]] = []
            for current, path in frontier:
                for target in model.targets_from(current):
                    if target == current or target in path:
                        continue
                    if target == "DONE":
                        found.append([*path, target])
                    else:
                        following.append((target, [*path, target]))
            frontier = following
        if ["DONE"] not in found:
            found.append(["DONE"])
        return found

    # -- clean-up ------------------------------------------------------------------------------
    def retire(self, session_id: str) -> None:
        """Bring one of our sessions to DONE and delete it; note (never raise) what failed. A
        Ctrl-C waits until it is over (:mod:`pytest_sessionapi.interrupt_shield`), and a clean-up
        the network cut (a reset, a timeout, a 5xx or 429 on the delete) is tried again: each
        attempt starts by reading the session, so one the cut request did remove counts as gone."""
        with interrupt_shield.cleanup():
            for attempt in range(1, CLEANUP_ATTEMPTS + 1):
                noted = len(self.problems)
                if not self._retire_once(session_id) or attempt == CLEANUP_ATTEMPTS:
                    return
                del self.problems[noted:]

    def _retire_once(self, session_id: str) -> bool:
        """One attempt of :meth:`retire`; whether it failed in a way worth another attempt."""
        try:
            response = self._read(session_id)
            if response.status_code == 404:
                if self.journal is not None:
                    self.journal.closed(session_id)
                self.devices.unended.pop(session_id, None)
                return False
            if self.finish(session_id, read=response) is None:
                self.problems.append(f"session {session_id} could not be brought to DONE")
                self._unended(session_id)
            deleted = self.client.delete_session(self.device_id, session_id)
            if deleted.status_code not in (200, 204):
                self.problems.append(
                    f"session {session_id} could not be deleted: {describe(deleted)}"
                )
                return deleted.status_code >= 500 or deleted.status_code == 429
            if self.journal is not None:
                self.journal.closed(session_id)
            self.devices.unended.pop(session_id, None)
        except httpx.HTTPError as exc:
            self.problems.append(f"session {session_id}: clean-up interrupted ({exc})")
            return not isinstance(exc, NOT_SENT)
        return False

    def _unended(self, session_id: str) -> None:
        """A session of ours that no way to DONE ended: it holds the device for the rest of the
        run. The first time, when the server refused the stops it was sent, that refusal is
        judged (:meth:`judge_unended`) in the test that met it: the stop is documented, so its
        refusal is nonconformance, never a setup problem."""
        held = self.devices.unended
        first = session_id not in held
        held[session_id] = self.device_id
        if first and self.recorder is not None and session_id in self._refused_stops:
            self.judge_unended(session_id, self.recorder)
        self._refused_stops.pop(session_id, None)

    def judge_unended(self, session_id: str, conformance: Any) -> SessionView | None:
        """BIOT-STOP-DOCUMENTED's rule on a session :meth:`finish` could not end, as read after
        every way to DONE the model allows was tried: it must be DONE. The DONE view, or None
        with the failure recorded through ``conformance`` (with the stop the server refused)."""
        read = Answer.from_httpx(self.get(session_id))
        what = "the session after every PATCH sequence to DONE the model allows"
        refused = self._refused_stops.get(session_id)
        if refused is not None:
            state, answer = refused[0], Answer.from_httpx(refused[1])
            code = answer.body.get("code") if isinstance(answer.body, dict) else None
            what += (
                f" (the documented stop of the {state} session, with each stop code, was answered "
                f"{answer.status}{f' {code}' if isinstance(code, str) else ''})"
            )
        stop = Outcome.of(200, what=what, _state="DONE")
        verdicts = RULES.judge(read, Asked("getSession", outcomes={R_STOP_DOCUMENTED: stop}), (R_STOP_DOCUMENTED,))
        conformance.record_batch(verdicts.results)
        if R_STOP_DOCUMENTED in verdicts.passed:
            return SessionView.from_body(read.json)
        self.devices.unended[session_id] = self.device_id  # judged once a run
        return None

    def retire_all(self) -> list[str]:
        """Retire every session created so far (within :meth:`reusing`, but the one kept for the
        next create); what failed this time (every such note stays in ``problems`` until the
        fixture warns, also those of a Hypothesis example's retire_all)."""
        noted = len(self.problems)
        with interrupt_shield.cleanup():
            for session_id in reversed(self.created):
                if self._spare is not None and self._spare["_id"] == session_id:
                    continue
                if self.reuse and self._spare is None and self._as_created(session_id):
                    self._spare = self._creates[session_id]
                    continue
                self.retire(session_id)
            self.created[:] = [] if self._spare is None else [self._spare["_id"]]
        return self.problems[noted:]

    # -- reuse within one test -----------------------------------------------------------------
    @contextmanager
    def reusing(self) -> Iterator[SuiteSessions]:
        """For a test whose Hypothesis examples each create a session, judge every GET they send
        and retire everything: a session that the server's latest word, with nothing sent since,
        shows as its create answer did (that answer itself, or a GET read back with no failure in
        the test so far) is kept by ``retire_all`` and handed to the next ``create()`` of a
        default session in place of a new one. Its retire and that create would judge nothing
        new; an example in it sees what it would see in a fresh one (every attribute the PATCH
        oracle reads is the same). Without any failure recorded only, so a server found wrong
        once is tested on fresh sessions from then on, as before."""
        self.reuse = True
        try:
            yield self
        finally:
            self.reuse = False
            self._creates.clear()
            spare, self._spare = self._spare, None
            if spare is not None:
                self._retire_spare(spare)

    def _retire_spare(self, spare: dict[str, Any]) -> None:
        self.retire(spare["_id"])
        if spare["_id"] in self.created:
            self.created.remove(spare["_id"])

    def _as_created(self, session_id: str) -> bool:
        """Whether the server's latest word on the session, with nothing sent since, shows it as
        its create answer did (see :meth:`reusing`)."""
        created = self._creates.get(session_id)
        sent = _sent_so_far(self.client)
        if created is None or sent is None:
            return False
        if self._untouched == (session_id, sent):
            return True  # nothing was sent since it was created (or handed out as created)
        if self._last_read is None or self.recorder is None or self.recorder.failures():
            return False
        read_id, response, read_sent = self._last_read
        if (read_id, read_sent) != (session_id, sent) or response.status_code != 200:
            return False
        try:
            shown = SessionView.from_body(response.json())
        except (ValueError, AssertionError):
            return False
        return shown.id == session_id and not shown.differences(SessionView.from_body(created))


def _device_busy(response: httpx.Response) -> bool:
    return response.status_code == 409 and "DEVICE_IN_SESSION_WITH_USAGE_TYPE" in response.text


def stored_start(created: dict[str, Any]) -> datetime:
    start = parse_instant(created.get("_startTime"))
    if start is None:
        raise AssertionError(
            f"the session has no readable _startTime: {created.get('_startTime')!r}"
        )
    return start


OPEN_STATES = ("ACTIVE", "PAUSED", "ACTIVATING", "PAUSING", "RESUMING", "STOPPING")
"""Every documented ``_state`` but DONE: a session in one of them holds the device."""


def journal_of(target: Any) -> Journal | None:
    """The leftovers journal of the target's device (:func:`pytest_sessionapi.leftovers.target_journal`)."""
    return target_journal(target, "device_id")


def open_sessions_on(client: Client, device_id: str, usage_type: str | None) -> list[dict[str, Any]] | None:
    """The sessions searchSessions lists as open on the device (of the usage type), filtered here
    again in case the server ignores the filter; None when the search gives no readable list
    (not served, refused, broken): the look is the preflight's courtesy, never a verdict."""
    search: dict[str, Any] = {
        "filter": {
            "_device.id": {"eq": device_id},
            "_state": {"in": list(OPEN_STATES)},
            **({"_templateName": {"eq": usage_type}} if usage_type else {}),
        },
        "limit": 20,
    }
    try:
        response = client.search_sessions(search)
        data = response.json().get("data") if response.status_code == 200 else None
    except (httpx.HTTPError, ValueError, AttributeError):
        return None
    if not isinstance(data, list):
        return None
    found = []
    for item in data:
        if not isinstance(item, dict) or not isinstance(item.get("_id"), str):
            continue
        device = item.get("_device")
        template = item.get("_template")
        if isinstance(device, dict) and device.get("id") not in (None, device_id):
            continue
        if usage_type and isinstance(template, dict) and template.get("name") not in (None, usage_type):
            continue
        if item.get("_state") in OPEN_STATES:
            found.append(item)
    return found


def leftovers(open_http: Callable[[httpx.Auth | None], httpx.Client], target: Any) -> SetupProblem | None:
    """The preflight's hook (see :mod:`pytest_sessionapi.registry`): :func:`look_for_open_sessions`
    with a client of the target's token."""
    return look_for_open_sessions(Client(open_http(build_auth(target)), target), target)


def look_for_open_sessions(client: Client, target: Any) -> SetupProblem | None:
    """The preflight's look at the device, before the first test: the sessions an earlier run of
    the suite left open (in its journal, or named as the suite names its sessions) are closed,
    one line each; an open session of somebody else is the setup problem returned (the suite
    never touches it). Only for a served target: an embedded reference starts empty."""
    journal = journal_of(target)
    if journal is None:
        return None
    device_id = target.entity("device_id")
    usage_type = target.entity("usage_type")
    # Its own DevicesHeld: what it could not end is the run's to try again, and to judge, in the
    # first test that meets it (the preflight judges nothing).
    sessions = SuiteSessions(client, device_id, usage_type or "", journal=journal)
    if journal.open_ids():
        sessions.close_leftovers()
    found = open_sessions_on(client, device_id, usage_type)
    for item in found or []:
        session_id, name = item["_id"], item.get("_name")
        if session_id in journal.open_ids() or (isinstance(name, str) and name.startswith(SESSION_NAME_PREFIX)):
            problems = len(sessions.problems)
            sessions.retire(session_id)
            if len(sessions.problems) == problems:
                journal.closed(session_id)
                say_closed(
                    f"biot: closed session {session_id} on device {device_id!r}, left open by an "
                    "earlier run of this suite"
                )
            else:  # the suite's own all the same: the run's clean-up tries again, and judges it
                journal.opened(session_id)
            continue
        named = f" named {name!r}" if isinstance(name, str) else ""
        return SetupProblem(
            target.api.name,
            f"device {device_id!r} already has an open {usage_type!r} session {session_id}{named} "
            "that this suite did not create",
            "the suite never touches other sessions: close it (or name another device_id) and "
            "run again",
        )
    return None
