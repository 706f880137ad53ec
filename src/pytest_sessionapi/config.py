"""The target contract: ``targets.toml``, its validation, and the effective target of each API.

Every problem with the configuration becomes a :class:`ConfigError` whose message is one line that
names the file, the table, the key and what is wrong. The plugin turns it into pytest's usage
error (exit status 4), so a broken config can never look like a conformance failure.
"""

from __future__ import annotations

import ipaddress
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import unquote, urlsplit, urlunsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .errors import ConfigError
from .redaction import Redactor
from .registry import ApiDescriptor, all_apis


SECRET_SUFFIX = "_env"


def required_key(description: str) -> Any:
    """A key an API's table must give, and not empty (a user name, the variable of a secret)."""
    return Field(min_length=1, description=description)


def optional_key(description: str) -> Any:
    """A key an API's table may leave out (an entity, a value the suite sends): None when absent."""
    return Field(default=None, description=description)


class BaseTarget(BaseModel):
    """Keys every ``targets.toml`` table accepts. Each API's ``Target`` adds its own.

    A key ending in ``_env`` names the environment variable that holds a secret; the secret itself
    is never written in the file. The secret's name is the key without the suffix
    (``api_key_env`` -> ``api_key``), and writing that name directly is refused.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    base_url: str = Field(description="scheme://host[:port]; the suite appends the API's paths")
    max_rps: float | None = Field(
        default=None, ge=0, description="requests per second; 0 = no limit; default: vendor limit"
    )
    timeout_s: float = Field(
        default=30.0, gt=0, le=3600,
        description="seconds one exchange may take, from connecting to the last byte of the answer",
    )
    verify_tls: bool = True
    ca_bundle: Path | None = None
    proxy: str | None = Field(
        default=None,
        description="http://[user:password@]host:port of the proxy every request goes through; "
        "default: HTTP_PROXY / HTTPS_PROXY / ALL_PROXY / NO_PROXY, as httpx reads them",
    )

    # Entity keys: a missing one makes the tests that need it report their requirements
    # not-tested instead of failing. Each API lists its own.
    ENTITY_KEYS: ClassVar[tuple[str, ...]] = ()

    @model_validator(mode="before")
    @classmethod
    def _refuse_inline_secrets(cls, data: Any) -> Any:
        if isinstance(data, Mapping):
            for key in cls.model_fields:
                if key.endswith(SECRET_SUFFIX):
                    plain = key.removesuffix(SECRET_SUFFIX)
                    if plain in data:
                        raise ValueError(
                            f"'{plain}' must not be written in the file; set {key} = \"VARNAME\" "
                            f"and put the secret in that environment variable"
                        )
        return data

    @field_validator("base_url")
    @classmethod
    def _check_base_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"'{value}' is not an http:// or https:// URL with a host")
        if parts.username or parts.password:
            raise ValueError("must not contain credentials; use the *_env keys")
        if parts.query or parts.fragment:
            raise ValueError(f"'{value}' must not have a query or fragment")
        try:
            parts.port  # noqa: B018 - raises on a port out of range or not a number
        except ValueError:
            raise ValueError(f"'{value}' has an invalid port") from None
        return value.rstrip("/")

    @field_validator("proxy")
    @classmethod
    def _check_proxy(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = urlsplit(value)
        shown = strip_credentials(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"'{shown}' is not an http:// or https:// proxy URL with a host")
        if parts.path not in ("", "/") or parts.query or parts.fragment:
            raise ValueError(f"'{shown}' must be scheme://host[:port], with no path or query")
        try:
            parts.port  # noqa: B018 - raises on a port out of range or not a number
        except ValueError:
            raise ValueError(f"'{shown}' has an invalid port") from None
        return value

    @field_validator("ca_bundle")
    @classmethod
    def _check_ca_bundle(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_file():
            raise ValueError(f"'{value}' is not a readable file")
        return value

    @classmethod
    def secret_keys(cls) -> list[str]:
        return [key for key in cls.model_fields if key.endswith(SECRET_SUFFIX)]


@dataclass(frozen=True)
class EffectiveTarget:
    """What one API's suite runs against: settings, resolved secrets, and where they came from."""

    api: ApiDescriptor
    settings: BaseTarget
    secrets: Mapping[str, str] = field(repr=False)
    """Never in the repr: pytest prints fixture values (the target) in failure tracebacks."""
    source: str
    """``embedded`` or the path of the targets file."""
    app: Any = None
    """The ASGI application when the target is served in-process; None for a live target."""
    variant: str | None = None
    redactor: Redactor = field(default_factory=Redactor)
    proxy: str | None = field(default=None, repr=False)
    """The proxy requests go through (credentials included, so never printed: see
    :meth:`describe`), or None for a direct connection. Embedded targets never have one."""
    proxy_origin: str = ""
    """Where the proxy came from: ``proxy`` (the table's key) or an environment variable name."""
    replays_embedded: bool = False
    """The replay of a recording made against an embedded reference: like the reference it
    stands for, it holds nothing of an earlier run (see :attr:`starts_empty`)."""
    held: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    """What the target's clients share while it lives, held by the target itself and made on first
    use by the layer that needs it (the transport's rate limiter, in-process server, recorder):
    two targets of one API in one process (a run's, a variant's in a self-test) never share
    them, and they go with the target."""
    closers: list[Callable[[], None]] = field(default_factory=list, repr=False, compare=False)
    """Told when the target closes. The layer that made what the target's clients share (the
    transport's in-process server thread) registers here, so this module needs to know nothing
    of it (config never imports transport; transport imports config)."""

    def close(self) -> None:
        """Stops what the target's clients share (the in-process server thread)."""
        for closer in list(self.closers):
            closer()

    @property
    def embedded(self) -> bool:
        return self.app is not None

    @property
    def starts_empty(self) -> bool:
        """No earlier run can have left anything on it (an embedded reference lives and dies with
        the run, and so does the replay of its recording): no leftovers to look for."""
        return self.embedded or self.replays_embedded

    @property
    def max_rps(self) -> float:
        if self.settings.max_rps is not None:
            return self.settings.max_rps
        return 0.0 if self.embedded else self.api.live_max_rps

    def secret(self, name: str) -> str:
        return self.secrets[name]

    def entity(self, key: str) -> str | None:
        return getattr(self.settings, key, None)

    def describe(self) -> str:
        """One line for the report header and reports; never contains a secret."""
        if self.embedded:
            where = "embedded reference (in-process)"
            if self.variant:
                where += f", variant '{self.variant}'"
        else:
            where = f"{self.settings.base_url} (from {self.source})"
        rate = f"{self.max_rps:g} req/s" if self.max_rps else "no rate limit"
        via = ""
        if self.proxy:
            via = f", via proxy {strip_credentials(self.proxy)} (from {self.proxy_origin})"
        return f"{where}{via}, {rate}, timeout {self.settings.timeout_s:g} s"


