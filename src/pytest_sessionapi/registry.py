"""The APIs the suites know, discovered from the folders under ``pytest_sessionapi/apis``.

Each API is one package ``pytest_sessionapi.apis.<name>`` whose ``__init__`` defines ``API``, an
:class:`ApiDescriptor`. The descriptor names the API's other modules by convention and imports them
only when asked, so listing the APIs (needed to validate ``--sessionapi-api``) costs a few
microseconds. Adding a fourth API means adding a folder here and one under ``suites/``.

Per-API modules, by convention:

``target``     ``Target``: the pydantic model of the API's ``targets.toml`` table.
``client``     ``build_auth(target) -> httpx.Auth | None``, ``Client(http, target)``, and
               ``preflight(open_http, target) -> SetupProblem | None``: one documented login or
               read that tells whether the endpoint accepts the configured credentials (see
               :mod:`pytest_sessionapi.preflight`).
``sessions``   ``leftovers(open_http, target) -> SetupProblem | None``, called by the preflight once
               the credentials passed, before the first test: closes what an earlier run of the
               suite left open on the target's device (one line each) and returns the setup
               problem of somebody else's open session, which the suite never touches.
``reference``  ``create_app(variant=None)``, ``VARIANTS``, ``EMBEDDED_TABLE``, ``EMBEDDED_ENV``.
``steps``      the judged steps the suites compose, and ``asked_of_recorded(request, answer,
               history)``: the ``Asked`` the suite would have built for a recorded request of
               a documented operation (``traffic_judge.RecordedRequest``), from the request and
               what the file showed before it (``history``, the API's own bookkeeping); the
               core judge of ``sessionapi judge`` holds the answer to the whole rulebook with it.
``requirements.toml``  the requirement catalogue.

Every API folder also holds ``models.py`` (the vendor's schemas), ``openapi.json`` (the vendor's
OpenAPI document), ``rules.py`` (the catalogue's rules on one answer) and
``schemathesis_checks.py`` (the same rules as Schemathesis checks); ``tests/test_api_shape.py``
pins that set. What the core must know of an API (its rate limit, the paths it appends, the
paths whose bodies carry credentials or whose answer is a token) is a field of the descriptor,
never a name or path of the core's own; the operations it documents are its ``openapi.json``'s.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any


@dataclass(frozen=True)
class ApiDescriptor:
    name: str
    """Short name used in options, ``targets.toml`` tables, requirement IDs' API and reports."""
    title: str
    """What a reader of a report should recognise: vendor, product, operation."""
    requirement_prefix: str
    """Every requirement ID of this API starts with this prefix and a dash, e.g. ``CC``."""
    live_max_rps: float
    """The vendor's documented request-rate limit, used on live targets unless ``max_rps`` says
    otherwise (0 means the vendor documents none)."""
    package: str
    rate_limit_code: tuple[str, str] | None = None
    """(field, value) of the error body by which the vendor signals a rate limit besides 429
    (Control Center: ``errorCode`` 40000029); such answers are re-sent, not judged."""
    appended_paths: tuple[str, ...] = ()
    """The leading paths the client appends to ``base_url`` (Control Center: ``/rws/api``). A
    ``base_url`` that already ends in one, or in its first segments, would double it in every
    request; the preflight reports that as a setup problem before sending anything."""
    server_error_requirement: str | None = None
    """The requirement that no request the suite sends is answered with a 5xx, judged by the
    core on every answer of every test that talks to the endpoint (None: the API's own checks
    judge it)."""
    client_readable_requirement: str | None = None
    """The requirement that the vendor's own Python client can read every answer, judged by the
    core on every answer of every test that talks to the endpoint, with the API's rule of that ID
    (see :mod:`pytest_sessionapi.client_readability`); None when the vendor publishes no client."""
    credential_paths: tuple[str, ...] = ()
    """Path endings of the exchanges that carry credentials in their bodies (a login form, a token
    request or answer). Their bodies are never logged or recorded, in either direction, whatever
    the redactor knows yet: a token endpoint answers before the client has read, and registered,
    the token it hands out."""
    token_answer_paths: tuple[str, ...] = ()
    """Path endings, among :attr:`credential_paths`, of the exchanges whose whole answer is a token
    (plain text, or JSON ``{"token": ...}``): a recording keeps only its shape, and the traffic
    judge masks it in what it writes."""

    @property
    def path(self) -> Path:
        return Path(importlib.import_module(self.package).__file__).parent

    def module(self, name: str) -> ModuleType:
        return importlib.import_module(f"{self.package}.{name}")

    @property
    def target_model(self) -> Any:
        return self.module("target").Target

    @property
    def reference(self) -> ModuleType:
        return self.module("reference")

    @property
    def client(self) -> ModuleType:
        return self.module("client")

    @property
    def steps(self) -> ModuleType:
        return self.module("steps")

    @property
    def sessions(self) -> ModuleType:
        return self.module("sessions")

    @property
    def catalogue_path(self) -> Path:
        return self.path / "requirements.toml"


def all_credential_paths() -> tuple[str, ...]:
    """Every API's :attr:`ApiDescriptor.credential_paths`, for code that sees traffic of any API
    (a recording, a capture judged after the fact)."""
    return tuple(sorted({path for api in all_apis().values() for path in api.credential_paths}))


def all_token_answer_paths() -> tuple[str, ...]:
    """Every API's :attr:`ApiDescriptor.token_answer_paths`."""
    return tuple(sorted({path for api in all_apis().values() for path in api.token_answer_paths}))



@cache
def all_apis() -> dict[str, ApiDescriptor]:
    """Every API, by short name, in a stable (alphabetical) order."""
    from . import apis

    found: dict[str, ApiDescriptor] = {}
    for info in sorted(pkgutil.iter_modules(apis.__path__), key=lambda i: i.name):
        if not info.ispkg or info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{apis.__name__}.{info.name}")
        descriptor = getattr(module, "API", None)
        if isinstance(descriptor, ApiDescriptor):
            found[descriptor.name] = descriptor
    return found


def get_api(name: str) -> ApiDescriptor:
    return all_apis()[name]
