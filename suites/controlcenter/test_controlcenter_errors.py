"""Every error of the vendor's table that can be provoked from outside: unknown and malformed
ICCIDs (20000001), an invalid apiVersion (10000024), wrong and missing credentials (10000001 /
401). 10000031 (Invalid Zone) cannot be provoked: the endpoint takes no zone; 30000001 is the
server's own failure (see CC-NO-SERVER-ERROR)."""

from __future__ import annotations

import httpx
import pytest

pytestmark = pytest.mark.sessionapi("controlcenter")

ERROR_ANSWER = (
    "CC-ERR-STATUS-TABLE",
    "CC-ERR-ENVELOPE",
    "CC-ERR-FIELD-NAMES",
    "CC-ERR-CODE-STRING",
    "CC-CONTENT-TYPE",
    "CC-NO-SERVER-ERROR",
)

# A key no account has: the suite never derives a wrong key from the real one, because the
# Basic blob of "user:<real key>x" would carry the real key in a decodable form.
WRONG_API_KEY = "sessionapi-wrong-api-key-000000"
UNKNOWN_USER = "sessionapi-no-such-user"


UNKNOWN = ("CC-ERR-UNKNOWN-ICCID", *ERROR_ANSWER)
# Unknown ICCIDs of the page's own forms also judge that form and apiVersion 1 are accepted.
UNKNOWN_OF_DOCUMENTED_FORM = (*UNKNOWN, "CC-ICCID-DOCUMENTED-FORMS", "CC-API-VERSION-CURRENT")


@pytest.mark.sessionapi_requirement(*UNKNOWN_OF_DOCUMENTED_FORM)
def test_unknown_iccid(cc_devices, cc_exchange):
    """19 and 20 digits, not provisioned: '20000001 404 Resource not found - Invalid ICCID.'"""
    for iccid in cc_devices.unknown:
        cc_exchange(iccid, UNKNOWN_OF_DOCUMENTED_FORM)


MALFORMED_ICCIDS = ("not-an-iccid", "8988216716970004975X", "898821671697", "89882167169700049750123")


@pytest.mark.sessionapi_requirement(*UNKNOWN)
@pytest.mark.parametrize("iccid", MALFORMED_ICCIDS, ids=["letters", "letter-suffix", "12-digits", "23-digits"])
def test_malformed_iccid(iccid, cc_exchange):
    """The vendor documents no 400 for the ICCID: an invalid ICCID is '20000001 404 Resource not
    found - Invalid ICCID.' as well."""
    cc_exchange(iccid, UNKNOWN)


VERSION = ("CC-ERR-API-VERSION", *ERROR_ANSWER)


@pytest.mark.sessionapi_requirement(*VERSION)
@pytest.mark.parametrize("api_version", ["0", "2", "99"])
def test_invalid_api_version(api_version, cc_devices, cc_exchange):
    """'The current version for all functions is 1': v0, v2, v99 are 400 10000024."""
    iccid, _ = cc_devices.probe_iccid()
    cc_exchange(iccid, VERSION, api_version=api_version)


BAD_CREDENTIALS = ("CC-ERR-BAD-CREDENTIALS", "CC-AUTH-CHALLENGE", *ERROR_ANSWER)


@pytest.mark.sessionapi_requirement(*BAD_CREDENTIALS)
@pytest.mark.parametrize("who", ["wrong-api-key", "unknown-user"])
def test_invalid_credentials(who, sessionapi_target, sessionapi_open_client, cc_refused):
    """10000001 'Invalid credentials.' with HTTP 401, asked about a device in session when the
    target names one (a server that lets the request through would hand out its data)."""
    username = sessionapi_target.settings.username if who == "wrong-api-key" else UNKNOWN_USER
    cc_refused(sessionapi_open_client(httpx.BasicAuth(username, WRONG_API_KEY)), "invalid", BAD_CREDENTIALS)


NO_CREDENTIALS = ("CC-ERR-NO-CREDENTIALS", "CC-AUTH-CHALLENGE", "CC-ERR-CODE-STRING", "CC-NO-SERVER-ERROR")


@pytest.mark.sessionapi_requirement(*NO_CREDENTIALS)
def test_no_credentials(sessionapi_open_client, cc_refused):
    """No Authorization header: '10000001 401 Invalid credentials.', and no session data."""
    cc_refused(sessionapi_open_client(None), "none", NO_CREDENTIALS)
