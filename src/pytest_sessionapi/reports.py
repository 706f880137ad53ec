"""``conformance.json`` (machine-readable, stable) and ``conformance.md`` (for people).

Both are written at the end of every run that collected a suite test, whatever happened: failed
tests, interrupted runs, broken endpoints. Every string passes through the run's redactors.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from . import __version__
from .plan import TargetPlan
from .ledger import Ledger, RequirementResult
from .policy import Policy, selected
from .redaction import RedactorSet
from .registry import all_apis
from .requirements import load_catalogue
from .verdicts import VERDICT_TEXT, incomplete_reason
from .html_report import render_html

SCHEMA_VERSION = 1


def build_document(
    plan: TargetPlan,
    ledger: Ledger,
    *,
    policy: Policy,
    started_at: datetime,
    redact: RedactorSet,
    evidence: dict[str, dict[str, str]] | None = None,
) -> dict[str, Any]:
    """``policy`` decides each API's verdict (levels, fail-on, waivers). ``evidence``: the wire of
    each failed test (:mod:`.evidence`), by node ID; each failed or waived requirement carries
    that of the tests that failed it."""
    evidence = evidence or {}
    requirement_patterns = policy.requirement_patterns

    apis: dict[str, Any] = {}
    facts = ledger.facts
    waiver_states = ledger.apply_waivers(policy.waivers)
    for name, api in all_apis().items():
        catalogue = load_catalogue(name) if name in plan.selected else None
        entry: dict[str, Any] = {"title": api.title, "target": plan.describe(name)}
        # A replay (recording.ReplayPlan) says which recording, when it was made, which tests ran.
        recording = getattr(plan, "recording_entry", lambda _: None)(name)
        if recording is not None:
            entry["recording"] = recording
        if name not in plan.selected or name not in ledger.apis_collected:
            if name in plan.selected:
                entry["target"] += "; no test of this API was collected"
            entry.update(verdict="not-run", requirements=[], findings=[])
            apis[name] = entry
            continue
        requirements = []
        for requirement in load_catalogue(name):
            result = ledger.results.get(requirement.id)
            # What the run recorded, in the ledger's own serialisation (the xdist wire's too).
            recorded = (result or RequirementResult(requirement)).to_dict()
            if result is not None and result.waiver is not None:
                status = "waived"
            elif result is not None and (result.status != "not-tested" or result.messages):
                status = result.status
            elif not selected(requirement.id, requirement_patterns):
                status = "not-run"
            else:
                status = "not-tested"
            requirements.append(
                {
                    "id": requirement.id,
                    "level": requirement.level,
                    "basis": requirement.basis,
                    "status": status,
                    "statement": requirement.statement,
                    "source": requirement.source,
                    **_quoted(requirement, catalogue),
                    **({"decision": requirement.decision} if requirement.decision else {}),
                    "tests": recorded["tests"],
                    "messages": [redact.text(m) for m in recorded["messages"]],
                    **_evidence_of(status, result, evidence, redact),
                    **(
                        {"waiver": result.waiver.as_report("applied")}
                        if result is not None and result.waiver is not None else {}
                    ),
                }
            )
        counts: dict[str, Counter[str]] = {"MUST": Counter(), "SHOULD": Counter()}
        for item in requirements:
            counts[item["level"]][item["status"]] += 1
        setup_problem = facts.setup_problems.get(name)
        interruption = facts.interruption(name)
        verdict = policy.verdict(requirements, setup_problem=setup_problem, interruption=interruption)
        reason = setup_problem if verdict == "error" else interruption
        if verdict == "incomplete" and not reason:
            reason = incomplete_reason(requirements)
        entry.update(
            catalogue={"sha256": catalogue_digest(name), "requirements": len(requirements)},
            verdict=verdict,
            **({"verdict_reason": redact.text(reason)} if reason else {}),
            summary={level: dict(sorted(c.items())) for level, c in counts.items()},
            tests={"selected": facts.suite_tests[name], "finished": facts.tests_finished[name]},
            requests=facts.requests[name],
            resent_requests=facts.resent[name],
            rate_limit_wait_s=facts.waited_s.get(name, 0.0),
            requirements=requirements,
            findings=[
                {"requirement": f.requirement, "text": redact.text(f.text)}
                for f in ledger.findings.get(name, [])
            ],
            waivers=[waiver.as_report(state) for waiver, state in waiver_states.get(name, [])],
        )
        apis[name] = entry
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "pytest-sessionapi", "version": __version__},
        "started_at": started_at.isoformat(timespec="seconds"),
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "strict": policy.strict,
        "fail_on": policy.fail_on,
        **({"requirement_selection": list(requirement_patterns)} if requirement_patterns else {}),
        "exit_status": ledger.exit_status,
        "interrupted": facts.interruption(),
        **({"hypothesis": facts.hypothesis} if facts.hypothesis else {}),
        "apis": apis,
    }


def catalogue_digest(api: str) -> str:
    """The SHA-256 of the API's requirements.toml: which catalogue judged the run."""
    import hashlib

    return hashlib.sha256(all_apis()[api].catalogue_path.read_bytes()).hexdigest()


