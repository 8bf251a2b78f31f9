"""The trainee's mastery view: mastery per category as a picture, for the review lesson.

Why a picture next to lesson 7's table: a trainee coming back after a week wants to
see at a glance which distinction is weakest, and the review queue
(:mod:`powerdynamics.review`) then brings the missed scenarios back first.  The chart
reads the same progress-store summary as :func:`mastery_table` and uses the same
rules (first-try answers only; fewer than five items tell little;
80 % is the bar), so the two never disagree.

Rendering rules (shared with lesson 6's pictures): a bare matplotlib ``Figure`` (no
pyplot state), deterministic PNG bytes, every bar labelled with its value in text, a
title that states the finding, the "needs review" bars hatched as well as coloured
(Okabe-Ito palette), and a text alternative that says everything the picture says.
With no answers yet it shows a short message instead of an empty chart, so the static
book (built without anyone's answers) shows the same text on every build; there, quiz.js
fills the table in from the answers saved in the browser (:func:`mastery_rule`).

Items count in their own category, except a ``case``: it counts once in each category
among its option labels, right there when every label of that category was judged
rightly (:meth:`ProgressStore.summary <powerdynamics.learner.progress.ProgressStore.summary>`
and :func:`powerdynamics.kinds.case.mastery_counts`, which say why); the book is given
each case's labels for that (:func:`mastery_cases`).
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from html import escape
from typing import TYPE_CHECKING, Any

from powerdynamics.display import figure_png

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from powerdynamics.kinds import KeyedItem

__all__ = ["BOOK_CHART", "NO_ANSWERS", "NO_ANSWERS_CHART", "SECURE_PERCENT", "MasteryChart", "MasteryRow",
           "MasteryTable", "draw_mastery", "mastery_alt_text", "mastery_chart", "mastery_rows",
           "mastery_cases", "mastery_rule", "mastery_table", "review_next"]

#: Share right at the first try from which a category counts as secure.
SECURE_PERCENT = 80
#: Fewer items than this tell little.
MIN_ITEMS = 5
COLOURS = {"secure": "#0072B2", "review": "#E69F00"}  # Okabe-Ito blue and orange

NO_ANSWERS = ("No answers yet: answer a practice quiz in any lesson and this table fills "
              "in. (In a terminal, powerdynamics progress prints the same summary.)")
ADVICE = ("too few items to tell yet", "secure: keep reviewing now and then", "review first")
HEADERS = ("Category", "Items answered", "Right at the first try", "Answers in all", "Suggestion")
#: What the book shows instead of the chart once the browser holds answers.
BOOK_CHART = ("The chart is drawn when you run this lesson in JupyterLab. In the book, the "
              "table above sums up the answers saved in this browser.")


@dataclass(frozen=True)
class MasteryRow:
    category: str
    items: int
    first_correct: int
    answers: int

    @property
    def percent(self) -> int:
        return 100 * self.first_correct // max(self.items, 1)

    @property
    def advice(self) -> str:
        """Fewer than MIN_ITEMS items tell little; SECURE_PERCENT right at the first try is the bar."""
        if self.items < MIN_ITEMS:
            return ADVICE[0]
        return ADVICE[1] if self.secure else ADVICE[2]

    @property
    def secure(self) -> bool:
        return self.items >= MIN_ITEMS and self.percent >= SECURE_PERCENT


def mastery_rows(summary: Mapping[str, Mapping[str, int]]) -> tuple[MasteryRow, ...]:
    """Rows in the order of the course's categories, with display names."""
    from powerdynamics.bank.labels import CATEGORIES

    order = [c for c in CATEGORIES if c in summary] + sorted(set(summary) - set(CATEGORIES))
    return tuple(
        MasteryRow(CATEGORIES[c].name if c in CATEGORIES else c, summary[c]["items"],
                   summary[c]["first_correct"], summary[c]["answers"])
        for c in order
    )


