"""``case``: a longer situation where several sources act at once.

The trainee marks **every source at work**, then the **one that best explains** the
decisive act. Partial credit, one rule (:func:`case_score`), documented in
``docs/bank-format.md``::

    marking  = max(0, hits - false_alarms) / len(present)
    score    = (2 * marking + (1 if decisive is right else 0)) / 3

Why this rule: marking every label (or none) earns nothing, so guessing does not pay;
missing a source costs as much as a false alarm; and the decisive choice, the skill the
course trains, is worth a third on its own.

The mastery view counts a case per category, from the same marking
(:func:`mastery_counts`): a case whose labels come from two categories is evidence
about both, and one right/wrong under the item's own category would hide which of the
two the trainee confuses.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from fractions import Fraction
from itertools import combinations
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from ..bank.labels import CATEGORIES, category_of, label_for
from .base import KeyedItem, Verdict, label_problems, tidy
from .choice import option_view


def case_score(present: frozenset[str] | set[str], marked: frozenset[str] | set[str],
               decisive: str, chosen_decisive: str | None) -> Fraction:
    """The partial-credit rule, exact (a Fraction from 0 to 1)."""
    hits = len(present & marked)
    false_alarms = len(marked - present)
    marking = Fraction(max(0, hits - false_alarms), len(present))
    return (2 * marking + (1 if chosen_decisive == decisive else 0)) / 3


class CaseItem(KeyedItem):
    """A case: every option's feedback says why it is, or is not, at work."""

    kind: Literal["case"]
    vignette: str = Field(min_length=80)
    options: tuple[str, ...] = Field(min_length=4, max_length=6)
    present: tuple[str, ...] = Field(min_length=2)
    decisive: str
    decisive_act: str = Field(min_length=10, description="The question about the decisive act.")
    feedback: dict[str, str]
    decisive_feedback: dict[str, str] = Field(default_factory=dict)

    @field_validator("feedback", "decisive_feedback")
    @classmethod
    def _tidy_feedback(cls, value: dict[str, str]) -> dict[str, str]:
        return {label: tidy(text) for label, text in value.items()}

    @field_validator("decisive_act")
    @classmethod
    def _tidy_act(cls, value: str) -> str:
        return tidy(value)

    @model_validator(mode="after")
    def _rules(self) -> CaseItem:
        problems = label_problems("options", self.options, self.category)
        stray = [p for p in self.present if p not in self.options]
        if stray:
            problems.append(f"present: {', '.join(map(repr, stray))} not among the options")
        if len(set(self.present)) != len(self.present):
            problems.append("present: a label is listed twice")
        if len(self.present) >= len(self.options):
            problems.append("present: at least one option must be a source that is not at work")
        if self.decisive not in self.present:
            problems.append(f"decisive: {self.decisive!r} must be one of the present labels")
        missing = [o for o in self.options if not self.feedback.get(o, "").strip()]
        if missing:
            problems.append(f"feedback: no feedback for option(s) {', '.join(map(repr, missing))} "
                            "(every option needs: why it is, or is not, at work)")
        extra = [k for k in self.feedback if k not in self.options]
        if extra:
            problems.append(f"feedback: {', '.join(map(repr, extra))} is not an option")
        others = [p for p in self.present if p != self.decisive]
        missing_d = [p for p in others if not self.decisive_feedback.get(p, "").strip()]
        if missing_d:
            problems.append(f"decisive_feedback: none for {', '.join(map(repr, missing_d))} "
                            "(why it is at work but does not decide)")
        extra_d = [k for k in self.decisive_feedback if k not in others]
        if extra_d:
            problems.append(f"decisive_feedback: {', '.join(map(repr, extra_d))} is not a present, "
                            "non-decisive label")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @property
    def key(self) -> str:
        return self.decisive

    @property
    def labels_at_work(self) -> tuple[str, ...]:
        return self.present

    @property
    def question(self) -> str:
        return "Mark every source of power at work here."


def parse_answer(item: CaseItem, answer: Any) -> tuple[frozenset[str], str | None]:
    """``{"marked": [...], "decisive": label}`` (or its token) to checked parts."""
    if isinstance(answer, str):
        answer = token_to_answer(answer)
    if not isinstance(answer, Mapping):
        raise ValueError(f"a case answer is a mapping with 'marked' and 'decisive', not {answer!r}")
    marked = answer.get("marked", ())
    if isinstance(marked, str) or not all(isinstance(m, str) for m in marked):
        raise ValueError("'marked' must be a list of labels")
    unknown = [m for m in marked if m not in item.options]
    chosen = answer.get("decisive")
    if chosen is not None and chosen not in item.options:
        unknown.append(chosen)
    if unknown:
        raise ValueError(f"{', '.join(map(repr, unknown))} is not an option of item {item.id!r}")
    return frozenset(marked), chosen


