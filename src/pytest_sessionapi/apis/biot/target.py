"""The ``[biot]`` table of ``targets.toml``."""

from __future__ import annotations

from typing import ClassVar

from pytest_sessionapi.config import BaseTarget


class Target(BaseTarget):
    token_env: str
    """Environment variable holding a BioT JWT with PROTECTED_API (``Authorization: Bearer``)."""

    expired_token_env: str | None = None
    """Optional: a variable holding a BioT JWT that has expired, for the expired-token check
    (the suite cannot mint one; without it that check is not tested)."""

    token_without_protected_api_env: str | None = None
    """Optional: a variable holding a valid BioT JWT of a user *without* the PROTECTED_API
    permission, to check that the usage-session operations refuse it (read-only: the suite only
    reads its own session with it); without it that check is not tested."""

    device_id: str | None = None
    """Device on which the suite may create (and then finish and delete) usage sessions."""

    usage_type: str | None = None
    """Usage type (session template name) for createSessionByUsageType."""

    other_device_id: str | None = None
    """Optional: another existing device. The suite addresses its own session through this
    device's path to provoke SESSION_WRONG_DEVICE_ID; it never touches that device's sessions."""

    custom_attribute: str | None = None
    """Optional: the name of a regular (top-level) custom attribute of the usage type's session
    template that holds a string, to check that a PATCH updates it like any other attribute."""

    configuration_attribute: str | None = None
    """Optional: the name of a configuration attribute of the usage type's session template
    (``_configuration.<name>``) that holds a string, to check that a PATCH of _configuration is
    applied and read back, and kept by a PATCH that does not send it."""

    ENTITY_KEYS: ClassVar[tuple[str, ...]] = (
        "device_id", "usage_type", "other_device_id", "custom_attribute", "configuration_attribute"
    )
