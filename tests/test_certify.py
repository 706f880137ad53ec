"""``sessionapi certify`` and ``sessionapi verify``: the served references certify, and the archive
verifies; a fault variant, or a MUST left untested, does not certify; and any changed byte, or a
report that no longer follows from its traffic, makes ``verify`` fail in one line naming what."""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest

from pytest_sessionapi.certify import (
    CERTIFICATION, MANIFEST, REPORT, certification_of, manifest_bytes, read_bundle,
)


def sessionapi(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest_sessionapi", *args],
        cwd=cwd, capture_output=True, text=True, timeout=900, env=env,
    )


def _served_targets(stack: ExitStack, folder: Path, drop: dict[str, str] | None = None) -> dict[str, str]:
    """Every reference served on loopback, a targets.toml naming them, and the environment that
    holds their secrets."""
    from pytest_sessionapi.registry import all_apis
    from pytest_sessionapi.serving import loopback_table, serving, toml_table

    text, env = "", {**os.environ}
    for name, api in all_apis().items():
        url = stack.enter_context(serving(api.reference.create_app()))
        table = loopback_table(api, url)
        if drop and name in drop:
            table.pop(drop[name])
        text += toml_table(name, table) + "\n"
        env.update(api.reference.EMBEDDED_ENV)
    (folder / "targets.toml").write_text(text, encoding="utf-8")
    return env


@pytest.fixture(scope="module")
def certified(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess[str], dict[str, str]]:
    """One certification of the three references served over loopback HTTP (the Done-when run)."""
    folder = tmp_path_factory.mktemp("certify")
    with ExitStack() as stack:
        env = _served_targets(stack, folder)
        result = sessionapi(
            "certify", "--sessionapi-config=targets.toml", "-q", "-o", "out/bundle.tar.gz", cwd=folder, env=env
        )
    return folder / "out" / "bundle.tar.gz", result, env


def test_the_served_references_are_certified_and_the_bundle_verifies(certified, tmp_path):
    bundle, result, _ = certified
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "certification: certified" in result.stdout
    digest = hashlib.sha256(bundle.read_bytes()).hexdigest()
    assert f"bundle: out/bundle.tar.gz (SHA-256 {digest}," in result.stdout
    assert Path(f"{bundle}.sha256").read_text() == f"{digest}  bundle.tar.gz\n"
    verified = sessionapi("verify", str(bundle), cwd=tmp_path)
    assert verified.returncode == 0, verified.stderr
    assert verified.stdout.splitlines()[-1].startswith(f"{bundle}: verified: certified (APIs biot, controlcenter, umts;")


