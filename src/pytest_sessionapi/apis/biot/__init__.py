from pytest_sessionapi.registry import ApiDescriptor

API = ApiDescriptor(
    name="biot",
    title="BioT usage sessions: Update Usage Session (PATCH) and the session lifecycle",
    requirement_prefix="BIOT",
    live_max_rps=0,
    appended_paths=("/device/v1",),
    # The user service's login and refresh (POST /ums/v2/users/login, .../users/token/refresh)
    # carry a password or JWTs in their bodies; the suite sends neither, a recorded capture may.
    credential_paths=("/users/login", "/token/refresh"),
    # No 5xx for any request the docs describe: judged by the core on every answer.
    server_error_requirement="BIOT-NO-SERVER-ERROR",
    # biotmed-device-sdk reads every answer (with the clients extra): judged by the core too.
    client_readable_requirement="BIOT-CLIENT-READABLE",
    package=__name__,
)
