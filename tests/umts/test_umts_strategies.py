"""The Hypothesis strategies of UMTS inputs (strategies.py)."""

from __future__ import annotations

from hypothesis import given, settings

from pytest_sessionapi.apis.umts import strategies
from pytest_sessionapi.apis.umts.models import OPERATIONS

CONFIGURED = {"deviceUUID": "C8K-1", "localColor": "lte", "remoteColor": "biz-internet",
              "remoteSystem": "172.16.255.16, 172.16.255.15"}


@settings(max_examples=30, database=None)
@given(body=strategies.create_bodies(CONFIGURED))
def test_create_bodies_target_the_configured_device_with_documented_values(body):
    assert body["deviceUUID"] == "C8K-1"
    assert body["localColor"] in ("lte", *strategies.DOCUMENTED_LOCAL_COLORS)
    assert body["remoteColor"] in ("biz-internet", *strategies.DOCUMENTED_REMOTE_COLORS)
    systems = body["remoteSystem"].split(",")
    assert systems and len(set(systems)) == len(systems)
    assert set(systems) <= {"172.16.255.16", "172.16.255.15"}


def test_only_the_configured_colors_must_be_accepted():
    assert strategies.uses_configured_colors(dict(CONFIGURED), CONFIGURED)
    assert not strategies.uses_configured_colors({**CONFIGURED, "localColor": "local-color-all"}, CONFIGURED)


@settings(max_examples=20, database=None)
@given(operation=strategies.operations, unknown=strategies.unknown_operations)
def test_operations_are_the_five_and_unknown_ones_are_not(operation, unknown):
    assert operation in OPERATIONS and unknown not in OPERATIONS
