"""The requirement catalogues and the suites agree with each other and with the rules that keep
the verdict honest."""

from __future__ import annotations

import pytest

from pytest_sessionapi.registry import all_apis
from pytest_sessionapi.reports import verdict_of
from pytest_sessionapi.requirements import Requirement, load_catalogue

APIS = list(all_apis())


@pytest.mark.parametrize("api", APIS)
def test_catalogue_loads_and_is_not_empty(api):
    catalogue = load_catalogue(api)
    assert len(catalogue.requirements) >= 5
    assert any(r.level == "MUST" for r in catalogue)


def test_an_inference_cannot_be_a_must():
    with pytest.raises(ValueError, match="an inferred requirement cannot be a MUST"):
        Requirement(id="X-Y", level="MUST", basis="inferred", source="s", statement="t")


def test_a_conflicting_point_needs_a_recorded_decision():
    with pytest.raises(ValueError, match="needs a recorded decision"):
        Requirement(id="X-Y", level="SHOULD", basis="conflicting", source="s", statement="t")


@pytest.mark.parametrize("api", APIS)
def test_every_requirement_is_checked_by_a_suite_test(pytester, api):
    from tests.conftest import SUITES

    items, _ = pytester.inline_genitems(
        str(SUITES / api), f"--sessionapi-api={api}", "-p", "no:cacheprovider"
    )
    declared = {
        requirement_id
        for item in items
        for marker in item.iter_markers("requirement")
        for requirement_id in marker.args
    }
    missing = [r.id for r in load_catalogue(api) if r.id not in declared]
    assert not missing, f"catalogue requirements no suite test declares: {missing}"


@pytest.mark.parametrize("api", APIS)
def test_every_fault_variant_names_a_catalogue_requirement(api):
    catalogue = load_catalogue(api)
    for variant in all_apis()[api].reference.VARIANTS.values():
        if variant.kind == "fault":
            assert variant.requirement in catalogue, variant


@pytest.mark.parametrize("api", APIS)
def test_every_requirement_has_a_fault_variant(api):
    # SHOULDs too: a SHOULD check that cannot fail is as useless as a MUST one (the self-test runs
    # SHOULD faults leniently, where they must pass, and strictly, where they must fail).
    faults = {v.requirement for v in all_apis()[api].reference.VARIANTS.values() if v.kind == "fault"}
    missing = [r.id for r in load_catalogue(api) if r.id not in faults]
    assert not missing, f"requirements no fault variant proves the suite catches: {missing}"


@pytest.mark.parametrize(
    ("statuses", "strict", "verdict"),
    [
        ([("MUST", "pass"), ("SHOULD", "fail")], False, "conformant"),
        ([("MUST", "pass"), ("SHOULD", "fail")], True, "nonconformant"),
        ([("MUST", "fail"), ("SHOULD", "pass")], False, "nonconformant"),
        ([("MUST", "pass"), ("MUST", "not-tested")], False, "incomplete"),
        ([("MUST", "pass"), ("MUST", "skip")], False, "incomplete"),
        ([("MUST", "fail"), ("MUST", "not-tested")], False, "nonconformant"),
        ([("MUST", "pass"), ("SHOULD", "not-tested")], False, "conformant"),
    ],
)
def test_verdict_rules(statuses, strict, verdict):
    requirements = [{"level": level, "status": status} for level, status in statuses]
    assert verdict_of(requirements, strict) == verdict
