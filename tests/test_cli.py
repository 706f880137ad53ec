"""The command line a user sees: `pytest suites` with no options, the mock server, the variant
listing and `sessionapi run`."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tomllib

import pytest

from pytest_sessionapi.__main__ import main
from pytest_sessionapi.registry import all_apis
from pytest_sessionapi.requirements import find_requirement
from tests.conftest import REPO, SUITES, served


def test_pytest_suites_with_no_options_checks_all_three_apis(run_suite):
    run = run_suite(None)
    assert run.ret == 0, run.output()
    assert {name: entry["verdict"] for name, entry in run.report["apis"].items()} == {
        "biot": "conformant", "controlcenter": "conformant", "umts": "conformant"
    }


def test_variants_lists_every_fault_with_the_requirement_it_trips(capsys):
    assert main(["variants"]) == 0
    out = capsys.readouterr().out
    sections = {}
    for line in out.splitlines():
        if not line.startswith(" "):
            current = sections.setdefault(line.rstrip(":"), [])
        else:
            current.append(line)
    assert set(sections) == set(all_apis())
    for api in all_apis().values():
        for variant in api.reference.VARIANTS.values():
            line = next(line for line in sections[api.name] if line.strip().startswith(variant.name + " "))
            if variant.kind == "fault":
                should = find_requirement(variant.requirement).level == "SHOULD"
                ending = f"-> must fail {variant.requirement}" + (
                    " (a SHOULD: reported, the run fails only with --sessionapi-strict)" if should else ""
                )
                assert line.endswith(ending), line


@pytest.mark.parametrize("api", list(all_apis()))
def test_serve_prints_a_target_the_suites_accept(api, tmp_path):
    with served("--api", api, cwd=tmp_path) as printed:
        assert re.search(r"on http://127\.0\.0\.1:\d+\n", printed), printed
        table_text = printed.split("environment:\n\n", 1)[1].split("\nexport ", 1)[0]
        table = tomllib.loads(table_text)[api]
        assert table["base_url"].startswith("http://127.0.0.1:")
        env = dict(re.findall(r"^export (\w+)=(\S+)$", printed, flags=re.M))
        assert env, "serve must print the credentials' environment variables"
        (tmp_path / "targets.toml").write_text(table_text)
        result = subprocess.run(
            [sys.executable, "-m", "pytest", str(SUITES / api), "--sessionapi-config=targets.toml",
             "-p", "no:cacheprovider", "-q", f"--rootdir={REPO}"],
            cwd=tmp_path, env={**os.environ, **{k: v.strip("'") for k, v in env.items()}},
            capture_output=True, text=True, timeout=600,
        )
        assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
        assert (tmp_path / "reports" / "conformance.json").exists()


def test_sessionapi_run_runs_the_suites(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "pytest_sessionapi", "run", "--sessionapi-api=controlcenter", "-q"],
        cwd=tmp_path, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert (tmp_path / "reports" / "conformance.json").exists()


def test_version(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == "pytest-sessionapi 0.1.0"


def test_run_help_lists_every_pytest_and_plugin_option(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "pytest_sessionapi", "run", "--help"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: sessionapi run [pytest and sessionapi options]")
    for option in ("--sessionapi-config=PATH", "--sessionapi-fail-on=LEVEL", "--junitxml", "--hypothesis-profile"):
        assert option in result.stdout, option


def test_run_honours_the_pytest_configuration_of_the_working_directory(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        '[tool.pytest.ini_options]\nsessionapi_api = "controlcenter"\nsessionapi_report_dir = "out"\n'
    )
    result = subprocess.run(
        [sys.executable, "-m", "pytest_sessionapi", "run", "-q"],
        cwd=tmp_path, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    report = json.loads((tmp_path / "out" / "conformance.json").read_text())
    assert report["apis"]["controlcenter"]["verdict"] == "conformant"
    assert report["apis"]["biot"]["verdict"] == "not-run"
    assert "PytestAssertRewriteWarning" not in result.stdout + result.stderr


def test_serve_on_a_busy_port_is_one_line_and_exit_4():
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "pytest_sessionapi", "serve", "--api", "biot", "--port", str(port)],
            capture_output=True, text=True, timeout=60,
        )
    assert result.returncode == 4
    assert result.stderr.splitlines() == [
        f"sessionapi serve: cannot listen on 127.0.0.1:{port}: Address already in use "
        "(choose another --port, or --port 0 for a free one)"
    ]
    assert "Traceback" not in result.stdout


def test_sessionapi_run_leaves_unused_pytest_plugins_out(monkeypatch):
    """The suites drive Schemathesis's generation and checks themselves and use neither respx's
    fixture nor anyio's marker; those pytest plugins would only cost each start their imports."""
    seen: list[list[str]] = []
    monkeypatch.setattr(pytest, "main", lambda args: seen.append(list(args)) or 0)
    assert main(["run", "--sessionapi-api=controlcenter"]) == 0
    (args,) = seen
    for plugin in ("no:schemathesis", "no:respx", "no:anyio"):
        assert plugin in args and args[args.index(plugin) - 1] == "-p"
    assert args[-1] == "--sessionapi-api=controlcenter"
