"""The vendor's own PATCH examples, as data, and what the vendor's schema says about them.

The suite runs them through the same oracle as every other PATCH and reports what they reveal
about the documentation itself as findings (``conformance.finding``), never as failures.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

VENDOR_REQUIRED = ("_startTime", "_state")
"""UpdateSessionRequestV2.required in the vendor document (and Mandatory=true on the Update Usage
Session page)."""


@dataclass(frozen=True)
class VendorExample:
    name: str
    source: str
    body: dict[str, Any]
    applies_to: str
    """The state of the session the example is written for."""
    notes: tuple[str, ...] = ()
    """What the page itself says that the example contradicts."""


STOP_EXAMPLE = VendorExample(
    name="Stop a Session",
    source="BioT documentation, Stop a Session <https://docs.biot-med.com/docs/stop-a-session>",
    body={
        "_endTime": "2022-07-28T14:02:26.199Z",
        "_state": "DONE",
        "_summary": {"_stopReason": "Manual Stop", "_stopReasonCode": "COMPLETION"},
    },
    applies_to="ACTIVE",
    notes=(
        "the page's bullet list names the state attribute '_summary._state' and the code "
        "'_stopReasonCode' at top level, while its example (and the schema) put _state at top "
        "level and _stopReasonCode under _summary; the suite follows the example and the schema",
    ),
)

# The 'Session Summary' page shows a body with only `_summary` (that example
# body has neither _state nor _startTime). Its summary attributes are template-defined custom
# attributes the suite cannot know; the body below keeps the documented shape and fills it with
# the schema's own example values for the two documented summary attributes
# (SessionSummaryUpdateRequest: _stopReason example "Manual Stop", _stopReasonCode "COMPLETION").
SUMMARY_EXAMPLE = VendorExample(
    name="Session Summary",
    source="BioT documentation, Session Summary <https://docs.biot-med.com/docs/session-summary>; "
    "values: vendor OpenAPI "
    "SessionSummaryUpdateRequest examples",
    body={"_summary": {"_stopReason": "Manual Stop", "_stopReasonCode": "COMPLETION"}},
    applies_to="DONE",
)

EXAMPLES = (STOP_EXAMPLE, SUMMARY_EXAMPLE)

PAGE_FINDINGS: tuple[tuple[str, str], ...] = (
    ("BIOT-REQUIRED-CONFLICT",
     "the Update Usage Session page says 'Performs partial update, if a field is specified in "
     "the request it will be updated' and in the same table marks _startTime and _state "
     "Mandatory true; the suite accepts both answers to a PATCH that omits them"),
    ("BIOT-WRONG-DEVICE",
     "the Update Usage Session page describes the path parameter deviceId as the literal text "
     "'null' (its Example column is empty): what deviceId names is never stated; the suite uses "
     "the target's device_id and reads 409 SESSION_WRONG_DEVICE_ID for another device's path"),
    ("BIOT-AUTH-EXPIRED",
     "the API reference answers every bad token with 401 TOKEN_NOT_VALID, while the 'Device API "
     "access' page says calls with an expired token fail with 403; the suite accepts either for "
     "an expired token (401 is BIOT-AUTH-EXPIRED-401, a SHOULD)"),
    ("BIOT-PATCH-STATE-ENUM",
     "the Update Usage Session page's Body Params give _state as 'string enum required The "
     "Sessions state Allowed:' and then list no value at all: the 'Allowed:' list is empty; the "
     "seven values are only in its parameter table ('Values:ACTIVE,DONE,PAUSED,ACTIVATING,"
     "PAUSING,RESUMING,STOPPING') and the OpenAPI enum, which the suite follows"),
    ("BIOT-NO-SERVER-ERROR",
     "the Update Usage Session page's 'Responses' section lists no response: no status, no body, "
     "no error code (it goes straight on to 'Language' and 'Credentials'); the statuses and codes "
     "the suite judges are the OpenAPI document's ('Code : SESSION_NOT_FOUND, Details: [id]', ...)"),
    ("BIOT-PATCH-STOP-REASON-LENGTH",
     "the Update Usage Session page gives _summary._stopReason no length "
     "('_summary._stopReasonstringfalseThe reason the session was stopped'): its bound, "
     "'\"maxLength\": 128', is only in the OpenAPI document's SessionSummaryUpdateRequest"),
    ("BIOT-PATCH-DATETIME-FORMAT",
     "the Update Usage Session page's Body Params list two date-times ('date-time required A UTC "
     "date-time in the ISO-8601 format', then 'date-time A UTC date-time in the ISO-8601 format') "
     "without naming them: which is _startTime and which _endTime is read from the parameter table"),
    ("BIOT-CUSTOM-ATTRIBUTE",
     "the Update Usage Session page's parameter table lists '<customAttribute1>"
     "<customAttribute1Type>falseRegular custom attribute 1 value', but its Body Params (and the "
     "OpenAPI UpdateSessionRequestV2, which has no additionalProperties at top level) do not: "
     "whether a PATCH may carry custom attributes depends on which of the two one reads"),
)
"""What the vendor's pages say against themselves: reported as findings, never as failures."""


def schema_findings(example: VendorExample) -> list[tuple[str, str]]:
    """(requirement, finding): what the vendor's own schema and page say about its example."""
    missing = [name for name in VENDOR_REQUIRED if name not in example.body]
    findings = []
    if missing:
        findings.append((
            "BIOT-REQUIRED-CONFLICT",
            f"the vendor's '{example.name}' example omits {', '.join(missing)}, which the "
            "vendor's UpdateSessionRequestV2 schema (and the Update Usage Session table) marks "
            "required; the suite accepts both answers to such a PATCH (BIOT-REQUIRED-CONFLICT)",
        ))
    findings.extend(
        ("BIOT-STOP-DOCUMENTED", f"the vendor's '{example.name}' page: {note}")
        for note in example.notes
    )
    return findings
