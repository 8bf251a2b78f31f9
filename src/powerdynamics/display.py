"""What every object the course displays shares: the widget mime type and the one way a
display bundle is built (text for humans, HTML for the book, the widget view for Lab)."""

from __future__ import annotations

import io
from typing import Any

WIDGET_MIME = "application/vnd.jupyter.widget-view+json"


def bundle_with_widget(text: str, html: str, widget: Any | None) -> dict[str, Any]:
    """A mime bundle with plain text, static HTML and, if a widget is given, its live view.

    JupyterLab prefers the widget view; the book (no kernel) shows the HTML; nbval and
    terminals read the text. Built in one place so every quiz and form agrees."""
    bundle: dict[str, Any] = {"text/plain": text, "text/html": html}
    if widget is not None:
        view = widget._repr_mimebundle_()
        if isinstance(view, tuple):  # ipywidgets may return (data, metadata)
            view = view[0]
        if view and WIDGET_MIME in view:
            bundle[WIDGET_MIME] = view[WIDGET_MIME]
    return bundle


def figure_png(fig: Any) -> bytes:
    """PNG bytes of a matplotlib figure without the software/version stamp, so re-runs
    give identical bytes (stored notebook outputs stay deterministic)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()
