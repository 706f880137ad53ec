"""The sessions a suite opened and has not closed yet, written down outside the process.

A run that is killed (SIGKILL, a CI job timeout, a power cut) cannot clean up after itself; the
next run against the same device then finds the device busy. The suites write each session they
create here as they create it and cross it off as they close it, so the next run can tell its own
leftover (closed, with one line) from somebody else's session (a setup problem: verdict
``error``, exit 4). One small JSON file per target and entity, in the temporary folder.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import threading
from pathlib import Path
from typing import Any

_LOCK = threading.Lock()


def journal_path(api: str, base_url: str, entity: str) -> Path:
    digest = hashlib.sha256(f"{api}\n{base_url}\n{entity}".encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"pytest-sessionapi-open-{api}-{digest}.json"


class Journal:
    """The suite's open sessions on one entity of one target."""

    def __init__(self, api: str, base_url: str, entity: str) -> None:
        self.path = journal_path(api, base_url, entity)
        self.entity = entity

    def _read(self) -> list[str]:
        try:
            found = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return []
        return [str(item) for item in found] if isinstance(found, list) else []

    def _write(self, ids: list[str]) -> None:
        if not ids:
            self.path.unlink(missing_ok=True)
            return
        temporary = self.path.with_suffix(f".{os.getpid()}.tmp")
        temporary.write_text(json.dumps(ids), encoding="utf-8")
        os.replace(temporary, self.path)

    def opened(self, session_id: str) -> None:
        with _LOCK:
            ids = self._read()
            if session_id not in ids:
                self._write([*ids, session_id])

    def closed(self, session_id: str) -> None:
        with _LOCK:
            ids = self._read()
            if session_id in ids:
                self._write([i for i in ids if i != session_id])

    def open_ids(self) -> list[str]:
        with _LOCK:
            return self._read()


def target_journal(target: Any, entity_key: str) -> Journal | None:
    """The journal of the entity ``entity_key`` names on ``target`` (BioT's device_id, UMTS's
    device_uuid); None for a target that starts empty (an embedded reference, the replay of its
    recording) or names no such entity."""
    entity = target.entity(entity_key)
    if target.starts_empty or not entity:
        return None
    return Journal(target.api.name, target.settings.base_url, entity)


class LeftoverClosed(UserWarning):
    """The suite closed a session an earlier run of it left open (setup, not a verdict)."""


def say_closed(line: str) -> None:
    import warnings

    warnings.warn(LeftoverClosed(line), stacklevel=2)
