"""The project's own tests: shared fixtures, chiefly ``run_suite``, which runs a sessionapi_conformance
suite the way a user would (a pytest run of ``suites/<api>``) against the embedded reference, a
variant of it, or a reference served over real HTTP on loopback, and hands back the exit status
and the parsed ``conformance.json``."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]


def json_strings(value: Any) -> list[str]:
    """Every string in a JSON document, keys included: the text of a vendor's OpenAPI document
    that a quote may come from."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [text for key, item in value.items() for text in [key, *json_strings(item)]]
    if isinstance(value, list):
        return [text for item in value for text in json_strings(item)]
    return []
SUITES = REPO / "suites"

# Under pytest-xdist (`pytest -n auto`) each worker keeps its own Hypothesis directory. Every
# profile and test here turns the example database off, but Hypothesis still caches what it reads
# from source files under its directory, and two processes must not write the same files.
# Everything else a test writes (pytester directories, reports, targets.toml, servers on port 0)
# is per test already.
if _worker := os.environ.get("PYTEST_XDIST_WORKER"):
    os.environ.setdefault("HYPOTHESIS_STORAGE_DIRECTORY", str(REPO / ".hypothesis" / _worker))


def as_schemathesis_response(response: Any) -> Any:
    """Schemathesis's own response for an httpx answer: what a registered custom check receives
    when Schemathesis runs it."""
    import requests
    from schemathesis.core.transport import Response

    return Response(
        status_code=response.status_code,
        headers={"content-type": [response.headers["content-type"]]},
        content=response.content,
        request=requests.Request(response.request.method, str(response.request.url)).prepare(),
        elapsed=0.0,
        verify=True,
    )