def grade(item: CaseItem, answer: Any) -> Verdict:
    marked, chosen = parse_answer(item, answer)
    present = frozenset(item.present)
    score = case_score(present, marked, item.decisive, chosen)
    hits, false_alarms = len(present & marked), len(marked - present)
    parts: list[tuple[str, str]] = []
    for option in item.options:
        at_work = option in present
        was_marked = option in marked
        mark = ("hit" if at_work else "false-alarm") if was_marked else ("miss" if at_work else "ok")
        parts.append((option, f"{mark}|{item.feedback[option]}"))
    if chosen == item.decisive:
        decisive_text = f"Decisive: {label_for(item.decisive).name}, right. {item.explanation}"
    elif chosen is None:
        decisive_text = f"Decisive: {label_for(item.decisive).name}. {item.explanation}"
    else:
        why = item.decisive_feedback.get(chosen) or item.feedback[chosen]
        decisive_text = (f"Decisive: you chose {label_for(chosen).name}; the best explanation is "
                         f"{label_for(item.decisive).name}. {why}")
    headline = (f"{hits} of {len(present)} sources found, {false_alarms} false alarm"
                f"{'s' * (false_alarms != 1)}; decisive source "
                f"{'right' if chosen == item.decisive else 'not right'}. Score {round(float(score) * 100)} %.")
    return Verdict(item.id, answer_token({"marked": sorted(marked), "decisive": chosen}),
                   score == 1, headline, decisive_text, float(score), tuple(parts))


def answer_token(answer: Any) -> str:
    """``marked1+marked2>decisive`` with marked labels sorted: one string per answer."""
    if isinstance(answer, str):
        return answer
    marked = "+".join(sorted(answer.get("marked", ())))
    return f"{marked}>{answer.get('decisive') or ''}"


def token_to_answer(token: str) -> dict[str, Any]:
    marked, _, decisive = token.partition(">")
    return {"marked": [m for m in marked.split("+") if m], "decisive": decisive or None}


def labels_by_category(item: CaseItem) -> dict[str, tuple[str, ...]]:
    """The case's option labels grouped by category, in the course's category order
    (a ``mixed`` case's options come from two categories or more)."""
    groups: dict[str, tuple[str, ...]] = {}
    for slug in CATEGORIES:
        labels = tuple(o for o in item.options if category_of(o) == slug)
        if labels:
            groups[slug] = labels
    return groups


def mastery_counts(item: CaseItem, chosen: str, correct: bool) -> dict[str, bool]:
    """How one answer to a case counts in the mastery view: each category among its
    option labels, and whether that category was right.

    The rule: the case counts as one item answered in every category among its option
    labels, and it is right in a category when *every* label of that category was judged
    rightly: marked when it is at work, left unmarked when it is not.  Why per category:
    marking the sources at work is a judgement label by label, so a hit, a miss or a
    false alarm is evidence about the label's own category, and a mixed case that is
    right about the bases but misses an institutional source should show the systemic
    category as the one to review, not hide both under "mixed".  Why every label of the
    category, not a share: the table counts items right or wrong (a false alarm is as
    wrong as a miss, as in :func:`case_score`), so a case weighs as much as any other
    item in each category it touches.  The decisive choice does not count here: it
    compares sources across categories and belongs to none of them; it stays in the
    case's score and in the review queue (which uses ``correct``, full marks).

    ``chosen`` is the stored answer token, read by :func:`parse_answer`; one that cannot
    be read (a token of another bank version, or an answer whose token was not kept)
    counts ``correct`` in every category: full marks means every label was judged
    rightly, and no category is credited with more than the answer shows.
    ``masteryRows`` in ``quiz/assets/quiz.js`` applies the same rule in the book."""
    groups = labels_by_category(item)
    try:
        marked, _ = parse_answer(item, chosen)
    except ValueError:
        return dict.fromkeys(groups, correct)
    present = frozenset(item.present)
    return {slug: all((label in marked) == (label in present) for label in labels)
            for slug, labels in groups.items()}


def every_answer(item: CaseItem) -> Iterator[dict[str, Any]]:
    """Every marking with every decisive choice among the marked labels."""
    for size in range(1, len(item.options) + 1):
        for marked in combinations(item.options, size):
            for chosen in marked:
                yield {"marked": list(marked), "decisive": chosen}


def view(item: CaseItem, options: tuple[str, ...]) -> dict[str, Any]:
    return {"kind": "case", "vignette": item.vignette, "question": item.question,
            "decisive_question": item.decisive_act, "options": [option_view(o) for o in options]}
