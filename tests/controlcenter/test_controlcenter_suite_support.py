"""What the Control Center suite knows about an ICCID before it asks: a device of the target (and
in which state), or one it knows is not provisioned."""

from __future__ import annotations

from pytest_sessionapi.apis.controlcenter.checks import Asked
from pytest_sessionapi.apis.controlcenter.suite_support import asked_for, known_iccids


class Target:
    def __init__(self, **entities: str) -> None:
        self.entities = entities

    def entity(self, key: str) -> str | None:
        return self.entities.get(key)


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
