"""A reader of the built book answers a quiz by mouse and by keyboard; progress is kept."""

from __future__ import annotations

import pytest

from powerdynamics.scenarios import default_bank

pytestmark = [pytest.mark.browser, pytest.mark.book]
LESSON = "notebooks/01-what-power-dynamics-are.html"


def first_quiz(page):
    quiz = page.locator(".pdq-quiz").first
    quiz.wait_for()
    assert quiz.get_attribute("data-pdq-ready") == "1", "the quiz script did not start"
    return quiz


def item_of(fieldset):
    return default_bank().get(fieldset.get_attribute("data-pdq-item"))


def test_mouse_answers_feedback_and_progress_after_reload(page, serve, built_book):
    base = serve(built_book)
    page.goto(f"{base}/{LESSON}")
    quiz = first_quiz(page)
    fieldset = quiz.locator("fieldset.pdq-item").first
    scenario = item_of(fieldset)
    wrong = scenario.distractors[0]

    fieldset.locator(f"input[value='{wrong}']").click()
    fieldset.get_by_role("button", name="Check").click()
    feedback = fieldset.locator(".pdq-feedback")
    assert scenario.feedback[wrong] in feedback.inner_text()
    assert "Not quite" in feedback.inner_text()
    fieldset.get_by_role("button", name="Try again").click()
    assert feedback.inner_text() == ""
    fieldset.locator(f"input[value='{scenario.key}']").click()
    fieldset.get_by_role("button", name="Check").click()
    assert scenario.explanation in feedback.inner_text()
    assert "Correct" in feedback.inner_text()
    score = quiz.locator(".pdq-score").inner_text()
    assert score.startswith("Score: 0 of 1 ")  # the first try was wrong

    page.reload()
    quiz = first_quiz(page)
    fieldset = quiz.locator("fieldset.pdq-item").first
    assert fieldset.locator(f"input[value='{scenario.key}']").is_checked()
    assert scenario.explanation in fieldset.locator(".pdq-feedback").inner_text()
    assert quiz.locator(".pdq-score").inner_text() == score
    assert page.request_log.external == [], page.request_log.external


def test_keyboard_only(page, serve, built_book):
    page.goto(f"{serve(built_book)}/{LESSON}")
    quiz = first_quiz(page)
    fieldset = quiz.locator("fieldset.pdq-item").first
    scenario = item_of(fieldset)
    radios = fieldset.locator("input[type=radio]")
    options = [radios.nth(i).get_attribute("value") for i in range(radios.count())]

    radios.first.focus()  # a reader would Tab here; start from the group
    page.keyboard.press("Space")
    target = options.index(scenario.key)
    for _ in range(target):
        page.keyboard.press("ArrowDown")
    assert fieldset.locator(f"input[value='{scenario.key}']").is_checked()
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused == "Check"
    page.keyboard.press("Enter")
    feedback = fieldset.locator(".pdq-feedback")
    assert feedback.get_attribute("aria-live") == "polite"
    assert scenario.explanation in feedback.inner_text()

    # A wrong answer by keyboard, then Try again by keyboard puts focus back on the options.
    second = quiz.locator("fieldset.pdq-item").nth(1)
    if second.count():
        s2 = item_of(second)
        r2 = second.locator("input[type=radio]")
        opts2 = [r2.nth(i).get_attribute("value") for i in range(r2.count())]
        wrong = next(o for o in opts2 if o != s2.key)
        r2.first.focus()
        page.keyboard.press("Space")
        for _ in range(opts2.index(wrong)):
            page.keyboard.press("ArrowDown")
        page.keyboard.press("Tab")
        page.keyboard.press("Enter")
        assert s2.feedback[wrong] in second.locator(".pdq-feedback").inner_text()
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.textContent") == "Try again"
        page.keyboard.press("Enter")
        assert page.evaluate("document.activeElement.type") == "radio"
    assert page.request_log.external == []
