"""What a suite could not clean up on the target, said the same way for every API.

A suite that creates sessions on the target removes them at teardown, also when the test failed.
A removal that fails must neither raise (it would hide the test's own outcome behind a teardown
error) nor pass in silence (the operator would find sessions left on the device): each API's
session bookkeeping notes what failed, and the fixture hands those notes to
:func:`warn_if_incomplete` once the test is over.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable


class CleanupIncomplete(UserWarning):
    """Something the suite created on the target may still be there."""


def warn_if_incomplete(api: str, problems: Iterable[str]) -> None:
    """One warning naming every clean-up failure of ``api``; nothing when there was none."""
    problems = list(problems)
    if problems:
        warnings.warn(
            CleanupIncomplete(
                f"{api}: clean-up incomplete, sessions the suite created may remain on the "
                f"target: {'; '.join(problems)}"
            ),
            stacklevel=2,
        )
