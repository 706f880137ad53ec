"""Pydantic v2 models of the Get Session Details answers, in the lenient profile.

They encode the JSON *types* the vendor documents ('Get Session Details': 'Response Parameters', the
example) and nothing more: the null/absence semantics, value formats and error
codes are rules in :mod:`.rules`, each under its own requirement ID. Unknown fields are kept
(``extra="allow"``): the vendor does not promise a closed object.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, StrictStr

SESSION_FIELDS = ("iccid", "ipAddress", "ipv6Address", "dateSessionStarted", "dateSessionEnded")
NULLABLE_FIELDS = ("ipAddress", "dateSessionStarted", "dateSessionEnded")
DATE_FIELDS = ("dateSessionStarted", "dateSessionEnded")


class SessionInfo(BaseModel):
    """The 200 body. ``iccid`` is judged by CC-BODY-ICCID and a null ``ipv6Address`` by
    CC-IPV6-NEVER-NULL, so both are typed loosely here and CC-BODY-TYPES judges the other four."""

    model_config = ConfigDict(extra="allow", strict=True)

    iccid: object = None
    ipAddress: StrictStr | None = None
    ipv6Address: StrictStr | None = None
    dateSessionStarted: StrictStr | None = None
    dateSessionEnded: StrictStr | None = None
