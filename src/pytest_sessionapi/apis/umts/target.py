"""The ``[umts]`` table of ``targets.toml`` (see ``target-config.md``)."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from pytest_sessionapi.config import BaseTarget, optional_key, required_key


class Target(BaseTarget):
    username: str = required_key("vManage user for the form login")
    password_env: str = required_key("environment variable holding the vManage password")
    device_uuid: str | None = optional_key("edge device the suite may create UMTS trace sessions on")
    local_color: str | None = optional_key("UMTSInput localColor")
    remote_color: str | None = optional_key("UMTSInput remoteColor")
    remote_system: str | None = optional_key("UMTSInput remoteSystem (system IP, or a comma-separated list)")
    poll_timeout_s: float = Field(
        default=60.0, gt=0, le=3600, description="how long to wait for a trace to finish"
    )
    poll_interval_s: float = Field(
        default=2.0, gt=0, le=600, description="pause between two status polls while waiting"
    )

    ENTITY_KEYS: ClassVar[tuple[str, ...]] = (
        "device_uuid",
        "local_color",
        "remote_color",
        "remote_system",
    )
