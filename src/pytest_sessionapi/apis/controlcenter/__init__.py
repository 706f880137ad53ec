from pytest_sessionapi.registry import ApiDescriptor

API = ApiDescriptor(
    name="controlcenter",
    title="Cisco IoT Control Center (Jasper): Get Session Details",
    requirement_prefix="CC",
    live_max_rps=5,
    package=__name__,
    # facts B.4: REST 40000029 "Rate Limit Exceeded"; its HTTP status is undocumented.
    rate_limit_code=("errorCode", "40000029"),
    # seed 001: GET /rws/api/v{apiVersion}/devices/{iccid}/sessionInfo; the host is base_url.
    appended_paths=("/rws/api",),
)
