"""``conformance.html``: written beside the JSON on every run that writes reports, redacted,
inert whatever a hostile endpoint put in the messages, and working in a real browser (headless
Chromium): no console error, one row per requirement, and a "failures only" filter that hides the
rest."""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
import sys
import html
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from pytest_sessionapi.html_report import render_html
from pytest_sessionapi.redaction import Redactor

EXAMPLE = Path(__file__).parent / "report_examples" / "nonconformant.json"
FAULT = "unknown-iccid-empty-session"
FAULT_REQUIREMENT = "CC-ERR-UNKNOWN-ICCID"

HOSTILE = (
    "</pre></td></tr></table><script>document.title='pwned'</script>"
    "<img src=x onerror=\"document.body.setAttribute('data-pwned','yes')\">"
    "<a href=\"javascript:document.title='pwned'\">click</a> \"quoted\" & 'single'"
)


@pytest.fixture(scope="module")
def fault_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One real failing run of the Control Center suite (the other APIs not-run): its report
    folder, shared by the tests below so the suite runs once."""
    report_dir = tmp_path_factory.mktemp("reports")
    from tests.conftest import SUITES

    result = subprocess.run(
        [
            sys.executable, "-m", "pytest", str(SUITES / "controlcenter"), "-q", "-p", "no:cacheprovider",
            "--sessionapi-api=controlcenter", f"--sessionapi-reference-variant=controlcenter:{FAULT}",
            f"--sessionapi-report-dir={report_dir}",
        ],
        capture_output=True, text=True, timeout=600, cwd=report_dir,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"report: {report_dir / 'conformance.html'}" in result.stdout
    return report_dir


def _document(report_dir: Path) -> dict[str, Any]:
    return json.loads((report_dir / "conformance.json").read_text(encoding="utf-8"))


def _hostile(document: dict[str, Any]) -> dict[str, Any]:
    """``document`` with vendor-reachable text replaced by markup that would run if unescaped."""
    hostile = copy.deepcopy(document)
    hostile["interrupted"] = HOSTILE
    entry = hostile["apis"]["controlcenter"]
    entry["target"] = HOSTILE
    entry["verdict_reason"] = HOSTILE
    entry["findings"].append({"requirement": FAULT_REQUIREMENT, "text": HOSTILE})
    for item in entry["requirements"]:
        if item["status"] == "fail":
            item["messages"] = [HOSTILE, *item["messages"]]
            item["tests"].append(f"suites/x.py::test[{HOSTILE}]")
    return hostile


# -- written with the others, same content, nothing unescaped -------------------------------------


def test_every_run_that_writes_reports_writes_the_html_beside_the_json(fault_run):
    page = (fault_run / "conformance.html").read_text(encoding="utf-8")
    document = _document(fault_run)
    assert page == render_html(document)
    rows = _Page.parse(page).rows
    assert [row["id"] for row in rows] == [
        f"req-{r['id']}" for entry in document["apis"].values() for r in entry["requirements"]
    ]
    failed = next(r for r in document["apis"]["controlcenter"]["requirements"] if r["status"] == "fail")
    assert failed["id"] == FAULT_REQUIREMENT
    # Its evidence, as the suite recorded it (the response the endpoint gave), escaped.
    assert "an ICCID that is not provisioned was answered 200" in page
    assert "&quot;ipAddress&quot;: null" in page
    for verdict in ("nonconformant", "not-run"):
        assert f'class="verdict verdict-{verdict}"' in page


def test_vendor_controlled_text_is_rendered_inert(fault_run):
    page = render_html(_hostile(_document(fault_run)))
    assert page.count("<script") == 1, "only the page's own script"
    assert "<img" not in page and 'href="javascript' not in page
    assert "&lt;script&gt;document.title=&#x27;pwned&#x27;&lt;/script&gt;" in page
    assert "&quot;quoted&quot; &amp; &#x27;single&#x27;" in page


def test_urls_are_links_only_in_the_catalogue_text():
    document = _minimal_document(
        source="vendor page <https://developer.example.com/docs/a_(b)?q=1&r=2>: \"quoted\".",
        message="see https://evil.example.net/login for details",
    )
    page = render_html(document)
    assert (
        '<a href="https://developer.example.com/docs/a_(b)?q=1&amp;r=2" rel="noopener noreferrer">'
        "https://developer.example.com/docs/a_(b)?q=1&amp;r=2</a>&gt;: &quot;quoted&quot;." in page
    )
    assert "see https://evil.example.net/login for details" in page
    assert 'href="https://evil' not in page


def test_secrets_are_masked_before_escaping_so_markup_in_a_secret_cannot_hide_it():
    secret = "p&ss<w>rd\"42"
    document = _minimal_document(
        source=f"https://x.example.com/{secret}", message=f"Authorization: Basic {secret}"
    )
    document["apis"]["controlcenter"]["target"] = f"https://user:{secret}@rws.example.com"
    page = render_html(document, redact=Redactor([secret]).text)
    assert secret not in page and html.escape(secret) not in page
    assert "Authorization: Basic ***" in page and "https://user:***@rws.example.com" in page


def _minimal_document(*, source: str, message: str) -> dict[str, Any]:
    requirement = {
        "id": "CC-EXAMPLE", "level": "MUST", "basis": "documented", "status": "fail",
        "statement": "A statement.", "source": source, "tests": ["suites/t.py::test_x"],
        "messages": [message],
    }
    return {
        "schema_version": 1, "tool": {"name": "pytest-sessionapi", "version": "0.0.0"},
        "started_at": "2026-01-01T00:00:00+00:00", "finished_at": "2026-01-01T00:00:01+00:00",
        "strict": False, "exit_status": 1, "interrupted": None,
        "apis": {
            "controlcenter": {
                "title": "Control Center", "target": "embedded reference", "verdict": "nonconformant",
                "summary": {"MUST": {"fail": 1}, "SHOULD": {}}, "tests": {"selected": 1, "finished": 1},
                "requests": 1, "resent_requests": 0, "requirements": [requirement], "findings": [],
            }
        },
    }


# -- in a real browser ---------------------------------------------------------------------------

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

needs_chromium = pytest.mark.skipif(
    not Path(CHROMIUM).is_file(),
    reason="no Chromium browser (/usr/bin/chromium): install Debian's 'chromium' package "
    "(apt-get install chromium) to run the report's browser checks",
)


class _Page(HTMLParser):
    """The requirement rows of a (rendered) page, and the filter's count of what is shown."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[dict[str, Any]] = []
        self.shown = ""
        self.title = ""
        self.body_attrs: dict[str, str | None] = {}
        self._in: str | None = None
        self._in_body = False

    @classmethod
    def parse(cls, text: str) -> _Page:
        page = cls()
        page.feed(text)
        return page

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "tr" and "data-status" in attributes:
            self.rows.append(attributes)
        elif tag == "body":
            self.body_attrs = attributes
            self._in_body = True
        elif tag == "output" or (tag == "title" and not self._in_body):  # not the charts' SVG titles
            self._in = tag

    def handle_endtag(self, tag: str) -> None:
        if tag == self._in:
            self._in = None

    def handle_data(self, data: str) -> None:
        if self._in == "output":
            self.shown += data
        elif self._in == "title":
            self.title += data


