"""Requirement catalogues: one ``requirements.toml`` per API, one entry per normative statement.

The catalogue is data so that a failed test leads to the vendor statement it enforces in one step,
and so that a requirement's weight comes from how solid its source is, not from the test that
checks it: only a *documented* statement can be a MUST, and a MUST carries the vendor's own words
(``quote``, from one of the catalogue's ``documents``); an inference, or a point the vendor's own
documents contradict, is at most a SHOULD and never fails a vendor the way a documented MUST does.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from .registry import ApiDescriptor, all_apis

Level = Literal["MUST", "SHOULD"]
Basis = Literal["documented", "inferred", "conflicting"]
Evidence = Literal[
    "vendor-sentence",
    "schema-constraint",
    "documented-error-code",
    "documented-status-set",
    "documented-outcome",
    "example-only",
    "contradiction",
]

LEVEL_OF_EVIDENCE: dict[str, Level] = {
    "vendor-sentence": "MUST",
    "schema-constraint": "MUST",
    "documented-error-code": "MUST",
    "documented-status-set": "MUST",
    "documented-outcome": "MUST",
    "example-only": "SHOULD",
    "contradiction": "SHOULD",
}
"""One level rule for every API: the kind of evidence behind a requirement decides its level.
A sentence of the vendor, a constraint of the vendor's schema, a documented error whose code
states the condition, the documented set of statuses, or the documented outcome of a documented
operation make a MUST; a value seen only in examples, or documents that contradict each other,
make a SHOULD. A guessed scope has no kind of its own: it is ``example-only`` at best."""

_ID_PATTERN = re.compile(r"^[A-Z][A-Z0-9]*(-[A-Z0-9]+)+$")


class CatalogueError(Exception):
    pass


class Document(BaseModel):
    """A vendor page or OpenAPI document the catalogue quotes: what a vendor can open and read."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str
    url: str | None = None
    """The public address, where one is known (never guessed)."""
    local_copy: str | None = None
    """File name of the project's copy under tests/vendor_pages/, against which the quotes are
    checked; None when the project holds no copy (the quotes are then not machine-checked)."""


class Requirement(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    level: Level
    basis: Basis
    source: str
    """The vendor page (title, section, public URL where known) and what it says."""
    statement: str
    decision: str | None = None
    document: str | None = None
    """Key of the catalogue's [documents] entry the quote is taken from."""
    quote: str | None = None
    """The vendor's own words, verbatim, that make a documented requirement a MUST."""
    evidence: Evidence | None = None
    """The kind of evidence the requirement rests on; it decides the level (LEVEL_OF_EVIDENCE)."""

    @model_validator(mode="after")
    def _weight_follows_source(self) -> Requirement:
        if not _ID_PATTERN.match(self.id):
            raise ValueError(f"{self.id}: IDs are PREFIX-UPPER-KEBAB")
        if self.level == "MUST" and self.basis != "documented":
            article = "an" if self.basis == "inferred" else "a"
            raise ValueError(
                f"{self.id}: {article} {self.basis} requirement cannot be a MUST; make it a SHOULD"
            )
        if self.basis == "conflicting" and not self.decision:
            raise ValueError(f"{self.id}: a conflicting point needs a recorded decision")
        if self.level == "MUST" and not (self.quote and self.document):
            raise ValueError(
                f"{self.id}: a MUST needs the vendor's words: a quote and the document it is from"
            )
        if (self.quote is None) != (self.document is None):
            raise ValueError(f"{self.id}: a quote and its document come together")
        if self.evidence is not None and LEVEL_OF_EVIDENCE[self.evidence] != self.level:
            raise ValueError(
                f"{self.id}: {self.evidence} evidence makes a {LEVEL_OF_EVIDENCE[self.evidence]},"
                f" not a {self.level}"
            )
        return self

    @property
    def blocking(self) -> bool:
        return self.level == "MUST"

    def headline(self) -> str:
        return f"[{self.id} {self.level}] {self.statement}"


@dataclass(frozen=True)
class Catalogue:
    api: ApiDescriptor
    requirements: dict[str, Requirement]
    documents: dict[str, Document]

    def __getitem__(self, requirement_id: str) -> Requirement:
        return self.requirements[requirement_id]

    def __contains__(self, requirement_id: object) -> bool:
        return requirement_id in self.requirements

    def __iter__(self):
        return iter(self.requirements.values())


@cache
def load_catalogue(api_name: str) -> Catalogue:
    api = all_apis()[api_name]
    path = api.catalogue_path
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise CatalogueError(f"requirement catalogue {path}: {exc}") from None
    documents: dict[str, Document] = {}
    for key, entry in data.get("documents", {}).items():
        try:
            documents[key] = Document.model_validate(entry)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "entry"
            raise CatalogueError(f"{path}: documents.{key} {where}: {first['msg']}") from None
    entries = data.get("requirement", [])
    requirements: dict[str, Requirement] = {}
    for index, entry in enumerate(entries):
        try:
            requirement = Requirement.model_validate(entry)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "entry"
            raise CatalogueError(
                f"{path}: requirement #{index + 1} {where}: {first['msg']}"
            ) from None
        if not requirement.id.startswith(api.requirement_prefix + "-"):
            raise CatalogueError(
                f"{path}: {requirement.id} does not start with {api.requirement_prefix}-"
            )
        if requirement.id in requirements:
            raise CatalogueError(f"{path}: duplicate requirement ID {requirement.id}")
        if requirement.document is not None and requirement.document not in documents:
            raise CatalogueError(
                f"{path}: {requirement.id} quotes the unknown document {requirement.document!r}"
            )
        requirements[requirement.id] = requirement
    return Catalogue(api, requirements, documents)


def find_requirement(requirement_id: str) -> Requirement:
    """The requirement with this ID, whichever API it belongs to."""
    for api in all_apis().values():
        if requirement_id.startswith(api.requirement_prefix + "-"):
            catalogue = load_catalogue(api.name)
            if requirement_id in catalogue:
                return catalogue[requirement_id]
    raise KeyError(requirement_id)


def api_of(requirement_id: str) -> str | None:
    for api in all_apis().values():
        if requirement_id.startswith(api.requirement_prefix + "-"):
            return api.name
    return None
