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
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Protocol, TypeVar

from .errors import ConfigError
from .verdicts import UNTESTED

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


SETUP_ERROR_EXIT_STATUS = 4
"""The exit status of a run whose only problem is an API that could not be set up: the same as
pytest's usage error, since both say "fix how the run is configured", and never 1, which says
"the endpoint is nonconformant"."""

_KEPT_EXIT_STATUSES = (2, 3, 4)
"""pytest's interrupted, internal error and usage error: the run's own outcome, kept whatever the
ledger says (an interrupted run that found a MUST failure still exits 2; its report says
``nonconformant``)."""

class _Judged(Protocol):
    """A failure or a requirement result: a requirement and what was found of it."""

    @property
    def requirement(self) -> Any: ...

    @property
    def status(self) -> str: ...


_J = TypeVar("_J", bound=_Judged)


@dataclass(frozen=True)
class Policy:
    """The one place that answers "does this block?": a failure, a requirement result, an API's
    verdict, the run's exit status, from the requirement's level, ``--sessionapi-fail-on`` and the
    waivers. The per-test recorder (JUnit), the ledger, the reports (conformance.json) and the
    exit status all ask it, so they cannot disagree."""

    fail_on: str = "must"
    waivers: tuple[Waiver, ...] = ()
    requirement_patterns: tuple[str, ...] = ()
    budget_s: float | None = None
    """How long each API's run may take (``--sessionapi-budget``), from its first test."""

    @classmethod
    def of(cls, strict: bool) -> Policy:
        """The policy of a report that says only whether it was strict (``sessionapi judge``, a
        certification bundle re-checked): no waivers, SHOULD failures count when strict."""
        return cls("should" if strict else "must")

    @property
    def strict(self) -> bool:
        """Whether every failed requirement blocks, not only a failed MUST (``should`` and
        ``incomplete``, or ``--sessionapi-strict``)."""
        return self.fail_on != "must"

    @property
    def waived(self) -> frozenset[str]:
        return frozenset(w.requirement for w in self.waivers)

    def blocks(self, requirement_id: str, level: str | None = None) -> bool:
        """Whether a failure of ``requirement_id`` fails the run: never while a waiver accepts
        it; a MUST always; a SHOULD when ``--sessionapi-fail-on`` is should or incomplete."""
        if requirement_id in self.waived:
            return False
        if self.strict:
            return True
        if level is None:
            from .requirements import find_requirement

            level = find_requirement(requirement_id).level
        return level == "MUST"

    def blocking(self, judged: Iterable[_J]) -> list[_J]:
        """The failures (test observations or run results) among ``judged`` that block."""
        return [
            item for item in judged
            if item.status == "fail" and self.blocks(item.requirement.id, item.requirement.level)
        ]

    def verdict(
        self,
        requirements: list[dict[str, Any]],
        *,
        setup_problem: str | None = None,
        interruption: str | None = None,
    ) -> str:
        """An API's verdict from its requirements as conformance.json lists them (a failure a
        waiver accepts is listed ``waived``, not ``fail``)."""
        if setup_problem:
            return "error"
        if any(r["status"] == "fail" and self.blocks(r["id"], r["level"]) for r in requirements):
            return "nonconformant"
        if interruption:
            return "incomplete"
        if any(r["status"] in UNTESTED for r in requirements if r["level"] == "MUST"):
            return "incomplete"
        return "conformant"

    def verdict_blocks(self, verdict: str) -> bool:
        """Whether an API's verdict fails the run: ``nonconformant`` always, ``incomplete`` under
        ``--sessionapi-fail-on=incomplete``."""
        return verdict == "nonconformant" or (verdict == "incomplete" and self.fail_on == "incomplete")

    def exit_status(
        self,
        pytest_status: int,
        ledger: Any,
        *,
        verdicts: Iterable[str] = (),
        failed_apis: Iterable[str | None] | None = None,
    ) -> int:
        """The run's exit status, from the requirement ledger first: a blocking failure recorded
        anywhere is 1 however its test ended (a waived one is not blocking); so is a verdict that
        blocks (an incomplete API under ``--sessionapi-fail-on=incomplete``); a Ctrl-C that
        something swallowed is still 2; an API that could not be set up (and nothing else wrong)
        is :data:`SETUP_ERROR_EXIT_STATUS`. An API reported ``error`` (its endpoint stopped
        answering part-way) is not a conformance result: neither its failed requirements nor its
        failed tests (``failed_apis``, the API of each failed test) make the exit status 1."""
        from .requirements import api_of

        if pytest_status in _KEPT_EXIT_STATUSES:
            return pytest_status
        if ledger.facts.ctrl_c:
            return 2
        errored = set(ledger.facts.setup_problems)
        if any(api_of(r.requirement.id) not in errored for r in self.blocking(ledger.results.values())):
            return 1
        if any(self.verdict_blocks(verdict) for verdict in verdicts):
            return 1
        if ledger.facts.replay_gaps and pytest_status in (0, 5):
            return SETUP_ERROR_EXIT_STATUS  # the recording does not hold the run: fix the recording
        failed_elsewhere = failed_apis is None or any(api not in errored for api in failed_apis)
        if errored and (pytest_status in (0, 5) or (pytest_status == 1 and not failed_elsewhere)):
            return SETUP_ERROR_EXIT_STATUS
        return pytest_status


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
