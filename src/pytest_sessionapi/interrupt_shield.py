"""Ctrl-C and the sessions the suites open on the target: what the signal must not cut.

A Ctrl-C raises KeyboardInterrupt wherever the main thread is. Two places must not be cut, or a
session stays open on the target:

- between a create's answer and the note of the id it carries (the suite's bookkeeping and the
  leftovers journal): the suite could neither release the session nor tell it from somebody
  else's. :func:`noting` holds the signal back, like an exchange in flight, until the id is
  noted (at most ``runtime.INTERRUPT_HOLD_S``), and then raises it;
- a clean-up releasing the suite's sessions. :func:`cleanup` lets the first Ctrl-C that arrives
  during it wait until it is over; the run then stops at the next exchange outside a clean-up or
  before the next test (the runtime noted the interrupt). A second Ctrl-C is not held back: the
  operator (or pytest-xdist giving up on a worker) insists, and what is left is in the journal.

The runtime's SIGINT handler (``runtime._watch_interrupts``) reads the counters on
``transport.INTERRUPTS``; the context managers only count.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from .transport import INTERRUPTS


@contextmanager
def cleanup() -> Iterator[None]:
    """A clean-up that releases sessions the suite opened."""
    INTERRUPTS.shielded += 1
    try:
        yield
    finally:
        INTERRUPTS.shielded -= 1


@contextmanager
def noting() -> Iterator[None]:
    """A create and the note of the session id it answered."""
    INTERRUPTS.in_flight += 1
    try:
        yield
    finally:
        INTERRUPTS.in_flight -= 1
    if not INTERRUPTS.in_flight:
        INTERRUPTS.before_exchange()  # the Ctrl-C held back meanwhile, now that the id is noted
