"""Shared by every conformance suite (and packaged with them in the wheel)."""

from hypothesis import settings

import pytest_sessionapi.hypothesis_profiles  # noqa: F401  (registers the profiles)

# The default; Hypothesis's own plugin applies --hypothesis-profile after this when given.
settings.load_profile("sessionapi-ci")
