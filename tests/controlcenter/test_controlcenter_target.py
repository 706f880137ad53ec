"""The [controlcenter] table: exactly the contract's keys, optional entity keys, usable ICCIDs."""

from __future__ import annotations

import pytest

from pytest_sessionapi.apis.controlcenter.target import DEFAULT_UNKNOWN_ICCIDS, Target, unknown_iccids
from pytest_sessionapi.config import ConfigError, build_target
from pytest_sessionapi.registry import get_api

CONTRACT = {
    "base_url": "https://rws.example.com",
    "username": "qa-user",
    "api_key_env": "CC_API_KEY",
    "iccid_in_session": "8988216716970004975",
    "iccid_session_ended": "8988216716970004983",
    "iccid_never_in_session": "8988216716970004991",
    "max_rps": 5,
}


def test_the_contract_example_table_is_valid():
    target = build_target(get_api("controlcenter"), CONTRACT, {"CC_API_KEY": "k" * 12}, "targets.toml")
    assert target.secret("api_key") == "k" * 12
    assert target.entity("iccid_ipv6_only") is None
    assert target.max_rps == 5
    assert unknown_iccids(target.settings) == DEFAULT_UNKNOWN_ICCIDS


def test_live_default_rate_is_the_vendor_limit():
    table = {k: v for k, v in CONTRACT.items() if k != "max_rps"}
    target = build_target(get_api("controlcenter"), table, {"CC_API_KEY": "k" * 12}, "targets.toml")
    assert target.max_rps == 5


def test_entity_keys():
    assert Target.ENTITY_KEYS[:3] == ("iccid_in_session", "iccid_session_ended", "iccid_never_in_session")
    assert set(Target.ENTITY_KEYS) <= set(Target.model_fields)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"iccid_in_session": "89/88"}, "iccid_in_session: '89/88' is not usable as an ICCID"),
        ({"api_key": "inline"}, "'api_key' must not be written in the file"),
        ({"username": ""}, "username"),
        ({"password_env": "X"}, "password_env: unknown key"),
    ],
)
def test_bad_tables_are_config_errors(change, message):
    with pytest.raises(ConfigError, match=message.replace("(", r"\(")):
        build_target(get_api("controlcenter"), {**CONTRACT, **change}, {"CC_API_KEY": "k" * 12}, "t.toml")


def test_missing_environment_variable_is_named():
    with pytest.raises(ConfigError, match="environment variable CC_API_KEY is not set"):
        build_target(get_api("controlcenter"), CONTRACT, {}, "t.toml")


def test_target_may_name_its_own_unknown_iccid():
    target = build_target(get_api("controlcenter"), {**CONTRACT, "iccid_unknown": "89000000000000000017"},
                          {"CC_API_KEY": "k" * 12}, "t.toml")
    assert unknown_iccids(target.settings) == ("89000000000000000017",)
