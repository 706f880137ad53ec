"""How long each API's conformance suite takes next to the Schemathesis CLI, on the same server.

Run: python benchmarks/vs_schemathesis.py [--api NAME] [--repeat N] [--mode both|cached|cold]

For every API (or the one ``--api`` names), each repetition serves a fresh copy of the API's
embedded reference on loopback and times, end to end as a user would start them:

- ours: ``pytest suites/<api>`` pointed at it through a generated ``targets.toml`` (the
  reference's ``EMBEDDED_TABLE``, with the ``EMBEDDED_ENV`` secrets in the environment);
- the CLI: ``schemathesis run apis/<api>/openapi.json --url <base> --checks all
  --max-examples 25``, given the API's credentials through its own options (``--auth`` for HTTP
  Basic, ``--header`` for a bearer token or a logged-in session's cookie and XSRF token).

Why those CLI settings, and not ours to choose: ``--checks all`` is what a user who wants a
conformance verdict from the CLI asks for (every check it has, as the suites judge every
requirement they have), and 25 examples per operation is the setting the comparison was first
made with (issue 22); the document is the vendor's own, the one the suites judge against. The
CLI's default phases (examples, coverage, fuzzing, stateful) stay on: a user gets them.

Requests are counted by the server (an ASGI wrapper around the reference), so both sides are
counted the same way, logins included. The two runs alternate within a repetition so that load
from elsewhere on the machine falls on both. Printed: medians of the wall times and request
counts, and the ratio ours / CLI (issue 22 asks for 1.0 or less for Control Center, 0.8 for the
others). Figures, not assertions: speed is measured here, never in timed tests.

Both ways, as issue 22 asks, in one run of the script (``--mode`` picks one):

- *cached*: as on a developer's machine, with Python's bytecode cache (kept in a private
  ``PYTHONPYCACHEPREFIX`` for the whole benchmark, so nothing is written into the tree) and after
  one warm-up run each that is not counted;
- *cold*: as in the many CI images that set ``PYTHONDONTWRITEBYTECODE=1``: no cache, no warm-up,
  every start compiles, and pytest rewrites the assertions of what it marks, again.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from pytest_sessionapi.registry import ApiDescriptor, all_apis  # noqa: E402
from pytest_sessionapi.serving import loopback_table, serving, toml_table  # noqa: E402

SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")

CLI_SETTINGS = ("--checks", "all", "--max-examples", "25")
"""The CLI's settings, stated and justified in the module's docstring."""

BASE_ENV: dict[str, str] = dict(os.environ)
"""The environment both sides run in; :func:`measure` sets the bytecode cache policy."""


class CountingApp:
    """The reference app, counting the HTTP requests it is asked to serve."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.requests = 0
        self.successes = 0
        """2xx answers: a CLI run whose credentials were refused would be fast and meaningless."""

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        self.requests += 1

        async def counting_send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start" and 200 <= message["status"] < 300:
                self.successes += 1
            await send(message)

        await self.app(scope, receive, counting_send)


@dataclass
class Run:
    seconds: float
    requests: int
    successes: int
    exit_code: int
    output: str = field(repr=False)


