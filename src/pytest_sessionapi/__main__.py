"""``python -m pytest_sessionapi`` (also installed as ``sessionapi``).

``serve``     serve a reference implementation on loopback for client developers
``variants``  list the reference variants (faults and conformant deviations) of an API
``run``       run the packaged conformance suites (for installs without the repository)
"""

from __future__ import annotations

import argparse
import shlex
import sys
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


def _serve(args: argparse.Namespace) -> int:
    from .registry import all_apis
    from .serving import bind_socket, loopback_table, serve_forever, toml_table

    api = all_apis()[args.api]
    reference = api.reference
    if args.variant and args.variant not in reference.VARIANTS:
        print(f"sessionapi: {api.name} has no variant '{args.variant}'", file=sys.stderr)
        return 4
    sock = bind_socket(args.host, args.port)
    base_url = f"http://{args.host}:{sock.getsockname()[1]}"
    label = f" (variant '{args.variant}')" if args.variant else ""
    print(f"Serving the {api.name} reference implementation{label} on {base_url}")
    print("Point the suites at it with this targets.toml table and environment:\n")
    print(toml_table(api.name, loopback_table(api, base_url)))
    for name, value in reference.EMBEDDED_ENV.items():
        print(f"export {name}={shlex.quote(value)}")
    print("\nCtrl-C stops the server.", flush=True)
    try:
        serve_forever(reference.create_app(args.variant), sock)
    except KeyboardInterrupt:
        pass
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
                details.append("a transport fault: self-tested over loopback HTTP too")
            if details:
                print(f"  {'':32} {'':10} {'; '.join(details)}")
    return 0


def _run(args: argparse.Namespace, rest: list[str]) -> int:
    import pytest

    return int(pytest.main([str(suites_path()), "-p", "no:cacheprovider", *rest]))


def main(argv: list[str] | None = None) -> int:
    from .registry import all_apis

    parser = argparse.ArgumentParser(prog="sessionapi", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve a reference implementation on loopback")
    serve.add_argument("--api", required=True, choices=list(all_apis()))
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8080)
    serve.add_argument("--variant", help="serve a fault or conformant variant (see `variants`)")
    variants = commands.add_parser("variants", help="list reference variants")
    variants.add_argument("api", nargs="?", choices=list(all_apis()))
    commands.add_parser(
        "run", help="run the conformance suites; other arguments go to pytest "
        "(e.g. --sessionapi-config=targets.toml)"
    )
    args, rest = parser.parse_known_args(argv)
    if args.command == "run":
        return _run(args, rest)
    if rest:
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    return {"serve": _serve, "variants": _variants}[args.command](args)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BrokenPipeError:  # `sessionapi variants | head`
        sys.stderr.close()
        sys.exit(0)
