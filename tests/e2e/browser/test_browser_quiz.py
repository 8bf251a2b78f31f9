"""The static quiz in real Chromium: page and Python agree on every verdict of every item.

Every bank item of every kind (plus fixture items of kinds the bank lacks) is answered
in one page by clicking the real inputs and buttons, in a loop that runs inside the
page (one round trip per kind, not per answer). Each answer's feedback in the DOM is
compared with :func:`powerdynamics.kinds.grade`. Case items with a large answer space
are sampled, keeping every single-label marking (each option hit or false alarm, each
as the decisive choice), the exact marking with every decisive choice, and marking all.
"""

from __future__ import annotations

import random

import pytest

from powerdynamics import ScenarioQuiz
from powerdynamics.kinds import answer_token, grade
from powerdynamics.kinds.case import token_to_answer
from powerdynamics.kinds.session import paths
from powerdynamics.quiz.frontend import STRINGS, answers_of
from powerdynamics.scoring import Tally
from tests.support.kinds_fixture import KINDS, every_kind_bank

pytestmark = pytest.mark.browser

PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>All bank items</title></head>
<body><main>{body}</main></body></html>"""
CASE_SAMPLE = 12

ANSWER_ALL = """
async ([kind, plan]) => {
  const tick = async () => { for (let k = 0; k < 4; k++) await null; };
  const text = (el, sel) => { const e = el.querySelector(sel); return e ? e.textContent : null; };
  const out = [];
  for (const [id, tokens] of plan) {
    const fs = document.querySelector(`fieldset[data-pdq-item="${id}"]`);
    for (const token of tokens) {
      if (kind === 'session') {
        for (const move of token.split('.')) {
          fs.querySelectorAll('.pdq-stage input[type=radio]')[Number(move)].click();
          fs.querySelector('.pdq-choose').click();
          await tick();
        }
        out.push({id, token, headline: text(fs, '.pdq-headline'), end: text(fs, '.pdq-end'),
          steps: Array.from(fs.querySelectorAll('.pdq-step .pdq-explain')).map(e => e.textContent),
          ratings: Array.from(fs.querySelectorAll('.pdq-step')).map(e => e.dataset.rating),
          state: fs.className});
        fs.querySelector('.pdq-again').click();
        continue;
      }
      const groups = fs.querySelectorAll(':scope > fieldset.pdq-group');
      const pick = (g, value) => g.querySelector(`input[value="${value}"]`).click();
      if (kind === 'choice') pick(groups[0], token);
      if (kind === 'cue') { const [l, s] = token.split('@'); pick(groups[0], l); pick(groups[1], s); }
      if (kind === 'case') {
        const [marked, decisive] = token.split('>');
        for (const m of marked.split('+')) pick(groups[0], m);
        pick(groups[1], decisive);
      }
      fs.querySelector('.pdq-check').click();
      await tick();
      out.push({id, token, headline: text(fs, '.pdq-headline'), feedback: text(fs, '.pdq-explain'),
        parts: Array.from(fs.querySelectorAll('.pdq-part')).map(e => [e.dataset.part, e.dataset.mark || '',
          e.textContent]), state: fs.className, focus: document.activeElement.className,
        retry: !fs.querySelector('.pdq-retry').hidden});
      if (!fs.querySelector('.pdq-retry').hidden) fs.querySelector('.pdq-retry').click();
      else { for (const i of fs.querySelectorAll('input')) { i.checked = false; i.disabled = false; }
             fs.querySelector('.pdq-check').disabled = false;
             if (kind === 'case') groups[0].dispatchEvent(new Event('change')); }
    }
  }
  return {out, score: document.querySelector('.pdq-score').textContent};
}
"""


def tokens_to_try(item) -> list[str]:
    if item.kind == "session":
        return [".".join(map(str, p)) for p in paths(item)]
    tokens = [answer_token(item, a) for a in answers_of(item)]
    if item.kind != "case" or len(tokens) <= CASE_SAMPLE * 2:
        return tokens
    keep = [t for t in tokens if len(token_to_answer(t)["marked"]) in (1, len(item.options))
            or set(token_to_answer(t)["marked"]) == set(item.present)]
    rest = [t for t in tokens if t not in keep]
    return keep + random.Random(item.id).sample(rest, min(CASE_SAMPLE, len(rest)))


def expected_state(v) -> str:
    return "pdq-correct" if v.correct else "pdq-partial" if v.score > 0 else "pdq-wrong"


def test_static_page_agrees_with_python_on_every_item_of_every_kind(page, serve, tmp_path):
    bank = every_kind_bank()
    quiz = ScenarioQuiz(seed=0, bank=bank, record_progress=False, skip_content_notes=False)
    assert len(quiz) == len(bank)
    (tmp_path / "all.html").write_text(PAGE.format(body=quiz.to_html()), encoding="utf-8")
    page.goto(serve(tmp_path) + "/all.html")
    items = {p.scenario.id: p.scenario for p in quiz.items}
    tally = Tally(quiz.item_ids)
    checked = 0
    for kind in KINDS:
        plan = [[p.scenario.id, tokens_to_try(p.scenario)] for p in quiz.items if p.scenario.kind == kind]
        assert plan, kind
        result = page.evaluate(ANSWER_ALL, [kind, plan])
        assert len(result["out"]) == sum(len(t) for _, t in plan)
        firsts: set[str] = set()
        for row in result["out"]:
            item = items[row["id"]]
            v = grade(item, row["token"])
            if row["id"] not in firsts:
                firsts.add(row["id"])
                tally.record(v)
            assert row["headline"] == v.headline, row
            assert expected_state(v) in row["state"].split(), row
            checked += 1
            if kind == "session":
                assert row["steps"] == [text for _, text in v.parts], row
                assert row["ratings"] == [key.split(":")[1] for key, _ in v.parts]
                continue
            assert (row["feedback"] or "") == v.feedback, row
            assert row["retry"] == (not v.correct)
            assert row["focus"] == "pdq-feedback"  # focus moves to the feedback after Check
            if kind == "case":
                want = [[key, text.split("|")[0], STRINGS["marks"][text.split("|")[0]].format(
                    name=_name(key)) + " " + text.split("|", 1)[1]] for key, text in v.parts]
                assert row["parts"] == want, row
            elif kind == "cue":
                assert row["parts"] == [[k, "", f"{STRINGS['sentenceFeedback']} {t}"] for k, t in v.parts]
        assert result["score"] == tally.summary()
    assert checked >= len(bank)
    assert page.request_log.external == []
    assert page.console_errors == []


def _name(slug: str) -> str:
    from powerdynamics.bank.labels import label_for

    return label_for(slug).name


def test_hostile_text_stays_text_in_the_browser(page, serve, tmp_path):
    from tests.unit.quiz.test_static_html import HOSTILE, hostile_bank

    quiz = ScenarioQuiz(bank=hostile_bank(), record_progress=False)
    (tmp_path / "x.html").write_text(PAGE.format(body=quiz.to_html()), encoding="utf-8")
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(serve(tmp_path) + "/x.html")
    page.locator("input[type=radio]").first.click()
    page.get_by_role("button", name="Check").click()
    assert HOSTILE in page.locator(".pdq-vignette").inner_text()
    assert HOSTILE in page.locator(".pdq-feedback").inner_text()
    assert page.locator("img").count() == 0 and page.locator("b").count() == 0
    assert dialogs == []
