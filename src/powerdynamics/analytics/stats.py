"""Item analysis of a graded scenario quiz: which items work, which distinctions a cohort confuses.

Why this module is pure: the same numbers feed the ``powerdynamics report`` command, the
instructor notebook and the tests, so the arithmetic lives in functions that take plain
values (per-student item scores, chosen labels, the instructor's keys) and never read
files, databases or the clock.  :mod:`powerdynamics.report` does the reading.

This module knows **no answer key**.  Keys come, at run time, from the hidden tests of
the instructor's own ``exercises/source/<assignment>`` notebook, parsed by
:func:`parse_source_notebook` from a notebook the caller has already loaded.

Definitions (all computed over *graded* submissions only: every item has a score)
---------------------------------------------------------------------------------
* **correct**: an item's score reaches its maximum (``score >= max_score > 0``).
* **total**: the sum of a trainee's item scores over the items analysed.  Hand-graded
  cells (the reflection) are not items and are left out, because they are often
  graded later and would make the ranking depend on grading progress.
* **difficulty** (facility): the share of graded trainees who got the item correct,
  ``correct / graded``; high means easy.
* **discrimination** (upper-lower index): ``D = p_upper - p_lower``, the share correct
  in the upper group minus the share correct in the lower group.  Each group holds
  ``n = max(1, round_half_up(0.27 * N))`` of the ``N`` graded trainees, ranked by
  total; the item itself is included in the total (the classic, uncorrected index).
  **Ties**: trainees whose total equals the total at the group boundary share the
  remaining places equally.  If ``k`` places are left and ``m`` trainees are tied at
  the boundary, each of them counts with weight ``k/m``.  Groups therefore always have
  size ``n`` exactly, and the result never depends on names or on the order in which
  submissions were read.  With everyone tied, both groups are the whole cohort and
  ``D = 0``.  Fewer than two graded trainees: undefined (``None``).
  Arithmetic is exact (``fractions.Fraction``) and rounded to ``float`` once, so hand-
  computed values compare equal.
* **option counts**: how often each option was chosen, from the saved responses; an
  answer that is not one of the item's options is counted as ``(other)``, a missing
  one as ``(no answer)``.
* **confusion matrix**: for each item with a key, a count per (key, chosen label).
"""

from __future__ import annotations

import ast
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from powerdynamics.bank.labels import CATEGORIES, category_of
from powerdynamics.grading.data import hidden_region

__all__ = [
    "FOLLOW_UP_SCORE",
    "FOLLOW_UP_UNANSWERED",
    "GROUP_SHARE",
    "MIN_DISCRIMINATION",
    "NO_ANSWER",
    "OTHER",
    "SMALL_COHORT",
    "TOO_EASY",
    "TOO_HARD",
    "AssignmentAnalysis",
    "CategoryStats",
    "Confusion",
    "Item",
    "ItemStats",
    "SourceItem",
    "StudentStats",
    "Submission",
    "analyse",
    "confusion_matrix",
    "discrimination",
    "group_size",
    "group_weights",
    "literal_assignment",
    "parse_source_notebook",
    "revise_flags",
]

# -- thresholds (named so that the report, the notebook and the docs say the same) -------
#: An item more than 90 % of trainees get right tells little about who has learned it.
TOO_EASY = 0.9
#: An item fewer than 30 % get right is probably ambiguous, mis-keyed or not yet taught.
TOO_HARD = 0.3
#: Discrimination below this: the weaker group does better than the stronger group,
#: which usually means a flawed key or a misleading vignette.
MIN_DISCRIMINATION = 0.0
#: Share of the cohort in each of the upper and lower groups (Kelley's 27 %).
GROUP_SHARE = Fraction(27, 100)
#: Below this many graded trainees the statistics are rough; the report says so.
SMALL_COHORT = 20
#: A trainee below this share of the item points may need a conversation.
FOLLOW_UP_SCORE = 0.5
#: A trainee who left at least this share of items unanswered may need a conversation.
FOLLOW_UP_UNANSWERED = Fraction(1, 3)

NO_ANSWER = "(no answer)"
OTHER = "(other)"


# =====================================================================================
# Inputs
# =====================================================================================
@dataclass(frozen=True)
class Item:
    """One autograded item as the analysis sees it (from the gradebook and the source).

    ``category``, ``options`` and ``key`` are empty when the item is no longer in the
    instructor's source (removed since grading): it still has scores, but no key.
    """

    id: str
    max_score: float = 1.0
    category: str | None = None
    options: tuple[str, ...] = ()
    key: str | None = None


