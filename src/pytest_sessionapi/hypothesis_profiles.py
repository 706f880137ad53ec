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

# Both from Hypothesis's own "default" profile: with a CI environment variable set (GitHub
# Actions, GitLab and most CI systems set CI) Hypothesis makes its "ci" profile the default, and
# a profile registered without a parent inherits derandomize=True from it: sessionapi-thorough
# drew the same examples at every CI run and ignored --hypothesis-seed.
_PARENT = settings.get_profile("default")

settings.register_profile(
    "sessionapi-ci",
    parent=_PARENT,
    max_examples=20,
    stateful_step_count=10,
    derandomize=True,
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink],
    **_COMMON,
)
settings.register_profile(
    "sessionapi-thorough",
    parent=_PARENT,
    derandomize=False,
    max_examples=300,
    stateful_step_count=40,
    **_COMMON,
)


def _same_examples_from_a_checkout_and_from_the_wheel() -> None:
    """Hypothesis also draws constants it finds in the source of "local" modules (anything not
    under site-packages or the standard library, ``hypothesis.internal.constants_ast``). From a
    checkout this package and its suites are local; installed from the wheel they are not, so the
    same suites drew other examples and sent other requests (BioT: 1,297 against 1,385). Our own
    files never count as local, so a checkout runs what the wheel runs. Hypothesis has no public
    switch for this; without the private name, the difference comes back and nothing breaks."""
    from pathlib import Path

    try:
        from hypothesis.internal.conjecture import providers
    except ImportError:  # pragma: no cover - a Hypothesis that moved it
        return
    original = getattr(providers, "is_local_module_file", None)
    if original is None or getattr(original, "sessionapi_wrapped", False):
        return
    package = Path(__file__).resolve().parent
    ours = (package, package.parents[1] / "suites")

    def is_local_module_file(path: str) -> bool:
        # Hypothesis' own test first: it settles most of the ~1,000 modules a run imports by a
        # string test, where resolving every path first cost a UMTS run about 5% of its CPU time.
        if not original(path):
            return False
        resolved = Path(path).resolve()
        return not any(resolved.is_relative_to(folder) for folder in ours)

    is_local_module_file.sessionapi_wrapped = True  # type: ignore[attr-defined]
    providers.is_local_module_file = is_local_module_file


_same_examples_from_a_checkout_and_from_the_wheel()


def forget_scanned_modules() -> None:
    """Drop Hypothesis's cache of the constants it read from local modules (4096 entries, keyed
    by the module object). Each pytest run in a process imports the conftest modules afresh, and
    a module holds its rewriting import hook, the hook its run's config, the config the session,
    every item and report and the suites' ledgers: the cache kept every finished run alive (about
    4 MB a run in benchmarks/soak.py). The constants already read stay in Hypothesis's pool, and a
    module once read is not read again, so nothing is lost but the references."""
    import sys

    constants_ast = sys.modules.get("hypothesis.internal.constants_ast")
    cached = getattr(constants_ast, "constants_from_module", None)
    clear = getattr(cached, "cache_clear", None)  # an internal of Hypothesis: only if it is there
    if callable(clear):
        clear()
