"""The pytest entry point (``pytest11: sessionapi``).

Importing this module costs almost nothing: it imports only the standard library. Everything
else (pydantic, httpx, the reference servers, the vendor documents) is imported by
:mod:`pytest_sessionapi.runtime` when a run actually needs it, so installing the plugin does not
slow down unrelated test suites in the same environment.
"""

# Annotations stay strings (never evaluated), so naming pytest types costs no import.
from __future__ import annotations

import sys

# Libraries this plugin depends on that pytest would otherwise rewrite for assertions, only
# because they also ship a pytest plugin: pytest marks every module of such a distribution. Their
# asserts are internal invariants no test of anyone's reads, and without a bytecode cache (many
# CI images set PYTHONDONTWRITEBYTECODE=1) rewriting them again at every start cost a Control
# Center run a third of its CPU time (benchmarks/vs_schemathesis.py, the cold column). The same
# holds for this package when installed from a wheel (pytest marks every module of a pytest11
# distribution, an editable install hides them): its checks raise, never assert
# (tests/test_api_shape.py), so rewriting it would only cost compile time at every cold start.
NOT_REWRITTEN = frozenset({
    "schemathesis", "hypothesis", "_hypothesis_pytestplugin", "_hypothesis_globals",
    "_hypothesis_ftz_detector", "respx", "anyio", "pytest_sessionapi",
})


def _stop_rewriting_dependencies() -> None:
    # pytest offers no public way to unmark a package: the rewrite hook sits on sys.meta_path
    # and keeps the marked names in a set. If pytest changes that, nothing breaks: the
    # dependencies are rewritten as before.
    for finder in sys.meta_path:
        marked = getattr(finder, "_must_rewrite", None)
        if type(finder).__name__ == "AssertionRewritingHook" and isinstance(marked, set):
            marked.difference_update(NOT_REWRITTEN)
            cache = getattr(finder, "_marked_for_rewrite_cache", None)
            if isinstance(cache, dict):
                cache.clear()


_stop_rewriting_dependencies()

# (option, ini name, help, extra add_option kwargs)
OPTIONS: tuple[tuple[str, str, str, dict[str, object]], ...] = (
    (
        "--sessionapi-config",
        "sessionapi_config",
        "targets.toml describing the live endpoints to check; without it the suites run against "
        "the embedded reference implementations (no network, no credentials)",
        {"metavar": "PATH"},
    ),
    (
        "--sessionapi-api",
        "sessionapi_api",
        "run only these APIs: one name or a comma-separated list of {apis}",
        {"metavar": "NAMES"},
    ),
    (
        "--sessionapi-report-dir",
        "sessionapi_report_dir",
        "where conformance.json, conformance.md and conformance.html are written (default: reports)",
        {"metavar": "DIR"},
    ),
    (
        "--sessionapi-reference-variant",
        "sessionapi_reference_variant",
        "serve a variant of the embedded reference, API:VARIANT[,API:VARIANT] (self-testing: "
        "see `python -m pytest_sessionapi variants`)",
        {"metavar": "API:VARIANT"},
    ),
    (
        "--sessionapi-fail-on",
        "sessionapi_fail_on",
        "which outcomes fail the run: must (a failed MUST; the default), should (any failed "
        "requirement; what --sessionapi-strict means), incomplete (also an API whose MUSTs were "
        "not all tested)",
        {"metavar": "LEVEL"},
    ),
    (
        "--sessionapi-waivers",
        "sessionapi_waivers",
        "TOML file of known deviations ([[waiver]] api, requirement, reason, expires, ticket): a "
        "waived failure is reported 'waived' and does not fail the run; an expired waiver is a "
        "usage error",
        {"metavar": "FILE"},
    ),
    (
        "--sessionapi-requirement",
        "sessionapi_requirement",
        "run only the tests that check these requirements: IDs or glob patterns, comma-separated "
        "(e.g. CC-IPV6-*); the others are reported not-run",
        {"metavar": "IDS"},
    ),
    (
        "--sessionapi-budget",
        "sessionapi_budget",
        "the longest each API's run may take (90s, 10m, 1h30m; a bare number is seconds): past "
        "it, its remaining tests are skipped and the API is reported incomplete",
        {"metavar": "DURATION"},
    ),
    (
        "--sessionapi-record",
        "sessionapi_record",
        "write every exchange of the run to VCR cassettes in DIR, one per test, secrets scrubbed "
        "(replay them with --sessionapi-replay)",
        {"metavar": "DIR"},
    ),
    (
        "--sessionapi-replay",
        "sessionapi_replay",
        "run the suites against the cassettes recorded in DIR (--sessionapi-record), offline: no "
        "request leaves the process",
        {"metavar": "DIR"},
    ),
)

STRICT_HELP = (
    "strict profile: SHOULD-level failures (inferred rules, points the vendor's own documents "
    "contradict) also fail the run"
)


def pytest_addoption(parser: pytest.Parser) -> None:  # noqa: F821
    # The API names come from the API folders (a few small modules), never from this file.
    from .registry import all_apis

    names = ", ".join(all_apis())
    group = parser.getgroup("sessionapi", "session API conformance (pytest-sessionapi)")
    for flag, ini, help_template, extra in OPTIONS:
        help_text = help_template.replace("{apis}", names)
        group.addoption(flag, dest=ini, default=None, help=f"{help_text} [ini: {ini}]", **extra)
        parser.addini(ini, help=help_text, default=None)
    group.addoption(
        "--sessionapi-strict",
        dest="sessionapi_strict",
        action="store_true",
        default=None,
        help=f"{STRICT_HELP} [ini: sessionapi_strict]",
    )
    parser.addini("sessionapi_strict", help=STRICT_HELP, type="bool", default=False)


def pytest_cmdline_main(config: pytest.Config) -> None:  # noqa: F821
    """Once the options are read and before any plugin is configured: a recording's or a
    replay's Hypothesis seed goes where Hypothesis's own pytest plugin reads it in its
    ``pytest_configure`` (``--hypothesis-seed``), whichever of the two is configured first."""
    if config.getoption("sessionapi_record") or config.getoption("sessionapi_replay") or (
        config.getini("sessionapi_record") or config.getini("sessionapi_replay")
    ):
        from . import recording

        recording.seed_hypothesis(config)


def pytest_configure(config: pytest.Config) -> None:  # noqa: F821
    config.addinivalue_line(
        "markers",
        "sessionapi(api): the API (an API folder's name, e.g. as --sessionapi-api takes it) a "
        "suite test checks; configures the "
        "sessionapi_* fixtures and the test is deselected when that API does not run.",
    )
    config.addinivalue_line(
        "markers",
        "sessionapi_requirement(*ids): the catalogue requirement IDs a test checks (e.g. 'CC-NULL-IPV6'); "
        "the first is the test's own point, the one whose vendor sentence its docstring quotes, "
        "the others the rules every answer it gets is judged on; their statuses go to "
        "conformance.json.",
    )
    from . import runtime

    runtime.configure(config)
    from . import recording

    recording.configure(config)


def pytest_report_header(config: pytest.Config) -> list[str] | None:  # noqa: F821
    from . import runtime

    return runtime.report_header(config)
