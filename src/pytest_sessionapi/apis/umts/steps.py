"""The judged steps the UMTS suites compose: send one request, judge its answer once with
:data:`.rules.RULES`, record the verdicts through the ``conformance`` fixture.

Each step names the rules its answer is held to; the oracle in :mod:`.model` says what the docs
demand (``Asked.expect``), the rules decide whether the answer meets it. Kept in the API package
(not in the suite folder) so the project's own tests can exercise it.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpx

from pytest_sessionapi.ledger import TestRecorder
from pytest_sessionapi.rulebook import NOT_JSON, Answer, Verdicts

from .client import Client, is_login_page
from .model import Expect, LifecycleModel, Phase, expect, expected_request_status
from .models import OPERATIONS
from .rules import RULES, Asked, request_status, session_id_in
from .sessions import SessionTracker, busy_device_problem, open_session

if TYPE_CHECKING:
    from pytest_sessionapi.traffic_judge import RecordedRequest

SESSION_RULES = ("UMTS-SESSION-TYPES", "UMTS-SESSION-PAYLOAD", "UMTS-SESSION-VALUES")
CREATE_ANSWER = ("UMTS-MEDIA-JSON", "UMTS-CREATE-SESSION", *SESSION_RULES)
"""What every create answer on a free device is held to."""
STATUS_ANSWER = (
    "UMTS-MEDIA-JSON", "UMTS-STATUS-IDENTITY", *SESSION_RULES,
    "UMTS-LIFECYCLE-START", "UMTS-LIFECYCLE-STOP",
)
"""What every status answer on an open session is held to (the lifecycle rules judge only when
``Asked.reports`` says what the status must report)."""
DOWNLOAD_ANSWER = ("UMTS-MEDIA-JSON", "UMTS-DOWNLOAD-READY", "UMTS-DOWNLOAD-SHAPE",
                   "UMTS-DOWNLOAD-RECORDS")
"""A download once status reported download_status."""
ERROR_ANSWER = ("UMTS-MEDIA-JSON", "UMTS-ERROR-UNKNOWN-SESSION", "UMTS-DISABLE-INVALIDATES",
                "UMTS-ERROR-ENVELOPE")
"""An operation on a session id that is not (or no longer) there."""
UNKNOWN_OPERATIONS = ("restart", "bogus-operation")


def judge(
    conformance: TestRecorder,
    response: httpx.Response,
    asked: Asked,
    rules: Iterable[str],
    *,
    hard: bool = False,
    required: Iterable[str] = (),
) -> Verdicts:
    """Judge one answer once with ``rules`` and record every verdict.

    ``hard`` (Hypothesis, the state machine): the first blocking failure is raised once all are
    recorded, so Hypothesis shrinks to it. ``required``: requirements without which the test
    cannot go on (a create that opened no session): their failure stops the test, whatever the
    level, and what the test did not reach is reported not-tested."""
    verdicts = RULES.judge(Answer.from_httpx(response), asked, rules)
    required = [rid for rid in required if verdicts.results.get(rid) is not None]
    conformance.record_batch(
        {rid: text for rid, text in verdicts.results.items() if rid not in required}, hard=hard
    )
    for requirement_id in required:
        with conformance.require(requirement_id):
            raise AssertionError(verdicts.results[requirement_id])
    return verdicts


def create_first(
    conformance: TestRecorder,
    client: Client,
    body: dict[str, str],
    tracker: SessionTracker,
    *,
    judged: tuple[str, ...] = (),
    required: bool = False,
) -> tuple[httpx.Response, str | None]:
    """Create on the target's device, telling a device kept busy after the suite's disables
    (UMTS-DISABLE-FREES-DEVICE fails) from one somebody else is using (the test is not-tested).

    ``judged``: the rules the answer is held to (the documented flow: every create rule). In any
    test, a 200 without a session id the suite can read is judged: it leaves the device held by a
    session nobody can release, and is UMTS-CREATE-SESSION's failure (a body that is not usable
    JSON is UMTS-MEDIA-JSON's, not a missing session). ``required``: a create that opens no
    session fails the test there."""
    response, session_id = open_session(client, body, tracker)
    rules = judged
    if not rules and response.status_code == 200 and not session_id:
        usable = Answer.from_httpx(response).json is not NOT_JSON
        rules = ("UMTS-MEDIA-JSON", "UMTS-CREATE-SESSION") if usable else ("UMTS-MEDIA-JSON",)
    asked = Asked("create", Expect.NEW_SESSION, device_uuid=body["deviceUUID"], created_with=body)
    judge(conformance, response, asked, rules,
          required=("UMTS-CREATE-SESSION",) if required else ())
    problem = busy_device_problem(response, tracker)
    if problem == "lost":
        conformance.stop_not_tested(
            "the device is held by a session an earlier create opened without answering its id "
            "(UMTS-CREATE-SESSION failed there)"
        )
    if problem == "stuck":
        conformance.stop_not_tested(
            "the device is held by a session the suite opened and could not disable (see the "
            "clean-up warning)"
        )
    if problem == "leftover":
        # The suite's own, all the same: the vendor documents no disable of a session in a state
        # the suite cannot know (an earlier run's), so its refusal is no finding; but the device
        # stays held, a setup problem the user can clear.
        conformance.stop_target_busy(
            f"umts: device {body['deviceUUID']!r} is held by session(s) "
            f"{', '.join(tracker.journal.open_ids())} that an earlier run of this suite left open "
            "and the preflight could not disable; disable it (or name another device_uuid) and "
            "run again"
        )
    if problem == "busy":
        # Somebody else's session (the preflight disabled the suite's own leftovers): a setup
        # problem, not the vendor's nonconformance. The API cannot name it (no list operation,
        # and TBST1008 carries no session id); the suite never touches it.
        conformance.stop_target_busy(
            f"umts: device {body['deviceUUID']!r} already has an open trace session that this "
            "suite did not create (create answered 400 TBST1008 before the suite opened "
            "anything); the suite never touches other sessions: disable it (or name another "
            "device_uuid) and run again"
        )
    if problem:  # a message: the suite freed the device itself, and the server keeps it busy
        asked = Asked("create", Expect.FREED_DEVICE, device_uuid=body["deviceUUID"], situation=problem)
        judge(conformance, response, asked, ("UMTS-DISABLE-FREES-DEVICE",),
              required=("UMTS-DISABLE-FREES-DEVICE",))
    return response, session_id


def judged_status(
    conformance: TestRecorder,
    client: Client,
    session_id: str,
    device: str,
    moment: str,
    *,
    reports: str | None = None,
    created_with: dict[str, str] | None = None,
) -> dict[str, Any] | None:
    """GET status, judged for identity, every session rule and, with ``reports``, the
    requestStatus it must report; the session object or None."""
    response = client.status(session_id)
    asked = Asked("status", Expect.SESSION, session_id=session_id, device_uuid=device,
                  reports=reports, situation=moment, created_with=created_with)
    judge(conformance, response, asked, STATUS_ANSWER)
    body = Answer.from_httpx(response).json
    return body if response.status_code == 200 and isinstance(body, dict) else None


def acknowledged(conformance: TestRecorder, client: Client, operation: str, session_id: str) -> bool:
    """start, stop or disable in the documented flow, held to UMTS-OP-ACK; True when the server
    answered success (200), whatever the body's form."""
    response = client.operation(operation, session_id)
    judge(conformance, response, Asked(operation, Expect.ACK, session_id=session_id),
          ("UMTS-MEDIA-JSON", "UMTS-OP-ACK"))
    return response.status_code == 200


