"""Driving a notebook of the browser edition (JupyterLite) as a trainee does."""

from __future__ import annotations

import time


def run_code(page, code: str) -> str:
    """Add a cell at the end of the open notebook, type ``code`` (one line), run it and
    return its output text, as a trainee does."""
    cells = page.locator(".jp-Notebook .jp-Cell")
    before, since = -1, time.monotonic()
    while time.monotonic() - since < 1.0:  # the notebook renders its cells in batches
        if cells.count() != before:
            before, since = cells.count(), time.monotonic()
        page.wait_for_timeout(100)
    cells.last.locator(".jp-InputPrompt").click()
    page.keyboard.press("Escape")
    page.keyboard.press("b")
    page.wait_for_function(f"document.querySelectorAll('.jp-Notebook .jp-Cell').length > {before}")
    page.keyboard.press("Enter")
    page.keyboard.type(code)
    page.keyboard.press("Shift+Enter")
    cell = cells.nth(before)
    page.wait_for_function(
        "(i) => /\\[\\d+\\]/.test(document.querySelectorAll('.jp-Notebook .jp-Cell')[i]"
        ".querySelector('.jp-InputPrompt').textContent)", arg=before)
    return cell.locator(".jp-OutputArea").inner_text()
