"""``conformance.html``: what ``conformance.json`` says, for people who open it in a browser.

One self-contained file: its style and its one script are inline, and a Content-Security-Policy
that admits exactly those two (by hash) keeps the page from loading anything else, so it can be
opened offline, attached to a ticket or kept as a CI artifact. Everything is rendered on the server
side; the script only filters, so the page reads the same with scripts off.

Vendor-controlled text reaches the report (a hostile endpoint's body lands in the messages), so
every string from the document is redacted, then escaped, and only the catalogue's own text
(sources and decisions) has its URLs made into links.
"""

from __future__ import annotations

import base64
import hashlib
import html
import re
from collections.abc import Callable, Iterable
from typing import Any

from .verdicts import VERDICT_TEXT

Redact = Callable[[str], str]

EXIT_STATUS_TEXT = {
    0: "every MUST requirement that ran passed",
    1: "the run failed by the rule in 'fails the run'; see the verdicts",
    2: "the run was interrupted",
    3: "internal error",
    4: "usage or setup error",
    5: "no test was collected",
}

STATUS_ORDER = ("fail", "waived", "pass", "skip", "not-tested", "not-run")

FAILURE_STATUSES = ("fail", "waived")
"""What "failures only" keeps: a waived requirement failed too; the run only accepted it."""

FAIL_ON_TEXT = {
    "must": "a failed MUST requirement fails the run; SHOULD failures are reported",
    "should": "any failed requirement fails the run",
    "incomplete": "any failed requirement, or an API whose MUST requirements were not all tested, fails the run",
}

_URL = re.compile(r"https?://[^\s<>\"'`]+")
_URL_TRAILER = ".,;:!?)]}"

_STYLE = """
:root { color-scheme: light; --fail: #b42318; --pass: #067647; --warn: #b54708; --muted: #475467; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0 auto;
       max-width: 1400px; padding: 1rem 1.5rem 3rem; color: #101828; }
h1 { font-size: 1.6rem; margin: 0.5rem 0; }
h2 { font-size: 1.3rem; margin-top: 2.5rem; border-bottom: 2px solid #d0d5dd; padding-bottom: 0.2rem; }
h3 { font-size: 1.05rem; margin-top: 1.5rem; }
table { border-collapse: collapse; margin: 0.5rem 0; }
th, td { border: 1px solid #d0d5dd; padding: 0.3rem 0.5rem; text-align: left; vertical-align: top; }
th { background: #f2f4f7; }
table.run th { background: none; font-weight: 600; border: none; padding-left: 0; }
table.run td { border: none; }
table.requirements { width: 100%; table-layout: fixed; }
table.requirements col.id { width: 15rem; }
table.requirements col.level { width: 4.5rem; }
table.requirements col.basis { width: 7rem; }
table.requirements col.status { width: 6.5rem; }
table.requirements col.source { width: 30%; }
table.requirements td { overflow-wrap: anywhere; }
table.requirements td.source { font-size: 0.9em; color: var(--muted); }
.chart { display: flex; flex-wrap: wrap; gap: 0.3rem 1.5rem; align-items: center; margin: 0.5rem 0; }
.chart svg { display: block; }
.legend { display: flex; gap: 1rem; font-size: 0.85em; color: var(--muted); }
.legend span::before { content: ""; display: inline-block; width: 0.8em; height: 0.8em; margin-right: 0.3em;
                       vertical-align: -0.05em; background: var(--swatch); }
.legend .pass { --swatch: #12b76a; } .legend .fail { --swatch: #d92d20; }
.legend .waived { --swatch: #fdb022; } .legend .untested { --swatch: #98a2b3; }
pre.exchange { max-height: 28rem; overflow: auto; }
pre.curl { background: #101828; color: #f2f4f7; }
table.fleet td.cell { min-width: 9rem; }
.verdict a { color: inherit; }
table.fleet tfoot th, table.fleet tfoot td { border-top: 2px solid #98a2b3; }
.small { font-size: 0.8em; font-weight: 400; }
.environment td { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 0.9em; }
@media print {
  @page { size: A4; margin: 14mm 12mm; }
  body { max-width: none; padding: 0; font-size: 10pt; }
  .filter, .no-print { display: none !important; }
  [hidden] { display: revert !important; }
  tr.no-failures { display: none !important; }
  thead { display: table-header-group; }
  tr, .evidence, pre, .chart { break-inside: avoid; }
  h2 { break-before: page; }
  h2:first-of-type { break-before: auto; }
  pre.exchange { max-height: none; overflow: visible; }
  pre.curl { background: #f9fafb; color: #101828; }
  a { color: inherit; text-decoration: none; }
  tr.status-fail td, tr.status-waived td { print-color-adjust: exact; -webkit-print-color-adjust: exact; }
}
tr.status-fail td { background: #fef3f2; }
[hidden] { display: none !important; }
.status, .verdict { font-weight: 700; white-space: nowrap; }
.status-fail .status, .verdict-nonconformant, .verdict-error { color: var(--fail); }
.status-pass .status, .verdict-conformant { color: var(--pass); }
.status-skip .status, .status-not-tested .status, .status-waived .status, .verdict-incomplete { color: var(--warn); }
tr.status-waived td { background: #fffaeb; }
.status-not-run .status { color: var(--muted); }
.verdict-not-run { color: var(--muted); }
.filter { position: sticky; top: 0; background: #fff; padding: 0.5rem 0; border-bottom: 1px solid #eaecf0; }
.filter output { margin-left: 1rem; color: var(--muted); }
.evidence { border-left: 4px solid var(--fail); padding: 0.1rem 0 0.1rem 0.8rem; margin: 1rem 0; }
.evidence.note { border-left-color: var(--warn); }
pre { white-space: pre-wrap; word-break: break-word; background: #f9fafb; border: 1px solid #eaecf0;
      padding: 0.4rem 0.6rem; margin: 0.3rem 0; font-size: 0.9em; }
.interrupted { color: var(--warn); font-weight: 700; }
.muted { color: var(--muted); }
"""

