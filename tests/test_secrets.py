"""Secrets never reach a report, a log or a failure message: each API's suite runs over real HTTP
with recognisable credentials, once accepted and once refused, and nothing it writes holds them."""

from __future__ import annotations

import pytest

from pytest_sessionapi.registry import all_apis

CANARY = "WRONG-sessionapi-canary-5e1f9a"


def _written(run) -> str:
    reports = "".join(p.read_text() for p in run.report_path.parent.iterdir() if p.is_file())
    return reports + run.output() + run.result.stderr.str()


@pytest.mark.parametrize("api", list(all_apis()))
def test_accepted_credentials_stay_out_of_everything_written(run_suite, api):
    run = run_suite(api, "-rA", "--log-level=DEBUG", over="http")
    assert run.ret == 0, run.output()
    written = _written(run)
    for secret in all_apis()[api].reference.EMBEDDED_ENV.values():
        assert secret not in written


@pytest.mark.parametrize("api", list(all_apis()))
def test_refused_credentials_stay_out_of_failure_messages(run_suite, api):
    env = {name: CANARY for name in all_apis()[api].reference.EMBEDDED_ENV}
    run = run_suite(api, "-rA", "--log-level=DEBUG", over="http", env=env)
    # Refused credentials are the user's setup, found by the preflight: verdict error, exit 4.
    assert run.ret == 4, run.output()
    assert run.api(api)["verdict"] == "error"
    assert CANARY not in _written(run)


def test_a_target_never_shows_its_secrets_in_its_repr():
    """pytest prints fixture values, the target among them, in failure tracebacks."""
    from pytest_sessionapi.config import embedded_target

    for api in all_apis().values():
        target = embedded_target(api, None)
        for secret in api.reference.EMBEDDED_ENV.values():
            assert secret not in repr(target)
        assert target.secrets, "the embedded target resolves its secrets"
