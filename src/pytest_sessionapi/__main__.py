"""``python -m pytest_sessionapi`` (also installed as ``sessionapi``).

``serve``     serve a reference implementation on loopback for client developers
``variants``  list the reference variants (faults and conformant deviations) of an API
``run``       run the packaged conformance suites (for installs without the repository)
``judge``     judge traffic recorded by any tool (VCR cassettes, the Schemathesis CLI's VCR and HAR
              reports, any HAR 1.2) with the suites' rules
``certify``   run the suites, recorded, under the certification policy, into one verifiable archive
``verify``    check a certification archive: digests, recorded traffic re-judged, verdicts
``merge``     merge per-target reports (a CI matrix) into one fleet report
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

from .launch import run_suites, suites_path


def _serve(args: argparse.Namespace) -> int:
    from .registry import all_apis
    from .serving import (
        TLS_MISSING, TLS_NAMES, bind_socket, loopback_table, make_certificate, serve_forever, toml_table,
    )

    api = all_apis()[args.api]
    reference = api.reference
    if args.variant and args.variant not in reference.VARIANTS:
        print(f"sessionapi: {api.name} has no variant '{args.variant}'", file=sys.stderr)
        return 4
    tls = None
    if args.tls:
        import tempfile

        # Lives as long as the server: a CA printed for clients to trust must not outlive it.
        certificates = tempfile.TemporaryDirectory(prefix="sessionapi-tls-")
        try:
            tls = make_certificate(Path(certificates.name))
        except ImportError:
            print(TLS_MISSING, file=sys.stderr)
            return 4
    try:
        sock = bind_socket(args.host, args.port)
    except OSError as exc:
        print(
            f"sessionapi serve: cannot listen on {args.host}:{args.port}: "
            f"{exc.strerror or exc} (choose another --port, or --port 0 for a free one)",
            file=sys.stderr,
        )
        return 4
    base_url = f"{'https' if tls else 'http'}://{args.host}:{sock.getsockname()[1]}"
    label = f" (variant '{args.variant}')" if args.variant else ""
    print(f"Serving the {api.name} reference implementation{label} on {base_url}")
    if tls:
        print(f"TLS certificate for {', '.join(TLS_NAMES)}, signed by the CA in {tls.ca_file}")
    print("Point the suites at it with this targets.toml table and environment:\n")
    table = loopback_table(api, base_url)
    if tls:
        table["ca_bundle"] = str(tls.ca_file)
    print(toml_table(api.name, table))
    for name, value in reference.EMBEDDED_ENV.items():
        print(f"export {name}={shlex.quote(value)}")
    print("\nCtrl-C stops the server.", flush=True)
    if tls:
        import signal

        def stop(signum: int, frame: object) -> None:
            raise KeyboardInterrupt

        # uvicorn re-raises the SIGTERM it caught once it has shut down; as KeyboardInterrupt it
        # reaches the cleanup below, so a terminated server leaves no key behind in /tmp.
        signal.signal(signal.SIGTERM, stop)
    try:
        serve_forever(reference.create_app(args.variant), sock, tls)
    except KeyboardInterrupt:
        pass
    finally:
        if tls:
            certificates.cleanup()
    return 0


def _variants(args: argparse.Namespace) -> int:
    from .registry import all_apis
    from .requirements import find_requirement

    names = [args.api] if args.api else list(all_apis())
    for name in names:
        print(f"{name}:")
        for variant in all_apis()[name].reference.VARIANTS.values():
            trips = ""
            if variant.requirement:
                trips = f" -> must fail {variant.requirement}"
                if find_requirement(variant.requirement).level == "SHOULD":
                    trips += " (a SHOULD: reported, the run fails only with --sessionapi-strict)"
            print(f"  {variant.name:32} {variant.kind:10} {variant.description}{trips}")
            details = []
            if variant.knock_on:
                details.append(f"also fails {', '.join(variant.knock_on)} (knock-on)")
            if variant.transport:
                details.append(f"a transport {'fault' if variant.kind == 'fault' else 'difference'}: "
                               "self-tested over loopback HTTP too")
            if details:
                print(f"  {'':32} {'':10} {'; '.join(details)}")
    return 0


RUN_USAGE = """usage: sessionapi run [pytest and sessionapi options]

