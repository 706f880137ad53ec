"""The wheel is usable without the repository: it carries the suites, the catalogues, the
OpenAPI documents and the reference implementations, and `pytest --pyargs` runs the suites."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import REPO


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    from hatchling.builders.wheel import WheelBuilder

    built = WheelBuilder(str(REPO)).build(directory=str(out), versions=["standard"])
    return Path(next(iter(built)))


def test_wheel_carries_suites_catalogues_and_entry_point(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for api in ("biot", "controlcenter", "umts"):
        assert f"pytest_sessionapi/apis/{api}/requirements.toml" in names
        assert f"pytest_sessionapi/apis/{api}/openapi.json" in names
        assert any(n.startswith(f"pytest_sessionapi/suites/{api}/test_") for n in names)
    assert "pytest_sessionapi/suites/conftest.py" in names
    entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    text = zipfile.ZipFile(wheel).read(entry_points).decode()
    assert "[pytest11]\nsessionapi = pytest_sessionapi.plugin" in text
    assert "sessionapi = pytest_sessionapi.__main__:main" in text


def test_packaged_suites_run_with_pyargs_outside_the_repository(wheel, tmp_path):
    unpacked = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(unpacked)
    workdir = tmp_path / "work"
    workdir.mkdir()
    env = {**os.environ, "PYTHONPATH": str(unpacked)}
    where = subprocess.run(
        [sys.executable, "-c", "import pytest_sessionapi; print(pytest_sessionapi.__file__)"],
        cwd=workdir, env=env, capture_output=True, text=True, check=True,
    ).stdout.strip()
    assert Path(where).is_relative_to(unpacked), "the run must use the wheel, not the checkout"
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--pyargs", "pytest_sessionapi.suites",
         "--sessionapi-api=controlcenter", "-p", "no:cacheprovider", "-q"],
        cwd=workdir, env=env, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads((workdir / "reports" / "conformance.json").read_text())
    assert report["apis"]["controlcenter"]["verdict"] == "conformant"
    assert report["apis"]["umts"]["verdict"] == "not-run"


def test_sessionapi_run_from_the_wheel_warns_nothing_and_names_tests_as_the_checkout_does(wheel, tmp_path, run_suite):
    unpacked = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(unpacked)
    workdir = tmp_path / "work"
    workdir.mkdir()
    env = {**os.environ, "PYTHONPATH": str(unpacked)}
    result = subprocess.run(
        [sys.executable, "-m", "pytest_sessionapi", "run", "--sessionapi-api=controlcenter", "-q",
         "-W", "error::pytest.PytestAssertRewriteWarning", "--junitxml=junit.xml"],
        cwd=workdir, env=env, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "PytestAssertRewriteWarning" not in result.stdout + result.stderr
    from_wheel = json.loads((workdir / "reports" / "conformance.json").read_text())
    from_checkout = run_suite("controlcenter").report

    def tests(report):  # which requirement a property-based test meets varies; its name does not
        return {t for r in report["apis"]["controlcenter"]["requirements"] for t in r["tests"]}

    assert tests(from_wheel) == tests(from_checkout)
    # JUnit names the tests as the reports do, without the path the wheel was installed under.
    import xml.etree.ElementTree as ET

    cases = ET.parse(workdir / "junit.xml").getroot().iter("testcase")
    classnames = {case.get("classname") for case in cases}
    assert classnames and all(str(name).startswith("suites.controlcenter.test_") for name in classnames), classnames


def test_a_checkout_run_and_a_wheel_run_send_the_same_requests_from_the_same_tests(wheel, tmp_path):
    """Hypothesis draws constants from "local" source files, which the package is in a checkout
    and is not under site-packages (hypothesis_profiles.py): BioT sent 1,297 requests from a
    checkout and 1,385 from the wheel until that stopped."""
    site = tmp_path / "lib" / "site-packages"
    zipfile.ZipFile(wheel).extractall(site)
    runs = {}
    for name, command, env in (
        ("wheel", [sys.executable, "-m", "pytest_sessionapi", "run"], {**os.environ, "PYTHONPATH": str(site)}),
        ("checkout", [sys.executable, "-m", "pytest", str(REPO / "suites"), "-p", "no:cacheprovider"], None),
    ):
        workdir = tmp_path / name
        workdir.mkdir()
        result = subprocess.run(
            [*command, "--sessionapi-api=biot", "-q"], cwd=workdir, env=env,
            capture_output=True, text=True, timeout=600,
        )
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
        runs[name] = json.loads((workdir / "reports" / "conformance.json").read_text())["apis"]["biot"]
    assert runs["wheel"]["requests"] == runs["checkout"]["requests"]
    assert runs["wheel"]["tests"] == runs["checkout"]["tests"]
    for from_wheel, from_checkout in zip(runs["wheel"]["requirements"], runs["checkout"]["requirements"], strict=True):
        assert from_wheel["tests"] == from_checkout["tests"], from_wheel["id"]


# -- the container image ----------------------------------------------------------------------------

DOCKERFILE = REPO / "Dockerfile"


def _instructions() -> list[tuple[str, str]]:
    """The Dockerfile's instructions (continuation lines joined, comments dropped)."""
    joined = DOCKERFILE.read_text(encoding="utf-8").replace("\\\n", " ")
    found = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            found.append((keyword.upper(), rest.strip()))
    return found


