"""The suite's own proof, for every API at once: it passes the reference implementation, fails
every fault variant with exactly the requirement the fault breaks (and the knock-on effects the
variant declares, nothing else), and passes every conformant variant.

Every variant runs in-process. The reference and the variants whose difference lives in the
transport (``Variant.transport``: credentials, cookies, XSRF, redirects, headers, status lines),
faults and conformant ones, also run over real HTTP on loopback, through a generated
``targets.toml``: the other variants are bodies and states the in-process bridge delivers
unchanged, and the reference's own run over HTTP covers the transport they share with it.

Every run also checks the one truth: ``conformance.json`` says the exit status the process
returned, and a run exits 1 exactly when an API is nonconformant.

Adding an API adds its variants here without editing this file.
"""

from __future__ import annotations

import pytest

from pytest_sessionapi.__main__ import main
from pytest_sessionapi.reference_support import Variant
from pytest_sessionapi.registry import all_apis
from pytest_sessionapi.policy import Policy
from pytest_sessionapi.requirements import find_requirement, load_catalogue

OVER = ["inprocess", "http"]


def _variants(kind: str) -> list[pytest.param]:
    return [
        pytest.param(api.name, variant, over, id=f"{api.name}:{variant.name}-{over}")
        for api in all_apis().values()
        for variant in api.reference.VARIANTS.values()
        if variant.kind == kind
        for over in (OVER if variant.transport else OVER[:1])
    ]


def _judge(run, api: str, *, ret: int, verdict: str, fails: frozenset[str], over: str) -> None:
    assert run.report_path.exists(), f"no conformance.json\n{run.output()}"
    report = run.report
    assert report["exit_status"] == run.ret, (
        f"conformance.json says exit status {report['exit_status']}, the process exited {run.ret}"
    )
    verdicts = {name: entry["verdict"] for name, entry in report["apis"].items()}
    assert (run.ret == 1) == ("nonconformant" in verdicts.values()), (
        f"exit status {run.ret} with verdicts {verdicts}: exit 1 means some API is nonconformant"
    )
    assert run.ret == ret, run.output()
    assert verdicts[api] == verdict, verdicts
    failed = set(run.failed(api))
    assert failed == fails, (
        f"expected to fail exactly {sorted(fails)}; "
        f"also failed {sorted(failed - fails)}, did not fail {sorted(fails - failed)}"
    )
    if over == "http":
        assert run.leftover_sessions == [], "the suite left sessions behind on the server"


@pytest.mark.parametrize("over", OVER)
@pytest.mark.parametrize("api", list(all_apis()))
def test_reference_is_conformant(run_suite, api, over):
    run = run_suite(api, over=over)
    _judge(run, api, ret=0, verdict="conformant", fails=frozenset(), over=over)
    entry = run.api(api)
    assert {r["status"] for r in entry["requirements"]} <= {"pass"}, [
        (r["id"], r["status"], r["messages"]) for r in entry["requirements"] if r["status"] != "pass"
    ]


@pytest.mark.parametrize(("api", "variant", "over"), _variants("fault"))
def test_fault_variant_fails_its_requirement(run_suite, api, variant: Variant, over):
    run = run_suite(api, variant=variant.name, over=over)
    if find_requirement(variant.requirement).level == "SHOULD":
        # A SHOULD is reported, never fatal, by default. The strict profile judges the same
        # answers and only weighs them differently, so one run shows both: the requirement fails
        # here, and under strict the same statuses make the API nonconformant (the strict exit
        # status itself is pinned once, in tests/test_verdicts.py, not re-run for every fault).
        _judge(run, api, ret=0, verdict="conformant", fails=variant.fails, over=over)
        assert Policy.of(strict=True).verdict(run.api(api)["requirements"]) == "nonconformant"
    else:
        _judge(run, api, ret=1, verdict="nonconformant", fails=variant.fails, over=over)


@pytest.mark.parametrize(("api", "variant", "over"), _variants("conformant"))
def test_conformant_variant_passes(run_suite, api, variant: Variant, over):
    run = run_suite(api, variant=variant.name, over=over)
    _judge(run, api, ret=0, verdict="conformant", fails=frozenset(), over=over)


@pytest.mark.parametrize("api", list(all_apis()))
def test_knock_on_effects_are_catalogue_requirements_no_stronger_than_the_fault(api):
    """A knock-on names a catalogue requirement of the same API, and a SHOULD fault cannot
    knock on a MUST: its lenient run must stay green."""
    catalogue = load_catalogue(api)
    for variant in all_apis()[api].reference.VARIANTS.values():
        for knock_on in variant.knock_on:
            assert knock_on in catalogue, (variant.name, knock_on)
            if find_requirement(variant.requirement).level == "SHOULD":
                assert find_requirement(knock_on).level == "SHOULD", (variant.name, knock_on)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"kind": "conformant", "knock_on": ("X-B",)}, "only a fault has knock-on effects"),
        ({"requirement": "X-A", "knock_on": ("X-A",)}, "knock_on repeats a requirement"),
        ({"requirement": "X-A", "knock_on": ("X-B", "X-B")}, "knock_on repeats a requirement"),
    ],
)
def test_a_variant_declaration_that_contradicts_itself_is_refused(fields, message):
    with pytest.raises(ValueError, match=message):
        Variant(**{"name": "v", "kind": "fault", "description": "d", **fields})


def test_variants_listing_says_what_else_a_fault_fails_and_where_it_runs(capsys):
    detail_indent = " " * (2 + 32 + 1 + 10 + 1)
    for api in all_apis().values():
        assert main(["variants", api.name]) == 0
        lines = capsys.readouterr().out.splitlines()
        for variant in api.reference.VARIANTS.values():
            at = next(i for i, line in enumerate(lines) if line.startswith(f"  {variant.name} "))
            following = lines[at + 1] if at + 1 < len(lines) else ""
            details = following.removeprefix(detail_indent) if following.startswith(detail_indent) else ""
            expected = []
            if variant.knock_on:
                expected.append(f"also fails {', '.join(variant.knock_on)} (knock-on)")
            if variant.transport:
                kind = "fault" if variant.kind == "fault" else "difference"
                expected.append(f"a transport {kind}: self-tested over loopback HTTP too")
            assert details == "; ".join(expected), (variant.name, following)
