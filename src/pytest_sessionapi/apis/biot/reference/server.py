"""The BioT usage-session reference implementation (Starlette), built from BioT's API reference and
OpenAPI document (Organization Service 10.6.4).

Operations: create by usage type, get, update (PATCH), delete, with BioT's ``ErrorResponse``
envelope, the documented error codes and the session lifecycle. The rules are implemented here on
their own (not through ``model.py``, the suite's oracle), so a mistake in one shows up as a
disagreement with the other instead of hiding in both. The transition table (``model.toml``) and
the reader of written date-times are shared: the catalogue's model and the digits of a date, not
its rules.

Each variant (``variants.py``) is a small switch in the handlers below, asked one way:
``state.variant("name")`` (``reference_support.Switch``, which refuses a misspelt name).
"""

from __future__ import annotations

import base64
import json
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from pytest_sessionapi.reference_support import Switch

from ..model import STATES, load_model, read_time
from .variants import VARIANTS

# The templates of the entities a session references. BasicTemplateData.id is a string in the
# document, but the entity's deprecated templateId is a UUID (format uuid, and a UUID in the SDK):
# the same id serves both.
PATIENT_TEMPLATE = {"name": "Patient", "displayName": "Patient",
                    "id": "5f0c6f4e-2d1b-4c8a-9e7f-3a2b1c0d9e01"}
DEVICE_TEMPLATE = {"name": "ReferenceDevice", "displayName": "Reference device",
                   "id": "5f0c6f4e-2d1b-4c8a-9e7f-3a2b1c0d9e02"}
ORGANIZATION_TEMPLATE = {"name": "Organization", "displayName": "Organization",
                         "id": "5f0c6f4e-2d1b-4c8a-9e7f-3a2b1c0d9e03"}

EMBEDDED_TABLE: dict[str, Any] = {
    "base_url": "http://biot.reference",
    "token_env": "SESSIONAPI_REFERENCE_BIOT_TOKEN",
    "expired_token_env": "SESSIONAPI_REFERENCE_BIOT_EXPIRED_TOKEN",
    "token_without_protected_api_env": "SESSIONAPI_REFERENCE_BIOT_UNPRIVILEGED_TOKEN",
    "device_id": "reference-device-1",
    "usage_type": "Monitoring",
    "other_device_id": "reference-device-2",
    "custom_attribute": "operatorNote",
    "configuration_attribute": "alarmProfile",
}


def _jwt(payload: dict[str, Any], signature: str) -> str:
    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    header = b64(json.dumps({"alg": "RS256", "typ": "JWT"}, separators=(",", ":")).encode())
    body = b64(json.dumps(payload, separators=(",", ":")).encode())
    return f"{header}.{body}.{b64(signature.encode())}"


# Fixed, fake, JWT-shaped tokens: the reference accepts exactly the first, knows the second as
# one it issued that has expired, and the third as valid for a user without PROTECTED_API.
EMBEDDED_ENV: dict[str, str] = {
    "SESSIONAPI_REFERENCE_BIOT_TOKEN": _jwt(
        {"sub": "reference-device-1", "scope": "PROTECTED_API", "exp": 4102444800},
        "reference-signature-valid",
    ),
    "SESSIONAPI_REFERENCE_BIOT_EXPIRED_TOKEN": _jwt(
        {"sub": "reference-device-1", "scope": "PROTECTED_API", "exp": 1577836800},
        "reference-signature-expired",
    ),
    "SESSIONAPI_REFERENCE_BIOT_UNPRIVILEGED_TOKEN": _jwt(
        {"sub": "reference-viewer", "scope": "ORGANIZATION_READ", "exp": 4102444800},
        "reference-signature-unprivileged",
    ),
}

SERVICE_NAME = "Device Service"
TIME_TOLERANCE = timedelta(seconds=60)
"""Clock skew the reference forgives before answering TIME_IN_FUTURE."""

_STOP_REASON_CODES = ("COMPLETION", "GENERAL_DEVICE_ERROR", "TIMEOUT")
_UPDATABLE = ("_startTime", "_endTime", "_state", "_configuration", "_summary", "_name")
_CUSTOM_ATTRIBUTES = ("operatorNote",)
"""The reference usage type's regular custom attributes (template-defined; strings here)."""
_ATTRIBUTE_CODES = (
    "ATTRIBUTE_VALUE_TYPE_MISMATCH", "ATTRIBUTE_VALUE_CONVERSION_FAILED", "ATTRIBUTE_NOT_VALID_FOR_TEMPLATE",
    "SELECT_ATTRIBUTE_INVALID_VALUE", "VALIDATION_MINIMUM_ALLOWED_VALUE", "VALIDATION_MAX_ALLOWED_VALUE",
)
"""The codes of invalid attribute values (the refusal-code fault variants rewrite them)."""


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, /, **details: Any) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details


