"""The UMTS reference implementation: the documented flow, errors and auth, and what its variants
change. Talks to the app through the core's transport (in-process)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from pytest_sessionapi.apis.umts.client import Client, build_auth, looks_like_login_page
from pytest_sessionapi.apis.umts.model import Expect
from pytest_sessionapi.apis.umts.models import OPERATIONS
from pytest_sessionapi.apis.umts.reference import (
    EMBEDDED_TABLE,
    VARIANTS,
    create_app,
)
from pytest_sessionapi.apis.umts.rules import RULES, Asked, session_id_in
from pytest_sessionapi.rulebook import Answer
from pytest_sessionapi.config import embedded_target
from pytest_sessionapi.registry import get_api
from pytest_sessionapi.transport import open_client

DEVICE = EMBEDDED_TABLE["device_uuid"]
BODY = {
    "deviceUUID": DEVICE,
    "localColor": EMBEDDED_TABLE["local_color"],
    "remoteColor": EMBEDDED_TABLE["remote_color"],
    "remoteSystem": EMBEDDED_TABLE["remote_system"],
}


def held_to(response, asked: Asked, *rules: str) -> None:
    """The answer meets every one of ``rules`` (each of which judged it)."""
    verdicts = RULES.judge(Answer.from_httpx(response), asked, rules)
    assert verdicts.failures == {} and set(verdicts.passed) == set(rules), verdicts.results


ENVELOPE = Asked("status", Expect.UNKNOWN_SESSION)
UNKNOWN = ("UMTS-ERROR-UNKNOWN-SESSION", "UMTS-ERROR-ENVELOPE")


class Reference:
    def __init__(self, variant: str | None = None) -> None:
        self.target = embedded_target(get_api("umts"), variant)
        self.http = open_client(self.target, auth=build_auth(self.target))
        self.client = Client(self.http, self.target)
        self.anonymous = Client(open_client(self.target), self.target)

    @property
    def state(self):
        return self.target.app.state.reference

    def create(self) -> str:
        response = self.client.create_raw(BODY)
        assert response.status_code == 200, response.text
        held_to(response, Asked("create", Expect.NEW_SESSION, device_uuid=DEVICE), "UMTS-CREATE-SESSION")
        return session_id_in(Answer.from_httpx(response))

    def close(self) -> None:
        self.http.close()
        self.anonymous.http.close()
        self.target.close()


@pytest.fixture
def reference(request) -> Iterator[Reference]:
    ref = Reference(getattr(request, "param", None))
    yield ref
    ref.close()


def test_documented_flow_and_cleanup(reference):
    client = reference.client
    session_id = reference.create()
    assert reference.state.live_sessions() == [session_id]
    assert client.start(session_id).json() == "{status: success}"
    response = client.status(session_id)
    status = response.json()
    assert status["requestStatus"] == "START" and "download_status" not in status
    held_to(response, Asked("status", Expect.SESSION, session_id=session_id, device_uuid=DEVICE,
                            reports="START"),
            "UMTS-STATUS-IDENTITY", "UMTS-SESSION-TYPES", "UMTS-SESSION-PAYLOAD", "UMTS-LIFECYCLE-START")
    assert client.stop(session_id).status_code == 200
    status = client.status(session_id).json()
    assert status["requestStatus"] == "STOP" and status["download_status"] == "success"
    response = client.download(session_id)
    held_to(response, Asked("download", Expect.DATA), "UMTS-DOWNLOAD-SHAPE")
    data = response.json()
    assert [r["state"] for r in data["data"]] == ["UP", "down"]
    assert client.disable(session_id).status_code == 200
    assert reference.state.live_sessions() == []
    held_to(client.status(session_id), Asked("status", Expect.DISABLED_SESSION),
            "UMTS-DISABLE-INVALIDATES", "UMTS-ERROR-ENVELOPE")


def test_conflict_and_release(reference):
    first = reference.create()
    response = reference.client.create_raw(BODY)
    held_to(response, Asked("create", Expect.CONFLICT, held_session=first),
            "UMTS-CREATE-CONFLICT", "UMTS-ERROR-ENVELOPE")
    reference.client.disable(first)
    reference.create()


@pytest.mark.parametrize(
    "body",
    [{}, {"deviceUUID": DEVICE}, [], {**BODY, "deviceUUID": "C8K-unknown"}, {**BODY, "localColor": ""}],
)
def test_invalid_create_input_is_400_envelope(reference, body):
    response = reference.client.create_raw(body)
    assert response.status_code == 400
    held_to(response, Asked("create", Expect.OPEN, situation="with unusable input"),
            "UMTS-UNDOCUMENTED-OUTCOME")
    assert reference.state.live_sessions() == []


def test_unknown_operation_and_session(reference):
    session_id = reference.create()
    response = reference.client.operation("restart", session_id)
    assert response.status_code == 400
    held_to(response, Asked("restart", Expect.REFUSAL), "UMTS-UNKNOWN-OPERATION")
    assert "error" in response.json()
    for operation in OPERATIONS:
        held_to(reference.client.operation(operation, "no-such-session"), ENVELOPE, *UNKNOWN)


def test_unauthenticated_calls_get_the_login_page(reference):
    session_id = reference.create()
    for response in (
        reference.anonymous.token(),
        reference.anonymous.create_raw(BODY),
        reference.anonymous.status(session_id),
    ):
        assert response.status_code == 200 and looks_like_login_page(response)


def test_wrong_password_gets_the_login_page_and_no_cookie(reference):
    response = reference.anonymous.login(EMBEDDED_TABLE["username"], "wrong")
    assert looks_like_login_page(response)
    assert "JSESSIONID" not in response.cookies


def test_post_without_xsrf_token_is_403(reference):
    http = reference.anonymous.http
    login = reference.anonymous.login(EMBEDDED_TABLE["username"], reference.target.secret("password"))
    assert login.status_code == 200 and login.content == b""
    response = http.post("/dataservice/stream/device/umts", json=BODY)
    assert response.status_code == 403
    assert reference.state.live_sessions() == []
    token = reference.anonymous.token()
    assert token.headers["content-type"].startswith("text/plain") and len(token.text) == 64
    assert reference.anonymous.token(as_json=True).json() == {"token": token.text}


@pytest.mark.parametrize("reference", ["create-object"], indirect=True)
def test_variant_create_object(reference):
    body = reference.client.create_raw(BODY).json()
    assert isinstance(body, dict) and body["sessionId"]


@pytest.mark.parametrize("reference", ["double-encoded-create-payload"], indirect=True)
def test_variant_double_encoded_payload(reference):
    response = reference.client.create_raw(BODY)
    session = response.json()[0]
    assert isinstance(json.loads(session["payload"]), str)
    held_to(response, Asked("create", Expect.NEW_SESSION, device_uuid=DEVICE), "UMTS-SESSION-PAYLOAD")
    # The same session as a status answer: there the payload is encoded once.
    as_status = Answer(200, "application/json", json.dumps(session).encode())
    assert "UMTS-SESSION-PAYLOAD" in RULES.judge(
        as_status, Asked("status", Expect.SESSION, session_id=session["sessionId"]),
        ("UMTS-SESSION-PAYLOAD",)).failures


@pytest.mark.parametrize("reference", ["strict-transitions"], indirect=True)
def test_variant_strict_transitions(reference):
    session_id = reference.create()
    assert reference.client.stop(session_id).status_code == 400
    assert reference.client.download(session_id).status_code == 400
    assert reference.client.start(session_id).status_code == 200
    assert reference.client.start(session_id).status_code == 400


@pytest.mark.parametrize("reference", ["disabled-still-served"], indirect=True)
def test_strict_fault_disabled_still_served_frees_the_device(reference):
    session_id = reference.create()
    reference.client.disable(session_id)
    assert reference.client.status(session_id).status_code == 200
    assert reference.state.live_sessions() == []
    reference.create()


def test_every_variant_builds_and_serves_a_login():
    for name in VARIANTS:
        app = create_app(name)
        assert app.state.reference.live_sessions() == []
    with pytest.raises(ValueError):
        create_app("no-such-variant")


def test_variants_name_catalogue_requirements():
    from pytest_sessionapi.requirements import find_requirement

    for variant in VARIANTS.values():
        if variant.kind == "fault":
            assert find_requirement(variant.requirement).id.startswith("UMTS-")


def test_every_requirement_has_a_fault():
    import tomllib

    catalogue = tomllib.loads(get_api("umts").catalogue_path.read_text(encoding="utf-8"))
    ids = {entry["id"] for entry in catalogue["requirement"]}
    faulted = {v.requirement for v in VARIANTS.values() if v.requirement}
    assert ids - faulted == set()
    assert faulted <= ids


def test_reference_over_real_http():
    from pytest_sessionapi.config import build_target
    from pytest_sessionapi.apis.umts.reference import EMBEDDED_ENV
    from pytest_sessionapi.serving import serving

    app = create_app()
    with serving(app) as url:
        target = build_target(get_api("umts"), {**EMBEDDED_TABLE, "base_url": url}, EMBEDDED_ENV, "test")
        with open_client(target, auth=build_auth(target)) as http:
            client = Client(http, target)
            session_id = session_id_in(Answer.from_httpx(client.create_raw(BODY)))
            assert client.disable(session_id).status_code == 200
        target.close()
    assert app.state.reference.live_sessions() == []
