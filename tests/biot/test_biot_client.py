"""The BioT client: bearer authentication, URLs, and that the token never reaches a log."""

from __future__ import annotations

import httpx

from pytest_sessionapi.apis.biot import client as biot_client
from pytest_sessionapi.config import build_target
from pytest_sessionapi.registry import get_api


def _target(token: str = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln"):
    table = {"base_url": "https://api.example.biot-med.com", "token_env": "BIOT_TOKEN",
             "device_id": "dev/1", "usage_type": "Monitoring"}
    return build_target(get_api("biot"), table, {"BIOT_TOKEN": token}, "test")


def test_bearer_header_and_redaction():
    target = _target()
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={})

    http = httpx.Client(
        base_url=target.settings.base_url, auth=biot_client.build_auth(target),
        transport=httpx.MockTransport(handler),
    )
    client = biot_client.Client(http, target)
    client.get_session("dev/1", "abc")
    request = seen[0]
    assert request.headers["Authorization"] == "Bearer " + target.secret("token")
    # Free-string device ids are one path segment.
    assert request.url.raw_path == b"/device/v1/devices/dev%2F1/usage-sessions/abc"
    assert target.secret("token") in target.redactor
    assert "***" in target.redactor.text(f"Authorization: Bearer {target.secret('token')}")


def test_create_and_delete_ask_for_sync_execution():
    target = _target()
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(204)

    http = httpx.Client(base_url=target.settings.base_url, transport=httpx.MockTransport(handler))
    client = biot_client.Client(http, target)
    client.create_session_by_usage_type("d", "Monitoring", {"_state": "ACTIVE"})
    client.delete_session("d", "s")
    client.update_session("d", "s", content=b"{not json")
    assert [r.headers.get("x-execution-mode") for r in seen] == ["sync", "sync", None]
    assert seen[0].url.path == "/device/v1/devices/d/usage-sessions/usage-type/Monitoring"
    assert seen[2].content == b"{not json"


def test_urls_are_joined_to_the_base_url_as_httpx_joins_them():
    """The client joins each path to the base URL once and reuses it: the URL sent is the one
    httpx builds from the relative path, a base path and quoted segments included."""
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={})

    for base in ("https://api.example.biot-med.com", "https://gw.example/biot/api/v2/", "http://127.0.0.1:8080"):
        target = _target()
        http = httpx.Client(base_url=base, transport=httpx.MockTransport(handler))
        client = biot_client.Client(http, target)
        for device, session in (("dev/1", "abc"), ("d é?x", "s#1"), ("dev/1", "abc")):
            client.get_session(device, session)
            client.update_session(device, session, {"_name": "x"})
            client.delete_session(device, session)
            path = biot_client.SESSION.format(
                device_id=biot_client._segment(device), session_id=biot_client._segment(session))
            assert [r.url for r in seen[-3:]] == [http.build_request("GET", path).url] * 3
        client.create_session_by_usage_type("dev/1", "Monitor ing", {})
        assert seen[-1].url == http.build_request("POST", biot_client.BY_USAGE_TYPE.format(
            device_id="dev%2F1", usage_type="Monitor%20ing")).url
