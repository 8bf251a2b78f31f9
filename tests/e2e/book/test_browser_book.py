"""A reader of the built book answers every kind of item by mouse and by keyboard alone.

The lessons hold only the kinds the bank has; so that every kind is tried on a real
book page (theme, assets loaded once by the Sphinx extension, dark mode), one lesson
page of the built book is copied with its first quiz replaced by a quiz holding one
item of each kind (bank items, or fixture items for kinds the bank lacks yet).
"""

from __future__ import annotations

import re

import pytest

from powerdynamics import ScenarioQuiz
from powerdynamics.book.sphinx_offline import strip_inline_assets
from powerdynamics.kinds import grade
from powerdynamics.scenarios import default_bank
from tests.e2e.book.test_site_gate import AXE, run_axe, set_theme
from tests.support.kinds_fixture import one_of_each_kind

pytestmark = [pytest.mark.browser, pytest.mark.book]
LESSON = "notebooks/01-what-power-dynamics-are.html"
KINDS_PAGE = "_test/every-kind.html"
QUIZ_DIV = re.compile(r'<div class="pdq-quiz".*?</script>\s*</div>', re.S)


@pytest.fixture(scope="module")
def kinds_quiz():
    return ScenarioQuiz(bank=one_of_each_kind(), seed=None, record_progress=False, key="kinds")


@pytest.fixture(scope="module")
def book(built_book, serve, kinds_quiz):
    lesson = (built_book / LESSON).read_text(encoding="utf-8")
    assert QUIZ_DIV.search(lesson), "no quiz on the lesson page"
    page = QUIZ_DIV.sub(lambda _: strip_inline_assets(kinds_quiz.to_html()), lesson, count=1)
    (built_book / "_test").mkdir(exist_ok=True)
    (built_book / KINDS_PAGE).write_text(page.replace('href="../', 'href="../notebooks/../')
                                         , encoding="utf-8")
    return serve(built_book)


def item(quiz, kind):
    return next(p.scenario for p in quiz.items if p.scenario.kind == kind)


def open_kinds(page, base):
    page.goto(f"{base}/{KINDS_PAGE}")
    page.evaluate("localStorage.clear()")
    page.reload()
    root = page.locator("[data-pdq-quiz]").first
    root.wait_for()
    assert root.get_attribute("data-pdq-ready") == "1", "the quiz script did not start"
    return root


def fieldset(root, kind):
    return root.locator(f"fieldset.pdq-kind-{kind}")


def test_every_kind_by_mouse(page, book, kinds_quiz):
    root = open_kinds(page, book)
    choice = item(kinds_quiz, "choice")
    fs = fieldset(root, "choice")
    wrong = choice.distractors[0]
    fs.locator(f"input[value='{wrong}']").click()
    fs.get_by_role("button", name="Check").click()
    assert choice.feedback[wrong] in fs.locator(".pdq-feedback").inner_text()
    fs.get_by_role("button", name="Try again").click()
    fs.locator(f"input[value='{choice.key}']").click()
    fs.get_by_role("button", name="Check").click()
    assert choice.explanation in fs.locator(".pdq-feedback").inner_text()

    case = item(kinds_quiz, "case")
    fs = fieldset(root, "case")
    for label in case.present:
        fs.locator(f".pdq-group:not(.pdq-decisive) input[value='{label}']").click()
    fs.locator(f".pdq-decisive input[value='{case.decisive}']").click()
    fs.get_by_role("button", name="Check").click()
    v = grade(case, {"marked": list(case.present), "decisive": case.decisive})
    assert v.headline in fs.locator(".pdq-feedback").inner_text()

    cue = item(kinds_quiz, "cue")
    fs = fieldset(root, "cue")
    fs.locator(".pdq-group").nth(0).locator(f"input[value='{cue.key}']").click()
    fs.locator(".pdq-group").nth(1).locator(f"input[value='{cue.decisive_index}']").click()
    fs.get_by_role("button", name="Check").click()
    assert cue.sentences[cue.decisive_index].feedback in fs.locator(".pdq-feedback").inner_text()

    session = item(kinds_quiz, "session")
    fs = fieldset(root, "session")
    best = []
    node = session.start
    while node != "end" and session.nodes[node].end is None:
        i = next(i for i, m in enumerate(session.nodes[node].moves) if m.rating == "best")
        best.append(i)
        fs.locator(".pdq-stage input[type=radio]").nth(i).click()
        fs.get_by_role("button", name="Choose").click()
        node = session.nodes[node].moves[i].next
    assert grade(session, best).headline in fs.locator(".pdq-feedback").inner_text()
    assert "Score: 3 of 4" in root.locator(".pdq-score").inner_text()
    assert page.console_errors == [] and page.request_log.external == []


def press(page, *keys):
    for key in keys:
        page.keyboard.press(key)


def focused(page) -> str:
    return page.evaluate("(document.activeElement.type || '') + ':' + "
                         "(document.activeElement.value || document.activeElement.textContent)")