def _open_in_chromium(page: Path, profile: Path, fragment: str = "") -> tuple[_Page, list[str]]:
    """The DOM after the page's script ran, and every console message the page produced
    (errors, Content-Security-Policy violations, blocked loads)."""
    result = subprocess.run(
        [
            CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run",
            f"--user-data-dir={profile}", "--enable-logging=stderr", "--log-level=0",
            "--dump-dom", page.as_uri() + fragment,
        ],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0 and "</html>" in result.stdout, result.stderr[-3000:]
    console = [line for line in result.stderr.splitlines() if ":CONSOLE" in line]
    return _Page.parse(result.stdout), console


@needs_chromium
def test_the_page_renders_one_row_per_requirement_without_a_console_message(fault_run, tmp_path):
    document = _document(fault_run)
    total = sum(len(entry["requirements"]) for entry in document["apis"].values())
    page, console = _open_in_chromium(fault_run / "conformance.html", tmp_path)
    assert console == []
    assert len(page.rows) == total
    assert not any("hidden" in row for row in page.rows)
    assert page.shown == f"showing all {total} of {total} requirements"


@needs_chromium
def test_failures_only_hides_every_row_that_did_not_fail(fault_run, tmp_path):
    page, console = _open_in_chromium(fault_run / "conformance.html", tmp_path, "#failures")
    assert console == []
    shown = [row["id"] for row in page.rows if "hidden" not in row]
    assert shown == [f"req-{FAULT_REQUIREMENT}"]
    assert {row["data-status"] for row in page.rows if "hidden" in row} == {"pass"}
    # Counted from what the browser laid out, not from the attributes the script set.
    assert page.shown == f"showing 1 failed of {len(page.rows)} requirements"


@needs_chromium
def test_hostile_text_runs_nothing_in_the_browser(fault_run, tmp_path):
    target = tmp_path / "hostile.html"
    target.write_text(render_html(_hostile(_document(fault_run))), encoding="utf-8")
    version = _document(fault_run)["tool"]["version"]
    page, console = _open_in_chromium(target, tmp_path / "profile", "#failures")
    # An injected script or image would run, or be blocked by the page's policy and say so here.
    assert console == []
    assert page.title == f"Conformance report: pytest-sessionapi {version}"
    assert "data-pwned" not in page.body_attrs
    assert page.shown == f"showing 1 failed of {len(page.rows)} requirements"


@needs_chromium
def test_a_waived_failure_stays_under_failures_only_with_its_waiver(tmp_path):
    document = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    entry = document["apis"]["controlcenter"]
    waiver = {
        "requirement": FAULT_REQUIREMENT, "reason": "vendor fix due in 2.4", "expires": "2999-01-01",
        "ticket": "VND-17", "state": "applied",
    }
    for item in entry["requirements"]:
        if item["id"] == FAULT_REQUIREMENT:
            item.update(status="waived", waiver=waiver)
    entry["waivers"] = [waiver]
    target = tmp_path / "waived.html"
    target.write_text(render_html(document), encoding="utf-8")
    page, console = _open_in_chromium(target, tmp_path / "profile", "#failures")
    assert console == []
    assert [row["id"] for row in page.rows if "hidden" not in row] == [f"req-{FAULT_REQUIREMENT}"]
    text = target.read_text(encoding="utf-8")
    assert "<strong>Waived</strong> until 2999-01-01, ticket VND-17: vendor fix due in 2.4" in text


# -- the report as a document: evidence, chart, environment, print ----------------------------------


def test_each_failure_shows_its_exchange_masked_and_its_curl_line(fault_run):
    document = _document(fault_run)
    failed = next(r for r in document["apis"]["controlcenter"]["requirements"] if r["status"] == "fail")
    assert failed["evidence"], "the failure carries the wire it was found on"
    wire = failed["evidence"][0]
    assert wire["test"] in failed["tests"]
    assert "authorization: ***" in wire["exchange"]
    assert wire["curl"].startswith("curl -X GET http://127.0.0.1:8080/rws/api/v1/devices/")
    page = (fault_run / "conformance.html").read_text(encoding="utf-8")
    assert f'<pre class="curl">{html.escape(wire["curl"])}</pre>' in page
    assert f'<pre class="exchange">{html.escape(wire["exchange"])}</pre>' in page


def test_each_api_that_ran_has_a_chart_and_its_environment(fault_run):
    document = _document(fault_run)
    page = (fault_run / "conformance.html").read_text(encoding="utf-8")
    entry = document["apis"]["controlcenter"]
    assert page.count("<svg ") == 1, "one chart per API that ran (the others did not)"
    must = entry["summary"]["MUST"]
    assert must["fail"] == 1 and must["pass"] > 20
    assert "<title>MUST: 1 fail</title>" in page and f"<title>MUST: {must['pass']} pass</title>" in page
    assert f"<code>{entry['catalogue']['sha256']}</code>" in page
    assert f"pytest-sessionapi {document['tool']['version']}" in page
    assert "src=" not in page and "url(" not in page, "no external asset"


def _measured(page: Path, tmp_path: Path, script: str) -> str:
    """What ``script`` writes into ``data-measured`` once Chromium laid the page out (a copy of
    the page whose policy admits that one script)."""
    import re

    text = page.read_text(encoding="utf-8")
    text = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", text)
    text = text.replace("</body>", f"<script>{script}</script></body>")
    copy_path = tmp_path / "measured.html"
    copy_path.write_text(text, encoding="utf-8")
    result = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1280,900", "--dump-dom", copy_path.as_uri()],
        capture_output=True, text=True, timeout=120,
    )
    return _Page.parse(result.stdout).body_attrs.get("data-measured") or ""


