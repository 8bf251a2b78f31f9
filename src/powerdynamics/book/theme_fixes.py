"""Sphinx extension: small fixes to how the book's pages are titled.

The home page's title is the book's title, so Sphinx's ``<title>`` became "Power
Dynamics: a practice course — Power Dynamics: a practice course". A page whose title
is the book's title gets it once; every other page keeps "Page — Book".
"""

from __future__ import annotations

from typing import Any

from sphinx.application import Sphinx


def _single_title(app: Sphinx, pagename: str, templatename: str, context: dict, doctree: Any) -> None:  # noqa: ARG001
    title = str(context.get("title") or "").strip()
    docstitle = str(context.get("docstitle") or "").strip()
    if title and title == docstitle:
        context["titlesuffix"] = ""


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("html-page-context", _single_title)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
