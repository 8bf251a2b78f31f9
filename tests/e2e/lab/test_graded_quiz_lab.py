"""A trainee takes the graded quiz of assignment 3 in a real JupyterLab (127.0.0.1, token).

The released notebook (``nbgrader generate_assignment`` in a temporary copy of exercises/)
is opened in JupyterLab with no ``JUPYTERHUB_USER``, so the quiz asks for the course login
once.  The trainee answers one item of each kind of their draw with the keyboard (Tab,
Space, arrows, Enter) in the one front end (``quiz.js``) in graded mode, and walks the
session to an ending.  Every answer is acknowledged with "Saved: ..." and never judged;
``responses.json`` next to the notebook holds the answers and the draw of that login (the
draw ``powerdynamics grade draw`` prints).  After a kernel restart and Run All the saved
answers come back ("Saved earlier: ...") without the login being asked again.

Keys are read at run time from exercises/pools/a3.yaml (instructor only), only to check
that no verdict text reaches the page.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

import pytest

from tests.support.localweb import start_lab
from tests.support.paths import EXERCISES, ROOT
from tests.support.pool_course import course_env

pytestmark = [pytest.mark.lab, pytest.mark.browser]
ASSIGNMENT = "a3-relational-patterns-strategies"
NOTEBOOK = f"{ASSIGNMENT}.ipynb"
ITEMS = "a3-items.json"
LOGIN = "trainee-7"
# What the practice quiz says and the graded quiz must not: verdicts, ratings, scores.
VERDICT_WORDS = re.compile(r"\b(correct|incorrect|right|wrong|well done|best move|acceptable move"
                           r"|poor move|a better one was open|score|points?)\b", re.IGNORECASE)
STATUS_BAR_IDLE = ("() => { const t = document.querySelector('#jp-main-statusbar')?.textContent"
                   " || ''; return /\\| Idle/.test(t) && !/No Kernel/.test(t); }")


# -- the release, as nbgrader makes it ------------------------------------------------------
def _course_env(home: Path) -> dict[str, str]:
    """An isolated HOME and Jupyter config (as tests/e2e/nbgrader/test_nbgrader_course.py's Course)."""
    return course_env(home)


@pytest.fixture
def released(tmp_path) -> dict[str, Any]:
    course = tmp_path / "course"
    shutil.copytree(EXERCISES, course, ignore=shutil.ignore_patterns(
        "release", "submitted", "autograded", "feedback", "gradebook.db", "*.csv", "__pycache__",
        ".ipynb_checkpoints"))
    home = tmp_path / "home"
    home.mkdir()
    env = _course_env(home)
    run = subprocess.run([sys.executable, "-m", "nbgrader", "generate_assignment", ASSIGNMENT],
                         cwd=course, env=env, capture_output=True, text=True, timeout=300)
    release = course / "release" / ASSIGNMENT
    assert run.returncode == 0, run.stdout + run.stderr
    assert sorted(p.name for p in release.iterdir()) == sorted([ITEMS, NOTEBOOK])
    draw = subprocess.run([sys.executable, "-m", "powerdynamics", "grade", "draw", ASSIGNMENT,
                           "--student", LOGIN, "--course", str(course)],
                          cwd=course, env=env, capture_output=True, text=True, timeout=120)
    assert draw.returncode == 0, draw.stdout + draw.stderr
    trainee = tmp_path / "trainee"
    shutil.copytree(release, trainee)  # what the trainee fetched
    return {"dir": trainee, "cli_draw": draw.stdout.split()}


@pytest.fixture
def lab(released, tmp_path, monkeypatch):
    monkeypatch.delenv("JUPYTERHUB_USER", raising=False)  # not on the hub: the quiz must ask
    path = os.pathsep.join(p for p in (str(ROOT / "src"), os.environ.get("PYTHONPATH", "")) if p)
    with start_lab(released["dir"], tmp_path, {"PYTHONPATH": path,
                                               "POWERDYNAMICS_PROGRESS_DB": str(tmp_path / "p.db")}) as lab:
        yield {**lab, **released}


# -- helpers --------------------------------------------------------------------------------
def _verdict_texts(keyed: Any, answer: Any) -> list[str]:
    """The texts the practice quiz would show for ``answer`` (headline, feedback, parts)."""
    from powerdynamics.kinds import grade

    shape = answer["path"] if keyed.kind == "session" else answer
    verdict = grade(keyed, shape)
    texts = [verdict.feedback, getattr(keyed, "explanation", "")]
    for part in verdict.parts:
        texts.append(str(part[1]).split("|", 1)[-1])
    texts = [" ".join(t.split()) for t in texts if t]
    return [t[:60] for t in texts if len(t) >= 25] + [verdict.headline]


def _focused(page) -> str:
    return page.evaluate("() => { const e = document.activeElement;"
                         " return e ? (e.tagName + ':' + (e.type || '') + ':' + (e.value || '')"
                         " + ':' + (e.textContent || '').trim()) : ''; }")


def _checked(group) -> list[str]:
    return [i.get_attribute("value") for i in group.locator("input:checked").all()]


def _session_path(view: dict[str, Any], first: int) -> list[int]:
    """Move ``first`` at the start, then the first move at every step, to an ending."""
    path, node = [], view["start"]
    while node != "end" and view["nodes"][node].get("end") is None:
        path.append(first if not path else 0)
        node = view["nodes"][node]["moves"][path[-1]]["next"]
    return path


def _run_all(page) -> None:
    page.wait_for_function(STATUS_BAR_IDLE)
    page.locator("#jp-MainMenu .lm-MenuBar-itemLabel", has_text="Run").first.click()
    page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()


def _assert_not_judged(quiz, fs, keyed: Any, answer: Any) -> None:
    """Nothing on the item says whether the answer is right."""
    classes = fs.get_attribute("class") or ""
    assert not re.search(r"pdq-(correct|wrong|partial)", classes), classes
    for sel in (".pdq-principle", "[data-rating]", ".pdq-explain", ".pdq-part", ".pdq-parts li"):
        assert fs.locator(sel).count() == 0, f"{keyed.id}: {sel} shown in graded mode"
    for headline in fs.locator(".pdq-headline").all_text_contents():
        assert not VERDICT_WORDS.search(headline), f"{keyed.id}: {headline!r}"
    for step in fs.locator(".pdq-step").all_text_contents():
        assert not VERDICT_WORDS.search(step), f"{keyed.id}: {step!r}"
    page_text = " ".join(quiz.text_content().split())
    for text in _verdict_texts(keyed, answer):
        assert text not in page_text, f"{keyed.id}: verdict text {text!r} is on the page"


# -- the test -------------------------------------------------------------------------------
def test_graded_quiz_in_lab_login_keyboard_answers_saved_and_restored(lab, page):
    from powerdynamics.grading.draws import draw_for
    from powerdynamics.grading.pool_grading import load_keys
    from powerdynamics.grading.public_answers import describe
    from powerdynamics.kinds.session import PRINCIPLE_NAMES

    page.set_default_timeout(60_000)
    folder: Path = lab["dir"]
    document = json.loads((folder / ITEMS).read_text(encoding="utf-8"))
    views = {v["id"]: v for v in document["items"]}
    draw = draw_for(document["assignment"], LOGIN, document["forms"])
    assert list(draw.items) == lab["cli_draw"], "grade draw and draw_for disagree"
    kinds = [views[i]["kind"] for i in draw.items]
    assert len(kinds) == 12 and kinds.count("session") == 1, kinds
    assert kinds.count("case") >= 3 and kinds.count("cue") >= 3 and "choice" in kinds, kinds
    keys = load_keys(EXERCISES / "pools" / "a3.yaml")
    assert not (folder / "responses.json").exists()

    page.goto(f"{lab['base']}/lab/tree/{NOTEBOOK}?token={lab['token']}")
    page.locator(".jp-NotebookPanel").first.wait_for()
    _run_all(page)

    # The login prompt: typed once, then "Show my questions" pressed from the keyboard.
    login = page.get_by_role("textbox", name="Course login")
    login.wait_for()
    prompt = page.locator(".widget-html p", has_text="Each trainee answers a different set")
    assert "Type your course login, exactly as your instructor gave it" in prompt.text_content()
    assert page.locator(".pdq-live").count() == 0, "questions shown before the login"
    page.get_by_role("button", name="Show my questions").click()  # nothing typed yet
    page.get_by_role("alert").filter(has_text="Type your course login first.").wait_for()
    assert page.locator(".pdq-live").count() == 0 and not (folder / "responses.json").exists()
    # Typed while the kernel is still busy (as when cells are still running): the login the
    # kernel uses must be the whole of what was typed when the button was pressed.
    page.evaluate("() => { window.jupyterapp.shell.currentWidget.sessionContext.session.kernel"
                  ".requestExecute({code: 'import time; time.sleep(2)', silent: true}); }")
    login.focus()
    page.keyboard.type(LOGIN)
    page.keyboard.press("Tab")
    assert _focused(page).endswith("Show my questions"), _focused(page)
    page.keyboard.press("Enter")

    quiz = page.locator(".pdq-live")
    quiz.wait_for()
    assert quiz.locator(".pdq-title").text_content() == (
        "Graded quiz: Assignment 3: Relational patterns and strategies")
    header = page.locator(".widget-html p", has_text="Questions for login")
    assert " ".join(header.text_content().split()).startswith(
        f"Questions for login {LOGIN} (12 questions).")
    sets = quiz.locator("fieldset.pdq-item")
    assert sets.count() == 12
    assert [sets.nth(k).get_attribute("data-pdq-item") for k in range(12)] == list(draw.items)
    for k in range(12):
        assert sets.nth(k).locator(":scope > legend").text_content() == f"Question {k + 1} of 12"
        button = "Choose" if kinds[k] == "session" else "Save answer"
        assert sets.nth(k).get_by_role("button", name=button).count() == 1, (k, kinds[k])
    assert quiz.locator(".pdq-score").text_content().startswith("Nothing answered yet (12 questions)")

    first = {kind: draw.items[kinds.index(kind)] for kind in ("choice", "case", "cue", "session")}
    answers: dict[str, Any] = {}

    def fieldset(item_id: str):
        return quiz.locator(f"fieldset.pdq-item[data-pdq-item='{item_id}']")

    def save_by_keyboard(fs, item_id: str) -> None:
        page.keyboard.press("Tab")
        assert _focused(page).endswith("Save answer"), (item_id, _focused(page))
        page.keyboard.press("Enter")
        view, value = views[item_id], answers[item_id]
        box = fs.locator(".pdq-feedback")
        box.get_by_text(f"Saved: {describe(view, value)}.", exact=True).wait_for()
        assert box.text_content().strip() == f"Saved: {describe(view, value)}."

    # choice: second option (arrow key in the radio group), Tab to Save, Enter
    cid = first["choice"]
    fs, opts = fieldset(cid), views[cid]["options"]
    fs.locator("input[type=radio]").first.focus()
    page.keyboard.press("ArrowDown")
    assert _checked(fs) == [opts[1]], _focused(page)
    answers[cid] = opts[1]
    save_by_keyboard(fs, cid)

    # case: mark the first and third sources (Space, Tab, Tab, Space), decisive: the third
    kid = first["case"]
    fs, opts = fieldset(kid), views[kid]["options"]
    assert len(opts) >= 3
    main = fs.locator(".pdq-group:not(.pdq-decisive)")
    decisive = fs.locator(".pdq-decisive")
    main.locator("input").first.focus()
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.press("Space")
    assert _checked(main) == [opts[0], opts[2]]
    assert [i.get_attribute("value") for i in decisive.locator("input").all()] == [opts[0], opts[2]]
    for _ in range(len(opts) - 2):  # past the other sources to the decisive group
        page.keyboard.press("Tab")
    assert _focused(page).startswith(f"INPUT:radio:{opts[0]}"), _focused(page)
    page.keyboard.press("ArrowDown")
    assert _checked(decisive) == [opts[2]]
    answers[kid] = {"marked": sorted([opts[0], opts[2]]), "decisive": opts[2]}
    save_by_keyboard(fs, kid)

    # cue: first label (Space), Tab into the sentences, third sentence (two arrows)
    uid = first["cue"]
    fs, opts = fieldset(uid), views[uid]["options"]
    groups = fs.locator(".pdq-group")
    groups.nth(0).locator("input").first.focus()
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    assert _focused(page).startswith("INPUT:radio:0"), _focused(page)
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    assert _checked(groups.nth(0)) == [opts[0]] and _checked(groups.nth(1)) == ["2"]
    answers[uid] = {"label": opts[0], "sentence": 2}
    save_by_keyboard(fs, uid)

    # session: second move first, then the first move, step by step to an ending
    sid = first["session"]
    fs, view = fieldset(sid), views[sid]
    path = _session_path(view, 1)
    assert len(path) >= 2
    fs.locator(".pdq-stage input[type=radio]").first.focus()
    for step, move in enumerate(path):
        # after a move the front end itself puts the focus on the next step's first move
        assert _focused(page).startswith("INPUT:radio:0"), (step, _focused(page))
        page.keyboard.press("ArrowDown" if move else "Space")
        assert _checked(fs.locator(".pdq-stage")) == [str(move)]
        page.keyboard.press("Tab")
        assert _focused(page).endswith("Choose"), (step, _focused(page))
        page.keyboard.press("Enter")
        fs.locator(".pdq-step").nth(step).wait_for()
        if step < len(path) - 1:  # nothing is saved until the path reaches an ending
            on_disk = json.loads((folder / "responses.json").read_text(encoding="utf-8"))
            assert sid not in on_disk["answers"], on_disk["answers"]
    answers[sid] = {"path": path}
    box = fs.locator(".pdq-stage .pdq-feedback")
    box.locator(".pdq-headline", has_text=f"Saved: {describe(view, answers[sid])}.").wait_for()
    assert box.locator(".pdq-headline").text_content() == f"Saved: {describe(view, answers[sid])}."
    assert fs.locator(".pdq-step").count() == len(path)
    assert fs.locator(".pdq-move").all_text_contents() == [
        f"You chose: {m['text']}" for m in _moves_taken(view, path)]
    headline_and_steps = " ".join(fs.locator(".pdq-headline, .pdq-step").all_text_contents())
    for principle in PRINCIPLE_NAMES.values():
        assert principle.lower() not in headline_and_steps.lower(), principle

    for item_id, answer in answers.items():
        _assert_not_judged(quiz, fieldset(item_id), keys[item_id], answer)
    assert quiz.locator(".pdq-score").text_content().startswith("Answered 4 of 12 questions")

    # responses.json next to the notebook: the answers in their shapes and the draw record
    saved = json.loads((folder / "responses.json").read_text(encoding="utf-8"))
    assert saved["assignment"] == "a3"
    assert saved["answers"] == answers
    assert isinstance(saved["answers"][cid], str)
    assert isinstance(saved["answers"][uid]["sentence"], int)
    assert all(isinstance(i, int) for i in saved["answers"][sid]["path"])
    assert saved["draw"] == {"student": LOGIN, "seed": draw.seed, "form": draw.form,
                             "items": lab["cli_draw"]}
    assert saved.get("updated")

    # A new kernel, Run All: the answers come back, the login is not asked again.
    page.evaluate("window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.restart()")
    _run_all(page)
    page.wait_for_function(
        "() => document.querySelectorAll('.pdq-live').length === 1"
        " && /Questions for login/.test(document.querySelector('.jp-Notebook').textContent)"
        " && /Login trainee-7: 4 of 12 questions answered/.test("
        "document.querySelector('.jp-Notebook').textContent)")
    assert page.get_by_role("textbox", name="Course login").count() == 0
    quiz = page.locator(".pdq-live")
    assert quiz.locator(".pdq-score").text_content().startswith("Answered 4 of 12 questions")
    for item_id in (cid, kid, uid):
        fs = fieldset(item_id)
        text = f"Saved earlier: {describe(views[item_id], answers[item_id])}."
        assert fs.locator(".pdq-feedback .pdq-headline").text_content() == text
        assert fs.get_by_role("button", name="Change answer").is_visible()
    assert _checked(fieldset(cid)) == [answers[cid]]
    fs = fieldset(kid)
    assert _checked(fs.locator(".pdq-group:not(.pdq-decisive)")) == answers[kid]["marked"]
    assert _checked(fs.locator(".pdq-decisive")) == [answers[kid]["decisive"]]
    groups = fieldset(uid).locator(".pdq-group")
    assert _checked(groups.nth(0)) == [opts_of(views, uid)[0]] and _checked(groups.nth(1)) == ["2"]
    assert fieldset(sid).locator(".pdq-saved-note").text_content().startswith(
        f"Saved earlier: {describe(views[sid], answers[sid])}.")
    for item_id, answer in answers.items():
        _assert_not_judged(quiz, fieldset(item_id), keys[item_id], answer)
    notebook_text = page.locator(".jp-Notebook").text_content()
    for k, item_id in enumerate(draw.items, start=1):
        said = f"Question {k} ({item_id}): answered (saved quiz answer)"
        assert (said in notebook_text) == (item_id in answers), said
    assert json.loads((folder / "responses.json").read_text(encoding="utf-8"))["answers"] == answers

    # A save that fails says so ("Not saved: <why>"), keeps Save usable and loses nothing.
    responses = folder / "responses.json"
    fs, opts = fieldset(cid), views[cid]["options"]
    other = next(o for o in opts if o != answers[cid])
    before = responses.read_bytes()
    if _immutable(responses, True):
        try:
            fs.get_by_role("button", name="Change answer").focus()
            page.keyboard.press("Enter")  # the front end puts the focus on the first option
            _choose_by_keyboard(page, fs, opts.index(other))
            page.keyboard.press("Tab")
            assert _focused(page).endswith("Save answer"), _focused(page)
            page.keyboard.press("Enter")
            box = fs.locator(".pdq-feedback")
            box.get_by_text("Not saved:").wait_for()
            assert "not permitted" in box.text_content(), box.text_content()
            assert fs.get_by_role("button", name="Save answer").is_enabled()
            assert responses.read_bytes() == before
        finally:
            _immutable(responses, False)
        fs.get_by_role("button", name="Save answer").focus()
        page.keyboard.press("Enter")  # the same answer, saved once the file can be written
        box.get_by_text(f"Saved: {describe(views[cid], other)}.", exact=True).wait_for()
        assert json.loads(responses.read_text(encoding="utf-8"))["answers"] == {**answers, cid: other}
    else:
        warnings.warn("chattr +i is not available here: the failed-save check did not run",
                      stacklevel=1)
    assert page.request_log.external == [], page.request_log.external
    quiz_errors = [e for e in page.console_errors if re.search(r"pdq|quiz|anywidget|widget", e, re.I)]
    assert quiz_errors == [], quiz_errors


def _immutable(path: Path, on: bool) -> bool:
    """``chattr +i`` / ``-i`` (root on ext4: even root cannot replace the file); False where
    it cannot be used."""
    if not shutil.which("chattr"):
        return False
    done = subprocess.run(["chattr", "+i" if on else "-i", str(path)], capture_output=True)
    return done.returncode == 0


def _choose_by_keyboard(page, fs, index: int) -> None:
    """The focus is on the first radio of a group: Space for it, else arrows down to it."""
    if index == 0:
        page.keyboard.press("Space")
    for _ in range(index):
        page.keyboard.press("ArrowDown")


def opts_of(views: dict[str, Any], item_id: str) -> list[str]:
    return list(views[item_id]["options"])


def _moves_taken(view: dict[str, Any], path: list[int]) -> list[dict[str, Any]]:
    node, out = view["start"], []
    for index in path:
        move = view["nodes"][node]["moves"][index]
        out.append(move)
        node = move["next"]
    return out
