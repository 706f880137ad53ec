"""The suite's own proof, for every API at once: it passes the reference implementation, fails
every fault variant with exactly the requirement the fault breaks, and passes every conformant
variant; in-process and against the reference served over real HTTP on loopback.

Adding an API adds its variants here without editing this file.
"""

from __future__ import annotations

import pytest

from pytest_sessionapi.registry import all_apis
from pytest_sessionapi.requirements import find_requirement

OVER = ["inprocess", "http"]


def _variants(kind: str) -> list[pytest.param]:
    return [
        pytest.param(api.name, variant, id=f"{api.name}:{variant.name}")
        for api in all_apis().values()
        for variant in api.reference.VARIANTS.values()
        if variant.kind == kind
    ]


@pytest.mark.parametrize("over", OVER)
@pytest.mark.parametrize("api", list(all_apis()))
def test_reference_is_conformant(run_suite, api, over):
    run = run_suite(api, over=over)
    assert run.ret == 0, run.output()
    entry = run.api(api)
    assert entry["verdict"] == "conformant", entry
    assert {r["status"] for r in entry["requirements"]} <= {"pass"}, [
        (r["id"], r["status"], r["messages"]) for r in entry["requirements"] if r["status"] != "pass"
    ]
    if over == "http":
        assert run.leftover_sessions == [], "the suite left sessions behind on the server"


@pytest.mark.parametrize("over", OVER)
@pytest.mark.parametrize(("api", "variant"), _variants("fault"))
def test_fault_variant_fails_its_requirement(run_suite, api, variant, over):
    should = find_requirement(variant.requirement).level == "SHOULD"
    if should:
        # A SHOULD is reported, never fatal, by default; the strict profile makes it fatal.
        lenient = run_suite(api, variant=variant.name, over=over)
        assert lenient.ret == 0, lenient.output()
        assert lenient.status(variant.requirement) == "fail"
        assert lenient.api(api)["verdict"] == "conformant"
    run = run_suite(api, *(["--sessionapi-strict"] if should else []), variant=variant.name, over=over)
    assert run.ret == 1, run.output()
    assert run.status(variant.requirement) == "fail", (
        f"{variant.name} breaks {variant.requirement}, but the suite reported "
        f"{run.status(variant.requirement)}; failed instead: {run.failed(api)}"
    )
    assert run.api(api)["verdict"] == "nonconformant"
    if over == "http":
        assert run.leftover_sessions == [], "the suite left sessions behind on the server"


@pytest.mark.parametrize("over", OVER)
@pytest.mark.parametrize(("api", "variant"), _variants("conformant"))
def test_conformant_variant_passes(run_suite, api, variant, over):
    run = run_suite(api, variant=variant.name, over=over)
    assert run.ret == 0, run.output()
    assert run.api(api)["verdict"] == "conformant", run.failed(api)
    if over == "http":
        assert run.leftover_sessions == [], "the suite left sessions behind on the server"
