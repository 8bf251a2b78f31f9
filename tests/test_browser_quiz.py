"""The static quiz in real Chromium: same verdicts and score as Python, on every bank item."""

from __future__ import annotations

import pytest

from powerdynamics import ScenarioQuiz
from powerdynamics.scenarios import default_bank
from powerdynamics.scoring import Tally, check_answer

pytestmark = pytest.mark.browser

PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>All bank items</title></head>
<body><main>{body}</main></body></html>"""

CLICK_EVERY_OPTION = """
(root) => {
  const results = [];
  for (const fs of root.querySelectorAll('fieldset.pdq-item')) {
    const check = fs.querySelector('.pdq-check');
    for (const radio of fs.querySelectorAll('input[type=radio]')) {
      radio.click();
      check.click();
      results.push({
        item: fs.dataset.pdqItem,
        option: radio.value,
        headline: fs.querySelector('.pdq-headline').textContent,
        feedback: fs.querySelector('.pdq-explain').textContent,
        state: fs.classList.contains('pdq-correct') ? 'correct' : 'wrong',
      });
    }
  }
  return {results, score: root.querySelector('.pdq-score').textContent,
          summary: root.querySelector('.pdq-summary').textContent};
}
"""


def test_static_page_agrees_with_python_on_every_bank_item(page, serve, tmp_path):
    bank = default_bank()
    quiz = ScenarioQuiz(seed=0, bank=bank, record_progress=False, skip_content_notes=False)
    assert len(quiz) == len(bank)
    (tmp_path / "all.html").write_text(PAGE.format(body=quiz.to_html()), encoding="utf-8")
    page.goto(serve(tmp_path) + "/all.html")
    out = page.evaluate(CLICK_EVERY_OPTION, page.locator(".pdq-quiz").element_handle())

    expected_count = sum(len(s.options) for s in bank)
    assert len(out["results"]) == expected_count
    tally = Tally(quiz.item_ids)
    planned = {p.scenario.id: p for p in quiz.items}
    seen_first: set[str] = set()
    for row in out["results"]:
        scenario = planned[row["item"]].scenario
        verdict = check_answer(scenario, row["option"])
        assert (row["headline"], row["feedback"]) == (verdict.headline, verdict.feedback), row
        assert row["state"] == ("correct" if verdict.correct else "wrong")
        if row["item"] not in seen_first:
            seen_first.add(row["item"])
            tally.record(verdict)
    # First clicks follow each item's option order, so the first answers are known.
    assert out["score"] == tally.summary()
    for missed in tally.missed:
        assert planned[missed].scenario.explanation[:40] in out["summary"]
    assert page.request_log.external == []
    assert page.console_errors == []


def test_hostile_text_stays_text_in_the_browser(page, serve, tmp_path):
    from tests.test_static_html import HOSTILE, hostile_bank

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
