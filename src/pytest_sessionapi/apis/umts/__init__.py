from pytest_sessionapi.registry import ApiDescriptor

API = ApiDescriptor(
    name="umts",
    title="Cisco Catalyst SD-WAN Manager (vManage): UMTS on-demand trace sessions",
    requirement_prefix="UMTS",
    live_max_rps=100,
    appended_paths=("/j_security_check", "/dataservice"),
    package=__name__,
)
