"""Render a :class:`~powerdynamics.quiz.ScenarioQuiz` as self-contained HTML+CSS+JS.

Used where there is no kernel (the HTML book, nbviewer).  Everything is inline: no
CDN, no request of any kind.  Bank text is escaped by Jinja2's autoescape in the markup
and by JSON encoding (with ``<``, ``>``, ``&`` as unicode escapes) in the embedded
data, and the script only ever writes text with ``textContent``.

The page does not score by itself: the embedded data holds, for each option of each
item, the verdict computed by :func:`powerdynamics.scoring.check_answer`.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING

import jinja2

from powerdynamics.bank.labels import CATEGORIES, label_for
from powerdynamics.scoring import SCORE_TEMPLATE, check_answer, score_line

if TYPE_CHECKING:
    from powerdynamics.quiz.plan import ScenarioQuiz


@cache
def _asset(name: str) -> str:
    return (resources.files("powerdynamics.quiz") / "assets" / name).read_text(encoding="utf-8")


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("powerdynamics.quiz", "assets"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )


def safe_json(data: object) -> str:
    """JSON that can sit inside a <script> element without ending it early."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def quiz_data(quiz: ScenarioQuiz) -> dict[str, object]:
    """The data the page's script needs: verdicts per option, and display names."""
    items = []
    for planned in quiz.items:
        scenario = planned.scenario
        verdicts = {}
        for option in planned.options:
            v = check_answer(scenario, option)
            verdicts[option] = {"correct": v.correct, "headline": v.headline, "feedback": v.feedback}
        items.append({
            "id": scenario.id,
            "category": scenario.category,
            "key": scenario.key,
            "keyName": label_for(scenario.key).name,
            "explanation": scenario.explanation,
            "verdicts": verdicts,
        })
    names = {p: label_for(p).name for planned in quiz.items for p in planned.options}
    return {"quiz": quiz.quiz_id, "items": items, "names": names,
            "scoreTemplate": SCORE_TEMPLATE}


def render_quiz(quiz: ScenarioQuiz) -> str:
    """The static rendering of a quiz (deterministic: same quiz, same bytes)."""
    if not quiz.items:
        return _environment().from_string(
            '<div class="pdq-quiz pdq-skipped" role="note"><p><strong>Practice: {{ title }}</strong>'
            "</p><p>{{ notice }}</p></div>"
        ).render(title=quiz.title, notice=quiz.notice)
    template = _environment().get_template("quiz.html.j2")
    return template.render(
        quiz=quiz,
        items=[
            {
                "number": p.number,
                "scenario": p.scenario,
                "question": CATEGORIES[p.scenario.category].question,
                "options": [label_for(o) for o in p.options],
            }
            for p in quiz.items
        ],
        data=safe_json(quiz_data(quiz)),
        initial_score=score_line(0, 0, len(quiz.items)),
        css=_asset("quiz.css"),
        js=_asset("quiz.js"),
    ).strip()
