"""What a QA engineer reads is about their endpoint, not about this plugin or its libraries: no
Schemathesis tracing header on the wire or in a curl line, curl lines that reach something, skip
and warning lines that name the test (never the plugin's own files), the plugin's version beside
pytest's, and a waived MUST said as what it is, with its waiver, in every report."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

from pytest_sessionapi.transport import Exchange

FAULT = "unknown-iccid-empty-session"
FAULT_REQUIREMENT = "CC-ERR-UNKNOWN-ICCID"


def test_no_schemathesis_tracing_header_reaches_the_target_or_the_report(run_suite, pytester):
    cassettes = pytester.path / "cassettes"
    run = run_suite("controlcenter", f"--sessionapi-record={cassettes}", variant=FAULT)
    assert run.ret == 1, run.output()
    recorded = [path.read_text(encoding="utf-8").lower() for path in cassettes.rglob("*.yaml")]
    # The property-based tests' cassettes hold requests Schemathesis generated.
    assert any("test_controlcenter_properties" in str(path) for path in cassettes.rglob("*.yaml"))
    assert recorded and not any("x-schemathesis" in text for text in recorded)
    failed = next(r for r in run.report["apis"]["controlcenter"]["requirements"] if r["id"] == FAULT_REQUIREMENT)
    assert failed["evidence"]
    for wire in failed["evidence"]:
        assert "x-schemathesis" not in (wire["exchange"] + wire["curl"]).lower()
    assert "x-schemathesis" not in run.output().lower()


def _exchange(url: str) -> Exchange:
    return Exchange("GET", url, {"accept": "application/json", "authorization": "***"}, "", 200, {}, "", None, 0.0)


def test_curl_lines_of_the_embedded_reference_reach_it_once_served():
    line = _exchange("http://controlcenter.reference/rws/api/v1/devices/8988/sessionInfo").curl()
    assert line.startswith("curl -X GET http://127.0.0.1:8080/rws/api/v1/devices/8988/sessionInfo ")
    assert line.endswith(
        "  # in-process reference: `sessionapi serve --api controlcenter` serves it on 127.0.0.1:8080"
    )
    assert '"authorization: $SESSIONAPI_AUTHORIZATION"' in line
    served = _exchange("http://127.0.0.1:39111/rws/api/v1/devices/8988/sessionInfo").curl()
    assert served.startswith("curl -X GET http://127.0.0.1:39111/rws/") and "#" not in served


def test_skip_and_warning_lines_show_no_file_of_the_plugin(run_suite, monkeypatch):
    # From sys.modules, as the run_suite fixture imports it (an in-process run may re-import it).
    serving = importlib.import_module("pytest_sessionapi.serving")
    original = serving.loopback_table

    def without_ended_device(api, base_url):
        table = original(api, base_url)
        table.pop("iccid_session_ended", None)
        return table

    monkeypatch.setattr(serving, "loopback_table", without_ended_device)
    # A SHOULD failure warns; a missing entity skips: both in one run.
    run = run_suite("controlcenter", "-rs", "-W", "default", over="http", variant=None)
    text = run.output()
    skips = [line for line in text.splitlines() if line.startswith("SKIPPED")]
    assert skips, text[-3000:]
    assert all("suites/controlcenter/test_" in line for line in skips), skips
    assert "pytest_sessionapi" not in "\n".join(skips) and "NotTested" not in "\n".join(skips), skips
    for internal in ("runtime.py:", "ledger.py:", "outcomes.py:", "recording.py:"):
        assert internal not in text, internal


def test_a_should_failure_warns_at_the_test(run_suite):
    run = run_suite("controlcenter", "-W", "default", variant="no-www-authenticate")
    text = run.output()
    assert "SHOULD-level requirement(s) not met" in text, text[-3000:]
    warned = [line for line in text.splitlines() if "SessionApiAdvisory" in line]
    assert warned and all(line.lstrip().startswith("suites/controlcenter/test_") for line in warned), warned
    assert "ledger.py" not in text


def test_run_version_prints_the_plugins_version_too(tmp_path):
    from pytest_sessionapi import __version__

    result = subprocess.run(
        [sys.executable, "-m", "pytest_sessionapi", "run", "--version"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0
    assert result.stdout.splitlines()[0] == f"pytest-sessionapi {__version__}"
    assert "pytest " in result.stdout + result.stderr


def test_a_waived_must_is_said_as_waived_with_its_reason_expiry_and_ticket(run_suite, pytester):
    waivers = pytester.path / "waivers.toml"
    waivers.write_text(
        "[[waiver]]\n"
        'api = "controlcenter"\n'
        f'requirement = "{FAULT_REQUIREMENT}"\n'
        'reason = "vendor fix scheduled in release 4.2"\n'
        "expires = 2999-01-31\n"
        'ticket = "QA-1234"\n',
        encoding="utf-8",
    )
    run = run_suite("controlcenter", f"--sessionapi-waivers={waivers}", "-W", "default", variant=FAULT)
    assert run.ret == 0, run.output()[-3000:]
    text = run.output()
    assert "waived requirement(s) failed (accepted by a waiver, not failing the run)" in text
    should_blocks = text.split("SHOULD-level requirement(s) not met")[1:]
    assert all(FAULT_REQUIREMENT not in block.split("waived requirement(s)")[0] for block in should_blocks)
    markdown = (Path(run.report_path).parent / "conformance.md").read_text(encoding="utf-8")
    assert "### Waivers" in markdown
    assert f"| {FAULT_REQUIREMENT} | applied | vendor fix scheduled in release 4.2 | 2999-01-31 | QA-1234 |" in markdown


def test_incomplete_always_says_why(run_suite, monkeypatch):
    # From sys.modules, as the run_suite fixture imports it (an in-process run may re-import it).
    serving = importlib.import_module("pytest_sessionapi.serving")
    original = serving.loopback_table

    def readme_keys_only(api, base_url):
        # The README's example table: the keys it shows, nothing more.
        keys = ("base_url", "username", "api_key_env", "iccid_in_session", "iccid_session_ended",
                "iccid_never_in_session", "max_rps")
        return {key: value for key, value in original(api, base_url).items() if key in keys}

    monkeypatch.setattr(serving, "loopback_table", readme_keys_only)
    run = run_suite("controlcenter", over="http")
    entry = run.report["apis"]["controlcenter"]
    assert run.ret == 0 and entry["verdict"] == "incomplete", run.output()[-2000:]
    # The untested MUSTs by name, and why: the entity keys the README's example does not show.
    assert "MUST requirement(s) not tested: " in entry["verdict_reason"]
    assert "the target names no 'iccid_" in entry["verdict_reason"], entry["verdict_reason"]


def test_a_run_of_every_suite_warns_nothing_of_the_plugins_own(run_suite):
    """The quick start's first command shows no warning: a deprecation pytest announces for the
    plugin's fixtures (a session fixture defined as an instance method, say) is the user's noise
    and a future pytest's error."""
    run = run_suite(None, "-W", "error::pytest.PytestDeprecationWarning", "-W", "error::DeprecationWarning:pytest_sessionapi")
    assert run.ret == 0, run.output()[-3000:]
    assert "warnings summary" not in run.output(), run.output()[-3000:]
