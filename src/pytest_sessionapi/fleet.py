"""``sessionapi merge REPORT...``: one view of many targets (regions, tenants, releases).

A QA team runs one CI job per target (GitHub Actions ``strategy.matrix``, GitLab
``parallel:matrix``); each job keeps its ``reports/`` folder. This merges their
``conformance.json`` files into ``fleet.json`` and ``fleet.html``: a table of targets x APIs,
each cell the API's verdict, linking to the evidence (that target's ``conformance.html``, at the
API's section). Nothing is judged again here: a cell says what its report says.
"""

from __future__ import annotations

import html
import json
import os
import sys
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

FLEET_FORMAT = "pytest-sessionapi fleet 1"

_SEVERITY = ("error", "nonconformant", "incomplete", "conformant", "not-run")
"""Worst first: the fleet's verdict for an API is the worst of its targets'."""


class MergeError(Exception):
    pass


def _locate(argument: str) -> tuple[str | None, Path]:
    label, sep, path = argument.partition("=")
    if not sep or Path(argument).exists():
        label, path = None, argument
    report = Path(path)
    if report.is_dir():
        report = report / "conformance.json"
    return label, report


def _load(report: Path) -> dict[str, Any]:
    try:
        document = json.loads(report.read_text(encoding="utf-8"))
    except OSError as exc:
        raise MergeError(f"{report}: cannot read it ({exc.strerror or exc})") from None
    except ValueError as exc:
        raise MergeError(f"{report}: not JSON ({exc})") from None
    if not isinstance(document, dict) or not isinstance(document.get("apis"), dict):
        raise MergeError(f"{report}: not a conformance.json (no 'apis')")
    return document


def _unique(label: str, taken: set[str]) -> str:
    candidate, n = label, 2
    while candidate in taken:
        candidate, n = f"{label} ({n})", n + 1
    taken.add(candidate)
    return candidate


def merge(arguments: list[str], output_dir: Path) -> dict[str, Any]:
    """The fleet document of the reports named by ``arguments`` (``[LABEL=]PATH``); links are
    relative to ``output_dir``, where the fleet report is written."""
    targets = []
    taken: set[str] = set()
    apis: list[str] = []
    for argument in arguments:
        label, report = _locate(argument)
        document = _load(report)
        # A CI artifact is a folder per job: its name is the job's matrix value.
        label = _unique(label or report.resolve().parent.name or str(report), taken)
        page = report.with_name("conformance.html")
        link_base = os.path.relpath(page, output_dir).replace(os.sep, "/") if page.is_file() else None
        cells = {}
        for name, entry in document["apis"].items():
            if name not in apis:
                apis.append(name)
            verdict = entry.get("verdict", "not-run")
            requirements = entry.get("requirements", [])
            cells[name] = {
                "verdict": verdict,
                **({"verdict_reason": entry["verdict_reason"]} if entry.get("verdict_reason") else {}),
                "target": entry.get("target", ""),
                "failed": [r["id"] for r in requirements if r.get("status") == "fail"],
                "not_tested": [r["id"] for r in requirements
                               if r.get("level") == "MUST" and r.get("status") in ("skip", "not-tested")],
                "summary": entry.get("summary", {}),
                **({"evidence": f"{link_base}#api-{_anchor(name)}"} if link_base else {}),
            }
        targets.append({
            "label": label,
            "report": os.path.relpath(report, output_dir).replace(os.sep, "/"),
            **({"html": link_base} if link_base else {}),
            "tool_version": document.get("tool", {}).get("version"),
            "started_at": document.get("started_at"),
            "exit_status": document.get("exit_status"),
            **({"certification": document["bundle"]["verdict"]} if isinstance(document.get("bundle"), dict) else {}),
            "apis": cells,
        })
    summary = {}
    for name in apis:
        verdicts = Counter(t["apis"].get(name, {}).get("verdict", "not-run") for t in targets)
        ran = [v for v in _SEVERITY if verdicts.get(v) and v != "not-run"]
        summary[name] = {
            "verdict": ran[0] if ran else "not-run",
            "targets": dict(sorted(verdicts.items())),
        }
    return {
        "format": FLEET_FORMAT,
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "apis": apis,
        "summary": summary,
        "targets": targets,
    }


