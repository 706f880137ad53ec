"""BioT's own Python client, biotmed-device-sdk 2.3.40, drives a usage session on the BioT reference
over loopback HTTP, and gets its documented exception types for the documented refusals.

The SDK parses every answer into its models (``SessionResponseV2`` for 200/201, ``ErrorResponse``
for the errors) and raises ``BadRequestException``/``NotFoundException``/``ConflictException``...
by status. Its referenced-entity models require what the vendor's document leaves optional
(BIOT-CLIENT-READABLE): the reference answers what both accept.

Needs the ``clients`` extra (``pip install -e ".[dev,clients]"``, as .ci/run does)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

pytest.importorskip("biotmed_device_sdk", reason="the clients extra is not installed")

from biotmed_device_sdk import ApiClient, Configuration  # noqa: E402
from biotmed_device_sdk.api.usage_session_api_api import UsageSessionAPIApi  # noqa: E402
from biotmed_device_sdk.exceptions import ApiException, ConflictException, NotFoundException  # noqa: E402
from biotmed_device_sdk.models import (  # noqa: E402
    CreateSessionByUsageTypeRequestV2,
    SessionResponseV2,
    SessionSummaryUpdateRequest,
    UpdateSessionRequestV2,
)

from pytest_sessionapi.apis.biot.reference import EMBEDDED_ENV, EMBEDDED_TABLE, create_app  # noqa: E402
from pytest_sessionapi.serving import serving  # noqa: E402

DEVICE = EMBEDDED_TABLE["device_id"]
USAGE_TYPE = EMBEDDED_TABLE["usage_type"]
TOKEN = EMBEDDED_ENV[EMBEDDED_TABLE["token_env"]]


def sdk_for(url: str) -> UsageSessionAPIApi:
    # The SDK's paths start at /v1/devices/...; BioT serves the Device Service under /device.
    return UsageSessionAPIApi(ApiClient(Configuration(host=f"{url}/device", access_token=TOKEN)))


@pytest.fixture(scope="module")
def sdk():
    app = create_app()
    with serving(app) as url:
        yield sdk_for(url), app.state.reference


def test_the_sdk_drives_a_session_create_get_update_done_delete(sdk):
    api, state = sdk
    started = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=1)
    created = api.create_session_by_usage_type(
        CreateSessionByUsageTypeRequestV2(_startTime=started, _state="ACTIVE", _name="sdk session"),
        DEVICE, USAGE_TYPE,
    )
    assert isinstance(created, SessionResponseV2)
    assert created.state == "ACTIVE" and created.name == "sdk session"
    assert created.device.id == DEVICE
    # What the SDK demands of every referenced entity, and the document leaves optional.
    for entity in (created.patient, created.device, created.owner_organization):
        assert entity.template_id and entity.template is not None and entity.organization_id

    fetched = api.get_session(DEVICE, created.id)
    assert fetched.id == created.id and fetched.start_time == started

    renamed = api.update_session(
        UpdateSessionRequestV2(_startTime=started, _state="ACTIVE", _name="renamed"), DEVICE, created.id
    )
    assert renamed.name == "renamed" and renamed.state == "ACTIVE"

    ended = started + timedelta(seconds=30)
    done = api.update_session(
        UpdateSessionRequestV2(
            _startTime=started, _state="DONE", _endTime=ended,
            _summary=SessionSummaryUpdateRequest(_stopReason="Manual Stop", _stopReasonCode="COMPLETION"),
        ),
        DEVICE, created.id,
    )
    assert done.state == "DONE" and done.end_time == ended
    assert done.summary.stop_reason == "Manual Stop" and done.summary.stop_reason_code == "COMPLETION"

    assert api.delete_session(DEVICE, created.id) is None
    assert str(created.id) not in state.live_sessions()


def test_the_sdk_raises_its_documented_exceptions_for_the_documented_refusals(sdk):
    api, _ = sdk
    started = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=1)
    created = api.create_session_by_usage_type(
        CreateSessionByUsageTypeRequestV2(_startTime=started, _state="ACTIVE"), DEVICE, USAGE_TYPE,
    )
    api.update_session(UpdateSessionRequestV2(
        _startTime=started, _state="DONE", _endTime=started + timedelta(seconds=5),
        _summary=SessionSummaryUpdateRequest(_stopReason="Manual Stop", _stopReasonCode="COMPLETION"),
    ), DEVICE, created.id)
    # DONE -> ACTIVE: 409 SESSION_STATE_CHANGE_INVALID, which the SDK raises as ConflictException
    # with the ErrorResponse it parsed.
    with pytest.raises(ConflictException) as refused:
        api.update_session(UpdateSessionRequestV2(_startTime=started, _state="ACTIVE"), DEVICE, created.id)
    assert refused.value.status == 409
    assert refused.value.data.code == "SESSION_STATE_CHANGE_INVALID"
    assert refused.value.data.details == {"currentState": "DONE", "targetState": "ACTIVE"}
    # An id nobody has: 404, NotFoundException, for each operation on one session.
    unknown = uuid4()
    for call in (
        lambda: api.get_session(DEVICE, unknown),
        lambda: api.update_session(UpdateSessionRequestV2(_startTime=started, _state="ACTIVE"), DEVICE, unknown),
        lambda: api.delete_session(DEVICE, unknown),
    ):
        with pytest.raises(NotFoundException) as missing:
            call()
        assert missing.value.status == 404 and missing.value.data.code
    api.delete_session(DEVICE, created.id)


def test_the_document_only_reading_is_what_the_sdk_cannot_read():
    """The variant that answers what the document allows (no templateId, template or
    organizationId on _ownerOrganization) breaks the SDK on the first answer: the issue's finding."""
    app = create_app("references-as-documented-only")
    with serving(app) as url:
        api = sdk_for(url)
        with pytest.raises(Exception) as unreadable:
            api.create_session_by_usage_type(
                CreateSessionByUsageTypeRequestV2(_startTime=datetime.now(UTC) - timedelta(minutes=1),
                                                  _state="ACTIVE"),
                DEVICE, USAGE_TYPE,
            )
    assert not isinstance(unreadable.value, ApiException)
    assert "_ownerOrganization" in str(unreadable.value) or "templateId" in str(unreadable.value)
    assert len(app.state.reference.live_sessions()) == 1  # created, then unreadable
