"""What the one front end (``assets/quiz.js``) is given: strings, item views, verdicts.

The same data feeds both renderings. The live widget (:mod:`.widget`) sends it without
verdicts and judges every answer in Python; the static page (:mod:`.static_page`) adds
every verdict Python computed, compactly: per item a table of texts (each text once)
and per answer token ``[score, correct, headline, feedback, [part key, part text, ...]]``
as indices into that table. The page only looks verdicts up; it never scores.

Every user-facing sentence the front end shows is in :data:`STRINGS` (one place).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

from powerdynamics.bank.labels import label_for
from powerdynamics.kinds import answer_token, grade, module_for
from powerdynamics.kinds.session import paths
from powerdynamics.scoring import NO_ANSWERS_YET, SCORE_TEMPLATE

if TYPE_CHECKING:
    from powerdynamics.quiz.plan import PlannedItem, ScenarioQuiz

CONTENT_NOTE = "Content note: this scenario describes controlling or abusive behaviour."
START_HINT = "Run this cell to start the quiz ({t} in this quiz)."

STRINGS: dict[str, Any] = {
    "title": "Practice: {title}",
    "legend": "Question {n} of {t}",
    "contentNote": CONTENT_NOTE,
    "check": "Check",
    "retry": "Try again",
    "reset": "Start this quiz again",
    "choose": "Choose",
    "again": "Start again",
    "score": SCORE_TEMPLATE,
    "none": NO_ANSWERS_YET,
    "chooseFirst": "Choose an option first.",
    "chooseBoth": "Choose a label and the sentence that decides it first.",
    "markAndChoose": "Mark the sources at work and choose the one that decides first.",
    "markFirst": "Mark the sources at work above; then choose here the one that decides.",
    "chooseMove": "Choose a move first.",
    "noVerdict": "This answer could not be judged here; run the notebook to check it.",
    "sentenceFeedback": "The sentence you chose:",
    "marks": {
        "hit": "{name}: at work, and you marked it.",
        "miss": "{name}: at work, but you did not mark it.",
        "false-alarm": "{name}: not at work, but you marked it.",
        "ok": "{name}: not at work, and you left it unmarked.",
    },
    "youChose": "You chose: {move}",
    "ratings": {
        "best": "The best move here ({principle}).",
        "ok": "An acceptable move; a better one was open ({principle}).",
        "poor": "A poor move here ({principle}).",
    },
    "sessionEnded": "The session ends here.",
    "missedHead": "To review: the questions you missed at the first try.",
    "missedItem": "Question {n}: {headline}",
    "allRight": "Well done: every first answer was right.",
    # The Mixed review in the book, built from the answers saved in the browser.
    "reviewNone": ("No answers yet in this browser, so the review starts with scenarios you "
                   "have not seen. Answer a practice quiz in any lesson of this book and the "
                   "scenarios you miss come back here first."),
    "reviewFrom": ("Built from the answers saved in this browser: {missed} missed at the first "
                   "try (these come first), {unseen} not answered yet, {known} answered right "
                   "(these come back later)."),
    "reviewNotStarted": "Nothing answered in this review yet ({t} questions).",
}

#: What the graded quiz (``data.graded``) says instead: it saves answers and never judges.
GRADED_STRINGS: dict[str, Any] = {
    "title": "Graded quiz: {title}",
    "check": "Save answer",
    "retry": "Change answer",
    "choose": "Choose",
    "score": ("Answered {a} of {t} questions. Each answer is saved in responses.json next to "
              "this notebook and handed in with it; you can change an answer until you submit."),
    "none": ("Nothing answered yet ({t} questions). Each answer is saved as soon as you save "
             "it; this quiz does not say whether an answer is right: your feedback will."),
    "notSaved": "Not saved: {why}",
    "sessionEnded": "The session ends here.",
}


@cache
def asset(name: str) -> str:
    return (resources.files("powerdynamics.quiz") / "assets" / name).read_text(encoding="utf-8")


def module_source() -> str:
    """The ES module (anywidget's ``_esm``)."""
    return asset("quiz.js")


def stylesheet() -> str:
    return asset("quiz.css")


@cache
def classic_script() -> str:
    """The module as a classic script (``file://`` pages cannot import ES modules).

    ``export`` is dropped, the code is wrapped in a function and started with ``boot()``;
    comment lines and indentation are removed (the module has no block comments and no
    ``//`` inside strings, which a test checks)."""
    lines = []
    for line in module_source().splitlines():
        text = line.strip()
        if not text or text.startswith("//"):
            continue
        text = re.sub(r"^export default ", "var pdqView = ", text)
        text = re.sub(r"^export function ", "function ", text)
        lines.append(text)
    body = "\n".join(lines)
    return ('(function(){"use strict";if(window.PDQuizBooted){window.PDQuizBooted();return;}\n'
            + body + "\nwindow.PDQuizBooted=boot;boot();}());")


def _view(planned: PlannedItem) -> dict[str, Any]:
    item = planned.scenario
    view = dict(module_for(item).view(item, planned.options))
    if "options" in view:
        view["options"] = [o["value"] for o in view["options"]]
    view.update(id=item.id, n=planned.number)
    if item.tags.content_note:
        view["note"] = 1
    return view


def answers_of(item: Any) -> Iterator[Any]:
    """Every answer the page can be asked about; for a session every path *prefix* too
    (each move gets its feedback before the session goes on)."""
    if getattr(item, "kind", "choice") == "session":
        seen: set[tuple[int, ...]] = set()
        for path in paths(item):
            for end in range(1, len(path) + 1):
                if path[:end] not in seen:
                    seen.add(path[:end])
                    yield list(path[:end])
        return
    yield from module_for(item).every_answer(item)


def embedded_verdicts(item: Any, only: Collection[str] | None = None
                      ) -> tuple[list[str], dict[str, list[Any]]]:
    """(texts, verdicts per token) for one item: each text stored once.  ``only``: just
    these answer tokens (the live quiz's restored answers), not every possible answer."""
    texts: list[str] = []
    index: dict[str, int] = {}

    def at(text: str) -> int:
        if text not in index:
            index[text] = len(texts)
            texts.append(text)
        return index[text]

    verdicts: dict[str, list[Any]] = {}
    for answer in answers_of(item):
        if only is not None and answer_token(item, answer) not in only:
            continue
        v = grade(item, answer).as_dict()
        parts: list[int] = []
        for key, text in v["parts"]:
            parts += [at(key), at(text)]
        verdicts[answer_token(item, answer)] = [v["score"], int(v["correct"]), at(v["headline"]),
                                                at(v["feedback"]), parts]
    return texts, verdicts


def answers_by_token(item: Any) -> dict[str, Any]:
    """Every answer the page can be asked about, by its token (one walk over them)."""
    return {answer_token(item, a): a for a in answers_of(item)}


def label_table(slugs: Collection[str]) -> dict[str, list[str]]:
    """``slug -> [name, definition]`` for the front end (each label the page shows)."""
    return {s: [label_for(s).name, label_for(s).definition] for s in sorted(slugs)}


def quiz_data(quiz: ScenarioQuiz, *, verdicts: bool = True) -> dict[str, Any]:
    """The front end's data: strings, label names, item views (and, for pages without a
    kernel, every verdict)."""
    items = []
    slugs: set[str] = set()
    for planned in quiz.items:
        view = _view(planned)
        slugs.update(view.get("options", ()))
        if verdicts:
            view["t"], view["v"] = embedded_verdicts(planned.scenario)
        items.append(view)
    return {
        "quiz": quiz.quiz_id,
        "title": quiz.title,
        "s": STRINGS,
        "labels": label_table(slugs),
        "items": items,
    }
