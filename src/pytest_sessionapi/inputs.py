"""The values the suites draw from the machine rather than from the endpoint: the ids they make
up (an unknown session id, a session name) and the clock (start and end times, the 'not in the
future' bound a judge holds an answer to).

One :class:`SuiteInputs` per run, on the run state, handed to the suites by the
``sessionapi_inputs`` fixture: every suite and API step takes its ids and its clock from it,
passed explicitly, never from ``uuid.uuid4()`` or ``datetime.now()`` itself. By default the values
are the machine's. A recording (``--sessionapi-record``) keeps what each test drew, in order, and a
replay (``--sessionapi-replay``) hands the same values back (:meth:`SuiteInputs.supply_from`), so
the suite sends the requests it sent live and judges the recorded answers against the same
instants. A user's conftest may override the fixture, e.g. with a fixed clock
(:meth:`SuiteInputs.using`). The reference servers keep their own ids and clock: they are the
endpoint.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime

Supplier = Callable[[str, Callable[[], str]], str]
"""``supplier(kind, make) -> value``: what a recording or a replay puts between the suites and
the sources. ``kind`` is ``"uuid4"`` or ``"now_utc"`` (the keys of a cassette's
``suite_inputs``), ``make()`` draws a new value from the source, as text; a recorder keeps what
``make()`` gave, a replayer returns the recorded value instead (``make()`` once they run out)."""


def machine_now() -> datetime:
    """The machine's clock, in UTC."""
    return datetime.now(UTC)


class SuiteInputs:
    """The ids and the clock of a run's suites. ``uuid4`` and ``now`` are the sources (the
    machine's unless given); a recording or a replay plugs in through :meth:`supply_from`."""

    def __init__(
        self,
        uuid4: Callable[[], uuid.UUID] = uuid.uuid4,
        now: Callable[[], datetime] = machine_now,
        supplier: Supplier | None = None,
    ) -> None:
        self._uuid4 = uuid4
        self._now = now
        self._supplier = supplier

    def supply_from(self, supplier: Supplier | None) -> None:
        """Route every value through ``supplier`` (the recorder or the replayer), or, given
        None, straight from the sources again."""
        self._supplier = supplier

    def using(
        self, *, uuid4: Callable[[], uuid.UUID] | None = None, now: Callable[[], datetime] | None = None
    ) -> SuiteInputs:
        """These inputs with other sources, still recorded and replayed as these are: what a
        conftest's override of ``sessionapi_inputs`` returns to fix the ids or the clock."""
        return _Derived(self, uuid4 or self._uuid4, now or self._now)

    def _draw(self, kind: str, make: Callable[[], str]) -> str:
        supplier = self._current_supplier()
        return make() if supplier is None else supplier(kind, make)

    def _current_supplier(self) -> Supplier | None:
        return self._supplier

    def uuid4(self) -> uuid.UUID:
        """A new random id (an unknown session id, the tail of a session name)."""
        if self._current_supplier() is None:
            return self._uuid4()
        return uuid.UUID(self._draw("uuid4", lambda: str(self._uuid4())))

    def now(self) -> datetime:
        """The suites' clock, an aware datetime in UTC."""
        if self._current_supplier() is None:
            return _in_utc(self._now())
        return datetime.fromisoformat(self._draw("now_utc", lambda: _in_utc(self._now()).isoformat()))


class _Derived(SuiteInputs):
    """Other sources, the supplier of the inputs they were derived from (set now or later)."""

    def __init__(self, base: SuiteInputs, uuid4: Callable[[], uuid.UUID], now: Callable[[], datetime]) -> None:
        super().__init__(uuid4, now)
        self._base = base

    def _current_supplier(self) -> Supplier | None:
        return self._supplier or self._base._current_supplier()


def _in_utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError(f"the suites' clock gave {moment!r}, a time without a UTC offset")
    return moment.astimezone(UTC)
