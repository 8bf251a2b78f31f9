"""Lesson practice and text: kinds in every lesson's practice, minimal pairs quoted
verbatim from the bank, suggested answers collapsed, one reference list, and the
opt-out notice for a quiz made only of content-note items."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from powerdynamics import ScenarioQuiz
from powerdynamics.scenarios import default_bank
from tests.support.paths import ROOT

LESSONS = sorted((ROOT / "notebooks").glob("0*.ipynb"))
REFERENCES = ROOT / "book" / "references.md"


def cells(path: Path, kind: str) -> list[str]:
    return [c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == kind]


def lesson(number: int) -> Path:
    return next(p for p in LESSONS if p.name.startswith(f"0{number}-"))


def norm(text: str) -> str:
    return " ".join(text.split())


def quiz_kinds(path: Path) -> set[str]:
    code = "\n".join(cells(path, "code"))
    return {k for group in re.findall(r"kinds=\[([^\]]*)\]", code) for k in re.findall(r'"(\w+)"', group)}


@pytest.mark.parametrize(("number", "kinds"), [
    (1, {"choice", "cue"}), (2, {"choice", "case", "cue"}), (3, {"choice", "case", "cue"}),
    (4, {"choice", "case", "cue"}), (5, {"choice", "case", "cue"}), (6, {"session"}),
    (7, {"choice", "case", "cue"}),
])
def test_each_lesson_practises_the_new_kinds(number, kinds):
    assert kinds <= quiz_kinds(lesson(number))


def test_lesson_6_rehearses_every_micro_skill_and_says_it_is_rehearsal():
    path = lesson(6)
    code = "\n".join(cells(path, "code"))
    for skill in ("airing", "tracking", "boundary", "broaching"):
        assert f'keys=["{skill}"]' in code, skill
    text = norm("\n".join(cells(path, "markdown")))
    assert "Sessions are rehearsal, not assessment" in text


def test_compare_sections_quote_both_items_of_one_pair_verbatim():
    bank = default_bank()
    lessons_with_pairs = 0
    for path in LESSONS:
        found = False
        for source in cells(path, "markdown"):
            if not re.match(r"#{2,3} Compare", source):
                continue
            ids = re.findall(r"Item `([a-z0-9-]+)`", source)
            assert len(ids) == 2, (path.name, ids)
            items = [bank.get(i) for i in ids]
            assert items[0].pair and items[0].pair == items[1].pair, ids
            assert items[0].key_label != items[1].key_label, ids
            for item in items:
                text = getattr(item, "vignette", None) or " ".join(s.text for s in item.sentences)
                assert norm(text) in norm(source), f"{path.name}: {item.id} is not quoted as in the bank"
                assert f"key *{item.key_label}*" in source
            assert "**What flips the key:**" in source
            found = True
        lessons_with_pairs += found
    assert lessons_with_pairs >= 3


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_suggested_answers_are_collapsed(path):
    markdown = "\n".join(cells(path, "markdown"))
    assert "<details>\n<summary>Suggested answers</summary>\n\n" in markdown
    assert "\n\n</details>" in markdown
    assert not re.search(r"^#+ Suggested answers|\*\*Suggested answers\.?\*\*", markdown, re.M)


def reference_entries(text: str) -> list[str]:
    return [norm(m) for m in re.findall(r"^- (.+?)(?=\n- |\n\n|\Z)", text, re.M | re.S)]


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_lesson_references_are_entries_of_the_one_list(path):
    book = norm(REFERENCES.read_text(encoding="utf-8"))
    for source in cells(path, "markdown"):
        if not re.match(r"## (References|Sources|Further reading|Related frameworks)", source):
            continue
        body = source.split("Sources:", 1)[-1] if source.startswith("## Related") else source
        for entry in reference_entries(body):
            if re.search(r"\(\d{4}[a-z]?\)\.|\d{4}, c\. \d+", entry):
                assert entry in book, f"{path.name}: {entry[:70]}"


def test_references_list_each_work_once():
    text = REFERENCES.read_text(encoding="utf-8")
    entries = [norm(p) for p in text.split("\n\n") if re.match(r"[A-Z][^\n]+\(\d{4}", p)]
    assert len(entries) == len(set(entries))
    assert "French, J. R. P., Jr., & Raven" in text


def test_lessons_follow_the_glossary_rules():
    text = norm(" ".join(s for p in LESSONS for s in cells(p, "markdown")))
    assert "want their approval" not in text
    assert "reward withheld is coercion" not in text.casefold()
    assert "or want their approval" not in text
    seven = norm(" ".join(cells(lesson(7), "markdown")))
    assert "baseline" in seven and "Raven, 1993" in seven


def test_case_items_say_what_at_work_means():
    text = norm(" ".join(cells(lesson(2), "markdown")))
    assert ("A source is at work when it shapes what someone does in the situation, "
            "whether or not it decides the act asked about.") in text


def test_an_opted_out_case_quiz_shows_its_notice(monkeypatch):
    # lesson 4's cases that carry a content note (since case-13's rewrite, lesson 4 also
    # has one without, which an opted-out trainee still gets)
    from powerdynamics.scenarios import default_bank

    noted = [s.id for s in default_bank().items
             if s.kind == "case" and s.tags.lesson == 4 and s.tags.content_note]
    assert len(noted) >= 2
    monkeypatch.setenv("POWERDYNAMICS_SKIP_CONTENT_NOTES", "1")
    assert len(ScenarioQuiz(lesson=4, kinds=["case"], seed=4, record_progress=False)) >= 1
    quiz = ScenarioQuiz(ids=noted, kinds=["case"], seed=4, record_progress=False)
    assert len(quiz) == 0 and quiz.skipped_for_content_note == len(noted)
    assert "carry a content note" in quiz._repr_mimebundle_()["text/html"]
