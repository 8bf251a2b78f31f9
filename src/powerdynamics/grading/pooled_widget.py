"""The views of :class:`~powerdynamics.grading.pooled_quiz.PooledQuiz` in JupyterLab and
JupyterLite: a one-time login prompt, then the lessons' front end in graded mode.

:class:`GradedQuizWidget` is the anywidget whose view is the one ``quiz.js``; Python
receives each answer (``{type: "answer", item, answer}``), saves it and replies with a
"Saved: ..." message in the verdict's place, never with a score.  A session's moves are
acknowledged one by one (nothing is saved until the path reaches an ending).
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING, Any

import anywidget
import traitlets

from powerdynamics.grading.public_answers import describe, session_path
from powerdynamics.quiz.frontend import module_source, stylesheet

if TYPE_CHECKING:
    from powerdynamics.grading.pooled_quiz import PooledQuiz


def _saved_reply(text: str) -> dict[str, Any]:
    return {"score": 0, "correct": False, "headline": text, "feedback": "", "parts": []}


class GradedQuizWidget(anywidget.AnyWidget):
    """One trainee's draw, answered and saved (never judged) in the notebook."""

    _esm = traitlets.Unicode(module_source()).tag(sync=True)
    _css = traitlets.Unicode(stylesheet()).tag(sync=True)
    data = traitlets.Dict().tag(sync=True)

    def __init__(self, quiz: PooledQuiz, **kwargs: Any) -> None:
        super().__init__(data=quiz.front_end_data(), **kwargs)
        self.quiz = quiz
        self.on_msg(self._on_message)

    def _score(self) -> str:
        from powerdynamics.quiz.frontend import GRADED_STRINGS

        answered, total = len(self.quiz.answers), len(self.quiz.items)
        return (GRADED_STRINGS["score"] if answered else GRADED_STRINGS["none"]).format(
            a=answered, t=total)

    def _on_message(self, _widget: Any, content: Any, _buffers: Any = None) -> None:
        if not isinstance(content, dict) or content.get("type") != "answer":
            return
        item_id = str(content.get("item"))
        try:
            headline = self.answer(item_id, content.get("answer"))
            reply: dict[str, Any] = {"verdict": _saved_reply(headline)}
        except (KeyError, ValueError, TypeError, PermissionError, OSError) as exc:
            reply = {"verdict": None, "error": str(exc).strip("'\"") + "."}
        self.send({"type": "verdict", "req": content.get("req"), "item": item_id,
                   "score": self._score(), **reply})

    def answer(self, item_id: str, answer: Any) -> str:
        """Save one answer (what a click on Save does); returns the line the trainee sees."""
        view = self.quiz.views.get(item_id)
        if view is None or item_id not in (self.quiz.draw.items if self.quiz.draw else ()):
            raise KeyError(f"{item_id!r} is not one of your questions")
        if view["kind"] == "session":
            _path, finished = session_path(view, answer)
            if not finished:
                return ""  # a move of a session still under way: nothing to save yet
            answer = {"path": _path}
        saved = self.quiz.save(item_id, answer)
        return f"Saved: {describe(view, saved)}."


class PooledQuizView:
    """``box``: the login prompt until a login is known, then the header and the quiz."""

    def __init__(self, quiz: PooledQuiz) -> None:
        import ipywidgets as w

        self.quiz = quiz
        self.box = w.VBox(layout=w.Layout(margin="1em 0"))
        self.quiz_widget: GradedQuizWidget | None = None
        if quiz.draw is None:
            self._ask()
        else:
            self._show()

    def _notices(self) -> list[Any]:
        import ipywidgets as w

        return [w.HTML(f'<p role="alert">{escape(m)}</p>') for m in self.quiz.messages]

    def _ask(self) -> None:
        import ipywidgets as w

        from powerdynamics.grading.pooled_quiz import LOGIN_PROMPT

        intro = w.HTML(
            "<p><strong>Graded quiz: " + escape(self.quiz.title) + "</strong></p>"
            "<p>Each trainee answers a different set of questions, chosen from your course "
            "login. " + escape(LOGIN_PROMPT) + ", then press <em>Show my questions</em>. "
            "You type it once: it is saved with your answers.</p>")
        self.login = w.Text(placeholder="for example jdoe", description="Course login",
                            layout=w.Layout(width="24em"))
        self.go = w.Button(description="Show my questions", button_style="primary")
        self.status = w.HTML()
        self.go.on_click(lambda _b: self.submit(self.login.value))
        self.login.on_submit(lambda _t: self.submit(self.login.value))
        self.box.children = [intro, *self._notices(), w.HBox([self.login, self.go]), self.status]

    def submit(self, login: str) -> str:
        """Use ``login`` (what pressing *Show my questions* does); returns the status text."""
        from powerdynamics.grading.pooled_quiz import PooledQuizError

        if not " ".join(str(login).split()):
            self.status.value = '<p role="alert">Type your course login first.</p>'
            return self.status.value
        try:
            self.quiz.use_login(login)
        except (PooledQuizError, ValueError) as exc:
            self.status.value = f'<p role="alert">{escape(str(exc))}</p>'
            return self.status.value
        self._show()
        return ""

    def _show(self) -> None:
        import ipywidgets as w

        draw = self.quiz.draw
        assert draw is not None
        header = w.HTML(
            f"<p>Questions for login <strong>{escape(draw.student)}</strong> "
            f"({len(draw.items)} questions). If that is not your login, tell your instructor "
            "before you answer: your instructor grades the questions of your own login.</p>")
        self.quiz_widget = GradedQuizWidget(self.quiz)
        self.box.children = [header, *self._notices(), self.quiz_widget]
