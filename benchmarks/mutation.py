"""Mutation score of each API's suite against its reference implementation.

Run: python benchmarks/mutation.py [--api NAME] [--sample N | --all] [--seed S] [--json FILE]

Each reference implementation (the server of ``src/pytest_sessionapi/apis/<api>/reference/``,
``reference/server.py``, or a one-module ``reference.py``) is mutated one change at a time with mutmut 3's mutation operators (numbers, strings, names, assignments,
comparison and boolean operators, call arguments, conditional expressions), and the API's suite
is run against the mutated reference: ``pytest suites/<api> --sessionapi-api=<api>``, in the
default profile (what a vendor runs) and to the end, so that ``conformance.json`` says every
requirement that failed. Two figures per API:

- *score* (the old figure): the run found something. A mutant is *killed* when a MUST failed; a
  mutant whose run failed only SHOULDs (reported, exit 0 in the default profile; a strict run
  fails on it) is shown apart as *SHOULD only*; any other status (4 setup error, 3 internal
  error, ...) is *killed by error*; a run over the time limit is a *timeout*. Score = (killed +
  SHOULD only + by error + timeout) / (sampled - equivalent).
- *by requirement* (issue 18): a mutant counts only when its run failed a requirement that the
  mutated code implements. What a piece of code implements is derived where possible: a
  function implements the requirements of the fault variants it asks for (``variant("name")``;
  a fault variant is the reference with that requirement broken at that place), and
  ``benchmarks/mutation-requirements.toml`` adds what no guard says (module constants, helpers,
  and the no-5xx rule every piece of serving code implements, and what the arguments of an
  error's constructor carry: ``inside``). By requirement = those mutants / (sampled - equivalent). ``--list`` shows each mutant's requirements and names the functions
  that implement none of their own.

Why mutmut's operators and not ``mutmut run``: mutmut 3 runs the tests itself (``pytest.main``
in forked children, after a stats phase that maps tests to functions), counts exit 3 as killed
and 4 as "suspicious" without telling a mutant that breaks setup from one the suite judged, and
has no sampling. The suites are judged by the requirement ledger's exit status and
``conformance.json``, so this script drives mutmut's operators
(``mutmut.mutation.file_mutation.MutationVisitor``) and runs each suite itself.

Not counted, because the suite cannot see them by design:

- *variant-only* code: a branch taken only when a fault or conformant variant is selected (the
  reference runs with no variant, so ``variant("...")``, ``self.variant("...", "...")``,
  ``variant == "..."`` and ``state.is_("...")`` are false), the
  statements after a guard that always leaves unless a variant is selected, and module-level
  names and functions used only there. A mutation of the guard itself is counted: it turns a
  variant's behaviour on in the reference.
- the *catalogue*: ``VARIANTS``, ``EMBEDDED_TABLE``, ``EMBEDDED_ENV`` (the variants' list and
  the embedded target's configuration, not the server's behaviour), and in the package form the
  whole of ``reference/variants.py``, which is not mutated.
- the selected variant's *name* replaced by None (``Switch(variant, VARIANTS)`` ->
  ``Switch(None, VARIANTS)``): that is what the reference runs with. Likewise a mutation of a
  switch's own arguments (``variant()``, ``variant(None)``): false, or refused at once. The ``Switch`` built from
  the name is another matter: ``_error(..., None)`` instead of ``_error(..., variant)`` crashes, and
  counts.
- known *equivalent* mutants, listed with the reason in ``benchmarks/mutation-equivalents.toml``.

The working tree is never touched: the script copies ``src/``, ``suites/`` and the pytest
configuration to a temporary folder and mutates the copy (``PYTHONPATH`` points the suites at
it). Mutants run one at a time under ``nice``. The sample is reproducible: the same seed and the
same source give the same mutants, and an edit of one function leaves the sample elsewhere as
it was. A figure, not a gate.
"""

from __future__ import annotations

import argparse
import ast
import difflib
import hashlib
import importlib
import json
import re
import shutil
import sys
import tomllib
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # benchmarks/suite_runs.py, also when loaded by path
import suite_runs  # noqa: E402
from suite_runs import APIS, REPO  # noqa: E402

EQUIVALENTS = Path(__file__).with_name("mutation-equivalents.toml")
REQUIREMENT_TABLE = Path(__file__).with_name("mutation-requirements.toml")
CATALOGUE_NAMES = ("VARIANTS", "EMBEDDED_TABLE", "EMBEDDED_ENV")
VARIANT_NAMES = ("variant", "variant_name")
"""What the reference calls the selected variant: its name (``str | None``), or the
``reference_support.Switch`` built from it and asked ``variant("name")``."""

try:
    import libcst as cst
    from libcst.metadata import MetadataWrapper, PositionProvider
    from mutmut.mutation.file_mutation import MutationVisitor, deep_replace
    from mutmut.mutation.mutators import mutation_operators
    from mutmut.mutation.pragma_handling import get_ignored_lines
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise SystemExit(f"benchmarks/mutation.py needs mutmut 3.8 (pip install -e '.[dev]'): {exc}") from None


