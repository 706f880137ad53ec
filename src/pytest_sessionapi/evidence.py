"""The wire behind each failure, for the reports: the exchange the failure is about (credentials
masked) and the ``curl`` line that sends it again.

The runtime already writes both into a failed test's report (``last exchanges`` / ``reproduce``),
masked before the report leaves the process that ran the test; this plugin reads them back from
the reports pytest logs (under pytest-xdist, on the controller, from every worker), so the
document the reports are written from carries them without a second channel.
"""

from __future__ import annotations

from typing import Any

EXCHANGES_HEADING = "\n\nlast exchanges (credentials masked):\n"
REPRODUCE_HEADING = "\n\nreproduce (masked values from environment variables):\n"


def wire_of(longrepr: str) -> dict[str, str] | None:
    """The exchange and the curl line a failure's text carries, or None when it carries none."""
    _, found, wire = longrepr.partition(EXCHANGES_HEADING)
    if not found:
        return None
    exchange, _, curl = wire.partition(REPRODUCE_HEADING)
    return {"exchange": exchange.strip("\n"), "curl": curl.strip().splitlines()[0] if curl.strip() else ""}


class EvidencePlugin:
    def __init__(self) -> None:
        self.by_test: dict[str, dict[str, str]] = {}

    def pytest_runtest_logreport(self, report: Any) -> None:
        if not report.failed or report.nodeid in self.by_test or report.longrepr is None:
            return
        wire = wire_of(str(report.longrepr))
        if wire is None:
            for title, body in getattr(report, "sections", []):
                if title == "sessionapi exchanges":
                    wire = wire_of(EXCHANGES_HEADING + body.removeprefix("last exchanges (credentials masked):\n"))
        if wire is not None:
            self.by_test[report.nodeid] = wire


PLUGIN_NAME = "sessionapi-evidence"


def of(config: Any) -> dict[str, dict[str, str]]:
    plugin = config.pluginmanager.get_plugin(PLUGIN_NAME)
    return plugin.by_test if plugin is not None else {}
