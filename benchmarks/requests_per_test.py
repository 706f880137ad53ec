"""How many requests each test of an API's suite sends, by operation, against the embedded
reference (or one of its variants). Run:

    python benchmarks/requests_per_test.py [--api biot] [--variant NAME] [--top 20]

Issue 22 asks the suites to lose every request that judges nothing new; this shows where the
requests go (a create and a clean-up per Hypothesis example, say). Every request of the run's
clients is counted where the transport logs it (``transport.ExchangeLog``), under the test that
was running, preflight and clean-up included. Figures, not assertions.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

COLUMNS = 4
"""Operations shown in columns of their own."""

IDS = re.compile(r"/[0-9a-fA-F-]{16,}(?=/|$)")
"""Session and device ids in a path, so that one operation reads as one line."""


class CountRequests:
    """A pytest plugin: every exchange of the run's clients, under the test that sent it."""

    def __init__(self) -> None:
        self.current = "(before the first test)"
        self.counts: dict[str, Counter[str]] = {}
        self._original = None

    def pytest_configure(self, config) -> None:
        from pytest_sessionapi import transport

        original = self._original = transport.ExchangeLog.handle_request
        plugin = self

        def counted(log, request):
            operation = f"{request.method} {IDS.sub('/{id}', request.url.path)}"
            plugin.counts.setdefault(plugin.current, Counter())[operation] += 1
            return original(log, request)

        transport.ExchangeLog.handle_request = counted

    def pytest_unconfigure(self, config) -> None:
        from pytest_sessionapi import transport

        if self._original is not None:
            transport.ExchangeLog.handle_request = self._original

    def pytest_runtest_logstart(self, nodeid, location) -> None:
        self.current = nodeid.split("::", 1)[-1]

    def pytest_runtest_logfinish(self, nodeid, location) -> None:
        self.current = "(between tests)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--api", default="biot")
    parser.add_argument("--variant", help="one of the reference's variants (default: the reference)")
    parser.add_argument("--top", type=int, default=20, help="tests shown, most requests first")
    args = parser.parse_args()
    import pytest

    plugin = CountRequests()
    with tempfile.TemporaryDirectory() as reports:
        options = [
            str(REPO / "suites" / args.api), f"--sessionapi-api={args.api}", "-q", "-p",
            "no:cacheprovider", f"--sessionapi-report-dir={reports}",
        ]
        if args.variant:
            options.append(f"--sessionapi-reference-variant={args.api}:{args.variant}")
        code = pytest.main(options, plugins=[plugin])
    total: Counter[str] = Counter()
    for counted in plugin.counts.values():
        total.update(counted)
    # A column for each of the operations that carry most requests, the rest in one.
    columns = [operation for operation, _ in total.most_common(COLUMNS)]

    def cells(counted: Counter[str]) -> str:
        other = sum(counted.values()) - sum(counted.get(o, 0) for o in columns)
        return "".join(f"{counted.get(o, 0):>10}" for o in columns) + f"{other:>10}"

    print(f"\n{args.api}{' ' + args.variant if args.variant else ''}: {sum(total.values())} requests "
          f"in {len(plugin.counts)} tests (exit {code})")
    for number, operation in enumerate(columns, 1):
        print(f"  ({number}) {operation}")
    header = "".join(f"{f'({n})':>10}" for n in range(1, len(columns) + 1)) + f"{'other':>10}"
    print(f"{'requests':>8}{header}  test")
    ranked = sorted(plugin.counts.items(), key=lambda item: -sum(item[1].values()))
    for test, counted in ranked[: args.top]:
        print(f"{sum(counted.values()):>8}{cells(counted)}  {test[:70]}")
    print(f"{sum(total.values()):>8}{cells(total)}  (all)")


if __name__ == "__main__":
    main()
