"""Sphinx extension: every lesson page links to its lesson in the browser edition.

The browser edition (JupyterLite, built by ``scripts/build_lite.py`` into
``_build/html/lite/``) runs the real notebook with Python in the browser: no install,
no server, no request to another site.  The link sits under the lesson's title.
"""

from __future__ import annotations

from typing import Any

from docutils import nodes
from sphinx.application import Sphinx

from ..lite_build import LINK_TEXT, lite_url


def _add_link(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    target = lite_url(docname)
    if target is None or app.builder.format != "html":
        return
    depth = docname.count("/")
    refuri = "../" * depth + target
    link = nodes.reference("", LINK_TEXT, refuri=refuri, internal=False)
    para = nodes.paragraph("", "", link, classes=["pd-lite-link"])
    section = next(iter(doctree.findall(nodes.section)), None)
    if section is None:
        doctree.insert(0, para)
        return
    title = next((i for i, child in enumerate(section.children) if isinstance(child, nodes.title)), -1)
    section.insert(title + 1, para)


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("doctree-resolved", _add_link)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
