"""Create with input the server cannot use: a refusal or an acceptance, never a crash.

The API guide documents create's body (UMTSInput: deviceUUID, localColor, remoteColor and
remoteSystem, all required strings) and '400 bad input parameter'. What a server answers a body
outside that schema, or naming a device it does not know, is open: any 4xx, or even accepting it.
No such request may be answered with a 5xx (UMTS-NO-SERVER-ERROR, judged on every answer of the
test). A session such a create opens anyway is disabled again like any other.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from pytest_sessionapi.apis.umts.client import UMTS_PATH
from pytest_sessionapi.apis.umts.sessions import open_session

pytestmark = pytest.mark.sessionapi("umts")

# A UUID of the reserved all-zero form no vManage hands out to an edge device.
UNKNOWN_DEVICE = "C8K-00000000-0000-4000-8000-000000000000"

UNUSABLE_BODIES: dict[str, Callable[[dict[str, str]], Any]] = {
    "remoteSystem-missing": lambda body: {k: v for k, v in body.items() if k != "remoteSystem"},
    "localColor-number": lambda body: {**body, "localColor": 7},
    "deviceUUID-null": lambda body: {**body, "deviceUUID": None},
    "empty-object": lambda body: {},
    "array": lambda body: [body],
    "unknown-device": lambda body: {**body, "deviceUUID": UNKNOWN_DEVICE},
}


@pytest.mark.sessionapi_requirement("UMTS-NO-SERVER-ERROR")
@pytest.mark.parametrize("case", sorted(UNUSABLE_BODIES))
def test_create_with_unusable_body(case, sessionapi_client, umts_body, umts_sessions, sessionapi_conformance):
    """A body outside UMTSInput: the guide's answer to bad input is '"400":{"description":"bad
    input parameter"', any 4xx (or acceptance) passes; a 5xx fails UMTS-NO-SERVER-ERROR."""
    open_session(sessionapi_client, UNUSABLE_BODIES[case](umts_body), umts_sessions)


@pytest.mark.sessionapi_requirement("UMTS-NO-SERVER-ERROR")
def test_create_with_a_body_that_is_not_json(sessionapi_client, umts_body, umts_sessions, sessionapi_conformance):
    """A body that is not JSON is bad input ('"400":{"description":"bad input parameter"'), not
    a server error."""
    sessionapi_client.http.post(
        UMTS_PATH, content=b'{"deviceUUID": ', headers={"content-type": "application/json"}
    )
