"""Prints the figures the project tracks. Run: python benchmarks/bench.py [--quick]

- plugin import cost (cumulative, from ``python -X importtime``), alone and on top of pytest;
- wall time and request count of ``pytest suites`` on the embedded default, per API and in all;
- the same suites against each reference served over loopback HTTP;
- raw request throughput of the in-process bridge and of loopback HTTP.

Figures, not assertions: speed is measured here, never in timed tests.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def import_cost(module: str, *, after: str | None = None) -> float:
    """Cumulative microseconds importing ``module`` takes (after ``after`` is already loaded)."""
    code = (f"import {after}; " if after else "") + f"import {module}"
    samples = []
    for _ in range(5):
        err = subprocess.run(
            [sys.executable, "-X", "importtime", "-c", code], capture_output=True, text=True, check=True
        ).stderr
        for line in err.splitlines():
            match = re.match(r"import time:\s+\d+ \|\s+(\d+) \| (\s*)(\S+)$", line)
            if match and match.group(3) == module and match.group(2) == "":
                samples.append(int(match.group(1)))
    return statistics.median(samples)


def run_suites(*args: str, env: dict[str, str] | None = None) -> tuple[float, dict]:
    with tempfile.TemporaryDirectory() as reports:
        started = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-m", "pytest", "suites", "-q", "-p", "no:cacheprovider",
             f"--sessionapi-report-dir={reports}", *args],
            cwd=REPO, capture_output=True, text=True, env={**os.environ, **(env or {})},
        )
        elapsed = time.perf_counter() - started
        if proc.returncode != 0:
            print(proc.stdout[-3000:], proc.stderr[-2000:])
            raise SystemExit(f"suite run failed (exit {proc.returncode})")
        return elapsed, json.loads(Path(reports, "conformance.json").read_text())


def throughput(n: int) -> dict[str, float]:
    sys.path.insert(0, str(REPO / "src"))
    from pytest_sessionapi.config import build_target, embedded_target
    from pytest_sessionapi.registry import get_api
    from pytest_sessionapi.serving import loopback_table, serving
    from pytest_sessionapi.transport import open_client

    api = get_api("controlcenter")
    iccid = api.reference.EMBEDDED_TABLE["iccid_in_session"]
    figures = {}
    target = embedded_target(api)
    client = api.client.Client(open_client(target, api.client.build_auth(target)), target)
    started = time.perf_counter()
    for _ in range(n):
        client.session_info(iccid)
    figures["in-process bridge"] = n / (time.perf_counter() - started)
    target.close()
    with serving(api.reference.create_app()) as base_url:
        live = build_target(api, {**loopback_table(api, base_url), "max_rps": 0},
                            api.reference.EMBEDDED_ENV, "bench")
        client = api.client.Client(open_client(live, api.client.build_auth(live)), live)
        started = time.perf_counter()
        for _ in range(n):
            client.session_info(iccid)
        figures["loopback HTTP (uvicorn)"] = n / (time.perf_counter() - started)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="skip the loopback suite runs")
    args = parser.parse_args()

    print("== plugin import (python -X importtime, cumulative, median of 5)")
    print(f"import pytest_sessionapi.plugin, cold:           {import_cost('pytest_sessionapi.plugin') / 1000:7.2f} ms")
    print(f"import pytest_sessionapi.plugin, pytest loaded:  "
          f"{import_cost('pytest_sessionapi.plugin', after='pytest') / 1000:7.2f} ms")
    print(f"for scale: import pytest:                        {import_cost('pytest') / 1000:7.2f} ms")

    print("\n== pytest suites, embedded default (in-process)")
    total, report = run_suites()
    print(f"all APIs: {total:6.2f} s wall")
    for name, entry in report["apis"].items():
        print(f"  {name:14} verdict {entry['verdict']:12} requests {entry.get('requests', 0):5}")
    for name in report["apis"]:
        elapsed, one = run_suites(f"--sessionapi-api={name}")
        print(f"  {name:14} alone: {elapsed:6.2f} s wall, {one['apis'][name].get('requests', 0)} requests")

    if not args.quick:
        print("\n== pytest suites against each reference served over loopback HTTP")
        sys.path.insert(0, str(REPO / "src"))
        from pytest_sessionapi.registry import all_apis
        from pytest_sessionapi.serving import loopback_table, serving, toml_table

        for name, api in all_apis().items():
            with serving(api.reference.create_app()) as base_url, tempfile.TemporaryDirectory() as d:
                config = Path(d, "targets.toml")
                config.write_text(toml_table(name, loopback_table(api, base_url)))
                elapsed, one = run_suites(f"--sessionapi-config={config}", env=api.reference.EMBEDDED_ENV)
                print(f"  {name:14} {elapsed:6.2f} s wall, {one['apis'][name].get('requests', 0)} requests")

    print("\n== raw request throughput (Control Center sessionInfo, 500 requests)")
    for where, rate in throughput(500).items():
        print(f"  {where:26} {rate:8.0f} req/s")


if __name__ == "__main__":
    main()
