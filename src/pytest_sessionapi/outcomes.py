"""How a suite test ends without judging everything it declared, in the recorder's terms."""

from __future__ import annotations

import pytest


class NotTested(pytest.skip.Exception):  # type: ignore[misc,name-defined]
    """Stops a test because the target lacks what it needs (an entity the target does not name,
    a device somebody else holds): its unjudged requirements are reported ``not-tested``, which
    keeps an API from being reported conformant. Raised through the ``sessionapi_conformance`` fixture's
    ``stop_not_tested(reason)``; API code never raises pytest outcomes itself.

    The skip line names the test, not the line of this package that raised it (pytest's own
    ``skip`` marker does the same)."""

    def __init__(self, msg: str | None = None) -> None:
        super().__init__(msg, _use_item_location=True)


def skip_at_test(reason: str) -> pytest.skip.Exception:  # type: ignore[name-defined]
    """A skip reported at the test's location, not at the plugin's line that raised it."""
    return pytest.skip.Exception(reason, _use_item_location=True)


class StepFailed(Exception):
    """A step every test of an API goes through (a login, a token) failed, and that failure is
    one requirement's: ``requirement_id``. The test whose point that requirement is reports it
    ``fail``; every other test that met the failure stops, and reports what it had not judged
    yet ``not-tested``, not ``fail``: one fault, one failed requirement, not a cascade."""

    requirement_id: str = ""

    def __init__(self, message: str, requirement_id: str | None = None) -> None:
        super().__init__(message)
        if requirement_id is not None:
            self.requirement_id = requirement_id
        # What the runtime reads to tell a stop on a known requirement from an unexplained error.
        self.__sessionapi_requirement__ = self.requirement_id


class TargetBusy(NotTested):  # type: ignore[misc]
    """The named entity is held by something that is not the suite's (a session somebody else
    opened on the device): a setup problem, never nonconformance. The API's verdict is ``error``
    with this one line, its remaining tests are skipped, and the exit status is 4."""
