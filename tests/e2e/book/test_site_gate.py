"""Site-wide quality gate over every page of the built book, in Debian's Chromium.

For every page: no console errors, no failed requests, no request leaves the machine,
axe-core (installed from the npm registry by `make test`, injected from the local
file) finds no serious or critical violation in the light and the dark theme, every
internal link and anchor resolves, every image has alt text, headings are in order,
and every quiz can be answered with the keyboard alone and announces its feedback.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import unquote, urljoin, urlparse

import pytest

from tests.support.axe import AXE, run_axe

pytestmark = [pytest.mark.browser, pytest.mark.book]


def is_redirect(path: Path) -> bool:
    return 'http-equiv="refresh"' in path.read_text(encoding="utf-8")[:2000].lower()


def pages(html_root: Path) -> list[str]:
    """Every HTML page a reader can reach (redirect stubs are checked separately)."""
    skip = {"genindex.html"}  # empty Sphinx index; still checked for links below
    return sorted(str(p.relative_to(html_root)) for p in html_root.rglob("*.html")
                  if not p.relative_to(html_root).parts[0].startswith(("_", "."))
                  and p.relative_to(html_root).parts[0] != "lite"  # the browser edition: test_lite.py
                  and p.name not in skip and not is_redirect(p))


def test_redirect_stubs_point_at_real_pages(built_book):
    stubs = [p for p in built_book.rglob("*.html") if is_redirect(p)]
    for stub in stubs:
        target = re.search(r'url=([^"]+)"', stub.read_text(encoding="utf-8"), re.I).group(1)
        assert (stub.parent / target).resolve().exists(), f"{stub.name} -> {target}"


@pytest.fixture(scope="module")
def site(built_book, lite_site, serve):  # lite_site: the lesson pages link into it
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `make test` (it installs axe-core with npm ci)")
    return {"root": built_book, "base": serve(built_book), "pages": pages(built_book)}




def set_theme(page, mode: str) -> None:
    """Load the page in a colour mode the way a returning reader would (stored choice)."""
    page.evaluate("(mode) => localStorage.setItem('mode', mode)", mode)
    page.reload(wait_until="networkidle")
    actual = page.evaluate("document.documentElement.dataset.theme")
    assert actual == mode, f"the theme did not switch to {mode} (got {actual!r})"


def test_every_page_loads_cleanly_offline_and_passes_axe(site, page):
    """Every page, in each colour mode as a returning reader has it stored (one load per
    page and mode: the stored choice is set once per mode, not reloaded per page)."""
    problems: dict[str, list] = {}
    for mode in ("light", "dark"):
        page.goto(f"{site['base']}/{site['pages'][0]}", wait_until="networkidle")
        set_theme(page, mode)
        for rel in site["pages"]:
            page.console_errors.clear()
            page.request_log.failed.clear()
            page.goto(f"{site['base']}/{rel}", wait_until="networkidle")
            page.wait_for_timeout(150)
            actual = page.evaluate("document.documentElement.dataset.theme")
            assert actual == mode, f"{rel}: the theme did not switch to {mode} (got {actual!r})"
            found: list = []
            if page.console_errors:
                found.append({"console": page.console_errors[:3]})
            if page.request_log.failed:
                found.append({"failed requests": page.request_log.failed[:3]})
            violations = run_axe(page)
            if violations:
                found.append({mode: violations})
            if found:
                problems.setdefault(rel, []).extend(found)
    assert page.request_log.external == [], page.request_log.external
    assert not problems, json.dumps(problems, indent=1)[:6000]


STRUCTURE = """
() => {
  const out = {links: [], images: [], headings: []};
  for (const a of document.querySelectorAll('a[href]')) out.links.push(a.getAttribute('href'));
  for (const img of document.querySelectorAll('img')) {
    if (!img.hasAttribute('alt')) out.images.push(img.getAttribute('src'));
  }
  const main = document.querySelector('main') || document.body;
  for (const h of main.querySelectorAll('h1, h2, h3, h4, h5, h6')) {
    out.headings.push([Number(h.tagName[1]), h.textContent.trim().slice(0, 60)]);
  }
  out.ids = Array.from(document.querySelectorAll('[id]')).map(e => e.id);
  return out;
}
"""


def test_links_anchors_images_and_headings(site, page):
    ids: dict[str, set[str]] = {}
    links: dict[str, list[str]] = {}
    problems: list[str] = []
    for rel in site["pages"] + ["genindex.html"]:
        page.goto(f"{site['base']}/{rel}", wait_until="networkidle")
        data = page.evaluate(STRUCTURE)
        ids[rel] = set(data["ids"])
        links[rel] = data["links"]
        problems += [f"{rel}: image without alt: {src}" for src in data["images"]]
        levels = [h[0] for h in data["headings"]]
        if levels and levels[0] != 1:
            problems.append(f"{rel}: first heading is h{levels[0]}")
        for (a, _), (b, text) in zip(data["headings"], data["headings"][1:], strict=False):
            if b > a + 1:
                problems.append(f"{rel}: heading jumps from h{a} to h{b} at {text!r}")
    for rel, hrefs in links.items():
        for href in hrefs:
            url = urlparse(urljoin(f"http://x/{rel}", href))
            if href.startswith(("mailto:", "tel:")) or (url.netloc not in ("x", "")):
                continue
            target = unquote(url.path.lstrip("/")) or "index.html"
            if target.endswith("/"):
                target += "index.html"
            if not (site["root"] / target).exists():
                problems.append(f"{rel}: broken link {href}")
                continue
            if url.fragment and target.endswith(".html"):
                if target not in ids:
                    page.goto(f"{site['base']}/{target}")
                    ids[target] = set(page.evaluate(STRUCTURE)["ids"])
                if unquote(url.fragment) not in ids[target]:
                    problems.append(f"{rel}: missing anchor {href}")
    assert problems == []


def test_every_quiz_works_with_the_keyboard_alone(site, page):
    checked = 0
    for rel in site["pages"]:
        if 'data-pdq-quiz' not in (site["root"] / rel).read_text(encoding="utf-8"):
            continue
        page.goto(f"{site['base']}/{rel}")
        page.evaluate("localStorage.clear()")
        page.reload()
        quizzes = page.locator("[data-pdq-quiz]")
        for q in range(quizzes.count()):
            fieldset = quizzes.nth(q).locator("fieldset.pdq-item").first
            fieldset.locator("input").first.focus()
            # Every kind: Space picks in each group (a case's checkboxes one by one, its
            # decisive radio group, a cue's sentences), Tab moves on, until Check.
            for _ in range(20):
                page.keyboard.press("Space")
                page.keyboard.press("Tab")
                if page.evaluate("document.activeElement.textContent") in ("Check", "Choose"):
                    break  # a session's move is chosen with "Choose"
            assert page.evaluate("document.activeElement.textContent") in ("Check", "Choose"), rel
            page.keyboard.press("Enter")
            feedback = fieldset.locator(".pdq-feedback")
            assert feedback.get_attribute("aria-live") == "polite"
            # A session gives each move's feedback in its step, the live region at the end.
            shown = " ".join(fieldset.locator(".pdq-feedback, .pdq-step").all_inner_texts())
            assert shown.strip(), f"{rel}: quiz {q + 1} gave no feedback"
            checked += 1
    assert checked >= 7, f"only {checked} quizzes found in the book"


def test_search_finds_referent_offline(site, page):
    page.goto(f"{site['base']}/search.html?q=referent")
    results = page.locator("#search-results li, ul.search li")
    results.first.wait_for(timeout=20_000)
    assert results.count() >= 1
    assert page.request_log.external == []
