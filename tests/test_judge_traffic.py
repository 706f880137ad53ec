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
from pytest_sessionapi.requirements import find_requirement
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
    ("umts", "ack-reports-failure", "UMTS-OP-ACK"),
    ("umts", "disabled-still-served", "UMTS-DISABLE-INVALIDATES"),
    ("biot", "session-context-missing", "BIOT-RESPONSE-SCHEMA"),
    ("biot", "create-drops-name", "BIOT-CREATE"),
    ("biot", "get-returns-created", "BIOT-GET"),
    ("biot", "done-to-active-accepted", "BIOT-DONE-FINAL"),
    ("biot", "delete-non-done-accepted", "BIOT-DELETE-NON-DONE"),
    ("biot", "delete-answers-200", "BIOT-DELETE"),
    ("biot", "references-as-documented-only", "BIOT-CLIENT-READABLE"),  # read by the vendor's SDK
]


def _judge(capsys, report_dir: Path, *files: Path | str) -> tuple[int, dict]:
    status = main(["judge", f"--report-dir={report_dir}", *map(str, files)])
    capsys.readouterr()
    return status, json.loads((report_dir / "conformance.json").read_text())


def _statuses(document: dict, api: str) -> dict[str, str]:
    return {r["id"]: r["status"] for r in document["apis"][api]["requirements"]}


@pytest.fixture(scope="module")
def recorded(tmp_path_factory) -> Callable[[str, str | None], list[Path]]:
    """``recorded(api, variant)``: the cassettes of a suite run recorded against the reference
    (or a variant of it) served on loopback; each recorded once per module."""
    cache: dict[tuple[str, str | None], list[Path]] = {}

    def record(api: str, variant: str | None) -> list[Path]:
        if (api, variant) not in cache:
            descriptor = all_apis()[api]
            folder = tmp_path_factory.mktemp(f"{api}-{variant or 'reference'}")
            config = folder / "targets.toml"
            with serving(descriptor.reference.create_app(variant)) as url:
                config.write_text(toml_table(api, loopback_table(descriptor, url)))
                subprocess.run(
                    [sys.executable, "-m", "pytest", str(SUITES / api), f"--sessionapi-config={config}",
                     f"--sessionapi-record={folder / 'cassettes'}", f"--sessionapi-report-dir={folder / 'reports'}",
                     "-p", "no:cacheprovider", "-q",
                     # A fault shows in the example-based tests' traffic already; the generated
                     # examples only make the recording slower.
                     *(["-k", "not schemathesis and not state_machine and not properties"] if variant else [])],
                    env={**os.environ, **descriptor.reference.EMBEDDED_ENV}, capture_output=True, timeout=300,
                    cwd=folder,
                )
            cache[(api, variant)] = sorted((folder / "cassettes").rglob("*.yaml"))
            assert cache[(api, variant)], f"nothing recorded against {api} {variant}"
        return cache[(api, variant)]

    return record


@pytest.mark.parametrize(("api", "variant", "requirement"), CASES, ids=[c[1] for c in CASES])
def test_judge_fails_the_variants_requirement_and_nothing_on_the_reference(
    recorded, tmp_path, capsys, api, variant, requirement
):
    must = find_requirement(requirement).level == "MUST"
    status, document = _judge(capsys, tmp_path / "judged-faulty", *recorded(api, variant))
    assert _statuses(document, api)[requirement] == "fail"
    # A SHOULD fails the judgment only under --strict, as in a suite run.
    assert status == (1 if must else 0)
    assert document["apis"][api]["verdict"] == ("nonconformant" if must else "incomplete")

    status, document = _judge(capsys, tmp_path / "judged-sound", *recorded(api, None))
    assert status == 0
    statuses = _statuses(document, api)
    assert "fail" not in statuses.values()
    assert statuses[requirement] == "pass"
    # What traffic cannot show is said, not guessed.
    assert "not-tested" in statuses.values()
    assert document["apis"][api]["target"].startswith("traffic recorded in ")


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