# ---------------------------------------------------------------------------------------------
# Where the reference runs with no variant: the code only a variant reaches

Span = tuple[tuple[int, int], tuple[int, int]]
"""((line, column), (end line, end column)), 1-based lines, 0-based columns."""


def _span(node: ast.AST) -> Span:
    return (node.lineno, node.col_offset), (node.end_lineno, node.end_col_offset)


def _is_variant(expr: ast.expr) -> bool:
    return (isinstance(expr, ast.Name) and expr.id == "variant") or (
        isinstance(expr, ast.Attribute) and expr.attr == "variant"
    )


def _is_switch_call(expr: ast.expr) -> bool:
    """``variant("name", ...)`` or ``<x>.variant("name", ...)``: a ``Switch`` asked whether one of
    the named variants is selected (always false in the reference, which runs with none)."""
    return isinstance(expr, ast.Call) and _is_variant(expr.func) and bool(expr.args) \
        and not expr.keywords and all(_is_str(arg) for arg in expr.args)


def _is_str(expr: ast.expr) -> bool:
    return isinstance(expr, ast.Constant) and isinstance(expr.value, str)


def _without_variant(expr: ast.expr, aliases: dict[str, bool] | None = None) -> bool | None:
    """The value of a test when no variant is selected, if that alone decides it (else None).
    ``aliases``: local names bound to such a test (``strict = variant == "strict-transitions"``)."""
    if isinstance(expr, ast.Name) and aliases and expr.id in aliases:
        return aliases[expr.id]
    if isinstance(expr, ast.Compare) and len(expr.ops) == 1 and _is_variant(expr.left):
        op, right = expr.ops[0], expr.comparators[0]
        if isinstance(op, (ast.Eq, ast.NotEq)) and _is_str(right):
            return isinstance(op, ast.NotEq)
        if isinstance(op, (ast.In, ast.NotIn)) and isinstance(right, (ast.Tuple, ast.List, ast.Set)) \
                and all(_is_str(e) for e in right.elts):
            return isinstance(op, ast.NotIn)
        if isinstance(op, (ast.Is, ast.IsNot)) and isinstance(right, ast.Constant) and right.value is None:
            return isinstance(op, ast.Is)
    if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute) and expr.func.attr == "is_" \
            and len(expr.args) == 1 and _is_str(expr.args[0]):
        return False
    if _is_switch_call(expr):
        return False
    if isinstance(expr, ast.UnaryOp) and isinstance(expr.op, ast.Not):
        inner = _without_variant(expr.operand, aliases)
        return None if inner is None else not inner
    if isinstance(expr, ast.BoolOp):
        values = [_without_variant(v, aliases) for v in expr.values]
        decisive = isinstance(expr.op, ast.Or)  # True decides an `or`, False an `and`
        if decisive in values:
            return decisive
        if all(v is not None for v in values):
            return not decisive
    return None


def _leaves(body: list[ast.stmt]) -> bool:
    return bool(body) and isinstance(body[-1], (ast.Raise, ast.Return, ast.Continue, ast.Break))


def _body_span(body: list[ast.stmt]) -> Span:
    return (body[0].lineno, body[0].col_offset), (body[-1].end_lineno, body[-1].end_col_offset)


