"""The reference implementation, through the real client and transport (in-process)."""

from __future__ import annotations

import base64

import httpx
import pytest

from pytest_sessionapi.apis.controlcenter import client as cc_client
from pytest_sessionapi.apis.controlcenter.model import DEVICE_OF_ENTITY
from pytest_sessionapi.apis.controlcenter.rules import RULES, Asked
from pytest_sessionapi.apis.controlcenter.reference import EMBEDDED_TABLE, VARIANTS, create_app
from pytest_sessionapi.config import embedded_target
from pytest_sessionapi.registry import get_api
from pytest_sessionapi.requirements import load_catalogue
from pytest_sessionapi.rulebook import Answer
from pytest_sessionapi.transport import open_client


def connect(variant=None, auth="valid"):
    target = embedded_target(get_api("controlcenter"), variant)
    if auth == "valid":
        chosen = cc_client.build_auth(target)
    elif auth is None:
        chosen = None
    else:
        chosen = httpx.BasicAuth(*auth)
    return cc_client.Client(open_client(target, auth=chosen), target)


@pytest.mark.parametrize("key", list(DEVICE_OF_ENTITY))
def test_every_seeded_device_passes_every_rule(key):
    client = connect()
    iccid = EMBEDDED_TABLE[key]
    response = client.session_info(iccid)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    verdicts = RULES.judge(Answer.from_httpx(response), Asked(iccid=iccid, device=DEVICE_OF_ENTITY[key], provisioned=True))
    assert verdicts.failures == {}


def test_device_bodies_follow_the_documented_null_semantics():
    client = connect()
    never = client.session_info(EMBEDDED_TABLE["iccid_never_in_session"]).json()
    assert never == {"iccid": EMBEDDED_TABLE["iccid_never_in_session"], "ipAddress": None,
                     "dateSessionStarted": None, "dateSessionEnded": None}
    in_session = client.session_info(EMBEDDED_TABLE["iccid_in_session"]).json()
    assert in_session["dateSessionEnded"] is None and "ipv6Address" not in in_session
    ipv6_only = client.session_info(EMBEDDED_TABLE["iccid_ipv6_only"]).json()
    assert ipv6_only["ipAddress"] is None and ipv6_only["ipv6Address"]
    dual = client.session_info(EMBEDDED_TABLE["iccid_dual_stack"]).json()
    assert dual["ipAddress"] and dual["ipv6Address"]
    assert list(in_session) == ["iccid", "ipAddress", "dateSessionStarted", "dateSessionEnded"]


def test_documented_errors():
    client = connect()
    unknown = client.session_info("8999999999999999990")
    assert (unknown.status_code, unknown.json()["errorCode"]) == (404, "20000001")
    version = client.session_info(EMBEDDED_TABLE["iccid_in_session"], api_version="2")
    assert (version.status_code, version.json()) == (400, {"errorMessage": "Invalid apiVersion.", "errorCode": "10000024"})
    wrong = connect(auth=(EMBEDDED_TABLE["username"], "not-the-key")).session_info(EMBEDDED_TABLE["iccid_in_session"])
    assert (wrong.status_code, wrong.json()["errorCode"]) == (401, "10000001")
    assert wrong.headers["www-authenticate"] == 'Basic realm="Jasper"'
    anonymous = connect(auth=None).session_info(EMBEDDED_TABLE["iccid_in_session"])
    assert anonymous.status_code == 401 and "errorCode" not in anonymous.json()


def test_credentials_are_checked_before_the_version_and_the_version_before_the_iccid():
    wrong = connect(auth=("nobody", "nothing")).session_info("not-an-iccid", api_version="7")
    assert wrong.json()["errorCode"] == "10000001"
    version = connect().session_info("not-an-iccid", api_version="7")
    assert version.json()["errorCode"] == "10000024"


def test_malformed_authorization_is_invalid_credentials_not_a_crash():
    target = embedded_target(get_api("controlcenter"))
    http = open_client(target)
    for header in ("Basic !!!notbase64", "Bearer abc", "Basic " + base64.b64encode(b"no-colon").decode()):
        response = http.get(cc_client.session_info_path(EMBEDDED_TABLE["iccid_in_session"]), headers={"Authorization": header})
        assert (response.status_code, response.json()["errorCode"]) == (401, "10000001")


def test_each_app_has_its_own_state_and_no_live_sessions():
    first, second = create_app(), create_app("ipv6-only-in-session")
    assert first.state.reference is not second.state.reference
    assert first.state.reference.live_sessions() == []
    assert first.state.reference.devices[EMBEDDED_TABLE["iccid_in_session"]].ip_address == "10.151.24.6"
    assert second.state.reference.devices[EMBEDDED_TABLE["iccid_in_session"]].ip_address is None


def test_unknown_variant_is_refused():
    with pytest.raises(ValueError, match="no reference variant"):
        create_app("no-such-variant")


def test_the_server_asks_only_for_variants_the_table_holds():
    """Every name the server switches on is a variant of the table (a misspelt switch would raise
    at once), and every variant is switched on somewhere (none proves nothing)."""
    import ast
    from pathlib import Path

    from pytest_sessionapi.apis.controlcenter.reference import server

    tree = ast.parse(Path(server.__file__).read_text())
    asked = {
        arg.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute | ast.Name)
        and getattr(node.func, "attr", getattr(node.func, "id", None)) == "variant"
        for arg in node.args
        if isinstance(arg, ast.Constant)
    }
    assert asked == set(VARIANTS)


def test_every_requirement_has_a_fault_variant_and_the_issue_s_conformant_variants_exist():
    faults = {v.requirement for v in VARIANTS.values() if v.kind == "fault"}
    assert faults == {r.id for r in load_catalogue("controlcenter")}
    conformant = {name for name, v in VARIANTS.items() if v.kind == "conformant"}
    assert {"extra-fields", "ipv6-only-in-session", "other-wording", "charset-utf8", "key-order"} <= conformant


@pytest.mark.parametrize("variant", ["charset-utf8", "key-order", "extra-fields", "other-wording"])
def test_conformant_variants_differ_where_they_say(variant):
    plain = connect().session_info(EMBEDDED_TABLE["iccid_session_ended"])
    changed = connect(variant).session_info(EMBEDDED_TABLE["iccid_session_ended"])
    unknown = connect(variant).session_info("8999999999999999990")
    if variant == "charset-utf8":
        assert changed.headers["content-type"] == "application/json; charset=utf-8"
    elif variant == "key-order":
        assert list(changed.json()) == list(reversed(list(plain.json())))
    elif variant == "extra-fields":
        assert set(changed.json()) > set(plain.json())
    else:
        assert unknown.json()["errorMessage"] == "Invalid ICCID"
    assert {k: v for k, v in changed.json().items() if k in plain.json()} == plain.json()
