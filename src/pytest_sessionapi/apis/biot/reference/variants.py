"""The table of BioT reference variants: each breaks exactly one documented requirement (a fault)
or differs only where the docs allow (conformant). The server (``server.py``) asks which one runs
through ``reference_support.Switch``."""

from __future__ import annotations

from pytest_sessionapi.reference_support import Variant, variant_table

from ..model import STATES, STOP_REASON_CODES


def _slug(value: str) -> str:
    return value.lower().replace("_", "-")


# A valid request refused at a documented bound or enum value fails that bound's or enum's
# requirement, not partial update (issue 17 item 2): one variant per bound and per enum value.
_BOUNDS_AND_ENUM_VALUES = (
    Variant("name-shortest-refused", "fault",
            "PATCH refuses a 1-character _name (400 VALIDATION_MINIMUM_ALLOWED_VALUE, minimum 2)",
            "BIOT-PATCH-NAME-LENGTH"),
    Variant("name-longest-refused", "fault",
            "PATCH refuses a 64-character _name (400 VALIDATION_MAX_ALLOWED_VALUE, maxValue 63)",
            "BIOT-PATCH-NAME-LENGTH"),
    Variant("stop-reason-empty-refused", "fault",
            "PATCH refuses an empty _summary._stopReason (400 VALIDATION_MINIMUM_ALLOWED_VALUE)",
            "BIOT-PATCH-STOP-REASON-LENGTH"),
    Variant("stop-reason-longest-refused", "fault",
            "PATCH refuses a 128-character _summary._stopReason (400 VALIDATION_MAX_ALLOWED_VALUE, "
            "maxValue 127)", "BIOT-PATCH-STOP-REASON-LENGTH"),
    *(
        Variant(f"stop-reason-code-{_slug(code)}-refused", "fault",
                f"PATCH refuses the documented stop reason code {code} as not allowed "
                "(400 SELECT_ATTRIBUTE_INVALID_VALUE)", "BIOT-PATCH-STOP-REASON-CODE-ENUM",
                # The documented stop sends COMPLETION: refusing it refuses that stop too.
                knock_on=("BIOT-STOP-DOCUMENTED",) if code == "COMPLETION" else ())
        for code in STOP_REASON_CODES
    ),
    *(
        Variant(f"state-{_slug(value)}-refused", "fault",
                f"PATCH refuses the documented _state {value} as not allowed "
                "(400 SELECT_ATTRIBUTE_INVALID_VALUE)", "BIOT-PATCH-STATE-ENUM")
        # ACTIVE, DONE and PAUSED carry every session the suite creates, stops and cleans up
        # (PAUSING leads only to PAUSED): a server refusing one of them leaves sessions it cannot
        # end and the device busy, so the run cannot go on. The oracle's attribution of those
        # refusals to BIOT-PATCH-STATE-ENUM is proved offline (tests/biot/test_biot_model.py).
        for value in STATES if value not in ("ACTIVE", "DONE", "PAUSED")
    ),
)