def reachable_spans(source: str) -> tuple[list[Span], list[Span]]:
    """The spans only a variant reaches, and the catalogue's spans, in ``source``."""
    tree = ast.parse(source)
    variant_only: list[Span] = []
    catalogue: list[Span] = []

    def visit_block(body: list[ast.stmt]) -> None:
        for index, stmt in enumerate(body):
            if isinstance(stmt, ast.If):
                value = _without_variant(stmt.test, aliases[-1])
                if value is False:
                    variant_only.append(_body_span(stmt.body))
                elif value is True:
                    if stmt.orelse:
                        variant_only.append(_body_span(stmt.orelse))
                    if _leaves(stmt.body) and index + 1 < len(body):
                        variant_only.append(_body_span(body[index + 1:]))
            visit_node(stmt)

    aliases: list[dict[str, bool]] = [{}]

    def visit_node(node: ast.AST) -> None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            local = {
                stmt.targets[0].id: value for stmt in node.body
                if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name)
                and (value := _without_variant(stmt.value)) is not None
            }
            aliases.append(local)
            try:
                visit_fields(node)
            finally:
                aliases.pop()
            return
        visit_fields(node)

    def visit_fields(node: ast.AST) -> None:
        # The name of a variant, where it is compared with the selected one, and a table keyed
        # by variant name (``{...}.get(self.variant or "", default)``) only matter to a variant.
        if isinstance(node, ast.Compare) and _is_variant(node.left):
            variant_only.extend(_span(c) for c in ast.walk(node.comparators[0]) if _is_str(c))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr == "is_" and node.args and _is_str(node.args[0]):
                variant_only.append(_span(node.args[0]))
        if _is_switch_call(node):
            variant_only.extend(_span(name) for name in node.args)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr == "get" and isinstance(node.func.value, ast.Dict) and node.args \
                    and any(_is_variant(n) for n in ast.walk(node.args[0])):
                variant_only.extend((_span(node.func.value), _span(node.args[0])))
        if isinstance(node, ast.BoolOp):
            # `variant == "x" and <rest>`: without a variant, <rest> is never evaluated.
            stops = isinstance(node.op, ast.Or)
            for position, operand in enumerate(node.values[:-1]):
                if _without_variant(operand, aliases[-1]) is stops:
                    variant_only.extend(_span(later) for later in node.values[position + 1:])
                    break
        if isinstance(node, ast.IfExp):
            value = _without_variant(node.test, aliases[-1])
            if value is not None:
                variant_only.append(_span(node.orelse if value else node.body))
        for name, child in ast.iter_fields(node):
            if isinstance(child, list) and child and isinstance(child[0], ast.stmt):
                visit_block(child)
            elif isinstance(child, list):
                for item in child:
                    if isinstance(item, ast.AST):
                        visit_node(item)
            elif isinstance(child, ast.AST):
                visit_node(child)

    visit_block(tree.body)
    for stmt in tree.body:
        targets = stmt.targets if isinstance(stmt, ast.Assign) else \
            [stmt.target] if isinstance(stmt, ast.AnnAssign) else []
        if any(isinstance(t, ast.Name) and t.id in CATALOGUE_NAMES for t in targets):
            catalogue.append(_span(stmt))

    # Module-level names (constants, functions) used only where only a variant goes are dead too.
    definitions: dict[str, ast.stmt] = {}
    for stmt in tree.body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            definitions[stmt.name] = stmt
        elif isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
            definitions[stmt.targets[0].id] = stmt
    uses = [(n.id, _span(n)) for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)]
    dead_names: set[str] = set()
    changed = True
    while changed:
        changed = False
        dead = variant_only + catalogue
        for name, stmt in definitions.items():
            if name in dead_names:
                continue
            own = _span(stmt)  # a recursive call is no use
            places = [where for used, where in uses if used == name and not _within(where, own)]
            if places and all(any(_within(where, span) for span in dead) for where in places):
                dead_names.add(name)
                variant_only.append(_span(stmt))
                changed = True
    return variant_only, catalogue


def _within(inner: Span, outer: Span) -> bool:
    return outer[0] <= inner[0] and inner[1] <= outer[1]


def _builds_switch(node: ast.AST) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "Switch"


def variant_name_reads(source: str) -> list[Span]:
    """Where ``source`` reads the *name* of the selected variant, in character columns: the
    places where None instead is what the reference runs with anyway.

    A module that builds no ``Switch`` passes the name around (``variant == "..."``,
    ``state.is_("...")``): every ``variant``, ``self.variant`` and ``state.variant`` is one. A module
    that builds one reads the name where it builds it (``Switch(variant, VARIANTS)``) and where a
    function takes the name as a parameter not typed ``Switch`` and does not rebind it (the
    ``variant: str | None`` of ``create_app``, passed on to the state that builds the switch);
    everywhere else ``variant`` is the ``Switch``, and None instead of it is a crash, not a
    no-op."""
    tree = ast.parse(source)
    if not any(_builds_switch(node) for node in ast.walk(tree)):
        reads = [node for node in ast.walk(tree) if isinstance(node, ast.Name) and node.id == "variant"
                 or isinstance(node, ast.Attribute) and node.attr == "variant"
                 and isinstance(node.value, ast.Name) and node.value.id in ("self", "state")]
    else:
        reads = [node.args[0] for node in ast.walk(tree) if _builds_switch(node) and node.args
                 and isinstance(node.args[0], ast.Name) and node.args[0].id in VARIANT_NAMES]
        for function in ast.walk(tree):
            if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            parameters = function.args.posonlyargs + function.args.args + function.args.kwonlyargs
            names = {a.arg for a in parameters if a.arg in VARIANT_NAMES
                     and (a.annotation is None or "Switch" not in ast.unparse(a.annotation))}
            own = _own_nodes(function)
            names -= {n.id for n in own if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
            reads += [n for n in own if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load) and n.id in names]
    return sorted({_character_span(source, n) for n in reads})


def switch_calls(source: str) -> list[Span]:
    """The spans, in character columns, of every ``variant("name", ...)`` call: a mutation of the
    call's arguments (a name left out, or None instead) asks the switch another question that is
    false or refused whatever the suite does, and says nothing of it."""
    return sorted({_character_span(source, node) for node in ast.walk(ast.parse(source)) if _is_switch_call(node)})


def _character_span(source: str, node: ast.AST) -> Span:
    """``node``'s span with character columns, as libcst counts them (ast counts UTF-8 bytes)."""
    lines = source.splitlines(keepends=True)

    def column(line: int, byte_offset: int) -> int:
        return len(lines[line - 1].encode("utf-8")[:byte_offset].decode("utf-8"))

    return (node.lineno, column(node.lineno, node.col_offset)), (node.end_lineno, column(node.end_lineno, node.end_col_offset))


