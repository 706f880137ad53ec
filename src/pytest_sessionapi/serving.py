"""Serving a reference implementation over real HTTP on loopback (uvicorn).

Used by ``python -m pytest_sessionapi serve`` for client developers, and by the project's own
end-to-end tests and benchmarks, which must exercise the suites over a real socket too.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

LOOPBACK = "127.0.0.1"

TLS_NAMES = ("127.0.0.1", "localhost")
"""What the certificate made by :func:`make_certificate` is valid for: the loopback address the
server listens on, and the name clients such as catalystwan are often given instead."""

TLS_MISSING = (
    "sessionapi serve --tls: making a certificate needs trustme, which is not installed "
    "(pip install 'pytest-sessionapi[tls]')"
)


@dataclass(frozen=True)
class TlsFiles:
    """A certificate made on the spot: the CA a client must trust, and the server's key and chain."""

    ca_file: Path
    """PEM of the CA that signed the server certificate: ``ca_bundle`` in targets.toml,
    ``verify=`` for requests-based clients (catalystwan), ``ssl_ca_cert`` for urllib3 ones."""
    server_file: Path
    """PEM of the server's private key and certificate chain, for uvicorn."""


def make_certificate(directory: Path) -> TlsFiles:
    """A fresh CA and a server certificate for :data:`TLS_NAMES`, written under ``directory``.

    trustme is imported here, not at module level: it pulls in cryptography, which the plain
    install (suites against live endpoints, which bring their own certificates) does not need.
    Raises ImportError when trustme is not installed."""
    import trustme

    ca = trustme.CA(organization_name="pytest-sessionapi reference (made on the spot)")
    certificate = ca.issue_cert(*TLS_NAMES)
    files = TlsFiles(directory / "sessionapi-ca.pem", directory / "sessionapi-server.pem")
    ca.cert_pem.write_to_path(str(files.ca_file))
    certificate.private_key_and_cert_chain_pem.write_to_path(str(files.server_file))
    return files


def bind_socket(host: str = LOOPBACK, port: int = 0) -> socket.socket:
    """Bind first, serve later: the port is known before the server starts, with no race."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Accepted connections inherit this on Linux. Without it uvicorn's separate writes of
    # headers and body meet the client's delayed ACK: 40 ms per request instead of about 1.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, port))
    sock.listen(128)
    return sock


def _server(app: Any, tls: TlsFiles | None = None) -> Any:
    import uvicorn

    config = uvicorn.Config(
        app, log_level="warning", lifespan="off", access_log=False,
        ssl_certfile=str(tls.server_file) if tls else None,
    )
    return uvicorn.Server(config)


def serve_forever(app: Any, sock: socket.socket, tls: TlsFiles | None = None) -> None:
    _server(app, tls).run(sockets=[sock])


@contextmanager
def serving(app: Any, host: str = LOOPBACK, tls: TlsFiles | None = None) -> Iterator[str]:
    """Serve ``app`` on a free loopback port in a background thread; yields its base URL
    (``https://`` with ``tls``, a certificate from :func:`make_certificate`)."""
    sock = bind_socket(host)
    port = sock.getsockname()[1]
    server = _server(app, tls)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the reference server did not start")
        time.sleep(0.01)
    try:
        yield f"{'https' if tls else 'http'}://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def toml_table(name: str, table: Mapping[str, Any]) -> str:
    """A ``targets.toml`` table; values are the simple scalars the contract uses."""
    lines = [f"[{name}]"]
    for key, value in table.items():
        if isinstance(value, bool):
            rendered = "true" if value else "false"
        elif isinstance(value, int | float):
            rendered = repr(value)
        else:
            text = str(value).replace("\\", "\\\\").replace('"', '\\"')
            rendered = f'"{text}"'
        lines.append(f"{key} = {rendered}")
    return "\n".join(lines) + "\n"


def loopback_table(api: Any, base_url: str) -> dict[str, Any]:
    """The embedded table of ``api`` pointed at a server on ``base_url``."""
    table = dict(api.reference.EMBEDDED_TABLE)
    table["base_url"] = base_url
    return table