def judged_wait(
    conformance: TestRecorder, poll: Poll, session_id: str, device: str, timeout_s: float,
    created_with: dict[str, str] | None = None,
) -> None:
    """The last status answer of the wait after a documented stop: a session object (the status
    rules) that says the trace is downloadable or failed (UMTS-DOWNLOAD-READY)."""
    if poll.response is None:
        return
    asked = Asked("status", Expect.SESSION, session_id=session_id, device_uuid=device,
                  situation="while waiting for the trace", results_due=poll.results_due(timeout_s),
                  created_with=created_with)
    judge(conformance, poll.response, asked, (*STATUS_ANSWER, "UMTS-DOWNLOAD-READY"))


def download_when_ready(
    conformance: TestRecorder, client: Client, session_id: str, moment: str,
    created_with: dict[str, str] | None = None,
) -> None:
    """status said download_status: download must answer 200 with the documented shape, holding
    the records of the trace the create asked for."""
    response = client.download(session_id)
    asked = Asked("download", Expect.DATA, session_id=session_id, situation=moment,
                  created_with=created_with)
    judge(conformance, response, asked, DOWNLOAD_ANSWER)


def gone_session(
    conformance: TestRecorder,
    client: Client,
    operation: str,
    session_id: str,
    expect: Expect,
    rules: Iterable[str] = ERROR_ANSWER,
    *,
    hard: bool = False,
) -> Verdicts:
    """``operation`` on a session id that was never issued (``Expect.UNKNOWN_SESSION``) or was
    disabled (``Expect.DISABLED_SESSION``): 400 TBST1005 in the envelope."""
    gone = "an unknown" if expect is Expect.UNKNOWN_SESSION else "a disabled"
    asked = Asked(operation, expect, session_id=session_id,
                  situation=f"{operation} on {gone} session")
    return judge(conformance, client.operation(operation, session_id), asked, rules, hard=hard)


