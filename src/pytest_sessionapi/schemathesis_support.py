"""What every suite needs to run its catalogue rules as Schemathesis custom checks.

A custom check can only raise; Schemathesis then wraps the exception in a ``CustomFailure``. To
attribute that failure to the catalogue requirement it enforces, the check raises
:class:`RequirementViolation` and the suite reads the ID back with :func:`carried_requirement`.
"""

from __future__ import annotations

from typing import Any


class RequirementViolation(AssertionError):
    """A rule's failure, carrying its requirement ID through Schemathesis."""

    def __init__(self, requirement_id: str, message: str) -> None:
        super().__init__(message)
        self.requirement_id = requirement_id


def carried_requirement(failure: Any) -> str | None:
    """The requirement a Schemathesis failure carries, when one of our custom checks raised it."""
    from schemathesis.core.failures import CustomFailure

    if isinstance(failure, CustomFailure) and isinstance(failure.exception, RequirementViolation):
        return failure.exception.requirement_id
    return None
