"""Socket servers below HTTP, for the tests whose endpoint must misbehave on the wire: drip an
answer, reset, hang up, answer garbage or forever 429.

One server, :func:`socket_server`, listens on 127.0.0.1 only (an OS-chosen port, bound before the
first connection: no race) and hands each connection to a handler on a thread of its own; the
handlers below are the behaviours the tests share. When the block ends the server stops accepting,
``stop`` tells every handler to end (a dripping one too), each handler thread is joined and the
listener closed. An ``OSError`` in a handler is the client cutting the connection, which is what
these tests provoke: it ends that connection quietly.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from pytest_sessionapi.serving import LOOPBACK, bind_socket

Handler = Callable[[socket.socket, threading.Event], None]
"""``handler(conn, stop)``: one accepted connection; ``stop`` is set when the test is done."""


@contextmanager
def socket_server(handler: Handler) -> Iterator[str]:
    """Serve every connection with ``handler``; yields the base URL (``http://127.0.0.1:PORT``)."""
    listener = bind_socket()
    listener.settimeout(0.1)  # how often the accept loop looks at ``stop``
    stop = threading.Event()
    handlers: list[threading.Thread] = []

    def serve(conn: socket.socket) -> None:
        with conn:
            try:
                handler(conn, stop)
            except OSError:
                pass

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            thread = threading.Thread(target=serve, args=(conn,), daemon=True)
            thread.start()
            handlers.append(thread)

    acceptor = threading.Thread(target=accept, daemon=True)
    acceptor.start()
    try:
        yield f"http://{LOOPBACK}:{listener.getsockname()[1]}"
    finally:
        stop.set()
        acceptor.join()
        for thread in handlers:
            thread.join(timeout=5)
        listener.close()


def unused_port() -> int:
    """A loopback port nothing listens on (bound, then closed)."""
    sock = socket.socket()
    sock.bind((LOOPBACK, 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


def read_request(conn: socket.socket) -> bool:
    """Read one whole request (the head, then a Content-Length body); False when the client
    closed the connection first."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return False
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            missing = int(line.split(b":")[1]) - len(body)
            while missing > 0:
                chunk = conn.recv(missing)
                if not chunk:
                    return False
                missing -= len(chunk)
    return True


def answering(answer: bytes, drip_s: float = 0.0) -> Handler:
    """Answer every request of the connection with ``answer`` (a whole HTTP answer), so a client
    that keeps the connection alive finds it still served; with ``drip_s``, one byte every
    ``drip_s`` seconds (an endpoint that never quite stops talking)."""

    def handle(conn: socket.socket, stop: threading.Event) -> None:
        while not stop.is_set() and read_request(conn):
            if not drip_s:
                conn.sendall(answer)
                continue
            for byte in answer:
                if stop.wait(drip_s):
                    return
                conn.sendall(bytes([byte]))

    return handle


def answering_once(answer: bytes | None) -> Handler:
    """Read one request, send ``answer`` as it is (``b""``: nothing), and close the connection;
    ``None``: reset it (RST) instead. A whole answer served this way must say
    ``Connection: close``, or a client may send its next request on the connection being
    closed (:func:`answering` serves keep-alive)."""

    def handle(conn: socket.socket, stop: threading.Event) -> None:
        read_request(conn)
        if answer is None:
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        else:
            conn.sendall(answer)

    return handle
