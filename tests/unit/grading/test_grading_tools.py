"""Instructor tools without a kernel: the late penalty, LMS names, the submission check."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import nbformat
import pytest

from tests.support.paths import ROOT

A = "a1-bases-of-power"


def test_late_penalty_is_a_share_per_started_day_capped_at_the_score():
    from powerdynamics.grading.lms import LatePenalty

    plugin = LatePenalty(share_per_day=0.1)
    assert plugin.late_submission_penalty("s", 6.0, 0) is None
    assert plugin.late_submission_penalty("s", 6.0, 1) == pytest.approx(0.6)
    assert plugin.late_submission_penalty("s", 6.0, 2 * 86400 + 1) == pytest.approx(1.8)
    assert plugin.late_submission_penalty("s", 6.0, 30 * 86400) == 6.0
    assert LatePenalty(share_per_day=0).late_submission_penalty("s", 6.0, 99) is None
    assert LatePenalty(penalty_method="zero").late_submission_penalty("s", 6.0, 5) == 6.0


def test_lms_names_and_the_feedback_zip(tmp_path):
    from powerdynamics.grading.lms import CANVAS_PATTERN, feedback_zip, lms_prefixes

    course = tmp_path / "course"
    extracted = course / "downloaded" / A / "extracted" / "sub"
    extracted.mkdir(parents=True)
    for name in ("doejane_123_456_responses.json", "doejane_123_456_a1-bases-of-power.ipynb",
                 "roe_LATE_7_8_responses.json", "not-an-lms-name.ipynb"):
        (extracted / name).write_text("{}", encoding="utf-8")
    assert lms_prefixes(course, A, CANVAS_PATTERN) == {"doejane": "doejane_123_456_",
                                                       "roe": "roe_LATE_7_8_"}
    for student in ("doejane", "smith"):
        page = course / "feedback" / student / A / f"{A}.html"
        page.parent.mkdir(parents=True)
        page.write_text(f"<p>{student}</p>", encoding="utf-8")
    result = feedback_zip(course, A, tmp_path / "out.zip", CANVAS_PATTERN)
    with zipfile.ZipFile(result.path) as zf:
        assert zf.namelist() == [f"doejane_123_456_{A}.html"]
        assert zf.read(f"doejane_123_456_{A}.html") == b"<p>doejane</p>"
    assert result.unmatched == ["smith"] and result.no_feedback == ["roe"]


ITEMS_FILE = ROOT / "exercises" / "source" / A / "a1-items.json"  # key-free: ids, options, forms


def _submission(root: Path, student: str, typed: dict | None, saved: dict | str | None,
                login: str | None = None) -> None:
    """A submitted folder: the notebook (with ``typed`` answers) and, when ``saved`` is a
    dict, what the real PooledQuiz saved under ``login`` (default: the student's own)."""
    from powerdynamics.grading.pooled_quiz import PooledQuiz

    folder = root / "submitted" / student / A
    folder.mkdir(parents=True)
    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_code_cell("typed_answers = " + json.dumps(typed or {})))
    nbformat.write(nb, folder / f"{A}.ipynb")
    if isinstance(saved, dict):
        shutil.copy(ITEMS_FILE, folder / ITEMS_FILE.name)  # released with the notebook
        quiz = PooledQuiz(folder / ITEMS_FILE.name, folder / "responses.json", login=login or student)
        for item_id, answer in saved.items():
            quiz.save(item_id, answer)
    elif isinstance(saved, str):
        (folder / "responses.json").write_text(saved, encoding="utf-8")


def _draw(student: str) -> list[dict]:
    """The public views of ``student``'s own draw of a1, in the order shown."""
    from powerdynamics.grading.draws import draw_for

    document = json.loads(ITEMS_FILE.read_text(encoding="utf-8"))
    views = {v["id"]: v for v in document["items"]}
    return [views[i] for i in draw_for(document["assignment"], student, document["forms"]).items]


def _some_answer(view: dict):
    """An answer the item can have (right or wrong does not matter to the check)."""
    options = view.get("options", [])
    if view["kind"] == "case":
        return {"marked": options[:2], "decisive": options[0]}
    if view["kind"] == "cue":
        return {"label": options[0], "sentence": 0}
    return options[-1]


