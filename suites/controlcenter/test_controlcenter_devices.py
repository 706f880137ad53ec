"""Get Session Details for each device the target names: in session, session ended, never in
session, and (optional keys) an IPv6-only, a dual-stack and an IPv4-only session."""

from __future__ import annotations

import pytest

from pytest_sessionapi.apis.controlcenter.rules import BODY_RULES

pytestmark = pytest.mark.sessionapi("controlcenter")

# What every 200 answer is judged on, whatever the device.
EVERY_BODY = (
    "CC-OK-STATUS", "CC-CONTENT-TYPE", "CC-NO-SERVER-ERROR", "CC-API-VERSION-CURRENT",
    "CC-ICCID-DOCUMENTED-FORMS", *BODY_RULES,
)
# Each test's own point first (the rule its docstring quotes), then what its answer is judged on.
IN_SESSION = (
    "CC-DATE-ENDED-NULL-IN-SESSION", *EVERY_BODY, "CC-DATE-STARTED-SET", "CC-SESSION-HAS-IP",
    "CC-DATES-NOT-FUTURE",
)
SESSION_ENDED = (
    "CC-DATE-ENDED-SET", *EVERY_BODY, "CC-DATE-STARTED-SET", "CC-DATE-ORDER", "CC-SESSION-HAS-IP",
    "CC-DATES-NOT-FUTURE",
)
NEVER_IN_SESSION = ("CC-IPV4-NULL-NEVER-SESSION", *EVERY_BODY, "CC-DATES-NULL-NEVER-SESSION")
ADDRESSED = (
    *EVERY_BODY, "CC-IP-FIELDS-MATCH-SESSION", "CC-SESSION-HAS-IP", "CC-DATE-STARTED-SET",
    "CC-DATES-NOT-FUTURE",
)


@pytest.mark.sessionapi_requirement(*IN_SESSION)
def test_device_in_session(sessionapi_entity, cc_exchange):
    """'For a device currently in a session, this field [dateSessionEnded] is null.'"""
    cc_exchange(sessionapi_entity("iccid_in_session"), IN_SESSION)


@pytest.mark.sessionapi_requirement(*SESSION_ENDED)
def test_device_whose_session_ended(sessionapi_entity, cc_exchange):
    """'The time when the most recent data session ended.' is set, not before the time 'when the
    current or most recent data session began', and the session has 'at least one IP Address
    value'."""
    cc_exchange(sessionapi_entity("iccid_session_ended"), SESSION_ENDED)


@pytest.mark.sessionapi_requirement(*NEVER_IN_SESSION)
def test_device_never_in_session(sessionapi_entity, cc_exchange):
    """'For a device that has never been in session, this field is null' (ipAddress, both
    dates); ipv6Address absent."""
    cc_exchange(sessionapi_entity("iccid_never_in_session"), NEVER_IN_SESSION)


@pytest.mark.sessionapi_requirement("CC-IPV4-PRESENT", *ADDRESSED)
def test_device_with_ipv6_only_session(sessionapi_entity, cc_exchange):
    """'This field [ipAddress] is always returned, even if the device does not have an IPv4
    address.'"""
    cc_exchange(sessionapi_entity("iccid_ipv6_only"), ADDRESSED)


@pytest.mark.sessionapi_requirement("CC-IP-FIELDS-MATCH-SESSION", *ADDRESSED)
def test_device_with_dual_stack_session(sessionapi_entity, cc_exchange):
    """'... in some cases, may have values for both fields.'"""
    cc_exchange(sessionapi_entity("iccid_dual_stack"), ADDRESSED)


@pytest.mark.sessionapi_requirement("CC-IPV6-ABSENT-WITHOUT-ADDRESS", *ADDRESSED)
def test_device_with_ipv4_only_session(sessionapi_entity, cc_exchange):
    """'This field [ipv6Address] is returned only when the device has an IPv6 address.'"""
    cc_exchange(sessionapi_entity("iccid_ipv4_only"), ADDRESSED)
