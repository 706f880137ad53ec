from pytest_sessionapi.registry import ApiDescriptor

API = ApiDescriptor(
    name="biot",
    title="BioT usage sessions: Update Usage Session (PATCH) and the session lifecycle",
    requirement_prefix="BIOT",
    live_max_rps=0,
    appended_paths=("/device/v1",),
    package=__name__,
)
