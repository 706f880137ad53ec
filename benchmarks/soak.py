"""Soak: the suites against the served references for N minutes, with faults injected at the
transport. Run: nice python benchmarks/soak.py [--minutes 30] [--apis biot,umts,controlcenter]

Each run is ``pytest suites`` in this process (so a leak would show in its memory), against the
three references served over loopback HTTP. Below the suite's own transport, each request meets,
with the probabilities given, a connection reset, a slow answer (longer than ``timeout_s``), a
burst of 429 answers (``Retry-After: 0``) or a 503. Prints per run the verdicts, the exit status,
the wall time and the sessions left open on the references, and RSS at the start and the end.

The goal: every run ends by itself, no session is ever left open, memory stays flat.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import threading
import time
from contextlib import ExitStack
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


class Faults:
    """Decides, request by request, what the network does to it."""

    def __init__(self, rng: random.Random, reset: float, slow: float, burst: float, error: float,
                 slow_s: float) -> None:
        self.rng = rng
        self.reset, self.slow, self.burst, self.error = reset, slow, burst, error
        self.slow_s = slow_s
        self.burst_left = 0
        self.lock = threading.Lock()
        self.counts = {"reset": 0, "slow": 0, "429": 0, "503": 0, "clean": 0}

    def draw(self) -> str:
        with self.lock:
            if self.burst_left:
                self.burst_left -= 1
                kind = "429"
            else:
                roll = self.rng.random()
                kind = "clean"
                for name, chance in (("reset", self.reset), ("slow", self.slow), ("429", self.burst),
                                     ("503", self.error)):
                    if roll < chance:
                        kind = name
                        break
                    roll -= chance
                if kind == "429":
                    self.burst_left = self.rng.randint(1, 6)  # a burst, not one answer
            self.counts[kind] += 1
            return kind


def install(faults: Faults) -> None:
    import httpx

    original = httpx.HTTPTransport.handle_request

    def handle_request(self: httpx.HTTPTransport, request: httpx.Request) -> httpx.Response:
        kind = faults.draw()
        if kind == "reset":
            raise httpx.ReadError("[Errno 104] Connection reset by peer (injected)", request=request)
        if kind == "slow":
            deadline = request.extensions.get("timeout", {})
            left = deadline.get("read", faults.slow_s) if hasattr(deadline, "get") else faults.slow_s
            time.sleep(min(faults.slow_s, left))
            raise httpx.ReadTimeout("injected slow answer", request=request)
        if kind == "429":
            return httpx.Response(429, headers={"Retry-After": "0", "Content-Type": "application/json"},
                                  content=b"{}", request=request)
        if kind == "503":
            return httpx.Response(503, headers={"Content-Type": "text/plain"}, content=b"busy",
                                  request=request)
        return original(self, request)

    httpx.HTTPTransport.handle_request = handle_request  # type: ignore[method-assign]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--apis", default="biot,umts,controlcenter")
    parser.add_argument("--reset", type=float, default=0.01)
    parser.add_argument("--slow", type=float, default=0.01)
    parser.add_argument("--burst", type=float, default=0.01)
    parser.add_argument("--error", type=float, default=0.01)
    parser.add_argument("--timeout-s", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=19)
    args = parser.parse_args()

    import json

    import pytest

    import pytest_sessionapi.hypothesis_profiles  # noqa: F401 - loaded once, as pytest would
    from pytest_sessionapi.registry import all_apis
    from pytest_sessionapi.serving import loopback_table, serving, toml_table

    wanted = [a for a in args.apis.split(",") if a]
    faults = Faults(random.Random(args.seed), args.reset, args.slow, args.burst, args.error,
                    args.timeout_s * 1.5)
    with ExitStack() as stack, tempfile.TemporaryDirectory() as tmp:
        apps, tables = {}, []
        for name in wanted:
            api = all_apis()[name]
            app = api.reference.create_app(None)
            url = stack.enter_context(serving(app))
            apps[name] = app
            tables.append(toml_table(name, {**loopback_table(api, url), "timeout_s": args.timeout_s}))
            os.environ.update(api.reference.EMBEDDED_ENV)
        config = Path(tmp) / "targets.toml"
        config.write_text("\n".join(tables))
        install(faults)
        start_rss = rss_mb()
        print(f"RSS at the start: {start_rss:.0f} MB; faults per request: reset {args.reset}, slow "
              f"{args.slow}, 429 burst {args.burst}, 503 {args.error}; timeout_s {args.timeout_s}",
              flush=True)
        ends = time.monotonic() + args.minutes * 60
        runs, left_total, verdicts_seen = 0, 0, {}
        longest = 0.0
        while time.monotonic() < ends:
            runs += 1
            started = time.monotonic()
            report_dir = Path(tmp) / "reports"
            status = pytest.main([
                str(REPO / "suites"), f"--sessionapi-config={config}", f"--sessionapi-report-dir={report_dir}",
                f"--sessionapi-api={','.join(wanted)}", "-p", "no:cacheprovider", "-q", "--no-header",
                "-p", "no:warnings", "--tb=no", "--no-summary",
            ])
            took = time.monotonic() - started
            longest = max(longest, took)
            report = json.loads((report_dir / "conformance.json").read_text())
            verdicts = {name: entry["verdict"] for name, entry in report["apis"].items() if name in wanted}
            for verdict in verdicts.values():
                verdicts_seen[verdict] = verdicts_seen.get(verdict, 0) + 1
            left = [f"{name}:{s}" for name, app in apps.items() for s in app.state.reference.live_sessions()]
            left_total += len(left)
            print(f"run {runs:3}: exit {int(status)}, {took:5.1f} s, {verdicts}, sessions left open "
                  f"{left}, RSS {rss_mb():.0f} MB", flush=True)
        print(f"{runs} runs in {args.minutes:g} min (longest {longest:.0f} s); verdicts {verdicts_seen}; "
              f"sessions left open {left_total}; RSS start {start_rss:.0f} MB, end {rss_mb():.0f} MB; "
              f"faults injected {faults.counts}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
