"""The devices, and their sessions, the target names for the Control Center suite.

Get Session Details only reads: the suite creates nothing on the target, so there is nothing to
clean up and no clean-up to fail. What the other APIs' ``sessions.py`` keep (the resources a
test works on) is here the target's own devices, read-only: which ICCID each entity key names and
in which state the target says its device is, and what the suite therefore knows before it asks
about an ICCID (:class:`.model.Asked`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .client import CURRENT_API_VERSION
from .model import DEVICE_OF_ENTITY, Credentials, DeviceState
from .model import Asked
from .target import unknown_iccids


@dataclass(frozen=True)
class TargetDevices:
    """ICCID -> entity key for every device the target names, read once per test."""

    by_iccid: dict[str, str]
    unknown: tuple[str, ...]
    """ICCIDs the target holds no device for (``iccid_unknown`` or the reserved defaults)."""

    @classmethod
    def of(cls, target: Any) -> TargetDevices:
        """The devices of ``target`` (anything with ``entity(key)``; its ``settings`` give the
        unknown ICCIDs when it has them). An ICCID named under two keys keeps the first key's
        state (:data:`.model.DEVICE_OF_ENTITY` order)."""
        found: dict[str, str] = {}
        for key in DEVICE_OF_ENTITY:
            value = target.entity(key)
            if value is not None:
                found.setdefault(value, key)
        settings = getattr(target, "settings", None)
        return cls(found, unknown_iccids(settings) if settings is not None else ())

    @property
    def iccids(self) -> list[str]:
        """The target's devices' ICCIDs, sorted (a stable order for Hypothesis to draw from)."""
        return sorted(self.by_iccid)

    def state(self, iccid: str) -> DeviceState | None:
        """The state the target names ``iccid``'s device in; None for an ICCID it does not name."""
        key = self.by_iccid.get(iccid)
        return DEVICE_OF_ENTITY[key] if key is not None else None

    def asked(self, iccid: str, api_version: str = CURRENT_API_VERSION, credentials: Credentials = "valid") -> Asked:
        """What the suite knows about ``iccid``: a device of the target in its state, or an ICCID
        that is not provisioned."""
        state = self.state(iccid)
        if state is not None:
            return Asked(iccid=iccid, api_version=api_version, credentials=credentials,
                         device=state, provisioned=True)
        return Asked(iccid=iccid, api_version=api_version, credentials=credentials,
                     provisioned=False)

    def probe_iccid(self) -> tuple[str, bool]:
        """The ICCID for a request that must be refused before any lookup, and whether it is
        provisioned: the device in session when the target names one (a server that lets the
        request through would hand out its data), else an unknown ICCID."""
        for iccid, key in self.by_iccid.items():
            if key == "iccid_in_session":
                return iccid, True
        return self.unknown[0], False


def leftovers(open_http: Any, target: Any) -> None:
    """The preflight's hook (see :mod:`pytest_sessionapi.registry`): Get Session Details creates
    nothing on the target, so no run leaves anything over and nobody else's session is in the
    way."""
    return None