def test_every_kind_by_keyboard_alone(page, book, kinds_quiz):
    root = open_kinds(page, book)
    root.locator("input").first.focus()  # a reader Tabs here; start from the first group

    choice = item(kinds_quiz, "choice")
    fs = fieldset(root, "choice")
    options = [fs.locator("input").nth(i).get_attribute("value") for i in range(fs.locator("input").count())]
    press(page, "Space", *["ArrowDown"] * options.index(choice.key), "Tab")
    assert focused(page) == "submit:Check" or focused(page).endswith(":Check")
    press(page, "Enter")
    assert choice.explanation in fs.locator(".pdq-feedback").inner_text()
    assert page.evaluate("document.activeElement.classList.contains('pdq-feedback')")

    case = item(kinds_quiz, "case")
    fs = fieldset(root, "case")
    fs.locator("input[type=checkbox]").first.focus()
    boxes = [fs.locator("input[type=checkbox]").nth(i).get_attribute("value")
             for i in range(fs.locator("input[type=checkbox]").count())]
    for i, label in enumerate(boxes):
        if label in case.present:
            press(page, "Space")
        if i < len(boxes) - 1:
            press(page, "Tab")
    press(page, "Tab")  # into the decisive group (only the marked labels)
    shown = [v for v in boxes if v in case.present]
    press(page, "Space", *["ArrowDown"] * shown.index(case.decisive), "Tab")
    assert focused(page).endswith(":Check")
    press(page, "Enter")
    v = grade(case, {"marked": list(case.present), "decisive": case.decisive})
    assert v.headline in fs.locator(".pdq-feedback").inner_text()

    cue = item(kinds_quiz, "cue")
    fs = fieldset(root, "cue")
    fs.locator("input").first.focus()
    labels = [fs.locator(".pdq-group").nth(0).locator("input").nth(i).get_attribute("value")
              for i in range(len(cue.options))]
    press(page, "Space", *["ArrowDown"] * labels.index(cue.key), "Tab")
    press(page, "Space", *["ArrowDown"] * cue.decisive_index, "Tab")
    assert focused(page).endswith(":Check")
    press(page, "Enter")
    assert cue.sentences[cue.decisive_index].feedback in fs.locator(".pdq-feedback").inner_text()

    session = item(kinds_quiz, "session")
    fs = fieldset(root, "session")
    fs.locator(".pdq-stage input").first.focus()
    node = session.start
    while node != "end" and session.nodes[node].end is None:
        i = next(i for i, m in enumerate(session.nodes[node].moves) if m.rating == "best")
        press(page, "Space", *["ArrowDown"] * i, "Tab")
        assert focused(page).endswith(":Choose")
        press(page, "Enter")
        node = session.nodes[node].moves[i].next
        if node != "end" and session.nodes[node].end is None:
            assert focused(page).startswith("radio:"), "focus did not move to the next moves"
    assert "3 of 3 moves" in fs.locator(".pdq-feedback").inner_text()
    assert fs.locator(".pdq-feedback").get_attribute("aria-live") == "polite"
    press(page, "Tab")
    assert focused(page).endswith(":Start again")
    assert page.console_errors == []


OVERLAPS = """
(fs) => {
  const boxes = Array.from(fs.querySelectorAll('.pdq-option, button:not([hidden]), .pdq-vignette, legend'))
    .filter(e => e.offsetParent !== null).map(e => [e, e.getBoundingClientRect()]);
  const bad = [];
  for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
    const [a, r] = boxes[i], [b, s] = boxes[j];
    if (a.contains(b) || b.contains(a)) continue;
    const x = Math.min(r.right, s.right) - Math.max(r.left, s.left);
    const y = Math.min(r.bottom, s.bottom) - Math.max(r.top, s.top);
    if (x > 0.5 && y > 0.5) bad.push([a.className || a.tagName, b.className || b.tagName, x, y]);
  }
  const fsr = fs.getBoundingClientRect();
  for (const [e, r] of boxes) if (r.right > fsr.right + 0.5) bad.push(['outside', e.className, r.right, fsr.right]);
  const p = fs.querySelector('.pdq-option label');
  return {bad, lineHeight: parseFloat(getComputedStyle(fs.querySelector('.pdq-vignette')).lineHeight),
          fontSize: parseFloat(getComputedStyle(fs.querySelector('.pdq-vignette')).fontSize),
          labelLines: p ? p.getBoundingClientRect().height / parseFloat(getComputedStyle(p).lineHeight) : 0};
}
"""