@needs_chromium
def test_the_source_column_is_readable(fault_run, tmp_path):
    width = _measured(
        fault_run / "conformance.html", tmp_path,
        "document.body.setAttribute('data-measured', String(Math.round("
        "document.querySelector('#api-controlcenter td.source').getBoundingClientRect().width)));",
    )
    assert int(width) >= 250, f"the source column is {width} px wide"


@needs_chromium
def test_headless_chromium_prints_the_report_to_pdf(fault_run, tmp_path):
    pdf = tmp_path / "report.pdf"
    result = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--no-pdf-header-footer",
         f"--user-data-dir={tmp_path / 'profile'}", f"--print-to-pdf={pdf}",
         (fault_run / "conformance.html").as_uri()],
        capture_output=True, text=True, timeout=120,
    )
    assert pdf.is_file(), result.stderr[-2000:]
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF-")
    assert data.count(b"/Type /Page") - data.count(b"/Type /Pages") >= 2, "the report spans pages"


def test_the_print_layout_shows_every_row_and_hides_the_filter():
    from pytest_sessionapi.html_report import STYLE

    printed = STYLE[STYLE.index("@media print"):]
    assert ".filter" in printed and "display: none" in printed
    assert "[hidden] { display: revert !important; }" in printed, "a filtered page prints whole"


