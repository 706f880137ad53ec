"""The CI examples in docs/ci/ work as written: both run the same command, keep reports/ also when
the run fails, publish the JUnit file; and that command, run against a reference endpoint on
loopback with its secret in the variable the examples name, writes every report and leaks no
secret into any of them."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from typing import Any

import pytest
import yaml

from tests.conftest import REPO

CI = REPO / "docs" / "ci"


def _load(name: str) -> dict[str, Any]:
    return yaml.safe_load((CI / name).read_text(encoding="utf-8"))


def _github_steps() -> dict[str, dict[str, Any]]:
    steps = _load("github-actions.yml")["jobs"]["conformance"]["steps"]
    return {step.get("name", step.get("uses", "")): step for step in steps}


def _github_command() -> str:
    return _github_steps()["Run the conformance suites"]["run"]


def _gitlab_job() -> dict[str, Any]:
    return _load("gitlab-ci.yml")["session-api-conformance"]


def test_both_examples_run_the_same_command():
    assert _github_command() == _gitlab_job()["script"][-1]
    assert _github_command().startswith("sessionapi run --sessionapi-config=targets.toml ")


def test_github_keeps_the_reports_and_publishes_junit_also_when_the_run_fails():
    steps = _github_steps()
    for name in ("Keep the reports", "Publish the JUnit results", "Summary"):
        assert steps[name]["if"] == "always()", name
    assert steps["Keep the reports"]["with"]["path"] == "reports/"
    assert steps["Publish the JUnit results"]["with"]["path"] == "reports/junit.xml"
    secrets = steps["Run the conformance suites"]["env"]
    assert all(value.startswith("${{ secrets.") for value in secrets.values())


def test_gitlab_keeps_the_reports_and_publishes_junit_also_when_the_run_fails():
    artifacts = _gitlab_job()["artifacts"]
    assert artifacts["when"] == "always"
    assert artifacts["paths"] == ["reports/"]
    assert artifacts["reports"]["junit"] == "reports/junit.xml"


def test_the_command_writes_every_report_without_a_secret(tmp_path):
    from pytest_sessionapi.registry import all_apis
    from pytest_sessionapi.serving import loopback_table, serving, toml_table

    api = all_apis()["controlcenter"]
    (secret,) = api.reference.EMBEDDED_ENV.values()
    env_name = _github_steps()["Run the conformance suites"]["env"]
    assert "CC_API_KEY" in env_name
    argv = shlex.split(_github_command())
    assert argv[:2] == ["sessionapi", "run"]
    with serving(api.reference.create_app()) as url:
        table = {**loopback_table(api, url), "api_key_env": "CC_API_KEY"}
        (tmp_path / "targets.toml").write_text(toml_table("controlcenter", table), encoding="utf-8")
        result = subprocess.run(
            [sys.executable, "-m", "pytest_sessionapi", *argv[1:]],
            cwd=tmp_path, capture_output=True, text=True, timeout=600,
            env={**os.environ, "CC_API_KEY": secret},
        )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    reports = tmp_path / "reports"
    written = sorted(path.name for path in reports.iterdir())
    assert written == ["conformance.html", "conformance.json", "conformance.md", "junit.xml"]
    for path in reports.iterdir():
        assert secret not in path.read_text(encoding="utf-8"), path.name
    assert secret not in result.stdout + result.stderr


@pytest.mark.parametrize("name", ["github-actions.yml", "gitlab-ci.yml"])
def test_the_examples_name_only_options_the_plugin_has(name, pytester):
    text = (CI / name).read_text(encoding="utf-8")
    options = {word.split("=")[0] for word in text.split() if word.startswith("--sessionapi-")}
    assert options, name
    help_text = pytester.runpytest_inprocess("--help").stdout.str()
    assert {option for option in options if option not in help_text} == set()