def strip_credentials(url: str) -> str:
    """``http://user:pw@proxy:3128`` -> ``http://proxy:3128``: what a report may show."""
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    netloc = parts.netloc.rpartition("@")[2]
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def _proxy_variables(environ: Mapping[str, str]) -> dict[str, tuple[str, str]]:
    """``scheme -> (value, variable)`` from ``*_proxy`` variables, read the way
    ``urllib.request.getproxies_environment`` (which httpx uses) reads them: any case, the
    lowercase spelling winning, an empty value unsetting; HTTP_PROXY is ignored under CGI."""
    found: dict[str, tuple[str, str]] = {}
    for lowercase_only in (False, True):
        for name, value in environ.items():
            if not name.lower().endswith("_proxy") or (lowercase_only and name != name.lower()):
                continue
            scheme = name.lower()[: -len("_proxy")]
            if value:
                found[scheme] = (value, name)
            elif lowercase_only:
                found.pop(scheme, None)
    if "REQUEST_METHOD" in environ:
        found.pop("http", None)
    return found


def _bypassed(url: str, no_proxy: str) -> bool:
    """Whether NO_PROXY exempts ``url``, with httpx's rules (curl's): ``*`` exempts everything;
    ``example.com`` exempts it and its subdomains, ``.example.com`` only the subdomains; an IP
    address or ``localhost`` exempts exactly that host; ``scheme://host[:port]`` exactly that
    origin. A network such as ``10.0.0.0/8`` exempts the addresses in it (httpx ignores those)."""
    target = urlsplit(url)
    host = (target.hostname or "").lower()
    for entry in (item.strip().lower() for item in no_proxy.split(",")):
        if not entry:
            continue
        if entry == "*":
            return True
        if "://" in entry:
            origin = urlsplit(entry)
            if origin.scheme in ("all", target.scheme) and origin.hostname == host and (
                origin.port is None or origin.port == target.port
            ):
                return True
            continue
        try:
            if "/" in entry:
                if ipaddress.ip_address(host) in ipaddress.ip_network(entry, strict=False):
                    return True
                continue
            if ipaddress.ip_address(entry.strip("[]")) == ipaddress.ip_address(host):
                return True
            continue
        except ValueError:
            pass
        if entry == host or (not entry.startswith(".") and host.endswith("." + entry)) or (
            entry.startswith(".") and host.endswith(entry)
        ):
            return True
    return False


def environment_proxy(url: str, environ: Mapping[str, str]) -> tuple[str | None, str]:
    """The proxy the environment names for ``url`` and the variable that names it, as httpx's
    ``trust_env`` would pick it (``{scheme}_proxy``, then ``all_proxy``; NO_PROXY exempts)."""
    variables = _proxy_variables(environ)
    no_proxy = variables.get("no", ("", ""))[0]
    if no_proxy and _bypassed(url, no_proxy):
        return None, ""
    scheme = urlsplit(url).scheme
    for key in (scheme, "all"):
        if key in variables:
            value, name = variables[key]
            return (value if "://" in value else f"http://{value}"), name
    return None, ""


