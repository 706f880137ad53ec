"""The mutation benchmark's recogniser of variant-only code (benchmarks/mutation.py), on small
reference-like snippets in both forms a reference switches variants: the old comparisons of the
variant's name (``variant == "x"``, ``state.is_("x")``) and the ``reference_support.Switch``
asked ``variant("x")``. What it calls variant-only is left out of the mutation score, so a wrong
answer either hides real survivors or counts mutants no suite can see."""

from __future__ import annotations

import importlib.util
import re
import sys
import textwrap
from pathlib import Path

import pytest

pytest.importorskip("mutmut", reason="the mutation benchmark needs mutmut (the dev extras)")

REPO = Path(__file__).resolve().parents[1]


def _load_mutation_module():
    spec = importlib.util.spec_from_file_location("sessionapi_mutation_benchmark", REPO / "benchmarks" / "mutation.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


mutation = _load_mutation_module()


def variant_only_text(source: str) -> list[str]:
    """The source text of every span the recogniser calls variant-only."""
    source = textwrap.dedent(source)
    variant_only, _ = mutation.reachable_spans(source)
    lines = source.splitlines()
    texts = []
    for (line, column), (end_line, end_column) in variant_only:
        if line == end_line:
            texts.append(lines[line - 1][column:end_column])
        else:
            texts.append("\n".join([lines[line - 1][column:], *lines[line:end_line - 1],
                                    lines[end_line - 1][:end_column]]))
    return texts


def test_switch_call_guards_its_body():
    texts = variant_only_text('''
        def body(self, payload):
            if self.variant("extra-fields"):
                payload["tenantId"] = "default"
            return payload
    ''')
    assert 'payload["tenantId"] = "default"' in texts
    assert "return payload" not in texts


def test_negated_switch_that_leaves_makes_the_rest_variant_only():
    texts = variant_only_text('''
        def authenticate(self, user):
            if user is None and not self.variant("anonymous-allowed"):
                return refuse()
            return serve()
    ''')
    assert "return serve()" not in texts  # `user is None` decides too: the guard is not variant-only
    texts = variant_only_text('''
        def authenticate(self):
            if not self.variant("anonymous-allowed"):
                return refuse()
            return serve()
    ''')
    assert "return serve()" in texts
    assert "return refuse()" not in texts


def test_bare_switch_with_several_names_and_its_names():
    texts = variant_only_text('''
        def error(status, variant):
            if variant("other-wording", "error-details-missing"):
                status = 0
            return status
    ''')
    assert "status = 0" in texts
    assert '"other-wording"' in texts and '"error-details-missing"' in texts


def test_switch_alias_and_short_circuit():
    texts = variant_only_text('''
        def answer(self, device):
            strict = self.variant("strict-transitions")
            variant = self.variant
            if strict:
                reject()
            if variant("dual-stack-drops-ipv6") and device.ipv6:
                drop()
            return variant("key-order") or device.ordered
    ''')
    assert "reject()" in texts
    assert "device.ipv6" in texts and "drop()" in texts
    assert "device.ordered" not in texts  # `False or x` evaluates x


def test_switch_asked_by_a_name_that_is_not_a_literal_is_not_recognised():
    texts = variant_only_text('''
        def answer(self, name):
            if self.variant(name):
                reject()
    ''')
    assert "reject()" not in texts


def test_the_old_comparisons_are_still_recognised():
    texts = variant_only_text('''
        def answer(self, state, variant):
            if variant == "extra-fields":
                add()
            if state.is_("strict"):
                reject()
            if variant != "keep-going":
                return done()
            unreachable()
    ''')
    assert {"add()", "reject()", "unreachable()"} <= set(texts)


def test_a_helper_used_only_behind_a_switch_is_variant_only():
    texts = variant_only_text('''
        OTHER_WORDING = {"1": "other"}

        def message(self, code):
            if self.variant("other-wording"):
                return OTHER_WORDING[code]
            return code
    ''')
    assert any(text.startswith("OTHER_WORDING = ") for text in texts)


def read_texts(source: str) -> list[str]:
    source = textwrap.dedent(source)
    lines = source.splitlines()
    return [lines[start[0] - 1][start[1]:end[1]] + f"@{start[0]}"
            for start, end in mutation.variant_name_reads(source)]


SWITCHED_SERVER = '''
        class State:
            def __init__(self, variant: str | None) -> None:
                self.variant = Switch(variant, VARIANTS)

        def create_app(variant: str | None = None):
            return App(State(variant))

        def _error(status, variant: Switch):
            return render(status, variant)
'''
"""A server whose state keeps a Switch and passes it down: the form the reference servers have."""


def test_name_reads_with_a_switch_are_the_name_not_the_switch():
    reads = read_texts(SWITCHED_SERVER + '''
        def create_other(variant_name: str | None = None):
            variant = Switch(variant_name, VARIANTS)
            return _error(500, variant)
    ''')
    assert reads == ["variant@4", "variant@7", "variant_name@13"]


def test_name_reads_without_a_switch_are_every_variant():
    reads = read_texts('''
        def create_app(variant=None):
            state = State(variant)
            state.variant = variant
            return self.variant
    ''')
    assert reads == ["variant@3", "state.variant@4", "variant@4", "self.variant@5"]


def mutants_of(tmp_path: Path, source: str) -> dict[tuple[str, str], str]:
    path = tmp_path / "server.py"
    path.write_text(textwrap.dedent(source))
    mutants, _ = mutation.enumerate_mutants("demo", path)
    return {(m.original, m.mutated): m.scope for m in mutants}


def test_none_for_the_name_is_variant_only_none_for_the_switch_counts(tmp_path: Path):
    scopes = mutants_of(tmp_path, SWITCHED_SERVER)
    assert scopes[("return App(State(variant))", "return App(State(None))")] == "variant-only"
    assert scopes[("return render(status, variant)", "return render(status, None)")] == "counted"
    assert scopes[("self.variant = Switch(variant, VARIANTS)", "self.variant = Switch(None, VARIANTS)")] \
        == "variant-only"


def test_the_mutated_file_is_named_as_the_folder_holds_it(tmp_path: Path):
    (tmp_path / "reference.py").write_text("X = 1\n")
    assert mutation.reference_server(tmp_path) == tmp_path / "reference.py"
    (tmp_path / "reference").mkdir()
    (tmp_path / "reference" / "server.py").write_text("def f():\n    return 1\n")
    assert mutation.reference_server(tmp_path) == tmp_path / "reference" / "server.py"
    mutants, _ = mutation.enumerate_mutants("demo", tmp_path / "reference" / "server.py")
    assert mutants and all(m.describe().startswith("reference/server.py:2 ") for m in mutants)


def a_mutant(original: str, mutated: str):
    return mutation.Mutant(api="demo", index=0, file="reference/server.py", line=1, where="f",
                           original=original, mutated=mutated)


@pytest.mark.parametrize(("original", "mutated", "turned_on"), [
    ('if not self.variant("anonymous-allowed"):', 'if self.variant("anonymous-allowed"):', True),
    ('if variant("key-order") and ordered:', 'if variant("key-order") or ordered:', True),
    ('if variant("other", "key-order") and ordered:', 'if variant("other", "key-order") or ordered:', True),
    ('if variant == "key-order":', 'if variant != "key-order":', True),
    ('if not self.variant("never-session-not-found"):', 'if self.variant("never-session-not-found"):', False),
    ('if variant("key-order") and ordered:', 'if variant("key-order") and not ordered:', False),
])
def test_a_conformant_variant_turned_on(original: str, mutated: str, turned_on: bool):
    reason = mutation.conformant_variant_turned_on(a_mutant(original, mutated), {"key-order", "anonymous-allowed"})
    assert (reason is not None) is turned_on


def test_an_equivalent_that_names_no_mutant_is_reported():
    entries = [
        {"api": "demo", "where": "f", "original": 'x = "a"', "why": "still there"},
        {"api": "demo", "where": "gone", "original": 'x = "a"', "why": "moved away"},
        {"api": "other", "where": "f", "original": 'x = "a"', "why": "another API's"},
    ]
    mutant = a_mutant('x = "a"', 'x = "XXaXX"')
    assert [e["why"] for e in mutation.unmatched_equivalents(entries, [mutant], "demo")] == ["moved away"]



def test_mutating_what_a_switch_is_asked_is_variant_only_mutating_around_it_counts(tmp_path: Path):
    scopes = mutants_of(tmp_path, '''
        def answer(self, ordered):
            if self.variant("key-order") and ordered:
                return 1
            return 2
    ''')
    asked = 'if self.variant("key-order") and ordered:'
    assert scopes[(asked, 'if self.variant(None) and ordered:')] == "variant-only"
    assert scopes[(asked, 'if self.variant("key-order") or ordered:')] == "counted"
    scopes = mutants_of(tmp_path, '''
        def answer(self):
            if self.variant("key-order", "extra-fields"):
                return 1
            return 2
    ''')
    asked = [mutated for original, mutated in scopes if original.startswith("if ")]
    assert 'if self.variant("extra-fields"):' in asked  # mutmut leaves an argument out
    assert all(scopes[('if self.variant("key-order", "extra-fields"):', mutated)] == "variant-only"
               for mutated in asked)


# -- the map from reference code to the requirements it implements (the score by requirement)

REQUIREMENT_SERVER = '''
        LIMIT = 64

        class App:
            def name(self, value):
                if self.variant("name-65-accepted"):
                    return value
                return value[:LIMIT]

            def state(self, value):
                if self.variant("done-reopened", "extra-fields"):
                    return "ACTIVE"
                return value

        def create_app(variant):
            def handler(request):
                if variant("stop-ignored"):
                    return None
                return request
            return handler
'''
FAULTS = {"name-65-accepted": frozenset({"DEMO-NAME"}), "done-reopened": frozenset({"DEMO-DONE", "DEMO-GET"}),
          "stop-ignored": frozenset({"DEMO-STOP"})}


def test_a_function_implements_the_requirements_of_the_fault_variants_it_asks_for():
    derived = mutation.requirements_by_scope(textwrap.dedent(REQUIREMENT_SERVER), FAULTS)
    assert derived["App.name"] == {"DEMO-NAME"}
    assert derived["App.state"] == {"DEMO-DONE", "DEMO-GET"}  # a conformant variant ("extra-fields") adds nothing
    assert derived["create_app.handler"] == {"DEMO-STOP"}
    # a class or a factory does not implement what the functions it holds do
    assert derived["App"] == derived["create_app"] == derived["LIMIT"] == set()


def test_the_table_adds_what_no_variant_guard_says():
    derived = mutation.requirements_by_scope(textwrap.dedent(REQUIREMENT_SERVER), FAULTS)
    table = {"everywhere": {"demo": ["DEMO-NO-5XX"]},
             "implements": [{"api": "demo", "where": "LIMIT", "requirements": ["DEMO-LIMIT"], "same_as": ["App\\.name"]},
                            {"api": "other", "where": "LIMIT", "requirements": ["OTHER-X"]}]}

    def implemented(where: str) -> set[str]:
        mutant = mutation.Mutant(api="demo", index=0, file="reference/server.py", line=1, where=where,
                                 original="", mutated="")
        return mutation.implemented_requirements(mutant, derived, table)

    assert implemented("LIMIT") == {"DEMO-NO-5XX", "DEMO-LIMIT", "DEMO-NAME"}
    assert implemented("App.state") == {"DEMO-NO-5XX", "DEMO-DONE", "DEMO-GET"}
    assert implemented("App") == {"DEMO-NO-5XX"}


def test_the_requirement_table_names_only_known_requirements():
    table = mutation.load_requirement_table()
    assert table["everywhere"] and table["implements"]
    assert mutation.unknown_table_ids(table) == []


def test_every_table_entry_names_scopes_the_reference_has():
    """An entry whose scope was renamed or removed maps nothing any more: the code it described
    moved, and its mutants fall back to implementing nothing."""
    stale = []
    for entry in mutation.load_requirement_table()["implements"]:
        source = mutation.reference_server(REPO / "src" / "pytest_sessionapi" / "apis" / entry["api"]).read_text()
        scopes = [name for _, name in mutation._scopes(source)]
        for pattern in [entry.get("where", ".*"), *entry.get("same_as", [])]:
            for alternative in pattern.split("|"):
                if not any(re.fullmatch(alternative, scope) for scope in scopes):
                    stale.append(f"{entry['api']}: {alternative}")
        if "inside" in entry and entry["inside"] not in {name for _, name in mutation._calls(source)}:
            stale.append(f"{entry['api']}: a call of {entry['inside']}")
    assert stale == []


RAISING_SERVER = '''
    class ApiError(Exception):
        pass

    def validate(state, body):
        if state.variant("name-65-accepted"):
            return body
        if len(body) > 64:
            raise ApiError(400, "VALIDATION_MAX_ALLOWED_VALUE",
                           f"longer than {64}", maxValue=64)
        return dict(body)

    def error(state, exc):
        if state.variant("stop-ignored"):
            return None
        return {"code": exc.args[1]}
'''


def test_what_a_raised_error_carries_implements_what_the_envelope_writes(tmp_path: Path):
    """A change within the arguments of ``ApiError(...)`` (also on a continuation line) implements
    the requirements of the code that writes the envelope; the rest of the raising function only
    its own."""
    source = tmp_path / "reference" / "server.py"
    source.parent.mkdir()
    source.write_text(textwrap.dedent(RAISING_SERVER))
    mutants, _ = mutation.enumerate_mutants("demo", source)
    derived = mutation.requirements_by_scope(source.read_text(), FAULTS)
    table = {"implements": [{"api": "demo", "inside": "ApiError", "same_as": ["error"]}]}

    def implemented(original: str, mutated: str) -> set[str]:
        [mutant] = [m for m in mutants if m.original == original and m.mutated == mutated]
        return mutation.implemented_requirements(mutant, derived, table)

    assert implemented('f"longer than {64}", maxValue=64)', 'f"longer than {64}", maxValue=65)') \
        == {"DEMO-NAME", "DEMO-STOP"}
    assert implemented('raise ApiError(400, "VALIDATION_MAX_ALLOWED_VALUE",',
                       'raise ApiError(401, "VALIDATION_MAX_ALLOWED_VALUE",') == {"DEMO-NAME", "DEMO-STOP"}
    assert implemented("if len(body) > 64:", "if len(body) >= 64:") == {"DEMO-NAME"}


@pytest.mark.parametrize(("status", "statuses", "verdict", "outcome"), [
    (1, {"X-MUST": "fail", "X-SHOULD": "fail"}, "nonconformant", "killed"),
    (0, {"X-SHOULD": "fail"}, "conformant", "killed-should"),  # the default profile reports it, exit 0
    (4, {}, None, "error"),
    (None, {}, None, "timeout"),
    (0, {"X-MUST": "not-tested"}, "incomplete", "incomplete"),
    (0, {"X-MUST": "pass"}, "conformant", "survived"),
])
def test_a_default_run_is_read_back_as_the_old_outcomes(monkeypatch, status, statuses, verdict, outcome):
    levels = {"X-MUST": "MUST", "X-SHOULD": "SHOULD"}
    run = mutation.suite_runs.SuiteRun(status=status, seconds=1.0, verdict=verdict, statuses=statuses,
                                       levels={rid: levels[rid] for rid in statuses})
    asked = {}

    def fake_run(root, api, timeout, *, strict, stop_first):
        asked.update(strict=strict, stop_first=stop_first)
        return run

    monkeypatch.setattr(mutation.suite_runs, "run_suite", fake_run)
    assert mutation.run_suite(Path("."), "demo", 60)[0] == outcome
    assert asked == {"strict": False, "stop_first": False}  # the default profile, to the end
