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


# The login form sends what is typed *with* the press of the button (or Enter), in one
# message, as the quiz sends each answer: an ipywidgets Text syncs its value apart from a
# Button's click, throttled (one update in flight, the rest held until the kernel is idle),
# so a login typed fast or while the kernel was busy reached the kernel after the click and
# the draw was made for the first letters of it.
_LOGIN_ESM = """
export default {
  render({ model, el }) {
    const id = "pdq-login-" + Math.random().toString(36).slice(2);
    const row = document.createElement("div");
    row.className = "pdq-login";
    const label = document.createElement("label");
    label.htmlFor = id;
    label.textContent = model.get("label");
    const input = document.createElement("input");
    input.type = "text";
    input.id = id;
    input.placeholder = model.get("placeholder");
    input.autocomplete = "username";
    input.spellcheck = false;
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = model.get("button");
    const status = document.createElement("p");
    status.setAttribute("role", "alert");
    const show = () => { status.textContent = model.get("status"); status.hidden = !model.get("status"); };
    const send = () => model.send({ type: "login", login: input.value });
    button.addEventListener("click", send);
    input.addEventListener("keydown", (e) => {
      e.stopPropagation();  // typing is not a notebook shortcut
      if (e.key === "Enter") { e.preventDefault(); send(); }
    });
    model.on("change:status", show);
    show();
    row.append(label, " ", input, " ", button);
    el.append(row, status);
    return () => model.off("change:status", show);
  },
};
"""


class LoginForm(anywidget.AnyWidget):
    """"Course login" text box and "Show my questions" button; Python receives
    ``{type: "login", login}`` when the button is pressed or Enter typed."""

    _esm = traitlets.Unicode(_LOGIN_ESM).tag(sync=True)
    label = traitlets.Unicode("Course login").tag(sync=True)
    placeholder = traitlets.Unicode("for example jdoe").tag(sync=True)
    button = traitlets.Unicode("Show my questions").tag(sync=True)
    status = traitlets.Unicode("").tag(sync=True)


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
        self.form = LoginForm()
        self.form.on_msg(self._on_login)
        self.box.children = [intro, *self._notices(), self.form]

    def _on_login(self, _widget: Any, content: Any, _buffers: Any = None) -> None:
        if isinstance(content, dict) and content.get("type") == "login":
            self.submit(str(content.get("login", "")))

    def submit(self, login: str) -> str:
        """Use ``login`` (what pressing *Show my questions* does); returns the status text."""
        from powerdynamics.grading.pooled_quiz import PooledQuizError

        if not " ".join(str(login).split()):
            self.form.status = "Type your course login first."
            return self.form.status
        try:
            self.quiz.use_login(login)
        except (PooledQuizError, ValueError) as exc:
            self.form.status = str(exc)
            return self.form.status
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