def register_proxy_credentials(redactor: Redactor, proxy: str | None) -> None:
    """A proxy URL's password (as written and percent-decoded, and the Proxy-Authorization
    blob it becomes) is a secret like any other."""
    if not proxy:
        return
    parts = urlsplit(proxy)
    if parts.password is None:
        return
    for username, password in {(parts.username or "", parts.password),
                               (unquote(parts.username or ""), unquote(parts.password))}:
        redactor.add_basic_credentials(username, password)
        redactor.add(f"{username}:{password}")


def _first_error(error: ValidationError) -> str:
    first = error.errors()[0]
    location = ".".join(str(part) for part in first["loc"])
    message = first["msg"].removeprefix("Value error, ")
    if first["type"] == "extra_forbidden":
        message = "unknown key"
    elif first["type"] == "missing":
        message = "required key is missing"
    return f"{location}: {message}" if location else message


def build_target(
    api: ApiDescriptor,
    table: Mapping[str, Any],
    environ: Mapping[str, str],
    source: str,
    *,
    app: Any = None,
    variant: str | None = None,
) -> EffectiveTarget:
    """Validate one table and resolve its secrets from ``environ``."""
    where = f"{source}: [{api.name}]"
    model = api.target_model
    try:
        settings = model.model_validate(dict(table))
    except ValidationError as exc:
        raise ConfigError(f"{where} {_first_error(exc)}") from None
    secrets: dict[str, str] = {}
    for key in model.secret_keys():
        variable = getattr(settings, key)
        if variable is None:
            continue
        value = environ.get(variable)
        if value is None:
            raise ConfigError(f"{where} {key}: environment variable {variable} is not set")
        if not value.strip():
            raise ConfigError(f"{where} {key}: environment variable {variable} is empty")
        secrets[key.removesuffix(SECRET_SUFFIX)] = value
    redactor = Redactor(secrets.values())
    # Every proxy URL of the environment, used or not, may carry a password the suite must never
    # print (an error message could quote any of them).
    for value, _ in _proxy_variables(environ).values():
        register_proxy_credentials(redactor, value if "://" in value else f"http://{value}")
    proxy, proxy_origin = None, ""
    if app is None:  # the embedded reference is served in-process: there is nothing to proxy
        if settings.proxy is not None:
            proxy, proxy_origin = settings.proxy, "proxy"
        else:
            proxy, proxy_origin = environment_proxy(settings.base_url, environ)
            if proxy is not None and urlsplit(proxy).scheme not in ("http", "https"):
                raise ConfigError(
                    f"{where} environment variable {proxy_origin}: '{strip_credentials(proxy)}' is "
                    f"not an http:// or https:// proxy (set proxy in the table, or NO_PROXY)"
                )
        register_proxy_credentials(redactor, proxy)
    return EffectiveTarget(
        api=api,
        settings=settings,
        secrets=secrets,
        source=source,
        app=app,
        variant=variant,
        redactor=redactor,
        proxy=proxy,
        proxy_origin=proxy_origin,
    )


def read_targets_file(path: Path) -> dict[str, Any]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read targets file {path}: {exc.strerror or exc}") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(f"targets file {path} is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"targets file {path} is not valid TOML: {exc}") from None
    known = all_apis()
    for name, table in data.items():
        if name not in known:
            raise ConfigError(
                f"{path}: unknown API table [{name}] (known: {', '.join(known)})"
            )
        if not isinstance(table, dict):
            raise ConfigError(f"{path}: '{name}' must be a table ([{name}])")
    if not data:
        raise ConfigError(f"targets file {path} names no API (expected a table such as [biot])")
    return data


def embedded_target(api: ApiDescriptor, variant: str | None = None) -> EffectiveTarget:
    """The built-in reference implementation of ``api``, served in-process."""
    reference = api.reference
    return build_target(
        api,
        reference.EMBEDDED_TABLE,
        reference.EMBEDDED_ENV,
        "embedded",
        app=reference.create_app(variant),
        variant=variant,
    )


def check_writable_folder(path: Path, origin: str, typed: str | None = None) -> None:
    """That the run can write in ``path`` (it may not exist yet; it is not created here): a
    report, record or cassette folder that cannot be written is found before the first test,
    not after the last one. Raises :class:`ConfigError` with one line, naming the folder as the
    user ``typed`` it when given."""
    import os

    where = Path(path)
    probe = where
    while not probe.exists() and probe.parent != probe:
        probe = probe.parent
    shown = Path(typed) if typed else where
    climbed = len(where.parts) - len(probe.parts)
    shown_probe = shown.parents[climbed - 1] if 0 < climbed <= len(shown.parents) else probe
    if not probe.is_dir():
        raise ConfigError(f"{origin}: cannot write to {shown}: {shown_probe} is a file, not a folder")
    if not os.access(probe, os.W_OK | os.X_OK):
        what = "the folder" if probe == where else f"{shown_probe}, where it would be made,"
        raise ConfigError(f"{origin}: cannot write to {shown}: {what} is not writable")