@contextmanager
def served(*args: str, cwd: Path) -> Iterator[str]:
    """``sessionapi serve ARGS --port 0`` in a process of its own, as a user starts it: yields what
    it printed up to its "Ctrl-C" line (the address, the target table, the environment), and
    stops it when the block ends."""
    import subprocess
    import sys

    server = subprocess.Popen(
        [sys.executable, "-m", "pytest_sessionapi", "serve", *args, "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=cwd,
    )
    try:
        lines = []
        assert server.stdout is not None
        for line in server.stdout:
            lines.append(line)
            if line.startswith("Ctrl-C"):
                break
        yield "".join(lines)
    finally:
        server.terminate()
        server.wait(timeout=10)


class OtherApiCase:
    """A Schemathesis case of an operation no API of this project has."""

    class operation:
        path = "/somebody/else"


def _preload() -> None:
    """Import what the suites import before any in-process pytester run.

    ``runpytest_inprocess`` removes the modules a run imported when it ends; anything first
    imported inside a run would be imported again by the next one, which is slow (Schemathesis)
    and breaks modules that register global state (Schemathesis checks, Hypothesis profiles).
    """
    import importlib
    import pkgutil

    import httpx  # noqa: F401
    import httpcore  # noqa: F401  (httpx 0.28 imports it at its first real connection only)
    import hypothesis  # noqa: F401
    import pydantic  # noqa: F401
    import schemathesis  # noqa: F401
    import starlette.applications  # noqa: F401
    import uvicorn  # noqa: F401

    try:  # the clients extra: BIOT-CLIENT-READABLE reads every BioT answer with it
        import biotmed_device_sdk  # noqa: F401
        from biotmed_device_sdk.api_client import ApiClient  # noqa: F401
    except ImportError:
        pass

    import pytest_sessionapi.hypothesis_profiles  # noqa: F401
    from pytest_sessionapi import config, http_checks, ledger, reports, transport  # noqa: F401
    from pytest_sessionapi.registry import all_apis

    for api in all_apis().values():
        for info in pkgutil.iter_modules([str(api.path)]):
            importlib.import_module(f"{api.package}.{info.name}")


_preload()


@dataclass
class SuiteRun:
    ret: int
    result: pytest.RunResult
    report_path: Path
    leftover_sessions: list[str] | None = None

    @property
    def report(self) -> dict[str, Any]:
        return json.loads(self.report_path.read_text(encoding="utf-8"))

    def api(self, name: str) -> dict[str, Any]:
        return self.report["apis"][name]

    def status(self, requirement_id: str) -> str:
        for entry in self.report["apis"].values():
            for requirement in entry["requirements"]:
                if requirement["id"] == requirement_id:
                    return requirement["status"]
        raise KeyError(requirement_id)

    def failed(self, api: str) -> list[str]:
        return [r["id"] for r in self.api(api)["requirements"] if r["status"] == "fail"]

    def output(self) -> str:
        return self.result.stdout.str()


RunSuite = Callable[..., SuiteRun]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # A hung endpoint or server thread must fail one test, not stall CI until its time limit.
    for item in items:
        if item.get_closest_marker("timeout") is None:
            item.add_marker(pytest.mark.timeout(600))


@pytest.fixture(scope="session")
def libraries_in_process_runs_share() -> None:
    """Imports, in this process, the libraries a suite run loads lazily.

    pytester's in-process run drops every module first imported during the run when it ends. The
    plugin keeps Schemathesis objects across runs (the bundled OpenAPI documents are loaded once
    per process), so a document loaded by one run would belong to a Schemathesis the next run
    imported afresh: its built-in checks then skip it as "not an OpenAPI schema" (isinstance
    against a class of the new import), and a test judging Schemathesis findings after a suite
    run found none. Importing them here, once, makes every run share one Schemathesis, as a user's
    process does, and spares each run re-importing it. A session fixture, because pytester takes
    its snapshot of the modules when its own fixture is set up."""
    from schemathesis.checks import load_all_checks

    import pytest_sessionapi.schemathesis_support as support
    import requests  # noqa: F401  (Schemathesis's transport, loaded lazily by it)
    import werkzeug  # noqa: F401

    load_all_checks()
    support.load_openapi(REPO / "src" / "pytest_sessionapi" / "apis" / "controlcenter" / "openapi.json")


@pytest.fixture
def run_suite(
    libraries_in_process_runs_share: None, pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> Iterator[RunSuite]:
    """``run_suite(api, *pytest_args, variant=None, over="inprocess"|"http")``."""
    # A suite run here is a run of its own, against a server of its own, not one process of this
    # parallel run: under pytest-xdist it must not share max_rps buckets and active-call locks
    # with suite runs in other workers (the transport keys them on the xdist run's ID).
    monkeypatch.delenv("PYTEST_XDIST_TESTRUNUID", raising=False)

    def run(
        api: str | None,
        *args: str,
        variant: str | None = None,
        over: str = "inprocess",
        subprocess: bool = False,
        env: dict[str, str] | None = None,
        table: dict[str, Any] | None = None,
        base_url: str | None = None,
    ) -> SuiteRun:
        from pytest_sessionapi.registry import all_apis
        from pytest_sessionapi.serving import loopback_table, serving, toml_table

        report_dir = pytester.path / "reports"
        target_args = [str(SUITES / api) if api else str(SUITES)]
        if api:
            target_args.append(f"--sessionapi-api={api}")
        # The plugin keeps pytest from rewriting Schemathesis, Hypothesis, respx and anyio
        # (plugin.py), so this process imported them plainly; a run in the same process marks
        # them again and pytest warns they were "already imported so cannot be rewritten", which
        # a user's own run (one per process) never sees.
        common = [*target_args, f"--sessionapi-report-dir={report_dir}", "-p", "no:cacheprovider",
                  "-W", "ignore::pytest.PytestAssertRewriteWarning"]
        runner = pytester.runpytest_subprocess if subprocess else pytester.runpytest_inprocess
        if over == "inprocess":
            if variant:
                common.append(f"--sessionapi-reference-variant={api}:{variant}")
            result = runner(*common, *args)
            return SuiteRun(int(result.ret), result, report_dir / "conformance.json")
        assert over == "http" and api, "over='http' needs one API"
        descriptor = all_apis()[api]
        for name, value in {**descriptor.reference.EMBEDDED_ENV, **(env or {})}.items():
            monkeypatch.setenv(name, value)
        config = pytester.path / "targets.toml"

        def run_against(url: str) -> pytest.RunResult:
            config.write_text(toml_table(api, {**loopback_table(descriptor, url), **(table or {})}))
            return runner(*common, f"--sessionapi-config={config}", *args)

        if base_url is not None:  # somebody else's server, e.g. a deliberately broken one
            result = run_against(base_url)
            return SuiteRun(int(result.ret), result, report_dir / "conformance.json")
        app = descriptor.reference.create_app(variant)
        with serving(app) as url:
            result = run_against(url)
        return SuiteRun(
            int(result.ret),
            result,
            report_dir / "conformance.json",
            leftover_sessions=list(app.state.reference.live_sessions()),
        )

    yield run
