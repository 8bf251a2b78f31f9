"""The live quiz in JupyterLab and JupyterLite: an anywidget whose view is ``quiz.js``.

The view is the same ES module the book runs; here it is given the item views without
verdicts and sends every answer to Python (``{type: "answer", item, answer}``). Python
judges it with :func:`powerdynamics.kinds.grade` (the one rule), records it in the
progress store (the answer token in ``chosen``: a case's marking and decisive choice,
a cue's label and sentence, a session's path ``"0.2.1"``; the partial score is
``grade(item, chosen).score``) and replies with ``Verdict.as_dict()`` and the running
score line. anywidget needs no server extension, so this works in JupyterLite too.

Answers survive a kernel restart as they survive a reload in the book: a new widget for
the same items shows each item's latest answer from the progress store, with its
feedback, and counts each latest first try in the score (:func:`restored_answers`).
"Start again" clears that, as in the book.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import anywidget
import traitlets

from powerdynamics.kinds import answer_token, grade
from powerdynamics.kinds.session import END, follow, parse_answer
from powerdynamics.quiz.frontend import answers_by_token, embedded_verdicts, module_source, quiz_data, stylesheet
from powerdynamics.scoring import Tally, Verdict

if TYPE_CHECKING:
    from powerdynamics.quiz.plan import ScenarioQuiz


def finished(item: Any, answer: Any) -> bool:
    """Whether an answer is complete (a session's path must reach an ending)."""
    if getattr(item, "kind", "choice") != "session":
        return True
    steps = follow(item, parse_answer(answer))
    if not steps:
        return False
    nxt = steps[-1][1].next
    return nxt == END or item.nodes[nxt].end is not None


def restored_answers(quiz: ScenarioQuiz) -> dict[str, dict[str, Any]]:
    """Per item of ``quiz`` with answers in its progress store: the latest first try
    (``first``, the token of the latest attempt-1 answer), the latest answer (``last``)
    and the answers given since that first try (``n``), as the book keeps them in the
    browser.  Empty for a review (it starts each item afresh) or without a store."""
    store = quiz.progress
    if store is None or quiz.review_rule is not None:
        return {}
    ids = {p.scenario.id for p in quiz.items}
    found: dict[str, dict[str, Any]] = {}
    for answer in store.answers():
        if answer.item_id not in ids:
            continue
        if answer.attempt == 1:
            found[answer.item_id] = {"first": answer.chosen, "n": 0}
        entry = found.get(answer.item_id)
        if entry is not None:
            entry["last"] = answer.chosen
            entry["n"] += 1
    return found


class QuizWidget(anywidget.AnyWidget):
    """One quiz; ``tally`` counts first answers, ``attempts`` answers per item."""

    _esm = traitlets.Unicode(module_source()).tag(sync=True)
    _css = traitlets.Unicode(stylesheet()).tag(sync=True)
    data = traitlets.Dict().tag(sync=True)

    def __init__(self, quiz: ScenarioQuiz, **kwargs: Any) -> None:
        items = {p.scenario.id: p.scenario for p in quiz.items}
        tally = Tally(list(items))
        attempts: dict[str, int] = {}
        data = quiz_data(quiz, verdicts=False)
        restored = {}
        for item_id, entry in restored_answers(quiz).items():
            item = items[item_id]
            by_token = answers_by_token(item)  # one walk over the item's answers
            first = by_token.get(entry["first"])
            if first is None or entry["last"] not in by_token:
                continue  # an answer this item no longer has (the bank changed)
            restored[item_id] = {"first": entry["first"], "last": entry["last"]}
            tally.record(grade(item, first))
            attempts[item_id] = entry["n"]
            view = next(v for v in data["items"] if v["id"] == item_id)
            view["t"], view["v"] = embedded_verdicts(item, only={entry["first"], entry["last"]})
        data["restored"] = restored
        super().__init__(data=data, **kwargs)
        self.quiz = quiz
        self._items = items
        self.tally = tally
        self.attempts = attempts
        self.last_verdict: Verdict | None = None
        self.on_msg(self._on_message)

    def _on_message(self, _widget: Any, content: Any, _buffers: Any = None) -> None:
        if not isinstance(content, dict):
            return
        if content.get("type") == "reset":
            self.tally = Tally(self.tally.item_ids)
            return
        if content.get("type") != "answer":
            return
        def reply(verdict: Verdict | None, error: str = "") -> None:
            self.send({"type": "verdict", "req": content.get("req"), "item": content.get("item"),
                       "score": self.tally.summary(),
                       "verdict": None if verdict is None else verdict.as_dict(),
                       **({"error": error} if error else {})})

        try:
            self.answer(content.get("item"), content.get("answer"), reply=reply)
        except (KeyError, ValueError, TypeError) as exc:
            reply(None, str(exc))

    def answer(self, item_id: Any, answer: Any, reply: Any = None) -> Verdict:
        """Judge one answer to ``item_id`` and record it (what a click on Check does).

        ``reply(verdict)`` is called as soon as the verdict and tally are known, before
        the (fsync'd) progress write, so the trainee does not wait for the disk."""
        item = self._items[str(item_id)]
        verdict = grade(item, answer)
        self.last_verdict = verdict
        if not finished(item, answer):
            if reply is not None:
                reply(verdict)
            return verdict
        self.tally.record(verdict)
        if reply is not None:
            reply(verdict)
        attempt = self.attempts.get(item.id, 0) + 1
        self.attempts[item.id] = attempt
        store = self.quiz.progress
        if store is not None:
            store.record(item.id, item.category, answer_token(item, answer), verdict.correct,
                         attempt=attempt, quiz=self.quiz.quiz_id)
        return verdict
