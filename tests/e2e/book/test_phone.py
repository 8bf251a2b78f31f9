"""The book on a phone (390 px) and the book's polish: navigation that opens, closes and
leads somewhere; quizzes inside the screen; no Python cells; one tab title; no emoji in
glossary headings (readers without an emoji font saw empty boxes)."""

from __future__ import annotations

import re

import pytest

from tests.support.htmltext import html_text

PHONE = {"width": 390, "height": 844}
LESSON_1 = "notebooks/01-what-power-dynamics-are.html"
EMOJI = re.compile("[\U0001F000-\U0001FAFF\u2600-\u27BF\uFE0F]")


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.errors = errors
    yield page
    context.close()


def visible_toggle(page):
    toggles = page.locator(".primary-toggle")
    for i in range(toggles.count()):
        if toggles.nth(i).is_visible():
            return toggles.nth(i)
    raise AssertionError("no visible navigation toggle at 390 px")


@pytest.mark.browser
@pytest.mark.book
def test_phone_navigation_opens_closes_and_its_links_work(phone, serve, built_book):
    base = serve(built_book)
    phone.goto(f"{base}/book/intro.html")
    dialog = phone.locator("#pst-primary-sidebar-modal")
    assert not dialog.evaluate("d => d.open")

    visible_toggle(phone).click()
    phone.wait_for_function("document.querySelector('#pst-primary-sidebar-modal').open")
    link = dialog.locator("a.reference.internal[href*='02-bases-of-power']").first
    assert link.is_visible()
    box = link.bounding_box()
    assert box and 0 <= box["x"] < PHONE["width"], box  # on screen, not off to the left
    phone.keyboard.press("Escape")  # closes again
    phone.wait_for_function("!document.querySelector('#pst-primary-sidebar-modal').open")

    visible_toggle(phone).click()
    phone.wait_for_function("document.querySelector('#pst-primary-sidebar-modal').open")
    dialog.locator("a.reference.internal[href*='02-bases-of-power']").first.click()
    phone.wait_for_url("**/notebooks/02-bases-of-power.html*")
    assert "Bases of power" in phone.title() or "bases" in phone.title().lower()
    assert phone.errors == []


@pytest.mark.browser
@pytest.mark.book
def test_no_quiz_element_overflows_a_phone_screen(phone, serve, built_book):
    phone.goto(f"{serve(built_book)}/{LESSON_1}")
    phone.locator(".pdq-quiz, .cell_output").first.wait_for()
    overflow = phone.evaluate("""() => {
        const width = document.documentElement.clientWidth;
        const bad = [];
        for (const el of document.querySelectorAll('.cell_output *')) {
            const r = el.getBoundingClientRect();
            if (r.width === 0 || r.height === 0) continue;
            if (r.left < -0.5 || r.right > width + 0.5) {
                bad.push(`${el.tagName.toLowerCase()}.${el.className}: ${Math.round(r.left)}..${Math.round(r.right)}`);
            }
        }
        return {width, scroll: document.documentElement.scrollWidth, bad: bad.slice(0, 10)};
    }""")
    assert overflow["bad"] == [], overflow
    assert overflow["scroll"] <= overflow["width"], overflow


@pytest.mark.book
def test_book_hides_code_and_has_single_titles(built_book):
    for path in sorted((built_book / "notebooks").glob("*.html")):
        page = path.read_text(encoding="utf-8")
        assert 'class="cell_input' not in page, f"{path.name}: a Python cell is shown"
        assert "from powerdynamics import" not in html_text(page), path.name
        assert 'class="cell_output' in page, f"{path.name}: outputs are still shown"
    for path in [*built_book.glob("book/*.html"), *built_book.glob("notebooks/*.html")]:
        title = re.search(r"<title>(.*?)</title>", path.read_text(encoding="utf-8"), re.S).group(1)
        parts = [p.strip() for p in title.split("&#8212;")]
        assert len(parts) == len(set(parts)), f"{path.name}: doubled title {title!r}"
    glossary = (built_book / "book" / "glossary.html").read_text(encoding="utf-8")
    headings = re.findall(r"<h[1-6][^>]*>(.*?)</h[1-6]>", glossary, re.S)
    assert headings and [h for h in headings if EMOJI.search(html_text(h))] == []
