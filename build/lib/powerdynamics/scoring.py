"""The one scoring rule shared by the JupyterLab widget and the static HTML quiz.

The rule lives only here, in Python.  The static renderer does not re-implement it in
JavaScript: it embeds, for every option of every item, the verdict and the feedback
that :func:`check_answer` returns, and the browser merely looks them up and counts.
A browser test clicks every option of every bank item and compares what the page
shows with this function, so the two renderings cannot drift apart.

Scoring: an item counts as correct when the *first* answer checked for it is the key.
Trying again after a wrong answer is encouraged (the feedback teaches the rule) but
does not change the score; the item is listed among the missed ones at the end.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from .labels import label_for
from .scenarios import Scenario


@dataclass(frozen=True)
class Verdict:
    """What a trainee is told after checking one answer."""

    item_id: str
    chosen: str
    correct: bool
    headline: str
    feedback: str


def check_answer(item: Scenario, chosen: str) -> Verdict:
    """Judge one answer and say why: the decisive cue if right, the separating rule if not."""
    if chosen not in item.options:
        raise ValueError(f"{chosen!r} is not an option of item {item.id!r}")
    key_name = label_for(item.key).name
    if chosen == item.key:
        return Verdict(item.id, chosen, True, f"Correct: {key_name}.", item.explanation)
    chosen_name = label_for(chosen).name
    return Verdict(
        item.id, chosen, False, f"Not quite: {chosen_name} is not the best fit.",
        item.feedback[chosen],
    )


@dataclass
class Tally:
    """First-attempt score over a sequence of items; the same arithmetic as the page's JS."""

    item_ids: Sequence[str]
    first_answers: dict[str, Verdict] = field(default_factory=dict)

    def record(self, verdict: Verdict) -> bool:
        """Count a verdict; returns True if it was the first answer for its item."""
        if verdict.item_id in self.first_answers:
            return False
        self.first_answers[verdict.item_id] = verdict
        return True

    @property
    def answered(self) -> int:
        return len(self.first_answers)

    @property
    def correct(self) -> int:
        return sum(v.correct for v in self.first_answers.values())

    @property
    def missed(self) -> list[str]:
        """Ids of items whose first answer was wrong, in quiz order."""
        return [i for i in self.item_ids if i in self.first_answers and not self.first_answers[i].correct]

    @property
    def finished(self) -> bool:
        return self.answered == len(self.item_ids)

    def summary(self) -> str:
        return score_line(self.correct, self.answered, len(self.item_ids))


#: The running-score sentence; the static page fills the same template in its script.
SCORE_TEMPLATE = "Score: {c} of {a} answered correctly at the first try ({t} in this quiz)."


def score_line(correct: int, answered: int, total: int) -> str:
    return SCORE_TEMPLATE.format(c=correct, a=answered, t=total)


def all_verdicts(items: Iterable[Scenario]) -> dict[str, dict[str, Verdict]]:
    """Every possible verdict, item by option: what the static page embeds."""
    return {item.id: {o: check_answer(item, o) for o in item.options} for item in items}
