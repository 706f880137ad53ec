"""Kill rate, by requirement, of each API's suite on its catalogue of hand-written faults.

Run: python benchmarks/faults.py [--api NAME] [--repo DIR] [--only ID[,ID]] [--json FILE] [--check]

A fault (``benchmarks/faults/<api>.toml``, format in the file's header) is a bug a real
implementation would ship, written from the vendor pages, as one exact text replacement in a file
of the API's reference implementation. For each fault the script copies DIR's ``src/``,
``suites/`` and pytest configuration to a temporary folder, applies the fault to the copy, runs
``pytest suites/<api> --sessionapi-api=<api>`` in the DEFAULT profile (what a vendor runs: not
strict, not stopping at the first failure) and reads ``conformance.json``. A fault is

- *killed by requirement* when the requirement it names has status ``fail``: the suite caught it
  and filed it where it belongs (a SHOULD counts, although a default run exits 0 on it);
- *killed elsewhere* when the run failed (any non-zero exit) but not that requirement;
- *survived* when neither (a run that exits 0 with an ``incomplete`` verdict says so);
- *timeout* past five times the unchanged reference's run time.

Every requirement that failed besides the fault's own and the knock-on ones it declares
(``also``) is printed as *imprecise*: one defect reported under an ID that is not its own.
Then per API: the kill rate by requirement (the figure of issue 18) beside the rate of runs that
failed at all.

``--repo`` (default: the checkout holding this script) names the checkout whose catalogue,
reference and suites are measured, so a helper can run this script on its own worktree. A fault
that cannot be applied (its ``find`` does not occur exactly once, an unknown file or requirement)
is a one-line error, and nothing runs (exit 2). ``--check`` stops there: it runs no suite.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
import tomllib
from dataclasses import asdict, dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # benchmarks/suite_runs.py, also when loaded by path
import suite_runs  # noqa: E402
from suite_runs import APIS, REPO  # noqa: E402

FAULTS_DIR = Path("benchmarks") / "faults"
REQUIRED_KEYS = ("id", "requirement", "statement", "page", "file", "find", "replace")
ID_SHAPE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


class CatalogueError(Exception):
    """A catalogue or fault that cannot be applied: its message is one line naming the fault."""


@dataclass
class Fault:
    api: str
    id: str
    requirement: str
    statement: str
    page: str
    file: str
    find: str
    replace: str
    also: list[str] = field(default_factory=list)
    outcome: str | None = None
    """killed-by-requirement | killed-elsewhere | survived | timeout"""
    exit_status: int | None = None
    verdict: str | None = None
    failed: list[str] = field(default_factory=list)
    imprecise: list[str] = field(default_factory=list)
    seconds: float | None = None


def load_catalogue(path: Path, api: str) -> list[Fault]:
    """The faults of one catalogue file, checked for shape (not yet against the source)."""
    try:
        data = tomllib.loads(path.read_text())
    except OSError as exc:
        raise CatalogueError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise CatalogueError(f"{path}: not valid TOML: {exc}") from None
    unknown = set(data) - {"fault"}
    if unknown:
        raise CatalogueError(f"{path}: unknown top-level key(s) {sorted(unknown)}; faults are [[fault]] tables")
    faults: list[Fault] = []
    seen: set[str] = set()
    for number, entry in enumerate(data.get("fault", []), 1):
        name = entry.get("id", f"#{number}")
        missing = [key for key in REQUIRED_KEYS if not isinstance(entry.get(key), str) or not entry[key]]
        if missing:
            raise CatalogueError(f"{path}: fault {name}: missing or empty {', '.join(missing)}")
        extra = set(entry) - set(REQUIRED_KEYS) - {"also"}
        if extra:
            raise CatalogueError(f"{path}: fault {name}: unknown key(s) {sorted(extra)}")
        also = entry.get("also", [])
        if not isinstance(also, list) or not all(isinstance(rid, str) for rid in also):
            raise CatalogueError(f"{path}: fault {name}: 'also' must be a list of requirement IDs")
        if not ID_SHAPE.fullmatch(name):
            raise CatalogueError(f"{path}: fault id {name!r} is not kebab-case")
        if name in seen:
            raise CatalogueError(f"{path}: fault id {name!r} appears twice")
        seen.add(name)
        if entry["find"] == entry["replace"]:
            raise CatalogueError(f"{path}: fault {name}: replace is the same text as find")
        faults.append(Fault(api=api, also=list(also), **{key: entry[key] for key in REQUIRED_KEYS}))
    return faults


def faulty_source(fault: Fault, folder: Path) -> tuple[Path, str, str]:
    """(file, its text, its text with the fault applied) in the API folder ``folder``."""
    target = (folder / fault.file).resolve()
    if not target.is_relative_to(folder.resolve()) or not target.is_file():
        raise CatalogueError(f"fault {fault.id}: no file {fault.file} in {folder}")
    text = target.read_text()
    count = text.count(fault.find)
    if count != 1:
        where = "does not occur" if count == 0 else f"occurs {count} times"
        first = fault.find.strip().splitlines()[0] if fault.find.strip() else repr(fault.find)
        raise CatalogueError(f"fault {fault.id}: find {where} in {fault.file} (must be exactly once): {first[:80]!r}")
    return target, text, text.replace(fault.find, fault.replace, 1)


def requirement_ids(folder: Path) -> set[str]:
    catalogue = tomllib.loads((folder / "requirements.toml").read_text())
    return {requirement["id"] for requirement in catalogue.get("requirement", [])}


def check(faults: list[Fault], folder: Path) -> list[str]:
    """One line per fault that cannot be applied or names an unknown requirement."""
    known = requirement_ids(folder)
    problems: list[str] = []
    for fault in faults:
        try:
            faulty_source(fault, folder)
        except CatalogueError as exc:
            problems.append(str(exc))
        unknown = [rid for rid in [fault.requirement, *fault.also] if rid not in known]
        if unknown:
            problems.append(f"fault {fault.id}: unknown requirement ID(s) {', '.join(unknown)} "
                            f"(not in {fault.api}/requirements.toml)")
    return problems


def classify(fault: Fault, run: suite_runs.SuiteRun) -> None:
    """Fill in ``fault``'s outcome from the run with the fault applied."""
    fault.exit_status, fault.verdict, fault.seconds = run.status, run.verdict, run.seconds
    fault.failed = run.failed
    fault.imprecise = [rid for rid in run.failed if rid not in {fault.requirement, *fault.also}]
    if run.timed_out:
        fault.outcome = "timeout"
    elif run.statuses.get(fault.requirement) == "fail":
        fault.outcome = "killed-by-requirement"
    elif run.status != 0:
        fault.outcome = "killed-elsewhere"
    else:
        fault.outcome = "survived"