# Filters the requirement rows (and the notes on requirements that did not fail) to failures; `#failures` in the
# URL applies the filter on load, so a link can point straight at what went wrong. The count is
# read from what the browser laid out, not from the attributes the script set.
_SCRIPT = """
(function () {
  "use strict";
  var FAILURES = ["fail", "waived"];
  var box = document.getElementById("failures-only");
  var shown = document.getElementById("shown");
  function apply() {
    var only = box.checked;
    document.querySelectorAll("[data-status]").forEach(function (element) {
      element.hidden = only && FAILURES.indexOf(element.getAttribute("data-status")) < 0;
    });
    document.querySelectorAll("tr.no-failures").forEach(function (row) {
      var failed = FAILURES.some(function (status) {
        return row.parentNode.querySelector("tr[data-status='" + status + "']") !== null;
      });
      row.hidden = !only || failed;
    });
    var rows = document.querySelectorAll("tr[data-status]");
    var visible = 0;
    rows.forEach(function (row) { if (row.getClientRects().length > 0) { visible += 1; } });
    shown.textContent = only
      ? "showing " + visible + " failed of " + rows.length + " requirements"
      : "showing all " + visible + " of " + rows.length + " requirements";
  }
  function fromHash() {
    box.checked = window.location.hash === "#failures";
    apply();
  }
  box.addEventListener("change", function () {
    window.history.replaceState(null, "", box.checked ? "#failures" : "#");
    apply();
  });
  window.addEventListener("hashchange", fromHash);
  fromHash();
})();
"""


STYLE = _STYLE
"""The style sheet, shared by the fleet page (:mod:`.fleet`), so one policy admits both."""


def _csp_hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode() + "'"


CONTENT_SECURITY_POLICY = (
    f"default-src 'none'; style-src {_csp_hash(_STYLE)}; script-src {_csp_hash(_SCRIPT)}; "
    "base-uri 'none'; form-action 'none'"
)
"""Only the page's own style and script run; no image, font, frame or request of any kind."""


