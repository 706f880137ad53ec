"""What the Control Center docs say a device can be, and which answer they demand for a request.

Control Center's Get Session Details changes nothing on the target: the model has no
transitions, only the states a device can be found in (the target names one device per state) and
the documented situations a request can be in (credentials, apiVersion, provisioned or not), each
with the answer the page's 'Errors' table or its 200 example demands, and what the suite asked
(:class:`Asked`), from which the situation follows. The rules
(:mod:`.rules`) and the mapping of Schemathesis's findings (:mod:`.schemathesis_checks`) read
their expectations from here, so the vendor's table is written down once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from .client import CURRENT_API_VERSION

INVALID_CREDENTIALS = "10000001"
INVALID_API_VERSION = "10000024"
INVALID_ZONE = "10000031"
INVALID_ICCID = "20000001"
UNKNOWN_SERVER_ERROR = "30000001"
NO_ROLE_ACCESS = "10000030"
"""The platform's 400 'Your role does not have access to this API function' (not in this page's
table): a refusal for the account's role, never for the request's values."""

ERROR_STATUS: dict[str, int] = {
    INVALID_CREDENTIALS: 401,  # Invalid credentials.
    INVALID_API_VERSION: 400,  # Invalid apiVersion.
    INVALID_ZONE: 400,  # Invalid Zone.
    INVALID_ICCID: 404,  # Resource not found - Invalid ICCID.
    UNKNOWN_SERVER_ERROR: 500,  # Unknown server error.
}
"""'Get Session Details' 'Errors' table: errorCode -> HTTP status."""

DeviceState = Literal[
    "in_session", "session_ended", "never_in_session", "ipv6_only", "dual_stack", "ipv4_only"
]
Credentials = Literal["valid", "invalid", "none"]

DEVICE_OF_ENTITY: dict[str, DeviceState] = {
    "iccid_in_session": "in_session",
    "iccid_session_ended": "session_ended",
    "iccid_never_in_session": "never_in_session",
    "iccid_ipv6_only": "ipv6_only",
    "iccid_dual_stack": "dual_stack",
    "iccid_ipv4_only": "ipv4_only",
}
"""The target's entity key -> the state of the device it names. The order matters: an ICCID the
target names under two keys is taken in the state of the first."""

HAD_A_SESSION: frozenset[DeviceState] = frozenset(
    {"in_session", "session_ended", "ipv6_only", "dual_stack", "ipv4_only"}
)
"""States whose device has a current or most recent session, so dates and an address are set."""

ADDRESSED_SESSIONS: frozenset[DeviceState] = frozenset({"ipv6_only", "dual_stack", "ipv4_only"})
"""States in which the target says which addresses the session has."""


@dataclass(frozen=True)
class Asked:
    """What the suite asked, and what it knows about the device it asked for."""

    iccid: str
    api_version: str = CURRENT_API_VERSION
    credentials: Credentials = "valid"
    device: DeviceState | None = None
    """The device's state when the target names it; None for an ICCID the suite knows is not
    provisioned (``provisioned`` False) or whose state it does not know."""
    provisioned: bool | None = None
    """True: a device of the target; False: known not provisioned; None: unknown."""

    def describe(self) -> str:
        creds = {"valid": "", "invalid": ", wrong credentials", "none": ", no credentials"}
        device = f" ({self.device.replace('_', ' ')} device)" if self.device else ""
        return f"GET v{self.api_version} sessionInfo of ICCID {self.iccid!r}{device}{creds[self.credentials]}"

    @property
    def is_regular(self) -> bool:
        """Valid credentials and the current apiVersion."""
        return self.credentials == "valid" and self.api_version == CURRENT_API_VERSION


@dataclass(frozen=True)
class Situation:
    """A documented situation and the answer the vendor demands for it."""

    requirement: str
    """The requirement that owns whether the answer fits the situation."""
    what: str
    """How failure messages name the situation (``{api_version}`` is filled in)."""
    error_codes: frozenset[str] = frozenset()
    """The errorCodes the answer may carry; none: the answer is a 200 with the session."""

    @property
    def statuses(self) -> frozenset[int]:
        """The HTTP statuses that go with the documented answer."""
        if not self.error_codes:
            return frozenset({200})
        return frozenset(ERROR_STATUS[code] for code in self.error_codes)


SITUATIONS: dict[str, Situation] = {
    "wrong-credentials": Situation(
        "CC-ERR-BAD-CREDENTIALS", "a request with wrong credentials", frozenset({INVALID_CREDENTIALS})
    ),
    "no-credentials": Situation(
        "CC-ERR-NO-CREDENTIALS", "a request without credentials", frozenset({INVALID_CREDENTIALS})
    ),
    "other-api-version": Situation(
        "CC-ERR-API-VERSION", "apiVersion {api_version!r}", frozenset({INVALID_API_VERSION})
    ),
    # Both the apiVersion and the ICCID wrong: which check comes first is not documented.
    "other-api-version-unknown-iccid": Situation(
        "CC-ERR-API-VERSION", "apiVersion {api_version!r}", frozenset({INVALID_API_VERSION, INVALID_ICCID})
    ),
    "provisioned": Situation("CC-OK-STATUS", "a provisioned device"),
    "not-provisioned": Situation(
        "CC-ERR-UNKNOWN-ICCID", "an ICCID that is not provisioned", frozenset({INVALID_ICCID})
    ),
}


def situation_name(asked: Asked) -> str:
    """Which documented situation a request is in. Credentials are checked first, then the
    apiVersion, then the ICCID (the order a server must refuse in: no data before
    authentication). An ICCID the suite does not know to be provisioned counts as not
    provisioned."""
    if asked.credentials == "invalid":
        return "wrong-credentials"
    if asked.credentials == "none":
        return "no-credentials"
    if asked.api_version != CURRENT_API_VERSION:
        return "other-api-version" if asked.provisioned is True else "other-api-version-unknown-iccid"
    return "provisioned" if asked.provisioned else "not-provisioned"


def situation(asked: Asked) -> Situation:
    """The documented situation of a request and the answer it demands."""
    return SITUATIONS[situation_name(asked)]
