"""Pydantic v2 models of the UMTS answers (session, trace record, error), strict about JSON types.

Every model allows extra keys (vendors add fields; the docs never say the objects are closed) and
makes optional what the vendor's own material shows absent somewhere (``JSessionId``, ``@rid``,
``download_status``; the SDK marks every session field Optional). Which fields an answer *must*
carry is decided in :mod:`.rules`, per requirement, so a missing field fails the right ID.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictFloat, StrictInt, StrictStr

OPERATIONS = ("start", "stop", "status", "download", "disable")
"""The {operation} values of updateUmtsSessionStatus: 'start, stop,status,download or disable'."""

CODE_UNKNOWN_SESSION = "TBST1005"
"""The 'error sample' of updateUmtsSessionStatus: "Invalid Session"."""
CODE_CONFLICT = "TBST1008"
"""enableSession's 400 example: the device 'is already have a active umts tunnel session'."""

EPOCH_MS_MIN = 10**12
"""2001-09-09 in epoch milliseconds; an epoch-seconds value (10 digits) is far below it."""
EPOCH_MS_MAX = 10**13
"""2286-11-20; the 14-digit vip_time of the vendor's download sample is above it."""


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)


class UmtsSession(_Open):
    """``UMTSSession``: the create answer's item and the status answer."""

    j_session_id: StrictStr | None = Field(default=None, alias="JSessionId")
    session_id: StrictStr | None = Field(default=None, alias="sessionId")
    type: StrictStr | None = None
    uuid: StrictStr | None = None
    status_message: StrictStr | None = Field(default=None, alias="statusMessage")
    renewal_time: StrictInt | None = Field(default=None, alias="renewalTime")
    rid: StrictInt | None = Field(default=None, alias="@rid")
    payload: StrictStr | None = None
    download_status: StrictStr | None = None
    user_ip: StrictStr | None = Field(default=None, alias="userIp")
    start_time: StrictInt | None = Field(default=None, alias="startTime")
    user: StrictStr | None = None
    request_status: StrictStr | None = Field(default=None, alias="requestStatus")
    status: StrictStr | None = None


class SessionPayload(_Open):
    """The JSON object inside ``payload`` (a string that has to be decoded again)."""

    device_uuid: StrictStr = Field(alias="deviceUUID")
    session_id: StrictStr = Field(alias="sessionId")
    local_color: StrictStr | None = Field(default=None, alias="localColor")
    remote_system: StrictStr | None = Field(default=None, alias="remoteSystem")
    remote_color: StrictStr | None = Field(default=None, alias="remoteColor")
    action_type: StrictStr | None = Field(default=None, alias="actionType")


Number = StrictInt | StrictFloat


class Hop(_Open):
    idx: StrictInt
    ip: StrictStr
    hostname: StrictStr | None = None
    # Measurements: integers in every sample, units undocumented; a fractional value is not
    # excluded by anything the vendor wrote, so any JSON number passes.
    rtt: Number | None = None
    rtt_min: Number | None = None
    rtt_max: Number | None = None
    loss: Number | None = None
    jitter: Number | None = None
    recv_qos: StrictInt | None = None
    reply_qos: StrictInt | None = None
    lbl_info: StrictInt | None = None


class Hops(_Open):
    hop: list[Hop]


class TraceRecord(_Open):
    vip_idx: StrictInt
    vip_time: StrictInt
    remote_color: StrictStr
    local_color: StrictStr
    remote_system_ip: StrictStr
    local_system_ip: StrictStr
    proto: StrictStr
    sent_qos: StrictInt
    state: StrictStr
    event_type: StrictStr
    event_subtype: StrictStr
    hops: Hops


class DownloadBody(_Open):
    data: list[TraceRecord]


class ErrorDetail(_Open):
    type: StrictStr
    message: StrictStr
    details: StrictStr
    code: StrictStr


class ErrorEnvelope(_Open):
    error: ErrorDetail


def error_code(body: Any) -> str | None:
    """The vManage error code wherever a server put it (in the envelope or, flat, at the top:
    whether the envelope is right is UMTS-ERROR-ENVELOPE's question, not the code's)."""
    if isinstance(body, dict):
        inner = body.get("error")
        if isinstance(inner, dict) and "code" in inner:
            return inner.get("code")
        return body.get("code")
    return None