def mastery_rule() -> dict[str, Any]:
    """The table's rules as data for the book (``masteryRows`` in ``quiz/assets/quiz.js``,
    which ``tests/unit/learner/test_review_rule.py`` checks against :func:`mastery_rows`)."""
    from powerdynamics.bank.labels import CATEGORIES

    return {"order": [[slug, c.name] for slug, c in CATEGORIES.items()], "min": MIN_ITEMS,
            "secure": SECURE_PERCENT, "advice": list(ADVICE), "head": list(HEADERS),
            "cell": "{c} ({p}%)", "none": NO_ANSWERS, "chart": BOOK_CHART}


def mastery_cases(items: Iterable[KeyedItem]) -> dict[str, list[Any]]:
    """Per case among ``items``: ``[{category: [option labels]}, [present labels]]``.

    Why: the book has no kernel, so ``masteryRows`` in ``quiz/assets/quiz.js`` needs each
    case's labels to count it per category as :meth:`ProgressStore.summary
    <powerdynamics.learner.progress.ProgressStore.summary>` does; the other kinds count
    in the category the review rule's pool already gives.  Only cases are listed, and
    only their labels (no text), to keep the book's review bank small."""
    from powerdynamics.kinds.case import CaseItem, labels_by_category

    return {item.id: [{c: list(labels) for c, labels in labels_by_category(item).items()},
                      list(item.present)]
            for item in items if isinstance(item, CaseItem)}


@dataclass(frozen=True)
class MasteryTable:
    """Displays as an HTML table, or as "No answers yet" for an empty store."""

    rows: tuple[MasteryRow, ...]

    def _repr_html_(self) -> str:
        if not self.rows:
            # The book (no kernel) fills this in from the answers saved in the browser.
            from powerdynamics.display import safe_json

            return (f'<div class="pdq-mastery" data-pdq-mastery><p>{escape(NO_ANSWERS)}</p>'
                    f'<script type="application/json" class="pdq-mastery-data">'
                    f"{safe_json(mastery_rule())}</script></div>")
        head = "<tr>" + "".join(f'<th scope="col">{escape(t)}</th>' for t in HEADERS) + "</tr>"
        body = "".join(
            f"<tr><td>{escape(r.category)}</td><td>{r.items}</td>"
            f"<td>{r.first_correct} ({r.percent}%)</td><td>{r.answers}</td>"
            f"<td>{escape(r.advice)}</td></tr>" for r in self.rows)
        return f"<table><thead>{head}</thead><tbody>{body}</tbody></table>"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        if not self.rows:
            printer.text(NO_ANSWERS)
            return
        printer.text("\n".join(
            f"{r.category}: {r.items} items, {r.first_correct} ({r.percent}%) right at the "
            f"first try, {r.answers} answers; {r.advice}" for r in self.rows))


def mastery_table(summary: Mapping[str, Mapping[str, int]] | None = None) -> MasteryTable:
    """The mastery table for ``summary`` (default: the trainee's own progress store)."""
    if summary is None:
        from powerdynamics.learner.progress import ProgressStore

        summary = ProgressStore().summary()
    return MasteryTable(mastery_rows(summary))


NO_ANSWERS_CHART = (
    "No answers yet, so there is no mastery chart to draw. Answer a practice quiz in any "
    "lesson (or the review above), then run this cell again: a bar per category will show "
    "how many scenarios you got right at the first try."
)


def review_next(rows: Sequence[MasteryRow]) -> MasteryRow | None:
    """The category to review next: the lowest share right among those not yet secure
    (ties keep the course's order); ``None`` when every category is secure."""
    candidates = [r for r in rows if not r.secure]
    return min(candidates, key=lambda r: r.percent) if candidates else None


def _short_advice(row: MasteryRow) -> str:
    if row.items < MIN_ITEMS:
        return "too few items yet"
    return "secure" if row.secure else "review first"


def _value_text(row: MasteryRow) -> str:
    return f"{row.percent}% ({row.first_correct} of {row.items} item{'s' * (row.items != 1)})"


