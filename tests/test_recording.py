"""Recorded endpoints: a run against each reference served on loopback is recorded, the server is
stopped, and the replay, with every socket refused, gives the same per-requirement statuses;
nothing written holds a secret; a cassette that lacks an exchange fails with the documented
message."""

from __future__ import annotations

import base64
import re
import socket
from pathlib import Path

import pytest
import yaml

from pytest_sessionapi.cassettes import SCRUBBED, Interaction, Scrubber, cassette_name, read_vcr
from pytest_sessionapi.redaction import Redactor
from pytest_sessionapi.registry import all_apis

# Imported here, before any in-process pytester run: a run unloads the modules it imported
# first, and PyYAML's C emitter breaks when vcrpy's dumper is imported again (see conftest._preload).
import respx  # noqa: F401,E402
import vcr.request  # noqa: F401,E402
import vcr.serialize  # noqa: F401,E402
import vcr.serializers.yamlserializer  # noqa: F401,E402

import pytest_sessionapi.cassettes  # noqa: F401,E402
import pytest_sessionapi.recording  # noqa: F401,E402
import pytest_sessionapi.traffic_judge  # noqa: F401,E402


def _statuses(run) -> dict[str, str]:
    return {r["id"]: r["status"] for entry in run.report["apis"].values() for r in entry["requirements"]}


