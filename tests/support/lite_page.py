"""Driving a notebook of the browser edition (JupyterLite) as a trainee does."""

from __future__ import annotations

import time

ACTIVE_CELL = ".jp-Notebook .jp-Cell.jp-mod-active"
RAN = "(cell) => /\\[\\d+\\]/.test(cell.querySelector('.jp-InputPrompt').textContent)"


def run_code(page, code: str) -> str:
    """Add a cell below the last one shown, type ``code`` (one line), run it and return
    its output text, as a trainee does.

    The new cell is followed as the notebook's *active* cell, not by its position: under
    load JupyterLab renders a long notebook's cells in batches (and may leave scrolled-out
    ones unrendered), so a position counted before the insert can name another cell,
    whose prompt then never changes (a 240 s wait in stop 24's full run)."""
    cells = page.locator(".jp-Notebook .jp-Cell")
    before, since = -1, time.monotonic()
    while time.monotonic() - since < 1.0:  # let the first batches of cells render
        if cells.count() != before:
            before, since = cells.count(), time.monotonic()
        page.wait_for_timeout(100)
    cells.last.locator(".jp-InputPrompt").click()
    page.keyboard.press("Escape")
    page.keyboard.press("b")
    page.wait_for_function("(n) => document.querySelectorAll('.jp-Notebook .jp-Cell').length > n", arg=before)
    cell = page.locator(ACTIVE_CELL)
    cell.wait_for()
    handle = cell.element_handle()
    page.keyboard.press("Enter")
    page.keyboard.type(code)
    typed = handle.query_selector(".cm-content")
    if typed is None or typed.inner_text().strip() != code:
        raise AssertionError(f"the new cell holds {typed.inner_text() if typed else None!r}, not {code!r}")
    page.keyboard.press("Shift+Enter")
    try:
        page.wait_for_function(RAN, arg=handle)
    except Exception as exc:
        status = page.locator(".jp-Notebook-ExecutionIndicator, .jp-KernelStatus").all_inner_texts()
        prompt = handle.query_selector(".jp-InputPrompt")
        raise AssertionError(f"the cell {code!r} did not run: prompt {prompt.inner_text() if prompt else None!r}, "
                             f"kernel indicator {status}, dialogs {page.locator('.jp-Dialog').all_inner_texts()}"
                             ) from exc
    output = handle.query_selector(".jp-OutputArea")
    return output.inner_text() if output else ""
