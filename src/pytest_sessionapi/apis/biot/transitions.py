"""The transition model over the seven BioT session states, loaded from ``transitions.toml``.

Used by the reference implementation (which state changes it accepts) and by the suite (what every
answer is compared with), so both read the same table. Which requirement a disagreement fails
follows from the edge's basis: only documented edges and "DONE is final" are MUST.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

STATES: tuple[str, ...] = ("ACTIVE", "DONE", "PAUSED", "ACTIVATING", "PAUSING", "RESUMING", "STOPPING")

REQ_DOCUMENTED_EDGE = "BIOT-STOP-DOCUMENTED"
REQ_INFERRED_ALLOWED = "BIOT-TRANSITION-INFERRED-ALLOWED"
REQ_INFERRED_FORBIDDEN = "BIOT-TRANSITION-INFERRED-FORBIDDEN"
REQ_FINAL = "BIOT-DONE-FINAL"


@dataclass(frozen=True)
class Transition:
    current: str
    target: str
    allowed: bool
    basis: Literal["documented", "inferred"]
    source: str

    @property
    def requirement(self) -> str:
        """The requirement a server fails when it disagrees with this entry of the model."""
        if self.allowed:
            return REQ_DOCUMENTED_EDGE if self.basis == "documented" else REQ_INFERRED_ALLOWED
        return REQ_FINAL if self.basis == "documented" else REQ_INFERRED_FORBIDDEN

    def describe(self) -> str:
        verdict = "allowed" if self.allowed else "refused (409 SESSION_STATE_CHANGE_INVALID)"
        return f"{self.current} -> {self.target}: {verdict} [{self.basis}: {self.source}]"


@dataclass(frozen=True)
class TransitionModel:
    final_state: str
    final_source: str
    edges: dict[tuple[str, str], Transition]

    def transition(self, current: str, target: str) -> Transition:
        if (current, target) in self.edges:
            return self.edges[(current, target)]
        if current == self.final_state:
            return Transition(current, target, False, "documented", self.final_source)
        return Transition(
            current, target, False, "inferred",
            "not an edge of the model: no documented or inferred way between these states",
        )

    def allowed(self, current: str, target: str) -> bool:
        return self.transition(current, target).allowed

    def targets_from(self, current: str) -> list[str]:
        return [t for t in STATES if self.allowed(current, t)]

    def table(self) -> list[Transition]:
        return [self.transition(a, b) for a in STATES for b in STATES]


@cache
def load_model() -> TransitionModel:
    path = Path(__file__).with_name("transitions.toml")
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    final = data["final"]
    if final["state"] not in STATES:
        raise ValueError(f"{path}: final state {final['state']!r} is not a session state")
    edges: dict[tuple[str, str], Transition] = {}
    for entry in data["edge"]:
        current, target, basis = entry["from"], entry["to"], entry["basis"]
        if current not in STATES or target not in STATES:
            raise ValueError(f"{path}: edge {current} -> {target} names an unknown state")
        if basis not in ("documented", "inferred"):
            raise ValueError(f"{path}: edge {current} -> {target}: basis must be documented|inferred")
        if current == final["state"] and target != current:
            raise ValueError(f"{path}: edge {current} -> {target} leaves the final state")
        if (current, target) in edges:
            raise ValueError(f"{path}: duplicate edge {current} -> {target}")
        edges[(current, target)] = Transition(current, target, True, basis, entry["source"])
    return TransitionModel(final["state"], final["source"], edges)