def test_a_bundled_report_shows_the_certification_and_the_traffic_digest():
    document = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    document["bundle"] = {"verdict": "not-certified", "policy": "every MUST passed", "cassettes": 3,
                          "traffic_sha256": "ab" * 32}
    page = render_html(document)
    assert "<strong>not-certified</strong>" in page
    assert f"3 cassettes, SHA-256 {'ab' * 32}" in page


# -- the fleet page ---------------------------------------------------------------------------------


@pytest.fixture
def fleet(fault_run, tmp_path) -> Path:
    """Three per-target report folders (one real run, two variations of it) merged."""
    for label, verdict in (("eu-west", None), ("us-east", "conformant"), ("ap-south", "incomplete")):
        folder = tmp_path / label
        folder.mkdir()
        document = _document(fault_run)
        if verdict:
            document["apis"]["controlcenter"]["verdict"] = verdict
            document["apis"]["controlcenter"]["verdict_reason"] = "1 MUST requirement(s) not tested: CC-X"
        (folder / "conformance.json").write_text(json.dumps(document), encoding="utf-8")
        (folder / "conformance.html").write_text(render_html(document), encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "pytest_sessionapi", "merge", "eu-west", "us-east", "ap-south", "-o", "fleet"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 1, result.stdout + result.stderr  # eu-west is nonconformant
    assert "failing: eu-west/controlcenter" in result.stdout
    return tmp_path / "fleet"


class _Cells(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.cells: list[dict[str, str | None]] = []
        self.links: list[str] = []
        self._cell: dict[str, str | None] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "td" and "data-verdict" in attributes:
            self._cell = attributes
            self.cells.append(attributes)
        elif tag == "a" and self._cell is not None:
            self._cell["href"] = attributes.get("href")

    def handle_endtag(self, tag: str) -> None:
        if tag == "td":
            self._cell = None


def test_merge_writes_a_fleet_json_and_a_table_whose_cells_link_to_the_evidence(fleet):
    data = json.loads((fleet / "fleet.json").read_text(encoding="utf-8"))
    assert [t["label"] for t in data["targets"]] == ["eu-west", "us-east", "ap-south"]
    assert data["apis"] == ["biot", "controlcenter", "umts"]
    assert data["summary"]["controlcenter"]["verdict"] == "nonconformant"
    cell = data["targets"][0]["apis"]["controlcenter"]
    assert cell["failed"] == [FAULT_REQUIREMENT]
    assert cell["evidence"] == "../eu-west/conformance.html#api-controlcenter"
    cells = _Cells()
    cells.feed((fleet / "fleet.html").read_text(encoding="utf-8"))
    assert len(cells.cells) == 3 * 3
    for found in cells.cells:
        page, _, anchor = str(found["href"]).partition("#")
        assert (fleet / page).resolve().is_file() and anchor.startswith("api-")


@needs_chromium
def test_the_fleet_page_renders_in_chromium_without_a_console_message(fleet, tmp_path):
    result = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         f"--user-data-dir={tmp_path / 'profile'}", "--enable-logging=stderr", "--log-level=0",
         "--dump-dom", (fleet / "fleet.html").as_uri()],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0 and "</html>" in result.stdout, result.stderr[-3000:]
    assert [line for line in result.stderr.splitlines() if ":CONSOLE" in line] == []
    cells = _Cells()
    cells.feed(result.stdout)
    assert [c["data-verdict"] for c in cells.cells][3:6] == ["not-run", "conformant", "not-run"]
