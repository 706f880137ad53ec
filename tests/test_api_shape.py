"""One shape for every API folder, and a core that knows no API.

Someone adding a fourth API copies any one folder under ``src/pytest_sessionapi/apis/``: each holds
the same modules for the same roles. API code judges answers and keeps its sessions; stopping a
test is the recorder's business (``conformance.stop_not_tested``), so no API module reaches into
the pytest runtime or skips a test itself. The core takes what it must know about an API from the
API's descriptor, never from a name or a path of its own.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import pytest_sessionapi
from pytest_sessionapi.registry import ApiDescriptor, all_apis

PACKAGE = Path(pytest_sessionapi.__file__).parent
APIS_DIR = PACKAGE / "apis"
APIS = list(all_apis())

SHARED_ROLES = {
    "__init__.py": "the descriptor, API (registry.ApiDescriptor)",
    "target.py": "Target, the API's targets.toml table",
    "client.py": "build_auth, Client and preflight: the documented auth flow, the only place URLs are built",
    "models.py": "the vendor's schemas as models",
    "requirements.toml": "the requirement catalogue",
    "openapi.json": "the vendor's OpenAPI document the suite generates from",
    "vendor_examples.py": "the vendor page's own examples, as data",
    "rules.py": "RULES, a rulebook.Rulebook: one rule(answer, asked) -> bool per requirement ID",
    "model.py": "the state or transition model and its oracle",
    "sessions.py": "what the suite creates on the target (or reads from it) and always cleans up, "
    "and leftovers(open_http, target): the preflight's look for an earlier run's leftovers",
    "steps.py": "the judged steps the suites compose, and asked_of_recorded: the Asked of a "
    "recorded request, for sessionapi judge",
    "strategies.py": "the Hypothesis strategies for the API's inputs",
    "schemathesis_checks.py": "the rules as Schemathesis checks (schemathesis_support.rule_checks) "
    "and Schemathesis's own failures mapped to requirements",
    "reference": "the reference server (reference/server.py) and its variants (reference/variants.py)",
}
OPTIONAL = {"model.toml": "the model's data, when it is data"}
REFERENCE_PACKAGE = {"__init__.py", "server.py", "variants.py"}


def api_folders() -> list[Path]:
    return sorted(p for p in APIS_DIR.iterdir() if p.is_dir() and not p.name.startswith(("_", ".")))


def test_every_api_folder_is_a_registered_api():
    assert [folder.name for folder in api_folders()] == sorted(APIS)


def _present(folder: Path) -> set[str]:
    return {path.name for path in folder.iterdir() if path.name != "__pycache__"}


@pytest.mark.parametrize("api", APIS)
def test_every_api_folder_has_a_module_for_each_shared_role(api):
    present = _present(APIS_DIR / api)
    missing = {name: role for name, role in SHARED_ROLES.items() if name not in present}
    assert not missing, f"apis/{api} lacks: {missing}"


@pytest.mark.parametrize("api", APIS)
def test_an_api_folder_holds_nothing_but_the_shared_roles(api):
    """A module of another name is a role the other folders lack: it belongs in the core, or its
    role in this table."""
    extra = _present(APIS_DIR / api) - set(SHARED_ROLES) - set(OPTIONAL)
    assert not extra, f"apis/{api} holds modules no other API folder has: {sorted(extra)}"


@pytest.mark.parametrize("api", APIS)
def test_the_reference_is_a_package_of_server_and_variants(api):
    assert _present(APIS_DIR / api / "reference") - {"__pycache__"} == REFERENCE_PACKAGE
    reference = all_apis()[api].reference
    for name in ("create_app", "VARIANTS", "EMBEDDED_TABLE", "EMBEDDED_ENV"):
        assert hasattr(reference, name), f"{api}.reference does not export {name}"


@pytest.mark.parametrize("api", APIS)
def test_rules_are_a_rulebook_of_the_catalogues_ids(api):
    import importlib

    from pytest_sessionapi.requirements import load_catalogue
    from pytest_sessionapi.rulebook import Rulebook

    rules = importlib.import_module(f"pytest_sessionapi.apis.{api}.rules").RULES
    assert isinstance(rules, Rulebook)
    unknown = set(rules) - {requirement.id for requirement in load_catalogue(api)}
    assert not unknown, f"{api} rules for requirements its catalogue lacks: {sorted(unknown)}"


def switched_names(source: str) -> tuple[set[str], list[str]]:
    """The variant names a server switches on (``<x>.variant("name")`` or ``variant("name")``
    calls), and any other way of asking (``variant == "name"``, ``.is_("name")``)."""
    names: set[str] = set()
    other: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            strings = [a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
            if called == "variant":
                names.update(strings)
            elif called == "is_" and strings:
                other.append(f"is_({strings[0]!r})")
        elif isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            named = [s for s in sides if (getattr(s, "attr", None) or getattr(s, "id", None)) == "variant"]
            literal = [s for s in sides if isinstance(s, ast.Constant) and isinstance(s.value, str)]
            if named and literal:
                other.append(f"variant == {literal[0].value!r}")
    return names, other


@pytest.mark.parametrize("api", APIS)
def test_the_server_switches_variants_one_way_and_each_variant_is_switched(api):
    """One way to ask (the core Switch, called with the variant's name), every name asked for is a
    declared variant, and every declared variant is asked for somewhere: a variant its server
    never switches on proves nothing."""
    source = (APIS_DIR / api / "reference" / "server.py").read_text(encoding="utf-8")
    names, other = switched_names(source)
    assert not other, f"{api}/reference/server.py asks for variants another way: {other}"
    declared = set(all_apis()[api].reference.VARIANTS)
    assert names - declared == set(), f"switched but not declared: {sorted(names - declared)}"
    assert declared - names == set(), f"declared but never switched: {sorted(declared - names)}"


@pytest.mark.parametrize("api", APIS)
def test_recorded_traffic_is_judged_by_the_core_with_the_apis_asked(api):
    """Live and recorded judging are the same code: an API gives the core judge the Asked of a
    recorded request (``steps.asked_of_recorded(request, answer, history)``), never a judge of
    its own."""
    import inspect

    steps = all_apis()[api].steps
    assert list(inspect.signature(steps.asked_of_recorded).parameters) == ["request", "answer", "history"]
    for path in sorted((APIS_DIR / api).rglob("*.py")):
        assert "def judge_recorded" not in path.read_text(encoding="utf-8"), path


@pytest.mark.parametrize("api", APIS)
def test_the_preflight_asks_each_api_for_its_leftovers_through_one_hook(api):
    """The core preflight calls ``sessions.leftovers(open_http, target)`` once the credentials
    passed: the API's client (which its sessions use) never reaches back into its sessions."""
    import inspect

    sessions = all_apis()[api].sessions
    assert list(inspect.signature(sessions.leftovers).parameters) == ["open_http", "target"]
    client = (APIS_DIR / api / "client.py").read_text(encoding="utf-8")
    assert "from .sessions import" not in client


def test_the_switch_recogniser_sees_each_way():
    names, other = switched_names(
        'self.variant("a")\nvariant("b", "c")\nif self.variant == "d": pass\nstate.is_("e")\n'
    )
    assert names == {"a", "b", "c"}
    assert other == ['variant == \'d\'', "is_('e')"]


@pytest.mark.parametrize("api", APIS)
def test_the_descriptor_names_its_own_folder(api):
    descriptor = all_apis()[api]
    assert isinstance(descriptor, ApiDescriptor)
    assert descriptor.package == f"pytest_sessionapi.apis.{api}"
    assert descriptor.path == APIS_DIR / api
    assert all(path.startswith("/") for path in (*descriptor.credential_paths, *descriptor.appended_paths))


# --- API code stays out of the runtime ----------------------------------------------------------

RUNTIME = "pytest_sessionapi.runtime"
STOPPERS = frozenset({"skip", "xfail", "exit", "fail"})


def offences(source: str, package: str = "pytest_sessionapi.apis.example") -> list[str]:
    """Imports of the runtime and pytest's test stoppers in ``source``, a module of ``package``
    (wherever they are: a lazy import inside a function counts)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [f"import {a.name}" for a in node.names if a.name == RUNTIME or a.name.startswith(RUNTIME + ".")]
        elif isinstance(node, ast.ImportFrom):
            names = {a.name for a in node.names}
            base = package.split(".")[: len(package.split(".")) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            if module == RUNTIME or module.startswith(RUNTIME + ".") or (
                module == "pytest_sessionapi" and "runtime" in names
            ):
                found.append(f"from {module} import {', '.join(sorted(names))}")
            if module == "pytest" and names & STOPPERS:
                found.append(f"from pytest import {', '.join(sorted(names & STOPPERS))}")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner = node.func.value
            if isinstance(owner, ast.Name) and owner.id == "pytest" and node.func.attr in STOPPERS:
                found.append(f"pytest.{node.func.attr}()")
    return found


def test_no_api_module_imports_the_runtime_or_stops_a_test_itself():
    found = {}
    for path in sorted(APIS_DIR.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        package = ".".join(parts if path.name == "__init__.py" else parts[:-1])
        problems = offences(path.read_text(encoding="utf-8"), package)
        if problems:
            found[str(path.relative_to(PACKAGE))] = problems
    assert not found, found


@pytest.mark.parametrize(
    ("source", "offence"),
    [
        ("from pytest_sessionapi.runtime import NotTested", "from pytest_sessionapi.runtime import NotTested"),
        ("def f():\n    from ...runtime import NotTested", "from pytest_sessionapi.runtime import NotTested"),
        ("from ... import runtime", "from pytest_sessionapi import runtime"),
        ("import pytest_sessionapi.runtime", "import pytest_sessionapi.runtime"),
        ("import pytest\ndef f():\n    pytest.skip('device busy')", "pytest.skip()"),
        ("from pytest import skip", "from pytest import skip"),
    ],
)
def test_each_way_in_is_recognised(source, offence):
    assert offences(source) == [offence]


def test_what_api_code_may_use_is_not_an_offence():
    allowed = (
        "from pytest_sessionapi.outcomes import NotTested\n"
        "from .checks import judge\n"
        "conformance.stop_not_tested('device busy')\n"
        "import pytest\npytest.approx(1)\n"
    )
    assert offences(allowed) == []


# --- the core takes what it knows of an API from the descriptors --------------------------------

def _code_strings(path: Path) -> list[str]:
    """The string constants of a module, docstrings (also an attribute's) left out: they may
    give an API's path as an example."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.value) for node in ast.walk(tree)
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
    }
    return [
        node.value for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
    ]


def _api_paths() -> set[str]:
    return {p for api in all_apis().values() for p in (*api.credential_paths, *api.appended_paths)}


def test_no_core_module_holds_an_apis_paths():
    paths = _api_paths()
    holding = {}
    for path in sorted(PACKAGE.glob("*.py")):
        found = sorted({p for text in _code_strings(path) for p in paths if p in text})
        if found:
            holding[path.name] = found
    assert holding == {}, f"core modules holding an API's paths (take them from the descriptor): {holding}"


# --- the core imports no API package -------------------------------------------------------------

APIS_PACKAGE = "pytest_sessionapi.apis"


def api_imports(source: str, package: str = "pytest_sessionapi") -> list[str]:
    """The imports of an API package (``pytest_sessionapi.apis.<name>`` or anything in it) in
    ``source``, a module of ``package``, wherever they are (a lazy import inside a function
    counts). Importing the ``apis`` namespace itself, and ``importlib.import_module`` of a name
    computed at run time (the registry's discovery), name no API and are allowed; a literal name
    of an API module is an import like any other."""
    def names_an_api(module: str) -> bool:
        return module.startswith(APIS_PACKAGE + ".")

    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [f"import {a.name}" for a in node.names if names_an_api(a.name)]
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")[: len(package.split(".")) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            imported = [f"{module}.{a.name}" for a in node.names]
            if names_an_api(module) or any(names_an_api(name) for name in imported):
                found.append(f"from {module} import {', '.join(a.name for a in node.names)}")
        elif isinstance(node, ast.Call):
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            literal = node.args[0] if node.args else None
            if called in ("import_module", "__import__") and isinstance(literal, ast.Constant) \
                    and isinstance(literal.value, str) and names_an_api(literal.value):
                found.append(f"{called}({literal.value!r})")
    return found


def test_no_core_module_imports_an_api_package():
    """The core reaches an API only through its descriptor (``registry``): ``api.steps``,
    ``api.reference``, ``api.module(name)``... A core module that imports an API's module would
    work for that API alone, and a fourth API would need a change in the core."""
    found = {}
    for path in sorted(PACKAGE.glob("*.py")):
        problems = api_imports(path.read_text(encoding="utf-8"))
        if problems:
            found[path.name] = problems
    assert found == {}, f"core modules importing an API package (go through the descriptor): {found}"


@pytest.mark.parametrize(
    ("source", "offence"),
    [
        ("from .apis.biot import model", "from pytest_sessionapi.apis.biot import model"),
        ("def f():\n    from .apis.umts.rules import RULES", "from pytest_sessionapi.apis.umts.rules import RULES"),
        ("from .apis import umts", "from pytest_sessionapi.apis import umts"),
        ("from pytest_sessionapi.apis import controlcenter",
         "from pytest_sessionapi.apis import controlcenter"),
        ("import pytest_sessionapi.apis.biot.steps", "import pytest_sessionapi.apis.biot.steps"),
        ("importlib.import_module('pytest_sessionapi.apis.umts.client')",
         "import_module('pytest_sessionapi.apis.umts.client')"),
    ],
)
def test_each_way_of_importing_an_api_package_is_recognised(source, offence):
    assert api_imports(source) == [offence]


def test_the_registrys_discovery_is_not_an_api_import():
    allowed = (
        "from . import apis\n"
        "importlib.import_module(f'{apis.__name__}.{info.name}')\n"
        "importlib.import_module(f'{self.package}.{name}')\n"
        "from .registry import get_api\n"
    )
    assert api_imports(allowed) == []


def found_in_package(finder) -> dict[str, list]:
    """What ``finder(source)`` finds in each module of the package, by path within it."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        offences = finder(path.read_text(encoding="utf-8"))
        if offences:
            found[str(path.relative_to(PACKAGE))] = offences
    return found


def asserts_that_judge(source: str) -> list[int]:
    """Lines of ``assert test, message`` statements: a check stated as an assert."""
    return [node.lineno for node in ast.walk(ast.parse(source)) if isinstance(node, ast.Assert) and node.msg]


def test_no_check_of_the_package_is_an_assert_statement():
    """``python -O`` (``PYTHONOPTIMIZE``, set in some CI images) strips assert statements, and
    pytest rewrites those of a plugin installed from a wheel: a rule stated as ``assert`` would
    pass every answer under -O and word its failure differently per installation. Checks raise
    (``RuleFailure`` in rules); a bare ``assert x is not None`` that only narrows a type is left."""
    found = found_in_package(asserts_that_judge)
    assert found == {}, f"checks stated as assert statements (raise instead): {found}"


def test_a_fault_fails_its_requirement_under_python_optimize(run_suite, monkeypatch):
    """The end-to-end proof of the pin above: with ``PYTHONOPTIMIZE=1`` a reference whose token
    endpoint answers an empty body still fails UMTS-AUTH-TOKEN (it passed every test while the
    UMTS rules were assert statements)."""
    monkeypatch.setenv("PYTHONOPTIMIZE", "1")
    run = run_suite("umts", variant="token-empty", subprocess=True)
    assert run.ret == 1, run.output()
    assert run.failed("umts") == ["UMTS-AUTH-TOKEN"]


def test_the_assert_finder_sees_a_check_and_not_a_type_narrowing():
    assert asserts_that_judge("assert status == 200, 'not 200'\nassert body is not None\n") == [1]


def run_state_in_module_globals(source: str) -> list[str]:
    """Module-level names bound to a weak-keyed map or a map keyed by ``id(...)``: state of one
    run kept beside the objects it belongs to."""
    found = []
    for node in ast.parse(source).body:
        targets = [node.target] if isinstance(node, ast.AnnAssign) else getattr(node, "targets", [])
        value = getattr(node, "value", None)
        text = ast.unparse(value) if value is not None else ""
        if "WeakKeyDictionary" in text or "WeakValueDictionary" in text or "id(" in text:
            found += [ast.unparse(t) for t in targets]
    return found


def test_no_module_keeps_a_runs_state_keyed_by_its_objects():
    """Issue 17: what a run learns belongs to the run (``runtime.Run``) or to a target
    (``EffectiveTarget.held``), never to a module global keyed by clients or targets: two runs in
    one process (pytester, a self-test's variants) would share it."""
    found = found_in_package(run_state_in_module_globals)
    assert found == {}, f"module globals keyed by a run's objects: {found}"


def test_the_global_finder_sees_a_weak_keyed_map():
    assert run_state_in_module_globals(
        "import weakref\nSEEN: dict = weakref.WeakKeyDictionary()\nOTHER = {}\n"
    ) == ["SEEN"]