def mastery_title(rows: Sequence[MasteryRow]) -> str:
    """The finding, in words: which category to review next."""
    weakest = review_next(rows)
    if weakest is None:
        return f"Every category is at {SECURE_PERCENT}% or more: keep reviewing now and then"
    if weakest.items < MIN_ITEMS and weakest.percent >= SECURE_PERCENT:
        return f"Answer more scenarios in: {weakest.category}"
    return f"Review next: {weakest.category} ({weakest.percent}% right at the first try)"


def mastery_alt_text(rows: Sequence[MasteryRow]) -> str:
    """Everything the chart shows, as one paragraph (alt text and ``text/plain``)."""
    bars = "; ".join(f"{r.category}: {_value_text(r)}, {r.advice}" for r in rows)
    return (f"Horizontal bar chart of mastery per category: the share of scenarios right at the "
            f"first try, with a dashed line at {SECURE_PERCENT}%. {bars}. {mastery_title(rows)}.")


def draw_mastery(rows: Sequence[MasteryRow]) -> Figure:
    """One bar per category; secure bars solid blue, the others hatched orange."""
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    y = list(range(len(rows)))[::-1]
    fig = Figure(figsize=(9, 0.65 * len(rows) + 1.9), dpi=100, layout="constrained")
    ax = fig.add_subplot()
    for yi, row in zip(y, rows, strict=True):
        secure = row.secure
        ax.barh([yi], [row.percent], height=0.6,
                color=COLOURS["secure" if secure else "review"],
                hatch=None if secure else "//", edgecolor="white", linewidth=0)
        ax.text(row.percent + 1.5, yi, f"{_value_text(row)}, {_short_advice(row)}", va="center",
                fontsize=9, bbox={"facecolor": "white", "edgecolor": "none", "pad": 1})
    ax.axvline(SECURE_PERCENT, color="#333333", linestyle="--", linewidth=1)
    ax.text(SECURE_PERCENT, len(rows) - 0.45, f"{SECURE_PERCENT}%", ha="center", va="bottom", fontsize=8)
    ax.set_yticks(y, [r.category for r in rows])
    ax.set_xlim(0, 190)
    ax.set_ylim(-0.6, len(rows) - 0.1)
    ax.set_xticks([0, 20, 40, 60, 80, 100])
    ax.set_xlabel("scenarios right at the first try (%)")
    ax.spines[["top", "right"]].set_visible(False)
    fig.legend(handles=[Patch(color=COLOURS["secure"], label="secure"),
                        Patch(facecolor=COLOURS["review"], hatch="//", edgecolor="white",
                              label="review first, or too few items yet")],
               loc="outside lower center", ncols=2, frameon=False)
    ax.set_title(mastery_title(rows), fontsize=11, loc="left")
    return fig


@dataclass(frozen=True)
class MasteryChart:
    """Displays as a PNG with its text alternative, or as a message with no answers yet."""

    rows: tuple[MasteryRow, ...]

    @cached_property
    def png(self) -> bytes:
        """The rendered chart (empty bytes when there is nothing to draw, or no matplotlib)."""
        try:
            return figure_png(draw_mastery(self.rows)) if self.rows else b""
        except ImportError:  # matplotlib is optional (the browser edition has none)
            return b""

    @property
    def alt(self) -> str:
        return mastery_alt_text(self.rows) if self.rows else NO_ANSWERS_CHART

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        if not self.rows:
            return {"text/plain": NO_ANSWERS_CHART,
                    "text/html": f'<p class="pdq-no-chart">{escape(NO_ANSWERS_CHART)}</p>'}
        if not self.png:  # no matplotlib (the browser edition): the text alternative
            return {"text/plain": self.alt, "text/html": f"<p>{escape(self.alt)}</p>"}
        return {"image/png": base64.b64encode(self.png).decode("ascii"), "text/plain": self.alt}


def mastery_chart(summary: Mapping[str, Mapping[str, int]] | None = None) -> MasteryChart:
    """The chart for ``summary`` (default: the trainee's own progress store)."""
    if summary is None:
        from powerdynamics.learner.progress import ProgressStore

        summary = ProgressStore().summary()
    return MasteryChart(mastery_rows(summary))
