"""What the user decides about the verdict, beside the vendor's documents: which outcomes fail
the run (``--sessionapi-fail-on``), which known deviations are accepted for a while
(``--sessionapi-waivers``), and which requirements this run is about
(``--sessionapi-requirement``).

Every problem with these settings is a :class:`ConfigError` with one line that names it: the
plugin turns it into pytest's usage error (exit status 4) before any test runs.
"""

from __future__ import annotations

import fnmatch
import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from .errors import ConfigError

FAIL_ON = ("must", "should", "incomplete")
"""Each level includes the ones before it: ``should`` fails the run on any failed requirement
(what ``--sessionapi-strict`` has always meant), ``incomplete`` also on an API whose MUSTs were
not all tested."""


def parse_fail_on(value: str | None, strict: bool, origin: str) -> str:
    if value is None:
        return "should" if strict else "must"
    wanted = value.strip().lower()
    if wanted not in FAIL_ON:
        raise ConfigError(f"{origin}: '{value}' is not one of {', '.join(FAIL_ON)}")
    if strict and wanted == "must":
        raise ConfigError(
            f"{origin}: 'must' contradicts --sessionapi-strict (which means 'should'); drop one"
        )
    return wanted


# -- waivers -------------------------------------------------------------------------------

_WAIVER_KEYS = {"api", "requirement", "reason", "expires", "ticket"}


@dataclass(frozen=True)
class Waiver:
    """A known deviation, accepted until ``expires``: its failure is reported ``waived`` and does
    not fail the run."""

    api: str
    requirement: str
    reason: str
    expires: date
    ticket: str | None = None

    def as_report(self, state: str) -> dict[str, Any]:
        return {
            "requirement": self.requirement,
            "reason": self.reason,
            "expires": self.expires.isoformat(),
            **({"ticket": self.ticket} if self.ticket else {}),
            "state": state,
        }


def _date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def load_waivers(path: Path, today: date) -> list[Waiver]:
    """The waivers in ``path`` (``[[waiver]]`` tables). An expired one is a usage error: a
    pipeline must not go on accepting a deviation nobody renewed."""
    from .registry import all_apis
    from .requirements import load_catalogue

    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the waivers file ({exc.strerror or exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None
    extra = set(data) - {"waiver"}
    if extra:
        raise ConfigError(f"{path}: unknown key '{sorted(extra)[0]}' (waivers are [[waiver]] tables)")
    entries = data.get("waiver", [])
    if not isinstance(entries, list):
        raise ConfigError(f"{path}: 'waiver' must be an array of tables ([[waiver]])")
    waivers: list[Waiver] = []
    for number, entry in enumerate(entries, start=1):
        where = f"{path}: waiver #{number}"
        unknown = set(entry) - _WAIVER_KEYS
        if unknown:
            raise ConfigError(f"{where}: unknown key '{sorted(unknown)[0]}' (allowed: {', '.join(sorted(_WAIVER_KEYS))})")
        for key in ("api", "requirement", "reason", "expires"):
            if key not in entry or entry[key] in ("", None):
                raise ConfigError(f"{where}: '{key}' is required")
        api = str(entry["api"])
        if api not in all_apis():
            raise ConfigError(f"{where}: unknown API '{api}' (known: {', '.join(all_apis())})")
        requirement = str(entry["requirement"])
        if requirement not in load_catalogue(api):
            raise ConfigError(f"{where}: {requirement} is not a requirement of {api}")
        expires = _date(entry["expires"])
        if expires is None:
            raise ConfigError(f"{where}: expires must be a date (YYYY-MM-DD), not {entry['expires']!r}")
        ticket = entry.get("ticket")
        waiver = Waiver(api, requirement, str(entry["reason"]), expires, str(ticket) if ticket else None)
        if expires < today:
            ticket_text = f", ticket {waiver.ticket}" if waiver.ticket else ""
            raise ConfigError(
                f"{where} ({api} {requirement}{ticket_text}) expired on {expires.isoformat()}: "
                f"renew it or remove it"
            )
        waivers.append(waiver)
    return waivers


# -- requirement selection -----------------------------------------------------------------


def parse_requirement_selection(value: str | None, origin: str) -> tuple[str, ...]:
    """``CC-IPV6-NEVER-NULL,UMTS-*`` -> the patterns; each must match a known requirement."""
    if not value:
        return ()
    from .registry import all_apis
    from .requirements import load_catalogue

    known = [r.id for api in all_apis() for r in load_catalogue(api)]
    patterns = tuple(p.strip().upper() for p in value.split(",") if p.strip())
    for pattern in patterns:
        if not any(fnmatch.fnmatchcase(rid, pattern) for rid in known):
            raise ConfigError(f"{origin}: '{pattern}' matches no requirement of any catalogue")
    return patterns


def selected(requirement_id: str, patterns: tuple[str, ...]) -> bool:
    return not patterns or any(fnmatch.fnmatchcase(requirement_id, p) for p in patterns)


# -- run-time budget -----------------------------------------------------------------------

_DURATION_UNITS = {"h": 3600.0, "m": 60.0, "s": 1.0}


def parse_duration(value: str | None, origin: str) -> float | None:
    """``90``, ``90s``, ``10m``, ``1h30m`` -> seconds; None when not given."""
    import re

    if value is None or not value.strip():
        return None
    text = value.strip().lower()
    parts = re.fullmatch(r"(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m)?(?:(\d+(?:\.\d+)?)s?)?", text)
    if not parts or not any(parts.groups()):
        raise ConfigError(f"{origin}: '{value}' is not a duration (e.g. 90s, 10m, 1h30m)")
    seconds = sum(
        float(amount) * _DURATION_UNITS[unit]
        for amount, unit in zip(parts.groups(), "hms", strict=True) if amount
    )
    if seconds <= 0:
        raise ConfigError(f"{origin}: '{value}' must be longer than 0 s")
    return seconds
