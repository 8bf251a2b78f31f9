"""Which graded items one trainee sees: a deterministic draw seeded by their identity.

The pool's keys stay with the instructor, so the trainee's kernel cannot balance a draw by
key label. Instead the instructor's build assembles *forms* from the keyed pool (each a
list of item ids balanced by label, kind and tier) and releases only the forms' ids. The
trainee's login picks one form and the order it is shown in; autograde repeats the same
computation from the submitting student's id, so a draw that belongs to someone else is
found, not graded.

This module is pure (no files, no keys): the trainee's quiz, autograde and
``powerdynamics grade draw`` all call :func:`draw_for`, so they cannot disagree.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence
from dataclasses import dataclass


def normalise_login(student: str) -> str:
    """A login as the draw reads it: surrounding space and letter case do not matter."""
    return " ".join(str(student).split()).casefold()


@dataclass(frozen=True)
class Draw:
    """One trainee's draw: who it was drawn for, the seed, the form and the shown order."""

    student: str
    seed: str
    form: int
    items: tuple[str, ...]


def draw_for(assignment: str, student: str, forms: Sequence[Sequence[str]]) -> Draw:
    """The draw of ``assignment`` for ``student``: form ``seed mod len(forms)``, its items
    in an order shuffled by the same seed (so neighbours on one form still see different
    orders)."""
    login = normalise_login(student)
    if not login:
        raise ValueError("a draw needs the trainee's course login; it is empty")
    if not forms:
        raise ValueError(f"assignment {assignment!r} has no forms to draw from")
    seed = hashlib.sha256(f"{assignment}\0{login}".encode()).hexdigest()
    index = int(seed[:12], 16) % len(forms)
    items = list(forms[index])
    random.Random(seed).shuffle(items)
    return Draw(student=login, seed=seed[:16], form=index, items=tuple(items))
