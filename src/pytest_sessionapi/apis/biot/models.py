"""Pydantic v2 models of the BioT answers the suite reads (vendor schemas, 10.6.4).

Extra attributes are allowed everywhere: template-defined custom attributes are documented, and a
vendor may add fields. Optional attributes may be null (see openapi.json, info.description).
Date-times are kept as strings here; their form is judged by BIOT-DATETIME-UTC's rule (``rules.py``) so a
time-zone mistake fails BIOT-DATETIME-UTC and nothing else.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

State = Literal["ACTIVE", "DONE", "PAUSED", "ACTIVATING", "PAUSING", "RESUMING", "STOPPING"]
StopReasonCode = Literal["COMPLETION", "GENERAL_DEVICE_ERROR", "TIMEOUT"]
Initiator = Literal["REMOTE_CONTROL", "EXTERNAL"]


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow", strict=True)


class ParentTemplate(_Open):
    id: str | None = None
    displayName: str | None = None
    name: str | None = None


class TemplateData(_Open):
    name: str | None = None
    displayName: str | None = None
    parentTemplate: ParentTemplate | None = None
    id: str | None = None


class ReferencedEntity(_Open):
    id: str | None = None
    templateId: str | None = None
    parentEntityId: str | None = None
    templateName: str | None = None
    template: TemplateData | None = None
    organizationId: str | None = None
    name: str | None = None


class SessionSummary(_Open):
    stopReason: str | None = Field(default=None, alias="_stopReason", max_length=128)
    stopReasonCode: StopReasonCode | None = Field(default=None, alias="_stopReasonCode")


class SessionResponseV2(_Open):
    """``required``: _creationTime, _device, _id, _initiator, _lastModifiedTime,
    _ownerOrganization, _patient, _requiredMeasurementIntervalMilliseconds, _sessionContext,
    _startTime, _state, _summary."""

    id: str = Field(alias="_id")
    patient: ReferencedEntity = Field(alias="_patient")
    device: ReferencedEntity = Field(alias="_device")
    ownerOrganization: ReferencedEntity = Field(alias="_ownerOrganization")
    startTime: str = Field(alias="_startTime")
    endTime: str | None = Field(default=None, alias="_endTime")
    state: State = Field(alias="_state")
    initiator: Initiator = Field(alias="_initiator")
    requiredMeasurementIntervalMilliseconds: int = Field(
        alias="_requiredMeasurementIntervalMilliseconds", ge=-(2**31), lt=2**31
    )
    template: TemplateData | None = Field(default=None, alias="_template")
    referencers: dict[str, Any] | None = Field(default=None, alias="_referencers")
    configuration: dict[str, Any] | None = Field(default=None, alias="_configuration")
    summary: SessionSummary = Field(alias="_summary")
    lastModifiedTime: str = Field(alias="_lastModifiedTime")
    creationTime: str = Field(alias="_creationTime")
    name: str | None = Field(default=None, alias="_name", min_length=1, max_length=64)
    sessionContext: str = Field(alias="_sessionContext")
    caption: str | None = Field(default=None, alias="_caption")


class ErrorResponse(_Open):
    """The BioT error envelope. The vendor schema marks nothing required; every documented error
    has a code ('Code : X, Details: [...]'), so the suite requires ``code`` (BIOT-ERROR-ENVELOPE)
    and wants all six attributes (BIOT-ERROR-ENVELOPE-FIELDS)."""

    code: str
    message: str | None = None
    serviceName: str | None = None
    traceId: str | None = None
    environment: str | None = None
    details: dict[str, Any] | None = None


ENVELOPE_FIELDS = ("code", "message", "serviceName", "traceId", "environment", "details")
SESSION_DATETIME_FIELDS = ("_startTime", "_endTime", "_lastModifiedTime", "_creationTime")
