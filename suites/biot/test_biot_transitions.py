"""The transition model, entry by entry: every edge and every refused change that a session of the
suite's own can reach is tried once, in a fixed order, on every run.

The random walk (test_biot_state_machine) explores sequences of changes; which pairs it meets
depends on where its derandomized seed leads it. This tour is the part that does not: it is
planned from model.toml alone, so a server that disagrees with any reachable entry of the
model is found whatever the walk does. ACTIVATING is not reachable by PATCH from a new (ACTIVE)
session, so its edges are judged only if a server lets a session arrive there.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import pytest

from pytest_sessionapi.apis.biot.model import (
    REQ_INFERRED_ALLOWED,
    REQ_INFERRED_FORBIDDEN,
    STATES,
    SessionView,
    TransitionModel,
    load_model,
)
from pytest_sessionapi.apis.biot.rules import ERROR_REQUIREMENTS, SESSION_REQUIREMENTS
from pytest_sessionapi.apis.biot.sessions import state_change_body, stored_start
from pytest_sessionapi.apis.biot.steps import judge_patch

pytestmark = pytest.mark.sessionapi("biot")

ORIGIN = "ACTIVE"
"""The state the suite creates its sessions in (create by usage type, as a device does)."""


@dataclass(frozen=True)
class Visit:
    """One session: reach ``state`` along ``path`` (the model's edges), then send each target."""

    state: str
    path: tuple[str, ...]
    targets: tuple[str, ...]


def shortest_paths(model: TransitionModel, origin: str = ORIGIN) -> dict[str, tuple[str, ...]]:
    """State -> the states a session passes through from ``origin`` to it (breadth first)."""
    paths: dict[str, tuple[str, ...]] = {origin: ()}
    queue = deque([origin])
    while queue:
        current = queue.popleft()
        if current == model.final_state:
            continue
        for target in model.targets_from(current):
            if target not in paths:
                paths[target] = (*paths[current], target)
                queue.append(target)
    return paths


def plan_tour(model: TransitionModel) -> list[Visit]:
    """One visit per reachable state that is not final: the same state re-sent, every change the
    model refuses (all refused, so the session stays put), then one edge out not yet travelled;
    then one visit for each edge still untravelled."""
    paths = shortest_paths(model)
    paths.pop(model.final_state, None)  # nothing to visit there (DONE-final has its own test)
    travelled = {pair for path in paths.values() for pair in zip((ORIGIN, *path), path)}
    visits: list[Visit] = []
    for state in STATES:
        if state not in paths or state == model.final_state:
            continue
        same = (state,) if model.allowed(state, state) else ()
        refused = tuple(t for t in STATES if not model.allowed(state, t))
        leaving = [
            t for t in model.targets_from(state) if t != state and (state, t) not in travelled
        ][:1]
        travelled.update((state, t) for t in leaving)
        visits.append(Visit(state, paths[state], same + refused + tuple(leaving)))
    for current, target in model.edges:
        if current in paths and current != target and (current, target) not in travelled:
            travelled.add((current, target))
            visits.append(Visit(current, paths[current], (target,)))
    return visits


TOUR = plan_tour(load_model())
TOUR_REASON = "transition tour"
JUDGED = (REQ_INFERRED_ALLOWED, REQ_INFERRED_FORBIDDEN)


# The documented edge and DONE-final have their own tests; the oracle records them here too
# when the tour meets them.
@pytest.mark.sessionapi_requirement(
    *JUDGED, "BIOT-PATCH-PARTIAL", "BIOT-GET", "BIOT-PATCH-REJECTED-NO-EFFECT",
    *SESSION_REQUIREMENTS, *ERROR_REQUIREMENTS,
)
@pytest.mark.parametrize("visit", TOUR, ids=lambda v: f"{v.state}->{'|'.join(v.targets)}")
def test_transition_model_entries(biot_sessions, sessionapi_conformance, visit):
    """BioT publishes the states, 'The Sessions state
    Values:ACTIVE,DONE,PAUSED,ACTIVATING,PAUSING,RESUMING,STOPPING', and no transition table: the
    model's edges are inferred from the state names (SHOULDs). Each reachable entry is tried
    once."""
    created = biot_sessions.create()
    session_id, start = created["_id"], stored_start(created)
    current = SessionView.from_body(created)
    for hop in visit.path:
        body = state_change_body(current.state, start, hop, reason=TOUR_REASON)
        judged = judge_patch(sessionapi_conformance, biot_sessions, session_id, current, body)
        if not judged.accepted or judged.current is None:
            break  # the refused edge is recorded; this visit cannot reach its state
        current = judged.current
    else:
        for target in visit.targets:
            body = state_change_body(current.state, start, target, reason=TOUR_REASON)
            judged = judge_patch(sessionapi_conformance, biot_sessions, session_id, current, body)
            if judged.current is None or judged.current.state != visit.state:
                break  # the session moved (an edge, or a change the server should have refused)
            current = judged.current
    sessionapi_conformance.settle_unrecorded("not-tested", "this visit met no such entry", only=JUDGED)
