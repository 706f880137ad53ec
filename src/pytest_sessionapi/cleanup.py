"""What a suite could not clean up on the target, said the same way for every API.

A suite that creates sessions on the target removes them at teardown, also when the test failed.
A removal that fails must neither raise (it would hide the test's own outcome behind a teardown
error) nor pass in silence (the operator would find sessions left on the device): each API's
session bookkeeping notes what failed, and the fixture hands those notes to
:func:`warn_if_incomplete` once the test is over.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any


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


@contextmanager
def judged_clean_up(conformance: Any) -> Iterator[None]:
    """A clean-up that judges what it meets (a server refusing to end a session the suite opened
    with the documented request): a blocking failure of a requirement the test had not failed
    yet, recorded during the block, ends the teardown as that failure, so the run shows it where
    it happened (the test's own outcome stands). Nothing is raised for a requirement the test
    already failed: one fault, one failure."""
    from .ledger import RequirementFailure

    failed = {observation.requirement.id for observation in conformance.failures()}
    yield
    new = [o for o in conformance.blocking_failures() if o.requirement.id not in failed]
    if new:
        raise RequirementFailure(conformance.failure_text(new))
