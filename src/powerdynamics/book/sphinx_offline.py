"""Sphinx extension that keeps the Jupyter Book offline and free of console errors.

Jupyter Book 1 always enables ``sphinx_thebe`` (which writes a CDN URL into every page
and declares ``THEBE_JS_URL`` twice, a console error) and ``sphinx_comments``.  The
book's ``_config.yml`` lists its extensions without them; Jupyter Book still passes
their settings (``thebe_config``, ``comments_config``), so this extension declares
those names to keep the build free of "unknown config value" warnings.
"""

from __future__ import annotations

from typing import Any

from sphinx.application import Sphinx


def setup(app: Sphinx) -> dict[str, Any]:
    for name in ("thebe_config", "comments_config"):
        if name not in app.config.values:
            app.add_config_value(name, {}, "html")
    return {"parallel_read_safe": True, "parallel_write_safe": True}
