"""The live ipywidgets UI of a :class:`~powerdynamics.quiz.ScenarioQuiz` (JupyterLab).

One item at a time: vignette, options as a radio group, Check, feedback (the reasoning
behind the chosen option, or the decisive cue), Try again, Next, a running score and,
at the end, a summary of the items missed at the first try.  Every checked answer is
recorded in the progress store.  Judging is :func:`powerdynamics.scoring.check_answer`,
the same rule the static page embeds.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

import ipywidgets as w

from powerdynamics.bank.labels import CATEGORIES, label_for
from powerdynamics.scoring import Tally, Verdict, check_answer

if TYPE_CHECKING:
    from powerdynamics.quiz.plan import ScenarioQuiz


def _p(text: str, cls: str = "") -> str:
    attr = f' class="{cls}"' if cls else ""
    return f"<p{attr}>{escape(text)}</p>"


class QuizWidget:
    """Composes standard ipywidgets; holds the session's state and tally."""

    def __init__(self, quiz: ScenarioQuiz) -> None:
        self.quiz = quiz
        self.index = 0
        self.attempts: dict[str, int] = {}
        self.tally = Tally([p.scenario.id for p in quiz.items])
        self.last_verdict: Verdict | None = None

        self.title = w.HTML(f"<strong>Practice: {escape(quiz.title)}</strong>")
        self.counter = w.HTML()
        self.vignette = w.HTML(layout=w.Layout(max_width="48em"))
        self.radio = w.RadioButtons(options=[], value=None, layout=w.Layout(width="auto"))
        self.check = w.Button(description="Check", button_style="primary",
                              tooltip="Check your answer")
        self.retry = w.Button(description="Try again", tooltip="Clear your answer and choose again")
        self.next = w.Button(description="Next question", tooltip="Go to the next question")
        self.feedback = w.HTML(layout=w.Layout(max_width="48em"))
        self.score = w.HTML()
        self.summary = w.HTML(layout=w.Layout(max_width="48em"))
        self.check.on_click(self._on_check)
        self.retry.on_click(self._on_retry)
        self.next.on_click(self._on_next)
        self.radio.observe(self._on_select, names="value")
        self.box = w.VBox(
            [self.title, self.counter, self.vignette, self.radio,
             w.HBox([self.check, self.retry, self.next]), self.feedback, self.score,
             self.summary],
            layout=w.Layout(border="1px solid #8a8a8a", padding="0.5em 1em", margin="1em 0"),
        )
        self._show_item()

    # -- state -----------------------------------------------------------------------
    @property
    def current(self):
        return self.quiz.items[self.index]

    def _show_item(self) -> None:
        planned = self.current
        scenario = planned.scenario
        self.counter.value = _p(f"Question {planned.number} of {len(self.quiz.items)}")
        note = ""
        if scenario.tags.content_note:
            note = _p("Content note: this scenario describes controlling or abusive behaviour.")
        self.vignette.value = (
            note + _p(scenario.vignette) + f"<p><em>{escape(CATEGORIES[scenario.category].question)}</em></p>"
        )
        self.radio.unobserve(self._on_select, names="value")
        self.radio.options = [
            (f"{label_for(o).name}: {label_for(o).definition}", o) for o in planned.options
        ]
        self.radio.value = None
        self.radio.observe(self._on_select, names="value")
        self.radio.disabled = False
        self.feedback.value = ""
        self.check.disabled = True
        self.retry.layout.display = "none"
        self.next.layout.display = "none"
        self.last_verdict = None
        self._show_score()

    def _show_score(self) -> None:
        self.score.value = _p(self.tally.summary())

    # -- events ----------------------------------------------------------------------
    def _on_select(self, change) -> None:
        self.check.disabled = change["new"] is None

    def _on_check(self, _button=None) -> None:
        chosen = self.radio.value
        if chosen is None:
            self.feedback.value = _p("Choose an option first.")
            return
        scenario = self.current.scenario
        verdict = check_answer(scenario, chosen)
        self.last_verdict = verdict
        attempt = self.attempts.get(scenario.id, 0) + 1
        self.attempts[scenario.id] = attempt
        self.tally.record(verdict)
        store = self.quiz.progress
        if store is not None:
            store.record(scenario.id, scenario.category, chosen, verdict.correct,
                         attempt=attempt, quiz=self.quiz.quiz_id)
        mark = "\u2713" if verdict.correct else "\u2717"
        colour = "#1a7f37" if verdict.correct else "#b42318"
        self.feedback.value = (
            f'<div role="status" aria-live="polite" style="border-left:4px solid {colour};'
            f'padding-left:0.75em">'
            f"<p><strong>{mark} {escape(verdict.headline)}</strong></p>{_p(verdict.feedback)}</div>"
        )
        self.radio.disabled = True
        self.check.disabled = True
        self.retry.layout.display = None if not verdict.correct else "none"
        last = self.index == len(self.quiz.items) - 1
        self.next.layout.display = None if not last else "none"
        self._show_score()
        if self.tally.finished:
            self._show_summary()

    def _on_retry(self, _button=None) -> None:
        self.radio.disabled = False
        self.radio.value = None
        self.feedback.value = ""
        self.retry.layout.display = "none"
        self.check.disabled = True

    def _on_next(self, _button=None) -> None:
        if self.index < len(self.quiz.items) - 1:
            self.index += 1
            self._show_item()

    def _show_summary(self) -> None:
        missed = self.tally.missed
        if not missed:
            self.summary.value = _p("Well done: every first answer was right.")
            return
        rows = []
        for planned in self.quiz.items:
            scenario = planned.scenario
            if scenario.id in missed:
                first = self.tally.first_answers[scenario.id]
                rows.append(
                    f"<li>Question {planned.number}: you first chose "
                    f"{escape(label_for(first.chosen).name)}; the best answer is "
                    f"{escape(label_for(scenario.key).name)}. {escape(scenario.explanation)}</li>"
                )
        self.summary.value = (
            _p("To review: the questions you missed at the first try.") + "<ul>" + "".join(rows) + "</ul>"
        )

    # -- convenience for scripts and tests ------------------------------------------
    def answer(self, label: str) -> Verdict:
        """Select ``label`` for the current item and press Check."""
        self.radio.value = label
        self._on_check()
        assert self.last_verdict is not None
        return self.last_verdict