def _no_sockets(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every way Python opens a connection raises, and says who tried."""
    attempts: list[str] = []

    def refuse(*args, **kwargs):
        attempts.append(repr(args)[:80])
        raise OSError("the replay opened a socket")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    return attempts


@pytest.mark.parametrize("api", list(all_apis()))
def test_record_stop_the_server_replay_offline_same_statuses(run_suite, pytester, monkeypatch, api):
    cassettes = pytester.path / "cassettes"
    recorded = run_suite(api, f"--sessionapi-record={cassettes}", over="http")
    assert recorded.ret == 0, recorded.output()
    live = _statuses(recorded)
    recorded_tests = sorted(
        t for r in recorded.api(api)["requirements"] for t in r["tests"]
    )
    # serving() has stopped the server; from here nothing may be reached at all.
    attempts = _no_sockets(monkeypatch)
    replayed = run_suite(api, f"--sessionapi-replay={cassettes}")
    monkeypatch.undo()
    assert attempts == []
    assert replayed.ret == 0, replayed.output()
    assert _statuses(replayed) == live
    entry = replayed.api(api)
    assert entry["target"].startswith(f"recording {cassettes} (recorded 20")
    assert "from http://127.0.0.1:" in entry["target"] and entry["target"].endswith("replayed offline")
    assert entry["recording"]["replayed_from"] == str(cassettes)
    assert sorted(entry["recording"]["replayed_tests"]) == sorted(set(recorded_tests))
    # Every cassette is one vcrpy loads with its own loader.
    for path in cassettes.rglob("*.yaml"):
        read_vcr(path)


def _all_text(folder: Path) -> str:
    return "\n".join(p.read_text(errors="replace") for p in folder.rglob("*") if p.is_file())


@pytest.mark.parametrize("api", list(all_apis()))
def test_canary_secrets_appear_in_no_file_written(run_suite, pytester, monkeypatch, api):
    reference = all_apis()[api].reference
    canaries = {}
    for index, name in enumerate(reference.EMBEDDED_ENV):
        value = f"CANARY-{api}-{index}-7d1e0b5a9c"
        if api == "biot":  # the reference reads a BioT token as a JWT: keep the shape
            value = f"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJjYW5hcnkifQ.{value}"
        canaries[name] = value
        monkeypatch.setitem(reference.EMBEDDED_ENV, name, value)
    cassettes = pytester.path / "cassettes"
    run = run_suite(api, f"--sessionapi-record={cassettes}", over="http")
    assert run.ret == 0, run.output()
    written = _all_text(cassettes) + _all_text(run.report_path.parent)
    assert list(cassettes.rglob("*.yaml")), "nothing was recorded"
    for value in canaries.values():
        assert value not in written
        assert "7d1e0b5a9c" not in written
    if api == "controlcenter":
        username = reference.EMBEDDED_TABLE["username"]
        blob = base64.b64encode(f"{username}:{next(iter(canaries.values()))}".encode()).decode()
        assert blob not in written
    # Credentials by place: only the scrubbed word is left where they were.
    for line in re.findall(r"(?:authorization|x-xsrf-token):\n\s+- (.*)", written, re.IGNORECASE):
        assert line.endswith(SCRUBBED), line
    for cookie in re.findall(r"JSESSIONID=([^;\s'\"]*)", written):
        assert cookie == SCRUBBED
    assert '"JSessionId": "SCRUBBED"' in written or api != "umts"
    assert "j_password=SCRUBBED" in written or api != "umts"


def test_a_cassette_that_does_not_fit_fails_naming_test_request_and_cassette(
    run_suite, pytester, monkeypatch
):
    cassettes = pytester.path / "cassettes"
    assert run_suite("controlcenter", f"--sessionapi-record={cassettes}", over="http").ret == 0
    # A cassette that runs out: the test asks for more than it holds.
    path = cassettes / "controlcenter" / "test_controlcenter_errors" / "test_unknown_iccid.yaml"
    document = yaml.safe_load(path.read_text())
    asked = document["interactions"][0]["request"]["uri"]
    document["interactions"] = []
    path.write_text(yaml.safe_dump(document))
    # ...and one that holds an answer more than its test asks for.
    longer = cassettes / "controlcenter" / "test_controlcenter_errors" / "test_no_credentials.yaml"
    document = yaml.safe_load(longer.read_text())
    document["interactions"].append(document["interactions"][-1])
    extra = document["interactions"][-1]["request"]["uri"].split("127.0.0.1", 1)[1].split("/", 1)[1]
    longer.write_text(yaml.safe_dump(document))

    attempts = _no_sockets(monkeypatch)
    run = run_suite("controlcenter", f"--sessionapi-replay={cassettes}", "-rsE")
    monkeypatch.undo()
    assert attempts == []
    assert run.ret == 4  # the recording does not fit the run: not the endpoint's nonconformance
    asked_path = asked.split("127.0.0.1", 1)[1].split("/", 1)[1]
    ran_out = (
        f"replay: suites/controlcenter/test_controlcenter_errors.py::test_unknown_iccid sent "
        f"GET /{asked_path}, but its cassette {path} holds no such exchange, which holds no more "
        f"exchanges (0 replayed); re-record it (--sessionapi-record) if the suite changed"
    )
    run.result.stdout.fnmatch_lines([
        # Found at the end of the test: its teardown reports it.
        "*ERROR at teardown of test_no_credentials*",
        "replay: suites/controlcenter/test_controlcenter_errors.py::test_no_credentials ended with 1 "
        f"recorded exchange(s) it never asked for (the first: GET /{extra}) in its cassette "
        f"{longer}; re-record it (--sessionapi-record) if the suite changed",
        f"SKIPPED * {ran_out}",
        "ERROR *test_controlcenter_errors.py::test_no_credentials*",
        "* passed, * skipped, 1 error*",  # how many passed grows with the suite
    ])
    # A recording that does not fit is not the endpoint's fault: nothing reads 'fail'.
    assert "fail" not in _statuses(run).values()
    entry = run.api("controlcenter")
    assert entry["verdict"] == "error"
    assert entry["verdict_reason"].startswith(
        "replay: suites/controlcenter/test_controlcenter_errors.py::test_no_credentials ended with 1"
    )


def test_a_replay_with_a_cassette_deleted_or_run_out_is_incomplete_and_says_which(
    run_suite, pytester
):
    """Replay is complete or says so: a cassette the recording lists as run but that is gone, or
    one that runs out before its test ends, makes the API incomplete with a line naming the
    cassette, and the exit status is not 0 (it used to skip the test and report conformant)."""
    cassettes = pytester.path / "cassettes"
    assert run_suite("controlcenter", f"--sessionapi-record={cassettes}", over="http").ret == 0
    gone = cassettes / "controlcenter" / "test_controlcenter_errors" / "test_no_credentials.yaml"
    gone.unlink()
    run = run_suite("controlcenter", f"--sessionapi-replay={cassettes}", "-rs")
    assert run.ret == 4, run.output()
    entry = run.api("controlcenter")
    assert entry["verdict"] == "incomplete"
    line = (
        "replay: the cassette of suites/controlcenter/test_controlcenter_errors.py::test_no_credentials "
        f"is missing ({gone}), though the recording lists the test as run; re-record it (--sessionapi-record)"
    )
    assert line in entry["verdict_reason"]
    assert run.status("CC-ERR-NO-CREDENTIALS") == "not-tested"
    run.result.stdout.fnmatch_lines([f"SKIPPED * {line}"])

    shorter = cassettes / "controlcenter" / "test_controlcenter_errors" / "test_unknown_iccid.yaml"
    document = yaml.safe_load(shorter.read_text())
    document["interactions"] = []
    shorter.write_text(yaml.safe_dump(document))
    run = run_suite("controlcenter", f"--sessionapi-replay={cassettes}", "-k", "test_unknown_iccid")
    assert run.ret == 4, run.output()
    entry = run.api("controlcenter")
    assert entry["verdict"] == "incomplete"
    assert f"its cassette {shorter} holds no such exchange, which holds no more exchanges" in entry["verdict_reason"]
    assert "fail" not in _statuses(run).values()


def test_a_test_the_recording_never_ran_is_not_tested(run_suite, pytester):
    cassettes = pytester.path / "cassettes"
    assert run_suite(
        "controlcenter", f"--sessionapi-record={cassettes}", "-k", "test_unknown_iccid", over="http"
    ).ret == 0
    run = run_suite(
        "controlcenter", f"--sessionapi-replay={cassettes}", "-rs", "-k", "test_unknown_iccid or test_no_credentials"
    )
    assert run.ret == 0, run.output()
    assert run.status("CC-ERR-UNKNOWN-ICCID") == "pass"
    assert run.status("CC-ERR-NO-CREDENTIALS") == "not-tested"
    run.result.stdout.fnmatch_lines(["*replay: the recording * holds no cassette for this test (*test_no_credentials.yaml): it did not run when the recording was made*"])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--sessionapi-record=a", "--sessionapi-replay=b"),
         "ERROR: --sessionapi-record and --sessionapi-replay exclude each other: give one"),
        (("--sessionapi-replay=nowhere",),
         "ERROR: --sessionapi-replay: nowhere is not a folder of recorded cassettes"),
        (("--sessionapi-replay=.",),
         "ERROR: --sessionapi-replay: . holds no recording (no <api>/recording.json); record one with --sessionapi-record=."),
    ],
)
def test_replay_options_misused_are_one_line_usage_errors(pytester, args, message):
    result = pytester.runpytest_inprocess("--collect-only", "-q", *args)
    assert result.ret == 4
    assert result.stderr.lines[0] == message


# -- scrubbing, piece by piece -----------------------------------------------------------------


def _scrub(found: Interaction, *secrets: str) -> Interaction:
    return Scrubber(Redactor(secrets).text).interaction(found)


def test_scrubber_keeps_the_shape_and_drops_every_credential():
    found = Interaction(
        "POST", "https://vm.example/j_security_check?user=s3cr3t-in-url",
        [("Authorization", "Basic dXNlcjpzM2NyM3Q="), ("Cookie", "JSESSIONID=abc123; other=x"),
         ("X-XSRF-TOKEN", "tok-9"), ("Content-Type", "application/x-www-form-urlencoded")],
        b"j_username=admin&j_password=s3cr3t-pw",
        200, "OK",
        [("Set-Cookie", "JSESSIONID=abc123; Path=/; HttpOnly"), ("Content-Type", "text/plain")],
        b"welcome s3cr3t-pw",
    )
    scrubbed = _scrub(found, "s3cr3t-pw", "s3cr3t-in-url")
    assert scrubbed.url == "https://vm.example/j_security_check?user=***"
    assert dict(scrubbed.request_headers) == {
        "Authorization": f"Basic {SCRUBBED}", "Cookie": f"JSESSIONID={SCRUBBED}; other={SCRUBBED}",
        "X-XSRF-TOKEN": SCRUBBED, "Content-Type": "application/x-www-form-urlencoded",
    }
    assert scrubbed.request_body == f"j_username=admin&j_password={SCRUBBED}".encode()
    assert dict(scrubbed.response_headers)["Set-Cookie"] == f"JSESSIONID={SCRUBBED}; Path=/; HttpOnly"
    assert scrubbed.response_body == b"welcome ***"


def test_scrubber_token_body_session_fields_and_error_text():
    token = _scrub(Interaction("GET", "https://vm.example/dataservice/client/token", [], b"",
                               200, "OK", [("Content-Type", "text/plain")], b"A1B2C3D4"))
    assert token.response_body == SCRUBBED.encode()
    status = _scrub(Interaction("GET", "https://vm.example/dataservice/stream/device/umts/status/1", [], b"",
                                200, "OK", [("Content-Type", "application/json")],
                                b'{"JSessionId": "ABCDEF123", "sessionId": "1"}'))
    assert status.response_body == b'{"JSessionId": "SCRUBBED", "sessionId": "1"}'
    failed = Interaction("GET", "https://x.example/a", [("Authorization", "Bearer eyJ.x.y")], b"")
    failed.error = ("ConnectError", "proxy http://u:hunter22@proxy refused")
    scrubbed = _scrub(failed, "hunter22")
    assert scrubbed.error == ("ConnectError", "proxy http://u:***@proxy refused")
    assert dict(scrubbed.request_headers)["Authorization"] == f"Bearer {SCRUBBED}"


def test_cassette_names_follow_pytest_recording_layout():
    assert cassette_name("suites/biot/test_biot_auth.py::test_x[a/b]") == Path(
        "biot/test_biot_auth/test_x[a_b].yaml"
    )


GENERATED = {
    "controlcenter": "test_schemathesis_generated_requests or test_other_api_versions",
    "umts": "test_lifecycle_state_machine or test_generated_session_ids or test_unknown_session",
    "biot": "test_generated_patch_bodies or test_random_state_changes_follow_the_model "
            "or test_schemathesis_update_usage_session or test_create_by_usage_type_then_get",
}
"""Per API, its property-based and stateful tests, and tests that draw the suite's ids or clock
(BioT's create is judged on the times it sent: replayed on another clock, it would fail)."""


@pytest.mark.parametrize("api", list(all_apis()))
def test_a_recording_replays_the_same_generated_examples_in_another_process(run_suite, pytester, api):
    """Recorded (in-process, the reference's own modules loaded, where the API allows) and
    replayed in another process, without them, on another clock: Hypothesis draws the same
    examples, and the suite sends and judges against the same ids and instants (the run's
    SuiteInputs, replayed), so the same statuses."""
    cassettes = pytester.path / "cassettes"
    selection = ("-k", GENERATED[api])
    # Separate processes, as in CI: each loads only the modules its own run needs. The replay of
    # an embedded recording looks for no leftovers, as its recording did not (BioT's preflight).
    recorded = run_suite(api, f"--sessionapi-record={cassettes}", *selection, subprocess=True)
    assert recorded.ret == 0, recorded.output()
    drawn = [read_vcr(path).metadata.get("suite_inputs") for path in cassettes.rglob("*.yaml")]
    assert any(drawn) == (api != "controlcenter")  # Control Center's suite draws no id or time
    replayed = run_suite(api, f"--sessionapi-replay={cassettes}", *selection, subprocess=True)
    assert replayed.ret == 0, replayed.output()
    assert _statuses(replayed) == _statuses(recorded)


def test_a_profile_that_is_not_derandomized_replays_with_its_recorded_seed(run_suite, pytester):
    """Separate processes: Hypothesis keeps a seed once set for the rest of its process, so a
    replay in the recording's process would draw the same examples whatever it was told."""
    cassettes = pytester.path / "cassettes"
    recorded = run_suite(
        "controlcenter", f"--sessionapi-record={cassettes}", "-k", "test_malformed_iccids",
        "--hypothesis-profile=sessionapi-thorough", over="http", subprocess=True,
    )
    assert recorded.ret == 0, recorded.output()
    index = (cassettes / "controlcenter" / "recording.json").read_text()
    assert '"profile": "sessionapi-thorough"' in index and '"forced_seed": ' in index
    # No profile, no seed on the command line: both come from the recording.
    replayed = run_suite(
        "controlcenter", f"--sessionapi-replay={cassettes}", "-k", "test_malformed_iccids", subprocess=True,
    )
    assert replayed.ret == 0, replayed.output()
    assert replayed.report["hypothesis"]["profile"] == "sessionapi-thorough"
    assert _statuses(replayed) == _statuses(recorded)


def test_part_of_a_recording_replays_whichever_test_logs_in_first(run_suite, pytester):
    """The suite's shared UMTS client logs in during the first test that uses it; replaying only
    later tests, that login is answered from the test that made it in the recording."""
    cassettes = pytester.path / "cassettes"
    recorded = run_suite("umts", f"--sessionapi-record={cassettes}", over="http")
    assert recorded.ret == 0, recorded.output()
    first_login = [
        p for p in cassettes.rglob("*.yaml") if "/j_security_check" in p.read_text() and "flow" in p.parent.name
    ]
    assert first_login == [], "the flow tests themselves made no login in the recording"
    replayed = run_suite("umts", f"--sessionapi-replay={cassettes}", "-k", "test_umts_flow")
    assert replayed.ret == 0, replayed.output()
    assert {r["status"] for r in replayed.api("umts")["requirements"]} <= {"pass", "not-tested"}


def test_an_exchange_that_got_no_answer_replays_as_the_same_error(tmp_path):
    """A live endpoint that timed out or reset the connection does so again in the replay, so
    the diagnosis and the statuses are the recorded ones."""
    import httpx

    from pytest_sessionapi.cassettes import Replayer, write_cassette
    from pytest_sessionapi.transport import ExchangeTimeout

    test = "suites/controlcenter/test_x.py::test_y"
    timed_out = Interaction("GET", "http://cc.example/rws/api/v1/devices/1/sessionInfo", [], b"")
    timed_out.error = ("ExchangeTimeout", "timed out waiting for the response")
    reset = Interaction("GET", "http://cc.example/rws/api/v1/devices/2/sessionInfo", [], b"")
    reset.error = ("ReadError", "connection reset by peer")
    write_cassette(tmp_path / cassette_name(test), [timed_out, reset], {"suite_inputs": {}})
    replayer = Replayer(tmp_path, {})
    replayer.begin(test, "controlcenter")
    client = httpx.Client(transport=replayer.transport("controlcenter"))
    with pytest.raises(ExchangeTimeout, match="timed out waiting for the response"):
        client.get(timed_out.url)
    with pytest.raises(httpx.ReadError, match="connection reset by peer"):
        client.get(reset.url)
    with pytest.raises(Exception, match=r"replay: suites/controlcenter/test_x.py::test_y sent GET /other"):
        client.get("http://cc.example/other")


def test_a_path_with_escaped_characters_replays_as_recorded(tmp_path):
    """The suites send malformed ids (spaces, slashes, non-ASCII) in paths: the cassette holds the
    path as it went on the wire, and the replayed request must match it in that same form."""
    import httpx

    from pytest_sessionapi.cassettes import Replayer, write_cassette

    test = "suites/biot/test_x.py::test_y"
    url = "http://biot.example/device/v1/devices/d/usage-sessions/not%20a%2Fuuid%C3%A9"
    recorded = Interaction("GET", url, [], b"", status=404, response_body=b"{}")
    write_cassette(tmp_path / cassette_name(test), [recorded], {"suite_inputs": {}})
    replayer = Replayer(tmp_path, {})
    replayer.begin(test, "biot")
    client = httpx.Client(transport=replayer.transport("biot"))
    assert client.get(url).status_code == 404


def test_replay_from_the_ini_file_is_relative_to_its_folder(run_suite, pytester):
    cassettes = pytester.path / "cassettes"
    assert run_suite("controlcenter", f"--sessionapi-record={cassettes}", "-k", "test_no_credentials", over="http").ret == 0
    ini = pytester.makeini("[pytest]\nsessionapi_replay = cassettes\n")
    replayed = run_suite("controlcenter", "-c", str(ini), "-k", "test_no_credentials")
    assert replayed.ret == 0, replayed.output()
    assert replayed.api("controlcenter")["target"].startswith(f"recording {cassettes} ")
    pytester.makeini("[pytest]\nsessionapi_replay = elsewhere\n")
    result = pytester.runpytest_inprocess("--collect-only", "-q")
    assert result.ret == 4
    assert result.stderr.lines[0] == (
        f"ERROR: ini option sessionapi_replay: {pytester.path / 'elsewhere'} is not a folder of recorded cassettes"
    )


def test_recording_plugs_into_the_runtime_through_its_public_names_only():
    """recording.py is a layer over the runtime: what it takes of it is the runtime's published
    seam (its module docstring), never a private helper that may change under it."""
    import ast

    import pytest_sessionapi.runtime as runtime

    tree = ast.parse(Path(pytest_sessionapi.recording.__file__).read_text(encoding="utf-8"))
    taken = {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module == "runtime" and node.level == 1
        for alias in node.names
    }
    assert taken, "recording.py takes nothing of the runtime any more: drop this test"
    assert not [name for name in taken if name.startswith("_")]
    assert all(f":func:`{name}`" in runtime.__doc__ or f":data:`{name}`" in runtime.__doc__ for name in taken)


def test_apis_recorded_apart_with_other_seeds_replay_one_at_a_time(run_suite, pytester):
    """One run has one Hypothesis seed (``--hypothesis-seed``, which the replay sets from the
    recording): APIs recorded in separate runs under a profile that is not derandomized would
    draw other examples together, so the replay says to take them one at a time."""
    cassettes = pytester.path / "cassettes"
    thorough = "--hypothesis-profile=sessionapi-thorough"
    for api, test in (("controlcenter", "test_no_credentials"), ("umts", "test_unknown_session")):
        assert run_suite(api, f"--sessionapi-record={cassettes}", "-k", test, thorough).ret == 0
    both = run_suite(None, f"--sessionapi-replay={cassettes}", "--sessionapi-api=umts,controlcenter")
    assert both.ret == 4
    assert both.result.stderr.lines[0] == (
        "ERROR: --sessionapi-replay: umts, controlcenter were recorded in separate runs under other "
        "Hypothesis profiles or seeds, and one run has one of each; replay them one at a time "
        "(--sessionapi-api=NAME)"
    )
    one = run_suite("umts", f"--sessionapi-replay={cassettes}", "-k", "test_unknown_session")
    assert one.ret == 0, one.output()


@pytest.mark.parametrize("ci", ["", "true"])
def test_the_profiles_do_not_change_with_a_ci_environment_variable(ci):
    """Hypothesis makes its derandomized "ci" profile the default when CI is set; the suites'
    profiles are the same inside and outside CI (sessionapi-thorough draws new examples, and
    takes --hypothesis-seed, in a CI job too)."""
    import os
    import subprocess
    import sys

    probe = (
        "import pytest_sessionapi.hypothesis_profiles\n"
        "from hypothesis import settings\n"
        "print(settings.get_profile('sessionapi-thorough').derandomize,"
        " settings.get_profile('sessionapi-ci').derandomize)\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "TF_BUILD", "GITHUB_ACTIONS")}
    if ci:
        env["CI"] = ci
    shown = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True)
    assert shown.stdout.split() == ["False", "True"]