def _own_nodes(function: ast.FunctionDef | ast.AsyncFunctionDef) -> list[ast.AST]:
    """The nodes of ``function``'s body, without those of the functions and classes it defines
    (their names are their own)."""
    found: list[ast.AST] = []
    pending: list[ast.AST] = list(function.body)
    while pending:
        node = pending.pop()
        found.append(node)
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            pending.extend(ast.iter_child_nodes(node))
    return found


def _offset(line_starts: list[int], position: tuple[int, int]) -> int:
    return line_starts[position[0] - 1] + position[1]


def replaces_variant_name_by_none(source: str, mutated: str, node_span: Span, name_reads: list[Span],
                                  line_starts: list[int]) -> bool:
    """Whether ``mutated`` is ``source`` with one read of the variant's name (inside the mutated
    node) replaced by None."""
    for read in name_reads:
        if _within(read, node_span):
            start, end = _offset(line_starts, read[0]), _offset(line_starts, read[1])
            if len(mutated) == len(source) - (end - start) + 4 and \
                    mutated == source[:start] + "None" + source[end:]:
                return True
    return False


# ---------------------------------------------------------------------------------------------
# Mutants


@dataclass
class Mutant:
    api: str
    index: int
    file: str
    """The mutated file, relative to the API's folder: ``reference/server.py`` or ``reference.py``."""
    line: int
    where: str
    """The enclosing function or module-level name (dotted), as the equivalents list names it."""
    original: str
    mutated: str
    scope: str = "counted"  # counted | variant-only | catalogue
    equivalent: str | None = None
    outcome: str | None = None
    """killed | killed-should | error | timeout | survived | incomplete | equivalent"""
    exit_status: int | None = None
    failed: list[str] = field(default_factory=list)
    seconds: float | None = None
    occurrence: int = 0
    """How many mutants before this one read the same (the same text twice in one function)."""
    enclosing: list[str] = field(default_factory=list)
    """Every scope around the change, outermost first (``where`` is the last)."""
    calls: list[str] = field(default_factory=list)
    """The names of the calls whose arguments hold the change, outermost first (``ApiError`` for
    a change inside ``raise ApiError(400, "CODE", ...)``; a method call by its attribute)."""
    requirements: list[str] = field(default_factory=list)
    """The requirements the changed code implements (``implemented_requirements``)."""
    by_requirement: bool | None = None
    """Whether the default run failed one of ``requirements``."""

    def rank(self, seed: str) -> str:
        """The mutant's place in the sample order: a hash of what it changes, not of where it
        sits, so an edit elsewhere in the file leaves the rest of the sample as it was."""
        text = f"{seed}\0{self.api}\0{self.where}\0{self.original}\0{self.mutated}\0{self.occurrence}"
        return hashlib.sha256(text.encode()).hexdigest()

    def describe(self) -> str:
        return f"{self.file}:{self.line} [{self.where}] {self.original!r} -> {self.mutated!r}"


def _squash(lines: list[str]) -> str:
    return " / ".join(" ".join(line.split()) for line in lines if line.strip())


