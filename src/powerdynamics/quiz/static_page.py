"""Render a quiz as self-contained HTML for pages without a kernel (the book, nbviewer).

The markup holds no inputs and no buttons: it names the quiz and says "Run this cell
to start the quiz", which is all an untrusted or not-yet-run notebook shows (JupyterLab
strips scripts and styles there). The script (:func:`frontend.classic_script`) builds
the quiz from the embedded data, which holds every verdict Python computed. Styles and
code are inline (``class="pdq-asset"``) so the output works on its own; the course's
Sphinx extension (:mod:`powerdynamics.book.sphinx_offline`) removes those copies from
book pages and loads the assets once per page instead.

Bank text is escaped (``html.escape`` in the markup; JSON with ``<``, ``>``, ``&`` as
unicode escapes in the data), and the script only ever writes text with ``textContent``.
"""

from __future__ import annotations

import json
from html import escape
from typing import TYPE_CHECKING

from powerdynamics.quiz.frontend import START_HINT, STRINGS, classic_script, quiz_data, stylesheet

if TYPE_CHECKING:
    from powerdynamics.quiz.plan import ScenarioQuiz

__all__ = ["render_quiz", "quiz_data", "safe_json", "ASSET_CLASS"]
ASSET_CLASS = "pdq-asset"


def safe_json(data: object) -> str:
    """JSON that can sit inside a <script> element without ending it early."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def render_quiz(quiz: ScenarioQuiz, *, assets: bool = True) -> str:
    """The static rendering of a quiz (deterministic: same quiz, same bytes)."""
    title = escape(STRINGS["title"].format(title=quiz.title))
    if not quiz.items:
        return (f'<div class="pdq-quiz pdq-skipped" role="note"><p><strong>{title}</strong></p>'
                f"<p>{escape(quiz.notice)}</p></div>")
    qid = escape(quiz.quiz_id)
    parts = [
        f'<div class="pdq-quiz" id="{qid}" data-pdq-quiz="{qid}">',
        f'<p class="pdq-title">{title}</p>',
        f'<p class="pdq-start">{escape(START_HINT.format(t=len(quiz.items)))}</p>',
        f'<script type="application/json" class="pdq-data">{safe_json(quiz_data(quiz))}</script>',
    ]
    if assets:
        parts += [f'<style class="{ASSET_CLASS}">{stylesheet()}</style>',
                  f'<script class="{ASSET_CLASS}">{classic_script()}</script>']
    parts.append("</div>")
    return "\n".join(parts)
