"""The devices the target names (Control Center creates nothing): what the suite knows about an
ICCID before it asks, a device of the target (and in which state) or one it knows is not
provisioned, and which ICCID a refused request asks about."""

from __future__ import annotations

from pytest_sessionapi.apis.controlcenter.rules import Asked
from pytest_sessionapi.apis.controlcenter.sessions import TargetDevices
from pytest_sessionapi.apis.controlcenter.target import DEFAULT_UNKNOWN_ICCIDS, Target as TargetTable


class Target:
    def __init__(self, **entities: str) -> None:
        self.entities = entities

    def entity(self, key: str) -> str | None:
        return self.entities.get(key)


def known_iccids(target):
    return TargetDevices.of(target).by_iccid


def asked_for(target, iccid, api_version="1"):
    return TargetDevices.of(target).asked(iccid, api_version)


def test_known_iccids_maps_each_named_device_to_its_key():
    target = Target(iccid_in_session="111", iccid_never_in_session="333", unrelated_key="999")
    assert known_iccids(target) == {"111": "iccid_in_session", "333": "iccid_never_in_session"}
    assert known_iccids(Target()) == {}


def test_an_iccid_named_twice_keeps_the_first_keys_state():
    # DEVICE_OF_ENTITY order: in session before session ended.
    target = Target(iccid_in_session="111", iccid_session_ended="111")
    assert known_iccids(target) == {"111": "iccid_in_session"}
    assert asked_for(target, "111").device == "in_session"


def test_a_device_of_the_target_is_asked_for_as_provisioned_in_its_state():
    target = Target(iccid_session_ended="222", iccid_ipv6_only="666")
    assert asked_for(target, "222", "2") == Asked(
        iccid="222", api_version="2", device="session_ended", provisioned=True
    )
    assert asked_for(target, "666").device == "ipv6_only"


def test_any_other_iccid_is_known_not_provisioned():
    asked = asked_for(Target(iccid_in_session="111"), "8988216716970004975")
    assert asked == Asked(iccid="8988216716970004975", api_version="1", provisioned=False)
    assert asked.device is None


def test_the_devices_are_listed_in_a_stable_order_for_hypothesis():
    devices = TargetDevices.of(Target(iccid_session_ended="222", iccid_in_session="111"))
    assert devices.iccids == ["111", "222"]
    assert devices.state("222") == "session_ended" and devices.state("999") is None


class TargetWithSettings(Target):
    def __init__(self, unknown: str | None = None, **entities: str) -> None:
        super().__init__(**entities)
        self.settings = TargetTable(
            base_url="http://x", username="u", api_key_env="K", iccid_unknown=unknown, **entities
        )


def test_a_refused_request_asks_about_the_device_in_session_or_else_an_unknown_iccid():
    named = TargetDevices.of(TargetWithSettings(iccid_in_session="111", iccid_session_ended="222"))
    assert named.probe_iccid() == ("111", True)
    unnamed = TargetDevices.of(TargetWithSettings(iccid_session_ended="222"))
    assert unnamed.probe_iccid() == (DEFAULT_UNKNOWN_ICCIDS[0], False)
    assert unnamed.unknown == DEFAULT_UNKNOWN_ICCIDS
    chosen = TargetDevices.of(TargetWithSettings(unknown="8999000000000000001"))
    assert chosen.unknown == ("8999000000000000001",)
    assert chosen.probe_iccid() == ("8999000000000000001", False)


def test_the_asked_record_carries_the_credentials_the_request_was_sent_with():
    devices = TargetDevices.of(Target(iccid_in_session="111"))
    assert devices.asked("111", credentials="invalid") == Asked(
        iccid="111", credentials="invalid", device="in_session", provisioned=True
    )
