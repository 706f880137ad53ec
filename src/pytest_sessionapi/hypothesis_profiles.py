"""Hypothesis profiles for the suites.

``sessionapi-ci`` is the default: small enough that the whole run fits a CI budget and a live
endpoint's rate limit. ``sessionapi-thorough`` is for a vendor's certification run:
``pytest suites --hypothesis-profile=sessionapi-thorough``.

Both suppress ``function_scoped_fixture``: the suites' function fixtures (the client, the
requirement recorder) are meant to be shared by every example of a test, and both allow slow
examples because a live endpoint, not the code under test, sets the pace.
"""

from __future__ import annotations

from hypothesis import HealthCheck, Phase, settings

_COMMON = dict(
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.differing_executors,
    ],
    # Examples found against one endpoint say nothing about the next one, and a database under
    # the working directory would make two runs of the same suite behave differently.
    database=None,
)

settings.register_profile(
    "sessionapi-ci",
    max_examples=20,
    stateful_step_count=10,
    derandomize=True,
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink],
    **_COMMON,
)
settings.register_profile(
    "sessionapi-thorough",
    max_examples=300,
    stateful_step_count=40,
    **_COMMON,
)