@dataclass
class Poll:
    session: dict[str, Any] | None
    """The last status answer that was a session object."""
    ready: bool
    failed: bool
    waited_s: float
    polls: int
    problem: str | None = None
    response: httpx.Response | None = None
    """The last status answer of the wait, for the step after it to judge."""

    def results_due(self, timeout_s: float) -> str:
        """The wait, in words, for the message of a status that still has no results."""
        return (f"after {self.waited_s:.1f} s ({self.polls} status polls, poll_timeout_s = "
                f"{timeout_s:g}) since a successful stop")


def poll_until_downloadable(
    client: Client, session_id: str, timeout_s: float, interval_s: float
) -> Poll:
    """Poll status until it reports ``download_status`` (ready), ``status: failure`` (the trace
    failed on the device: the documented failure path) or ``timeout_s`` passes. The answers are
    the wait's, not verdicts: the step after it judges what the wait found."""
    started = time.monotonic()
    polls = 0
    last: dict[str, Any] | None = None
    while True:
        response = client.status(session_id)
        polls += 1
        answer = Answer.from_httpx(response)
        body = answer.json
        if response.status_code != 200 or not isinstance(body, dict):
            return Poll(last, False, False, time.monotonic() - started, polls,
                        f"status answered {answer.exchange()} while waiting for the trace",
                        response)
        last = body
        if body.get("download_status") is not None:
            return Poll(body, True, False, time.monotonic() - started, polls, response=response)
        if body.get("status") == "failure":
            return Poll(body, False, True, time.monotonic() - started, polls, response=response)
        waited = time.monotonic() - started
        if waited >= timeout_s:
            return Poll(body, False, False, waited, polls, response=response)
        time.sleep(min(interval_s, max(0.0, timeout_s - waited)))


# --------------------------------------------------------------------------------------------
# Recorded traffic (``sessionapi judge``): the Asked the suite would have built, from the request
# and the lifecycle model fed by what the file showed before it


def asked_of_recorded(request: RecordedRequest, answer: Answer, history: dict[str, Any]) -> Asked | None:
    """What the suite would have asked with ``request``, for the core judge to hold ``answer``
    to the whole rulebook; ``history`` is this API's bookkeeping of one file (a
    :class:`.model.LifecycleModel` of the sessions the file created).

    On a session the file created, the lifecycle model says what the docs demand, as in the state
    machine (``expect``: an acknowledged start, stop or disable, the status reporting START or
    STOP after them, TBST1005 once disabled, an undocumented transition's open outcome). On any
    other session the state behind the answer is unseen (``Expect.RECORDED``): only what holds in
    every state is judged. A login page is vManage's refusal of a call without a session: nothing
    to judge."""
    if is_login_page(answer.content_type, answer.content):
        return None
    model: LifecycleModel = history.setdefault("model", LifecycleModel())
    devices: dict[str, str | None] = history.setdefault("devices", {})
    if request.operation != "updateUmtsSessionStatus":  # create
        sent = request.json if isinstance(request.json, dict) else {}
        created = session_id_in(answer) if answer.status == 200 else None
        if created:
            model.add(created)
            devices[created] = sent.get("deviceUUID")
        return Asked("create", Expect.RECORDED, device_uuid=sent.get("deviceUUID"))
    operation, session_id = request.parameters["operation"], request.parameters["sessionId"]
    if operation not in OPERATIONS:
        return Asked(operation, Expect.REFUSAL, session_id=session_id, situation=f"{operation}, an unknown operation")
    if session_id in model.disabled:
        return Asked(operation, Expect.DISABLED_SESSION, session_id=session_id,
                     situation=f"{operation} on a disabled session")
    session = model.live.get(session_id)
    if session is None or session.phase is Phase.UNCERTAIN and operation != "status":
        return Asked(operation, Expect.RECORDED, session_id=session_id)
    demanded = expect(operation, session)
    reports = expected_request_status(session) if operation == "status" else None
    asked = Asked(operation, demanded, session_id=session_id, device_uuid=devices.get(session_id),
                  reports=reports[1] if reports else None,
                  situation=f"{operation} on a session in phase {session.phase.value}")
    body = answer.body
    if operation == "status":
        if isinstance(body, dict):
            model.observed(session, request_status(body), body.get("download_status") is not None)
    elif answer.status >= 500 or (answer.status == 200 and isinstance(body, dict) and body.get("status") == "failure"):
        model.undetermined(session, operation)
    elif answer.status != 200 or operation == "download":
        model.refused(session)
    else:
        model.succeeded(operation, session, documented=demanded is not Expect.OPEN)
    return asked
