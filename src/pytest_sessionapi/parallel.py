"""Running the suites under pytest-xdist: which worker runs which test.

All tests of one API run on one worker, in order: they share server state (the sessions the
suite opens on the target's one device, Control Center's one-call-at-a-time rule), one rate
limiter and one preflight, so a parallel run sends the same requests and finds the same
statuses as a serial one. Every other test is scheduled one by one, as ``--dist load`` does.

pytest-xdist's own ``xdist_group`` marker cannot carry this: with pytest 9.2 the node ID is
derived from the node's structured ID, and the ``@group`` suffix xdist 3.8 writes into
``item._nodeid`` is lost, so ``--dist loadgroup`` silently degrades to ``load``. The scheduler
here groups by the suite folder in the test's node ID instead (``.../suites/<api>/...``), which
the controller can see without collecting.

Imported only on the controller of a parallel run, where pytest-xdist is installed.
"""

from __future__ import annotations

from xdist.scheduler import LoadScopeScheduling

from .registry import all_apis


def api_of_nodeid(nodeid: str) -> str | None:
    """``suites/biot/test_biot_auth.py::test_x`` -> ``biot``; None outside a suite folder. A run
    of the installed suites (``--pyargs pytest_sessionapi.suites``) may have its rootdir at the
    suites folder itself: ``biot/test_biot_auth.py::test_x``."""
    parts = nodeid.split("::", 1)[0].replace("\\", "/").split("/")
    for folder, name in zip(parts[:-2], parts[1:-1], strict=False):
        if folder == "suites" and name in all_apis():
            return name
    if len(parts) == 2 and parts[0] in all_apis() and parts[1].startswith(f"test_{parts[0]}"):
        return parts[0]
    return None


class ApiGroupScheduling(LoadScopeScheduling):
    """``--dist load`` for everything, except that an API's suite tests form one unit of work."""

    def _split_scope(self, nodeid: str) -> str:
        api = api_of_nodeid(nodeid)
        return f"sessionapi-{api}" if api else nodeid
