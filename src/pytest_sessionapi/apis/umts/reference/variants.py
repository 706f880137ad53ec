"""The UMTS reference's variants: each fault breaks one catalogue requirement (and the knock-on
effects it names), each conformant variant differs from the reference only where the vendor's
documents allow it. The server asks which one runs through
:class:`pytest_sessionapi.reference_support.Switch`."""

from __future__ import annotations

from pytest_sessionapi.reference_support import Variant, variant_table

LOGIN_EXPIRES_AFTER = 6
"""Authenticated requests one login session serves in variant ``login-expires``."""

TRACE_DELAY_S = 0.3
"""How long after ``stop`` the results appear in variant ``trace-finishes-later``."""

VARIANTS = variant_table(
    # -- conformant: only what the vendor docs allow ------------------------------------------
    Variant("optional-fields-absent", "conformant",
            "session objects carry neither JSessionId nor @rid (absent from the POST schema and SDK)"),
    Variant("create-object", "conformant",
            "create answers one session object instead of an array (as Cisco's scripts read it)"),
    Variant("status-object-bodies", "conformant",
            'start/stop/disable answer {"status": "success"} instead of the literal doc string'),
    Variant("extra-fields", "conformant",
            "extra keys in sessions, acknowledgements, trace records, hops and error envelopes"),
    Variant("other-wording", "conformant",
            "other texts for error message/details and statusMessage"),
    Variant("login-expires", "conformant",
            f"a login session expires after {LOGIN_EXPIRES_AFTER} requests; the client logs in again",
            transport=True),
    Variant("lowercase-request-status", "conformant",
            "requestStatus written 'start'/'stop' (the POST example writes 'stop')"),
    Variant("trace-finishes-later", "conformant",
            f"results and download_status appear {TRACE_DELAY_S} s after stop"),
    Variant("double-encoded-create-payload", "conformant",
            "create answers payload JSON-encoded twice, as in the POST response example"),
    Variant("xsrf-post-only", "conformant", "GET operations are served without X-XSRF-TOKEN",
            transport=True),
    Variant("unauthenticated-redirect", "conformant",
            "calls without a valid session get 302 to /welcome.html instead of the login page",
            transport=True),
    Variant("unauthenticated-401", "conformant",
            "calls without a valid session get 401 with the error envelope", transport=True),
    Variant("disable-requires-stop", "conformant",
            "disable on a running trace is refused with 400 (undocumented either way)"),
    Variant("strict-transitions", "conformant",
            "start twice, stop before start and download before results answer 400 (undocumented)"),
    Variant("unknown-operation-404", "conformant", "an unknown operation answers 404 with no body",
            transport=True),
    Variant("results-while-running", "conformant",
            "results (download_status, download) exist as soon as the trace starts, as in the "
            "vendor's 'status ok sample' (START with download_status success)"),
    Variant("no-request-status-before-start", "conformant",
            "a created, never started session carries no requestStatus (every field is Optional "
            "in the SDK)"),
    # -- faults: each breaks exactly one catalogue requirement ---------------------------------
    Variant("login-without-cookie", "fault",
            "a successful login sets a 'SESSION' cookie instead of JSESSIONID",
            requirement="UMTS-AUTH-LOGIN", transport=True),
    Variant("login-accepts-bad-password", "fault",
            "a wrong password still opens a session", requirement="UMTS-AUTH-LOGIN-REJECTED",
            transport=True),
    Variant("token-empty", "fault", "the token endpoint answers an empty body",
            requirement="UMTS-AUTH-TOKEN", transport=True),
    Variant("unauthenticated-served", "fault",
            "calls without any JSESSIONID are served as an anonymous user",
            requirement="UMTS-AUTH-SESSION-REQUIRED", transport=True),
    Variant("forged-session-served", "fault", "any JSESSIONID value is accepted",
            requirement="UMTS-AUTH-SESSION-REQUIRED", transport=True),
    Variant("post-without-xsrf", "fault", "create is served without X-XSRF-TOKEN",
            requirement="UMTS-AUTH-XSRF-POST", transport=True),
    # Knock-on: the undocumented transitions are acknowledged too, and their 200 must be an
    # acknowledgement (UMTS-UNDOCUMENTED-OUTCOME): the fault leaves none of them JSON.
    Variant("ack-not-json", "fault",
            "start/stop/disable answer the raw text {status: success}, which is not JSON",
            requirement="UMTS-MEDIA-JSON", transport=True, knock_on=("UMTS-UNDOCUMENTED-OUTCOME",)),
    Variant("create-empty-array", "fault", "create answers [] (and holds no session)",
            requirement="UMTS-CREATE-SESSION"),
    Variant("conflict-allowed", "fault", "a second create for a busy device opens a second session",
            requirement="UMTS-CREATE-CONFLICT"),
    Variant("conflict-409", "fault", "a second create for a busy device answers 409",
            requirement="UMTS-CREATE-CONFLICT", transport=True),
    Variant("start-time-seconds", "fault", "startTime in epoch seconds instead of milliseconds",
            requirement="UMTS-SESSION-VALUES"),
    Variant("renewal-time-string", "fault", "renewalTime written as a string",
            requirement="UMTS-SESSION-TYPES"),
    # Knock-on: UMTS-SESSION-TYPES lists payload among the string fields as well.
    Variant("payload-object", "fault", "payload is a JSON object instead of a string holding JSON",
            requirement="UMTS-SESSION-PAYLOAD", knock_on=("UMTS-SESSION-TYPES",)),
    Variant("payload-stale-session-id", "fault", "payload names another sessionId",
            requirement="UMTS-SESSION-PAYLOAD"),
    Variant("request-status-init", "fault", "a created session reports requestStatus 'INIT'",
            requirement="UMTS-SESSION-VALUES"),
    Variant("status-ok", "fault", "status field 'ok' instead of success/failure",
            requirement="UMTS-SESSION-VALUES"),
    Variant("user-ip-garbage", "fault", "userIp is a word, not an IP address",
            requirement="UMTS-SESSION-VALUES"),
    Variant("status-wrong-session", "fault", "status answers with another session's id",
            requirement="UMTS-STATUS-IDENTITY"),
    # Knock-on: a 200 saying failure to an undocumented transition is neither the success nor
    # the 4xx refusal UMTS-UNDOCUMENTED-OUTCOME allows.
    Variant("ack-reports-failure", "fault", 'start/stop/disable succeed but answer {"status": "failure"}',
            requirement="UMTS-OP-ACK", knock_on=("UMTS-UNDOCUMENTED-OUTCOME",)),
    Variant("start-not-reported", "fault", "status after start still says STOP",
            requirement="UMTS-LIFECYCLE-START"),
    Variant("stop-not-reported", "fault", "status after stop still says START",
            requirement="UMTS-LIFECYCLE-STOP"),
    Variant("download-never-ready", "fault", "download_status never appears after stop",
            requirement="UMTS-DOWNLOAD-READY"),
    Variant("download-status-premature", "fault",
            "download_status says success while running, but download answers 400",
            requirement="UMTS-DOWNLOAD-READY"),
    Variant("download-bare-array", "fault", "download answers a bare array of records",
            requirement="UMTS-DOWNLOAD-SHAPE"),
    Variant("hops-bare-array", "fault", "a record's hops is a bare array, not {hop: [...]}",
            requirement="UMTS-DOWNLOAD-SHAPE"),
    # Knock-on (both): a disabled session is an unknown one, and UMTS-DISABLE-INVALIDATES asks
    # for the same 400 TBST1005 on it.
    Variant("unknown-session-404", "fault", "an unknown session answers 404",
            requirement="UMTS-ERROR-UNKNOWN-SESSION", transport=True,
            knock_on=("UMTS-DISABLE-INVALIDATES",)),
    Variant("unknown-session-wrong-code", "fault", "an unknown session answers code TBST1004",
            requirement="UMTS-ERROR-UNKNOWN-SESSION", knock_on=("UMTS-DISABLE-INVALIDATES",)),
    Variant("error-envelope-flat", "fault", "error fields at top level, without the 'error' object",
            requirement="UMTS-ERROR-ENVELOPE"),
    Variant("error-details-missing", "fault", "error envelopes lack 'details'",
            requirement="UMTS-ERROR-ENVELOPE"),
    Variant("disable-keeps-device", "fault", "after disable, the device still refuses a new create",
            requirement="UMTS-DISABLE-FREES-DEVICE"),
    # Refusals of documented values (issue 17, the right requirement): each fails the requirement
    # that documents the value, not a neighbour.
    Variant("remote-system-list-refused", "fault",
            "create refuses a comma-separated remoteSystem (the vendor's own create example)",
            requirement="UMTS-CREATE-SESSION"),
    Variant("start-refused", "fault", "start is refused (400) on every session",
            requirement="UMTS-OP-ACK"),
    Variant("stop-refused", "fault", "stop is refused (400) on every session",
            requirement="UMTS-OP-ACK"),
    Variant("status-refused", "fault", "status is refused (400) on every session",
            requirement="UMTS-STATUS-IDENTITY"),
    Variant("download-refused", "fault", "download is refused (400), also once status says download_status",
            requirement="UMTS-DOWNLOAD-READY"),
    # Values compared with their meaning and with what was asked (issue 18 item 1).
    Variant("download-empty", "fault",
            'status reports download_status success, but download answers {"data": []}',
            requirement="UMTS-DOWNLOAD-READY"),
    Variant("records-other-system", "fault",
            "the trace's records are about a remote system the create did not ask for",
            requirement="UMTS-DOWNLOAD-RECORDS"),
    Variant("payload-other-color", "fault",
            "payload's remoteColor is not the one the create asked for",
            requirement="UMTS-SESSION-PAYLOAD"),
    Variant("error-texts-empty", "fault", "error envelopes carry an empty message and details",
            requirement="UMTS-ERROR-ENVELOPE"),
    Variant("malformed-id-500", "fault",
            "a session id with characters outside letters, digits and '-' answers 500",
            requirement="UMTS-NO-SERVER-ERROR", transport=True),
    # Faults against SHOULD requirements: a default run reports them and exits 0, a strict run
    # fails them (the generic self-test checks both).
    Variant("disabled-still-served", "fault", "a disabled session still answers status",
            requirement="UMTS-DISABLE-INVALIDATES"),
    Variant("unknown-operation-served", "fault", "an unknown operation is served like status",
            requirement="UMTS-UNKNOWN-OPERATION"),
    Variant("unknown-operation-500", "fault", "an unknown operation answers 500",
            requirement="UMTS-NO-SERVER-ERROR", transport=True),
    Variant("start-twice-500", "fault", "start on a running trace answers 500",
            requirement="UMTS-NO-SERVER-ERROR", transport=True),
    Variant("download-early-500", "fault", "download before results answers 500",
            requirement="UMTS-NO-SERVER-ERROR", transport=True),
    Variant("download-early-ack", "fault",
            'download before results answers 200 {"status": "success"}: neither data nor a '
            "refusal",
            requirement="UMTS-UNDOCUMENTED-OUTCOME"),
)