def _scopes(source: str) -> list[tuple[Span, str]]:
    """(span, dotted name) of every function, class and module-level assignment, innermost last."""
    spans: list[tuple[Span, str]] = []

    def walk(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                name = f"{prefix}{child.name}"
                spans.append((_span(child), name))
                walk(child, name + ".")
            elif prefix == "" and isinstance(child, (ast.Assign, ast.AnnAssign)):
                target = child.targets[0] if isinstance(child, ast.Assign) else child.target
                if isinstance(target, ast.Name):
                    spans.append((_span(child), target.id))
            else:
                walk(child, prefix)

    walk(ast.parse(source), "")
    return spans


def _calls(source: str) -> list[tuple[Span, str]]:
    """(span in character columns, name) of every call to a named function or method, outermost
    first: ``ApiError(...)`` is ``ApiError``, ``self._error(...)`` is ``_error``."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            name = node.func.id if isinstance(node.func, ast.Name) else \
                node.func.attr if isinstance(node.func, ast.Attribute) else None
            if name:
                found.append((_character_span(source, node), name))
    return sorted(found, key=lambda item: (item[0][0], (-item[0][1][0], -item[0][1][1])))


def reference_server(api_folder: Path) -> Path:
    """The reference's server: ``reference/server.py`` of a reference package (its variant table,
    ``reference/variants.py``, is catalogue, not behaviour), or a one-module ``reference.py``."""
    package = api_folder / "reference" / "server.py"
    return package if package.exists() else api_folder / "reference.py"


def enumerate_mutants(api: str, path: Path) -> tuple[list[Mutant], dict[int, str]]:
    """Every mutant of ``path`` (in source order) and, by index, its mutated source."""
    source = path.read_text()
    relative = path.name if path.name == "reference.py" else f"{path.parent.name}/{path.name}"
    wrapper = MetadataWrapper(cst.parse_module(source))
    visitor = MutationVisitor(mutation_operators, get_ignored_lines(str(path), source, wrapper), None)
    wrapper.visit(visitor)
    positions = wrapper.resolve(PositionProvider)
    variant_only, catalogue = reachable_spans(source)
    name_reads = variant_name_reads(source)
    switches = set(switch_calls(source))
    scopes = _scopes(source)
    calls = _calls(source)
    original_lines = source.splitlines(keepends=True)
    line_starts = [0]
    for line in original_lines:
        line_starts.append(line_starts[-1] + len(line))
    mutants: list[Mutant] = []
    sources: dict[int, str] = {}
    seen: Counter[tuple[str, str, str]] = Counter()
    for mutation in visitor.mutations:
        where_in_source = positions[mutation.original_node]
        node_span = ((where_in_source.start.line, where_in_source.start.column),
                     (where_in_source.end.line, where_in_source.end.column))
        mutated_source = deep_replace(wrapper.module, mutation.original_node, mutation.mutated_node).code
        if mutated_source == source:
            continue
        removed: list[str] = []
        added: list[str] = []
        for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(
            a=original_lines, b=mutated_source.splitlines(keepends=True), autojunk=False
        ).get_opcodes():
            if tag != "equal":
                removed += original_lines[i1:i2]
                added += mutated_source.splitlines(keepends=True)[j1:j2]
        names = [name for span, name in scopes if _within(node_span, span)]
        mutant = Mutant(
            api=api, index=len(mutants), file=relative, line=node_span[0][0], where=names[-1] if names else "<module>",
            original=_squash(removed), mutated=_squash(added), enclosing=names,
            calls=[name for span, name in calls if _within(node_span, span)],
        )
        if any(_within(node_span, span) for span in catalogue):
            mutant.scope = "catalogue"
        elif node_span in switches:
            # The switch's own arguments mutated (`variant()`, `variant(None)`): false, or refused.
            mutant.scope = "variant-only"
        elif replaces_variant_name_by_none(source, mutated_source, node_span, name_reads, line_starts):
            # The selected variant's name replaced by None: what the reference runs with anyway.
            mutant.scope = "variant-only"
        elif any(_within(node_span, span) for span in variant_only):
            mutant.scope = "variant-only"
        mutant.occurrence = seen[(mutant.where, mutant.original, mutant.mutated)]
        seen[(mutant.where, mutant.original, mutant.mutated)] += 1
        sources[mutant.index] = mutated_source
        mutants.append(mutant)
    return mutants, sources


def conformant_variant_turned_on(mutant: Mutant, conformant: set[str]) -> str | None:
    """The conformant variant a mutant turns on in the reference (its guard made true), if any:
    the self-tests prove every conformant variant passes, so such a mutant is equivalent."""
    for name in conformant:
        quoted = re.escape(f'"{name}"')
        # `variant == "x"`, `state.is_("x")`, or a Switch asked `variant("x")` / `variant("w", "x")`
        guard = rf'(?:variant == {quoted}|is_\({quoted}\)|variant\((?:"[^"]*", )*{quoted}(?:, "[^"]*")*\))'
        if not re.search(guard, mutant.original):
            continue
        turned_on = (rf'variant != {quoted}', rf'{guard}\) or True', rf'{guard} or ')
        if any(re.search(p, mutant.mutated) and not re.search(p, mutant.original) for p in turned_on):
            return f"turns on the conformant variant '{name}' (the self-tests prove it conformant)"
        # `not variant("x")` -> `variant("x")`: the reference takes the variant's side of the test.
        for negated in re.finditer(rf'not ((?:[\w.]+\.)?{guard})', mutant.original):
            if mutant.original[:negated.start()] + negated.group(1) + mutant.original[negated.end():] \
                    == mutant.mutated:
                return f"turns on the conformant variant '{name}' (the self-tests prove it conformant)"
    return None


def _variants(api: str) -> dict:
    sys.path.insert(0, str(REPO / "src"))
    try:
        module = importlib.import_module(f"pytest_sessionapi.apis.{api}.reference")
    finally:
        sys.path.pop(0)
    return module.VARIANTS


def conformant_variants(api: str) -> set[str]:
    return {name for name, variant in _variants(api).items() if variant.kind == "conformant"}


# ---------------------------------------------------------------------------------------------
# Which requirements the mutated code implements


def fault_variant_requirements(api: str) -> dict[str, frozenset[str]]:
    """Fault variant name -> the requirements a run against it fails (its own and its knock-ons)."""
    return {name: variant.fails for name, variant in _variants(api).items() if variant.kind == "fault"}


def requirements_by_scope(source: str, faults: dict[str, frozenset[str]]) -> dict[str, set[str]]:
    """Function, class or module-level name -> the requirements of the fault variants it asks for.

    A fault variant is the reference with one requirement broken at the place where it asks
    ``variant("name")``: the code around that place is what implements the requirement. A
    function that asks for no fault variant derives nothing; ``mutation-requirements.toml`` says
    what it implements."""
    names = [(_span(node), node.value) for node in ast.walk(ast.parse(source))
             if _is_str(node) and node.value in faults]
    scopes = _scopes(source)
    derived: dict[str, set[str]] = {}
    for span, scope in scopes:
        # Its own code only: a method does not implement what its class's other methods do, nor
        # a server factory what the handlers it defines do.
        inner = [other for other, _ in scopes if other != span and _within(other, span)]
        derived[scope] = set().union(*(faults[name] for where, name in names
                                       if _within(where, span) and not any(_within(where, o) for o in inner)))
    return derived


def load_requirement_table(path: Path = REQUIREMENT_TABLE) -> dict:
    return tomllib.loads(path.read_text()) if path.exists() else {}


def unknown_table_ids(table: dict) -> list[str]:
    """The requirement IDs the table names that no API's catalogue holds."""
    known: set[str] = set()
    for api in APIS:
        catalogue = tomllib.loads((REPO / "src" / "pytest_sessionapi" / "apis" / api / "requirements.toml").read_text())
        known |= {requirement["id"] for requirement in catalogue.get("requirement", [])}
    named = [rid for ids in table.get("everywhere", {}).values() for rid in ids]
    named += [rid for entry in table.get("implements", []) for rid in entry.get("requirements", [])]
    return sorted(set(named) - known)


