"""JUnit names that do not depend on where the suites are installed.

pytest's JUnit writer names a test's class after its node ID, which for suites installed from
the wheel starts with the path to site-packages (``..lib.python3.12.site-packages.pytest_
sessionapi.suites.biot.test_x``). Each suite test's ``classname`` and ``file`` are set to what the
reports call it (``suites.biot.test_x``, ``suites/biot/test_x.py``), the same from a checkout and
from the wheel, before the JUnit writer reads the report; its own user-attribute seam keeps them.
"""

from __future__ import annotations

from typing import Any

import pytest

PLUGIN_NAME = "sessionapi-junit-names"


def suite_path(nodeid: str) -> str | None:
    """``suites/<api>/test_x.py`` of a suite test's node ID, wherever the suites lie; None for a
    test that is not a suite's."""
    from .registry import all_apis

    parts = nodeid.partition("::")[0].split("/")
    for index in range(len(parts) - 2, -1, -1):
        if parts[index] == "suites" and parts[index + 1] in all_apis():
            return "/".join(parts[index:])
    return None


class JUnitNames:
    def __init__(self, config: pytest.Config) -> None:
        self.config = config

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        try:
            from _pytest.junitxml import xml_key
        except ImportError:  # pragma: no cover - a pytest that moved it
            return
        xml: Any = self.config.stash.get(xml_key, None)
        if xml is None:
            return
        path = suite_path(report.nodeid)
        if path is None or path == report.nodeid.partition("::")[0]:
            return
        module = path.removesuffix(".py").replace("/", ".")
        classes = [part for part in report.nodeid.split("::")[1:-1]]
        reporter = xml.node_reporter(report)
        reporter.add_attribute("classname", ".".join([module, *classes]))
        reporter.add_attribute("file", path)
