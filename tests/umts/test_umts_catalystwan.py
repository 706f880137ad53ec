"""Cisco's own Python SDK, catalystwan 0.41.6, logs in to the UMTS reference over `serve --tls` and
drives an on-demand trace through the session's own HTTP methods.

catalystwan's login (``ManagerSession.login``) posts the form to /j_security_check, reads the XSRF
token from /dataservice/client/token and then identifies the server with
/dataservice/client/server (its ``ServerInfo`` model); ``about()`` reads /dataservice/client/about
and ``close()`` posts /logout. The SDK has no model of the UMTS answers themselves, so the trace is
driven through ``session.get``/``session.post`` and read as JSON.

Needs the ``clients`` extra (``pip install -e ".[dev,clients]"``, as .ci/run does)."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("catalystwan", reason="the clients extra is not installed")

from catalystwan.session import ManagerSession  # noqa: E402
from catalystwan.utils.session_type import SessionType  # noqa: E402
from catalystwan.vmanage_auth import vManageAuth  # noqa: E402

from pytest_sessionapi.apis.umts.reference import EMBEDDED_ENV, EMBEDDED_TABLE, create_app  # noqa: E402
from pytest_sessionapi.serving import make_certificate, serving  # noqa: E402

USER = EMBEDDED_TABLE["username"]
PASSWORD = EMBEDDED_ENV[EMBEDDED_TABLE["password_env"]]
CREATE_PATH = "/dataservice/stream/device/umts"


@pytest.fixture
def reference_over_tls(tmp_path):
    certificate = make_certificate(tmp_path)
    app = create_app()
    with serving(app, tls=certificate) as url:
        yield url, str(certificate.ca_file), app.state.reference


def logged_in(url: str, ca_file: str) -> ManagerSession:
    # create_manager_session() would not verify the certificate (catalystwan's default is
    # verify=False); a session built by hand trusts exactly the CA serve --tls made.
    session = ManagerSession(base_url=url, auth=vManageAuth(USER, PASSWORD, verify=ca_file), verify=ca_file)
    return session.login()


def test_catalystwan_logs_in_over_tls_and_identifies_the_server(reference_over_tls):
    url, ca_file, state = reference_over_tls
    session = logged_in(url, ca_file)
    assert session.session_type is SessionType.SINGLE_TENANT
    assert session.platform_version == "20.18.1"
    assert str(session.api_version) == "20.18"
    about = session.about()
    assert about.version == "20.18.1"
    assert session.server_name == "vmanage-reference"
    assert len(state.logins) == 1
    session.close()  # posts /logout (platform 20.12 and later)
    assert state.logins == {}


def test_catalystwan_drives_a_trace_create_start_status_stop_download_disable(reference_over_tls):
    url, ca_file, state = reference_over_tls
    session = logged_in(url, ca_file)
    try:
        created = session.post(CREATE_PATH, json={
            "deviceUUID": EMBEDDED_TABLE["device_uuid"],
            "localColor": EMBEDDED_TABLE["local_color"],
            "remoteColor": EMBEDDED_TABLE["remote_color"],
            "remoteSystem": EMBEDDED_TABLE["remote_system"],
        }).json()
        assert isinstance(created, list) and len(created) == 1
        session_id = created[0]["sessionId"]
        assert json.loads(created[0]["payload"])["sessionId"] == session_id

        def operate(operation: str):
            return session.get(f"{CREATE_PATH}/{operation}/{session_id}").json()

        assert operate("start") == "{status: success}"
        running = operate("status")
        assert running["sessionId"] == session_id and running["requestStatus"]
        assert operate("stop") == "{status: success}"
        assert operate("status")["download_status"] == "success"
        records = operate("download")["data"]
        assert records and all(hop["rtt"] >= 0 for record in records for hop in record["hops"]["hop"])
        assert operate("disable") == "{status: success}"
        assert state.live_sessions() == []
    finally:
        session.close()
