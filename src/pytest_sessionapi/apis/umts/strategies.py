"""The Hypothesis strategies for UMTS inputs: generated cases of the two endpoints, create bodies
for the target's device, and the operations the state machine draws from."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from .models import OPERATIONS
from .schemathesis_checks import create_operation, session_operation
from .steps import UNKNOWN_OPERATIONS

# The wildcard colors of the vendor's own payload samples (status examples). A device may refuse
# them (400 in the envelope); it must accept the colors the target configures.
DOCUMENTED_LOCAL_COLORS = ("local-color-all",)
DOCUMENTED_REMOTE_COLORS = ("remote-color-all",)

operations = st.sampled_from(OPERATIONS)
"""One of the five documented operations."""
unknown_operations = st.sampled_from(UNKNOWN_OPERATIONS)
"""An operation outside the five."""


@st.composite
def create_bodies(draw: Any, configured: dict[str, str]) -> dict[str, str]:
    """UMTSInput for the target's device: the configured colors or the documented wildcards, and
    one system IP or a comma-separated list of them (both documented forms)."""
    local_colors = sorted({configured["localColor"], *DOCUMENTED_LOCAL_COLORS})
    remote_colors = sorted({configured["remoteColor"], *DOCUMENTED_REMOTE_COLORS})
    systems = [ip.strip() for ip in configured["remoteSystem"].split(",") if ip.strip()]
    return {
        "deviceUUID": configured["deviceUUID"],
        "localColor": draw(st.sampled_from(local_colors)),
        "remoteColor": draw(st.sampled_from(remote_colors)),
        "remoteSystem": ",".join(
            draw(st.lists(st.sampled_from(systems), min_size=1, max_size=3, unique=True))
        ),
    }


def uses_configured_colors(body: dict[str, str], configured: dict[str, str]) -> bool:
    """Whether a create body carries the colors the target configures (which must be accepted)."""
    return body["localColor"] == configured["localColor"] and \
        body["remoteColor"] == configured["remoteColor"]


def session_cases() -> st.SearchStrategy[Any]:
    """Schemathesis cases of the operation endpoint: generated operations and session ids."""
    return session_operation().as_strategy()


def create_cases(body: dict[str, str]) -> st.SearchStrategy[Any]:
    """Schemathesis cases of create carrying ``body``."""
    return create_operation().as_strategy(body=body, media_type="application/json")
