"""Sphinx extension that keeps the Jupyter Book offline, free of console errors, and
loads the quiz's assets once per page.

Jupyter Book 1 always enables ``sphinx_thebe`` (which writes a CDN URL into every page
and declares ``THEBE_JS_URL`` twice, a console error) and ``sphinx_comments``.  The
book's ``_config.yml`` lists its extensions without them; Jupyter Book still passes
their settings (``thebe_config``, ``comments_config``), so this extension declares
those names to keep the build free of "unknown config value" warnings.

Quiz outputs are self-contained (inline ``<style>`` and ``<script>`` marked
``class="pdq-asset"``) so they work in notebooks; on a book page with a quiz this
extension removes those copies and links ``_static/powerdynamics/quiz.css`` and
``quiz.js`` once instead (no ``<style>`` in the body, which HTML forbids there). The JS
is the front end's ES module turned into a classic script at build time: pages opened
from ``file://`` cannot import ES modules. It lives in a subfolder because Jupyter Book
adds every ``*.js`` directly in ``_static/`` to every page.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx

ASSET_DIR = "powerdynamics"
_INLINE = re.compile(r'<(style|script) class="pdq-asset">.*?</\1>\n?', re.S)


def strip_inline_assets(html: str) -> str:
    """A page body without the per-quiz copies of the quiz's style and script."""
    return _INLINE.sub("", html)


def write_assets(static_dir: Path) -> None:
    from powerdynamics.quiz.frontend import classic_script, stylesheet

    target = static_dir / ASSET_DIR
    target.mkdir(parents=True, exist_ok=True)
    (target / "quiz.js").write_text(classic_script(), encoding="utf-8")
    (target / "quiz.css").write_text(stylesheet(), encoding="utf-8")


def _builder_inited(app: Sphinx) -> None:
    if app.builder.format == "html":
        write_assets(Path(app.outdir) / "_static")


def _page_context(app: Sphinx, pagename: str, templatename: str, context: dict[str, Any],
                  doctree: Any) -> None:
    body = context.get("body") or ""
    if "data-pdq-quiz" not in body:
        return
    context["body"] = strip_inline_assets(body)
    app.add_css_file(f"{ASSET_DIR}/quiz.css")
    app.add_js_file(f"{ASSET_DIR}/quiz.js")


def _build_finished(app: Sphinx, exception: Exception | None) -> None:
    if exception is None and app.builder.format == "html":
        write_assets(Path(app.outdir) / "_static")  # in case the static copy replaced them


def setup(app: Sphinx) -> dict[str, Any]:
    for name in ("thebe_config", "comments_config"):
        if name not in app.config.values:
            app.add_config_value(name, {}, "html")
    app.connect("builder-inited", _builder_inited)
    app.connect("html-page-context", _page_context)
    app.connect("build-finished", _build_finished)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
