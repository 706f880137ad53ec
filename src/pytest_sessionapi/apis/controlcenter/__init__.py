from pytest_sessionapi.registry import ApiDescriptor

API = ApiDescriptor(
    name="controlcenter",
    title="Cisco IoT Control Center (Jasper): Get Session Details",
    requirement_prefix="CC",
    live_max_rps=5,
    package=__name__,
    # 'API Policies and Best Practices': REST 40000029 "Rate Limit Exceeded"; HTTP status undocumented.
    rate_limit_code=("errorCode", "40000029"),
    # 'Get Session Details': GET /rws/api/v{apiVersion}/devices/{iccid}/sessionInfo; host = base_url.
    appended_paths=("/rws/api",),
)