def implemented_requirements(mutant: Mutant, derived: dict[str, set[str]], table: dict) -> set[str]:
    """The requirements the code ``mutant`` changes implements: those derived from the fault
    variants asked in the innermost scope around it (``where``), those the table names for that
    scope (a regular expression on the dotted name, full match) or for the call whose arguments
    hold the change (``inside``: what a refusal's ``ApiError(status, code, message, details)``
    carries is what the error envelope writes), and the API's requirements that every piece of
    serving code implements (``[everywhere]``)."""
    found = set(table.get("everywhere", {}).get(mutant.api, [])) | derived.get(mutant.where, set())
    for entry in table.get("implements", []):
        if entry["api"] != mutant.api or "inside" in entry and entry["inside"] not in mutant.calls:
            continue
        if re.fullmatch(entry.get("where", ".*"), mutant.where):
            found |= set(entry.get("requirements", []))
            for pattern in entry.get("same_as", []):
                found |= set().union(*(ids for scope, ids in derived.items() if re.fullmatch(pattern, scope)))
    return found


def load_equivalents() -> list[dict[str, str]]:
    if not EQUIVALENTS.exists():
        return []
    entries = tomllib.loads(EQUIVALENTS.read_text())
    return entries.get("equivalent", [])


def unmatched_equivalents(entries: list[dict[str, str]], mutants: list[Mutant], api: str) -> list[dict[str, str]]:
    """The listed equivalents of ``api`` that name no mutant of its reference any more: the code
    they describe moved or changed, and the list wants updating."""
    return [entry for entry in entries if entry["api"] == api
            and not any(equivalent_reason(mutant, [entry]) for mutant in mutants)]


def equivalent_reason(mutant: Mutant, entries: list[dict[str, str]]) -> str | None:
    """The listed reason ``mutant`` is equivalent: an entry names the API, the enclosing function
    or name, the original text and (optionally) the mutated text; ``original`` may be a regular
    expression when ``match = "regex"``."""
    for entry in entries:
        if entry["api"] != mutant.api:
            continue
        if entry.get("match") == "regex":
            hit = re.fullmatch(entry["where"], mutant.where) is not None \
                and re.fullmatch(entry["original"], mutant.original) is not None and (
                    "mutated" not in entry or re.fullmatch(entry["mutated"], mutant.mutated) is not None)
        elif entry["where"] != mutant.where:
            continue
        else:
            hit = " ".join(entry["original"].split()) == mutant.original and (
                "mutated" not in entry or " ".join(entry["mutated"].split()) == mutant.mutated)
        if hit:
            return entry["why"]
    return None


# ---------------------------------------------------------------------------------------------
# Running the suite


def run_suite(root: Path, api: str, timeout: float) -> tuple[str, int | None, list[str], float]:
    """(outcome, exit status, requirements marked fail, seconds) of one suite run in ``root``.

    The default profile, to the end (no ``-x``): which requirements fail is the point, and a
    default run reports a failed SHOULD (status ``fail``) without failing; such a mutant is
    counted apart as "SHOULD only" (a strict run would fail on it)."""
    run = suite_runs.run_suite(root, api, timeout, strict=False, stop_first=False)
    if run.timed_out:
        return "timeout", None, [], run.seconds
    failed = run.failed
    levels = {run.levels[rid] for rid in failed}
    if run.status not in (0, 1):
        return "error", run.status, failed, run.seconds
    if failed:
        return ("killed-should" if levels == {"SHOULD"} else "killed"), run.status, failed, run.seconds
    if run.status == 0 and run.verdict not in (None, "conformant"):
        # Passed, yet not judged: the tests that would have seen the mutant skipped.
        reason = run.first_message or run.verdict_reason
        return "incomplete", run.status, [f"verdict {run.verdict}: {reason}"], run.seconds
    return ("survived" if run.status == 0 else "killed"), run.status, failed, run.seconds


