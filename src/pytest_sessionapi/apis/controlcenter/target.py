"""The ``[controlcenter]`` table of ``targets.toml``."""

from __future__ import annotations

from typing import ClassVar

from pydantic import field_validator

from pytest_sessionapi.config import BaseTarget, optional_key, required_key


def _check_iccid(value: str | None) -> str | None:
    # The suite puts the ICCID into a URL path segment; anything that would change the path's
    # shape is a typo in the file, not a device. Digits are not enforced: the vendor documents no
    # syntax, and one issuer's ICCIDs may carry a length or check digit the suite does not expect.
    if value is None:
        return None
    if not value or value != value.strip() or any(c in value for c in "/?#% \t"):
        raise ValueError(f"'{value}' is not usable as an ICCID in a URL path")
    return value


class Target(BaseTarget):
    """Cisco IoT Control Center (formerly Jasper): Get Session Details."""

    username: str = required_key("Control Center user of the API key")
    api_key_env: str = required_key("environment variable holding the user's API key (HTTP Basic)")
    iccid_in_session: str | None = optional_key("device in a data session right now")
    iccid_session_ended: str | None = optional_key("device whose most recent data session has ended")
    iccid_never_in_session: str | None = optional_key("device that never had a data session")
    # Optional entities, beyond the contract's three: they exercise the address rules where the
    # vendor text is most specific (ipAddress always returned even without IPv4; both may be set).
    iccid_ipv6_only: str | None = optional_key("device whose current or most recent session has only IPv6")
    iccid_dual_stack: str | None = optional_key("device whose current or most recent session has IPv4 and IPv6")
    iccid_ipv4_only: str | None = optional_key("device whose current or most recent session has only IPv4")
    iccid_unknown: str | None = optional_key(
        "an ICCID that is not provisioned on the account; default: two ICCIDs with the "
        "reserved E.164 country code 999, which no issuer can hold"
    )

    ENTITY_KEYS: ClassVar[tuple[str, ...]] = (
        "iccid_in_session",
        "iccid_session_ended",
        "iccid_never_in_session",
        "iccid_ipv6_only",
        "iccid_dual_stack",
        "iccid_ipv4_only",
    )

    @field_validator(*ENTITY_KEYS, "iccid_unknown")
    @classmethod
    def _iccid_fits_a_path(cls, value: str | None) -> str | None:
        return _check_iccid(value)


DEFAULT_UNKNOWN_ICCIDS: tuple[str, ...] = ("8999999999999999990", "89999999999999999990")
"""19 and 20 digits, MII 89 with country code 999 (reserved in E.164, assigned to no country)."""


def unknown_iccids(target_settings: Target) -> tuple[str, ...]:
    if target_settings.iccid_unknown:
        return (target_settings.iccid_unknown,)
    return DEFAULT_UNKNOWN_ICCIDS
