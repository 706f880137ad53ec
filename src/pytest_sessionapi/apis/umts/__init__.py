from pytest_sessionapi.registry import ApiDescriptor

API = ApiDescriptor(
    name="umts",
    title="Cisco Catalyst SD-WAN Manager (vManage): UMTS on-demand trace sessions",
    requirement_prefix="UMTS",
    live_max_rps=100,
    appended_paths=("/j_security_check", "/dataservice"),
    # 'Authentication': the login form carries the password, the token answer the XSRF token;
    # the JWT login of 20.18 (/jwt/login, /jwt/refresh) carries a password or tokens both ways.
    credential_paths=("/j_security_check", "/client/token", "/jwt/login", "/jwt/refresh"),
    # GET /dataservice/client/token answers the XSRF token itself, as text (or {"token"}).
    token_answer_paths=("/client/token",),
    # No 5xx for any request the docs describe: judged by the core on every answer.
    server_error_requirement="UMTS-NO-SERVER-ERROR",
    package=__name__,
)