def measure(api: str, faults: list[Fault], root: Path) -> dict:
    folder = suite_runs.api_folder(root, api)
    baseline = suite_runs.run_suite(root, api, timeout=600, strict=False, stop_first=False)
    if baseline.status != 0 or baseline.failed:
        raise SystemExit(f"{api}: the suite does not pass against the unchanged reference "
                         f"(exit {baseline.status}, failed {baseline.failed}): nothing to measure")
    timeout = max(60.0, 5 * baseline.seconds)
    print(f"{api}: {len(faults)} fault(s) (baseline {baseline.seconds:.1f} s, time limit {timeout:.0f} s)",
          file=sys.stderr)
    for number, fault in enumerate(faults, 1):
        target, pristine, faulty = faulty_source(fault, folder)
        target.write_text(faulty)
        try:
            classify(fault, suite_runs.run_suite(root, api, timeout, strict=False, stop_first=False))
        finally:
            target.write_text(pristine)
        print(f"  [{number}/{len(faults)}] {fault.outcome:21} {fault.id}", file=sys.stderr)
    return summary(api, faults)


def summary(api: str, faults: list[Fault]) -> dict:
    count = len(faults)
    by_requirement = sum(f.outcome == "killed-by-requirement" for f in faults)
    failed_at_all = sum(f.outcome == "timeout" or (f.exit_status or 0) != 0 for f in faults)
    return {
        "api": api,
        "faults": count,
        "killed_by_requirement": by_requirement,
        "killed_elsewhere": sum(f.outcome == "killed-elsewhere" for f in faults),
        "survived": sum(f.outcome == "survived" for f in faults),
        "timeouts": sum(f.outcome == "timeout" for f in faults),
        "imprecise": sum(bool(f.imprecise) for f in faults),
        "rate_by_requirement": by_requirement / count if count else None,
        "rate_run_failed": failed_at_all / count if count else None,
        "results": [asdict(f) for f in faults],
    }


def _percent(rate: float | None) -> str:
    return "-" if rate is None else f"{100 * rate:.0f}%"


