"""Which API runs against what: decided once, at configure time, from the options.

Kept apart from :mod:`pytest_sessionapi.config` so that a run with no ``--sessionapi-config``
(the embedded default, and every run of an unrelated test suite in the same environment) decides
its plan without importing pydantic or any reference implementation.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import ConfigError
from .registry import all_apis

if TYPE_CHECKING:
    from .config import EffectiveTarget


def parse_api_selection(value: str | None, origin: str) -> list[str] | None:
    """``umts,biot`` -> ``["umts", "biot"]``; None when nothing was asked for."""
    if value is None or not value.strip():
        return None
    known = all_apis()
    names = [part.strip() for part in value.split(",") if part.strip()]
    for name in names:
        if name not in known:
            raise ConfigError(f"unknown API '{name}' in {origin} (known: {', '.join(known)})")
    return list(dict.fromkeys(names))


def parse_variants(value: str | None, origin: str) -> dict[str, str]:
    """``controlcenter:ipv6-null,biot:clobber`` -> ``{"controlcenter": "ipv6-null", ...}``."""
    if value is None or not value.strip():
        return {}
    known = all_apis()
    chosen: dict[str, str] = {}
    for item in (part.strip() for part in value.split(",") if part.strip()):
        api_name, sep, variant = item.partition(":")
        if not sep or not variant:
            raise ConfigError(f"{origin}: '{item}' is not API:VARIANT")
        if api_name not in known:
            raise ConfigError(f"unknown API '{api_name}' in {origin} (known: {', '.join(known)})")
        variants = known[api_name].reference.VARIANTS
        if variant not in variants:
            raise ConfigError(
                f"{origin}: {api_name} has no reference variant '{variant}' "
                f"(list them with `python -m pytest_sessionapi variants {api_name}`)"
            )
        chosen[api_name] = variant
    return chosen


@dataclass
class TargetPlan:
    """Which API runs against what. Targets are built on first use, except that a config file's
    tables are all validated up front so that a broken one stops the run before any test."""

    config_path: Path | None
    selected: list[str]
    """APIs whose suites run."""
    not_run: dict[str, str]
    """APIs that do not run, with the reason."""
    tables: dict[str, dict[str, Any]] = field(default_factory=dict)
    variants: dict[str, str] = field(default_factory=dict)
    resolved: dict[str, EffectiveTarget] = field(default_factory=dict)

    @property
    def embedded(self) -> bool:
        return self.config_path is None

    def describe(self, api: str) -> str:
        """Where ``api`` runs, for the report header and the reports; never a secret."""
        if api in self.not_run:
            return f"not-run ({self.not_run[api]})"
        if api in self.resolved:
            return self.resolved[api].describe()
        variant = self.variants.get(api)
        return "embedded reference (in-process)" + (f", variant '{variant}'" if variant else "")

    def target(self, api: str) -> EffectiveTarget:
        if api not in self.resolved:
            from .config import build_target, embedded_target

            descriptor = all_apis()[api]
            if self.embedded:
                self.resolved[api] = embedded_target(descriptor, self.variants.get(api))
            else:
                self.resolved[api] = build_target(
                    descriptor, self.tables[api], os.environ, str(self.config_path)
                )
        return self.resolved[api]


def plan_targets(
    config_path: Path | None,
    api_selection: list[str] | None,
    variants: dict[str, str],
    environ: Mapping[str, str],
) -> TargetPlan:
    known = list(all_apis())
    wanted = api_selection or known
    not_run = {name: "not selected by --sessionapi-api" for name in known if name not in wanted}
    if config_path is None:
        return TargetPlan(None, [n for n in known if n in wanted], not_run, variants=variants)
    if variants:
        raise ConfigError(
            "--sessionapi-reference-variant applies to the embedded reference only; "
            "drop it or drop --sessionapi-config"
        )
    from .config import build_target, read_targets_file

    tables = read_targets_file(config_path)
    selected: list[str] = []
    for name in known:
        if name not in wanted:
            continue
        if name not in tables:
            not_run[name] = f"no [{name}] table in {config_path}"
            continue
        selected.append(name)
    if not selected:
        raise ConfigError(
            f"none of the selected APIs ({', '.join(wanted)}) has a table in {config_path}"
        )
    plan = TargetPlan(config_path, selected, not_run, tables=tables)
    for name in selected:
        plan.resolved[name] = build_target(all_apis()[name], tables[name], environ, str(config_path))
    return plan