def test_grade_check_lists_the_routes_and_fails_on_no_answer(tmp_path, capsys):
    from powerdynamics.cli import main

    # The instructor's course: a1's items file (the forms every draw is taken from).
    (tmp_path / "source" / A).mkdir(parents=True)
    shutil.copy(ITEMS_FILE, tmp_path / "source" / A / ITEMS_FILE.name)
    quiz_items = _draw("quiz")
    assert len(quiz_items) == 12 and {v["kind"] for v in quiz_items} >= {"choice", "case", "cue"}
    first_of = {kind: next(v for v in quiz_items if v["kind"] == kind) for kind in ("choice", "case", "cue")}
    _submission(tmp_path, "quiz", None, {v["id"]: _some_answer(v) for v in first_of.values()})
    typed_items = _draw("typed")
    typed_case = next(v for v in typed_items if v["kind"] == "case")
    typed_choice = [v for v in typed_items if v["kind"] == "choice"][:2]
    _submission(tmp_path, "typed", {typed_choice[0]["id"]: typed_choice[0]["options"][0].title(),
                                    typed_choice[1]["id"]: " ",  # left empty: not an answer
                                    typed_case["id"]: _some_answer(typed_case)}, None)
    _submission(tmp_path, "nothing", None, None)
    _submission(tmp_path, "broken", None, "{not json")
    # A friend's saved quiz (their login, their draw) handed in as one's own.
    friend = _draw("quiz")[:2]
    _submission(tmp_path, "swapped", None, {v["id"]: _some_answer(v) for v in friend}, login="quiz")
    code = main(["grade", "check", A, "--course", str(tmp_path)])
    out = capsys.readouterr().out
    rows = {line.split()[0]: line.split() for line in out.splitlines()[1:6]}
    assert rows["quiz"][1:5] == ["yes", "present", "3", "0"]
    assert rows["typed"][1:5] == ["yes", "missing", "0", "2"]
    assert rows["nothing"][1:5] == ["yes", "missing", "0", "0"]
    assert rows["broken"][1:5] == ["yes", "unreadable", "0", "0"]
    assert rows["swapped"][1:5] == ["yes", "present", "2", "0"]
    assert "DRAW MISMATCH" in " ".join(rows["swapped"]) and "'quiz'" in " ".join(rows["swapped"])
    assert not [r for s, r in rows.items() if s != "swapped" and "DRAW MISMATCH" in " ".join(r)], out
    assert "2 with no answer at all: broken, nothing" in out
    assert "Draw mismatch: swapped" in out
    assert code == 1
    saved = json.loads((tmp_path / "submitted" / "quiz" / A / "responses.json").read_text(encoding="utf-8"))
    assert saved["draw"]["student"] == "quiz" and saved["draw"]["items"] == [v["id"] for v in quiz_items]
    assert main(["grade", "check", A, "--course", str(tmp_path), "--student", "quiz"]) == 0
    assert main(["grade", "check", A, "--course", str(tmp_path), "--student", "swapped"]) == 1
    assert main(["grade", "check", "nope", "--course", str(tmp_path)]) == 2


def test_require_answer_prints_in_jupyterlab_and_raises_under_nbgrader(monkeypatch, capsys):
    from powerdynamics.grading.answers import require_answer

    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    assert require_answer({"a": "x"}, "a", "msg") is None
    assert require_answer({}, "a", "Question 1 has no answer yet") is None
    assert "Question 1 has no answer yet" in capsys.readouterr().out
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    with pytest.raises(AssertionError, match="no answer yet"):
        require_answer({}, "a", "Question 1 has no answer yet")


@pytest.mark.parametrize("name", ["feedback", "formgrade"])
def test_course_templates_are_nbgraders_without_mathjax(name):
    """The feedback and formgrade templates shadow nbgrader's: each must be nbgrader's own
    file with only its MathJax-from-a-CDN lines taken out (an nbgrader upgrade that
    changes the template fails here instead of silently diverging)."""
    import difflib

    import nbgrader

    from powerdynamics.grading import guard

    ours = Path(guard.FEEDBACK_TEMPLATES[0]) / name
    theirs = Path(nbgrader.__file__).parent / "server_extensions" / "formgrader" / "templates" / name
    assert sorted(p.name for p in ours.iterdir()) == sorted(p.name for p in theirs.iterdir())
    for path in theirs.iterdir():
        mine = (ours / path.name).read_text(encoding="utf-8").splitlines()
        original = path.read_text(encoding="utf-8").splitlines()
        removed = [line[1:] for line in difflib.ndiff(original, mine) if line.startswith("- ")]
        added = [line[1:] for line in difflib.ndiff(original, mine) if line.startswith("+ ")]
        if path.name != "index.html.j2":
            assert mine == original, path.name
            continue
        assert [r.strip() for r in removed] == ["<!-- Loading mathjax macro -->", "{{ mathjax() }}"]
        assert all(a.strip().startswith(("{#-", "<!-- powerdynamics:")) for a in added), added
        assert "mathjax()" not in "\n".join(mine)