def print_figures(results: list[dict]) -> None:
    labels = {"killed-by-requirement": "killed by requirement", "killed-elsewhere": "killed elsewhere",
              "survived": "SURVIVED", "timeout": "timeout"}
    for r in results:
        print(f"-- {r['api']}: {r['faults']} hand-written fault(s)")
        for f in r["results"]:
            line = f"  {labels[f['outcome']]:21} {f['id']} ({f['requirement']})"
            if f["outcome"] == "killed-elsewhere":
                line += f": exit {f['exit_status']}, failed {', '.join(f['failed']) or 'no requirement'}"
            elif f["outcome"] == "survived" and f["verdict"] not in (None, "conformant"):
                line += f": exit 0, verdict {f['verdict']}"
            print(line)
            if f["imprecise"] and f["outcome"] != "killed-elsewhere":
                print(f"      imprecise: also failed {', '.join(f['imprecise'])} (not in requirement + also)")
            elif f["imprecise"]:
                print("      imprecise: none of these is in requirement + also")
    print("\n== hand-written faults, default profile")
    print(f"{'api':14} {'faults':>6} {'by requirement':>14} {'elsewhere':>9} {'survived':>8} {'timeout':>7} "
          f"{'imprecise':>9} {'kill rate by requirement':>24} {'run failed':>10}")
    for r in results:
        print(f"{r['api']:14} {r['faults']:6} {r['killed_by_requirement']:14} {r['killed_elsewhere']:9} "
              f"{r['survived']:8} {r['timeouts']:7} {r['imprecise']:9} {_percent(r['rate_by_requirement']):>24} "
              f"{_percent(r['rate_run_failed']):>10}")
    print("kill rate by requirement = faults whose own requirement has status fail / faults; run failed = "
          "faults whose run exited non-zero (or timed out) / faults. A fault against a SHOULD can be killed by "
          "requirement with exit 0: a default run reports a failed SHOULD without failing")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--api", action="append", choices=APIS, help="one API (repeatable; default: all)")
    parser.add_argument("--repo", type=Path, default=REPO,
                        help="the checkout to measure: its catalogue, reference and suites (default: this one)")
    parser.add_argument("--only", help="comma-separated fault IDs (of the APIs chosen)")
    parser.add_argument("--json", type=Path, help="also write every fault's outcome here")
    parser.add_argument("--check", action="store_true",
                        help="only check that every fault applies (exactly one find, known IDs); run nothing")
    args = parser.parse_args(argv)
    repo = args.repo.resolve()
    if not (repo / "src" / "pytest_sessionapi").is_dir() or not (repo / "suites").is_dir():
        print(f"faults.py: {repo} is not a pytest-sessionapi checkout (no src/pytest_sessionapi or suites/)",
              file=sys.stderr)
        return 2
    only = {name.strip() for name in args.only.split(",") if name.strip()} if args.only else None
    catalogues: dict[str, list[Fault]] = {}
    problems: list[str] = []
    for api in args.api or list(APIS):
        path = repo / FAULTS_DIR / f"{api}.toml"
        if not path.exists():
            if args.api:
                problems.append(f"{path}: no catalogue for {api}")
            continue
        try:
            faults = load_catalogue(path, api)
        except CatalogueError as exc:
            problems.append(str(exc))
            continue
        if only is not None:
            faults = [f for f in faults if f.id in only]
        problems += [f"{api}: {line}" for line in check(faults, suite_runs.api_folder(repo, api))]
        if faults:
            catalogues[api] = faults
    if only is not None:
        found = {f.id for faults in catalogues.values() for f in faults}
        problems += [f"--only: no fault {name} in the catalogue(s) read" for name in sorted(only - found)]
    if problems:
        for line in problems:
            print(f"faults.py: {line}", file=sys.stderr)
        return 2
    if not catalogues:
        print(f"faults.py: no fault to run (no catalogue under {repo / FAULTS_DIR})", file=sys.stderr)
        return 2
    if args.check:
        for api, faults in catalogues.items():
            print(f"{api}: {len(faults)} fault(s), each applies")
        return 0

    suite_runs.be_nice()
    root = suite_runs.private_copy(repo, prefix="sessionapi-faults-")
    try:
        results = [measure(api, faults, root) for api, faults in catalogues.items()]
    finally:
        shutil.rmtree(root, ignore_errors=True)
    print_figures(results)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
