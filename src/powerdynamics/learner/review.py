"""Spaced review: which practice items a trainee should see next.

A small Leitner scheme over the progress store.  Each item sits in a box:

* box 0: never answered;
* box 1: the last first-try answer was wrong (comes back first);
* boxes 2-5: answered right at the first try 1-4+ times in a row (come back later,
  the higher the box the later).

Only the first answer of each quiz session counts (``attempt == 1``); retries after
feedback teach, but they do not show that the distinction is mastered.  Within a box,
categories are interleaved (round robin) so practice mixes the distinctions.

The book has no kernel: its Mixed review applies the same rule in the browser, to the
first-try answers ``quiz.js`` saved there.  :func:`review_rule` gives it the rule's data
(the pool in this module's seeded order, ``MAX_BOX``); ``reviewQueue`` in
``quiz/assets/quiz.js`` does the rest, and ``tests/unit/learner/test_review_rule.py`` checks that it
orders generated histories exactly as :func:`review_queue` does.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from powerdynamics.kinds import KeyedItem as Scenario
from powerdynamics.learner.progress import Answer
from powerdynamics.ordering import seeded_order

MAX_BOX = 5


@dataclass(frozen=True)
class ItemState:
    item_id: str
    box: int
    seen: int
    last_seen: str


def leitner_boxes(answers: Iterable[Answer]) -> dict[str, ItemState]:
    """Replay first-try answers in order and return each answered item's box."""
    state: dict[str, ItemState] = {}
    for answer in answers:
        if answer.attempt != 1:
            continue
        previous = state.get(answer.item_id)
        box = previous.box if previous else 0
        box = min(max(box, 1) + 1, MAX_BOX) if answer.correct else 1
        seen = (previous.seen if previous else 0) + 1
        state[answer.item_id] = ItemState(answer.item_id, box, seen, answer.answered_at)
    return state


def _interleave(items: Sequence[Scenario], seed: int | str | None) -> list[Scenario]:
    by_category: dict[str, list[Scenario]] = defaultdict(list)
    for item in seeded_order(items, seed, salt="review", key=lambda s: s.id):
        by_category[item.category].append(item)
    queues = [by_category[c] for c in sorted(by_category)]
    out: list[Scenario] = []
    while any(queues):
        for queue in queues:
            if queue:
                out.append(queue.pop(0))
    return out


def review_rule(items: Sequence[Scenario], *, seed: int | str | None = 0) -> dict[str, object]:
    """The data the book's front end needs to order ``items`` as :func:`review_queue` does.

    ``pool`` is ``[item id, category]`` in the seeded order that ``_interleave`` starts
    from (a subset keeps that order, since each item's rank depends on its id alone)."""
    order = seeded_order(items, seed, salt="review", key=lambda s: s.id)
    return {"pool": [[s.id, s.category] for s in order], "maxBox": MAX_BOX}


def review_queue(
    items: Sequence[Scenario], answers: Iterable[Answer], *, seed: int | str | None = 0
) -> list[Scenario]:
    """Items in review order: missed first, then unseen, then by rising box, oldest first."""
    state = leitner_boxes(answers)
    missed = [i for i in items if i.id in state and state[i.id].box == 1]
    unseen = [i for i in items if i.id not in state]
    known = sorted(
        (i for i in items if i.id in state and state[i.id].box > 1),
        key=lambda i: (state[i.id].box, state[i.id].last_seen, i.id),
    )
    return _interleave(missed, seed) + _interleave(unseen, seed) + known
