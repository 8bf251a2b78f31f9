"""Charts of the instructor report: matplotlib figures with alt text, embedded as PNG.

Kept apart from reading the course (``report``) and from the HTML (``report_render``)
so each can change alone; every figure comes with a text alternative.
"""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING

from powerdynamics.analytics.stats import (
    MIN_DISCRIMINATION,
    NO_ANSWER,
    OTHER,
    TOO_EASY,
    TOO_HARD,
    AssignmentAnalysis,
    Confusion,
)
from powerdynamics.bank.labels import CATEGORIES, label_for

if TYPE_CHECKING:
    from matplotlib.figure import Figure





# =====================================================================================
# Figures (matplotlib, no pyplot: nothing registered globally, nothing to close)
# =====================================================================================
def short_label(label: str) -> str:
    if label in (NO_ANSWER, OTHER):
        return label
    try:
        return label_for(label).name.split(" (")[0]
    except KeyError:
        return label


def figure_data_uri(fig: Figure) -> str:
    """A PNG ``data:`` URI (no external file, no request), deterministic bytes."""
    from powerdynamics.display import figure_png

    return "data:image/png;base64," + base64.b64encode(figure_png(fig)).decode("ascii")


def confusion_figure(confusion: Confusion, title: str = "") -> Figure | None:
    """Heatmaps of key (rows) against chosen label (columns), one panel per category.

    Every cell carries its count as text and the diagonal (right answers) is outlined,
    so the picture does not depend on telling colours apart; the sequential single-hue
    map (Blues) stays readable in greyscale and for colour-vision deficiencies.
    """
    from matplotlib.figure import Figure
    from matplotlib.patches import Rectangle

    panels = [c for c in confusion.rows if confusion.rows[c]]
    if not panels:
        return None
    widths = [len(confusion.columns[c]) for c in panels]
    heights = [len(confusion.rows[c]) for c in panels]
    fig = Figure(figsize=(max(6.0, 1.25 * max(widths) + 3), sum(0.6 * h + 2.2 for h in heights)),
                 dpi=100, layout="constrained")
    axes = fig.subplots(len(panels), 1, squeeze=False,
                        gridspec_kw={"height_ratios": [h + 2.5 for h in heights]})[:, 0]
    for ax, category in zip(axes, panels, strict=True):
        rows, cols = confusion.rows[category], confusion.columns[category]
        data = [[confusion.count(k, c) for c in cols] for k in rows]
        peak = max((v for row in data for v in row), default=0) or 1
        ax.imshow(data, cmap="Blues", vmin=0, vmax=peak, aspect="auto")
        for r, key in enumerate(rows):
            for c, chosen in enumerate(cols):
                value = data[r][c]
                ax.text(c, r, str(value), ha="center", va="center", fontsize=10,
                        color="white" if value > peak / 2 else "#1a1a1a",
                        fontweight="bold" if key == chosen else "normal")
                if key == chosen:
                    ax.add_patch(Rectangle((c - 0.5, r - 0.5), 1, 1, fill=False,
                                           edgecolor="#1a1a1a", linewidth=2))
        ax.set_xticks(range(len(cols)), [short_label(c) for c in cols], rotation=30, ha="right")
        ax.set_yticks(range(len(rows)), [short_label(k) for k in rows])
        ax.set_xlabel("label chosen")
        ax.set_ylabel("key (correct label)")
        name = CATEGORIES[category].name if category in CATEGORIES else category
        ax.set_title(name, fontsize=10, loc="left")
    if title:
        fig.suptitle(title, fontsize=11)
    return fig


def confusion_alt_text(confusion: Confusion, assignment: str, top: int = 5) -> str:
    """A text alternative that states what the picture shows: totals and top confusions."""
    total = confusion.total
    right = sum(n for (k, c), n in confusion.counts.items() if k == c)
    parts = [f"Confusion matrix for {assignment}: rows are the key, columns the label chosen; "
             f"{total} answers, {right} of them match the key."]
    worst = [(k, c, n) for k, c, n in confusion.confusions() if c != NO_ANSWER][:top]
    if worst:
        parts.append("Most frequent confusions: " + "; ".join(
            f"{short_label(k)} answered as {short_label(c)} {n} time{'s' * (n != 1)}" for k, c, n in worst) + ".")
    else:
        parts.append("No answer chose a wrong label.")
    missing = sum(n for (_k, c), n in confusion.counts.items() if c == NO_ANSWER)
    if missing:
        parts.append(f"{missing} answer{'s' * (missing != 1)} missing.")
    return " ".join(parts)


