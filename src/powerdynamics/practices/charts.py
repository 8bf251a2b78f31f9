"""The tracking-influence picture: which resources each person used, headline as title.

matplotlib is optional (the browser edition has none): without it, the picture is its
text alternative alone, and every sentence of the reading is still there.
"""

from __future__ import annotations

import base64
import textwrap
from dataclasses import dataclass
from html import escape
from typing import TYPE_CHECKING, Any

from powerdynamics.display import figure_png

from .influence import COLOURS, InfluenceProfile

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def influence_title(profile: InfluenceProfile) -> str:
    """The figure's title: the headline (whose plan, which resources), wrapped."""
    return textwrap.fill(profile.headline, width=72)


def _legend_label(profile: InfluenceProfile, index: int, side: str) -> str:
    person = ("A", "B")[index]
    plan = " - plan enacted" if profile.plan in (person, "both") else ""
    return f"{profile.names[index]} ({side}){plan}"


def draw_influence(profile: InfluenceProfile) -> Figure:
    """A diverging bar chart: resources person A used to the left, person B's to the right.

    Talking is not drawn as a bar: it is context, written under the chart. Built on a
    bare ``Figure`` (not pyplot), so it is never registered with pyplot's figure
    manager. Text labels on every bar and a title that states the finding mean the
    picture does not depend on colour.
    """
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    rows = profile.rows
    y = list(range(len(rows)))[::-1]
    fig = Figure(figsize=(8, 4.6), dpi=100, layout="constrained")
    ax = fig.add_subplot()
    ax.barh(y, [-float(r.a) for r in rows], color=COLOURS["A"], height=0.6)
    ax.barh(y, [float(r.b) for r in rows], color=COLOURS["B"], height=0.6, hatch="//",
            edgecolor="white", linewidth=0)
    for yi, row in zip(y, rows, strict=True):
        if row.a:
            ax.text(-1.04, yi, "used", ha="right", va="center", fontsize=9)
        if row.b:
            ax.text(1.04, yi, "used", ha="left", va="center", fontsize=9)
    ax.axvline(0, color="#333333", linewidth=1)
    ax.set_xlim(-1.6, 1.6)
    ax.set_yticks(y, [r.label for r in rows])
    ax.set_xticks([])
    a, b = profile.names
    ax.set_xlabel(f"\u2190 resources {a} used      resources {b} used \u2192\n"
                  + textwrap.fill(profile.context, width=90))
    ax.spines[["top", "right"]].set_visible(False)
    fig.legend(handles=[Patch(color=COLOURS["A"], label=_legend_label(profile, 0, "left")),
                        Patch(facecolor=COLOURS["B"], hatch="//", edgecolor="white",
                              label=_legend_label(profile, 1, "right"))],
               loc="outside lower center", ncols=2, frameon=False)
    ax.set_title(influence_title(profile), fontsize=11, loc="left")
    return fig


@dataclass(frozen=True)
class FigureImage:
    """A rendered picture with its text alternative, displayed once in a notebook."""

    png: bytes
    alt: str

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        if not self.png:  # no matplotlib here (the browser edition): the text alternative
            return {"text/plain": self.alt, "text/html": f'<p class="pd-chart-text">{escape(self.alt)}</p>'}
        return {"image/png": base64.b64encode(self.png).decode("ascii"), "text/plain": self.alt}


def influence_picture(profile: InfluenceProfile) -> FigureImage:
    """Draw and render the picture once; the figure object is dropped right after.

    Without matplotlib (optional; absent in the browser edition) the picture is its
    text alternative alone."""
    try:
        png = figure_png(draw_influence(profile))
    except ImportError:
        png = b""
    return FigureImage(png, profile.alt_text)