@dataclass(frozen=True)
class Submission:
    """One trainee's graded submission: item scores and the labels they chose.

    ``scores`` maps item id to points, ``None`` while an item is not graded (autograde
    failed or has not run).  ``chosen`` maps item id to the label the trainee saved or
    typed.  ``responses`` says how the chosen labels were found: ``"ok"``,
    ``"missing"`` (no responses file), ``"corrupt"`` (unreadable file) or ``"typed"``
    (no usable file, but answers typed into the notebook).  ``hand`` is the total of the
    hand-graded cells (reflections) out of ``hand_max``; ``None`` while one is not graded.
    """

    student: str
    scores: Mapping[str, float | None]
    chosen: Mapping[str, str] = field(default_factory=dict)
    responses: str = "ok"
    hand: float | None = None
    hand_max: float = 0.0


# =====================================================================================
# The instructor's source notebook: items and keys (parsed, never stored in the package)
# =====================================================================================
@dataclass(frozen=True)
class SourceItem:
    """An item as the instructor's source defines it: category, options and key."""

    id: str
    category: str | None
    options: tuple[str, ...]
    key: str | None
    vignette: str = ""


_KEY_ASSERT = re.compile(
    r"""answers\s*(?:\.get\(\s*|\[\s*)(?P<q>["'])(?P<item>[^"']+)(?P=q)\s*[)\]]\s*==\s*"""
    r"""(?P<q2>["'])(?P<key>[^"']+)(?P=q2)"""
)


def _source_text(cell: Mapping[str, Any]) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def literal_assignment(source: str, name: str) -> Any:
    """The literal value assigned to ``name`` in a code cell, read without running it
    (``ast.literal_eval``): instructor tools must never execute a trainee's code."""
    if name not in source:
        return None
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == name for t in node.targets):
            try:
                return ast.literal_eval(node.value)
            except (ValueError, SyntaxError, TypeError):
                return None
    return None


def parse_source_notebook(nb: Mapping[str, Any]) -> tuple[list[SourceItem], list[str]]:
    """Items, categories, options and keys from a loaded source notebook (JSON dict).

    Items come from the ``ITEMS = [...]`` literal of the quiz cell (parsed with
    :mod:`ast`, never executed); keys from the hidden tests of the autograded grade
    cells (``assert answers.get("<item>") == "<label>"``).  Returns the items in
    notebook order and a list of problems (an item without a key, a key for an item
    that is not in ``ITEMS``), each naming the item.
    """
    from powerdynamics.grading.pool_grading import items_file_named

    raw_items: list[Any] = []
    keys: dict[str, str] = {}
    problems: list[str] = []
    pooled = False  # a quiz cell that names an items file: the items live in the pool
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        source = _source_text(cell)
        pooled = pooled or items_file_named(source) is not None
        value = literal_assignment(source, "ITEMS")
        if isinstance(value, list) and not raw_items:
            raw_items = value
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("grade") and not meta.get("solution"):
            hidden = hidden_region(source)
            found = list(_KEY_ASSERT.finditer(hidden))
            for match in found:
                keys[match.group("item")] = match.group("key")
    items: list[SourceItem] = []
    for raw in raw_items:
        if not isinstance(raw, Mapping) or not isinstance(raw.get("id"), str):
            problems.append(f"an entry of ITEMS has no id: {str(raw)[:60]!r}")
            continue
        options = tuple(str(o) for o in raw.get("options", ()) if isinstance(o, str))
        category = raw.get("category") if isinstance(raw.get("category"), str) else None
        key = keys.get(raw["id"])
        if key is None:
            problems.append(f"{raw['id']}: no key found in the hidden tests")
        vignette = " ".join(str(raw.get("vignette", "")).split())
        items.append(SourceItem(raw["id"], category, options, key, vignette))
    listed = {i.id for i in items}
    for item_id in keys:
        if item_id not in listed:
            problems.append(f"{item_id}: a hidden test has a key, but ITEMS has no such item")
            items.append(SourceItem(item_id, None, (), keys[item_id]))
    if not raw_items and not pooled:
        problems.append("no ITEMS list found in any code cell")
    return items, problems


# =====================================================================================
# Statistics
# =====================================================================================
def group_size(graded: int, share: Fraction = GROUP_SHARE) -> int:
    """Trainees in each of the upper and lower groups: 27 % of ``graded``, rounded half up,
    at least one; zero when fewer than two trainees are graded (no comparison possible)."""
    if graded < 2:
        return 0
    return max(1, math.floor(share * graded + Fraction(1, 2)))


