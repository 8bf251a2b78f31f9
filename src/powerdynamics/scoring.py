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
from typing import Any

from powerdynamics.kinds import answer_token, grade, module_for
from powerdynamics.kinds.base import Verdict
from powerdynamics.kinds.case import case_score
from powerdynamics.kinds.cue import cue_score
from powerdynamics.kinds.session import session_score

__all__ = ["Verdict", "check_answer", "case_score", "cue_score", "session_score", "Tally",
           "score_line", "all_verdicts", "SCORE_TEMPLATE", "NO_ANSWERS_YET"]


def check_answer(item: Any, answer: Any) -> Verdict:
    """Judge one answer of any kind and say why (the one rule: :func:`powerdynamics.kinds.grade`)."""
    return grade(item, answer)


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
    def points(self) -> float:
        """Partial credit summed over first answers (a case can earn 2/3 of a point)."""
        return sum(v.score for v in self.first_answers.values())

    @property
    def missed(self) -> list[str]:
        """Ids of items whose first answer was wrong, in quiz order."""
        return [i for i in self.item_ids if i in self.first_answers and not self.first_answers[i].correct]

    @property
    def finished(self) -> bool:
        return self.answered == len(self.item_ids)

    def summary(self) -> str:
        return score_line(self.correct, self.answered, len(self.item_ids))


#: The running-score sentence; the front end fills the same template.
SCORE_TEMPLATE = "Score: {c} of {a} answered correctly at the first try ({t} in this quiz)."
NO_ANSWERS_YET = "No answers yet ({t} in this quiz)."


def score_line(correct: int, answered: int, total: int) -> str:
    if answered == 0:
        return NO_ANSWERS_YET.format(t=total)
    return SCORE_TEMPLATE.format(c=correct, a=answered, t=total)


def all_verdicts(items: Iterable[Any]) -> dict[str, dict[str, Verdict]]:
    """Every possible verdict, item by answer token: what a page without a kernel embeds."""
    return {item.id: {answer_token(item, a): grade(item, a) for a in module_for(item).every_answer(item)}
            for item in items}