def _anchor(value: str) -> str:
    import re

    return re.sub(r"[^A-Za-z0-9_-]", "_", value)


def render_fleet_html(fleet: dict[str, Any]) -> str:
    from .html_report import CONTENT_SECURITY_POLICY, STYLE

    def text(value: Any) -> str:
        return html.escape(str(value), quote=True)

    head = "".join(f"<th>{text(name)}</th>" for name in fleet["apis"])
    rows = []
    for target in fleet["targets"]:
        cells = []
        for name in fleet["apis"]:
            cell = target["apis"].get(name, {"verdict": "not-run"})
            verdict = cell["verdict"]
            shown = text(verdict)
            if cell.get("evidence"):
                shown = f'<a href="{text(cell["evidence"])}">{shown}</a>'
            detail = []
            if cell.get("failed"):
                detail.append("failed: " + ", ".join(cell["failed"]))
            if cell.get("verdict_reason"):
                detail.append(cell["verdict_reason"])
            extra = f'<div class="muted small">{text("; ".join(detail))}</div>' if detail else ""
            cells.append(
                f'<td class="cell verdict-{_anchor(verdict)}" data-verdict="{text(verdict)}">'
                f'<span class="verdict verdict-{_anchor(verdict)}">{shown}</span>{extra}</td>'
            )
        label = text(target["label"])
        if target.get("html"):
            label = f'<a href="{text(target["html"])}">{label}</a>'
        cert = f'<div class="muted small">{text(target["certification"])}</div>' if target.get("certification") else ""
        rows.append(
            f'<tr data-target="{text(target["label"])}"><th scope="row">{label}{cert}'
            f'<div class="muted small">pytest-sessionapi {text(target.get("tool_version"))},'
            f' {text(target.get("started_at"))}</div></th>{"".join(cells)}</tr>'
        )
    summary = "".join(
        f'<td><span class="verdict verdict-{_anchor(s["verdict"])}">{text(s["verdict"])}</span>'
        f'<div class="muted small">{text(", ".join(f"{n} {v}" for v, n in s["targets"].items()))}</div></td>'
        for s in (fleet["summary"][name] for name in fleet["apis"])
    )
    body = "\n".join([
        "<h1>Fleet conformance report</h1>",
        f'<p class="muted">{len(fleet["targets"])} targets, generated {text(fleet["generated_at"])}.'
        " Each cell is the API's verdict on that target; it links to the evidence in that target's report.</p>",
        f'<table class="fleet">\n<thead><tr><th>target</th>{head}</tr></thead>\n<tbody>\n'
        + "\n".join(rows)
        + f'\n</tbody>\n<tfoot><tr><th scope="row">fleet (worst)</th>{summary}</tr></tfoot>\n</table>',
    ])
    return "\n".join([
        "<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{CONTENT_SECURITY_POLICY}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>Fleet conformance report</title>", f"<style>{STYLE}</style>", "</head>", "<body>",
        body, "</body>", "</html>",
    ]) + "\n"


def merge_main(arguments: list[str], output_dir: Path, fail_on: str = "must") -> int:
    from .policy import Policy
    from .reports import _write_atomically

    try:
        fleet = merge(arguments, output_dir)
    except MergeError as exc:
        print(f"sessionapi merge: {exc}", file=sys.stderr)
        return 4
    json_path, html_path = output_dir / "fleet.json", output_dir / "fleet.html"
    _write_atomically(json_path, json.dumps(fleet, indent=2, ensure_ascii=False) + "\n")
    _write_atomically(html_path, render_fleet_html(fleet))
    policy = Policy(fail_on)
    bad = []
    for target in fleet["targets"]:
        line = ", ".join(f"{name} {cell['verdict']}" for name, cell in target["apis"].items())
        print(f"{target['label']}: {line}")
        bad += [
            f"{target['label']}/{n}" for n, c in target["apis"].items()
            if c["verdict"] == "error" or policy.verdict_blocks(c["verdict"])
        ]
    print(f"report: {json_path}")
    print(f"report: {html_path}")
    if bad:
        print(f"failing: {', '.join(bad)}")
    return 1 if bad else 0