@dataclass(frozen=True)
class _Group:
    """An upper or lower group: members who count fully, and a tie block sharing the rest."""

    full: frozenset[str]
    block: frozenset[str]
    block_weight: Fraction
    size: int

    def share(self, correct: set[str] | frozenset[str]) -> Fraction:
        """Weighted share of the group that got the item right (exact)."""
        right = len(self.full & correct) + self.block_weight * len(self.block & correct)
        return Fraction(right) / self.size


def _group(totals: Mapping[str, float], size: int, *, top: bool) -> _Group:
    by_total: dict[float, list[str]] = defaultdict(list)
    for student, total in totals.items():
        by_total[total].append(student)
    full: list[str] = []
    block: list[str] = []
    weight = Fraction(0)
    remaining = size
    for total in sorted(by_total, reverse=top):
        if remaining <= 0:
            break
        members = by_total[total]
        if len(members) <= remaining:
            full.extend(members)
            remaining -= len(members)
        else:
            block, weight, remaining = members, Fraction(remaining, len(members)), 0
    return _Group(frozenset(full), frozenset(block), weight, size)


def group_weights(totals: Mapping[str, float], size: int, *, top: bool) -> dict[str, Fraction]:
    """Membership weight of each trainee in the upper (``top=True``) or lower group.

    Trainees strictly beyond the boundary total count fully (weight 1); the ``m``
    trainees tied at the boundary share the ``k`` places left (each ``k/m``); everybody
    else is left out.  The weights always add up to ``size``.
    """
    group = _group(totals, size, top=top)
    weights = {s: Fraction(1) for s in group.full}
    weights.update({s: group.block_weight for s in group.block})
    return weights


def discrimination(
    totals: Mapping[str, float], correct: Mapping[str, bool], share: Fraction = GROUP_SHARE
) -> tuple[float, float, float] | None:
    """``(D, p_upper, p_lower)`` for one item, or ``None`` with fewer than two trainees.

    ``totals`` maps trainee to total score, ``correct`` maps trainee to whether they got
    this item right.  See the module docstring for the exact definition and ties.
    """
    size = group_size(len(totals), share)
    if size == 0:
        return None
    right = {s for s, ok in correct.items() if ok}
    return _d(_group(totals, size, top=True), _group(totals, size, top=False), right)


def _d(upper: _Group, lower: _Group, right: set[str]) -> tuple[float, float, float]:
    p_upper, p_lower = upper.share(right), lower.share(right)
    return float(p_upper - p_lower), float(p_upper), float(p_lower)


def revise_flags(difficulty: float | None, disc: float | None) -> tuple[str, ...]:
    """Why an item may need revising: too easy, too hard, or negative discrimination."""
    flags: list[str] = []
    if difficulty is not None and difficulty > TOO_EASY:
        flags.append("too easy")
    if difficulty is not None and difficulty < TOO_HARD:
        flags.append("too hard")
    if disc is not None and disc < MIN_DISCRIMINATION:
        flags.append("negative discrimination")
    return tuple(flags)


def _is_correct(score: float, max_score: float) -> bool:
    return max_score > 0 and score >= max_score


# =====================================================================================
# Results
# =====================================================================================
@dataclass(frozen=True)
class ItemStats:
    """Per-item results.  ``choices`` lists every option (in the item's order, zeros
    included), then any other label chosen, then ``(other)``; ``no_answer`` is separate."""

    item: Item
    graded: int
    correct: int
    difficulty: float | None
    discrimination: float | None
    p_upper: float | None
    p_lower: float | None
    choices: tuple[tuple[str, int], ...]
    no_answer: int
    flags: tuple[str, ...]


@dataclass(frozen=True)
class CategoryStats:
    """Accuracy per category: correct item answers / graded item answers."""

    category: str
    items: int
    answers: int
    correct: int

    @property
    def accuracy(self) -> float | None:
        return self.correct / self.answers if self.answers else None


@dataclass(frozen=True)
class Confusion:
    """Counts of (key, chosen) per category; ``rows``/``columns`` give the display order."""

    counts: Mapping[tuple[str, str], int]
    rows: Mapping[str, tuple[str, ...]]  # category -> key labels present
    columns: Mapping[str, tuple[str, ...]]  # category -> chosen labels (+ OTHER, NO_ANSWER)

    def count(self, key: str, chosen: str) -> int:
        return self.counts.get((key, chosen), 0)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def confusions(self) -> list[tuple[str, str, int]]:
        """Off-diagonal cells with a count, most frequent first (ties by label)."""
        cells = [(k, c, n) for (k, c), n in self.counts.items() if k != c and n > 0]
        return sorted(cells, key=lambda t: (-t[2], t[0], t[1]))


