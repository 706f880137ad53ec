"""One requirement per API that no request the suite sends is answered with a 5xx.

Every vendor page documents, for every call the suites make, a success and the client errors that
refuse a bad request; a 5xx (Control Center's 30000001, BioT's INTERNAL_SERVER_ERROR) is the
server failing, never the answer to a request. So a 5xx fails a MUST in every API alike, whatever
the request was: a documented step, an unknown operation, a transition the docs leave open.

The suites' own checks judge what an answer means; this module watches the wire: every answer
that reaches the suite through the API's HTTP clients during a test, including those of clients
the test opens itself (other credentials), is judged under the API's no-5xx requirement.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest


CLIENT_FIXTURES = ("sessionapi_client", "sessionapi_open_client")


class ServerErrorWatch:
    """An httpx response hook: counts the answers, keeps the 5xx ones (method, path, status)."""

    def __init__(self) -> None:
        self.answers = 0
        self.server_errors: list[str] = []

    def __call__(self, response: httpx.Response) -> None:
        self.answers += 1
        if response.status_code >= 500:
            request = response.request
            self.server_errors.append(
                f"{request.method} {request.url.path} -> {response.status_code}"
            )

    def message(self) -> str:
        shown = "; ".join(self.server_errors[:5])
        more = len(self.server_errors) - 5
        return (
            f"{len(self.server_errors)} request(s) the docs describe answered with a server "
            f"error: {shown}" + (f" (and {more} more)" if more > 0 else "")
        )


def declare_on_client_tests(items: list[pytest.Item], api: str, requirement_id: str) -> None:
    """Declare the no-5xx requirement on every test of ``api`` that talks to the endpoint."""
    for item in items:
        marker = item.get_closest_marker("sessionapi")
        if marker is None or not marker.args or marker.args[0] != api:
            continue
        if any(name in getattr(item, "fixturenames", ()) for name in CLIENT_FIXTURES):
            item.add_marker(pytest.mark.sessionapi_requirement(requirement_id))


@contextmanager
def hooked(state: Any, api: str, hook: Any) -> Iterator[set[int]]:
    """While the block runs, every client of ``api`` that exists now calls ``hook`` on each
    answer; yields the ids of those clients (a client the test opens later is not hooked: its
    exchange log is read afterwards). The watches on every answer of a test share this."""
    clients: list[Any] = list(state.http_clients.get(api, []))
    for client in clients:
        client.event_hooks["response"].append(hook)
    try:
        yield {id(client) for client in clients}
    finally:
        for client in clients:
            hooks = client.event_hooks["response"]
            if hook in hooks:
                hooks.remove(hook)


@contextmanager
def watching(state: Any, recorder: Any, api: str, requirement_id: str) -> Iterator[None]:
    """While a test runs, hook every client of ``api``; then record ``requirement_id``: fail on
    any 5xx, pass when answers came and none was a 5xx, nothing when the test sent no request
    (not tested by it)."""
    watch = ServerErrorWatch()
    known: set[int] = set()
    try:
        with hooked(state, api, watch) as known:
            yield
    finally:
        _scan_new_clients(state, api, known, watch)
        if watch.server_errors:
            recorder.record(requirement_id, "fail", watch.message())
        elif watch.answers:
            recorder.record(requirement_id, "pass")


def _scan_new_clients(state: Any, api: str, known: set[int], watch: ServerErrorWatch) -> None:
    """Clients the test opened while it ran were not hooked: read their (short) exchange logs."""
    from .transport import exchange_log

    for client in state.http_clients.get(api, []):
        if id(client) in known:
            continue
        log = exchange_log(client)
        if log is None:
            continue
        for exchange in log.exchanges:
            if exchange.status is None:
                continue
            watch.answers += 1
            if exchange.status >= 500:
                path = httpx.URL(exchange.url).path
                watch.server_errors.append(f"{exchange.method} {path} -> {exchange.status}")
