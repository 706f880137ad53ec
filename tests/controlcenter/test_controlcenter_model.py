"""The Control Center oracle: which documented situation a request is in and the answer the
vendor's page demands for it."""

from __future__ import annotations

import pytest

from pytest_sessionapi.apis.controlcenter.model import (
    DEVICE_OF_ENTITY,
    ERROR_STATUS,
    HAD_A_SESSION,
    SITUATIONS,
    situation,
    situation_name,
)
from pytest_sessionapi.apis.controlcenter.rules import RULES, Asked
from pytest_sessionapi.apis.controlcenter.target import Target
from pytest_sessionapi.apis.controlcenter.vendor_examples import ERROR_TABLE
from pytest_sessionapi.requirements import load_catalogue

ICCID = "8988216716970004975"


@pytest.mark.parametrize(
    ("asked", "name"),
    [
        (Asked(ICCID, provisioned=True, device="in_session"), "provisioned"),
        (Asked(ICCID, provisioned=False), "not-provisioned"),
        (Asked(ICCID), "not-provisioned"),  # unknown to the suite: not provisioned as far as it knows
        (Asked(ICCID, api_version="2", provisioned=True), "other-api-version"),
        (Asked(ICCID, api_version="2", provisioned=False), "other-api-version-unknown-iccid"),
        (Asked(ICCID, api_version="2"), "other-api-version-unknown-iccid"),
        # Credentials come first, whatever else is wrong: no data before authentication.
        (Asked(ICCID, api_version="2", credentials="invalid", provisioned=False), "wrong-credentials"),
        (Asked(ICCID, api_version="2", credentials="none", provisioned=True), "no-credentials"),
    ],
)
def test_each_request_is_in_one_documented_situation(asked, name):
    assert situation_name(asked) == name
    assert situation(asked) is SITUATIONS[name]


def test_the_expected_answers_follow_the_vendor_s_error_table():
    documented = {code: status for code, status, _ in ERROR_TABLE}
    assert ERROR_STATUS == documented
    assert SITUATIONS["provisioned"].statuses == {200}
    assert SITUATIONS["not-provisioned"].statuses == {404}
    assert SITUATIONS["other-api-version"].statuses == {400}
    assert SITUATIONS["other-api-version-unknown-iccid"].statuses == {400, 404}
    assert SITUATIONS["wrong-credentials"].statuses == SITUATIONS["no-credentials"].statuses == {401}


def test_each_situation_is_owned_by_a_requirement_with_a_rule():
    catalogue = {r.id for r in load_catalogue("controlcenter")}
    for name, expected in SITUATIONS.items():
        assert expected.requirement in catalogue and expected.requirement in RULES, name


def test_every_device_state_is_an_entity_of_the_target_table():
    assert set(DEVICE_OF_ENTITY) == set(Target.ENTITY_KEYS)
    assert HAD_A_SESSION == set(DEVICE_OF_ENTITY.values()) - {"never_in_session"}


def test_the_vendor_texts_the_findings_quote_are_on_the_stored_page():
    """The findings about the page quote it: each text is on the stored copy, verbatim (the page
    writes a no-break space in 'Control Center': whitespace is compared as whitespace)."""
    import re
    from pathlib import Path

    from pytest_sessionapi.apis.controlcenter import vendor_examples

    page = (Path(__file__).resolve().parents[1] / "vendor_pages" / "control-center-get-session-details.txt").read_text("utf-8")
    page = re.sub(r"\s+", " ", page)
    for name in ("RESOURCE_URL", "REQUEST_EXAMPLE_AUTHORIZATION", "PYTHON_SAMPLE_AUTH", "JAVASCRIPT_SAMPLE_AUTH",
                 "RUBY_SAMPLE_AUTH", "INVALID_CREDENTIALS_DESCRIPTION"):
        assert re.sub(r"\s+", " ", getattr(vendor_examples, name)) in page, name