def item_map_figure(analysis: AssignmentAnalysis) -> Figure | None:
    """Difficulty (x) against discrimination (y), one labelled point per item.

    Threshold lines mark the revise zones; flagged items are drawn as labelled triangles
    and others as plain circles, so the flag is visible without colour and a cohort of
    60 items stays legible.
    """
    from matplotlib.figure import Figure

    points = [s for s in analysis.items if s.difficulty is not None and s.discrimination is not None]
    if not points:
        return None
    fig = Figure(figsize=(7.5, 4.8), dpi=100, layout="constrained")
    ax = fig.add_subplot()
    ax.axvspan(-0.05, TOO_HARD, color="#f2f2f2")
    ax.axvspan(TOO_EASY, 1.05, color="#f2f2f2")
    ax.axhspan(-1.05, MIN_DISCRIMINATION, color="#fbeee6")
    for s in points:
        flagged = bool(s.flags)
        px, py = float(s.difficulty or 0.0), float(s.discrimination or 0.0)  # None filtered above
        ax.scatter([px], [py], marker="^" if flagged else "o", s=46,
                   color="#D55E00" if flagged else "#0072B2", zorder=3)
        if flagged:  # label the items to revise; the table names every item
            ax.annotate(s.item.id, (px, py), xytext=(4, 4),
                        textcoords="offset points", fontsize=8)
    ax.axvline(TOO_HARD, color="#555555", linestyle="--", linewidth=1)
    ax.axvline(TOO_EASY, color="#555555", linestyle="--", linewidth=1)
    ax.axhline(MIN_DISCRIMINATION, color="#555555", linestyle=":", linewidth=1)
    ax.text(TOO_HARD / 2, 1.0, "too hard", ha="center", va="top", fontsize=8)
    ax.text((TOO_EASY + 1.05) / 2, 1.0, "too easy", ha="center", va="top", fontsize=8)
    ax.text(0.5, -0.95, "negative discrimination", ha="center", va="bottom", fontsize=8)
    ax.set_xlim(-0.05, 1.05)
    ax.set_ylim(-1.05, 1.05)
    ax.set_xlabel("difficulty (share of trainees correct)")
    ax.set_ylabel("discrimination (upper - lower 27 %)")
    ax.set_title("Items to revise: labelled triangles in the shaded zones", fontsize=10, loc="left")
    return fig


def item_map_alt_text(analysis: AssignmentAnalysis, assignment: str) -> str:
    flagged = analysis.to_revise
    text = (f"Scatter plot of difficulty against discrimination for the {len(analysis.items)} "
            f"items of {assignment}. ")
    if flagged:
        return text + "Items to revise: " + "; ".join(
            f"{s.item.id} ({', '.join(s.flags)}; difficulty {s.difficulty:.2f}, "
            f"discrimination {s.discrimination:+.2f})" if s.discrimination is not None
            else f"{s.item.id} ({', '.join(s.flags)})" for s in flagged) + "."
    return text + "No item is flagged for revision."


def category_figure(analysis: AssignmentAnalysis) -> Figure | None:
    """Accuracy per category as labelled horizontal bars (value written on each bar)."""
    from matplotlib.figure import Figure

    cats = [c for c in analysis.categories if c.accuracy is not None]
    if not cats:
        return None
    fig = Figure(figsize=(7.5, 0.6 * len(cats) + 1.6), dpi=100, layout="constrained")
    ax = fig.add_subplot()
    y = list(range(len(cats)))[::-1]
    shares = [100 * (c.accuracy or 0.0) for c in cats]  # None filtered above
    ax.barh(y, shares, color="#0072B2", height=0.6)
    for yi, c, share in zip(y, cats, shares, strict=True):
        ax.text(share + 1, yi, f"{share:.0f}% ({c.correct} of {c.answers})",
                va="center", fontsize=9)
    ax.set_yticks(y, [CATEGORIES[c.category].name if c.category in CATEGORIES else c.category
                      for c in cats])
    ax.set_xlim(0, 125)
    ax.set_xticks([0, 25, 50, 75, 100])
    ax.set_xlabel("answers correct (%)")
    ax.spines[["top", "right"]].set_visible(False)
    return fig


def category_alt_text(analysis: AssignmentAnalysis, assignment: str) -> str:
    return f"Bar chart of accuracy per category for {assignment}: " + "; ".join(
        f"{CATEGORIES[c.category].name if c.category in CATEGORIES else c.category} "
        f"{100 * c.accuracy:.0f}% ({c.correct} of {c.answers} answers)"
        for c in analysis.categories if c.accuracy is not None) + "."


