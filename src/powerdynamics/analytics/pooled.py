"""Item analysis when each trainee sees a different draw of a pool (issue 12).

With per-trainee draws an item is answered by part of the cohort only, and graded cell
``q03`` holds a different item for each trainee.  This module (pure, like
:mod:`.stats`) turns the per-position grades into per-item scores with the one draw
function, and computes each item's statistics **only on those who saw it**:

* **n**: trainees whose draw holds the item and whose grade for it exists;
* **difficulty** (facility): their mean score share on the item (partial credit counts:
  2/3 of a case item is 0.667), and ``correct``, how many of them had full marks;
* **discrimination**: the upper-lower index of :mod:`.stats` on that sub-cohort: the
  ``n`` trainees are ranked by their share of their own draw's points, each group holds
  ``max(1, round_half_up(0.27 * n))`` of them with ties sharing the boundary places, and
  ``D`` is the mean score share of the upper group minus that of the lower group.  Fewer
  than two trainees saw the item: ``None``.

Arithmetic is exact (``Fraction``) and rounded once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import cast

from powerdynamics.analytics.stats import _group, group_size, revise_flags
from powerdynamics.grading.draws import draw_for


@dataclass(frozen=True)
class PooledItemStats:
    item: str
    n: int  # trainees who saw the item (and were graded on it)
    correct: int  # of them, with full marks
    difficulty: float | None  # mean score share of those n
    discrimination: float | None
    p_upper: float | None
    p_lower: float | None
    flags: tuple[str, ...]


def per_item_scores(assignment: str, forms: Sequence[Sequence[str]],
                    position_scores: Mapping[str, Mapping[str, float | None]],
                    prefix: str = "q") -> dict[str, dict[str, float | None]]:
    """``{student: {item id: score}}`` from ``{student: {"q01": score, ...}}``: position k
    of a trainee's draw is the item graded in cell ``q<k>``."""
    result: dict[str, dict[str, float | None]] = {}
    for student, scores in position_scores.items():
        draw = draw_for(assignment, student, forms)
        result[student] = {item: scores.get(f"{prefix}{k:02d}")
                           for k, item in enumerate(draw.items, start=1)}
    return result


def _share(score: float | None, max_score: float) -> Fraction:
    if score is None or max_score <= 0:
        return Fraction(0)
    return min(Fraction(score).limit_denominator(10_000) / Fraction(max_score).limit_denominator(10_000),
               Fraction(1))


def analyse_pooled(items: Sequence[str], scores: Mapping[str, Mapping[str, float | None]],
                   max_scores: Mapping[str, float] | None = None) -> tuple[PooledItemStats, ...]:
    """Per-item n, difficulty and discrimination over those who saw each item.

    ``scores`` maps trainee -> item id -> points (only the items of their draw; ``None``
    while not graded); ``max_scores`` maps item id -> points (default 1)."""
    max_scores = max_scores or {}

    def top(item: str) -> float:
        return float(max_scores.get(item, 1.0))

    own_share: dict[str, Fraction] = {}
    for student, row in scores.items():
        graded = {i: s for i, s in row.items() if s is not None}
        points = sum((Fraction(top(i)) for i in graded), Fraction(0))
        if points:
            own_share[student] = sum((_share(s, top(i)) * Fraction(top(i))
                                      for i, s in graded.items()), Fraction(0)) / points
    results = []
    for item in items:
        saw = {s: _share(row[item], top(item)) for s, row in scores.items()
               if row.get(item) is not None and s in own_share}
        n = len(saw)
        if not n:
            results.append(PooledItemStats(item, 0, 0, None, None, None, None, ()))
            continue
        difficulty = sum(saw.values(), Fraction(0)) / n
        correct = sum(1 for v in saw.values() if v == 1)
        size = group_size(n)
        d = upper = lower = None
        if size:
            totals = {s: own_share[s] for s in saw}
            ranked = cast("dict[str, float]", totals)  # Fractions: exact, and hash like floats
            groups = [_group(ranked, size, top=True), _group(ranked, size, top=False)]
            means = []
            for group in groups:
                weighted = sum((saw[s] for s in group.full), Fraction(0)) \
                    + group.block_weight * sum((saw[s] for s in group.block), Fraction(0))
                means.append(weighted / group.size)
            upper, lower = float(means[0]), float(means[1])
            d = float(means[0] - means[1])
        results.append(PooledItemStats(item, n, correct, float(difficulty), d, upper, lower,
                                       revise_flags(float(difficulty), d)))
    return tuple(results)
