"""The CI examples in docs/ci/ work as written: both run one job per target from the CI's own
matrix, in the image the project's Dockerfile builds, with the same command (an incomplete API
fails the job); keep reports/ also when the run fails, publish the JUnit file, and merge every
target's reports into one fleet report; and that command, run against a reference endpoint on
loopback with its secret in the variable the examples name, writes every report and leaks no
secret into any of them."""

from __future__ import annotations

import json
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


TARGET = "eu-west"


def _github_for(target: str) -> str:
    return _github_command().replace("${{ matrix.target }}", target)


def _gitlab_for(target: str) -> str:
    return _gitlab_job()["script"][-1].replace("${TARGET}", target)


def test_both_examples_run_the_same_command_once_per_target_of_the_matrix():
    github = _load("github-actions.yml")["jobs"]["conformance"]
    targets = github["strategy"]["matrix"]["target"]
    assert github["strategy"]["fail-fast"] is False
    assert _gitlab_job()["parallel"]["matrix"] == [{"TARGET": targets}]
    for target in targets:
        assert _github_for(target) == _gitlab_for(target)
    assert _github_for(TARGET).startswith(f"sessionapi run --sessionapi-config=targets/{TARGET}.toml ")
    assert "--sessionapi-fail-on=incomplete" in _github_command().split()


def test_both_examples_run_in_the_image_the_dockerfile_builds():
    github = _load("github-actions.yml")["jobs"]
    for job in ("conformance", "fleet"):
        assert github[job]["container"]["image"] == "${{ vars.SESSIONAPI_IMAGE }}"
    gitlab = _load("gitlab-ci.yml")
    for job in ("session-api-conformance", "session-api-fleet"):
        # The image's entry point is `sessionapi`; GitLab needs a shell there.
        assert gitlab[job]["image"] == {"name": "$SESSIONAPI_IMAGE", "entrypoint": [""]}
    for name in ("github-actions.yml", "gitlab-ci.yml"):
        text = (CI / name).read_text(encoding="utf-8")
        assert "pip install" not in text, "no install from the package index, where the package is not"
        assert "docker build -t registry.example.com/qa/pytest-sessionapi:0.1.0 ." in text


def test_both_examples_merge_every_target_into_one_fleet_report():
    github = _load("github-actions.yml")["jobs"]["fleet"]
    assert github["needs"] == "conformance" and github["if"] == "always()"
    steps = {step.get("name"): step for step in github["steps"]}
    assert steps["Fetch every target's reports"]["with"]["pattern"] == "conformance-*"
    merge = steps["Merge them into one fleet report"]["run"]
    gitlab = _load("gitlab-ci.yml")["session-api-fleet"]
    assert gitlab["when"] == "always" and gitlab["stage"] == ".post"
    assert gitlab["script"] == [merge] == ["sessionapi merge reports/*/ -o fleet --fail-on=incomplete"]


def test_github_keeps_the_reports_and_publishes_junit_also_when_the_run_fails():
    steps = _github_steps()
    for name in ("Keep the reports", "Publish the JUnit results", "Summary"):
        assert steps[name]["if"] == "always()", name
    assert steps["Keep the reports"]["with"]["path"] == "reports/"
    assert steps["Keep the reports"]["with"]["name"] == "conformance-${{ matrix.target }}"
    assert steps["Publish the JUnit results"]["with"]["path"] == "reports/${{ matrix.target }}/junit.xml"
    secrets = steps["Run the conformance suites"]["env"]
    assert all(value.startswith("${{ secrets.") for value in secrets.values())


def test_gitlab_keeps_the_reports_and_publishes_junit_also_when_the_run_fails():
    artifacts = _gitlab_job()["artifacts"]
    assert artifacts["when"] == "always"
    assert artifacts["paths"] == ["reports/"]
    assert artifacts["reports"]["junit"] == "reports/${TARGET}/junit.xml"


def test_the_command_writes_every_report_without_a_secret(tmp_path):
    from pytest_sessionapi.registry import all_apis
    from pytest_sessionapi.serving import loopback_table, serving, toml_table

    api = all_apis()["controlcenter"]
    (secret,) = api.reference.EMBEDDED_ENV.values()
    env_name = _github_steps()["Run the conformance suites"]["env"]
    assert "CC_API_KEY" in env_name
    argv = shlex.split(_github_for(TARGET))
    assert argv[:2] == ["sessionapi", "run"]
    with serving(api.reference.create_app()) as url:
        table = {**loopback_table(api, url), "api_key_env": "CC_API_KEY"}
        (tmp_path / "targets").mkdir()
        (tmp_path / "targets" / f"{TARGET}.toml").write_text(toml_table("controlcenter", table), encoding="utf-8")
        result = subprocess.run(
            [sys.executable, "-m", "pytest_sessionapi", *argv[1:]],
            cwd=tmp_path, capture_output=True, text=True, timeout=600,
            env={**os.environ, "CC_API_KEY": secret},
        )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    reports = tmp_path / "reports" / TARGET
    written = sorted(path.name for path in reports.iterdir())
    assert written == ["conformance.html", "conformance.json", "conformance.md", "junit.xml"]
    for path in reports.iterdir():
        assert secret not in path.read_text(encoding="utf-8"), path.name
    assert secret not in result.stdout + result.stderr
    # The fleet job's command, over what the matrix jobs left in reports/.
    merge = shlex.split(_load("gitlab-ci.yml")["session-api-fleet"]["script"][0])
    merged = subprocess.run(
        [sys.executable, "-m", "pytest_sessionapi", *merge[1:2], str(reports) + "/", *merge[3:]],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )
    assert merged.returncode == 0, merged.stdout + merged.stderr
    fleet = json.loads((tmp_path / "fleet" / "fleet.json").read_text(encoding="utf-8"))
    assert fleet["targets"][0]["label"] == TARGET
    assert fleet["targets"][0]["apis"]["controlcenter"]["verdict"] == "conformant"


@pytest.mark.parametrize("name", ["github-actions.yml", "gitlab-ci.yml"])
def test_the_examples_name_only_options_the_plugin_has(name, pytester):
    text = (CI / name).read_text(encoding="utf-8")
    options = {word.split("=")[0] for word in text.split() if word.startswith("--sessionapi-")}
    assert options, name
    help_text = pytester.runpytest_inprocess("--help").stdout.str()
    assert {option for option in options if option not in help_text} == set()
