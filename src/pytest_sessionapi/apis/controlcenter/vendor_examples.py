"""The vendor's own examples, copied verbatim from Cisco's 'Get Session Details' page (and, for the
pre-authentication 401, from a third-party live probe of the vendor's server), to run through the
suite's rules."""

from __future__ import annotations

# 'Get Session Details', 'Response Example', byte for byte apart from the indentation (tabs there).
RESPONSE_EXAMPLE = """{
\t"iccid": "8988216716970004975",
\t"ipAddress": "null",
\t"ipv6Address": "2605:9780:309e::/64",
\t"dateSessionStarted": "2016-07-06 01:31:46.893+0000",
\t"dateSessionEnded": "2016-07-06 01:31:46.893+0000"
}"""

# 'Get Session Details', 'Request Example' (curl) and the javascript sample.
REQUEST_EXAMPLE_ICCID = "8988216716970004975"
# 'Get Session Details', 'Code Samples', ruby.
SAMPLE_CODE_ICCIDS = ("89011704252318147060",)

# 'Get Session Details', 'Resource URL' and the 'Request Example' header, verbatim.
RESOURCE_URL = "GET rws/api/v{apiVersion}/devices/{iccid}/sessionInfo"
REQUEST_EXAMPLE_AUTHORIZATION = '--header "Authorization: Basic <YOUR-ENCRYPTED-CREDENTIALS>"'

# 'Get Session Details', 'Code Samples': how each sample authenticates, verbatim.
PYTHON_SAMPLE_AUTH = 'auth=(input("username: "),input("api_key: "))'
JAVASCRIPT_SAMPLE_AUTH = ".auth('username', 'password', false)"
RUBY_SAMPLE_AUTH = "password: 'password',"

# 'Get Session Details', 'Errors' 10000001, the description, verbatim.
INVALID_CREDENTIALS_DESCRIPTION = (
    "Control Center uses this error message when the API credentials are invalid or when the IP "
    "address is not within the allowed range."
)

# 'Get Session Details', 'Errors': (errorCode, HTTP status, message).
ERROR_TABLE = (
    ("10000001", 401, "Invalid credentials."),
    ("10000024", 400, "Invalid apiVersion."),
    ("10000031", 400, "Invalid Zone."),
    ("20000001", 404, "Resource not found - Invalid ICCID."),
    ("30000001", 500, "Unknown server error."),
)

# A third-party live probe of the vendor's server: no Authorization header at all.
PRE_AUTH_401_BODY = '{"errorMessage":"Full authentication is required to access this resource"}'
