from pytest_sessionapi.registry import ApiDescriptor

API = ApiDescriptor(
    name="controlcenter",
    title="Cisco IoT Control Center (Jasper): Get Session Details",
    requirement_prefix="CC",
    live_max_rps=5,
    package=__name__,
)
