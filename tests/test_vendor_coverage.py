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


_GROUP = re.compile(r"^- (The three pages the project implements|Other vendor pages the flows depend on)\b.*?: "
                    r"(\d+) statements, (\d+) judged by requirements, (\d+) not\.$")
_SECTION = re.compile(r"^(The page itself|Other vendor pages)\b(.*?): (\d+) statements, (\d+) judged by requirements, "
                      r"(\d+) not\.$")
_STORED = re.compile(r"stored as `(tests/vendor_pages/[^`]+)`")


def _sections() -> list[tuple[str, str, tuple[int, int, int], list[str]]]:
    """(kind: page | other, the count line, its three numbers, the rows below it) of every
    statement table; a row above the first count line is an error."""
    sections: list[tuple[str, str, tuple[int, int, int], list[str]]] = []
    for line in COVERAGE.read_text("utf-8").splitlines():
        if match := _SECTION.match(line):
            kind = "page" if match.group(1) == "The page itself" else "other"
            sections.append((kind, line, tuple(int(n) for n in match.groups()[2:]), []))
        elif _ROW.match(line):
            assert sections, f"a statement row before any 'The page itself' or 'Other vendor pages' count: {line}"
            sections[-1][3].append(line)
    return sections


def _judged(row: str) -> bool:
    return bool(_ID.findall(row.strip().strip("|").split("|")[2]))


def test_each_section_counts_its_own_rows():
    """The statements of the page each API implements are counted apart from those of the other
    vendor pages its flow depends on, so that coverage of the page itself is not overstated."""
    problems = []
    for _, line, counted, rows in _sections():
        judged = sum(_judged(row) for row in rows)
        if counted != (len(rows), judged, len(rows) - judged):
            problems.append(f"{line!r}: the rows below it make {len(rows)} statements, {judged} judged")
    assert not problems, problems


def test_each_api_names_its_own_page_and_the_page_is_stored():
    pages = [(line, _STORED.search(line)) for kind, line, _, _ in _sections() if kind == "page"]
    assert len(pages) == len(all_apis()), "one 'The page itself' section per API"
    root = COVERAGE.parents[1]
    for line, stored in pages:
        assert stored and (root / stored.group(1)).is_file(), f"{line!r} names no stored copy of the page"


def test_the_three_pages_and_the_other_pages_are_summed_apart():
    totals = {"page": [0, 0, 0], "other": [0, 0, 0]}
    for kind, _, counted, _ in _sections():
        totals[kind] = [a + b for a, b in zip(totals[kind], counted, strict=True)]
    stated = {}
    for line in COVERAGE.read_text("utf-8").splitlines():
        if match := _GROUP.match(line):
            kind = "page" if match.group(1).startswith("The three pages") else "other"
            stated[kind] = [int(n) for n in match.groups()[1:]]
    assert stated == totals


# Every requirement is declared by at least one suite test: tests/test_requirements.py
# (test_every_requirement_is_checked_by_a_suite_test) collects the suites and checks it.
