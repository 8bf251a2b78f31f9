"""A trainee in a real JupyterLab (127.0.0.1, token) answers one item of each kind.

The live quiz is the anywidget view of the same front end; each answer goes to the
kernel, is judged there, comes back as feedback, and is found in the progress database.
"""

from __future__ import annotations

import os
import time

import nbformat
import pytest

from powerdynamics.kinds import answer_token, grade
from powerdynamics.learner.progress import ProgressStore
from tests.support.kinds_fixture import one_of_each_kind
from tests.support.localweb import KINDS_NOTEBOOK_CODE, run_notebook_in_lab, start_lab
from tests.support.paths import ROOT

pytestmark = [pytest.mark.lab, pytest.mark.browser]
NOTEBOOK = "every-kind.ipynb"


@pytest.fixture
def lab(tmp_path):
    root = tmp_path / "course"
    root.mkdir()
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(KINDS_NOTEBOOK_CODE)]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, root / NOTEBOOK)
    db = tmp_path / "progress.sqlite3"
    path = os.pathsep.join(p for p in (str(ROOT / "src"), str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
    with start_lab(root, tmp_path, {"POWERDYNAMICS_PROGRESS_DB": str(db), "PYTHONPATH": path}) as lab:
        yield {**lab, "db": db, "root": root}


def test_one_item_of_each_kind_answered_in_lab_and_recorded(lab, page):
    page.set_default_timeout(60_000)
    run_notebook_in_lab(page, lab, NOTEBOOK)
    quiz = page.locator(".pdq-live")
    quiz.wait_for()
    items = {i.kind: i for i in one_of_each_kind()}

    choice = items["choice"]
    fs = quiz.locator("fieldset.pdq-kind-choice")
    fs.locator(f"input[value='{choice.key}']").click()
    fs.get_by_role("button", name="Check").click()
    fs.get_by_text(choice.explanation[:50]).wait_for()

    case = items["case"]
    fs = quiz.locator("fieldset.pdq-kind-case")
    fs.locator(f".pdq-group:not(.pdq-decisive) input[value='{case.present[0]}']").click()
    fs.locator(f".pdq-decisive input[value='{case.present[0]}']").click()
    fs.get_by_role("button", name="Check").click()
    case_answer = {"marked": [case.present[0]], "decisive": case.present[0]}
    fs.get_by_text(grade(case, case_answer).headline).wait_for()

    cue = items["cue"]
    fs = quiz.locator("fieldset.pdq-kind-cue")
    fs.locator(".pdq-group").nth(0).locator(f"input[value='{cue.key}']").click()
    fs.locator(".pdq-group").nth(1).locator("input[value='0']").click()
    fs.get_by_role("button", name="Check").click()
    fs.get_by_text(cue.sentences[0].feedback[:40]).wait_for()

    session = items["session"]
    fs = quiz.locator("fieldset.pdq-kind-session")
    for step in range(3):
        fs.locator(".pdq-stage input[type=radio]").first.click()
        fs.get_by_role("button", name="Choose").click()
        fs.locator(".pdq-step").nth(step).wait_for()
    fs.get_by_text(grade(session, [0, 0, 0]).headline).wait_for()
    right = sum(grade(item, answer).correct for item, answer in (
        (choice, choice.key), (case, case_answer), (cue, {"label": cue.key, "sentence": 0}),
        (session, [0, 0, 0])))
    assert f"Score: {right} of 4" in quiz.locator(".pdq-score").inner_text()

    want = [(choice.id, choice.key), (case.id, answer_token(case, case_answer)),
            (cue.id, f"{cue.key}@0"), (session.id, "0.0.0")]
    deadline = time.monotonic() + 20
    answers = []
    while time.monotonic() < deadline and len(answers) < 4:
        answers = ProgressStore(lab["db"]).answers()
        time.sleep(0.2)
    assert [(a.item_id, a.chosen) for a in answers] == want
    assert page.request_log.external == [], page.request_log.external


def test_answers_come_back_after_a_kernel_restart(lab, page):
    """Kernel restarted, cells run again: the quiz shows the answer given, its feedback and
    the score, from the progress store (the book does the same from the browser)."""
    page.set_default_timeout(60_000)
    run_notebook_in_lab(page, lab, NOTEBOOK)
    choice = next(i for i in one_of_each_kind() if i.kind == "choice")
    wrong = choice.distractors[0]
    fs = page.locator(".pdq-live fieldset.pdq-kind-choice")
    fs.locator(f"input[value='{wrong}']").click()
    fs.get_by_role("button", name="Check").click()
    fs.get_by_text(choice.feedback[wrong][:50]).wait_for()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not ProgressStore(lab["db"]).answers():
        time.sleep(0.2)

    page.evaluate("window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.restart()")
    page.wait_for_function(
        "window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.status === 'idle'")
    page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
    page.wait_for_function("() => document.querySelectorAll('.pdq-live').length === 1"
                           " && document.querySelector('.jp-InputPrompt').textContent.includes('[1]')")
    fs = page.locator(".pdq-live fieldset.pdq-kind-choice")
    fs.get_by_text(choice.feedback[wrong][:50]).wait_for()
    assert fs.locator(f"input[value='{wrong}']").is_checked()
    assert fs.get_by_role("button", name="Try again").is_visible()
    assert page.locator(".pdq-live .pdq-score").inner_text().startswith("Score: 0 of 1 answered")
    page.locator(".pdq-live .pdq-reset").click()  # Start again: a fresh quiz, as in the book
    fs = page.locator(".pdq-live fieldset.pdq-kind-choice")
    assert not fs.locator(f"input[value='{wrong}']").is_checked()
    assert page.locator(".pdq-live .pdq-score").inner_text().startswith("No answers yet")