Runs the packaged conformance suites with pytest. Every pytest option and every option below
passes through (e.g. --sessionapi-config=targets.toml, --sessionapi-api=controlcenter, -n auto,
--junitxml=reports/junit.xml). A pytest.ini, pyproject.toml ([tool.pytest.ini_options]), tox.ini
or setup.cfg in the working directory is honoured, so its sessionapi_* ini settings apply.
"""


def _run(rest: list[str]) -> int:
    import pytest

    if "-h" in rest or "--help" in rest:
        print(RUN_USAGE)
        return int(pytest.main(["--help", str(suites_path())]))
    if "--version" in rest or "-V" in rest:
        from . import __version__

        print(f"pytest-sessionapi {__version__}", flush=True)
    return run_suites(rest)


def main(argv: list[str] | None = None) -> int:
    from .registry import all_apis

    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["run"]:  # everything after `run` is pytest's, --help included
        return _run(argv[1:])
    if argv[:1] == ["certify"]:  # so is everything after `certify`, but for -o
        from .certify import certify_main

        return certify_main(argv[1:])
    from . import __version__

    parser = argparse.ArgumentParser(prog="sessionapi", description=__doc__.split("\n\n")[0])
    parser.add_argument("--version", action="version", version=f"pytest-sessionapi {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve a reference implementation on loopback")
    serve.add_argument("--api", required=True, choices=list(all_apis()))
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8080)
    serve.add_argument("--variant", help="serve a fault or conformant variant (see `variants`)")
    serve.add_argument(
        "--tls", action="store_true",
        help="serve HTTPS with a certificate made on the spot for 127.0.0.1 and localhost; "
        "prints the CA file to trust (needs pytest-sessionapi[tls])",
    )
    variants = commands.add_parser("variants", help="list reference variants")
    variants.add_argument("api", nargs="?", choices=list(all_apis()))
    commands.add_parser(
        "run", help="run the conformance suites; every other argument goes to pytest "
        "(e.g. --sessionapi-config=targets.toml; `sessionapi run --help` lists them all)"
    )
    judge = commands.add_parser(
        "judge", help="judge traffic recorded by any tool (VCR cassettes, the Schemathesis CLI's --report "
        "vcr and har, HAR 1.2 files) and write the reports"
    )
    judge.add_argument("files", nargs="+", metavar="FILE",
                       help="a VCR cassette (.yaml: vcrpy, pytest-recording, --sessionapi-record, Schemathesis) "
                       "or a HAR 1.2 file (.har, .json)")
    judge.add_argument("--report-dir", default="reports", help="where the reports go (default: reports)")
    judge.add_argument("--strict", action="store_true", help="SHOULD failures fail too (exit 1)")
    commands.add_parser(
        "certify", help="run the suites, recorded, under the certification policy and write one "
        "archive (-o bundle.tar.gz); `sessionapi certify --help` says more"
    )
    verify = commands.add_parser(
        "verify", help="check a certification archive: every digest, the recorded traffic re-judged, the verdicts"
    )
    verify.add_argument("bundle", metavar="BUNDLE", help="an archive written by `sessionapi certify`")
    merge = commands.add_parser(
        "merge", help="merge per-target reports (one CI matrix job each) into one fleet report"
    )
    merge.add_argument(
        "reports", nargs="+", metavar="REPORT",
        help="a conformance.json, or the folder holding it; LABEL=REPORT names its row",
    )
    merge.add_argument("-o", "--output-dir", default="fleet", help="where fleet.json and fleet.html go (default: fleet)")
    merge.add_argument(
        "--fail-on", choices=("must", "incomplete"), default="must",
        help="exit 1 when a target is nonconformant or could not be set up (must, the default), "
        "or also when one is incomplete",
    )
    args = parser.parse_args(argv)
    return {"serve": _serve, "variants": _variants, "judge": _judge, "verify": _verify, "merge": _merge}[
        args.command
    ](args)


def _verify(args: argparse.Namespace) -> int:
    from .certify import verify_main

    return verify_main(args.bundle)


def _merge(args: argparse.Namespace) -> int:
    from .fleet import merge_main

    return merge_main(args.reports, Path(args.output_dir), args.fail_on)


def _judge(args: argparse.Namespace) -> int:
    from .traffic_judge import main as judge_main

    return judge_main(args.files, args.report_dir, args.strict)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BrokenPipeError:  # `sessionapi variants | head`
        sys.stderr.close()
        sys.exit(0)
