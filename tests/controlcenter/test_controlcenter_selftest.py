"""Control Center specifics of the suite's self-test (the per-variant loop is the generic
tests/test_selftest_variants.py): the strict/lenient decision on points the vendor's docs leave
open, and the documentation findings in the report."""

from __future__ import annotations


def test_a_point_the_docs_leave_open_is_reported_but_fails_only_in_strict_mode(run_suite):
    lenient = run_suite("controlcenter", variant="null-as-string")
    assert lenient.ret == 0, lenient.output()
    assert lenient.status("CC-NULL-NOT-STRING") == "fail"
    assert lenient.api("controlcenter")["verdict"] == "conformant"
    assert lenient.failed("controlcenter") == ["CC-NULL-NOT-STRING"]

    strict = run_suite("controlcenter", "--sessionapi-strict", variant="null-as-string")
    assert strict.ret == 1, strict.output()
    assert strict.api("controlcenter")["verdict"] == "nonconformant"
    assert strict.failed("controlcenter") == ["CC-NULL-NOT-STRING"]


def test_the_reference_passes_the_strict_profile_too_within_60_requests(run_suite):
    """Every request counts against the customer's rate limit (5 calls a second): a run of the
    whole Control Center suite, failing or not, sends at most 60 (benchmarks/variant_statuses.py
    shows the variants stay within it too)."""
    run = run_suite("controlcenter", "--sessionapi-strict")
    assert run.ret == 0, run.output()
    assert {r["status"] for r in run.api("controlcenter")["requirements"]} == {"pass"}
    assert run.api("controlcenter")["requests"] <= 60
    failing = run_suite("controlcenter", variant="content-type-text-plain")
    assert failing.ret == 1 and failing.api("controlcenter")["requests"] <= 60


def test_documentation_findings_reach_the_report(run_suite):
    run = run_suite("controlcenter")
    findings = {f["requirement"] for f in run.api("controlcenter")["findings"]}
    assert {"CC-NULL-NOT-STRING", "CC-IPV6-PLAIN-ADDRESS", "CC-ERR-ENVELOPE", "CC-ERR-STATUS-TABLE"} <= findings
    texts = " ".join(f["text"] for f in run.api("controlcenter")["findings"])
    assert "'null'" in texts and "2605:9780:309e::/64" in texts


def test_a_fault_is_caught_over_real_http_with_the_failing_exchange_in_the_output(run_suite):
    run = run_suite("controlcenter", variant="unknown-iccid-empty-session", over="http")
    assert run.ret == 1
    assert run.failed("controlcenter") == ["CC-ERR-UNKNOWN-ICCID"]
    assert "CC-ERR-UNKNOWN-ICCID (MUST) failed" in run.output()
    assert "cc-reference-key" not in run.output()