@dataclass(frozen=True)
class StudentStats:
    """One graded trainee: score, unanswered items, weakest category, follow-up reasons."""

    student: str
    score: float
    max_score: float
    correct: int
    items: int
    unanswered: int
    responses: str
    weakest_category: str | None
    reasons: tuple[str, ...]
    hand_score: float | None = None  # hand-graded cells (reflections); None: not graded yet
    hand_max: float = 0.0

    @property
    def share(self) -> float:
        return self.score / self.max_score if self.max_score else 0.0

    @property
    def total(self) -> float | None:
        """Quiz items plus hand-graded marks (before any late penalty); ``None`` while a
        hand-graded cell waits for its grade."""
        if self.hand_max and self.hand_score is None:
            return None
        return self.score + (self.hand_score or 0.0)

    @property
    def total_max(self) -> float:
        return self.max_score + self.hand_max

    @property
    def follow_up(self) -> bool:
        return bool(self.reasons)


@dataclass(frozen=True)
class AssignmentAnalysis:
    """Everything the report shows for one assignment."""

    items: tuple[ItemStats, ...]
    categories: tuple[CategoryStats, ...]
    confusion: Confusion
    students: tuple[StudentStats, ...]
    graded: tuple[str, ...]
    ungraded: tuple[str, ...]
    group_size: int
    disagreements: tuple[tuple[str, str], ...]  # (student, item): saved answer vs grade

    @property
    def to_revise(self) -> tuple[ItemStats, ...]:
        return tuple(s for s in self.items if s.flags)

    @property
    def follow_up(self) -> tuple[StudentStats, ...]:
        return tuple(sorted((s for s in self.students if s.follow_up),
                            key=lambda s: (s.share, -s.unanswered, s.student)))

    @property
    def small_cohort(self) -> bool:
        return len(self.graded) < SMALL_COHORT


# =====================================================================================
# Putting it together
# =====================================================================================
def _category_order(categories: Iterable[str]) -> list[str]:
    present = set(categories)
    return [c for c in CATEGORIES if c in present] + sorted(present - set(CATEGORIES))


def _label_order(category: str, labels: Iterable[str]) -> list[str]:
    labels = set(labels)
    known = list(CATEGORIES[category].slugs) if category in CATEGORIES else []
    return [s for s in known if s in labels] + sorted(labels - set(known))


def _choice_label(item: Item, chosen: str | None) -> str:
    if chosen is None or not chosen.strip():
        return NO_ANSWER
    if item.options and chosen not in item.options:
        return OTHER
    return chosen


def confusion_matrix(items: Sequence[Item], submissions: Sequence[Submission]) -> Confusion:
    """Count (key, chosen) over every item with a key and every given submission.

    A chosen label outside the item's options counts as ``(other)``, a missing answer as
    ``(no answer)``.  Columns list every label of the category, so an option nobody
    chose still shows as a zero.
    """
    counts: Counter[tuple[str, str]] = Counter()
    keys_by_cat: dict[str, set[str]] = defaultdict(set)
    extra_cols: dict[str, set[str]] = defaultdict(set)
    for item in items:
        if item.key is None:
            continue
        category = item.category or _safe_category(item.key)
        keys_by_cat[category].add(item.key)
        for sub in submissions:
            chosen = _choice_label(item, sub.chosen.get(item.id))
            counts[(item.key, chosen)] += 1
            if chosen in (OTHER, NO_ANSWER):
                extra_cols[category].add(chosen)
    rows: dict[str, tuple[str, ...]] = {}
    columns: dict[str, tuple[str, ...]] = {}
    for category in _category_order(keys_by_cat):
        rows[category] = tuple(_label_order(category, keys_by_cat[category]))
        labels = set(CATEGORIES[category].slugs) if category in CATEGORIES else set(rows[category])
        columns[category] = tuple(_label_order(category, labels)) + tuple(
            c for c in (OTHER, NO_ANSWER) if c in extra_cols[category])
    return Confusion(dict(counts), rows, columns)


def _safe_category(label: str) -> str:
    try:
        return category_of(label)
    except KeyError:
        return "unknown"


