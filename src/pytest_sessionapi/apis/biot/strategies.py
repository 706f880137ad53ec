"""The Hypothesis strategies for BioT's inputs: PATCH bodies built from a few choices per
attribute, and Schemathesis's generated Update Usage Session cases.

Each PATCH body is valid by the catalogue, then (most of the time) broken in exactly one way
(``MUTATIONS``), with times placed relative to the session's start and the clock, so the oracle
judges every example with certainty.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from hypothesis import strategies as st

from .model import RUNNING_STATES, STATES, STOP_REASON_CODES, format_utc, load_model

_NAME_CHARS = st.characters(
    codec="utf-8", min_codepoint=0x20, max_codepoint=0xFFFF,
    categories=("Lu", "Ll", "Nd", "Pd", "Zs"),
)
_names = st.text(_NAME_CHARS, min_size=1, max_size=64).filter(lambda s: s == s.strip() and s)
_long_names = st.text(_NAME_CHARS, min_size=65, max_size=90)
_reasons = st.text(_NAME_CHARS, min_size=0, max_size=128)
_long_reasons = st.text(_NAME_CHARS, min_size=129, max_size=160)

MUTATIONS = (
    None, "state-not-in-enum", "state-change-not-in-model", "stop-code-not-in-enum", "name-empty",
    "name-too-long", "stop-reason-too-long", "time-not-iso", "start-in-future", "end-in-future",
    "start-after-end", "done-without-stop-data", "stop-code-while-running", "end-while-running",
)


@st.composite
def patch_bodies(draw, initial: str, start, now):
    """A PATCH body for a session in state ``initial`` started at ``start``, sent at about
    ``now`` (the suite's clock, which the strategy never reads itself): valid by the catalogue,
    then (most of the time) broken in exactly one way, so a server that ignores one rule cannot
    hide behind another."""
    model = load_model()
    mutation = draw(st.sampled_from(MUTATIONS))
    body: dict = {}
    if draw(st.booleans()):
        body["_startTime"] = format_utc(start - timedelta(minutes=draw(st.integers(0, 60))))
    targets = [t for t in model.targets_from(initial)]
    target = initial
    if initial != "DONE" and draw(st.booleans()) or mutation in ("done-without-stop-data", "start-after-end"):
        target = "DONE" if mutation in ("done-without-stop-data", "start-after-end") else draw(
            st.sampled_from(targets)
        )
        body["_state"] = target
    elif draw(st.booleans()):
        body["_state"] = initial
    if target == "DONE" and initial != "DONE":
        body["_endTime"] = format_utc(start + timedelta(minutes=draw(st.integers(1, 90))))
        body["_summary"] = {"_stopReasonCode": draw(st.sampled_from(STOP_REASON_CODES))}
        if draw(st.booleans()):
            body["_summary"]["_stopReason"] = draw(_reasons)
    elif target == "DONE" and draw(st.booleans()):
        body["_summary"] = {"_stopReason": draw(_reasons)}
    if draw(st.booleans()):
        body["_name"] = draw(_names)
    running = target in RUNNING_STATES
    if mutation == "state-not-in-enum":
        body["_state"] = draw(st.sampled_from(["FINISHED", "active", "STOPPED", "Done"]))
    elif mutation == "state-change-not-in-model":
        refused = [t for t in STATES if not model.allowed(initial, t)]
        body["_state"] = draw(st.sampled_from(refused))
        body.pop("_endTime", None)
        body.pop("_summary", None)
    elif mutation == "stop-code-not-in-enum":
        body.setdefault("_summary", {})["_stopReasonCode"] = draw(
            st.sampled_from(["MANUAL", "completion", "ERROR"])
        )
    elif mutation == "name-empty":
        body["_name"] = ""
    elif mutation == "name-too-long":
        body["_name"] = draw(_long_names)
    elif mutation == "stop-reason-too-long" and target == "DONE":
        body.setdefault("_summary", {})["_stopReason"] = draw(_long_reasons)
    elif mutation == "time-not-iso":
        body[draw(st.sampled_from(["_startTime", "_endTime"]))] = draw(st.sampled_from(_MALFORMED))
    elif mutation == "start-in-future":
        body["_startTime"] = format_utc(now + timedelta(days=draw(st.integers(1, 30))))
    elif mutation == "end-in-future" and target == "DONE":
        body["_endTime"] = format_utc(now + timedelta(days=draw(st.integers(1, 30))))
    elif mutation == "start-after-end":
        body["_endTime"] = format_utc(start - timedelta(minutes=draw(st.integers(1, 60))))
        body.pop("_startTime", None)
    elif mutation == "done-without-stop-data" and initial != "DONE":
        body.pop("_summary", None)
    elif mutation == "stop-code-while-running" and running:
        body["_summary"] = {"_stopReasonCode": draw(st.sampled_from(STOP_REASON_CODES))}
    elif mutation == "end-while-running" and running:
        body["_endTime"] = format_utc(start + timedelta(minutes=draw(st.integers(1, 90))))
    return body


_MALFORMED = ("2022-07-28", "28/07/2022 14:02:26", "now", "2022-07-28T25:00:00Z", "")


def patch_cases() -> st.SearchStrategy[Any]:
    """Schemathesis's Update Usage Session cases, positive and negative bodies, on placeholder
    path parameters (each case is pointed at a fresh session of the suite's own before sending)."""
    from schemathesis import GenerationMode

    from .schemathesis_checks import PATCH_PATH, PLACEHOLDER_PATH, load_schema

    operation = load_schema()[PATCH_PATH]["PATCH"]
    return st.one_of(
        operation.as_strategy(generation_mode=mode, path_parameters=dict(PLACEHOLDER_PATH))
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    )
