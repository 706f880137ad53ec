"""``sessionapi judge``: traffic recorded against a fault variant fails that variant's
requirement; traffic recorded against the reference fails nothing; VCR and HAR both read."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from pytest_sessionapi.__main__ import main
from pytest_sessionapi.registry import all_apis
from pytest_sessionapi.serving import loopback_table, serving, toml_table

# Imported here, before any in-process pytester run: a run unloads the modules it imported
# first, and PyYAML's C emitter breaks when vcrpy's dumper is imported again (see conftest._preload).
import respx  # noqa: F401,E402
import vcr.request  # noqa: F401,E402
import vcr.serialize  # noqa: F401,E402
import vcr.serializers.yamlserializer  # noqa: F401,E402

import pytest_sessionapi.cassettes  # noqa: F401,E402
import pytest_sessionapi.recording  # noqa: F401,E402
import pytest_sessionapi.traffic_judge  # noqa: F401,E402

SUITES = Path(__file__).resolve().parents[1] / "suites"

CASES = [
    ("controlcenter", "iccid-as-number", "CC-BODY-ICCID"),
    ("umts", "start-not-reported", "UMTS-LIFECYCLE-START"),
    ("biot", "done-to-active-accepted", "BIOT-DONE-FINAL"),
    ("biot", "references-as-documented-only", "BIOT-CLIENT-READABLE"),  # read by the vendor's SDK
]
"""One fault variant per API, with the requirement it must fail (and BioT's answers unreadable by the
vendor's own client, judged by that client live and recorded alike)."""

def _judge(capsys, report_dir: Path, *files: Path | str) -> tuple[int, dict]:
    status = main(["judge", f"--report-dir={report_dir}", *map(str, files)])
    capsys.readouterr()
    return status, json.loads((report_dir / "conformance.json").read_text())


def _statuses(document: dict, api: str) -> dict[str, str]:
    return {r["id"]: r["status"] for r in document["apis"][api]["requirements"]}


@pytest.fixture(scope="module")
def recorded(tmp_path_factory) -> Callable[[str, str | None], tuple[list[Path], dict]]:
    """``recorded(api, variant)``: the cassettes of a suite run recorded against the reference
    (or a variant of it) served on loopback, and that live run's conformance.json; each recorded
    once per module. The example-based tests only: the generated ones replay the same way
    (tests/test_recording.py) and only make the recording slower."""
    cache: dict[tuple[str, str | None], tuple[list[Path], dict]] = {}

    def record(api: str, variant: str | None) -> tuple[list[Path], dict]:
        if (api, variant) not in cache:
            descriptor = all_apis()[api]
            folder = tmp_path_factory.mktemp(f"{api}-{variant or 'reference'}")
            config = folder / "targets.toml"
            with serving(descriptor.reference.create_app(variant)) as url:
                config.write_text(toml_table(api, loopback_table(descriptor, url)))
                subprocess.run(
                    [sys.executable, "-m", "pytest", str(SUITES / api), f"--sessionapi-config={config}",
                     f"--sessionapi-record={folder / 'cassettes'}", f"--sessionapi-report-dir={folder / 'reports'}",
                     "-p", "no:cacheprovider", "-q", "-k", "not schemathesis and not state_machine and not properties"],
                    env={**os.environ, **descriptor.reference.EMBEDDED_ENV}, capture_output=True, timeout=300,
                    cwd=folder,
                )
            cassettes = sorted((folder / "cassettes").rglob("*.yaml"))
            assert cassettes, f"nothing recorded against {api} {variant}"
            cache[(api, variant)] = cassettes, json.loads((folder / "reports" / "conformance.json").read_text())
        return cache[(api, variant)]

    return record


@pytest.mark.parametrize("variant", [False, True], ids=["reference", "fault"])
@pytest.mark.parametrize(("api", "fault", "requirement"), CASES, ids=[c[0] for c in CASES])
def test_a_recorded_run_judged_gives_the_live_runs_statuses(
    recorded, tmp_path, capsys, api, fault, requirement, variant
):
    """Live and recorded judging are the same code: each cassette ``--sessionapi-record`` wrote
    goes back to the test that asked, replayed offline, so each answer is judged by the same step
    with the same ``Asked`` by the same rulebook. Every requirement has its live status, the
    fault's requirement fails in both, and the exit status is the live run's."""
    cassettes, live = recorded(api, fault if variant else None)
    status, document = _judge(capsys, tmp_path / "judged", *cassettes)
    assert _statuses(document, api) == _statuses(live, api)
    assert status == live["exit_status"]
    assert _statuses(document, api)[requirement] == ("fail" if variant else "pass")
    assert document["apis"][api]["verdict"] == live["apis"][api]["verdict"]
    assert "recorded tests replayed through the suite" in document["apis"][api]["target"]


@pytest.mark.parametrize("variant", [False, True], ids=["reference", "fault"])
@pytest.mark.parametrize(("api", "fault", "requirement"), CASES, ids=[c[0] for c in CASES])
def test_the_same_traffic_from_another_tool_is_never_judged_otherwise(
    recorded, tmp_path, capsys, api, fault, requirement, variant
):
    """The same cassettes without their recording index are another tool's traffic: each API
    rebuilds what its suite asked from the requests alone (``steps.asked_of_recorded``). Every
    requirement then has the live status, or is not-tested (what traffic cannot show: a device's
    state, which credential was wrong, a request only the suite knows it made): never another pass
    or fail. The fault's requirement fails from the traffic alone."""
    import shutil

    cassettes, live = recorded(api, fault if variant else None)
    root = next(p for p in cassettes[0].parents if (p / api / "recording.json").is_file())
    foreign = tmp_path / "foreign"
    shutil.copytree(root, foreign, ignore=shutil.ignore_patterns("recording.json"))
    status, document = _judge(capsys, tmp_path / "judged", *sorted(foreign.rglob("*.yaml")))
    judged, expected = _statuses(document, api), _statuses(live, api)
    contradicted = {rid: (expected[rid], got) for rid, got in judged.items() if got not in (expected[rid], "not-tested")}
    assert contradicted == {}
    assert judged[requirement] == ("fail" if variant else "pass")
    assert status == live["exit_status"]
    assert "recorded tests replayed" not in document["apis"][api]["target"]


def _har(entries: list[tuple[str, str, int, str, str]]) -> dict:
    return {"log": {"version": "1.2", "creator": {"name": "a browser", "version": "1"}, "entries": [
        {
            "startedDateTime": f"2026-11-30T05:00:0{index}.000Z",
            "request": {"method": method, "url": url, "httpVersion": "HTTP/1.1",
                        "headers": [{"name": "Authorization", "value": f"Basic {BLOB}"}], "queryString": [],
                        "cookies": [], "headersSize": -1, "bodySize": 0},
            "response": {"status": status, "statusText": "", "httpVersion": "HTTP/1.1",
                         "headers": [{"name": "Content-Type", "value": ctype}], "cookies": [],
                         "content": {"size": len(body), "mimeType": ctype, "text": body},
                         "redirectURL": "", "headersSize": -1, "bodySize": len(body)},
            "cache": {}, "timings": {"send": 0, "wait": 1, "receive": 0},
        }
        for index, (method, url, status, ctype, body) in enumerate(entries)
    ]}}


SESSION_INFO = "https://rws.example.com/rws/api/v1/devices/{}/sessionInfo"
BLOB = "c2VjcmV0LXVzZXI6c2VjcmV0LWtleS05OQ=="  # the client's real Basic credentials


def test_judge_reads_a_har_file_from_a_browser(tmp_path, capsys):
    har = tmp_path / "network.har"
    har.write_text(json.dumps(_har([
        ("GET", SESSION_INFO.format("8988216716970004975"), 200, "application/json",
         '{"iccid": "8988216716970004975", "ipAddress": "10.1.2.3", "ipv6Address": null, '
         '"dateSessionStarted": "2026-11-21 08:15:02.117+0000", "dateSessionEnded": null, '
         f'"debug": "{BLOB}"}}'),
        ("GET", "https://rws.example.com/static/app.js", 200, "text/javascript", "var x;"),
    ])))
    status, document = _judge(capsys, tmp_path / "reports", har)
    assert status == 1
    statuses = _statuses(document, "controlcenter")
    assert statuses["CC-IPV6-NEVER-NULL"] == "fail"
    assert statuses["CC-CONTENT-TYPE"] == "pass"
    assert document["apis"]["umts"]["verdict"] == "not-run"
    assert document["apis"]["controlcenter"]["target"] == f"traffic recorded in {har} (1 exchanges judged)"
    # The failure quotes the answer, which echoed the client's credentials: masked.
    written = "".join(p.read_text() for p in (tmp_path / "reports").iterdir())
    assert "debug" in written and BLOB not in written


def test_judge_of_files_without_any_known_exchange_is_a_usage_error(tmp_path, capsys):
    har = tmp_path / "other.har"
    har.write_text(json.dumps(_har([("GET", "https://example.com/", 200, "text/html", "<html>")])))
    assert main(["judge", f"--report-dir={tmp_path}", str(har)]) == 4
    assert capsys.readouterr().err == (
        f"sessionapi judge: no exchange of biot, controlcenter or umts in {har}\n"
    )
    not_traffic = tmp_path / "notes.yaml"
    not_traffic.write_text("just: text\n")
    assert main(["judge", str(not_traffic)]) == 4
    assert capsys.readouterr().err.startswith(f"sessionapi judge: {not_traffic}: neither a HAR file nor a VCR cassette")


def test_judge_reads_the_cassettes_older_vcrpy_wrote_for_httpx(tmp_path, capsys):
    """pytest-recording users may hold cassettes from vcrpy < 8 (status_code, content)."""
    import yaml

    cassette = tmp_path / "test_client.yaml"
    cassette.write_text(yaml.safe_dump({"version": 1, "interactions": [{
        "request": {"method": "GET", "uri": SESSION_INFO.format("8988216716970004975"), "body": None,
                    "headers": {"Authorization": [f"Basic {BLOB}"]}},
        "response": {"status_code": 200, "http_version": "HTTP/1.1",
                     "headers": {"Content-Type": "text/plain"},
                     "content": '{"iccid": "8988216716970004975", "ipAddress": "10.1.2.3", '
                                '"dateSessionStarted": "2026-11-21 08:15:02.117+0000", "dateSessionEnded": null}'},
    }]}))
    status, document = _judge(capsys, tmp_path / "reports", cassette)
    assert status == 1
    statuses = _statuses(document, "controlcenter")
    assert statuses["CC-CONTENT-TYPE"] == "fail"
    assert statuses["CC-IPV4-FORMAT"] == "pass"


UMTS_STATUS = "https://vmanage.example.com/dataservice/stream/device/umts/status/{}"


@pytest.mark.parametrize("wrapped", [False, True], ids=["session-object", "one-element-array"])
def test_judge_holds_a_umts_status_answer_to_what_the_live_suite_does(tmp_path, capsys, wrapped):
    """The live suite's status step (``steps.judged_status``) judges the body itself: the
    vendor's status sample passes UMTS-SESSION-TYPES, and the same session wrapped in a
    one-element array is no session object and fails it (the docs show status answering the
    object; only create may answer an array of one). The judge of recorded traffic gives every
    requirement it judges on that answer the live suite's verdict."""
    from pytest_sessionapi.apis.umts.steps import judged_status
    from pytest_sessionapi.apis.umts.vendor_examples import status_ok_sample
    from pytest_sessionapi.ledger import TestRecorder

    sample = status_ok_sample()
    body = [sample] if wrapped else sample
    session_id = sample["sessionId"]

    class StatusOnly:
        def status(self, asked_for: str) -> httpx.Response:
            request = httpx.Request("GET", UMTS_STATUS.format(asked_for))
            return httpx.Response(200, json=body, request=request)

    live = TestRecorder("suites/umts::test_flow", ())
    judged_status(live, StatusOnly(), session_id, sample.get("uuid"), "after start")
    live_statuses = {rid: live.status_of(rid) for rid in live.observations}

    har = tmp_path / "status.har"
    har.write_text(json.dumps(_har([
        ("GET", UMTS_STATUS.format(session_id), 200, "application/json", json.dumps(body)),
    ])))
    _, document = _judge(capsys, tmp_path / "reports", har)
    recorded = {rid: status for rid, status in _statuses(document, "umts").items() if status != "not-tested"}

    expected = "fail" if wrapped else "pass"
    assert live_statuses["UMTS-SESSION-TYPES"] == recorded["UMTS-SESSION-TYPES"] == expected
    both = set(live_statuses) & set(recorded)
    assert {"UMTS-MEDIA-JSON", "UMTS-SESSION-TYPES"} <= both
    assert {rid: recorded[rid] for rid in both} == {rid: live_statuses[rid] for rid in both}


# --- traffic from another tool: the Schemathesis CLI's own reports --------------------------------

SCHEMATHESIS_CASES = [
    ("controlcenter", "iccid-as-number", "CC-BODY-ICCID"),
    ("umts", "renewal-time-string", "UMTS-SESSION-TYPES"),
    ("biot", "error-message-null", "BIOT-ERROR-ENVELOPE"),
]


def _schemathesis_credentials(api: str, url: str) -> list[str]:
    """The reference's credentials as the Schemathesis CLI takes them (``-a``, ``-H``)."""
    reference = all_apis()[api].reference
    table, env = reference.EMBEDDED_TABLE, reference.EMBEDDED_ENV
    if api == "controlcenter":
        return ["-a", f"{table['username']}:{env[table['api_key_env']]}"]
    if api == "biot":
        return ["-H", f"Authorization: Bearer {env[table['token_env']]}"]
    from pytest_sessionapi.apis.umts.client import LOGIN_PATH, SESSION_COOKIE, TOKEN_PATH, XSRF_HEADER

    with httpx.Client(base_url=url) as http:  # vManage's login form: the CLI has no flow for it
        http.post(LOGIN_PATH, data={"j_username": table["username"], "j_password": env[table["password_env"]]})
        token = http.get(TOKEN_PATH).text.strip()
        return ["-H", f"Cookie: {SESSION_COOKIE}={http.cookies[SESSION_COOKIE]}", "-H", f"{XSRF_HEADER}: {token}"]


def _schemathesis_reports(api: str, variant: str | None, folder: Path) -> tuple[Path, Path]:
    """The HAR and VCR files the Schemathesis CLI writes running against the served reference."""
    descriptor = all_apis()[api]
    schemathesis = Path(sys.executable).with_name("schemathesis")
    folder.mkdir()
    with serving(descriptor.reference.create_app(variant)) as url:
        done = subprocess.run(
            [str(schemathesis), "run", str(descriptor.path / "openapi.json"), "--url", url,
             "--max-examples", "3", "--seed", "1", "--phases", "examples,coverage",
             "--report", "har,vcr", "--report-dir", str(folder),
             "--report-har-path", str(folder / "traffic.har"), "--report-vcr-path", str(folder / "traffic.yaml"),
             *_schemathesis_credentials(api, url)],
            # The CLI keeps a cache of what it found in its working directory.
            capture_output=True, text=True, timeout=300, cwd=folder,
        )
    assert (folder / "traffic.har").is_file() and (folder / "traffic.yaml").is_file(), done.stdout[-2000:]
    return folder / "traffic.har", folder / "traffic.yaml"


@pytest.mark.parametrize(("api", "variant", "requirement"), SCHEMATHESIS_CASES, ids=[c[0] for c in SCHEMATHESIS_CASES])
def test_judge_of_the_schemathesis_clis_har_and_vcr_reports(tmp_path, capsys, api, variant, requirement):
    """``sessionapi judge`` reads what the Schemathesis CLI writes with ``--report har,vcr``: the
    reference is conformant on what the traffic exercised, and the fault variant fails its
    requirement, from either file. Methods the vendor's document does not describe (the CLI's
    TRACE, PUT...) are listed out of scope, and a value the CLI masked (``[Filtered]``) is never
    judged."""
    for served, expected in ((None, "pass"), (variant, "fail")):
        files = _schemathesis_reports(api, served, tmp_path / f"{api}-{served or 'reference'}")
        for traffic in files:
            status, document = _judge(capsys, tmp_path / f"judged-{traffic.suffix}-{served}", traffic)
            entry = document["apis"][api]
            assert _statuses(document, api)[requirement] == expected, entry["requirements"]
            if served is None:
                assert (status, entry["verdict"]) == (0, "conformant"), entry
                assert "fail" not in _statuses(document, api).values()
                assert entry["verdict_reason"].startswith("judged on the ")
            else:
                assert status == 1 and entry["verdict"] == "nonconformant"
            if api == "controlcenter":
                assert "out of scope, not in the vendor's OpenAPI document: " in entry["target"]
                assert "TRACE /rws/api/v{apiVersion}/devices/{iccid}/sessionInfo" in entry["target"]
                challenge = next(r for r in entry["requirements"] if r["id"] == "CC-AUTH-CHALLENGE")
                assert challenge["status"] == "not-tested"
                assert any("masked www-authenticate" in m for m in challenge["messages"]), challenge


def test_a_masked_value_makes_only_the_rules_that_read_it_not_tested(tmp_path, capsys):
    """The 401 of a HAR whose WWW-Authenticate the recording tool masked: CC-AUTH-CHALLENGE reads
    that header and is not-tested, with the reason; the rules on the rest of the answer judge."""
    har = _har([("GET", SESSION_INFO.format("8988216716970004975"), 401, "application/json",
                 '{"errorCode": "10000001", "errorMessage": "Invalid credentials"}')])
    har["log"]["entries"][0]["response"]["headers"].append({"name": "WWW-Authenticate", "value": "[Filtered]"})
    path = tmp_path / "masked.har"
    path.write_text(json.dumps(har))
    _, document = _judge(capsys, tmp_path / "reports", path)
    requirements = {r["id"]: r for r in document["apis"]["controlcenter"]["requirements"]}
    assert requirements["CC-AUTH-CHALLENGE"]["status"] == "not-tested"
    assert "the recording tool masked www-authenticate of this answer" in requirements["CC-AUTH-CHALLENGE"]["messages"][0]
    assert requirements["CC-ERR-ENVELOPE"]["status"] == "pass"
    assert requirements["CC-ERR-BAD-CREDENTIALS"]["status"] == "pass"
    # The verdict is over what the traffic exercised, and the document still the contract's.
    entry = document["apis"]["controlcenter"]
    assert (entry["verdict"], entry["verdict_reason"].split(";")[0]) == (
        "conformant", f"judged on the {sum(1 for r in requirements.values() if r['tests'])} requirements the traffic exercised"
    )
    import jsonschema
    from importlib import resources

    schema = json.loads((resources.files("pytest_sessionapi") / "conformance.schema.json").read_text())
    jsonschema.validate(document, schema, cls=jsonschema.Draft202012Validator)


def test_an_undocumented_method_is_out_of_scope_not_failed(tmp_path, capsys):
    """A fuzzer's TRACE and PUT to the sessionInfo path, answered 405 in plain text: no operation
    of the vendor's document, so listed out of scope (on the terminal and in the report's target),
    and no rule judges them; the GET beside them is judged."""
    path = tmp_path / "fuzzer.har"
    path.write_text(json.dumps(_har([
        ("TRACE", SESSION_INFO.format("8988216716970004975"), 405, "text/plain", "Method Not Allowed"),
        ("PUT", SESSION_INFO.format("8988216716970004975"), 405, "text/plain", "Method Not Allowed"),
        ("GET", SESSION_INFO.format("8988216716970004975"), 200, "application/json",
         '{"iccid": "8988216716970004975", "ipAddress": null, "dateSessionStarted": null, "dateSessionEnded": null}'),
    ])))
    status = main(["judge", f"--report-dir={tmp_path / 'reports'}", str(path)])
    out = capsys.readouterr().out
    document = json.loads((tmp_path / "reports" / "conformance.json").read_text())
    assert status == 0
    assert "controlcenter: out of scope (no operation of the vendor's OpenAPI document): " \
        "PUT /rws/api/v{apiVersion}/devices/{iccid}/sessionInfo (1x), " \
        "TRACE /rws/api/v{apiVersion}/devices/{iccid}/sessionInfo (1x)" in out
    statuses = _statuses(document, "controlcenter")
    assert "fail" not in statuses.values()
    assert document["apis"]["controlcenter"]["target"].startswith(f"traffic recorded in {path} (1 exchanges judged; out of scope")
