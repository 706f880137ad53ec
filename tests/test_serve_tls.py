"""`sessionapi serve --tls`: HTTPS with a certificate made on the spot, and the targets.toml keys
that trust it (`ca_bundle`) or not (`verify_tls`). Vendor clients such as catalystwan default to
HTTPS, so the references must speak it; the suites must trust exactly the CA they are given."""

from __future__ import annotations

import re
import ssl
import sys
import tomllib
from pathlib import Path

import httpx
import pytest

from pytest_sessionapi.registry import get_api
from pytest_sessionapi.serving import TLS_NAMES, make_certificate, serving
from tests.conftest import served

SESSION_PATH = "/device/v1/devices/device1/usage-sessions/some-session"


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    return make_certificate(tmp_path_factory.mktemp("tls"))


def test_serve_tls_prints_the_ca_to_trust_and_the_server_presents_a_certificate_it_signed(tmp_path):
    with served("--api", "biot", "--tls", cwd=tmp_path) as printed:
        url = re.search(r"on (https://127\.0\.0\.1:\d+)\n", printed)
        assert url, printed
        ca_line = re.search(r"^TLS certificate for 127\.0\.0\.1, localhost, signed by the CA in (\S+)$",
                            printed, flags=re.M)
        assert ca_line, printed
        table = tomllib.loads(printed.split("environment:\n\n", 1)[1].split("\nexport ", 1)[0])["biot"]
        assert table["base_url"] == url.group(1)
        assert table["ca_bundle"] == ca_line.group(1)
        ca_file = Path(ca_line.group(1))
        assert ca_file.is_file()
        port = url.group(1).rsplit(":", 1)[1]
        for name in TLS_NAMES:  # the certificate names both
            trusting = ssl.create_default_context(cafile=str(ca_file))
            answer = httpx.get(f"https://{name}:{port}{SESSION_PATH}", verify=trusting)
            assert answer.status_code == 401  # the server answered over verified TLS
        with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
            httpx.get(f"{url.group(1)}{SESSION_PATH}")  # the system CAs do not know it
    assert not ca_file.exists(), "a stopped server leaves its key and CA behind"


def test_the_suites_trust_the_ca_named_by_ca_bundle(run_suite, certificate):
    app = get_api("biot").reference.create_app()
    with serving(app, tls=certificate) as url:
        # The lifecycle tests only: what is proved is the trusted connection, and the whole suite
        # over HTTP is the self-test's job.
        run = run_suite("biot", "-k", "lifecycle", over="http", base_url=url,
                        table={"ca_bundle": str(certificate.ca_file)})
    assert run.ret == 0, run.output()
    assert "pass" in {r["status"] for r in run.api("biot")["requirements"]}, run.output()


def test_without_the_ca_the_untrusted_certificate_is_a_setup_error_exit_4(run_suite, certificate):
    app = get_api("biot").reference.create_app()
    with serving(app, tls=certificate) as url:
        run = run_suite("biot", over="http", base_url=url)
    assert run.ret == 4, run.output()
    assert run.api("biot")["verdict"] != "nonconformant"  # a setup error is no vendor failure
    errors = [line.strip() for line in run.result.outlines if "not trusted" in line]
    assert errors == [
        f"biot: TLS certificate of {url} not trusted (unable to get local issuer certificate): "
        "set ca_bundle to a PEM file holding the CA that signed it (or verify_tls = false, for a test "
        "endpoint only)"
    ], run.output()


def test_verify_tls_false_accepts_the_certificate_unverified(run_suite, certificate):
    app = get_api("umts").reference.create_app()
    with serving(app, tls=certificate) as url:
        # One lifecycle is enough to show the connection is made (the CA test runs the whole suite).
        run = run_suite("umts", "-k", "lifecycle", over="http", base_url=url, table={"verify_tls": False})
    assert run.ret == 0, run.output()
    assert "pass" in {r["status"] for r in run.api("umts")["requirements"]}, run.output()


def test_serve_tls_without_trustme_is_one_line_and_exit_4(monkeypatch, capsys):
    from pytest_sessionapi.__main__ import main

    monkeypatch.setitem(sys.modules, "trustme", None)  # import fails as if not installed
    assert main(["serve", "--api", "biot", "--tls", "--port", "0"]) == 4
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        "sessionapi serve --tls: making a certificate needs trustme, which is not installed "
        "(pip install 'pytest-sessionapi[tls]')\n"
    )
