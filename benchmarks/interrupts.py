"""Ctrl-C under pytest-xdist, measured: python benchmarks/interrupts.py [--runs 20] [-n 2]

Serves the three references over loopback HTTP, starts ``pytest suites -n 2`` against them in a
process group of its own, sends SIGINT to the whole group (what a terminal's Ctrl-C does) after a
random delay, and checks for each run: the exit status is 2, conformance.json is written within
5 s of the signal with ``exit_status`` 2 and no API ``conformant``, and no session the suites
opened is left open on the references. Prints one line per run and the totals.

Figures, not assertions: the project's tests send a few real signals; this measures many.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import ExitStack
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
EXTRA = os.environ.get("SESSIONAPI_BENCH_EXTRA", "").split()
"""More pytest arguments for every run (e.g. ``-p some_tracing_plugin``)."""
sys.path.insert(0, str(REPO))


def serve_references(stack: ExitStack, apis: list[str] | None = None) -> tuple[str, dict[str, object]]:
    from pytest_sessionapi.registry import all_apis
    from pytest_sessionapi.serving import loopback_table, serving, toml_table

    tables, apps = [], {}
    for name, api in all_apis().items():
        if apis and name not in apis:
            continue
        app = api.reference.create_app(None)
        url = stack.enter_context(serving(app))
        tables.append(toml_table(name, loopback_table(api, url)))
        apps[name] = app
        for variable, value in api.reference.EMBEDDED_ENV.items():
            os.environ[variable] = value
    return "\n".join(tables), apps


def leftovers(apps: dict[str, object], settle_s: float = 0.0) -> list[str]:
    """Sessions open on the references (waiting up to ``settle_s`` for a release in flight)."""
    ends = time.monotonic() + settle_s
    while True:
        found = []
        for name, app in apps.items():
            live = getattr(app.state.reference, "live_sessions", None)  # type: ignore[attr-defined]
            if live is not None:
                found += [f"{name}:{session}" for session in live()]
        if not found or time.monotonic() >= ends:
            return found
        time.sleep(0.1)


def interrupt_once(config: Path, workers: str, delay: float, folder: Path) -> dict[str, object]:
    report = folder / "conformance.json"
    report.unlink(missing_ok=True)
    command = [
        sys.executable, "-m", "pytest", str(REPO / "suites"), "-n", workers, "-p", "no:cacheprovider", *EXTRA,
        f"--sessionapi-config={config}", f"--sessionapi-report-dir={folder}", "-q",
    ]
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    process = subprocess.Popen(
        command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
        env=env,
    )
    chunks: list[bytes] = []

    def read() -> None:
        assert process.stdout is not None
        for chunk in iter(lambda: process.stdout.read1(4096), b""):  # type: ignore[union-attr]
            chunks.append(chunk)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    # The delay counts from the first test result: a signal during start-up (imports,
    # collection) is pytest's own business, not the run's report.
    started = time.monotonic()
    while not re.search(rb"\n[.sFEx]", b"".join(chunks)) and time.monotonic() - started < 120:
        if process.poll() is not None:
            break
        time.sleep(0.02)
    time.sleep(delay)
    signalled = time.monotonic()
    os.killpg(process.pid, signal.SIGINT)
    written = None
    while process.poll() is None and time.monotonic() - signalled < 60:
        if written is None and report.is_file():
            written = time.monotonic() - signalled
        time.sleep(0.02)
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    exited = time.monotonic() - signalled
    if written is None and report.is_file():
        written = exited
    reader.join(timeout=5)
    output = b"".join(chunks).decode(errors="replace")
    document = json.loads(report.read_text()) if report.is_file() else None
    return {
        "returncode": process.returncode,
        "report_after_s": written,
        "exited_after_s": exited,
        "exit_status": document.get("exit_status") if document else None,
        "verdicts": {k: v["verdict"] for k, v in document["apis"].items()} if document else None,
        "traceback": "Traceback" in output,
        "output_tail": output[-1500:],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("-n", dest="workers", default="2")
    parser.add_argument("--min-delay", type=float, default=0.0)
    parser.add_argument("--max-delay", type=float, default=4.0)
    parser.add_argument("--seed", type=int, default=19)
    parser.add_argument("--verbose", action="store_true")
    parser.add_argument("--apis", default="", help="comma-separated; default: all three")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    good = 0
    written: list[float] = []
    with ExitStack() as stack, tempfile.TemporaryDirectory() as tmp:
        tables, apps = serve_references(stack, [a for a in args.apis.split(",") if a])
        config = Path(tmp) / "targets.toml"
        config.write_text(tables)
        for number in range(1, args.runs + 1):
            delay = rng.uniform(args.min_delay, args.max_delay)
            result = interrupt_once(config, args.workers, delay, Path(tmp) / "reports")
            left = leftovers(apps, settle_s=1.0)
            ok = (
                result["returncode"] == 2
                and result["report_after_s"] is not None and result["report_after_s"] <= 5
                and result["exit_status"] == 2
                and "conformant" not in (result["verdicts"] or {}).values()
                and not left and not result["traceback"]
            )
            good += ok
            after = result["report_after_s"]
            if after is not None:
                written.append(after)
            print(
                f"run {number:2}: signal after {delay:.1f} s -> exit {result['returncode']}, report "
                f"{'none' if after is None else f'{after:.2f} s'} after the signal, exit_status "
                f"{result['exit_status']}, verdicts {result['verdicts']}, sessions left open {left}"
                f"{'' if ok else '  <-- NOT OK'}",
                flush=True,
            )
            if not ok and args.verbose:
                print(result["output_tail"])
    print(f"{good} of {args.runs} interrupted runs wrote an incomplete report within 5 s, exited 2 "
          f"and left no session open")
    if written:
        written.sort()
        print(f"report written after the signal: median {written[len(written) // 2]:.2f} s, "
              f"max {written[-1]:.2f} s ({len(written)} of {args.runs} runs wrote one)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