def measure(api: str, args: argparse.Namespace, root: Path, entries: list[dict[str, str]]) -> dict:
    target = reference_server(root / "src" / "pytest_sessionapi" / "apis" / api)
    pristine = target.read_text()
    mutants, sources = enumerate_mutants(api, target)
    counted = [m for m in mutants if m.scope == "counted"]
    conformant = conformant_variants(api)
    derived = requirements_by_scope(pristine, fault_variant_requirements(api))
    table = load_requirement_table()
    for mutant in counted:
        mutant.equivalent = equivalent_reason(mutant, entries) or conformant_variant_turned_on(mutant, conformant)
        mutant.requirements = sorted(implemented_requirements(mutant, derived, table))
    chosen = counted if args.all else sorted(sorted(counted, key=lambda m: m.rank(args.seed))[:args.sample],
                                             key=lambda m: m.index)
    baseline, status, failed, seconds = run_suite(root, api, timeout=600)
    if baseline != "survived":
        raise SystemExit(f"{api}: the suite does not pass against the unmutated reference "
                         f"(exit {status}, failed {failed}): nothing to measure")
    timeout = max(60.0, 5 * seconds)
    print(f"{api}: {len(mutants)} mutants, {len(counted)} counted; running {len(chosen)} "
          f"(baseline {seconds:.1f} s, time limit {timeout:.0f} s)", file=sys.stderr)
    try:
        for number, mutant in enumerate(chosen, 1):
            if mutant.equivalent:
                mutant.outcome = "equivalent"
                continue
            target.write_text(sources[mutant.index])
            try:
                mutant.outcome, mutant.exit_status, mutant.failed, mutant.seconds = run_suite(root, api, timeout)
            finally:
                target.write_text(pristine)
            mutant.by_requirement = bool(set(mutant.failed) & set(mutant.requirements))
            if args.verbose:
                mark = "by requirement" if mutant.by_requirement else "not by requirement"
                print(f"  [{number}/{len(chosen)}] {mutant.outcome:9} ({mark}) {mutant.describe()}", file=sys.stderr)
    finally:
        target.write_text(pristine)
    outcomes = Counter(m.outcome for m in chosen)
    judged = len(chosen) - outcomes["equivalent"]
    killed = outcomes["killed"] + outcomes["killed-should"] + outcomes["error"] + outcomes["timeout"]
    return {
        "api": api,
        "generated": len(mutants),
        "variant_only": sum(m.scope == "variant-only" for m in mutants),
        "catalogue": sum(m.scope == "catalogue" for m in mutants),
        "counted": len(counted),
        "known_equivalent": sum(bool(m.equivalent) for m in counted),
        "sampled": len(chosen),
        "equivalent": outcomes["equivalent"],
        "killed": outcomes["killed"],
        "killed_should": outcomes["killed-should"],
        "killed_by_error": outcomes["error"],
        "timeouts": outcomes["timeout"],
        "survived": outcomes["survived"] + outcomes["incomplete"],
        "incomplete": outcomes["incomplete"],
        "score": killed / judged if judged else None,
        "killed_by_requirement": sum(bool(m.by_requirement) for m in chosen),
        "only_no_server_error": sum(bool(m.by_requirement) and not set(m.failed) & set(m.requirements)
                                    - set(table.get("everywhere", {}).get(api, [])) for m in chosen),
        "unmapped": sum(not set(m.requirements) - set(table.get("everywhere", {}).get(api, []))
                        for m in chosen if m.outcome != "equivalent"),
        "score_by_requirement": sum(bool(m.by_requirement) for m in chosen) / judged if judged else None,
        "mutants": [asdict(m) for m in chosen],
    }


