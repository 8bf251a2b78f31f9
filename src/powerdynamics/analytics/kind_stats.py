"""What a cohort marked in case items and pointed at in cue items (issue 10).

A case item's score mixes several decisions; the instructor needs them apart:

* **per label of a case item**: among the trainees who saw it, the share who marked the
  label. For a label at work in the situation that is the **hit rate** (low: the
  source is missed); for a label not at work it is the **false-alarm rate** (high: the
  source is read into the situation). Also how often each label was chosen as the
  decisive one.
* **per sentence of a cue item**: how many pointed at it as the decisive sentence (the
  decisive one marked), and the labels given.

Only trainees whose draw holds the item count (``n``); a trainee with no saved answer
for it counts in ``n`` and under "no answer".  Pure functions, like :mod:`.pairs`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["CaseLabelRow", "CueSentenceRow", "case_label_rows", "cue_sentence_rows"]


@dataclass(frozen=True)
class CaseLabelRow:
    item: str
    label: str
    at_work: bool  # the label is one of the item's present sources
    n: int  # trainees who saw the item
    answered: int  # of them, with a readable answer
    marked: int
    chosen_decisive: int
    decisive: bool  # the label is the item's decisive source

    @property
    def rate(self) -> float | None:
        """Hit rate (a label at work) or false-alarm rate (one not at work), over answers."""
        return self.marked / self.answered if self.answered else None


@dataclass(frozen=True)
class CueSentenceRow:
    item: str
    sentence: int  # 0-based position in the vignette
    decisive: bool
    n: int
    pointed: int  # trainees who chose this sentence as the decisive one
    labels: tuple[tuple[str, int], ...]  # labels given by those trainees, most frequent first


def _case_answer(answer: Any) -> tuple[set[str], str | None] | None:
    if isinstance(answer, str):
        text, _, decisive = answer.partition(">")
        return {m for m in text.split("+") if m}, decisive or None
    if isinstance(answer, Mapping):
        marked = answer.get("marked")
        if isinstance(marked, list | tuple):
            return {m for m in marked if isinstance(m, str)}, answer.get("decisive")
    return None


def _cue_answer(answer: Any) -> tuple[str | None, int | None] | None:
    if isinstance(answer, str):
        label, _, text = answer.partition("@")
        return label or None, int(text) if text.isdigit() else None
    if isinstance(answer, Mapping):
        sentence = answer.get("sentence")
        return answer.get("label"), sentence if isinstance(sentence, int) else None
    return None


def _seen_by(item_id: str, shown: Mapping[str, Sequence[str]]) -> list[str]:
    return [s for s, draw in shown.items() if item_id in draw]


def case_label_rows(pool: Sequence[Any], answers: Mapping[str, Mapping[str, Any]],
                    shown: Mapping[str, Sequence[str]]) -> tuple[CaseLabelRow, ...]:
    """One row per option of every case item, in pool and option order."""
    rows: list[CaseLabelRow] = []
    for item in pool:
        if getattr(item, "kind", None) != "case":
            continue
        seen = _seen_by(item.id, shown)
        read = [a for a in (_case_answer(answers.get(s, {}).get(item.id)) for s in seen) if a]
        for label in item.options:
            rows.append(CaseLabelRow(
                item.id, label, label in item.present, len(seen), len(read),
                sum(1 for marked, _ in read if label in marked),
                sum(1 for _, decisive in read if decisive == label), label == item.decisive))
    return tuple(rows)


def cue_sentence_rows(pool: Sequence[Any], answers: Mapping[str, Mapping[str, Any]],
                      shown: Mapping[str, Sequence[str]]) -> tuple[CueSentenceRow, ...]:
    """One row per sentence of every cue item, in pool and vignette order."""
    rows: list[CueSentenceRow] = []
    for item in pool:
        if getattr(item, "kind", None) != "cue":
            continue
        seen = _seen_by(item.id, shown)
        read = [a for a in (_cue_answer(answers.get(s, {}).get(item.id)) for s in seen) if a]
        for k, sentence in enumerate(item.sentences):
            labels = Counter(label or "no label" for label, chosen in read if chosen == k)
            rows.append(CueSentenceRow(item.id, k, sentence.decisive, len(seen),
                                       sum(labels.values()),
                                       tuple(sorted(labels.items(), key=lambda x: (-x[1], x[0])))))
    return tuple(rows)
