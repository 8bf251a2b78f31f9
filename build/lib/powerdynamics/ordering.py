"""Seeded, platform-independent ordering of items and options.

``random.shuffle`` depends on the algorithm of the running Python; a hash-based order
is the same on every machine and Python version, so a stored notebook output (and the
static page built from it) keeps the same order when re-executed anywhere.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from typing import TypeVar

T = TypeVar("T")


def _rank(seed: int | str, salt: str, key: str) -> str:
    return hashlib.sha256(f"{seed}\x1f{salt}\x1f{key}".encode()).hexdigest()


def seeded_order(
    values: Iterable[T], seed: int | str | None, *, salt: str = "", key: Callable[[T], str] = str
) -> list[T]:
    """Return ``values`` in a deterministic pseudo-random order; ``seed=None`` keeps the order."""
    values = list(values)
    if seed is None:
        return values
    return sorted(values, key=lambda v: _rank(seed, salt, key(v)))
