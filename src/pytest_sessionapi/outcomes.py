"""How a suite test ends without judging everything it declared, in the recorder's terms."""

from __future__ import annotations

import pytest


class NotTested(pytest.skip.Exception):  # type: ignore[misc,name-defined]
    """Stops a test because the target lacks what it needs (an entity the target does not name,
    a device somebody else holds): its unjudged requirements are reported ``not-tested``, which
    keeps an API from being reported conformant. Raised through the ``conformance`` fixture's
    ``stop_not_tested(reason)``; API code never raises pytest outcomes itself."""