_EVIDENCE_PER_REQUIREMENT = 3


def _evidence_of(
    status: str, result: Any, evidence: dict[str, dict[str, str]], redact: RedactorSet
) -> dict[str, Any]:
    if status not in ("fail", "waived") or result is None or not evidence:
        return {}
    found = [
        {"test": test, **{key: redact.text(value) for key, value in evidence[test].items()}}
        for test in result.tests if test in evidence
    ]
    return {"evidence": found[:_EVIDENCE_PER_REQUIREMENT]} if found else {}


def _quoted(requirement: Any, catalogue: Any) -> dict[str, Any]:
    """The vendor's own words a MUST rests on, and where a vendor can read them."""
    if not requirement.quote:
        return {}
    document = catalogue.documents.get(requirement.document) if catalogue is not None else None
    where = {"title": document.title, **({"url": document.url} if document.url else {})} if document else {}
    return {"quote": requirement.quote, **({"document": where} if where else {})}


def render_markdown(document: dict[str, Any]) -> str:
    lines = [
        "# Conformance report",
        "",
        f"pytest-sessionapi {document['tool']['version']}, run {document['started_at']}"
        f" to {document['finished_at']}, exit status {document['exit_status']}"
        + (", strict mode (SHOULD failures count)" if document["strict"] else ""),
        "",
        *([f"**{document['interrupted']}**", ""] if document.get("interrupted") else []),
        "| API | verdict | target |",
        "| --- | --- | --- |",
    ]
    for name, entry in document["apis"].items():
        lines.append(f"| {name} | **{entry['verdict']}** | {entry['target']} |")
    for name, entry in document["apis"].items():
        lines += ["", f"## {name}: {entry['title']}", "", VERDICT_TEXT[entry["verdict"]], ""]
        if entry.get("verdict_reason"):
            lines += [f"Why: {entry['verdict_reason']}", ""]
        if not entry["requirements"]:
            continue
        lines += ["| requirement | level | basis | status | statement |", "| --- | --- | --- | --- | --- |"]
        for item in entry["requirements"]:
            status = item["status"].upper() if item["status"] == "fail" else item["status"]
            statement = item["statement"].replace("|", "\\|")
            lines.append(
                f"| {item['id']} | {item['level']} | {item['basis']} | {status} | {statement} |"
            )
        failed = [item for item in entry["requirements"] if item["status"] == "fail"]
        if failed:
            lines += ["", "### Failures", ""]
            for item in failed:
                lines.append(f"- **{item['id']}** ({item['level']}), source: {item['source']}")
                for message in item["messages"]:
                    quoted = message.replace("`", "'")[:600]
                    lines.append(f"  - `{quoted}`")
        decided = [item for item in entry["requirements"] if item.get("decision")]
        if decided:
            lines += ["", "### Decisions on points the vendor documents leave open", ""]
            lines += [f"- **{item['id']}**: {item['decision']}" for item in decided]
        if entry.get("waivers"):
            lines += ["", "### Waivers", "", "| requirement | state | reason | expires | ticket |",
                      "| --- | --- | --- | --- | --- |"]
            for waiver in entry["waivers"]:
                cells = [str(waiver.get(key) or "").replace("|", "\\|") for key in
                         ("requirement", "state", "reason", "expires", "ticket")]
                lines.append("| " + " | ".join(cells) + " |")
        if entry["findings"]:
            lines += ["", "### Findings about the vendor documentation itself", ""]
            lines += [f"- **{f['requirement']}**: {f['text']}" for f in entry["findings"]]
    return "\n".join(lines) + "\n"


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _write_atomically(path: Path, text: str) -> None:
    # A reader (a CI step, a dashboard) never sees a half-written report.
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        # mkstemp creates the file 0600; a report is an ordinary file, readable as the user's
        # umask says (a CI artifact step may run as another user).
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_reports(report_dir: Path, document: dict[str, Any], redact: RedactorSet) -> list[Path]:
    json_path = report_dir / "conformance.json"
    md_path = report_dir / "conformance.md"
    _write_atomically(json_path, redact.text(json.dumps(document, indent=2, ensure_ascii=False)) + "\n")
    _write_atomically(md_path, redact.text(render_markdown(document)))
    # Redacted string by string inside, before escaping: an escaped secret no longer matches.
    html_path = report_dir / "conformance.html"
    _write_atomically(html_path, render_html(document, redact=redact.text))
    return [json_path, md_path, html_path]
