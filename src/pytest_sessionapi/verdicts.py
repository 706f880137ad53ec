"""What each verdict means, in one sentence: shared by the reports (Markdown, HTML), the
certification bundle and the fleet report, so none of them imports another to say it."""

from __future__ import annotations

VERDICT_TEXT = {
    "conformant": "conformant: every MUST requirement passed",
    "nonconformant": "nonconformant: a MUST requirement failed",
    "incomplete": "incomplete: nothing failed, but a MUST requirement was not tested or the run was cut short",
    "error": "error: the target could not be used (a setup problem, or an endpoint that stopped answering), not a conformance result",
    "not-run": "not-run",
}

UNTESTED = ("skip", "not-tested", "not-run")
"""The statuses that say a requirement was not judged at all."""


def incomplete_reason(requirements: list[dict]) -> str:
    """Why an API that failed nothing is still ``incomplete``: the MUST requirements left
    unjudged, with the first reason the run gave for each (a missing entity key, a deselection)."""
    untested = [r for r in requirements if r["level"] == "MUST" and r["status"] in UNTESTED]
    if not untested:
        return "the run was cut short"
    shown = []
    for item in untested[:5]:
        why = next((m for m in item.get("messages", []) if m), "")
        shown.append(f"{item['id']} ({item['status']}{': ' + why[:160] if why else ''})")
    more = f" and {len(untested) - 5} more" if len(untested) > 5 else ""
    return f"{len(untested)} MUST requirement(s) not tested: " + "; ".join(shown) + more