@pytest.mark.parametrize("width", [390, 1280])
def test_longest_option_wraps_without_overlap(page, book, kinds_quiz, width):
    page.set_viewport_size({"width": width, "height": 900})
    root = open_kinds(page, book)
    from powerdynamics.bank.labels import label_for

    def length(slug):
        return len(label_for(slug).name + label_for(slug).definition)

    longest = max((s for p in kinds_quiz.items for s in p.options), key=length)
    for fs in root.locator("fieldset.pdq-item").all():
        if fs.locator(f"input[value='{longest}']").count() or fs.get_attribute("data-pdq-kind") == "session":
            result = fs.evaluate(OVERLAPS)
            assert result["bad"] == [], result
            assert 1.3 <= result["lineHeight"] / result["fontSize"] <= 1.7  # normal line height
    # after feedback is shown, too
    fs = fieldset(root, "choice")
    fs.locator("input").first.click()
    fs.get_by_role("button", name="Check").click()
    assert fs.evaluate(OVERLAPS)["bad"] == []


@pytest.mark.parametrize("mode", ["light", "dark"])
def test_axe_on_a_page_with_every_kind(page, book, mode):
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `make test` (npm ci)")
    root = open_kinds(page, book)
    set_theme(page, mode)
    root = page.locator("[data-pdq-quiz]").first
    fs = root.locator("fieldset.pdq-kind-choice")
    fs.locator("input").first.click()
    fs.get_by_role("button", name="Check").click()
    case = root.locator("fieldset.pdq-kind-case")
    case.locator("input[type=checkbox]").first.click()
    assert run_axe(page) == []


def test_lesson_answers_are_kept_after_reload(page, serve, built_book):
    base = serve(built_book)
    page.goto(f"{base}/{LESSON}")
    quiz = page.locator(".pdq-quiz").first
    quiz.wait_for()
    fs = quiz.locator("fieldset.pdq-item").first
    scenario = default_bank().get(fs.get_attribute("data-pdq-item"))
    wrong = scenario.distractors[0]
    fs.locator(f"input[value='{wrong}']").click()
    fs.get_by_role("button", name="Check").click()
    fs.get_by_role("button", name="Try again").click()
    fs.locator(f"input[value='{scenario.key}']").click()
    fs.get_by_role("button", name="Check").click()
    score = quiz.locator(".pdq-score").inner_text()
    assert score.startswith("Score: 0 of 1 ")
    page.reload()
    quiz = page.locator(".pdq-quiz").first
    fs = quiz.locator("fieldset.pdq-item").first
    assert fs.locator(f"input[value='{scenario.key}']").is_checked()
    assert scenario.explanation in fs.locator(".pdq-feedback").inner_text()
    assert quiz.locator(".pdq-score").inner_text() == score
    assert page.request_log.external == [], page.request_log.external


SAFETY_LESSON = "notebooks/06-strategies-and-practices.html"


def test_a_lesson_6_session_with_its_safety_branch_by_keyboard_alone(page, built_book, serve):
    """Lesson 6 as published: a boundary session whose best path pauses joint work for
    safety, walked with Space, arrows, Tab and Enter only."""
    from powerdynamics.kinds.session import PRINCIPLE_NAMES

    base = serve(built_book)
    page.goto(f"{base}/{SAFETY_LESSON}")
    page.evaluate("localStorage.clear()")
    page.reload()
    shown = page.locator("fieldset.pdq-kind-session")
    shown.first.wait_for()
    bank = {s.id: s for s in default_bank().items if s.kind == "session"}

    def best_path(session):
        node, moves = session.start, []
        while node != "end" and session.nodes[node].end is None:
            i = next(i for i, m in enumerate(session.nodes[node].moves) if m.rating == "best")
            moves.append((node, i, session.nodes[node].moves[i]))
            node = session.nodes[node].moves[i].next
        return moves

    candidates = [shown.nth(k).get_attribute("data-pdq-item") for k in range(shown.count())]
    safety = [sid for sid in candidates if sid in bank
              and any(m.principle == "safety-first" for _, _, m in best_path(bank[sid]))]
    assert safety, f"lesson 6 shows no session with a safety branch (sessions: {candidates})"
    session = bank[safety[0]]
    fs = page.locator(f"fieldset[data-pdq-item='{session.id}']")
    fs.locator(".pdq-stage input").first.focus()
    for step, (_node, i, move) in enumerate(best_path(session)):
        press(page, "Space", *["ArrowDown"] * i, "Tab")
        assert focused(page).endswith(":Choose"), f"step {step}: focus is on {focused(page)}"
        press(page, "Enter")
        taken = fs.locator(".pdq-step").nth(step)
        taken.wait_for()
        assert taken.get_attribute("data-rating") == "best"
        assert " ".join(move.feedback.split()) in " ".join(taken.inner_text().split())
        if move.principle == "safety-first":
            assert PRINCIPLE_NAMES["safety-first"] in taken.inner_text()
    end = fs.locator(".pdq-end")
    end.wait_for()
    last_node = best_path(session)[-1][2].next
    if last_node != "end":
        assert " ".join(session.nodes[last_node].end.split()[:6]) in " ".join(end.inner_text().split())
    assert fs.locator(".pdq-feedback").last.get_attribute("aria-live") == "polite"
    press(page, "Tab")
    assert focused(page).endswith(":Start again")
    assert page.console_errors == []
    assert page.request_log.external == []
