"""Minimal-pair confusion: did the cohort see the one detail that changed?

A minimal pair (or triad) is the same situation told two or three times with one detail
changed and a different key (issue 11): the same request from a manager the target
fears and from one the target trusts.  A trainee who gives one member the *other*
member's key has read the shared situation and missed the detail that decides it.
That is the confusion the report shows per member, on the trainees who saw it:

* **n**: graded trainees whose draw holds the item;
* **right**: of them, how many answered with this member's own key label;
* **partner**: how many answered with the key of another member of the group
  (the changed detail missed);
* **other**: the rest (another label, or no answer known).

The label a trainee "answered" is the choice (choice items), the decisive source
(case items) or the label (cue items); sessions have no single label and are left out.
Pure functions only, like :mod:`.stats` and :mod:`.pooled`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["PairMember", "answered_label", "pair_confusion"]


@dataclass(frozen=True)
class PairMember:
    pair: str
    item: str
    key: str  # this member's key label
    partner_keys: tuple[str, ...]  # the other members' key labels
    n: int
    right: int
    partner: int  # answered with another member's key: the changed detail missed
    other: int

    @property
    def partner_share(self) -> float | None:
        return self.partner / self.n if self.n else None


def _key(item: Any) -> str | None:
    """The key label (choice/cue key, case decisive source); a session has none."""
    return None if getattr(item, "kind", "choice") == "session" else str(item.key_label)


def answered_label(item: Any, answer: Any) -> str | None:
    """The one label an answer gives (``None``: no answer, or a session item)."""
    kind = getattr(item, "kind", "choice")
    if answer is None or kind == "session":
        return None
    if kind == "case":
        if isinstance(answer, str):  # a stored token, "marked+marked>decisive"
            return answer.partition(">")[2] or None
        return answer.get("decisive") if isinstance(answer, Mapping) else None
    if kind == "cue":
        if isinstance(answer, str):  # "label@sentence"
            return answer.partition("@")[0] or None
        return answer.get("label") if isinstance(answer, Mapping) else None
    return answer if isinstance(answer, str) and answer else None


def pair_confusion(pool: Sequence[Any], answers: Mapping[str, Mapping[str, Any]],
                   shown: Mapping[str, Sequence[str]]) -> tuple[PairMember, ...]:
    """Per member of every pair group with at least two keyed members.

    ``answers`` maps trainee -> item id -> saved answer; ``shown`` maps trainee -> the
    item ids of their draw (only graded trainees).  Groups are in pool order."""
    groups: dict[str, list[Any]] = defaultdict(list)
    for item in pool:
        if getattr(item, "pair", None) and _key(item) is not None:
            groups[item.pair].append(item)
    rows: list[PairMember] = []
    for pair, members in groups.items():
        if len(members) < 2:
            continue
        for item in members:
            own = _key(item) or ""
            partners = tuple(sorted({_key(m) or "" for m in members if m is not item} - {own}))
            n = right = partner = other = 0
            for student, draw in shown.items():
                if item.id not in draw:
                    continue
                n += 1
                label = answered_label(item, answers.get(student, {}).get(item.id))
                if label == own:
                    right += 1
                elif label in partners:
                    partner += 1
                else:
                    other += 1
            rows.append(PairMember(pair, item.id, own, partners, n, right, partner, other))
    return tuple(rows)