def _item_stats(item: Item, graded: Sequence[Submission],
                groups: tuple[_Group, _Group] | None) -> ItemStats:
    right = {s.student for s in graded if _is_correct(float(s.scores[item.id] or 0.0), item.max_score)}
    difficulty = len(right) / len(graded) if graded else None
    d, upper, lower = _d(*groups, right) if groups else (None, None, None)
    counts: Counter[str] = Counter(_choice_label(item, s.chosen.get(item.id)) for s in graded)
    no_answer = counts.pop(NO_ANSWER, 0)
    other = counts.pop(OTHER, 0)
    order = list(item.options) + sorted(set(counts) - set(item.options))
    choices = tuple((label, counts.get(label, 0)) for label in order)
    if other:
        choices += ((OTHER, other),)
    return ItemStats(item, len(graded), len(right), difficulty, d, upper, lower, choices,
                     no_answer, revise_flags(difficulty, d) if graded else ())


def _student_stats(sub: Submission, items: Sequence[Item]) -> StudentStats:
    score = math.fsum(float(sub.scores[i.id] or 0.0) for i in items)
    max_score = math.fsum(i.max_score for i in items)
    right = {i.id: _is_correct(float(sub.scores[i.id] or 0.0), i.max_score) for i in items}
    unanswered = sum(1 for i in items if _choice_label(i, sub.chosen.get(i.id)) == NO_ANSWER)
    per_cat: dict[str, list[bool]] = defaultdict(list)
    for i in items:
        if i.category:
            per_cat[i.category].append(right[i.id])
    weakest = None
    worst = 1.0
    for category in _category_order(per_cat):
        accuracy = sum(per_cat[category]) / len(per_cat[category])
        if accuracy < worst:
            weakest, worst = category, accuracy
    reasons: list[str] = []
    if max_score and score / max_score < FOLLOW_UP_SCORE:
        reasons.append(f"scored {score:g} of {max_score:g} (below {FOLLOW_UP_SCORE:.0%})")
    if sub.responses == "missing":
        reasons.append("no saved answers file (responses.json) in the submission")
    elif sub.responses == "corrupt":
        reasons.append("saved answers file could not be read")
    if items and unanswered and Fraction(unanswered, len(items)) >= FOLLOW_UP_UNANSWERED:
        reasons.append(f"{unanswered} of {len(items)} items unanswered")
    if sub.hand_max and sub.hand is not None:
        total, total_max = score + sub.hand, max_score + sub.hand_max
        if sub.hand / sub.hand_max < FOLLOW_UP_SCORE:
            reasons.append(f"hand-graded part (written tasks) scored {sub.hand:g} of {sub.hand_max:g}")
        if total / total_max < FOLLOW_UP_SCORE:
            reasons.append(f"total {total:g} of {total_max:g} with the hand-graded part "
                           f"(below {FOLLOW_UP_SCORE:.0%})")
    return StudentStats(sub.student, score, max_score, sum(right.values()), len(items),
                        unanswered, sub.responses, weakest, tuple(reasons), sub.hand, sub.hand_max)


def analyse(items: Sequence[Item], submissions: Sequence[Submission]) -> AssignmentAnalysis:
    """Item, category, confusion and trainee statistics for one assignment.

    Only submissions with a score for every item are analysed; the others are returned
    in ``ungraded`` so the caller can say who is missing and why the counts are lower.
    """
    complete = [all(s.scores.get(i.id) is not None for i in items) for s in submissions]
    graded = [s for s, ok in zip(submissions, complete, strict=True) if ok]
    ungraded = tuple(sorted(s.student for s, ok in zip(submissions, complete, strict=True) if not ok))
    totals = {s.student: math.fsum(float(s.scores[i.id] or 0.0) for i in items) for s in graded}
    size = group_size(len(graded))
    groups = (_group(totals, size, top=True), _group(totals, size, top=False)) if size else None
    item_stats = tuple(_item_stats(item, graded, groups) for item in items)

    per_cat: dict[str, list[ItemStats]] = defaultdict(list)
    for stats in item_stats:
        if stats.item.category:
            per_cat[stats.item.category].append(stats)
    categories = tuple(
        CategoryStats(c, len(per_cat[c]), sum(s.graded for s in per_cat[c]),
                      sum(s.correct for s in per_cat[c]))
        for c in _category_order(per_cat))

    disagreements = []
    for sub in graded:
        for item in items:
            chosen = sub.chosen.get(item.id)
            if item.key is None or chosen is None:
                continue
            right = _is_correct(float(sub.scores[item.id] or 0.0), item.max_score)
            if (chosen == item.key) != right:
                disagreements.append((sub.student, item.id))
    return AssignmentAnalysis(
        items=item_stats,
        categories=categories,
        confusion=confusion_matrix(items, graded),
        students=tuple(sorted((_student_stats(s, items) for s in graded), key=lambda s: s.student)),
        graded=tuple(sorted(s.student for s in graded)),
        ungraded=ungraded,
        group_size=size,
        disagreements=tuple(sorted(disagreements)),
    )