def print_figures(results: list[dict], args: argparse.Namespace) -> None:
    how = "all counted mutants" if args.all else f"a sample of {args.sample} per API, seed {args.seed}"
    print(f"== mutation score of each suite against its reference ({how})")
    print(f"{'api':14} {'generated':>9} {'variant-only':>12} {'catalogue':>9} {'counted':>7} {'sampled':>7} "
          f"{'equivalent':>10} {'killed':>6} {'SHOULD only':>11} {'by error':>8} {'timeout':>7} {'survived':>8} "
          f"{'score':>6} {'by requirement':>14}")
    for r in results:
        score = "-" if r["score"] is None else f"{100 * r['score']:.0f}%"
        by_requirement = "-" if r["score_by_requirement"] is None else f"{100 * r['score_by_requirement']:.0f}%"
        print(f"{r['api']:14} {r['generated']:9} {r['variant_only']:12} {r['catalogue']:9} {r['counted']:7} "
              f"{r['sampled']:7} {r['equivalent']:10} {r['killed']:6} {r['killed_should']:11} {r['killed_by_error']:8} "
              f"{r['timeouts']:7} {r['survived']:8} {score:>6} {by_requirement:>14}")
    print("score = (killed + SHOULD only + by error + timeout) / (sampled - equivalent), the old figure: the run "
          "found something. Runs are in the default profile, to the end: 'killed' failed a MUST, 'SHOULD only' "
          "failed only SHOULDs (a strict run fails on them), 'by error' ended with a status other than 0 or 1 "
          "(setup or internal error).")
    print("by requirement = mutants whose run failed a requirement the mutated code implements / (sampled - "
          "equivalent) (derived from the fault variants the function asks for, and "
          f"{REQUIREMENT_TABLE.name}).")
    for r in results:
        print(f"  {r['api']}: {r['killed_by_requirement']} killed by requirement, {r['only_no_server_error']} of "
              f"them only through the no-5xx rule; {r['unmapped']} sampled mutant(s) in code mapped to no "
              "requirement of its own")
    for r in results:
        equivalents = [m for m in r["mutants"] if m["outcome"] == "equivalent"]
        print(f"\n-- {r['api']}: {len(equivalents)} sampled mutant(s) not run, as equivalent "
              f"({EQUIVALENTS.name}, or a conformant variant turned on)")
        for m in equivalents:
            print(f"  {m['file']}:{m['line']} [{m['where']}] {m['original']!r} -> {m['mutated']!r}")
            print(f"      {m['equivalent']}")
        survivors = [m for m in r["mutants"] if m["outcome"] in ("survived", "incomplete")]
        errors = [m for m in r["mutants"] if m["outcome"] == "error"]
        print(f"-- {r['api']}: {len(survivors)} surviving mutant(s)")
        for m in survivors:
            print(f"  {m['file']}:{m['line']} [{m['where']}] {m['original']!r} -> {m['mutated']!r}")
            if m["outcome"] == "incomplete":
                print(f"      exit 0 but {m['failed'][-1]}")
        elsewhere = [m for m in r["mutants"] if m["outcome"] not in ("survived", "incomplete", "equivalent")
                     and not m["by_requirement"]]
        print(f"-- {r['api']}: {len(elsewhere)} mutant(s) found, but not under a requirement the code implements")
        for m in elsewhere:
            print(f"  {m['file']}:{m['line']} [{m['where']}] {m['original']!r} -> {m['mutated']!r}")
            print(f"      {m['outcome']}, failed {', '.join(m['failed']) or 'nothing'}; "
                  f"implements {', '.join(m['requirements']) or 'nothing'}")
        if errors and args.verbose:
            print(f"-- {r['api']}: killed by error")
            for m in errors:
                print(f"  exit {m['exit_status']}: {m['file']}:{m['line']} [{m['where']}] "
                      f"{m['original']!r} -> {m['mutated']!r}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--api", action="append", choices=APIS, help="one API (repeatable; default: all)")
    parser.add_argument("--sample", type=int, default=40, help="mutants per API (default 40)")
    parser.add_argument("--all", action="store_true", help="run every counted mutant (hours)")
    parser.add_argument("--seed", default="2026", help="seed of the sample (default 2026)")
    parser.add_argument("--list", action="store_true",
                        help="list the counted mutants (and the known equivalents) without running any")
    parser.add_argument("--json", type=Path, help="also write every sampled mutant's outcome here")
    parser.add_argument("--verbose", "-v", action="store_true", help="progress on stderr, killed-by-error list")
    args = parser.parse_args()
    apis = args.api or list(APIS)
    entries = load_equivalents()
    table = load_requirement_table()
    unknown = unknown_table_ids(table)
    if unknown:
        raise SystemExit(f"{REQUIREMENT_TABLE.name}: unknown requirement ID(s) {', '.join(unknown)}")

    if args.list:
        for api in apis:
            mutants, _ = enumerate_mutants(api, reference_server(REPO / "src" / "pytest_sessionapi" / "apis" / api))
            conformant = conformant_variants(api)
            source = reference_server(REPO / "src" / "pytest_sessionapi" / "apis" / api).read_text()
            derived = requirements_by_scope(source, fault_variant_requirements(api))
            own_nothing: Counter[str] = Counter()
            for mutant in mutants:
                if mutant.scope == "counted":
                    reason = equivalent_reason(mutant, entries) or conformant_variant_turned_on(mutant, conformant)
                    implemented = implemented_requirements(mutant, derived, table)
                    if not reason and not implemented - set(table.get("everywhere", {}).get(api, [])):
                        own_nothing[mutant.where] += 1
                    print(f"{api} #{mutant.index} {mutant.describe()}" + (f"  [equivalent: {reason}]" if reason else "")
                          + f"  implements {', '.join(sorted(implemented)) or 'nothing'}")
            for where, count in own_nothing.items():
                print(f"{api}: {count} counted mutant(s) in [{where}], which implements no requirement of its own "
                      f"(add it to {REQUIREMENT_TABLE.name})", file=sys.stderr)
            for entry in unmatched_equivalents(entries, [m for m in mutants if m.scope == "counted"], api):
                print(f"{api}: {EQUIVALENTS.name} entry matches no counted mutant: "
                      f"where {entry['where']!r}, original {entry['original']!r}", file=sys.stderr)
        return

    suite_runs.be_nice()
    root = suite_runs.private_copy()
    try:
        results = [measure(api, args, root, entries) for api in apis]
    finally:
        shutil.rmtree(root, ignore_errors=True)
    print_figures(results, args)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
