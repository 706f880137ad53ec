"""docs/vendor-coverage.md maps every statement of the vendor pages to the requirements that judge
it, or to why it cannot be judged from outside; the map and the catalogues must agree."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pytest_sessionapi.registry import all_apis
from pytest_sessionapi.requirements import find_requirement, load_catalogue

COVERAGE = Path(__file__).resolve().parents[1] / "docs" / "vendor-coverage.md"
_ROW = re.compile(r"^\|\s*[UCB]\d+\s*\|")
_ID = re.compile(r"`([A-Z][A-Z0-9]*(?:-[A-Z0-9]+)+)`")
_SUMMARY = re.compile(r"(\d+) statements: (\d+) judged by requirements, (\d+) not")


def _rows() -> list[dict[str, str]]:
    rows = []
    for line in COVERAGE.read_text("utf-8").splitlines():
        if _ROW.match(line):
            cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
            assert len(cells) == 4, f"a statement row has four columns: {line}"
            rows.append(dict(zip(("row", "statement", "ids", "notes"), cells, strict=True)))
    assert rows, f"no statement rows in {COVERAGE}"
    return rows


def test_every_row_names_existing_requirements_or_a_reason():
    problems = []
    seen = set()
    for row in _rows():
        if row["row"] in seen:
            problems.append(f"{row['row']}: listed twice")
        seen.add(row["row"])
        ids = _ID.findall(row["ids"])
        if not ids:
            if row["ids"] != "—" or len(row["notes"]) < 20:
                problems.append(f"{row['row']}: no requirement and no recorded reason")
            continue
        for requirement_id in ids:
            try:
                find_requirement(requirement_id)
            except KeyError:
                problems.append(f"{row['row']}: unknown requirement {requirement_id}")
    assert not problems, problems


@pytest.mark.parametrize("api", list(all_apis()))
def test_every_requirement_answers_to_a_vendor_statement(api):
    listed = {requirement_id for row in _rows() for requirement_id in _ID.findall(row["ids"])}
    missing = [r.id for r in load_catalogue(api) if r.id not in listed]
    assert not missing, f"requirements no statement of docs/vendor-coverage.md leads to: {missing}"


def test_the_summary_counts_the_rows():
    rows = _rows()
    judged = sum(1 for row in rows if _ID.findall(row["ids"]))
    match = _SUMMARY.search(COVERAGE.read_text("utf-8"))
    assert match, "docs/vendor-coverage.md states no summary line"
    assert tuple(int(n) for n in match.groups()) == (len(rows), judged, len(rows) - judged)


# Every requirement is declared by at least one suite test: tests/test_requirements.py
# (test_every_requirement_is_checked_by_a_suite_test) collects the suites and checks it.
