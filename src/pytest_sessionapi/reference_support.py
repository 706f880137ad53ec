"""What every reference implementation shares: its variants and the catalogue of them.

A reference implementation is conformant by default. Its *variants* exist to prove the suite
itself: a ``fault`` variant breaks exactly one documented requirement (the suite must fail it, with
that requirement's ID, and nothing else but the knock-on effects it declares), a ``conformant``
variant differs only in ways the vendor docs allow (the suite must pass it). The self-tests run the
suite against every variant of every API in-process, and against the reference and the variants
whose difference travels in the HTTP head (``transport``) over loopback HTTP too.
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
    knock_on: tuple[str, ...] = ()
    """For a fault: the other requirements it cannot help failing, because the fault takes away
    what their checks stand on (no session cookie: no request gets past the login). The self-test
    requires the failed requirements to be exactly ``requirement`` and these: a check that fails on
    anything else is imprecise, and a knock-on that stops failing is stale."""
    transport: bool = False
    """What the variant changes (a fault: what it breaks) travels in the HTTP head rather than in a
    body or the server's logic: credentials, cookies, the XSRF header, redirects, the media type
    and other headers, or the status line of an answer otherwise given right (409 for 400, 200 for
    204, a 500). The self-test runs these over loopback HTTP as well as in-process. Any other
    variant, fault or conformant, reaches the suite through the in-process bridge exactly as
    through a socket; running it over HTTP too would double its self-test time and prove nothing
    the reference's own run over HTTP does not."""

    def __post_init__(self) -> None:
        if (self.kind == "fault") != (self.requirement is not None):
            raise ValueError(f"variant {self.name}: a fault names exactly one requirement")
        if self.kind != "fault" and self.knock_on:
            raise ValueError(f"variant {self.name}: only a fault has knock-on effects")
        if self.requirement in self.knock_on or len(set(self.knock_on)) != len(self.knock_on):
            raise ValueError(f"variant {self.name}: knock_on repeats a requirement")

    @property
    def fails(self) -> frozenset[str]:
        """Every requirement a run against this variant must mark ``fail`` (none for a conformant one)."""
        return frozenset(self.knock_on) | ({self.requirement} if self.requirement else set())


def variant_table(*variants: Variant) -> dict[str, Variant]:
    table: dict[str, Variant] = {}
    for variant in variants:
        if variant.name in table:
            raise ValueError(f"duplicate variant name {variant.name}")
        table[variant.name] = variant
    return table


class Switch:
    """The one way a reference server asks which variant it runs: ``variant("extra-fields")``.

    Asking for a name the API's variant table does not hold is an error at once, so a misspelt
    switch cannot silently never fire (and leave its variant proving nothing)."""

    def __init__(self, active: str | None, table: dict[str, Variant]) -> None:
        if active is not None and active not in table:
            raise ValueError(f"no reference variant {active!r}; known: {', '.join(sorted(table))}")
        self.active = active
        self._table = table

    def __call__(self, *names: str) -> bool:
        """Whether the server runs one of ``names``."""
        unknown = [name for name in names if name not in self._table]
        if unknown:
            raise KeyError(f"no reference variant {unknown[0]!r}")
        return self.active in names

    def __repr__(self) -> str:
        return f"Switch({self.active!r})"
