"""Per-requirement statuses of every suite against the reference and every variant, to show that a
refactoring changed no verdict. Run:

    python benchmarks/variant_statuses.py --out before.json      # on the old commit
    python benchmarks/variant_statuses.py --out after.json       # on the new one
    python benchmarks/variant_statuses.py --compare before.json after.json

Each run is ``pytest suites/<api>`` in-process against the embedded reference (the default) or
one of its variants; a fault against a SHOULD runs in the strict profile too, as the self-test
does. What is kept per run: the exit status, the API's verdict and every requirement's status.
Prints how many runs there were and, with ``--compare``, every difference (none is the goal) and
the most requests any run of each API sent. ``--api NAME`` limits the runs to one API.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _runs(only: str | None = None) -> list[tuple[str, str | None, bool]]:
    sys.path.insert(0, str(REPO / "src"))
    from pytest_sessionapi.registry import all_apis
    from pytest_sessionapi.requirements import find_requirement

    runs: list[tuple[str, str | None, bool]] = []
    for api in all_apis().values():
        if only is not None and api.name != only:
            continue
        runs.append((api.name, None, False))
        for variant in api.reference.VARIANTS.values():
            runs.append((api.name, variant.name, False))
            if variant.kind == "fault" and find_requirement(variant.requirement).level == "SHOULD":
                runs.append((api.name, variant.name, True))
    return runs


def _run(api: str, variant: str | None, strict: bool) -> tuple[str, dict]:
    key = f"{api}:{variant or '(reference)'}{' strict' if strict else ''}"
    with tempfile.TemporaryDirectory() as reports:
        args = [
            sys.executable, "-m", "pytest", f"suites/{api}", f"--sessionapi-api={api}", "-q",
            "-p", "no:cacheprovider", f"--sessionapi-report-dir={reports}",
        ]
        if variant:
            args.append(f"--sessionapi-reference-variant={api}:{variant}")
        if strict:
            args.append("--sessionapi-strict")
        env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_XDIST")}
        proc = subprocess.run(args, cwd=REPO, capture_output=True, text=True, env=env)
        report_path = Path(reports, "conformance.json")
        if not report_path.exists():
            return key, {"exit": proc.returncode, "verdict": None, "statuses": {}, "error": proc.stdout[-2000:]}
        report = json.loads(report_path.read_text())
    entry = report["apis"][api]
    return key, {
        "exit": proc.returncode,
        "verdict": entry["verdict"],
        "statuses": {r["id"]: r["status"] for r in entry["requirements"]},
        "requests": entry.get("requests"),
    }


def collect(jobs: int, only: str | None = None) -> dict[str, dict]:
    with ThreadPoolExecutor(jobs) as pool:
        return dict(sorted(pool.map(lambda run: _run(*run), _runs(only))))


def compare(before: dict[str, dict], after: dict[str, dict]) -> int:
    differences = 0
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key), after.get(key)
        if old is None or new is None:
            print(f"{key}: only {'after' if old is None else 'before'}")
            differences += 1
            continue
        for field in ("exit", "verdict"):
            if old[field] != new[field]:
                print(f"{key}: {field} {old[field]} -> {new[field]}")
                differences += 1
        for rid in sorted(set(old["statuses"]) | set(new["statuses"])):
            a, b = old["statuses"].get(rid, "(absent)"), new["statuses"].get(rid, "(absent)")
            if a != b:
                print(f"{key}: {rid} {a} -> {b}")
                differences += 1
    print(f"{len(after)} runs compared, {differences} differences")
    # Requests are a cost, not a verdict: shown, never counted as a difference.
    for name, record in (("before", before), ("after", after)):
        most: dict[str, int] = {}
        for key, run in record.items():
            if run.get("requests") is not None:
                api = key.split(":", 1)[0]
                most[api] = max(most.get(api, 0), run["requests"])
        if most:
            print(f"most requests in one run, {name}: {dict(sorted(most.items()))}")
    return differences


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--api", help="only this API's runs")
    parser.add_argument("--compare", nargs=2, type=Path, metavar=("BEFORE", "AFTER"))
    args = parser.parse_args()
    if args.compare:
        before, after = (json.loads(path.read_text()) for path in args.compare)
        raise SystemExit(1 if compare(before, after) else 0)
    results = collect(args.jobs, args.api)
    counts: dict[str, int] = {}
    for result in results.values():
        for status in result["statuses"].values():
            counts[status] = counts.get(status, 0) + 1
    print(f"{len(results)} runs; requirement statuses: {dict(sorted(counts.items()))}")
    if args.out:
        args.out.write_text(json.dumps(results, indent=1, sort_keys=True) + "\n")
        print(f"written to {args.out}")


if __name__ == "__main__":
    main()