@dataclass
class Device:
    id: str
    name: str
    patient_id: str
    organization_id: str
    usage_types: dict[str, str]
    """usage type (session template name) -> template id"""


@dataclass
class StoredSession:
    id: str
    device_id: str
    patient_id: str
    organization_id: str
    template_id: str
    usage_type: str
    start: datetime
    end: datetime | None
    state: str
    name: str | None
    configuration: dict[str, Any]
    summary: dict[str, Any]
    created: datetime
    modified: datetime
    context: str
    snapshot: dict[str, Any] | None = None
    custom: dict[str, Any] = field(default_factory=dict)


def _now() -> datetime:
    moment = datetime.now(UTC)
    return moment.replace(microsecond=(moment.microsecond // 1000) * 1000)


def _parse_time(value: str) -> datetime | None:
    """What the reference accepts as a date-time: ISO-8601 with 'T', 'Z' or a ±hh:mm offset, at
    most nine fraction digits (finer than milliseconds is dropped, as BioT writes milliseconds)."""
    written = read_time(value)
    if written is None or not (written.upper_case and written.rfc3339 and written.fraction_digits <= 9):
        return None
    return written.instant


@dataclass
class ReferenceState:
    variant: Switch
    devices: dict[str, Device] = field(default_factory=dict)
    sessions: dict[str, StoredSession] = field(default_factory=dict)
    created_through_api: list[str] = field(default_factory=list)

    def live_sessions(self) -> list[str]:
        """Sessions created through the API and still held (seeded ones do not count)."""
        return [sid for sid in self.created_through_api if sid in self.sessions]

    # -- helpers -------------------------------------------------------------------------------
    def format_time(self, moment: datetime) -> str:
        zone = "Z"
        moment = moment.astimezone(UTC)
        if self.variant("datetimes-with-offset"):
            moment, zone = moment + timedelta(hours=2), "+02:00"
        # Four-digit years always (strftime drops the padding for years before 1000 on glibc).
        return (
            f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}T{moment.hour:02d}:"
            f"{moment.minute:02d}:{moment.second:02d}.{moment.microsecond // 1000:03d}{zone}"
        )

    def error(self, exc: ApiError) -> JSONResponse:
        message = exc.message
        if self.variant("other-messages"):
            message = f"Request rejected ({exc.code.lower().replace('_', ' ')})"
        body: dict[str, Any] = {
            "code": exc.code,
            "message": message,
            "serviceName": "Organization Service" if self.variant("other-messages") else SERVICE_NAME,
            "traceId": (str(uuid.uuid4()) if self.variant("other-messages") else secrets.token_hex(8)),
            "environment": "reference-b" if self.variant("other-messages") else "reference",
            "details": {} if self.variant("error-details-empty") else exc.details,
        }
        if self.variant("error-without-message"):
            del body["message"]
        if self.variant("error-message-number"):
            body["message"] = exc.status
        if self.variant("error-message-null"):
            body["message"] = None
        if self.variant("undocumented-refusal-code") and exc.code in _ATTRIBUTE_CODES:
            body["code"] = "INVALID_ATTRIBUTE_VALUE"
        if self.variant("refusal-codes-mismatched") and exc.code in _ATTRIBUTE_CODES:
            body["code"] = "ATTRIBUTE_IS_MANDATORY"
        if self.variant("details-values-null") and exc.code in _ATTRIBUTE_CODES:
            body["details"] = dict.fromkeys(exc.details)
        if self.variant("error-envelope-minimal"):
            for name in ("serviceName", "traceId", "environment"):
                del body[name]
        if self.variant("extra-fields"):
            body["timestamp"] = self.format_time(_now())
        return self.json(body, exc.status)

    def json(self, body: Any, status: int) -> JSONResponse:
        if self.variant("reordered-keys"):
            body = _reversed(body)
        return JSONResponse(body, status_code=status)

    def render(self, session: StoredSession) -> dict[str, Any]:
        device = self.devices.get(session.device_id)
        # Each referenced entity carries templateId, templateName, template, organizationId and
        # name: the vendor document allows them null or absent (templateId is deprecated), but
        # biotmed-device-sdk 2.3.40's BasicReferencedEntityData* models require them all, so
        # the reference takes the reading both accept (see BIOT-CLIENT-READABLE's decision).
        organization = {
            "id": session.organization_id,
            "name": "Reference Organization",
            "templateId": ORGANIZATION_TEMPLATE["id"],
            "templateName": ORGANIZATION_TEMPLATE["name"],
            "template": dict(ORGANIZATION_TEMPLATE),
            "organizationId": session.organization_id,
        }
        if self.variant("references-as-documented-only"):
            # What the document allows and the SDK cannot read (issue 20's first answer).
            organization = {"id": session.organization_id, "name": "Reference Organization",
                            "templateName": ORGANIZATION_TEMPLATE["name"]}
        body: dict[str, Any] = {
            "_id": session.id,
            "_patient": {
                "id": session.patient_id,
                "name": "Reference Patient",
                "organizationId": session.organization_id,
                "templateId": PATIENT_TEMPLATE["id"],
                "templateName": PATIENT_TEMPLATE["name"],
                "template": dict(PATIENT_TEMPLATE),
            },
            "_device": {
                "id": session.device_id,
                "name": device.name if device else session.device_id,
                "organizationId": session.organization_id,
                "templateId": DEVICE_TEMPLATE["id"],
                "templateName": DEVICE_TEMPLATE["name"],
                "template": dict(DEVICE_TEMPLATE),
            },
            "_ownerOrganization": organization,
            "_startTime": self.format_time(session.start),
            "_state": session.state,
            "_initiator": "EXTERNAL",
            "_requiredMeasurementIntervalMilliseconds": 1000,
            "_template": {
                "name": session.usage_type,
                "displayName": session.usage_type,
                "id": session.template_id,
            },
            "_configuration": dict(session.configuration),
            "_summary": {k: v for k, v in session.summary.items() if v is not None},
            "_lastModifiedTime": self.format_time(session.modified),
            "_creationTime": self.format_time(session.created),
            "_sessionContext": session.context,
        }
        body.update({name: value for name, value in session.custom.items() if value is not None})
        if session.end is not None:
            body["_endTime"] = self.format_time(session.end)
        if session.name is not None:
            body["_name"] = session.name
        if self.variant("nulls-for-absent"):
            body.setdefault("_endTime", None)
            body.setdefault("_name", None)
            body["_caption"] = None
            body["_summary"].setdefault("_stopReason", None)
            body["_summary"].setdefault("_stopReasonCode", None)
        if self.variant("extra-fields"):
            body["_caption"] = session.name or "session"
            body["_referencers"] = {}
            body["ambientTemperature"] = 21.5
            body["_summary"]["measurementCount"] = 0
        if self.variant("session-context-missing"):
            del body["_sessionContext"]
        return body

    # -- seeds ---------------------------------------------------------------------------------
    def seed(self) -> None:
        organization = "6f1b6c1e-2f0c-4a43-9d57-9c1d3a1e0a01"
        for device_id, name, patient in (
            (EMBEDDED_TABLE["device_id"], "Reference device 1", "1d2c8f6e-55a1-4c8e-8f44-0d1f2b3c4a01"),
            (EMBEDDED_TABLE["other_device_id"], "Reference device 2", "1d2c8f6e-55a1-4c8e-8f44-0d1f2b3c4a02"),
        ):
            self.devices[device_id] = Device(
                device_id, name, patient, organization,
                {EMBEDDED_TABLE["usage_type"]: "0b7a3f1c-6d2e-4b59-8a61-5c4e3d2b1a01"},
            )
        # A finished session of the other device: what SESSION_WRONG_DEVICE_ID protects.
        start = datetime(2024, 3, 1, 8, 0, tzinfo=UTC)
        other = EMBEDDED_TABLE["other_device_id"]
        seeded = StoredSession(
            id="7c9e6679-7425-40de-944b-e07fc1f90ae7",
            device_id=other,
            patient_id=self.devices[other].patient_id,
            organization_id=organization,
            template_id="0b7a3f1c-6d2e-4b59-8a61-5c4e3d2b1a01",
            usage_type=EMBEDDED_TABLE["usage_type"],
            start=start,
            end=start + timedelta(hours=1),
            state="DONE",
            name="seeded session of device 2",
            configuration={},
            summary={"_stopReason": "Manual Stop", "_stopReasonCode": "COMPLETION"},
            created=start,
            modified=start + timedelta(hours=1),
            context=_context(self.devices[other].patient_id, "7c9e6679-7425-40de-944b-e07fc1f90ae7", organization),
        )
        self.sessions[seeded.id] = seeded


def _reversed(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _reversed(v) for k, v in reversed(list(value.items()))}
    if isinstance(value, list):
        return [_reversed(v) for v in value]
    return value


def _context(patient_id: str, session_id: str, organization_id: str) -> str:
    raw = json.dumps(
        {"patientId": patient_id, "sessionId": session_id, "ownerOrganizationId": organization_id}
    ).encode()
    return base64.b64encode(raw).decode()


# ---------------------------------------------------------------------------------------------
# Validation shared by create and update


@dataclass
class Changes:
    """A validated body: only the attributes that were sent (None = sent as null)."""

    values: dict[str, Any]
    summary: dict[str, Any]


def _refused_enum_value(state: ReferenceState, attribute: str, value: Any, values: tuple[str, ...]) -> None:
    """The variants whose update validation lost one documented enum value (a stale check
    beside the right list): the value is refused as not allowed."""
    lost = {
        ("_state", "ACTIVATING"): state.variant("state-activating-refused"),
        ("_state", "PAUSING"): state.variant("state-pausing-refused"),
        ("_state", "RESUMING"): state.variant("state-resuming-refused"),
        ("_state", "STOPPING"): state.variant("state-stopping-refused"),
        ("_summary._stopReasonCode", "COMPLETION"): state.variant("stop-reason-code-completion-refused"),
        ("_summary._stopReasonCode", "GENERAL_DEVICE_ERROR"): state.variant(
            "stop-reason-code-general-device-error-refused"),
        ("_summary._stopReasonCode", "TIMEOUT"): state.variant("stop-reason-code-timeout-refused"),
    }
    if isinstance(value, str) and lost.get((attribute, value), False):
        raise ApiError(400, "SELECT_ATTRIBUTE_INVALID_VALUE",
                       f"Value [{value}] is not allowed for attribute [{attribute}]",
                       value=value, allowedValues=list(values), attributeName=attribute)


def _validate_body(state: ReferenceState, body: Any, template_id: str, *, update: bool = False) -> Changes:
    if not isinstance(body, dict):
        raise ApiError(400, "ATTRIBUTE_VALUE_TYPE_MISMATCH", "The request body must be a JSON object",
                       attributeName="body", value=str(body)[:64], type="object")
    values: dict[str, Any] = {}
    summary: dict[str, Any] = {}
    for key, value in body.items():
        if key in _CUSTOM_ATTRIBUTES:
            if value is not None and not isinstance(value, str):
                if state.variant("custom-attribute-any-type"):
                    values[key] = json.dumps(value)
                    continue
                raise ApiError(400, "ATTRIBUTE_VALUE_TYPE_MISMATCH",
                               f"Attribute [{key}] must be a string",
                               attributeName=key, value=value, type="string")
            values[key] = value
            continue
        if key not in _UPDATABLE and key != "_patient":
            raise ApiError(400, "ATTRIBUTE_NOT_VALID_FOR_TEMPLATE",
                           f"Attribute [{key}] is not valid for template [{template_id}]",
                           attributeName=key, templateId=template_id)
        if key == "_patient":
            if state.variant("null-patient-refused") and value is None:
                raise ApiError(400, "ATTRIBUTE_IS_MANDATORY", "Attribute [_patient] is mandatory",
                               attributeName="_patient")
            if value is not None and not (isinstance(value, dict) and isinstance(value.get("id"), str)):
                if state.variant("patient-id-optional"):
                    values[key] = None
                    continue
                raise ApiError(400, "ATTRIBUTE_IS_MANDATORY", "Attribute [_patient.id] is mandatory",
                               attributeName="_patient.id")
            values[key] = value
        elif key in ("_startTime", "_state") and value is None:
            raise ApiError(400, "ATTRIBUTE_IS_MANDATORY", f"Attribute [{key}] is mandatory",
                           attributeName=key)
        elif key in ("_startTime", "_endTime"):
            if value is None:
                values[key] = None
                continue
            if not isinstance(value, str):
                raise ApiError(400, "ATTRIBUTE_VALUE_TYPE_MISMATCH",
                               f"Attribute [{key}] must be a date-time string",
                               attributeName=key, value=value, type="date-time")
            parsed = _parse_time(value)
            if parsed is None:
                if state.variant("datetime-format-lenient"):
                    continue
                raise ApiError(400, "ATTRIBUTE_VALUE_CONVERSION_FAILED",
                               f"Attribute [{key}] value [{value}] is not an ISO-8601 date-time",
                               attributeName=key, message="expected e.g. 2007-12-20T10:15:30Z")
            values[key] = parsed
        elif key == "_state":
            if update:
                _refused_enum_value(state, "_state", value, STATES)
            if not isinstance(value, str) or value not in STATES:
                if state.variant("state-enum-ignored"):
                    continue
                raise ApiError(400, "SELECT_ATTRIBUTE_INVALID_VALUE",
                               f"Value [{value}] is not allowed for attribute [_state]",
                               value=value, allowedValues=list(STATES), attributeName="_state")
            values[key] = value
        elif key == "_name":
            if value is None:
                values[key] = None
                continue
            if not isinstance(value, str):
                if not state.variant("types-lenient"):
                    raise ApiError(400, "ATTRIBUTE_VALUE_TYPE_MISMATCH",
                                   "Attribute [_name] must be a string",
                                   attributeName="_name", value=value, type="string")
                value = json.dumps(value)
            # Off-by-one bounds: the variants that refuse the shortest or the longest valid name.
            shortest = 2 if state.variant("name-shortest-refused") and len(value) == 1 else 1
            longest = 63 if state.variant("name-longest-refused") and len(value) == 64 else 64
            if len(value) < shortest:
                if state.variant("name-length-unchecked"):
                    continue
                raise ApiError(400, "VALIDATION_MINIMUM_ALLOWED_VALUE",
                               f"Attribute [_name] is shorter than {shortest} character",
                               attributeName="_name", minimum=shortest)
            if len(value) > longest:
                if state.variant("name-length-unchecked"):
                    value = value[:64]
                else:
                    raise ApiError(400, "VALIDATION_MAX_ALLOWED_VALUE",
                                   f"Attribute [_name] is longer than {longest} characters",
                                   attributeName="_name", maxValue=longest)
            values[key] = value
        elif key == "_configuration":
            if value is not None and not isinstance(value, dict):
                raise ApiError(400, "ATTRIBUTE_VALUE_TYPE_MISMATCH",
                               "Attribute [_configuration] must be an object",
                               attributeName="_configuration", value=str(value)[:64], type="object")
            values[key] = value
        elif key == "_summary":
            if value is None:
                summary.update(_stopReason=None, _stopReasonCode=None)
                continue
            if not isinstance(value, dict):
                raise ApiError(400, "ATTRIBUTE_VALUE_TYPE_MISMATCH", "Attribute [_summary] must be an object",
                               attributeName="_summary", value=str(value)[:64], type="object")
            for sub, sub_value in value.items():
                name = f"_summary.{sub}"
                if sub == "_stopReason":
                    if sub_value is not None and not isinstance(sub_value, str):
                        raise ApiError(400, "ATTRIBUTE_VALUE_TYPE_MISMATCH",
                                       f"Attribute [{name}] must be a string",
                                       attributeName=name, value=sub_value, type="string")
                    if isinstance(sub_value, str) and not sub_value and state.variant("stop-reason-empty-refused"):
                        raise ApiError(400, "VALIDATION_MINIMUM_ALLOWED_VALUE",
                                       f"Attribute [{name}] is shorter than 1 character",
                                       attributeName=name, minimum=1)
                    if isinstance(sub_value, str) and len(sub_value) == 128 and state.variant("stop-reason-longest-refused"):
                        raise ApiError(400, "VALIDATION_MAX_ALLOWED_VALUE",
                                       f"Attribute [{name}] is longer than 127 characters",
                                       attributeName=name, maxValue=127)
                    if isinstance(sub_value, str) and len(sub_value) > 128:
                        if not state.variant("stop-reason-length-unchecked"):
                            raise ApiError(400, "VALIDATION_MAX_ALLOWED_VALUE",
                                           f"Attribute [{name}] is longer than 128 characters",
                                           attributeName=name, maxValue=128)
                        sub_value = sub_value[:128]
                    summary[sub] = sub_value
                elif sub == "_stopReasonCode":
                    if update:
                        _refused_enum_value(state, name, sub_value, _STOP_REASON_CODES)
                    if sub_value is not None and sub_value not in _STOP_REASON_CODES:
                        if state.variant("stop-reason-code-enum-ignored"):
                            continue
                        raise ApiError(400, "SELECT_ATTRIBUTE_INVALID_VALUE",
                                       f"Value [{sub_value}] is not allowed for attribute [{name}]",
                                       value=sub_value, allowedValues=list(_STOP_REASON_CODES),
                                       attributeName=name)
                    summary[sub] = sub_value
                else:
                    raise ApiError(400, "ATTRIBUTE_NOT_VALID_FOR_TEMPLATE",
                                   f"Attribute [{name}] is not valid for template [{template_id}]",
                                   attributeName=name, templateId=template_id)
    return Changes(values, summary)


def _check_semantics(
    state: ReferenceState,
    changes: Changes,
    current_state: str | None,
    start: datetime | None,
    end: datetime | None,
    summary: dict[str, Any],
) -> tuple[str, datetime, datetime | None, dict[str, Any]]:
    """The documented rules behind the PATCH/create error codes; returns the resulting state."""
    values = changes.values
    target = values.get("_state", current_state)
    if current_state is not None and "_state" in values:
        allowed = load_model().allowed(current_state, target)
        if state.variant("reject-documented-stop") and (current_state, target) == ("ACTIVE", "DONE"):
            allowed = False
        if state.variant("every-stop-refused") and target == "DONE" and current_state != "DONE":
            allowed = False
        if state.variant("pause-refused") and (current_state, target) == ("ACTIVE", "PAUSED"):
            allowed = False
        if state.variant("stopping-cancellable") and (current_state, target) == ("STOPPING", "ACTIVE"):
            allowed = True
        if state.variant("done-to-active-accepted") and (current_state, target) == ("DONE", "ACTIVE"):
            # A naive "reopen": the stop data and end time go, so nothing else objects.
            return target, values.get("_startTime", start), None, {}
        if not allowed:
            raise ApiError(409, "SESSION_STATE_CHANGE_INVALID",
                           f"Session state cannot change from [{current_state}] to [{target}]",
                           currentState=current_state, targetState=target)
    if state.variant("summary-update-refused") and current_state == "DONE":
        raise ApiError(409, "SESSION_STATE_CHANGE_INVALID",
                       "A DONE session cannot be updated", currentState="DONE", targetState=target)
    now = _now()
    for key in ("_startTime", "_endTime"):
        moment = values.get(key)
        if moment is not None and moment > now + TIME_TOLERANCE and not state.variant("future-times-accepted"):
            raise ApiError(400, "TIME_IN_FUTURE",
                           f"Attribute [{key}] value is in the future",
                           time=state.format_time(moment), currentTime=state.format_time(now))
    new_start = values.get("_startTime", start)
    new_end = values["_endTime"] if "_endTime" in values else end
    if (
        new_start is not None and new_end is not None and new_start > new_end
        and not state.variant("start-after-end-accepted")
    ):
        raise ApiError(400, "START_TIME_AFTER_END_TIME", "The start time is after the end time",
                       startTime=state.format_time(new_start), endTime=state.format_time(new_end))
    if new_end is not None and target != "DONE":
        if not (state.variant("end-time-on-running") and target == "ACTIVE"):
            raise ApiError(400, "END_TIME_VALUE_INVALID_FOR_SESSION_STATE",
                           f"An end time is not valid for a session in state [{target}]",
                           value=state.format_time(new_end), state=target)
    if state.variant("end-time-filled-on-done") and target == "DONE" and new_end is None:
        new_end = now
    merged = {**summary, **changes.summary}
    if state.variant("summary-replaced") and changes.summary:
        merged = dict(changes.summary)
    stop_keys = ("_stopReasonCode",) if state.variant("stop-reason-not-stop-data") else (
        "_stopReasonCode", "_stopReason")
    if target == "DONE":
        if all(merged.get(k) is None for k in ("_stopReasonCode", "_stopReason")):
            if not state.variant("done-without-stop-data"):
                raise ApiError(400, "STOP_DATA_NULL_FOR_DONE_SESSION",
                               "A DONE session must carry stop data")
    else:
        for key in stop_keys:
            if merged.get(key) is not None and not state.variant("stop-data-on-running"):
                raise ApiError(400, "STOP_DATA_NOT_NULL_FOR_NON_DONE_SESSION",
                               f"Attribute [_summary.{key}] must be null for a session in state [{target}]",
                               attributeName=f"_summary.{key}", value=merged[key], state=target)
    return target, new_start, new_end, merged


# ---------------------------------------------------------------------------------------------
# The app


def create_app(variant: str | None = None) -> Starlette:
    state = ReferenceState(Switch(variant, VARIANTS))
    state.seed()
    valid_token = EMBEDDED_ENV["SESSIONAPI_REFERENCE_BIOT_TOKEN"]
    expired_token = EMBEDDED_ENV["SESSIONAPI_REFERENCE_BIOT_EXPIRED_TOKEN"]
    unprivileged_token = EMBEDDED_ENV["SESSIONAPI_REFERENCE_BIOT_UNPRIVILEGED_TOKEN"]

    def authenticate(request: Request) -> None:
        header = request.headers.get("authorization")
        if header is None:
            if state.variant("accept-missing-token"):
                return
            raise ApiError(401, "TOKEN_NOT_VALID", "No token was provided")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise ApiError(401, "TOKEN_NOT_VALID", "The Authorization header is not a Bearer token")
        if token == valid_token:
            return
        if token == unprivileged_token:
            if state.variant("protected-api-not-enforced"):
                return
            raise ApiError(403, "ACCESS_DENIED", "This API requires PROTECTED_API permission(s)")
        if token == expired_token:
            if state.variant("accept-expired-token"):
                return
            if state.variant("expired-token-403"):
                raise ApiError(403, "ACCESS_DENIED", "The token has expired")
            raise ApiError(401, "TOKEN_NOT_VALID", "The token has expired")
        if state.variant("accept-any-token"):
            return
        raise ApiError(401, "TOKEN_NOT_VALID", "The token is not valid")

    def find_session(device_id: str, session_id: str) -> StoredSession:
        if state.variant("malformed-id-crashes"):
            try:
                uuid.UUID(session_id)
            except ValueError:
                raise ApiError(500, "INTERNAL_SERVER_ERROR",
                               "java.lang.IllegalArgumentException: Invalid UUID string") from None
        session = state.sessions.get(session_id)
        if session is None:
            if state.variant("not-found-generic"):
                raise ApiError(404, "NOT_FOUND", f"Entity with id [{session_id}] not found", id=session_id)
            raise ApiError(404, "SESSION_NOT_FOUND", f"Session with id [{session_id}] not found",
                           id=session_id)
        if session.device_id != device_id and not state.variant("wrong-device-served"):
            raise ApiError(409, "SESSION_WRONG_DEVICE_ID",
                           f"Session [{session_id}] does not belong to device [{device_id}]",
                           id=session_id, deviceId=device_id)
        return session

    async def read_json(request: Request) -> Any:
        raw = await request.body()
        try:
            return json.loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise ApiError(400, "ATTRIBUTE_VALUE_CONVERSION_FAILED", "The request body is not JSON",
                           attributeName="body", message="malformed JSON") from None

    def handler(func):
        async def endpoint(request: Request) -> Response:
            try:
                authenticate(request)
                return await func(request)
            except ApiError as exc:
                return state.error(exc)

        return endpoint

    @handler
    async def create_by_usage_type(request: Request) -> Response:
        device_id = request.path_params["device_id"]
        usage_type = request.path_params["usage_type"]
        device = state.devices.get(device_id)
        if device is None:
            raise ApiError(404, "DEVICE_NOT_FOUND", f"Device with id [{device_id}] not found", id=device_id)
        template_id = device.usage_types.get(usage_type)
        if template_id is None:
            raise ApiError(404, "SESSION_TEMPLATE_NOT_FOUND_BY_USAGE_TYPE",
                           f"No session template named [{usage_type}]", entityName=usage_type)
        changes = _validate_body(state, await read_json(request), template_id)
        for key in ("_startTime", "_state"):
            if key not in changes.values:
                raise ApiError(400, "ATTRIBUTE_IS_MANDATORY", f"Attribute [{key}] is mandatory",
                               attributeName=key)
        target, start, end, summary = _check_semantics(state, changes, None, None, None, {})
        if target != "DONE":
            for other in state.sessions.values():
                if other.device_id == device_id and other.usage_type == usage_type and other.state != "DONE":
                    raise ApiError(409, "DEVICE_IN_SESSION_WITH_USAGE_TYPE",
                                   f"Device [{device_id}] already has an open [{usage_type}] session",
                                   deviceId=device_id, usageTypeId=template_id)
        now = _now()
        session_id = str(uuid.uuid4())
        patient = changes.values.get("_patient") or {"id": device.patient_id}
        session = StoredSession(
            id=session_id, device_id=device_id, patient_id=patient["id"],
            organization_id=device.organization_id, template_id=template_id, usage_type=usage_type,
            start=start, end=end, state=target,
            name=None if state.variant("create-drops-name") else changes.values.get("_name"),
            configuration=dict(changes.values.get("_configuration") or {}),
            summary=summary, created=now, modified=now,
            context=_context(patient["id"], session_id, device.organization_id),
        )
        session.snapshot = state.render(session)
        state.sessions[session_id] = session
        state.created_through_api.append(session_id)
        return state.json(state.render(session), 201)

    @handler
    async def get_session(request: Request) -> Response:
        session = find_session(request.path_params["device_id"], request.path_params["session_id"])
        if state.variant("get-returns-created") and session.snapshot is not None:
            return state.json(session.snapshot, 200)
        return state.json(state.render(session), 200)

    @handler
    async def update_session(request: Request) -> Response:
        session = find_session(request.path_params["device_id"], request.path_params["session_id"])
        body = await read_json(request)
        if (
            state.variant("omission-crashes") and isinstance(body, dict)
            and not {"_startTime", "_state"} <= set(body)
        ):
            raise ApiError(500, "INTERNAL_SERVER_ERROR", "java.lang.NullPointerException")
        try:
            changes = _validate_body(state, body, session.template_id, update=True)
            if state.variant("enforce-required"):
                for key in ("_startTime", "_state"):
                    if key not in changes.values:
                        raise ApiError(400, "ATTRIBUTE_IS_MANDATORY",
                                       f"Attribute [{key}] is mandatory", attributeName=key)
            target, start, end, summary = _check_semantics(
                state, changes, session.state, session.start, session.end, session.summary
            )
            if state.variant("omission-422"):
                # Checked last: a body that breaks another rule gets that rule's 400 first.
                for key in ("_startTime", "_state"):
                    if key not in changes.values:
                        raise ApiError(422, "ATTRIBUTE_IS_MANDATORY",
                                       f"Attribute [{key}] is mandatory", attributeName=key)
        except ApiError:
            name = body.get("_name") if isinstance(body, dict) else None
            if state.variant("refused-patch-keeps-name") and isinstance(name, str) and 1 <= len(name) <= 64:
                session.name = name
            raise
        session.state, session.start, session.end, session.summary = target, start, end, summary
        if "_name" in changes.values:
            session.name = changes.values["_name"]
        elif state.variant("clobber-unsent-fields"):
            session.name = None
        for name in _CUSTOM_ATTRIBUTES:
            if name in changes.values and not state.variant("custom-attribute-dropped"):
                session.custom[name] = changes.values[name]
        if "_configuration" in changes.values and not state.variant("configuration-not-stored"):
            session.configuration = dict(changes.values["_configuration"] or {})
        elif state.variant("clobber-unsent-fields"):
            session.configuration = {}
        session.modified = _now()
        return state.json(state.render(session), 200)

    @handler
    async def delete_session(request: Request) -> Response:
        session = find_session(request.path_params["device_id"], request.path_params["session_id"])
        if session.state != "DONE" and not state.variant("delete-non-done-accepted"):
            raise ApiError(409, "CANNOT_DELETE_NON_DONE_SESSION",
                           f"Session [{session.id}] is in state [{session.state}] and cannot be deleted",
                           id=session.id, state=session.state)
        body = state.render(session)
        del state.sessions[session.id]
        if state.variant("delete-answers-200"):
            return state.json(body, 200)
        return Response(status_code=204)

    @handler
    async def search_sessions(request: Request) -> Response:
        """searchSessions, as far as the suite's preflight uses it: ``filter`` with ``eq`` or
        ``in`` on the session's id, name, state, device id and template name, ``limit`` and
        ``page``; other filter fields and operators are not served (ignored)."""
        raw = request.query_params.get("searchRequest") or "{}"
        try:
            search = json.loads(raw)
            if not isinstance(search, dict):
                raise ValueError(raw)
            limit = int(search.get("limit", 100))
            page = int(search.get("page", 0))
            filters = search.get("filter") or {}
            if limit < 1 or page < 0 or not isinstance(filters, dict):
                raise ValueError(raw)
        except (ValueError, TypeError):
            raise ApiError(400, "ATTRIBUTE_VALUE_CONVERSION_FAILED", "The searchRequest is not valid",
                           attributeName="searchRequest", message="malformed search request") from None
        fields = {
            "_id": lambda s: s.id, "_name": lambda s: s.name, "_state": lambda s: s.state,
            "_device.id": lambda s: s.device_id, "_templateName": lambda s: s.usage_type,
        }

        def matches(session: StoredSession) -> bool:
            for name, condition in filters.items():
                if name not in fields or not isinstance(condition, dict):
                    continue
                value = fields[name](session)
                if "eq" in condition and value != condition["eq"]:
                    return False
                if "in" in condition and value not in (condition["in"] or []):
                    return False
            return True

        found = sorted((s for s in state.sessions.values() if matches(s)),
                       key=lambda s: s.created, reverse=True)
        return state.json({
            "data": [state.render(s) for s in found[page * limit:(page + 1) * limit]],
            "metadata": {"page": {"totalResults": len(found), "page": page, "limit": limit},
                         "filter": filters, "sort": [], "freeTextSearch": None},
        }, 200)

    async def not_found(request: Request, exc: HTTPException) -> Response:
        code = {404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED"}.get(exc.status_code, "BAD_REQUEST")
        return state.error(ApiError(exc.status_code, code, str(exc.detail)))

    base = "/device/v1/devices/{device_id}/usage-sessions"
    app = Starlette(
        routes=[
            Route("/device/v1/devices/usage-sessions", search_sessions, methods=["GET"]),
            Route(base + "/usage-type/{usage_type}", create_by_usage_type, methods=["POST"]),
            Route(base + "/{session_id}", get_session, methods=["GET"]),
            Route(base + "/{session_id}", update_session, methods=["PATCH"]),
            Route(base + "/{session_id}", delete_session, methods=["DELETE"]),
        ],
        exception_handlers={HTTPException: not_found},
    )
    app.state.reference = state
    return app
