"""The transition model the suite judges every state change with (transitions.toml), entry by
entry: which changes are allowed, which refused, and which requirement a disagreement fails."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from pytest_sessionapi.apis.biot import transitions
from pytest_sessionapi.apis.biot.transitions import (
    REQ_DOCUMENTED_EDGE,
    REQ_FINAL,
    REQ_INFERRED_ALLOWED,
    REQ_INFERRED_FORBIDDEN,
    STATES,
    load_model,
)

TABLE = tomllib.loads(Path(transitions.__file__).with_name("transitions.toml").read_text("utf-8"))
EDGES = {(edge["from"], edge["to"]): edge["basis"] for edge in TABLE["edge"]}


def test_the_model_allows_exactly_the_edges_of_the_table():
    model = load_model()
    allowed = {(a, b) for a in STATES for b in STATES if model.allowed(a, b)}
    assert allowed == set(EDGES)


@pytest.mark.parametrize(
    ("current", "target", "requirement"),
    [
        ("ACTIVE", "DONE", REQ_DOCUMENTED_EDGE),  # 'Stop a Session'
        ("ACTIVE", "PAUSING", REQ_INFERRED_ALLOWED),
        ("ACTIVE", "ACTIVE", REQ_INFERRED_ALLOWED),  # re-sending the current state
        ("ACTIVE", "ACTIVATING", REQ_INFERRED_FORBIDDEN),  # not an edge
        ("PAUSING", "ACTIVE", REQ_INFERRED_FORBIDDEN),
        ("DONE", "ACTIVE", REQ_FINAL),  # DONE is final
        ("DONE", "STOPPING", REQ_FINAL),
    ],
)
def test_a_disagreement_fails_the_requirement_of_the_entrys_basis(current, target, requirement):
    assert load_model().transition(current, target).requirement == requirement


def test_done_is_final_and_only_done_may_be_re_sent():
    model = load_model()
    assert model.targets_from("DONE") == ["DONE"]
    for target in STATES:
        if target != "DONE":
            refused = model.transition("DONE", target)
            assert not refused.allowed and refused.basis == "documented"


def test_every_state_but_done_has_a_way_forward_and_done_is_reached_from_active():
    model = load_model()
    for state in STATES:
        assert [t for t in model.targets_from(state) if t != state] or state == "DONE"
    assert "DONE" in model.targets_from("ACTIVE")


def test_the_table_has_an_entry_for_every_pair_and_says_why():
    table = load_model().table()
    assert len(table) == len(STATES) ** 2
    refused = load_model().transition("ACTIVE", "ACTIVATING").describe()
    assert refused.startswith("ACTIVE -> ACTIVATING: refused (409 SESSION_STATE_CHANGE_INVALID) [inferred:")
    allowed = load_model().transition("ACTIVE", "DONE").describe()
    assert allowed.startswith("ACTIVE -> DONE: allowed [documented: BioT documentation 'Stop a Session'")
