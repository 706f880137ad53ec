"""The findings about the UMTS vendor page quote the page: every ``PAGE_*`` quote of the suite's
vendor-examples test occurs verbatim in the stored copy of the page."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "tests" / "vendor_pages" / "sdwan-20.18-updateUmtsSessionStatus.json"
SUITE = ROOT / "suites" / "umts" / "test_umts_vendor_examples.py"


def test_every_page_quote_of_the_findings_is_on_the_stored_page():
    quotes = dict(re.findall(r"^(PAGE_[A-Z0-9_]+) = '(.*)'$", SUITE.read_text(encoding="utf-8"), re.M))
    assert len(quotes) >= 5, quotes
    page = PAGE.read_text(encoding="utf-8")
    missing = [name for name, quote in quotes.items() if quote not in page]
    assert not missing, f"quotes not on the vendor's page: {missing}"