def timed(command: list[str], *, cwd: Path, env: dict[str, str], app: CountingApp,
          before: Callable[[], None] | None = None) -> Run:
    started = time.perf_counter()
    if before is not None:
        before()
    proc = subprocess.run(command, cwd=cwd, env={**BASE_ENV, **env}, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    return Run(elapsed, app.requests, app.successes, proc.returncode, proc.stdout[-4000:] + proc.stderr[-2000:])


def run_suite(api: ApiDescriptor, workdir: Path) -> Run:
    app = CountingApp(api.reference.create_app())
    with serving(app) as base_url:
        config = workdir / "targets.toml"
        config.write_text(toml_table(api.name, loopback_table(api, base_url)), encoding="utf-8")
        command = [
            sys.executable, "-m", "pytest", str(REPO / "suites" / api.name), "-q",
            "-p", "no:cacheprovider", f"--sessionapi-api={api.name}",
            f"--sessionapi-config={config}", f"--sessionapi-report-dir={workdir / 'reports'}",
        ]
        # This checkout's plugin and suites, whatever copy of the package is installed.
        env = {**api.reference.EMBEDDED_ENV, "PYTHONPATH": str(REPO / "src")}
        return timed(command, cwd=REPO, env=env, app=app)


def secret(api: ApiDescriptor, key: str) -> str:
    """The value of the table's ``<key>_env`` secret in the reference's embedded environment."""
    return api.reference.EMBEDDED_ENV[api.reference.EMBEDDED_TABLE[f"{key}_env"]]


def cli_credentials(api: ApiDescriptor, base_url: str) -> list[str]:
    """The CLI options that authenticate as the embedded table's user, read from the OpenAPI
    document's security scheme the way a CLI user would set them up by hand."""
    schemes = json.loads((api.path / "openapi.json").read_text(encoding="utf-8"))
    schemes = schemes.get("components", {}).get("securitySchemes", {})
    table = api.reference.EMBEDDED_TABLE
    kinds = {(scheme["type"], scheme.get("scheme"), scheme.get("in")) for scheme in schemes.values()}
    if ("http", "basic", None) in kinds:
        return ["--auth", f"{table['username']}:{secret(api, 'api_key')}"]
    if ("http", "bearer", None) in kinds:
        return ["--header", f"Authorization: Bearer {secret(api, 'token')}"]
    if ("apiKey", None, "cookie") in kinds:
        return session_login(api, base_url)
    raise SystemExit(f"{api.name}: no way to give the Schemathesis CLI these credentials: {kinds}")


def session_login(api: ApiDescriptor, base_url: str) -> list[str]:
    """A cookie session (SD-WAN Manager): the CLI cannot log in by itself, so log in once as its
    user would with curl (form login, then the XSRF token) and hand it the cookie and token."""
    import httpx

    client_module = api.client
    table = api.reference.EMBEDDED_TABLE
    with httpx.Client(base_url=base_url) as http:
        http.post(client_module.LOGIN_PATH,
                  data={"j_username": table["username"], "j_password": secret(api, "password")})
        cookie = http.cookies[client_module.SESSION_COOKIE]
        token = http.get(client_module.TOKEN_PATH).text.strip()
    return ["--header", f"Cookie: {client_module.SESSION_COOKIE}={cookie}",
            "--header", f"{client_module.XSRF_HEADER}: {token}"]


def run_cli(api: ApiDescriptor, workdir: Path) -> Run:
    app = CountingApp(api.reference.create_app())
    with serving(app) as base_url:
        command = [str(SCHEMATHESIS), "run", str(api.path / "openapi.json"), "--url", base_url,
                   "--no-color", *CLI_SETTINGS]
        # Logging in is part of what the CLI run costs: counted and timed with it.
        started = time.perf_counter()
        command += cli_credentials(api, base_url)
        login_seconds = time.perf_counter() - started
        # Its own directory: no schemathesis.toml, report or example database of anyone else's.
        run = timed(command, cwd=workdir, env={}, app=app)
        run.seconds += login_seconds
        return run


def medians(runs: list[Run]) -> tuple[float, float, float]:
    return (statistics.median(r.seconds for r in runs), statistics.median(r.requests for r in runs),
            statistics.median(r.successes for r in runs))


def measure(names: list[str], repeat: int, cold: bool) -> dict[str, tuple[float, float]]:
    """One table, both sides under one bytecode policy; returns {api: (ours s, CLI s)}."""
    cache = tempfile.TemporaryDirectory(prefix="vs-schemathesis-pycache-")
    BASE_ENV.pop("PYTHONPYCACHEPREFIX", None)
    if cold:
        BASE_ENV["PYTHONDONTWRITEBYTECODE"] = "1"
    else:
        BASE_ENV.pop("PYTHONDONTWRITEBYTECODE", None)
        BASE_ENV["PYTHONPYCACHEPREFIX"] = cache.name
    how = ("cold: PYTHONDONTWRITEBYTECODE=1, no warm-up" if cold
           else "cached: bytecode cache on, one warm-up run each")
    print(f"\n{how}; medians of {repeat} runs each, fresh loopback server per run")
    print(f"{'api':14} {'ours s':>8} {'requests (2xx)':>15} {'CLI s':>8} {'requests (2xx)':>15}"
          f" {'ours/CLI':>9}")
    ratios: dict[str, tuple[float, float]] = {}
    for name in names:
        api = all_apis()[name]
        ours: list[Run] = []
        cli: list[Run] = []
        if not cold:
            for side in (run_suite, run_cli):
                with tempfile.TemporaryDirectory() as workdir:
                    side(api, Path(workdir))
        for _ in range(repeat):
            with tempfile.TemporaryDirectory() as workdir:
                ours.append(run_suite(api, Path(workdir)))
            with tempfile.TemporaryDirectory() as workdir:
                cli.append(run_cli(api, Path(workdir)))
        our_seconds, our_requests, our_successes = medians(ours)
        cli_seconds, cli_requests, cli_successes = medians(cli)
        ratios[name] = (our_seconds, cli_seconds)
        print(f"{name:14} {our_seconds:8.2f} {our_requests:7.0f} ({our_successes:5.0f})"
              f" {cli_seconds:8.2f} {cli_requests:7.0f} ({cli_successes:5.0f})"
              f" {our_seconds / cli_seconds:8.2f}x", flush=True)
        # A suite that fails on its own reference measured something else: say so, with its output.
        for run in ours:
            if run.exit_code != 0:
                print(f"  note: the suite exited {run.exit_code} against the reference:\n{run.output}")
                break
        codes = sorted({run.exit_code for run in cli})
        if codes != [0]:
            print(f"  note: the CLI exited {codes} (it reports what it found; timing still counts)")
    cache.cleanup()
    return ratios


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--api", choices=sorted(all_apis()), help="one API (default: all)")
    parser.add_argument("--repeat", type=int, default=3, help="repetitions per side (default 3)")
    parser.add_argument("--mode", choices=("both", "cached", "cold"), default="both",
                        help="with a bytecode cache, without one (PYTHONDONTWRITEBYTECODE=1), or both")
    args = parser.parse_args()
    # The CLI sends malformed requests on purpose; uvicorn's warning for each is noise here. A
    # filter, because uvicorn resets the logger's level each time it starts a server.
    logging.getLogger("uvicorn.error").addFilter(lambda record: record.levelno >= logging.ERROR)
    names = [args.api] if args.api else list(all_apis())
    if not SCHEMATHESIS.exists():
        raise SystemExit(f"no Schemathesis CLI at {SCHEMATHESIS}")
    version = subprocess.run([str(SCHEMATHESIS), "--version"], capture_output=True, text=True).stdout
    print(f"{version.strip()}, run as: schemathesis run <the API's openapi.json> --url <base> "
          f"{' '.join(CLI_SETTINGS)}")
    modes = {"both": (False, True), "cached": (False,), "cold": (True,)}[args.mode]
    for cold in modes:
        measure(names, args.repeat, cold)


if __name__ == "__main__":
    main()
