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
from typing import Any

LOOPBACK = "127.0.0.1"


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


def _server(app: Any) -> Any:
    import uvicorn

    config = uvicorn.Config(app, log_level="warning", lifespan="off", access_log=False)
    return uvicorn.Server(config)


def serve_forever(app: Any, sock: socket.socket) -> None:
    _server(app).run(sockets=[sock])


@contextmanager
def serving(app: Any, host: str = LOOPBACK) -> Iterator[str]:
    """Serve ``app`` on a free loopback port in a background thread; yields its base URL."""
    sock = bind_socket(host)
    port = sock.getsockname()[1]
    server = _server(app)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the reference server did not start")
        time.sleep(0.01)
    try:
        yield f"http://{host}:{port}"
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
