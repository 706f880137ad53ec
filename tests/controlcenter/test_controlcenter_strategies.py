"""The Hypothesis strategies of the Control Center suite."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pytest_sessionapi.apis.controlcenter.rules import luhn_valid
from pytest_sessionapi.apis.controlcenter.schemathesis_checks import OPERATION_PATH
from pytest_sessionapi.apis.controlcenter.sessions import TargetDevices
from pytest_sessionapi.apis.controlcenter.strategies import (
    generated_cases,
    iccids,
    known_and_unknown_iccids,
    luhn_check_digit,
    malformed_iccids,
    other_api_versions,
)


def test_luhn_against_published_numbers():
    assert luhn_valid("89860620200029875009") and luhn_valid("89314404001235546594")
    assert not luhn_valid("8988216716970004975")  # the vendor's own sample
    assert luhn_check_digit("898821671697000497") == "3"


@settings(max_examples=200, database=None)
@given(st.data())
def test_iccids_cover_both_lengths_and_both_luhn_outcomes(data):
    iccid = data.draw(iccids())
    assert iccid.isdigit() and len(iccid) in (19, 20)


def test_iccid_strategy_reaches_every_class():
    seen = set()

    @settings(max_examples=300, database=None)
    @given(iccids())
    def collect(iccid):
        seen.add((len(iccid), luhn_valid(iccid)))

    collect()
    assert seen == {(19, True), (19, False), (20, True), (20, False)}


@settings(max_examples=200, database=None)
@given(malformed_iccids())
def test_malformed_iccids_are_one_safe_path_segment_and_not_iccids(iccid):
    assert iccid and all(c.isalnum() or c in "-_" for c in iccid)
    assert not (iccid.isdigit() and len(iccid) in (18, 19, 20, 21, 22))


@settings(max_examples=200, database=None)
@given(other_api_versions())
def test_other_api_versions_never_name_the_current_one(version):
    assert version != "1" and version and "/" not in version


def test_generated_cases_name_the_targets_devices_about_half_the_time():
    devices = ("8988216716970004975", "89882167169700050013")
    named = set()

    @settings(max_examples=60, database=None, suppress_health_check=list(HealthCheck))
    @given(generated_cases(devices))
    def collect(case):
        assert case.operation.path == OPERATION_PATH
        if case.path_parameters["iccid"] in devices:
            assert str(case.path_parameters["apiVersion"]) == "1"
            named.add(case.path_parameters["iccid"])

    collect()
    assert named == set(devices)


def test_without_devices_only_the_document_generates():
    @settings(max_examples=20, database=None, suppress_health_check=list(HealthCheck))
    @given(generated_cases(()))
    def collect(case):
        assert case.operation.path == OPERATION_PATH

    collect()


def test_known_and_unknown_iccids_draw_from_both():
    devices = TargetDevices({"111": "iccid_in_session"}, ("999",))
    seen = set()

    @settings(max_examples=50, database=None)
    @given(known_and_unknown_iccids(devices))
    def collect(iccid):
        seen.add(iccid)

    collect()
    assert seen == {"111", "999"}