def _anchor(value: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "_", value)


class _Renderer:
    def __init__(self, redact: Redact) -> None:
        self.redact = redact

    def text(self, value: Any) -> str:
        # Redact first: once escaped, a secret holding '&' or '<' no longer reads as itself.
        return html.escape(self.redact(str(value)), quote=True)

    def linked(self, value: str) -> str:
        """``value`` escaped, its http(s) URLs made into links (for the catalogue's own text)."""
        value = self.redact(value)
        parts, last = [], 0
        for match in _URL.finditer(value):
            url = match.group().rstrip(_URL_TRAILER)
            start, end = match.start(), match.start() + len(url)
            parts.append(html.escape(value[last:start], quote=True))
            href = html.escape(url, quote=True)
            parts.append(f'<a href="{href}" rel="noopener noreferrer">{href}</a>')
            last = end
        parts.append(html.escape(value[last:], quote=True))
        return "".join(parts)

    # -- the page ---------------------------------------------------------------------------
    def page(self, document: dict[str, Any]) -> str:
        tool = document["tool"]
        apis: dict[str, dict[str, Any]] = document["apis"]
        total = sum(len(entry["requirements"]) for entry in apis.values())
        body = [
            "<h1>Conformance report</h1>",
            self.run_info(document),
            self.overview(apis),
            '<p class="filter"><label><input type="checkbox" id="failures-only"> failures only</label>'
            f' <output id="shown">showing all {total} of {total} requirements</output></p>',
            *(self.api_section(name, entry) for name, entry in apis.items()),
        ]
        return "\n".join(
            [
                "<!DOCTYPE html>",
                '<html lang="en">',
                "<head>",
                '<meta charset="utf-8">',
                f'<meta http-equiv="Content-Security-Policy" content="{CONTENT_SECURITY_POLICY}">',
                '<meta name="viewport" content="width=device-width, initial-scale=1">',
                f"<title>Conformance report: {self.text(tool['name'])} {self.text(tool['version'])}</title>",
                f"<style>{_STYLE}</style>",
                "</head>",
                "<body>",
                *body,
                f"<script>{_SCRIPT}</script>",
                "</body>",
                "</html>",
            ]
        ) + "\n"

    def run_info(self, document: dict[str, Any]) -> str:
        status = document["exit_status"]
        meaning = EXIT_STATUS_TEXT.get(status)
        interrupted = document.get("interrupted")
        rows = [
            ("tool", f"{self.text(document['tool']['name'])} {self.text(document['tool']['version'])}"),
            ("started", self.text(document["started_at"])),
            ("finished", self.text(document["finished_at"])),
            ("exit status", self.text(status) + (f" ({self.text(meaning)})" if meaning else "")),
            ("fails the run", self.text(self.fail_on(document))),
            *(
                [("requirements selected", self.text(", ".join(document["requirement_selection"])))]
                if document.get("requirement_selection") else []
            ),
            (
                "interrupted",
                f'<span class="interrupted">{self.text(interrupted)}</span>' if interrupted
                else "no: the run went to its end",
            ),
        ]
        if isinstance(document.get("hypothesis"), dict):
            settings = ", ".join(f"{key} {value}" for key, value in document["hypothesis"].items())
            rows.append(("Hypothesis", self.text(settings)))
        bundle = document.get("bundle")
        if isinstance(bundle, dict):
            rows.append(("certification", f'<strong>{self.text(bundle.get("verdict", ""))}</strong>'
                         + (f" ({self.text(bundle['policy'])})" if bundle.get("policy") else "")))
            rows.append(("recorded traffic", self.text(
                f"{bundle.get('cassettes', 0)} cassettes, SHA-256 {bundle.get('traffic_sha256', '')}"
            )))
            rows.append(("bundle", self.text(
                "every file of the bundle is listed with its SHA-256 in manifest.json; "
                "`sessionapi verify BUNDLE` checks them and re-judges the traffic"
            )))
        cells = "\n".join(f"<tr><th>{label}</th><td>{value}</td></tr>" for label, value in rows)
        return f'<table class="run">\n{cells}\n</table>'

    @staticmethod
    def fail_on(document: dict[str, Any]) -> str:
        fail_on = document.get("fail_on") or ("should" if document["strict"] else "must")
        text = FAIL_ON_TEXT.get(fail_on, fail_on)
        return f"{text} (strict mode)" if document["strict"] else text

    def overview(self, apis: dict[str, dict[str, Any]]) -> str:
        rows = []
        for name, entry in apis.items():
            verdict = entry["verdict"]
            tests = entry.get("tests")
            rows.append(
                "<tr>"
                f'<td><a href="#api-{_anchor(name)}">{self.text(name)}</a></td>'
                f'<td class="verdict verdict-{_anchor(verdict)}">{self.text(verdict)}</td>'
                f"<td>{self.counts(entry.get('summary', {}).get('MUST'))}</td>"
                f"<td>{self.counts(entry.get('summary', {}).get('SHOULD'))}</td>"
                f"<td>{self.tests_line(tests) if tests else ''}</td>"
                f"<td>{self.text(entry['target'])}</td>"
                "</tr>"
            )
        return (
            "<table class=\"overview\">\n<thead><tr><th>API</th><th>verdict</th><th>MUST</th>"
            "<th>SHOULD</th><th>tests finished</th><th>target</th></tr></thead>\n<tbody>\n"
            + "\n".join(rows)
            + "\n</tbody>\n</table>"
        )

    def tests_line(self, tests: dict[str, int]) -> str:
        return self.text(f"{tests['finished']} of {tests['selected']}")

    def counts(self, counts: dict[str, int] | None) -> str:
        if not counts:
            return ""
        ordered = [s for s in STATUS_ORDER if s in counts] + sorted(set(counts) - set(STATUS_ORDER))
        return ", ".join(f"{self.text(counts[s])} {self.text(s)}" for s in ordered)

    def api_section(self, name: str, entry: dict[str, Any]) -> str:
        verdict = entry["verdict"]
        parts = [
            f'<section class="api" id="api-{_anchor(name)}">',
            f"<h2>{self.text(name)}: {self.text(entry['title'])}</h2>",
            f'<p><span class="verdict verdict-{_anchor(verdict)}">{self.text(verdict)}</span>'
            f"{self.text(VERDICT_TEXT.get(verdict, verdict).removeprefix(verdict))}</p>",
        ]
        if entry.get("verdict_reason"):
            parts.append(f"<p>Why: {self.text(entry['verdict_reason'])}</p>")
        facts = [("target", self.text(entry["target"]))]
        if "tests" in entry:
            facts.append(("tests", self.tests_line(entry["tests"]) + " selected ran to the end"))
        if "requests" in entry:
            resent = entry.get("resent_requests", 0)
            facts.append(("requests", self.text(f"{entry['requests']} sent, {resent} of them sent again")))
        for level in ("MUST", "SHOULD"):
            if entry.get("summary", {}).get(level):
                facts.append((level, self.counts(entry["summary"][level])))
        catalogue = entry.get("catalogue")
        if isinstance(catalogue, dict) and catalogue.get("sha256"):
            facts.append((
                "catalogue",
                f'<code>{self.text(catalogue["sha256"])}</code> (SHA-256 of requirements.toml,'
                f' {self.text(catalogue.get("requirements", "?"))} requirements)',
            ))
        parts.append(
            '<table class="run">\n'
            + "\n".join(f"<tr><th>{label}</th><td>{value}</td></tr>" for label, value in facts)
            + "\n</table>"
        )
        if entry.get("summary"):
            parts.append(self.chart(name, entry["summary"]))
        requirements = entry["requirements"]
        if requirements:
            parts.append(self.requirement_table(requirements))
            parts.extend(self.evidence(requirements))
            parts.extend(self.decisions(requirements))
        if entry.get("waivers"):
            parts.append(self.waivers(entry["waivers"]))
        if entry.get("findings"):
            parts.append("<h3>Findings about the vendor documentation itself</h3>")
            parts.append("<p class=\"muted\">They never affect the verdict.</p>")
            parts.append(
                "<ul>\n"
                + "\n".join(
                    f"<li><strong>{self.text(f['requirement'])}</strong>: {self.text(f['text'])}</li>"
                    for f in entry["findings"]
                )
                + "\n</ul>"
            )
        parts.append("</section>")
        return "\n".join(parts)

    _BANDS = (("pass", ("pass",), "#12b76a"), ("fail", ("fail",), "#d92d20"),
              ("waived", ("waived",), "#fdb022"), ("untested", ("skip", "not-tested", "not-run"), "#98a2b3"))

    def chart(self, name: str, summary: dict[str, dict[str, int]]) -> str:
        """One bar per level, its segments the requirements that passed, failed, were waived and
        were not tested: inline SVG, drawn with attributes only (no style, nothing loaded)."""
        width, height, label_width = 420, 18, 70
        rows = []
        for row, level in enumerate(("MUST", "SHOULD")):
            counts = summary.get(level) or {}
            total = sum(counts.values())
            y = row * (height + 8)
            rows.append(f'<text x="0" y="{y + 13}" font-size="12" fill="#344054">{level}</text>')
            x = float(label_width)
            described = []
            for band, statuses, colour in self._BANDS:
                count = sum(counts.get(status, 0) for status in statuses)
                if not count:
                    continue
                share = (width - label_width - 40) * count / total
                rows.append(
                    f'<rect x="{x:.1f}" y="{y}" width="{share:.1f}" height="{height}" fill="{colour}">'
                    f"<title>{level}: {count} {band}</title></rect>"
                )
                x += share
                described.append(f"{count} {band}")
            rows.append(f'<text x="{x + 4:.1f}" y="{y + 13}" font-size="12" fill="#344054">{total}</text>')
        label = self.text(f"{name}: requirements by level and status")
        svg_height = 2 * (height + 8)
        return (
            f'<figure class="chart" aria-label="{label}">'
            f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{svg_height}"'
            f' viewBox="0 0 {width} {svg_height}"><title>{label}</title>{"".join(rows)}</svg>'
            '<figcaption class="legend"><span class="pass">pass</span><span class="fail">fail</span>'
            '<span class="waived">waived</span><span class="untested">not tested</span></figcaption>'
            "</figure>"
        )

    def waivers(self, waivers: list[dict[str, Any]]) -> str:
        rows = "\n".join(
            f"<tr><td>{self.text(w.get('requirement', ''))}</td><td>{self.text(w.get('state', ''))}</td>"
            f"<td>{self.text(w.get('expires', ''))}</td><td>{self.text(w.get('ticket', ''))}</td>"
            f"<td>{self.text(w.get('reason', ''))}</td></tr>"
            for w in waivers
        )
        return (
            "<h3>Waivers</h3>\n<table class=\"waivers\">\n<thead><tr><th>requirement</th><th>state</th>"
            "<th>expires</th><th>ticket</th><th>reason</th></tr></thead>\n<tbody>\n"
            + rows
            + "\n</tbody>\n</table>"
        )

    def requirement_table(self, requirements: list[dict[str, Any]]) -> str:
        rows = []
        for item in requirements:
            status = item["status"]
            ident = self.text(item["id"])
            if item["messages"]:
                ident = f'<a href="#evidence-{_anchor(item["id"])}">{ident}</a>'
            rows.append(
                f'<tr id="req-{_anchor(item["id"])}" class="status-{_anchor(status)}"'
                f' data-status="{self.text(status)}">'
                f"<td>{ident}</td><td>{self.text(item['level'])}</td><td>{self.text(item['basis'])}</td>"
                f'<td class="status">{self.text(status)}</td>'
                f'<td class="statement">{self.text(item["statement"])}</td>'
                f'<td class="source">{self.linked(item["source"])}</td></tr>'
            )
        rows.append('<tr class="no-failures" hidden><td colspan="6">no requirement failed</td></tr>')
        return (
            '<table class="requirements">\n<colgroup><col class="id"><col class="level"><col class="basis">'
            '<col class="status"><col class="statement"><col class="source"></colgroup>\n<thead><tr><th>requirement</th><th>level</th><th>basis</th>'
            "<th>status</th><th>statement</th><th>source</th></tr></thead>\n<tbody>\n"
            + "\n".join(rows)
            + "\n</tbody>\n</table>"
        )

    def evidence(self, requirements: list[dict[str, Any]]) -> Iterable[str]:
        failed = [r for r in requirements if r["status"] in FAILURE_STATUSES]
        if failed:
            yield "<h3>Failures and their evidence</h3>"
            yield from (self.evidence_block(item) for item in failed)
        explained = [r for r in requirements if r["status"] not in FAILURE_STATUSES and r["messages"]]
        if explained:
            yield '<h3 data-status="not-failed">Notes on requirements that did not fail</h3>'
            yield from (self.evidence_block(item, note=True) for item in explained)

    def evidence_block(self, item: dict[str, Any], note: bool = False) -> str:
        tests = "".join(f"<li><code>{self.text(test)}</code></li>" for test in item["tests"])
        messages = "\n".join(f"<pre>{self.text(message)}</pre>" for message in item["messages"])
        status = self.text(item["status"])
        return "\n".join(
            [
                f'<div class="evidence{" note" if note else ""}" id="evidence-{_anchor(item["id"])}"'
                f' data-status="{status}">',
                f"<h4>{self.text(item['id'])} ({self.text(item['level'])}, {self.text(item['basis'])}):"
                f" {status}</h4>",
                f"<p>{self.text(item['statement'])}</p>",
                f'<p class="source">Source: {self.linked(item["source"])}</p>',
                *([self.waiver_line(item["waiver"])] if item.get("waiver") else []),
                *([f"<p>Tests:</p><ul>{tests}</ul>"] if tests else []),
                messages,
                *(self.wire(wire) for wire in item.get("evidence", [])),
                "</div>",
            ]
        )

    def wire(self, wire: dict[str, Any]) -> str:
        """What was said on the wire when a test failed the requirement, masked, and the curl
        line that says it again."""
        parts = [f'<p class="wire">Exchange of <code>{self.text(wire.get("test", ""))}</code>'
                 " (credentials masked):</p>",
                 f'<pre class="exchange">{self.text(wire.get("exchange", ""))}</pre>']
        if wire.get("curl"):
            parts.append('<p class="wire">Reproduce (masked values from environment variables):</p>')
            parts.append(f'<pre class="curl">{self.text(wire["curl"])}</pre>')
        return "\n".join(parts)

    def waiver_line(self, waiver: dict[str, Any]) -> str:
        ticket = f", ticket {self.text(waiver['ticket'])}" if waiver.get("ticket") else ""
        return (
            f"<p><strong>Waived</strong> until {self.text(waiver.get('expires', '?'))}{ticket}:"
            f" {self.text(waiver.get('reason', ''))}</p>"
        )

    def decisions(self, requirements: list[dict[str, Any]]) -> Iterable[str]:
        decided = [r for r in requirements if r.get("decision")]
        if not decided:
            return
        yield "<h3>Decisions on points the vendor documents leave open</h3>"
        yield (
            "<dl>\n"
            + "\n".join(
                f"<dt>{self.text(r['id'])}</dt><dd>{self.linked(r['decision'])}</dd>" for r in decided
            )
            + "\n</dl>"
        )


def render_html(document: dict[str, Any], redact: Redact = lambda text: text) -> str:
    """The page for ``document`` (a :func:`reports.build_document` result). ``redact`` (the run's
    ``RedactorSet.text``) is applied to every string before it is escaped."""
    return _Renderer(redact).page(document)
