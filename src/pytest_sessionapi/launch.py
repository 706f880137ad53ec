"""Where the packaged conformance suites are and how pytest runs them, for the command line
(``sessionapi run``, ``certify``), the judge's replays and the runtime. A module of its own, so
that none of them imports the command line's module (``__main__``) and the core has no cycle."""

from __future__ import annotations

from pathlib import Path


def suites_path() -> Path:
    """The suites: packaged inside the wheel, or the repository's ``suites/`` in a checkout."""
    packaged = Path(__file__).parent / "suites"
    if packaged.is_dir():
        return packaged
    checkout = Path(__file__).resolve().parents[2] / "suites"
    if checkout.is_dir():
        return checkout
    raise SystemExit("sessionapi: cannot find the conformance suites in this installation")


_INI_FILES = (
    ("pytest.ini", None),
    (".pytest.ini", None),
    ("pyproject.toml", "[tool.pytest.ini_options]"),
    ("tox.ini", "[pytest]"),
    ("setup.cfg", "[tool:pytest]"),
)


def project_ini(directory: Path) -> Path | None:
    """The pytest configuration file in ``directory``, found the way pytest looks for one."""
    for name, section in _INI_FILES:
        path = directory / name
        if path.is_file() and (section is None or section in path.read_text(encoding="utf-8", errors="replace")):
            return path
    return None


NOT_LOADED_PLUGINS = ("-p", "no:schemathesis", "-p", "no:respx", "-p", "no:anyio")
"""Installed pytest plugins the suites never use (their imports cost every start)."""


def run_suites(rest: list[str]) -> int:
    """pytest over the packaged suites, with the working directory's pytest configuration."""
    import pytest

    # The suites never use Schemathesis's own pytest plugin (they drive its generation and checks
    # through schemathesis_support), and loading it costs every start its HTML reporting, ASGI
    # and GraphQL support. Nor respx's (its respx_mock fixture) or anyio's (its marker): respx's
    # import alone was 0.15 s of the 1.26 s of CPU a UMTS run spent before its first test.
    args = [
        str(suites_path()), "-p", "no:cacheprovider", *NOT_LOADED_PLUGINS, *rest,
    ]
    chosen = any(a in ("-c", "--config-file") or a.startswith(("--config-file=", "-c")) for a in rest)
    ini = None if chosen else project_ini(Path.cwd())
    if ini is not None:
        # The suites live in site-packages; pytest would look for its configuration there, not
        # where the user runs the command.
        args[1:1] = ["-c", str(ini), f"--rootdir={ini.parent}"]
    return int(pytest.main(args))