VARIANTS = variant_table(
    # -- faults: each breaks exactly one MUST requirement ------------------------------------
    Variant("accept-missing-token", "fault",
            "serves requests that carry no Authorization header", "BIOT-AUTH-MISSING",
            transport=True),
    Variant("accept-any-token", "fault",
            "accepts any Bearer token, signed or not", "BIOT-AUTH-INVALID", transport=True),
    # Knock-on: a served request is not the 401 refusal BIOT-AUTH-EXPIRED-401 asks for either.
    Variant("accept-expired-token", "fault",
            "serves requests made with a token that has expired", "BIOT-AUTH-EXPIRED",
            transport=True, knock_on=("BIOT-AUTH-EXPIRED-401",)),
    Variant("error-without-message", "fault",
            "error envelopes carry no 'message'", "BIOT-ERROR-ENVELOPE-FIELDS"),
    Variant("error-details-empty", "fault",
            "error envelopes carry an empty 'details' object", "BIOT-ERROR-DETAILS"),
    Variant("create-drops-name", "fault",
            "create by usage type ignores the _name it is sent", "BIOT-CREATE"),
    # Valid by the vendor's document, unreadable by the vendor's SDK (issue 20): a SHOULD.
    Variant("references-as-documented-only", "fault",
            "_ownerOrganization carries no templateId, template or organizationId (the document "
            "allows it; biotmed-device-sdk 2.3.40 cannot read it)", "BIOT-CLIENT-READABLE"),
    Variant("session-context-missing", "fault",
            "session answers lack the required _sessionContext", "BIOT-RESPONSE-SCHEMA"),
    Variant("datetimes-with-offset", "fault",
            "session date-times are written with a +02:00 offset (same instant, not UTC)",
            "BIOT-DATETIME-UTC"),
    # Knock-on: BIOT-CUSTOM-ATTRIBUTE's and -CONFIGURATION-ATTRIBUTE's statements want GET to
    # show the value sent.
    Variant("get-returns-created", "fault",
            "GET answers the session as it was created, ignoring later updates", "BIOT-GET",
            knock_on=("BIOT-CUSTOM-ATTRIBUTE", "BIOT-CONFIGURATION-ATTRIBUTE")),
    # Knock-on: BIOT-CUSTOM-ATTRIBUTE's PATCH leaves _name and _configuration unsent, and its
    # statement wants the attributes not sent to keep their values too.
    Variant("clobber-unsent-fields", "fault",
            "PATCH resets _name and _configuration when they are not sent", "BIOT-PATCH-PARTIAL",
            knock_on=("BIOT-CUSTOM-ATTRIBUTE",)),
    # Knock-on of the lenient validations below: create validates its body the same way, so the
    # invalid create is accepted (BIOT-CREATE-INVALID), or, where the ignored attribute is a
    # required one, refused as missing instead of as invalid (BIOT-REFUSAL-CODE-CONDITION).
    Variant("state-enum-ignored", "fault",
            "an unknown _state value is ignored and the PATCH answered 200",
            "BIOT-PATCH-STATE-ENUM", knock_on=("BIOT-REFUSAL-CODE-CONDITION",)),
    Variant("stop-reason-code-enum-ignored", "fault",
            "an unknown _summary._stopReasonCode is ignored and the PATCH answered 200",
            "BIOT-PATCH-STOP-REASON-CODE-ENUM", knock_on=("BIOT-CREATE-INVALID",)),
    Variant("name-length-unchecked", "fault",
            "_name outside 1..64 is accepted (truncated to 64, or ignored when empty)",
            "BIOT-PATCH-NAME-LENGTH", knock_on=("BIOT-CREATE-INVALID",)),
    Variant("stop-reason-length-unchecked", "fault",
            "_summary._stopReason over 128 characters is accepted (truncated)",
            "BIOT-PATCH-STOP-REASON-LENGTH"),
    Variant("types-lenient", "fault",
            "a non-string _name is accepted and stored as its text", "BIOT-PATCH-TYPES",
            knock_on=("BIOT-CREATE-INVALID",)),
    Variant("datetime-format-lenient", "fault",
            "a date-time that is not ISO-8601 is ignored and the PATCH answered 200",
            "BIOT-PATCH-DATETIME-FORMAT", knock_on=("BIOT-REFUSAL-CODE-CONDITION",)),
    Variant("future-times-accepted", "fault",
            "start and end times in the future are accepted", "BIOT-TIME-IN-FUTURE"),
    Variant("start-after-end-accepted", "fault",
            "a start time after the end time is accepted", "BIOT-START-AFTER-END"),
    Variant("done-without-stop-data", "fault",
            "a session can become DONE without any stop data", "BIOT-STOP-DATA-NULL-DONE"),
    Variant("stop-data-on-running", "fault",
            "a stop reason code is accepted on a session that is not DONE",
            "BIOT-STOP-DATA-NON-DONE"),
    Variant("end-time-on-running", "fault",
            "an end time is accepted on a running (ACTIVE) session", "BIOT-END-TIME-STATE"),
    Variant("not-found-generic", "fault",
            "an unknown session id is answered 404 with code NOT_FOUND instead of SESSION_NOT_FOUND",
            "BIOT-SESSION-NOT-FOUND"),
    Variant("wrong-device-served", "fault",
            "a session is served and updated through another device's path",
            "BIOT-WRONG-DEVICE"),
    Variant("reject-documented-stop", "fault",
            "ACTIVE -> DONE (the documented device stop) is refused with SESSION_STATE_CHANGE_INVALID",
            "BIOT-STOP-DOCUMENTED"),
    # No way to DONE is left (ACTIVE -> PAUSED -> DONE neither): the suite's own sessions then
    # hold the device, and the run must still end nonconformant, not as a setup error.
    Variant("every-stop-refused", "fault",
            "every change to DONE, from any state, is refused with SESSION_STATE_CHANGE_INVALID",
            "BIOT-STOP-DOCUMENTED"),
    Variant("done-to-active-accepted", "fault",
            "a DONE session can be set back to ACTIVE", "BIOT-DONE-FINAL"),
    # Knock-on: the summary PATCH re-sends _state DONE, the DONE -> DONE edge the transition
    # model infers from summary updates (BIOT-TRANSITION-INFERRED-ALLOWED).
    Variant("summary-update-refused", "fault",
            "a DONE session refuses every further update, summary updates included",
            "BIOT-SUMMARY-UPDATE", knock_on=("BIOT-TRANSITION-INFERRED-ALLOWED",)),
    Variant("delete-non-done-accepted", "fault",
            "a session that is not DONE can be deleted", "BIOT-DELETE-NON-DONE"),
    Variant("delete-answers-200", "fault",
            "DELETE answers 200 with the deleted session instead of 204", "BIOT-DELETE",
            transport=True),
    # -- faults at SHOULD level: reported by default, fatal only under --sessionapi-strict ----
    Variant("expired-token-403", "fault",
            "an expired token is refused with 403 ACCESS_DENIED, as the Device API access page "
            "says; conformant by default (the lenient run must pass it), not the 401 the API "
            "reference documents", "BIOT-AUTH-EXPIRED-401", transport=True),
    Variant("error-envelope-minimal", "fault",
            "error envelopes carry only code, message and details: no serviceName, traceId or "
            "environment", "BIOT-ERROR-ENVELOPE-FIELDS"),
    Variant("summary-replaced", "fault",
            "a PATCH that sends _summary replaces the whole summary, dropping the summary "
            "attributes it does not name", "BIOT-PATCH-SUMMARY-MERGE"),
    Variant("refused-patch-keeps-name", "fault",
            "a refused PATCH still stores the (valid) _name it carried", "BIOT-PATCH-REJECTED-NO-EFFECT"),
    Variant("omission-crashes", "fault",
            "a PATCH omitting _startTime or _state answers 500 INTERNAL_SERVER_ERROR instead of "
            "applying or refusing it", "BIOT-NO-SERVER-ERROR", transport=True),
    Variant("pause-refused", "fault",
            "ACTIVE -> PAUSED (a device-side pause) is refused with SESSION_STATE_CHANGE_INVALID",
            "BIOT-TRANSITION-INFERRED-ALLOWED"),
    Variant("stopping-cancellable", "fault",
            "a STOPPING session can be set back to ACTIVE", "BIOT-TRANSITION-INFERRED-FORBIDDEN"),
    # -- conformant: differ only where the docs allow --------------------------------------
    Variant("extra-fields", "conformant",
            "answers carry extra attributes: a top-level and a summary custom attribute, "
            "_caption, _referencers, and an extra envelope attribute"),
    Variant("other-messages", "conformant",
            "other error message wording, service name, environment and trace-id format"),
    Variant("enforce-required", "conformant",
            "PATCH enforces the schema's required _startTime and _state (400 ATTRIBUTE_IS_MANDATORY)"),
    Variant("nulls-for-absent", "conformant",
            "absent optional attributes are written as null (_endTime, _name, summary fields)"),
    Variant("stop-reason-not-stop-data", "conformant",
            "only _stopReasonCode counts as stop data: a bare _stopReason is accepted on a "
            "running session"),
    Variant("end-time-filled-on-done", "conformant",
            "a session that becomes DONE without an _endTime gets the server's current time "
            "(the docs leave DONE without an end time open)"),
    Variant("reordered-keys", "conformant",
            "JSON attributes in reverse order"),
    Variant("omission-422", "fault",
            "a PATCH omitting _startTime or _state is refused with 422 ATTRIBUTE_IS_MANDATORY "
            "(neither applied nor the 400 the schema implies)", "BIOT-REQUIRED-CONFLICT",
            transport=True),
    Variant("protected-api-not-enforced", "fault",
            "a valid token of a user without PROTECTED_API is served like any other",
            "BIOT-PROTECTED-API", transport=True),
    Variant("custom-attribute-dropped", "fault",
            "a PATCH of a template custom attribute answers 200 but does not store it",
            "BIOT-CUSTOM-ATTRIBUTE"),
    Variant("error-message-number", "fault",
            "error envelopes carry the HTTP status as a number in 'message' instead of a text",
            "BIOT-ERROR-ENVELOPE"),
    Variant("error-message-null", "fault",
            "error envelopes carry 'message': null", "BIOT-ERROR-ENVELOPE"),
    # -- refusals of invalid bodies (the class: status, code, every attribute's type) --------
    Variant("custom-attribute-any-type", "fault",
            "a non-string value of the template's string custom attribute is stored as its text",
            "BIOT-PATCH-TYPES"),
    Variant("patient-id-optional", "fault",
            "create takes a _patient without a string id as no _patient (the device's patient)",
            "BIOT-CREATE-INVALID"),
    Variant("null-patient-refused", "fault",
            "create refuses _patient null with 400 ATTRIBUTE_IS_MANDATORY instead of reading the "
            "patient from the device", "BIOT-CREATE-PATIENT"),
    # SHOULD level (the vendor's code lists are not said to be closed; which code names which
    # condition, and what the details keys hold, is read from their names).
    Variant("undocumented-refusal-code", "fault",
            "invalid attribute values are refused with 400 INVALID_ATTRIBUTE_VALUE, a code the "
            "vendor does not list", "BIOT-REFUSAL-CODE"),
    Variant("refusal-codes-mismatched", "fault",
            "every invalid attribute value is refused with 400 ATTRIBUTE_IS_MANDATORY (a listed "
            "code, but not the one naming the condition)", "BIOT-REFUSAL-CODE-CONDITION"),
    Variant("details-values-null", "fault",
            "invalid attribute values are refused with every details value null",
            "BIOT-ERROR-DETAILS-VALUES"),
    *_BOUNDS_AND_ENUM_VALUES,
    # -- inputs the suite used never to send (issue 18 item 1) ----------------------------------
    Variant("configuration-not-stored", "fault",
            "a PATCH of _configuration answers 200 but the configuration is not stored",
            "BIOT-CONFIGURATION-ATTRIBUTE"),
    Variant("malformed-id-crashes", "fault",
            "a session id that is not a UUID makes get, update and delete fail with 500",
            "BIOT-NO-SERVER-ERROR", transport=True),
)
