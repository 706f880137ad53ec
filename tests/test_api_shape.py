"""One shape for every API folder, and a core that knows no API.

Someone adding a fourth API copies any one folder under ``src/pytest_sessionapi/apis/``: each holds
the same modules for the same roles. API code judges answers and keeps its sessions; stopping a
test is the recorder's business (``conformance.stop_not_tested``), so no API module reaches into
the pytest runtime or skips a test itself. The core takes what it must know about an API from the
API's descriptor, never from a name or a path of its own.
"""

from __future__ import annotations

import ast
import re
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
    "client.py": "build_auth, Client and preflight: the documented auth flow",
    "models.py": "the vendor's schemas as models",
    "requirements.toml": "the requirement catalogue",
    "openapi.json": "the vendor's OpenAPI document the suite generates from",
    "reference.py": "the conformant reference implementation and its variants",
    "checks.py": "the catalogue's rules on one answer",
    "schemathesis_checks.py": "the rules as Schemathesis checks",
}


def api_folders() -> list[Path]:
    return sorted(p for p in APIS_DIR.iterdir() if p.is_dir() and not p.name.startswith(("_", ".")))


def test_every_api_folder_is_a_registered_api():
    assert [folder.name for folder in api_folders()] == sorted(APIS)


@pytest.mark.parametrize("api", APIS)
def test_every_api_folder_has_a_module_for_each_shared_role(api):
    present = {path.name for path in (APIS_DIR / api).iterdir()}
    missing = {name: role for name, role in SHARED_ROLES.items() if name not in present}
    assert not missing, f"apis/{api} lacks: {missing}"


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

KNOWN_EXCEPTIONS = {
    "cassettes.py": "scrubs the XSRF token answer of UMTS's /client/token (_TOKEN_PATH)",
    "traffic_judge.py": "recognises each API's operations by their paths",
}
"""Core modules that still hold an API's paths of their own: each should take them from the
descriptors (or move into the API folders). The test fails when one of them no longer does, so
that the exception is removed with the fix."""


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
    assert set(holding) == set(KNOWN_EXCEPTIONS), holding