def test_the_dockerfile_builds_the_wheel_from_the_tree_and_runs_sessionapi():
    instructions = _instructions()
    copies = [rest.split() for keyword, rest in instructions if keyword == "COPY" and "--from" not in rest]
    copied = [source for *sources, _ in copies for source in sources]
    assert copied, "it copies the tree it builds"
    for source in copied:
        assert (REPO / source).exists(), f"COPY {source}: no such file in the repository"
    # What the wheel needs of the tree: the build configuration, the package, and the suites the
    # wheel force-includes (pyproject.toml, [tool.hatch.build.targets.wheel.force-include]).
    assert {"pyproject.toml", "README.md", "LICENSE", "src", "suites"} <= set(copied)
    runs = " ".join(rest for keyword, rest in instructions if keyword == "RUN")
    assert "pip wheel" in runs and "pip install" in runs and "/dist/*.whl" in runs
    assert "pytest-sessionapi" not in runs.replace("/dist/*.whl", ""), "nothing from the package index by name"
    assert ("ENTRYPOINT", '["sessionapi"]') in instructions
    assert instructions[-1][0] == "CMD"
    from_lines = [rest for keyword, rest in instructions if keyword == "FROM"]
    assert len(from_lines) == 2 and all(line.startswith("python:3.") for line in from_lines)
    ignored = (REPO / ".dockerignore").read_text(encoding="utf-8").split()
    assert ".venv" in ignored and ".git" in ignored


def _docker_daemon() -> bool:
    import shutil

    if not shutil.which("docker"):
        return False
    return subprocess.run(["docker", "info"], capture_output=True, timeout=30).returncode == 0


@pytest.mark.skipif(not _docker_daemon(), reason="no usable Docker daemon: the Dockerfile is checked statically above")
def test_the_image_builds_and_runs_the_suites(tmp_path):
    tag = "pytest-sessionapi:selftest"
    built = subprocess.run(["docker", "build", "-q", "-t", tag, str(REPO)], capture_output=True, text=True, timeout=900)
    assert built.returncode == 0, built.stderr[-3000:]
    version = subprocess.run(["docker", "run", "--rm", tag, "--version"], capture_output=True, text=True, timeout=120)
    assert version.stdout.startswith("pytest-sessionapi ")
    run = subprocess.run(
        ["docker", "run", "--rm", "--network=none", tag, "run", "--sessionapi-api=controlcenter", "-q"],
        capture_output=True, text=True, timeout=600,
    )
    assert run.returncode == 0, run.stdout[-3000:]
    assert "controlcenter: conformant" in run.stdout
