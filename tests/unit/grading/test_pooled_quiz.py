"""The trainee's side of a pooled assignment (issue 12): login, draw, saving, refusing.

Runs the real :class:`PooledQuiz` on the fixture pool's items file (written by the real
``items_document``) in a temporary folder; the answers come from the keyed fixture
items (test code only: the quiz never sees a key).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from powerdynamics.grading.draws import draw_for
from powerdynamics.grading.pooled_quiz import (
    LOGIN_PROMPT,
    NotAnswered,
    PooledQuiz,
    PooledQuizError,
    answered,
    pooled_status,
)
from powerdynamics.grading.pools import dumps_items, items_document, key_leaks, load_pool
from tests.support.paths import ROOT
from tests.support.pool_course import POOL_FIXTURE, SIZE, best_answer, wrong_answer

POOL = load_pool(POOL_FIXTURE)
KEYS = {it.id: it for it in POOL}


@pytest.fixture
def folder(tmp_path, monkeypatch) -> Path:
    monkeypatch.delenv("JUPYTERHUB_USER", raising=False)
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    (tmp_path / "tp-items.json").write_text(dumps_items(items_document("tp", POOL, SIZE)),
                                            encoding="utf-8")
    return tmp_path


def _quiz(folder: Path, **kw) -> PooledQuiz:
    return PooledQuiz(folder / "tp-items.json", folder / "responses.json", **kw)


def test_without_a_login_it_asks_once_and_then_remembers(folder):
    quiz = _quiz(folder)
    assert quiz.draw is None and quiz.items == []
    view = quiz.widget
    assert LOGIN_PROMPT in view.box.children[0].value
    assert "Type your course login first" in view.submit("   ")
    assert view.submit("  Ada.Lovelace ") == ""
    expected = draw_for("tp", "ada.lovelace", json.loads((folder / "tp-items.json").read_text())["forms"])
    assert quiz.draw == expected and view.quiz_widget is not None
    saved = json.loads((folder / "responses.json").read_text(encoding="utf-8"))
    assert saved["draw"] == {"student": "ada.lovelace", "seed": expected.seed, "form": expected.form,
                             "items": list(expected.items)}
    again = _quiz(folder)  # a new kernel: no prompt, same draw
    assert again.draw == expected


def test_the_hub_user_wins_over_a_saved_login(folder, monkeypatch):
    _quiz(folder, login="someone-else")
    monkeypatch.setenv("JUPYTERHUB_USER", "jdoe")
    quiz = _quiz(folder)
    assert quiz.login == "jdoe"
    assert json.loads((folder / "responses.json").read_text())["draw"]["student"] == "jdoe"


def test_every_kind_is_saved_in_the_shape_autograde_reads(folder):
    quiz = _quiz(folder, login="jdoe")
    kinds = set()
    for item_id in quiz.draw.items:
        kinds.add(KEYS[item_id].kind)
        quiz.save(item_id, best_answer(KEYS[item_id]))
    data = json.loads((folder / "responses.json").read_text(encoding="utf-8"))
    assert set(data["answers"]) == set(quiz.draw.items) and {"choice", "case", "cue"} <= kinds
    from powerdynamics import kinds as kinds_module

    for item_id, value in data["answers"].items():  # the one scoring rule reads each one
        assert kinds_module.grade(KEYS[item_id], value).score == 1.0, item_id
    # Shown back after a restart: the trainee's own answers (their own right answers are
    # allowed), and nothing else that ties an item to its key.
    again = json.dumps(_quiz(folder).front_end_data())
    assert key_leaks(again, POOL, structured=True)  # the own answers are there...
    assert key_leaks(again, POOL, structured=True, allowed=set(quiz.draw.items)) == []
    other = tmp_path_items(folder)
    assert key_leaks(json.dumps(other.front_end_data()), POOL, structured=True) == []


def tmp_path_items(folder: Path) -> PooledQuiz:
    """A trainee with no answers yet, in a folder of their own."""
    own = folder / "other"
    own.mkdir()
    (own / "tp-items.json").write_bytes((folder / "tp-items.json").read_bytes())
    return _quiz(own, login="someone-else")


def test_answers_that_cannot_be_answers_are_refused_with_a_reason(folder):
    quiz = _quiz(folder, login="jdoe")
    by_kind = {KEYS[i].kind: i for i in quiz.draw.items}
    with pytest.raises(KeyError, match="not one of your questions"):
        quiz.save(next(i for i in KEYS if i not in quiz.draw.items), "referent")
    with pytest.raises(ValueError, match="is not an option"):
        quiz.save(by_kind["choice"], "no-such-label")
    case = KEYS[by_kind["case"]]
    with pytest.raises(ValueError, match="must be one you marked"):
        quiz.save(case.id, {"marked": [case.options[0]], "decisive": case.options[1]})
    cue = KEYS[by_kind["cue"]]
    with pytest.raises(ValueError, match="sentence must be a number from 0"):
        quiz.save(cue.id, {"label": cue.options[0], "sentence": len(cue.sentences)})
    assert not (folder / "responses.json").exists() or \
        json.loads((folder / "responses.json").read_text())["answers"] == {}


def test_a_session_must_reach_an_ending(tmp_path, monkeypatch):
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    from powerdynamics.grading.pooled_widget import GradedQuizWidget
    from powerdynamics.grading.pools import public_view
    from powerdynamics.grading.public_answers import check_answer, session_path

    session = next(it for it in POOL if it.kind == "session")
    view = public_view(session)
    path = best_answer(session)["path"]
    assert session_path(view, path[:1]) == (path[:1], False)
    with pytest.raises(ValueError, match="not reached an ending"):
        check_answer(view, {"path": path[:1]})
    with pytest.raises(ValueError, match="moves to choose from"):
        check_answer(view, {"path": [99]})
    assert check_answer(view, {"path": path}) == {"path": path}
    assert GradedQuizWidget is not None


def test_a_damaged_file_is_kept_aside_and_nothing_is_written_under_nbgrader(folder, monkeypatch):
    (folder / "responses.json").write_text("{not json", encoding="utf-8")
    with pytest.warns(UserWarning, match="kept as responses.json.corrupt-"):
        quiz = _quiz(folder, login="jdoe")
    aside = list(folder.glob("responses.json.corrupt-*"))
    assert len(aside) == 1 and aside[0].read_text() == "{not json"
    item = quiz.draw.items[0]
    quiz.save(item, best_answer(KEYS[item]))
    before = (folder / "responses.json").read_text()
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    graded = _quiz(folder, login="someone-else")  # would change the draw record
    assert graded.read_only and (folder / "responses.json").read_text() == before
    with pytest.raises(PermissionError):
        graded.save(graded.draw.items[0], best_answer(KEYS[graded.draw.items[0]]))


def test_q_cells_and_the_status_say_what_is_answered_never_whether_it_is_right(folder, capsys,
                                                                                 monkeypatch):
    quiz = _quiz(folder, login="jdoe")
    first, second = quiz.draw.items[:2]
    quiz.save(first, wrong_answer(KEYS[first]))
    answered(quiz, 1)
    answered(quiz, 2)
    out = capsys.readouterr().out
    assert f"Question 1 ({first}): answered (saved quiz answer)" in out
    assert f"Question 2 ({second}) has no answer yet." in out
    status = pooled_status(quiz, {second: best_answer(KEYS[second]), "zz-99": "referent"})
    assert f"Login jdoe: 2 of {SIZE} questions answered." in status
    assert "(typed)" in status and "'zz-99' is not one of your questions" in status
    for word in ("correct", "right answer", "wrong"):
        assert word not in (out + status).lower()
    monkeypatch.setenv("NBGRADER_EXECUTION", "validate")
    with pytest.raises(NotAnswered):
        answered(quiz, 3)


def test_a_missing_or_damaged_items_file_says_what_to_do(tmp_path):
    with pytest.raises(PooledQuizError, match="no items file.*fetch the assignment again"):
        PooledQuiz(tmp_path / "tp-items.json")
    (tmp_path / "tp-items.json").write_text('{"assignment": "tp", "forms": [["x"]]}')
    with pytest.raises(PooledQuizError, match="does not describe item"):
        PooledQuiz(tmp_path / "tp-items.json", login="jdoe")


def test_a_session_view_does_not_grade_the_path_and_a_session_is_walked_once(folder):
    from powerdynamics.grading.pools import NEUTRAL_ENDING, public_view

    real = load_pool(ROOT / "exercises" / "pools" / "a3.yaml")
    sessions = [it for it in [*POOL, *real] if it.kind == "session"]
    assert len(sessions) >= 2
    for item in sessions:
        view = public_view(item)
        text = json.dumps(view)
        for name, node in item.nodes.items():
            assert f'"{name}"' not in text, (item.id, name)  # e.g. "end-risk" names the verdict
            if node.end is not None:
                assert node.end not in text, item.id
        endings = [n["end"] for n in view["nodes"].values() if n["end"] is not None]
        assert endings and set(endings) == {NEUTRAL_ENDING}
    session = next(it for it in POOL if it.kind == "session")
    login = next(f"t{n}" for n in range(500) if session.id in draw_for(
        "tp", f"t{n}", json.loads((folder / "tp-items.json").read_text())["forms"]).items)
    quiz = _quiz(folder, login=login)
    quiz.save(session.id, best_answer(session))
    with pytest.raises(PermissionError, match="walked once"):
        quiz.save(session.id, wrong_answer(session))
    assert json.loads((folder / "responses.json").read_text())["answers"][session.id] == best_answer(session)


def test_the_questions_as_plain_text_give_what_the_typed_route_needs(folder):
    quiz = _quiz(folder)
    assert "No questions yet" in quiz.as_text()
    forms = json.loads((folder / "tp-items.json").read_text())["forms"]
    login = next(f"t{n}" for n in range(500) if any(
        KEYS[i].kind == "session" for i in draw_for("tp", f"t{n}", forms).items))
    quiz.use_login(login)
    text = quiz.as_text()
    for number, item_id in enumerate(quiz.draw.items, start=1):
        assert f"Question {number} of {SIZE} (item id {item_id!r}" in text
        item = KEYS[item_id]
        if item.kind == "session":
            later = [n.say for name, n in item.nodes.items() if name != item.start and n.say]
            assert not any(say in text for say in later)  # one step at a time, as in the quiz
        else:
            assert all(f"{o!r}: " in text for o in item.options)
        if item.kind == "cue":
            assert f"sentence 0: {item.sentences[0].text}" in text
    assert key_leaks(text, POOL, structured=True) == []


def test_grade_draw_outside_a_course_says_where_to_run_it(tmp_path):
    import subprocess
    import sys

    run = subprocess.run([sys.executable, "-m", "powerdynamics", "grade", "draw", "a1", "--student",
                          "jdoe", "--course", str(tmp_path / "exercises")],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 1 and "is not a course folder (it has no source/ folder)" in run.stderr
    assert "Traceback" not in run.stderr and "grade forms" not in run.stderr
