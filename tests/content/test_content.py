"""Course content: every section and bold term of the source note is taught, the
bank meets its counts, the text is correctly encoded and the notebooks are clean."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
import yaml

from powerdynamics.labels import POWER_SOURCES
from powerdynamics.notebook_outputs import volatile_parts
from tests.support.htmltext import html_text
from tests.support.paths import ROOT

NOTE = ROOT / "book" / "_source" / "power-dynamics.md"
MOJIBAKE = re.compile(r"Mart√|‚öñ|üß|Ô∏è|‚Ä[ôúùî]|Ã©|Ã¡|â€")


def note_body() -> str:
    text = NOTE.read_text(encoding="utf-8")
    return text.split("\n---\n", 1)[1] if text.startswith("---") else text


def section_headings() -> list[str]:
    return [m.group(1).strip() for m in re.finditer(r"^#{3,4}\s+(.+)$", note_body(), re.M)]


def bold_terms() -> list[str]:
    found = re.finditer(r"\*\*(.+?)\*\*", note_body(), re.S)  # a term may wrap across lines
    terms = [re.sub(r"[:\s]+$", "", " ".join(m.group(1).split())) for m in found]
    return list(dict.fromkeys(terms))


def strip_emoji(heading: str) -> str:
    return re.sub(r"^[^\w]+", "", heading).strip()


def page_text(path: Path) -> str:
    text = html_text(path.read_text(encoding="utf-8"), separator=" ", skip_tags=("script", "style"))
    return " ".join(text.split()).casefold()


def norm(text: str) -> str:
    return " ".join(text.split()).casefold()


def test_project_keeps_a_faithful_copy_of_the_note():
    text = NOTE.read_text(encoding="utf-8")
    assert "Martín-Baró" in text and "⚖️" in text
    assert not MOJIBAKE.search(text)
    assert len(section_headings()) >= 6 and len(bold_terms()) >= 30


@pytest.mark.book
def test_every_heading_and_bold_term_is_in_the_book_and_glossary(built_book):
    glossary = page_text(built_book / "book" / "glossary.html")
    teaching_pages = [p for p in built_book.rglob("*.html")
                      if "notebooks" in p.parts and p.name != "source-note.html"]
    taught = " ".join(page_text(p) for p in teaching_pages)
    whole = taught + " " + " ".join(page_text(p) for p in (built_book / "book").glob("*.html"))
    missing_headings = [h for h in section_headings() if norm(strip_emoji(h)) not in whole]
    assert missing_headings == []
    missing_in_glossary = [t for t in bold_terms() if norm(t) not in glossary]
    assert missing_in_glossary == []
    not_taught = [t for t in bold_terms() if norm(t) not in taught]
    assert not_taught == [], "bold terms not used in any lesson"


@pytest.mark.book
def test_built_site_has_no_mis_encoded_text(built_book):
    offenders = [str(p.relative_to(built_book)) for p in built_book.rglob("*.html")
                 if MOJIBAKE.search(p.read_text(encoding="utf-8"))]
    assert offenders == []
    appendix = (built_book / "book" / "source-note.html").read_text(encoding="utf-8")
    assert "Martín-Baró" in appendix and "⚖️" in appendix


def test_bank_stats_meet_the_counts():
    out = subprocess.run([str(Path(sys.executable).parent / "powerdynamics"), "bank", "stats",
                          "--json"], capture_output=True, text=True, check=True)
    stats = json.loads(out.stdout)
    assert stats["total"] >= 100
    for source in POWER_SOURCES:
        assert stats["by_key"][source] >= 10, source
    assert stats["by_category"]["control"] >= 10
    assert stats["by_category"]["modes"] >= 10


def lessons() -> list[Path]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    files = [c["file"] for part in toc["parts"] for c in part["chapters"]]
    return [ROOT / f"{f}.ipynb" for f in files if f.startswith("notebooks/")]


def test_all_seven_lessons_are_in_the_toc():
    assert [p.name[:2] for p in lessons()] == [f"0{i}" for i in range(1, 8)]
    assert sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb")) == sorted(
        p.name for p in lessons())


@pytest.mark.parametrize("path", lessons(), ids=lambda p: p.stem)
def test_lesson_is_clean_and_follows_the_format(path):
    nb = nbformat.read(path, as_version=4)
    assert volatile_parts(nb) == []
    raw = path.read_text(encoding="utf-8")
    assert not re.search(r'"/(root|tmp|home|work)/', raw), "machine path in the notebook"
    assert not MOJIBAKE.search(raw)
    markdown = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    for part in ("Questions", "Objectives", "Key points", "Estimated time"):
        assert re.search(rf"\*\*{part}", markdown), f"{path.name}: no '{part}' in the header"
    headings = [len(m.group(1)) for m in re.finditer(r"^(#{1,6})\s", markdown, re.M)]
    assert headings[0] == 1 and headings.count(1) == 1
    jumps = [(a, b) for a, b in zip(headings, headings[1:], strict=False) if b > a + 1]
    assert jumps == [], f"{path.name}: heading levels skipped"
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.execution_count is not None or not c.source.strip() for c in code), "not executed"
    assert [c.execution_count for c in code if c.source.strip()] == list(
        range(1, 1 + sum(1 for c in code if c.source.strip()))), "not executed top to bottom"
