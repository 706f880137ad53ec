"""What every reference implementation shares: its variants and the catalogue of them.

A reference implementation is conformant by default. Its *variants* exist to prove the suite
itself: a ``fault`` variant breaks exactly one documented requirement (the suite must fail it, with
that requirement's ID), a ``conformant`` variant differs only in ways the vendor docs allow (the
suite must pass it). The self-tests run the suite against every variant of every API.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class Variant:
    name: str
    kind: Literal["fault", "conformant"]
    description: str
    requirement: str | None = None
    """For a fault: the requirement ID the suite must mark ``fail``."""

    def __post_init__(self) -> None:
        if (self.kind == "fault") != (self.requirement is not None):
            raise ValueError(f"variant {self.name}: a fault names exactly one requirement")


def variant_table(*variants: Variant) -> dict[str, Variant]:
    table: dict[str, Variant] = {}
    for variant in variants:
        if variant.name in table:
            raise ValueError(f"duplicate variant name {variant.name}")
        table[variant.name] = variant
    return table
