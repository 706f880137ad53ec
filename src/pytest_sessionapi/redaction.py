"""Keeps secrets out of everything the suite writes: reports, logs, failure messages, cassettes.

Two layers, because neither alone is enough:

* headers that carry credentials are masked by name, whatever their value;
* every secret value the suite knows (configured credentials, and session material the clients
  learn at run time: cookies, XSRF tokens, Basic-auth blobs) is masked wherever it appears in text.
"""

from __future__ import annotations

import base64
import re
import threading
from collections.abc import Iterable, Mapping

MASK = "***"

SENSITIVE_HEADERS = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "cookie",
        "set-cookie",
        "x-xsrf-token",
        "x-csrf-token",
        "x-api-key",
    }
)

# Values shorter than this are not masked as free text: masking "a" or "1" everywhere would make
# reports unreadable and the suite never configures secrets that short on purpose.
_MIN_SECRET_LENGTH = 4


class Redactor:
    """A set of secret strings, masked wherever they appear. Thread-safe; shared by the clients
    that learn secrets and the writers that must not print them."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._lock = threading.Lock()
        self._secrets: set[str] = set()
        self._pattern: re.Pattern[str] | None = None
        for secret in secrets:
            self.add(secret)

    def add(self, secret: str | None) -> None:
        if not secret or len(secret) < _MIN_SECRET_LENGTH:
            return
        with self._lock:
            if secret in self._secrets:
                return
            self._secrets.add(secret)
            self._pattern = None

    def add_basic_credentials(self, username: str, password: str) -> None:
        """Basic auth puts ``base64(user:password)`` on the wire; mask that form too."""
        blob = base64.b64encode(f"{username}:{password}".encode()).decode()
        self.add(blob)
        self.add(password)

    def _compiled(self) -> re.Pattern[str] | None:
        with self._lock:
            if self._pattern is None and self._secrets:
                # Longest first so a secret that contains another is masked whole.
                ordered = sorted(self._secrets, key=len, reverse=True)
                self._pattern = re.compile("|".join(re.escape(s) for s in ordered))
            return self._pattern

    def text(self, value: str) -> str:
        pattern = self._compiled()
        return pattern.sub(MASK, value) if pattern else value

    def headers(self, headers: Mapping[str, str] | Iterable[tuple[str, str]]) -> dict[str, str]:
        items = headers.items() if isinstance(headers, Mapping) else headers
        return {
            name: (MASK if name.lower() in SENSITIVE_HEADERS else self.text(value))
            for name, value in items
        }

    def __contains__(self, value: str) -> bool:
        return value in self._secrets


class RedactorSet:
    """All the redactors of a run, so a writer can mask every target's secrets at once."""

    def __init__(self) -> None:
        self._members: list[Redactor] = []

    def register(self, redactor: Redactor) -> Redactor:
        if not any(member is redactor for member in self._members):
            self._members.append(redactor)
        return redactor

    def text(self, value: str) -> str:
        for redactor in self._members:
            value = redactor.text(value)
        return value
