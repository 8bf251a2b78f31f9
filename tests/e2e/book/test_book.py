"""The real Jupyter Book build: every page present, offline, quizzes rendered statically."""

from __future__ import annotations

import re

import pytest
import yaml

from tests.support.paths import ROOT

pytestmark = pytest.mark.book


def toc_files() -> list[str]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    files = [toc["root"]]
    for part in toc.get("parts", []):
        files += [c["file"] for c in part.get("chapters", [])]
    return files


def test_every_toc_entry_is_built(built_book):
    for entry in toc_files():
        assert (built_book / f"{entry}.html").exists(), entry


def test_no_page_references_a_third_party_url(built_book):
    offenders = {}
    for page in built_book.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        found = re.findall(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//[^"'\s>]+""", text)
        found += re.findall(r"""url\(\s*["']?(?:https?:)?//[^)]+\)""", text)
        external_scripts = [f for f in found if "src" in f[:4] or "url(" in f]
        if external_scripts:
            offenders[str(page.relative_to(built_book))] = external_scripts[:3]
    assert offenders == {}


def test_no_page_links_to_another_site(built_book):
    """The book is read offline and privately: DOIs and sites are given as text."""
    offenders = {}
    for page in built_book.rglob("*.html"):
        found = re.findall(r"""href\s*=\s*["']?(?:https?:)?//[^"'\s>]+""", page.read_text(encoding="utf-8"))
        if found:
            offenders[str(page.relative_to(built_book))] = found[:3]
    assert offenders == {}


def test_no_cdn_loaders_or_thebe_config(built_book):
    for page in built_book.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        for marker in ("require.min.js", "html-manager", "cdn.jsdelivr", "unpkg.com",
                       "mathjax@", "thebe-lite", "cdnjs"):
            assert marker not in text, f"{marker} in {page.relative_to(built_book)}"


def test_lessons_show_the_static_quiz_not_the_widget(built_book):
    lessons = sorted((built_book / "notebooks").glob("*.html"))
    assert lessons
    with_quiz = [p for p in lessons if 'class="pdq-quiz"' in p.read_text(encoding="utf-8")]
    assert with_quiz, "no lesson page contains a static quiz"
    for page in lessons:
        text = page.read_text(encoding="utf-8")
        assert "application/vnd.jupyter.widget-view+json" not in text
        assert "Error displaying widget" not in text
