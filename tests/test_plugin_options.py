"""The plugin's user-facing surface, pinned: options and their ini mirrors, markers, the report
header, and the exact one-line usage errors (exit status 4) for every configuration problem."""

from __future__ import annotations

import pytest

SECRET = "sessionapi-TEST-secret-8f2c1d"

CC_TABLE = """
[controlcenter]
base_url = "https://rws.example.test"
username = "qa-user"
api_key_env = "SESSIONAPI_TEST_CC_KEY"
"""


@pytest.fixture
def project(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    """A throwaway project with one unrelated test, so a run exercises only configuration."""
    pytester.makepyfile(test_unrelated="def test_nothing():\n    pass\n")
    monkeypatch.delenv("SESSIONAPI_TEST_CC_KEY", raising=False)
    return pytester


def test_help_lists_every_option_with_its_ini_mirror(project):
    result = project.runpytest("--help")
    result.stdout.fnmatch_lines(
        [
            "session API conformance (pytest-sessionapi):",
            "*--sessionapi-config=PATH*",
            "*--sessionapi-api=NAMES*",
            "*--sessionapi-report-dir=DIR*",
            "*--sessionapi-reference-variant=API:VARIANT*",
            "*--sessionapi-strict*",
        ]
    )
    unwrapped = "".join(result.stdout.str().split())  # help text is wrapped to the terminal
    for ini in ("sessionapi_config", "sessionapi_api", "sessionapi_report_dir",
                "sessionapi_reference_variant", "sessionapi_strict", "sessionapi_budget"):
        assert f"[ini:{ini}]" in unwrapped
        result.stdout.fnmatch_lines([f"  {ini} (*):"])


def test_markers_are_registered_with_a_description(project):
    result = project.runpytest("--markers")
    result.stdout.fnmatch_lines(
        [
            "@pytest.mark.sessionapi(api): the API (an API folder's name, e.g. as --sessionapi-api takes it) a suite test checks*",
            "@pytest.mark.sessionapi_requirement(*ids): the catalogue requirement IDs a test checks*",
        ]
    )


def test_an_unrelated_run_hears_nothing_of_the_plugin(project):
    result = project.runpytest()
    assert result.ret == 0
    # pytest's own "plugins:" line names every plugin installed; nothing else may.
    assert [line for line in result.stdout.lines if "sessionapi" in line and not line.startswith("plugins:")] == []


def test_header_shows_when_the_suites_are_collected(project):
    from tests.conftest import SUITES

    result = project.runpytest("--collect-only", str(SUITES / "controlcenter"))
    result.stdout.fnmatch_lines(["sessionapi: targets from embedded reference endpoints; reports to *reports"])


def test_header_shows_the_embedded_default(project):
    result = project.runpytest("--sessionapi-api=biot,controlcenter,umts")
    result.stdout.fnmatch_lines(
        [
            "sessionapi: targets from embedded reference endpoints; reports to *reports",
            "  biot: embedded reference (in-process)",
            "  controlcenter: embedded reference (in-process)",
            "  umts: embedded reference (in-process)",
        ]
    )
    assert result.ret == 0


def test_header_shows_each_target_and_never_a_secret(project, monkeypatch):
    monkeypatch.setenv("SESSIONAPI_TEST_CC_KEY", SECRET)
    project.path.joinpath("targets.toml").write_text(CC_TABLE)
    result = project.runpytest("--sessionapi-config=targets.toml")
    result.stdout.fnmatch_lines(
        [
            "sessionapi: targets from *targets.toml; reports to *reports",
            "  biot: not-run (no [[]biot[]] table in *targets.toml)",
            "  controlcenter: https://rws.example.test (from *targets.toml), 5 req/s, timeout 30 s",
            "  umts: not-run (no [[]umts[]] table in *targets.toml)",
        ]
    )
    assert SECRET not in result.stdout.str()
    assert result.ret == 0


def test_ini_values_mirror_the_options(project):
    project.path.joinpath("conf").mkdir()
    project.path.joinpath("conf", "targets.toml").write_text(
        CC_TABLE.replace('api_key_env = "SESSIONAPI_TEST_CC_KEY"', 'api_key_env = "HOME"')
        + "max_rps = 0.5\n"
    )
    project.makeini(
        """
        [pytest]
        sessionapi_config = conf/targets.toml
        sessionapi_api = controlcenter
        sessionapi_report_dir = out
        sessionapi_strict = true
        """
    )
    result = project.runpytest()
    result.stdout.fnmatch_lines(
        [
            "sessionapi: targets from *conf/targets.toml; reports to *out; strict (SHOULD failures count)",
            "  biot: not-run (not selected by --sessionapi-api)",
            "  controlcenter: https://rws.example.test (from *conf*targets.toml), 0.5 req/s, *",
        ]
    )


def test_command_line_beats_ini(project):
    project.makeini("[pytest]\nsessionapi_api = umts\n")
    result = project.runpytest("--sessionapi-api=biot")
    result.stdout.fnmatch_lines(["  biot: embedded reference (in-process)"])
    result.stdout.fnmatch_lines(["  umts: not-run (not selected by --sessionapi-api)"])


@pytest.mark.parametrize(
    ("files", "args", "message"),
    [
        pytest.param(
            {"targets.toml": CC_TABLE}, ["--sessionapi-config=targets.toml"],
            "ERROR: targets.toml: [[]controlcenter[]] api_key_env: environment variable "
            "SESSIONAPI_TEST_CC_KEY is not set",
            id="missing-env-var",
        ),
        pytest.param(
            {}, ["--sessionapi-config=missing.toml"],
            "ERROR: cannot read targets file *missing.toml: No such file or directory",
            id="unreadable",
        ),
        pytest.param(
            {"targets.toml": "[controlcenter\nbase_url = 1"}, ["--sessionapi-config=targets.toml"],
            "ERROR: targets file *targets.toml is not valid TOML: *(at line 1, column *)",
            id="invalid-toml",
        ),
        pytest.param(
            {"targets.toml": "[jasper]\nbase_url = 'https://x.test'\n"},
            ["--sessionapi-config=targets.toml"],
            "ERROR: *targets.toml: unknown API table [[]jasper[]] (known: biot, controlcenter, umts)",
            id="unknown-api-table",
        ),
        pytest.param(
            {"targets.toml": CC_TABLE + "colour = 'red'\n"}, ["--sessionapi-config=targets.toml"],
            "ERROR: *targets.toml: [[]controlcenter[]] colour: unknown key",
            id="unknown-key",
        ),
        pytest.param(
            {"targets.toml": CC_TABLE.replace("https://rws.example.test", "rws.example.test")},
            ["--sessionapi-config=targets.toml"],
            "ERROR: *targets.toml: [[]controlcenter[]] base_url: 'rws.example.test' is not an "
            "http:// or https:// URL with a host",
            id="bad-url",
        ),
        pytest.param(
            {"targets.toml": CC_TABLE.replace("https://", "https://u:p@")},
            ["--sessionapi-config=targets.toml"],
            "ERROR: *targets.toml: [[]controlcenter[]] base_url: must not contain credentials; "
            "use the *_env keys",
            id="credentials-in-url",
        ),
        pytest.param(
            {"targets.toml": CC_TABLE + "api_key = 'hunter2'\n"},
            ["--sessionapi-config=targets.toml"],
            "ERROR: *targets.toml: [[]controlcenter[]] 'api_key' must not be written in the file;*",
            id="inline-secret",
        ),
        pytest.param(
            {"targets.toml": CC_TABLE.replace('username = "qa-user"\n', "")},
            ["--sessionapi-config=targets.toml"],
            "ERROR: *targets.toml: [[]controlcenter[]] username: required key is missing",
            id="missing-key",
        ),
        pytest.param(
            {"targets.toml": CC_TABLE + "max_rps = -1\n"}, ["--sessionapi-config=targets.toml"],
            "ERROR: *targets.toml: [[]controlcenter[]] max_rps: Input should be greater than or equal to 0",
            id="negative-rate",
        ),
        pytest.param(
            {}, ["--sessionapi-api=jasper"],
            "ERROR: unknown API 'jasper' in --sessionapi-api (known: biot, controlcenter, umts)",
            id="unknown-api-option",
        ),
        pytest.param(
            {"targets.toml": CC_TABLE}, ["--sessionapi-config=targets.toml", "--sessionapi-api=umts"],
            "ERROR: none of the selected APIs (umts) has a table in *targets.toml",
            id="nothing-selected-runs",
        ),
        pytest.param(
            {}, ["--sessionapi-reference-variant=controlcenter:no-such-variant"],
            "ERROR: --sessionapi-reference-variant: controlcenter has no reference variant "
            "'no-such-variant' (list them with `python -m pytest_sessionapi variants controlcenter`)",
            id="unknown-variant",
        ),
    ],
)
def test_configuration_problems_are_one_line_usage_errors(project, files, args, message):
    for name, text in files.items():
        project.path.joinpath(name).write_text(text)
    result = project.runpytest(*args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([message])
    errors = [line for line in result.stderr.lines if line.strip()]
    assert len(errors) == 1, errors
    assert "Traceback" not in result.stderr.str() + result.stdout.str()


def test_usage_error_from_the_ini_file_names_the_ini_option(project):
    project.makeini("[pytest]\nsessionapi_api = jasper\n")
    result = project.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: unknown API 'jasper' in ini option sessionapi_api (known: *)"])


def test_plugin_stays_silent_for_unrelated_suites(project):
    """Installed in an environment, the plugin must not write reports for other projects' tests."""
    result = project.runpytest()
    assert result.ret == 0
    assert not project.path.joinpath("reports").exists()
    assert "sessionapi conformance" not in result.stdout.str()


def test_the_api_names_in_the_help_come_from_the_api_folders(project):
    from pytest_sessionapi.registry import all_apis

    result = project.runpytest("--help")
    unwrapped = " ".join(result.stdout.str().split())
    assert f"comma-separated list of {', '.join(all_apis())}" in unwrapped


def test_every_fixture_and_marker_of_the_plugin_carries_its_prefix(pytester: pytest.Pytester):
    """Another plugin's ``requirement`` marker (pytest-requirements has one) or ``conformance``
    fixture must not meet ours: every name the plugin adds to a test's namespace starts with
    ``sessionapi``."""
    pytester.makepyfile("def test_nothing():\n    pass\n")
    fixtures = pytester.runpytest_subprocess("--fixtures", "-v", "-p", "no:cacheprovider")
    ours, in_ours = [], False
    for line in fixtures.stdout.lines:
        if line.startswith("-") and "fixtures defined from" in line:
            in_ours = "pytest_sessionapi" in line
        elif in_ours and " -- " in line and not line.startswith(" "):
            ours.append(line.split(" -- ")[0].split()[0])
    assert "sessionapi_conformance" in ours, fixtures.stdout.str()
    assert [name for name in ours if not name.startswith("sessionapi_")] == []
    markers = pytester.runpytest_subprocess("--markers", "-p", "no:cacheprovider").stdout.str()
    assert "@pytest.mark.sessionapi_requirement(*ids)" in markers
    assert "@pytest.mark.requirement" not in markers


def test_dependencies_are_not_rewritten_for_assertions_but_tests_are(pytester):
    """pytest marks every module of a distribution that ships a pytest plugin for assertion
    rewriting; without a bytecode cache that re-rewrote Schemathesis and Hypothesis at every
    start. The plugin unmarks its dependencies; the tests' own asserts are still rewritten."""
    pytester.makepyfile(
        test_rewrite="import sys\n"
        "import hypothesis.strategies, schemathesis.openapi\n"
        "def test_marks():\n"
        "    assert '@py_builtins' in vars(sys.modules[__name__])\n"
        "    for name in ('schemathesis.openapi', 'hypothesis.strategies', 'hypothesis.core'):\n"
        "        assert '@py_builtins' not in vars(sys.modules[name]), name\n"
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


@pytest.mark.parametrize("option", ["--sessionapi-report-dir", "--sessionapi-record"])
def test_a_folder_that_cannot_be_written_is_a_usage_error_before_any_test(project, option):
    """An unwritable report or record folder used to be found after every test had run (a
    traceback, no report); it is a usage error, exit 4, one line, before the first test."""
    (project.path / "FILE").write_text("not a folder\n")
    result = project.runpytest(f"{option}=FILE/x")
    assert result.ret == 4
    assert result.errlines == [
        f"ERROR: {option}: cannot write to FILE/x: FILE is a file, not a folder", "",
    ] or result.errlines == [f"ERROR: {option}: cannot write to FILE/x: FILE is a file, not a folder"]
    assert "test_nothing" not in result.stdout.str() and "passed" not in result.stdout.str()
