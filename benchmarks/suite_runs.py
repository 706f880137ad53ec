"""What the mutation benchmark (mutation.py) and the fault-catalogue runner (faults.py) share: a
private copy of a checkout to change, and one run of an API's suite in it, read back from the
run's ``conformance.json``.

A copy, never the working tree: a run that is interrupted while a file is changed must leave the
checkout as it was. ``PYTHONPATH`` points the suites at the copy's ``src/`` (it comes before an
editable install of the checkout itself).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
APIS = ("controlcenter", "umts", "biot")


def private_copy(repo: Path = REPO, prefix: str = "sessionapi-mutation-") -> Path:
    """A temporary copy of ``repo``'s ``src/``, ``suites/`` and pytest configuration."""
    root = Path(tempfile.mkdtemp(prefix=prefix))
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".hypothesis", "reports")
    for folder in ("src", "suites"):
        shutil.copytree(repo / folder, root / folder, ignore=ignore)
    for name in ("conftest.py", "pyproject.toml"):
        shutil.copy2(repo / name, root / name)
    return root


def api_folder(root: Path, api: str) -> Path:
    return root / "src" / "pytest_sessionapi" / "apis" / api


@dataclass
class SuiteRun:
    """One run of ``pytest suites/<api>``: its exit status (None after a timeout) and what its
    ``conformance.json`` says (empty when the run wrote none)."""

    status: int | None
    seconds: float
    verdict: str | None = None
    verdict_reason: str | None = None
    statuses: dict[str, str] = field(default_factory=dict)
    """Requirement ID -> pass | fail | skip | not-tested."""
    levels: dict[str, str] = field(default_factory=dict)
    """Requirement ID -> MUST | SHOULD."""
    first_message: str | None = None
    """The first message of a skipped or untested requirement: why a run was not judged."""

    @property
    def timed_out(self) -> bool:
        return self.status is None

    @property
    def failed(self) -> list[str]:
        return [rid for rid, status in self.statuses.items() if status == "fail"]


def run_suite(root: Path, api: str, timeout: float, *, strict: bool, stop_first: bool) -> SuiteRun:
    """Run ``api``'s suite in ``root`` (a ``private_copy``) against the embedded reference.

    ``strict``: ``--sessionapi-strict`` (a failed SHOULD fails the run). ``stop_first``: ``-x``,
    faster when only *whether* the run fails matters; without it every requirement is judged,
    which telling *which* requirement failed needs."""
    reports = root / "reports" / api
    shutil.rmtree(reports, ignore_errors=True)
    env = {**os.environ, "PYTHONPATH": str(root / "src"), "PYTHONDONTWRITEBYTECODE": "1"}
    command = [sys.executable, "-m", "pytest", f"suites/{api}", "-q", "-p", "no:cacheprovider",
               f"--sessionapi-api={api}", f"--sessionapi-report-dir={reports}"]
    if stop_first:
        command.append("-x")
    if strict:
        command.append("--sessionapi-strict")
    started = time.perf_counter()
    proc = subprocess.Popen(command, cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        status = proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        return SuiteRun(None, time.perf_counter() - started)
    run = SuiteRun(status, time.perf_counter() - started)
    try:
        report = json.loads((reports / "conformance.json").read_text())["apis"][api]
        run.verdict = report["verdict"]
        run.verdict_reason = report.get("verdict_reason")
        for requirement in report["requirements"]:
            run.statuses[requirement["id"]] = requirement["status"]
            run.levels[requirement["id"]] = requirement["level"]
        run.first_message = next((r["messages"][0] for r in report["requirements"]
                                  if r["status"] in ("skip", "not-tested") and r.get("messages")), None)
    except (OSError, ValueError, KeyError, TypeError):
        pass
    return run


def be_nice() -> None:
    try:
        os.nice(10)  # the machine is shared; the figure can wait
    except OSError:
        pass