def test_the_bundle_holds_what_a_recipient_needs_and_no_secret(certified):
    from pytest_sessionapi import __version__
    from pytest_sessionapi.registry import all_apis

    bundle, _, env = certified
    files = read_bundle(bundle)
    for name in ("reports/conformance.json", "reports/conformance.html", "reports/conformance.md",
                 "reports/junit.xml", "targets.json", CERTIFICATION, MANIFEST):
        assert name in files, name
    record = json.loads(files[CERTIFICATION])
    assert record["tool"] == {"name": "pytest-sessionapi", "version": __version__}
    assert record["certification"]["verdict"] == "certified"
    for api in all_apis().values():
        digest = hashlib.sha256(api.catalogue_path.read_bytes()).hexdigest()
        assert record["catalogues"][api.name]["sha256"] == digest
        assert files[f"catalogues/{api.name}/requirements.toml"] == api.catalogue_path.read_bytes()
        assert isinstance(record["hypothesis_seeds"][api.name]["forced_seed"], int)
        assert any(n.startswith(f"cassettes/{api.name}/") and n.endswith(".yaml") for n in files)
    manifest = json.loads(files[MANIFEST])
    assert set(manifest["files"]) == set(files) - {MANIFEST}
    assert all(hashlib.sha256(files[n]).hexdigest() == d for n, d in manifest["files"].items())
    targets = json.loads(files["targets.json"])
    assert targets["controlcenter"]["table"]["api_key_env"] == "SESSIONAPI_REFERENCE_CC_API_KEY"
    secrets = [value for name, value in env.items() if name.startswith("SESSIONAPI_REFERENCE_")]
    assert secrets
    for name, data in files.items():
        text = data.decode("utf-8", errors="replace")
        assert not any(secret in text for secret in secrets), name
    document = json.loads(files[REPORT])
    assert document["bundle"]["verdict"] == "certified"
    import jsonschema

    from pytest_sessionapi import reports

    schema = json.loads((Path(reports.__file__).parent / "conformance.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema).validate(document)
    page = files["reports/conformance.html"].decode()
    assert document["bundle"]["traffic_sha256"] in page
    assert record["catalogues"]["biot"]["sha256"] in page


def _rewrite(bundle: Path, target: Path, change) -> None:
    files = read_bundle(bundle)
    change(files)
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    target.write_bytes(buffer.getvalue())


def _flip(name: str):
    def change(files: dict[str, bytes]) -> None:
        data = bytearray(files[name])
        data[len(data) // 2] ^= 0x01
        files[name] = bytes(data)

    return change


def _one_line_failure(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def _verify_in_process(bundle: Path, capsys: pytest.CaptureFixture[str]) -> str:
    """``sessionapi verify`` without a process of its own (the command line is the same function)."""
    from pytest_sessionapi.__main__ import main

    status = main(["verify", str(bundle)])
    out = capsys.readouterr()
    return _one_line_failure(subprocess.CompletedProcess([], status, out.out, out.err))


KINDS = [
    "reports/conformance.json", "reports/conformance.html", "reports/conformance.md", "reports/junit.xml",
    "targets.json", CERTIFICATION, MANIFEST, "catalogues/biot/requirements.toml",
    "cassettes/umts/recording.json", "a cassette",
]


@pytest.mark.parametrize("kind", KINDS)
def test_a_flipped_byte_in_any_file_fails_verify_naming_the_file(certified, tmp_path, kind, capsys):
    bundle = certified[0]
    names = read_bundle(bundle)
    name = kind if kind != "a cassette" else next(
        n for n in sorted(names) if n.startswith("cassettes/controlcenter/test_") and n.endswith(".yaml")
    )
    forged = tmp_path / "forged.tar.gz"
    _rewrite(bundle, forged, _flip(name))
    line = _verify_in_process(forged, capsys)
    assert line.startswith(f"sessionapi verify: {forged}: ")
    assert name in line or MANIFEST in line, line


def test_a_flipped_byte_in_the_archive_itself_fails_verify(certified, tmp_path, capsys):
    data = bytearray(certified[0].read_bytes())
    data[len(data) // 2] ^= 0x01
    forged = tmp_path / "forged.tar.gz"
    forged.write_bytes(bytes(data))
    line = _verify_in_process(forged, capsys)
    assert line.startswith(f"sessionapi verify: {forged}: ")


def _restatus(requirement: str, status: str, *, forge_everything: bool):
    """Change one status in the report; with ``forge_everything`` also what follows from it (the
    API's verdict, the certification, the manifest), as someone hiding the change would."""
    from pytest_sessionapi.policy import Policy

    def change(files: dict[str, bytes]) -> None:
        document = json.loads(files[REPORT])
        for entry in document["apis"].values():
            for item in entry["requirements"]:
                if item["id"] == requirement:
                    item["status"] = status
                    if forge_everything:
                        entry["verdict"] = Policy.of(False).verdict(entry["requirements"])
        files[REPORT] = (json.dumps(document, indent=2) + "\n").encode()
        if forge_everything:
            certification = certification_of(document)
            document["bundle"]["verdict"] = certification["verdict"]
            files[REPORT] = (json.dumps(document, indent=2) + "\n").encode()
            record = json.loads(files[CERTIFICATION])
            record["certification"] = certification
            files[CERTIFICATION] = (json.dumps(record, indent=2) + "\n").encode()
        others = {n: d for n, d in files.items() if n != MANIFEST}
        files[MANIFEST] = manifest_bytes(others)

    return change


def test_a_changed_status_fails_verify_even_with_the_manifest_rewritten(certified, tmp_path, capsys):
    forged = tmp_path / "forged.tar.gz"
    _rewrite(certified[0], forged, _restatus("CC-CONTENT-TYPE", "fail", forge_everything=False))
    line = _verify_in_process(forged, capsys)
    assert "controlcenter is reported conformant, but its requirement statuses make it nonconformant" in line


def test_a_report_forged_throughout_still_disagrees_with_its_traffic(certified, tmp_path, capsys):
    forged = tmp_path / "forged.tar.gz"
    _rewrite(certified[0], forged, _restatus("CC-CONTENT-TYPE", "fail", forge_everything=True))
    line = _verify_in_process(forged, capsys)
    assert line.endswith("CC-CONTENT-TYPE is reported fail, but its recorded traffic passes it")


def test_a_fault_variant_is_not_certified_and_its_honest_bundle_verifies(tmp_path):
    result = sessionapi(
        "certify", "--sessionapi-api=controlcenter",
        "--sessionapi-reference-variant=controlcenter:content-type-text-plain", "-q", "-o", "fault.tar.gz",
        cwd=tmp_path,
    )
    assert result.returncode == 1, result.stdout[-3000:] + result.stderr[-3000:]
    assert "certification: not-certified" in result.stdout
    assert "  not met: controlcenter: CC-CONTENT-TYPE fail" in result.stdout
    verified = sessionapi("verify", "fault.tar.gz", cwd=tmp_path)
    assert verified.returncode == 0, verified.stderr
    assert "verified: not-certified" in verified.stdout
    # Hiding the failure throughout (statuses, verdict, certification, manifest) is caught by
    # the traffic, which still fails it.
    _rewrite(tmp_path / "fault.tar.gz", tmp_path / "forged.tar.gz",
             _restatus("CC-CONTENT-TYPE", "pass", forge_everything=True))
    line = _one_line_failure(sessionapi("verify", "forged.tar.gz", cwd=tmp_path))
    assert line.endswith("CC-CONTENT-TYPE is reported pass, but its recorded traffic fails it")


def test_a_must_left_untested_is_not_certified_and_says_why(tmp_path):
    with ExitStack() as stack:
        env = _served_targets(stack, tmp_path, drop={"controlcenter": "iccid_session_ended"})
        result = sessionapi(
            "certify", "--sessionapi-config=targets.toml", "--sessionapi-api=controlcenter", "-q",
            "-o", "b.tar.gz", cwd=tmp_path, env=env,
        )
    assert result.returncode == 1, result.stdout[-3000:] + result.stderr[-3000:]
    assert "certification: not-certified" in result.stdout
    assert "not-tested" in next(line for line in result.stdout.splitlines() if "not met: controlcenter" in line)
    document = json.loads(read_bundle(tmp_path / "b.tar.gz")[REPORT])
    entry = document["apis"]["controlcenter"]
    assert entry["verdict"] == "incomplete"
    assert "iccid_session_ended" in entry["verdict_reason"]
    # Claiming the untested MUST passed, throughout, is caught: no recorded exchange judged it.
    untested = next(item["id"] for item in entry["requirements"]
                    if item["level"] == "MUST" and item["status"] == "not-tested")
    _rewrite(tmp_path / "b.tar.gz", tmp_path / "forged.tar.gz", _restatus(untested, "pass", forge_everything=True))
    line = _one_line_failure(sessionapi("verify", "forged.tar.gz", cwd=tmp_path))
    assert line.endswith(f"{untested} is reported pass, but its recorded traffic leaves it not-tested"), line


def _document(statuses: dict[str, tuple[str, str]], verdict: str = "conformant") -> dict[str, Any]:
    return {
        "interrupted": None,
        "apis": {
            "controlcenter": {
                "verdict": verdict,
                "requirements": [
                    {"id": rid, "level": level, "status": status} for rid, (level, status) in statuses.items()
                ],
            },
            "umts": {"verdict": "not-run", "requirements": []},
        },
    }


def test_the_policy_refuses_a_waived_must_and_lists_should_failures():
    should_only = certification_of(_document({"CC-A": ("MUST", "pass"), "CC-B": ("SHOULD", "fail")}))
    assert should_only["verdict"] == "certified"
    assert should_only["apis"]["controlcenter"]["should_not_met"] == ["CC-B"]
    assert "umts" not in should_only["apis"]
    waived = certification_of(_document({"CC-A": ("MUST", "waived")}))
    assert waived["verdict"] == "not-certified"
    assert waived["reasons"] == ["controlcenter: CC-A waived"]
    nothing = certification_of({"interrupted": None, "apis": {"umts": {"verdict": "not-run", "requirements": []}}})
    assert nothing["reasons"] == ["no API ran"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--sessionapi-api=umts"], "sessionapi certify: name the archive to write with -o bundle.tar.gz"),
        (["-o", "b.tar.gz", "--sessionapi-requirement=CC-*"], "sessionapi certify: --sessionapi-requirement is not allowed"),
        (["-o", "b.tar.gz", "--sessionapi-record=x"], "sessionapi certify: --sessionapi-record is not allowed"),
    ],
)
def test_certify_usage_errors_are_one_line(tmp_path, args, message):
    result = sessionapi("certify", *args, cwd=tmp_path)
    assert result.returncode == 4
    assert result.stderr.strip().startswith(message)
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "b.tar.gz").exists()


def test_verify_of_something_that_is_not_a_bundle_is_one_line(tmp_path, capsys):
    (tmp_path / "x.tar.gz").write_text("not an archive")
    line = _verify_in_process(tmp_path / "x.tar.gz", capsys)
    assert line.startswith(f"sessionapi verify: {tmp_path / 'x.tar.gz'}: not a readable bundle")
