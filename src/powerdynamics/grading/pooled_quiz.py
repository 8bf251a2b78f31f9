"""The graded quiz of a pooled assignment (issue 12): the trainee's own draw, every kind.

The released notebook's quiz cell is::

    ITEMS_FILE = "a1-items.json"
    quiz = PooledQuiz(ITEMS_FILE)
    quiz

``<pool>-items.json`` (released next to the notebook) holds the key-free view of every
pool item and the balanced forms; it never holds a key.  The quiz

1. takes the trainee's **login**: the ``login=`` argument, else the JupyterHub user
   (``JUPYTERHUB_USER``, which is the nbgrader student id on the course's hub), else the
   login saved earlier in ``responses.json``, else it asks once ("Type your course
   login, exactly as your instructor gave it");
2. computes the **draw** with :func:`powerdynamics.grading.draws.draw_for` (the same
   function autograde and ``powerdynamics grade draw`` call) and shows those items with
   the course's one front end (``quiz.js``, the lessons' quiz) in *graded* mode: no
   verdict, no rating, only "Saved";
3. writes every answer at once, atomically, to ``responses.json`` next to the notebook,
   with the draw record ``{"student", "seed", "form", "items"}``, so autograde can tell a
   draw that is not the submitting trainee's.

Answers are checked against the public view only (:mod:`.public_answers`): an option the
item does not have, or a session path that leaves the graph, is refused with a reason.
Nothing a trainee entered is lost: an unreadable ``responses.json`` is moved aside
(``responses.json.corrupt-<time>``) with a notice before a new one is started, and
while nbgrader executes the notebook nothing is written.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping
from html import escape
from pathlib import Path
from typing import Any

from powerdynamics.bank.labels import label_for
from powerdynamics.display import bundle_with_widget
from powerdynamics.grading.assessment import (
    RESPONSES_FILE,
    _under_nbgrader,
    move_aside,
    write_responses,
)
from powerdynamics.grading.draws import Draw, draw_for
from powerdynamics.grading.pool_grading import read_pool_responses
from powerdynamics.grading.pools import PoolError, read_items_file
from powerdynamics.grading.public_answers import check_answer, describe, token_of
from powerdynamics.quiz.frontend import CONTENT_NOTE

__all__ = ["LOGIN_PROMPT", "NotAnswered", "PooledQuiz", "PooledQuizError", "answered", "pooled_status"]

LOGIN_PROMPT = "Type your course login, exactly as your instructor gave it"
LOGIN_ENV = "JUPYTERHUB_USER"
#: How the prompt reads inside a sentence ("... and type your course login, ...").
LOGIN_HINT = LOGIN_PROMPT[0].lower() + LOGIN_PROMPT[1:]


class NotAnswered(AssertionError):
    """Raised by a ``q`` cell run in the notebook when its question has no answer yet."""


class PooledQuizError(ValueError):
    """The quiz cannot start (a missing or damaged items file): says which file and why."""


def _login_from_env() -> str | None:
    value = os.environ.get(LOGIN_ENV, "")
    return value if value.strip() else None


class PooledQuiz:
    """One trainee's draw of a pooled assignment, answered in the notebook."""

    def __init__(self, items_file: str | os.PathLike[str], responses_path: str | os.PathLike[str]
                 = RESPONSES_FILE, *, login: str | None = None, title: str | None = None) -> None:
        self.items_path = Path(items_file).absolute()
        try:
            document = read_items_file(self.items_path)
        except PoolError as exc:
            raise PooledQuizError(
                f"The graded quiz cannot start: {exc}. The file comes with the assignment; "
                "fetch the assignment again or ask your instructor.") from None
        self.assignment: str = document["assignment"]
        self.title = title or f"Assignment {self.assignment}"
        self.views: dict[str, dict[str, Any]] = {
            str(v["id"]): v for v in document.get("items", ())
            if isinstance(v, dict) and isinstance(v.get("id"), str)}
        self.forms = document["forms"]
        self.path = Path(responses_path).absolute()
        self.read_only = _under_nbgrader()
        self.messages: list[str] = []
        self._answers: dict[str, Any] = {}
        self._saved_draw: dict[str, Any] | None = None
        self._restore()
        self.draw: Draw | None = None
        saved_login = self._saved_draw.get("student") if self._saved_draw else None
        chosen = login or _login_from_env() or (saved_login if isinstance(saved_login, str) else None)
        self._widget: Any = None
        if chosen:
            self.use_login(chosen)

    # -- state ---------------------------------------------------------------------------
    def _warn(self, message: str) -> None:
        self.messages.append(message)
        warnings.warn(message, stacklevel=3)

    def _restore(self) -> None:
        found = read_pool_responses(self.path)
        if found.status == "ok":
            self._answers = dict(found.answers)
            self._saved_draw = found.draw
            return
        if found.status != "corrupt":
            return
        if self.path.is_dir():
            self._warn(f"{self.path.name} is a folder, so answers cannot be saved there; rename it.")
            self.read_only = True
        elif self.read_only:
            self.messages.append(f"Saved answers cannot be read: {found.problem}")
        else:
            try:
                aside = move_aside(self.path)
            except OSError as exc:
                self._warn(f"{found.problem}. It could not be moved aside ({exc}); answers will "
                           "not be saved until it is fixed or removed.")
                self.read_only = True
                return
            self._warn(f"{found.problem}. It was kept as {aside.name} and a new {self.path.name} "
                       "is started; tell your instructor if it held answers.")

    def use_login(self, login: str) -> Draw:
        """Draw the items for ``login`` and record the draw (raises ``ValueError`` when the
        login is empty or the items file does not hold the draw's items)."""
        login = " ".join(str(login).split())
        draw = draw_for(self.assignment, login, self.forms)
        missing = [i for i in draw.items if i not in self.views]
        if missing:
            raise PooledQuizError(f"{self.items_path.name} is damaged: it does not describe "
                                  f"item(s) {', '.join(missing)}; fetch the assignment again.")
        self.draw = draw
        if self._saved_draw != self.draw_record and not self.read_only:
            try:
                self._write()
            except OSError as exc:
                self._warn(f"Your login could not be saved in {self.path.name} ({exc}).")
        return draw

    @property
    def login(self) -> str | None:
        return self.draw.student if self.draw else None

    @property
    def draw_record(self) -> dict[str, Any] | None:
        if self.draw is None:
            return None
        return {"student": self.draw.student, "seed": self.draw.seed, "form": self.draw.form,
                "items": list(self.draw.items)}

    @property
    def items(self) -> list[dict[str, Any]]:
        """The public views of this trainee's items, in the order shown."""
        return [self.views[i] for i in self.draw.items] if self.draw else []

    @property
    def answers(self) -> dict[str, Any]:
        """Saved answers to the items of this draw."""
        shown = set(self.draw.items) if self.draw else set()
        return {k: v for k, v in self._answers.items() if k in shown}

    def __len__(self) -> int:
        return len(self.items)

    def __repr__(self) -> str:
        who = f"login {self.login!r}" if self.login else "no login yet"
        return (f"<PooledQuiz {self.assignment}: {who}, {len(self.items)} items, "
                f"{len(self.answers)} answered, saved to {self.path.name}>")

    def _write(self) -> Path:
        if self.read_only:
            raise PermissionError("answers are not written while nbgrader executes this notebook"
                                  if _under_nbgrader() else f"{self.path} cannot be used")
        on_disk = read_pool_responses(self.path)
        if on_disk.status == "corrupt":
            aside = move_aside(self.path)
            self._warn(f"{on_disk.problem}. The file was kept as {aside.name}.")
        elif on_disk.status == "ok":
            # keep answers written meanwhile by another session, then apply ours
            self._answers = {**on_disk.answers, **self._answers}
        path = write_responses(self.path, self.assignment, self._answers, draw=self.draw_record)
        self._saved_draw = self.draw_record
        return path

    def save(self, item_id: str, answer: Any) -> Any:
        """Check ``answer`` against the item's public view and write it; returns the answer
        as saved.  ``KeyError`` for an item not in this draw, ``ValueError`` for an answer
        the item cannot have."""
        if self.draw is None:
            raise PermissionError(f"{LOGIN_PROMPT} first")
        if item_id not in self.draw.items:
            raise KeyError(f"{item_id!r} is not one of your questions ({', '.join(self.draw.items)})")
        view = self.views[item_id]
        value = check_answer(view, answer)
        if view["kind"] == "session" and item_id in self._answers:
            raise PermissionError("this session was walked already; a session is walked once "
                                  "and its saved path is your answer")
        self._answers[item_id] = value
        self._write()
        return value

    # -- renderings --------------------------------------------------------------------
    def front_end_data(self) -> dict[str, Any]:
        """What ``quiz.js`` is given in graded mode: views, names, strings, saved answers."""
        from powerdynamics.quiz.frontend import GRADED_STRINGS, STRINGS, label_table

        items, slugs, restored = [], set(), {}
        saved = self.answers
        for number, view in enumerate(self.items, start=1):
            shown = {k: v for k, v in view.items() if k not in ("content_note", "category")}
            shown["n"] = number
            if view.get("content_note"):
                shown["note"] = 1
            slugs.update(view.get("options", ()))
            if view["id"] in saved:
                try:
                    value = check_answer(view, saved[view["id"]])
                except ValueError:
                    value = None
                if value is not None:
                    token = token_of(view, value)
                    text = f"Saved earlier: {describe(view, value)}."
                    if view["kind"] == "session":
                        shown["saved"] = text + " A session is walked once: this path is your answer."
                    else:
                        shown["t"], shown["v"] = [text, ""], {token: [0, 0, 0, 1, []]}
                    restored[view["id"]] = {"first": token, "last": token}
            items.append(shown)
        return {"quiz": f"graded-{self.assignment}", "title": self.title, "graded": 1,
                "s": STRINGS, "g": GRADED_STRINGS, "restored": restored, "items": items,
                "labels": label_table(slugs)}

    @property
    def widget(self) -> Any:
        if self._widget is None:
            from powerdynamics.grading.pooled_widget import PooledQuizView

            self._widget = PooledQuizView(self)
        return self._widget

    def to_html(self) -> str:
        """Static text for a viewer without a kernel: what to do, and the questions."""
        parts = ['<div class="pd-assessment">',
                 f"<p><strong>Graded quiz: {escape(self.title)}</strong></p>",
                 "<p>This graded quiz needs a running Python kernel: open the notebook in "
                 "JupyterLab (or the browser edition) and run its cells to answer.</p>"]
        if self.draw:
            parts.append(f"<p>Your questions (login {escape(self.draw.student)}):</p><ol>")
            for view in self.items:
                text = view.get("vignette") or view.get("case") or " ".join(view.get("sentences", ()))
                parts.append(f"<li><p>{escape(str(text))}</p></li>")
            parts.append("</ol>")
        parts.append("</div>")
        return "".join(parts)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        return bundle_with_widget(repr(self), self.to_html(), self.widget.box)

    def as_text(self) -> str:
        """The trainee's questions as plain text, with what the typed route needs: item
        ids, option labels, sentence numbers (from 0) and a session's moves (from 0)
        with the step each leads to; for a screen reader or for typing answers."""
        if self.draw is None:
            return f"No questions yet: run the quiz cell and {LOGIN_HINT}."
        out: list[str] = [f"Questions for login {self.draw.student}:"]
        for number, view in enumerate(self.items, start=1):
            out += ["", f"Question {number} of {len(self.items)} (item id {view['id']!r}, "
                        f"{view['kind']})"]
            if view.get("content_note"):
                out.append(CONTENT_NOTE)
            if view["kind"] == "session":
                # One step at a time, as in the quiz: listing every step here would show
                # where each move leads before it is chosen.
                first = view["nodes"][view["start"]]
                out += [view["title"], view["case"], first["say"], view["question"]]
                out += [f"  move {i}: {m['text']}" for i, m in enumerate(first.get("moves", ()))]
                out.append("  Walk this session in the quiz above, one step at a time (it works "
                           "with the keyboard and a screen reader): each step shows what happens "
                           "next. It cannot be typed here.")
                continue
            if view["kind"] == "cue":
                out += [f"  sentence {i}: {t}" for i, t in enumerate(view["sentences"])]
            else:
                out.append(view["vignette"])
            out.append(view["question"])
            out += [f"  {slug!r}: {label_for(slug).name}: {label_for(slug).definition}"
                    for slug in view["options"]]
            if view["kind"] == "case":
                out.append(f"  Then: {view['decisive_question']} "
                           '(answer {"marked": [labels at work], "decisive": label})')
            elif view["kind"] == "cue":
                out.append(f"  Then: {view['cue_question']} (answer {{\"label\": label, \"sentence\": number}})")
        return "\n".join(out)

    # -- the typed route -----------------------------------------------------------------
    def check_typed(self, typed: Any) -> list[str]:
        """Format problems of ``typed_answers`` (never whether an answer is right)."""
        if typed is None:
            return []
        if not isinstance(typed, Mapping):
            return [f"typed_answers must be a dict of item id -> answer, not {type(typed).__name__}"]
        problems = []
        shown = list(self.draw.items) if self.draw else []
        for item_id, value in typed.items():
            if value in (None, "", {}):
                continue
            if str(item_id) not in shown:
                problems.append(f"{item_id!r} is not one of your questions ({', '.join(shown)})")
                continue
            try:
                check_answer(self.views[str(item_id)], value)
            except ValueError as exc:
                problems.append(f"{item_id}: {exc}")
        return problems


