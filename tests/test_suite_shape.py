"""Every suite test reads like the vendor docs.

A suite test's first requirement ID (``@pytest.mark.sessionapi_requirement(POINT, *rules)``) is the test's own
point; the IDs after it are the rules every answer it gets is judged on. Its docstring quotes, in
single or double quotes, the vendor's words that point rests on: a passage of the requirement's
``quote`` or ``source``, or of the API's stored vendor pages (``tests/vendor_pages/``). A quote may
leave words out (``...``) and add a word of its own in brackets (``[dateSessionEnded]``).
"""

from __future__ import annotations

import importlib
import inspect
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from pytest_sessionapi.registry import all_apis
from pytest_sessionapi.requirements import load_catalogue
from tests.conftest import json_strings

REPO = Path(__file__).resolve().parents[1]
SUITES = REPO / "suites"
VENDOR_PAGES = Path(__file__).resolve().parent / "vendor_pages"
APIS = list(all_apis())

MIN_QUOTED_CHARS = 12
"""A quote must carry a sentence's worth of the vendor's words, not a lone field name or code."""

# An opening quote follows no letter and a closing one precedes none, so the apostrophes of
# "vendor's" or "doesn't" open and close nothing.
_QUOTED = re.compile(r"""(?<![\w])(["'])(.+?)\1(?![\w])""", re.DOTALL)
_INSERTION = re.compile(r"\[[^\]]*\]")
_OMISSION = re.compile(r"\.\.\.|\u2026")


def normalised(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def quoted_fragments(docstring: str) -> list[list[str]]:
    """Each quoted passage of ``docstring``, as the runs of vendor words it claims (insertions in
    brackets dropped, split at the omissions)."""
    passages = []
    for match in _QUOTED.finditer(docstring):
        text = _INSERTION.sub(" ", match.group(2))
        fragments = [normalised(part).strip(" .,;:") for part in _OMISSION.split(text)]
        fragments = [fragment for fragment in fragments if fragment]
        if fragments:
            passages.append(fragments)
    return passages


def _page_texts(path: Path) -> list[str]:
    """A stored page as a reader sees it; for a JSON document also its string values and the raw
    text with JSON escapes undone (the way the catalogue's quotes are checked)."""
    raw = path.read_text(encoding="utf-8")
    texts = [raw]
    if path.suffix == ".json":
        texts += [raw.replace('\\"', '"'), "\n".join(json_strings(json.loads(raw)))]
    return [normalised(text) for text in texts]


def vendor_words(api: str, requirement_id: str) -> list[str]:
    """Where a docstring of a test of ``requirement_id`` may take its quote from."""
    catalogue = load_catalogue(api)
    requirement = catalogue.requirements[requirement_id]
    texts = [normalised(requirement.source)]
    if requirement.quote:
        texts.append(normalised(requirement.quote))
    for document in catalogue.documents.values():
        if document.local_copy:
            texts += _page_texts(VENDOR_PAGES / document.local_copy)
    return texts


def quotes_vendor(docstring: str, texts: list[str]) -> bool:
    for fragments in quoted_fragments(docstring):
        if sum(len(f) for f in fragments) < MIN_QUOTED_CHARS:
            continue
        if all(any(fragment in text for text in texts) for fragment in fragments):
            return True
    return False


def suite_tests(api: str) -> Iterator[tuple[str, object]]:
    """``(test id, test function)`` for every test of ``suites/<api>``."""
    for path in sorted((SUITES / api).glob("test_*.py")):
        module = importlib.import_module(f"suites.{api}.{path.stem}")
        for name, value in vars(module).items():
            if name.startswith("test_") and inspect.isfunction(value):
                yield f"{path.name}::{name}", value
            elif name.startswith("Test") and inspect.isclass(value):
                for method_name, method in vars(value).items():
                    if method_name.startswith("test_") and inspect.isfunction(method):
                        yield f"{path.name}::{name}::{method_name}", method


def own_requirement(test) -> str:
    markers = [mark for mark in getattr(test, "pytestmark", []) if mark.name == "sessionapi_requirement"]
    assert len(markers) == 1, "one @pytest.mark.sessionapi_requirement per test, its own point first"
    assert markers[0].args, "@pytest.mark.sessionapi_requirement names no requirement"
    return str(markers[0].args[0])


# --- the rule, on every suite test --------------------------------------------------------------


@pytest.mark.parametrize("api", APIS)
def test_every_suite_test_quotes_the_vendor_words_of_its_own_requirement(api):
    catalogue = load_catalogue(api)
    problems = []
    tests = list(suite_tests(api))
    for test_id, test in tests:
        try:
            point = own_requirement(test)
        except AssertionError as exc:
            problems.append(f"{test_id}: {exc}")
            continue
        if point not in catalogue.requirements:
            problems.append(f"{test_id}: its first requirement {point} is not in the catalogue")
            continue
        docstring = inspect.getdoc(test) or ""
        if not quotes_vendor(docstring, vendor_words(api, point)):
            problems.append(
                f"{test_id}: the docstring quotes none of the vendor's words behind {point} "
                f"(quote: {catalogue.requirements[point].quote!r})"
            )
    assert tests, f"no test found under suites/{api}"
    assert not problems, "\n".join(problems)


# --- the rule's parts, each shown to fail -------------------------------------------------------


def test_a_quote_is_found_across_whitespace_omissions_and_insertions():
    texts = [normalised("For a device currently in a session,\n   this field is null.")]
    assert quotes_vendor("'For a device currently in a session, this field [dateSessionEnded] is null.'", texts)
    assert quotes_vendor('"For a device ... this field is null"', texts)


def test_words_of_ones_own_are_not_a_quote():
    texts = [normalised("For a device currently in a session, this field is null.")]
    assert not quotes_vendor("For a device currently in a session, this field is null.", texts)
    assert not quotes_vendor("'For a device currently in session, this field is null.'", texts)
    assert not quotes_vendor("'For a device ... this field is empty'", texts)


def test_a_lone_word_is_not_a_quote():
    assert not quotes_vendor("the state 'DONE' is final", [normalised("_state DONE is final")])


def test_apostrophes_inside_words_open_no_quote():
    assert quoted_fragments("the vendor's 'Stop a Session' page doesn't say") == [["Stop a Session"]]


def test_the_first_requirement_id_is_the_tests_own():
    @pytest.mark.sessionapi_requirement("X-POINT", "X-RULE")
    def test_example():
        pass

    @pytest.mark.sessionapi_requirement("X-RULE")
    @pytest.mark.sessionapi_requirement("X-POINT")
    def test_two_markers():
        pass

    assert own_requirement(test_example) == "X-POINT"
    with pytest.raises(AssertionError, match="one @pytest.mark.sessionapi_requirement per test"):
        own_requirement(test_two_markers)


def test_the_marker_help_states_the_convention(pytester):
    result = pytester.runpytest("--markers", "-p", "no:cacheprovider")
    result.stdout.fnmatch_lines(
        ["@pytest.mark.sessionapi_requirement(*ids): * the first is the test's own point, the one whose vendor "
         "sentence its docstring quotes, the others the rules every answer it gets is judged on*"]
    )