def pooled_status(quiz: PooledQuiz, typed: Any = None) -> str:
    """Which questions of the draw have an answer, and from which route (never whether it
    is right): the "Before you submit" cell."""
    if quiz.draw is None:
        return f"No questions yet: run the quiz cell above and {LOGIN_HINT}."
    typed = typed if isinstance(typed, Mapping) else {}
    lines, answered = [], 0
    for number, view in enumerate(quiz.items, start=1):
        head = f"Question {number} ({view['id']})"
        found = _answer_of(quiz, view, typed)
        if found is None:
            lines.append(f"{head}: no answer")
            continue
        answered += 1
        lines.append(f"{head}: {describe(view, found[0])} ({found[1]})")
    problems = quiz.check_typed(typed)
    first = [f"Login {quiz.draw.student}: {answered} of {len(quiz.items)} questions answered."]
    return "\n".join(first + lines + [f"Typed answers: {p}" for p in problems])


def answered(quiz: PooledQuiz, position: int, typed: Any = None) -> None:
    """What a ``q`` cell says when it is run: whether question ``position`` of the
    trainee's set has an answer (never whether it is right).

    In the trainee's notebook it prints the line (an exception would stop Run All).
    While nbgrader executes the notebook (``nbgrader validate``) an unanswered question
    raises :class:`NotAnswered`, so an untouched release counts as failing.  Autograde
    does not run the cell: its grade comes from the saved data."""
    line, ok = _answered_line(quiz, position, typed)
    if not ok and _under_nbgrader():
        raise NotAnswered(line)
    print(line)


def _answered_line(quiz: PooledQuiz, position: int, typed: Any) -> tuple[str, bool]:
    if quiz.draw is None:
        return f"Question {position}: no questions yet: run the quiz cell and {LOGIN_HINT}.", False
    if not 1 <= position <= len(quiz.items):
        return f"Question {position}: your set has {len(quiz.items)} questions.", False
    view = quiz.items[position - 1]
    found = _answer_of(quiz, view, typed if isinstance(typed, Mapping) else {})
    if found is not None:
        return (f"Question {position} ({view['id']}): answered ({found[1]}): "
                f"{describe(view, found[0])}."), True
    return f"Question {position} ({view['id']}) has no answer yet.", False


def _answer_of(quiz: PooledQuiz, view: Mapping[str, Any], typed: Mapping[str, Any]
               ) -> tuple[Any, str] | None:
    """The answer that counts for one question, as autograde chooses it: a typed answer
    that can be read, else the saved quiz answer; with where it came from."""
    for value, source in ((typed.get(view["id"]), "typed"),
                          (quiz.answers.get(view["id"]), "saved quiz answer")):
        if value in (None, "", {}):
            continue
        try:
            return check_answer(view, value), source
        except ValueError:
            continue
    return None
