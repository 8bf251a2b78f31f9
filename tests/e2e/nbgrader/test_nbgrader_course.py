"""The nbgrader course end to end: real nbgrader CLI, real kernels, a temporary copy of exercises/.

One module-scoped pipeline (about a minute on two cores) does what an instructor does:
generate and validate every assignment, autograde simulated submissions of assignment 1
in ONE ``nbgrader autograde`` batch, grade a written task by hand through the Gradebook
API (as formgrader does), generate feedback and export the grades.

The assignments are pooled (issue 12): each trainee answers their own draw of 12 items,
saved by the real :class:`~powerdynamics.grading.pooled_quiz.PooledQuiz` under their
login, and autograde grades position k of the draw it recomputes from the nbgrader
student id.  The tests then check the gradebook (partial credit per position, a swapped
draw flagged), the CSV, and that no key, rubric anchor or model answer leaks into
release/, feedback/, the built book or the installed package.

Keys are never written in this file: they are read at run time from exercises/pools
(the only place they exist), and the rubric lines from the solution regions of
exercises/source.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat
import pytest

from tests.support.htmltext import html_text
from tests.support.leaks import _package_dirs, find_leaks
from tests.support.nbgrader_course import (
    A1,
    A2,
    A3,
    ASSIGNMENTS,
    EXERCISES,
    POOL_ITEMS,
    POOL_KEYS,
    SECRETS,
    SIZE,
    TIMEOUT,
    Course,
    Run,
    _items_file,
    _regions,
    pool_of,
)
from tests.support.pool_course import best_answer, wrong_answer

# -- what the source says ---------------------------------------------------------------
















def test_every_assignment_is_pooled_with_q_cells_rubrics_and_no_key_in_the_notebook():
    for name in ASSIGNMENTS:
        assert SECRETS.keys[name] == {}, f"{name}: a hidden-test key is back in the notebook"
        assert SECRETS.grade_cells[name] == [f"q{k:02d}" for k in range(1, SIZE + 1)], name
        nb = nbformat.read(EXERCISES / "source" / name / f"{name}.ipynb", as_version=4)
        text = "\n".join(c.source for c in nb.cells)
        assert "HIDDEN TESTS" not in text, name
        pool = POOL_KEYS[name]
        assert len(pool) >= 2 * SIZE, f"{name}: pool of {len(pool)} < twice the draw"
        data = json.loads(_items_file(name).read_text(encoding="utf-8"))
        assert data["size"] == SIZE and len(data["forms"]) >= 32
        for form in data["forms"]:
            kinds = [pool[i].kind for i in form]
            assert len(set(form)) == SIZE and kinds.count("case") >= 3 and kinds.count("cue") >= 3, form
            if name == A3:
                assert kinds.count("session") == 1, form  # every trainee walks one graded session
        tasks = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution")
                 and c.metadata["nbgrader"].get("grade")]
        assert len(tasks) >= 2, name
        levels = {c.metadata["powerdynamics"]["level"] for c in tasks}
        assert levels & {"analysis", "evaluation"}, f"{name}: no analysis or evaluation task"
        for cell in tasks:
            scheme = "\n".join(_regions(cell.source, "BEGIN SOLUTION", "END SOLUTION"))
            criteria = cell.metadata["powerdynamics"]["criteria"]
            assert cell.metadata["nbgrader"]["points"] == 3 * len(criteria)
            for level in range(4):
                assert scheme.count(f"- **{level}**: ") == len(criteria), (cell.id, level)
            assert scheme.count("Anchor: ") == 4 * len(criteria) and "**Model answer**" in scheme
    assert len(SECRETS.scheme_lines) >= 6 * 12, "every task needs its rubric lines"


def test_source_notebooks_are_built_from_data_clean_and_items_are_new():
    from powerdynamics.bank.loader import bank_files, check_files
    from powerdynamics.grading.pools import dumps_items, items_document, load_pool
    from powerdynamics.grading.source_build import build_notebook, load_tasks

    bank_items, _problems = check_files(bank_files())
    bank_ids = {s.id for s in bank_items}
    bank_texts = {" ".join(str(getattr(s, "vignette", "") or "").split()).lower() for s in bank_items}
    for name in ASSIGNMENTS:
        path = EXERCISES / "source" / name / f"{name}.ipynb"
        text = path.read_text(encoding="utf-8")
        for machine in ("/work/", "/tmp/", "/root/", "/home/", "C:\\\\"):
            assert machine not in text, f"{path}: machine path {machine!r}"
        nb = nbformat.read(path, as_version=4)
        nbformat.validate(nb)
        assert set(nb.metadata) == {"kernelspec", "language_info"}, f"{path}: notebook metadata"
        ids = [c.get("id") for c in nb.cells]
        assert len(set(ids)) == len(ids) and all(ids), f"{path}: cell ids"
        for c in nb.cells:
            if c.cell_type == "code":
                assert c.outputs == [] and c.execution_count is None, f"{path}: {c.id} has outputs"
        pool_file = EXERCISES / "pools" / f"{pool_of(name)}.yaml"
        pool = load_pool(pool_file)
        tasks = load_tasks(EXERCISES / "pools" / f"{pool_of(name)}-tasks.yaml")
        built = nbformat.writes(build_notebook(pool, tasks, pool_of(name), SIZE)) + "\n"
        assert built == text, f"{path} is not what grade build-source writes: run it"
        fresh = dumps_items(items_document(pool_of(name), pool, SIZE))
        assert fresh == _items_file(name).read_text(encoding="utf-8"), f"{name}: run grade forms"
        for item in pool:
            assert item.id not in bank_ids, f"{name}: {item.id} is also a practice item"
            vignette = " ".join(str(getattr(item, "vignette", "") or "").split()).lower()
            assert not vignette or vignette not in bank_texts, f"{item.id} copies a practice vignette"
        for task in tasks.tasks:
            assert "not asked" in task.prompt.lower(), f"{task.id}: the prompt must rule out disclosure"
# -- running nbgrader ---------------------------------------------------------------------




@dataclass
class Student:
    id: str
    answers: dict[str, Any] | None  # saved by the real PooledQuiz under this login
    expected: float | None  # autograded quiz score; None = a reported failure
    per_position: list[float] = field(default_factory=list)  # expected score of q01 ... q12
    draw: tuple[str, ...] = ()
    penalty: float = 0.0  # late_submission_penalty as configured (LatePenalty.share_per_day)
    mismatch: bool = False  # hands in another trainee's draw


def _insert_after(nb, cell_id: str, source: str) -> None:
    index = next(i for i, c in enumerate(nb.cells) if c.get("id") == cell_id)
    nb.cells.insert(index + 1, nbformat.v4.new_code_cell(source))


def draw_of(assignment: str, login: str) -> tuple[str, ...]:
    from powerdynamics.grading.draws import draw_for

    data = json.loads(_items_file(assignment).read_text(encoding="utf-8"))
    return draw_for(data["assignment"], login, data["forms"]).items


def save_answers(folder: Path, assignment: str, login: str, answers: dict[str, Any]) -> dict[str, Any]:
    """Answer in the real PooledQuiz (as the widget's Save does); returns what it saved."""
    from powerdynamics.grading.pooled_quiz import PooledQuiz

    quiz = PooledQuiz(folder / _items_file(assignment).name, folder / "responses.json", login=login)
    assert quiz.draw is not None and set(answers) <= set(quiz.draw.items)
    return {item: quiz.save(item, value) for item, value in answers.items()}


def _choice_positions(assignment: str, draw: tuple[str, ...]) -> list[int]:
    return [k for k, i in enumerate(draw) if POOL_KEYS[assignment][i].kind == "choice"]


def make_submissions(course: Course, assignment: str) -> list[Student]:
    """Simulated trainees of ``assignment``, each answering their own draw."""
    keys = POOL_KEYS[assignment]
    release = course.dir / "release" / assignment

    def best(draw, positions=None):
        return {i: best_answer(keys[i]) for k, i in enumerate(draw) if positions is None or k in positions}

    def delete_cells(nb):
        gone = {"setup", "quiz", "typed-answers", "status", "q02", "q05"}
        nb.cells = [c for c in nb.cells if c.get("id") not in gone]

    def edit_locked(nb):
        for c in nb.cells:
            if c.get("id") == "q01":
                c.source = 'answers = {}\nprint("edited test cell")'
            elif c.get("id") in {f"q{k:02d}" for k in range(4, SIZE + 1)}:
                c.source = "pass  # edited so that it always passes"
            elif c.get("id") == "intro":
                c.source = "# edited"
            elif c.get("id") == "status":
                c.source = "print('edited locked cell')"

    def write_task(nb):
        cell = next(c for c in nb.cells if c.get("id") == "a1-formulation")
        cell.source = ("Expert and informational power are both at work; the street-by-street "
                       "figures are what change Mariama's mind, more than the target.")

    students: list[Student] = []
    plan: list[tuple[str, str, Any, list]] = [
        # id, how the answers are given, raw notebook text (or None), notebook edits
        ("s01-all-correct", "best", None, [write_task]),
        ("s02-partly-wrong", "two-wrong", None, []),
        ("s03-untouched-release", "none", None, []),
        ("s04-infinite-loop", "best", None, [lambda nb: _insert_after(nb, "quiz", "while True:\n    pass")]),
        # Grading runs no trainee code: a loop that ignores SIGINT no longer matters.
        ("s05-loop-ignores-sigint", "best", None,
         [lambda nb: _insert_after(nb, "quiz", "import signal\nsignal.signal(signal.SIGINT, "
                                   "signal.SIG_IGN)\nwhile True:\n    pass")]),
        ("s06-deleted-cells", "best", None, [delete_cells]),
        ("s07-edited-locked-and-test-cells", "first-three", None, [edit_locked]),
        ("s08-malformed-ipynb", "best", '{"cells": [ {"cell_type": ', []),
        ("s09-missing-responses-file", "typed", None, []),
        ("s10-prints-10mb", "best", None,
         [lambda nb: _insert_after(nb, "quiz", "print('x' * 10_000_000)\nfor i in range(100_000):\n"
                                   "    print(i)")]),
        ("s13-swapped-draw", "swapped", None, []),
    ]
    for sid, how, raw, edits in plan:
        folder = course.dir / "submitted" / sid / assignment
        shutil.copytree(release, folder)
        draw = draw_of(assignment, sid)
        nb = nbformat.read(folder / f"{assignment}.ipynb", as_version=4)
        per = [1.0] * SIZE
        answers: dict[str, Any] | None = None
        if how == "best":
            answers = save_answers(folder, assignment, sid, best(draw))
        elif how == "two-wrong":
            wrong = _choice_positions(assignment, draw)[:2]
            chosen = {i: (wrong_answer(keys[i]) if k in wrong else best_answer(keys[i]))
                      for k, i in enumerate(draw)}
            answers = save_answers(folder, assignment, sid, chosen)
            for k in wrong:
                per[k] = 0.0
        elif how == "first-three":
            answers = save_answers(folder, assignment, sid, best(draw, {0, 1, 2}))
            per = [1.0] * 3 + [0.0] * (SIZE - 3)
        elif how == "none":
            per = [0.0] * SIZE
        elif how == "typed":
            # No responses.json: everything typed, a choice label in capitals, one wrong.
            typed = best(draw)
            first, second = _choice_positions(assignment, draw)[:2]
            typed[draw[first]] = str(typed[draw[first]]).upper()
            typed[draw[second]] = wrong_answer(keys[draw[second]])
            per[second] = 0.0
            cell = next(c for c in nb.cells if c.get("id") == "typed-answers")
            cell.source = "typed_answers = " + json.dumps(typed, indent=4)
        elif how == "swapped":
            # A friend's saved quiz (their login, their draw) handed in as one's own.
            other = draw_of(assignment, "s01-all-correct")
            answers = save_answers(folder, assignment, "s01-all-correct", best(other))
            per = [0.0] * SIZE
        for edit in edits:
            if not (edit is write_task and assignment != A1):
                edit(nb)
        target = folder / f"{assignment}.ipynb"
        if raw is not None:
            target.write_text(raw, encoding="utf-8")
        else:
            nbformat.write(nb, target)
        (folder / "timestamp.txt").write_text("2026-03-02 09:00:00.000000 UTC", encoding="utf-8")
        expected = None if raw is not None else sum(per)
        students.append(Student(sid, answers, expected, per, draw, mismatch=how == "swapped"))
    assert not (course.dir / "submitted" / "s09-missing-responses-file" / assignment / "responses.json").exists()
    return students


DUE = "2026-03-02 12:00:00 UTC"  # after every simulated timestamp.txt (09:00)
LMS_NAMES = {"s11-via-lms": "s11-via-lms_4711_9001_", "s12-late-via-lms": "s12-late-via-lms_LATE_4712_9002_"}


def collect_from_lms(course: Course, assignment: str) -> list[Student]:
    """Trainees who handed in through an LMS: Canvas-style file names in a zip, one of them
    flagged LATE_, then ``nbgrader zip_collect`` (which must not drop responses.json and
    must keep the late flag as a timestamp after the gradebook's due date)."""
    keys = POOL_KEYS[assignment]
    run = course.nbgrader("db", "assignment", "add", assignment, f"--duedate={DUE}")
    assert run.returncode == 0, run.output[-3000:]
    students = [Student("s11-via-lms", None, float(SIZE), [1.0] * SIZE),
                Student("s12-late-via-lms", None, float(SIZE), [1.0] * SIZE, penalty=0.1 * SIZE)]
    release = course.dir / "release" / assignment
    archive = course.dir / "downloaded" / assignment / "archive"
    archive.mkdir(parents=True)
    import zipfile

    with zipfile.ZipFile(archive / "submissions.zip", "w") as zf:
        for student in students:
            work = course.dir.parent / "lms-upload" / student.id
            shutil.copytree(release, work)
            student.draw = draw_of(assignment, student.id)
            student.answers = save_answers(work, assignment, student.id,
                                           {i: best_answer(keys[i]) for i in student.draw})
            notebook = work / f"{assignment}.ipynb"
            zf.write(notebook, f"{LMS_NAMES[student.id]}{notebook.name}")
            zf.write(work / "responses.json", f"{LMS_NAMES[student.id]}responses.json")
    run = course.nbgrader("zip_collect", assignment)
    assert run.returncode == 0, run.output[-3000:]
    for student in students:
        collected = course.dir / "submitted" / student.id / assignment
        expected = [f"{assignment}.ipynb", "responses.json"] + (["timestamp.txt"] if student.penalty else [])
        assert sorted(p.name for p in collected.iterdir()) == sorted(expected), run.output
    return students


def _grades(gb, assignment: str, student: str) -> dict[str, tuple]:
    submission = gb.find_submission(assignment, student)
    return {g.name: (g.auto_score, g.manual_score, g.needs_manual_grade)
            for nb in submission.notebooks for g in nb.grades}


TASK_A1 = "a1-formulation"
TASK_A2 = "a2-formulation"
INSTRUCTOR = "instructor-trial"


@dataclass
class Pipeline:
    course: Course
    students: list[Student]
    generate: list[Run]
    validate_source: Run
    validate_release_invert: Run
    validate_release_plain: Run
    batch: Run
    earlier_before: dict
    earlier_comment: str
    feedback: Run
    export: Run
    seconds: float


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory) -> Pipeline:
    start = time.monotonic()
    course = Course(tmp_path_factory.mktemp("nbgrader"))
    # An instructor tried every quiz in source/ under their own login: those files hold
    # correct answers and must neither be released nor overwrite trainees' files.
    for name in ASSIGNMENTS:
        save_answers(course.dir / "source" / name, name, INSTRUCTOR,
                     {i: best_answer(POOL_KEYS[name][i]) for i in draw_of(name, INSTRUCTOR)})

    # `.venv/bin/nbgrader` without the venv on PATH: the first run creates the gradebook,
    # for which nbgrader runs `alembic` from PATH.
    generate = [course.nbgrader("generate_assignment", name, venv_off_path=True) for name in ASSIGNMENTS]
    for run in generate:
        assert run.returncode == 0, run.output[-3000:]
    validate_source = course.nbgrader("validate", *[f"source/{a}/{a}.ipynb" for a in ASSIGNMENTS])
    validate_invert = course.nbgrader("validate", "--invert", *[f"release/{a}/{a}.ipynb" for a in ASSIGNMENTS])
    validate_plain = course.nbgrader("validate", f"release/{A1}/{A1}.ipynb")

    # Earlier work already in the gradebook: one a2 submission (typed answers only),
    # autograded and hand-graded.
    earlier = course.dir / "submitted" / "s00-earlier" / A2
    shutil.copytree(course.dir / "release" / A2, earlier)
    typed = {i: best_answer(POOL_KEYS[A2][i]) for i in draw_of(A2, "s00-earlier")}
    nb = nbformat.read(earlier / f"{A2}.ipynb", as_version=4)
    for cell in nb.cells:
        if cell.get("id") == "typed-answers":
            cell.source = "typed_answers = " + json.dumps(typed, indent=4)
        if cell.get("id") == TASK_A2:
            cell.source = "The residents absorb the story that unemployment is a personal failing."
    nbformat.write(nb, earlier / f"{A2}.ipynb")
    run = course.nbgrader("autograde", A2, "--student", "s00-earlier", f"--Execute.timeout={TIMEOUT}")
    assert run.returncode == 0, run.output[-3000:]
    with course.gradebook() as gb:
        grade = gb.find_grade(TASK_A2, A2, A2, "s00-earlier")
        grade.manual_score = 6
        comment = gb.find_comment(TASK_A2, A2, A2, "s00-earlier")
        comment.manual_comment = "Clear link between narrative and self-blame."
        gb.db.commit()
        earlier_before = _grades(gb, A2, "s00-earlier")

    students = make_submissions(course, A1)
    students += collect_from_lms(course, A1)
    batch = course.nbgrader("autograde", A1, f"--Execute.timeout={TIMEOUT}", timeout=600)

    # Manual grading, as formgrader does it: the written formulation gets 7 of 9 points.
    with course.gradebook() as gb:
        grade = gb.find_grade(TASK_A1, A1, A1, "s01-all-correct")
        assert grade.needs_manual_grade, "a written task must wait for a human grader"
        grade.manual_score = 7
        gb.db.commit()

    feedback = course.nbgrader("generate_feedback", A1)
    export = course.nbgrader("export", "--to", str(course.dir / "grades.csv"))
    return Pipeline(course, students, generate, validate_source, validate_invert, validate_plain, batch,
                    earlier_before, "Clear link between narrative and self-blame.", feedback, export,
                    time.monotonic() - start)


def _task_ids(assignment: str) -> set[str]:
    nb = nbformat.read(EXERCISES / "source" / assignment / f"{assignment}.ipynb", as_version=4)
    return {c.id for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution")
            and c.metadata["nbgrader"].get("grade")}


def _max_score(assignment: str) -> float:
    nb = nbformat.read(EXERCISES / "source" / assignment / f"{assignment}.ipynb", as_version=4)
    return sum(float(c.metadata["nbgrader"].get("points", 0)) for c in nb.cells
               if c.metadata.get("nbgrader", {}).get("grade"))


# -- generate and validate -----------------------------------------------------------------
@pytest.mark.nbgrader
def test_generate_and_validate(pipeline):
    course = pipeline.course
    for name in ASSIGNMENTS:
        assert (course.dir / "release" / name / f"{name}.ipynb").exists()
    # The source validates because the instructor answered their own draw there.
    src = pipeline.validate_source.output
    assert src.count("Success! Your notebook passes all the tests.") == 3, src[-3000:]
    assert "failed" not in src.lower() and "error was" not in src.lower()
    inv = pipeline.validate_release_invert.output
    assert inv.count("Success! The notebook does not pass any tests.") == 3, inv[-3000:]
    plain = pipeline.validate_release_plain.output
    assert "Success!" not in plain and "no questions yet" in plain, plain[-3000:]


@pytest.mark.nbgrader
def test_the_release_keeps_a_working_typed_answer_cell_and_no_rubric(pipeline):
    for name in ASSIGNMENTS:
        release = pipeline.course.dir / "release" / name
        nb = nbformat.read(release / f"{name}.ipynb", as_version=4)
        typed = next(c for c in nb.cells if c.get("id") == "typed-answers")
        namespace: dict = {}
        exec(typed.source, namespace)
        assert namespace["typed_answers"] == {}
        for task in _task_ids(name):
            answer = next(c for c in nb.cells if c.get("id") == task)
            assert answer.source.strip() == "YOUR ANSWER HERE", task
            prompt = next(c for c in nb.cells if c.get("id") == f"{task}-prompt")
            assert "Anchor" not in prompt.source and "Model answer" not in prompt.source
        # The instructor's trial answers stay in source/.
        assert sorted(p.name for p in release.iterdir()) == sorted([f"{name}.ipynb", _items_file(name).name])


# -- the batch -------------------------------------------------------------------------------
def _q_scores(grades: dict[str, tuple]) -> list[float | None]:
    return [grades[f"q{k:02d}"][0] for k in range(1, SIZE + 1)]


@pytest.mark.nbgrader
def test_two_trainees_see_different_draws_and_each_is_graded_on_their_own(pipeline):
    by_id = {s.id: s for s in pipeline.students}
    first, second = by_id["s01-all-correct"], by_id["s02-partly-wrong"]
    assert first.draw != second.draw and set(first.draw) != set(second.draw)
    for student in (first, second):
        saved = json.loads((pipeline.course.dir / "autograded" / student.id / A1 / "responses.json")
                           .read_text(encoding="utf-8"))
        assert saved["draw"]["student"] == student.id and tuple(saved["draw"]["items"]) == student.draw
        run = pipeline.course.powerdynamics("grade", "draw", A1, "--student", student.id, "--course", ".")
        assert run.returncode == 0 and run.output.split("\n")[:SIZE] == list(student.draw), run.output
    with pipeline.course.gradebook() as gb:
        assert _q_scores(_grades(gb, A1, first.id)) == [1.0] * SIZE
        assert _q_scores(_grades(gb, A1, second.id)) == second.per_position
        assert sum(second.per_position) == SIZE - 2


@pytest.mark.nbgrader
def test_one_batch_grades_everyone_and_reports_failures(pipeline):
    course, batch = pipeline.course, pipeline.batch
    failed = [s.id for s in pipeline.students if s.expected is None]
    graded = [s for s in pipeline.students if s.expected is not None]
    # The batch went through every submission and said which ones failed, and why.
    for sid in failed:
        assert f"There was an error processing assignment '{A1}' for student '{sid}'" in batch.output
    assert "CellTimeoutError" not in batch.output  # no trainee cell runs at autograde
    assert "NotJSONError" in batch.output or "Notebook does not appear to be JSON" in batch.output
    assert batch.returncode != 0  # nbgrader signals that something needs attention
    for student in graded:
        assert (course.dir / "autograded" / student.id / A1 / f"{A1}.ipynb").exists(), student.id
    tasks = _task_ids(A1)
    with course.gradebook() as gb:
        rows = {s.student.id: s for s in gb.find_assignment(A1).submissions}
        assert sorted(rows) == sorted(s.id for s in pipeline.students)  # every student has a row
        for student in pipeline.students:
            grades = _grades(gb, A1, student.id)
            assert set(grades) == {f"q{k:02d}" for k in range(1, SIZE + 1)} | tasks
            if student.expected is None:
                assert all(v is None for v in _q_scores(grades)), student.id
                assert rows[student.id].needs_manual_grade, f"{student.id}: failure must be flagged"
                continue
            assert _q_scores(grades) == student.per_position, student.id
            assert sum(_q_scores(grades)) == student.expected, student.id


@pytest.mark.nbgrader
def test_a_swapped_draw_is_flagged_not_graded(pipeline):
    course = pipeline.course
    page = course.dir / "autograded" / "s13-swapped-draw" / A1 / f"{A1}.ipynb"
    nb = nbformat.read(page, as_version=4)
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert len(errors) == SIZE and {e.ename for e in errors} == {"DrawMismatch"}
    assert "holds the draw of login 's01-all-correct', not of student 's13-swapped-draw'" in errors[0].evalue
    run = course.powerdynamics("grade", "check", A1, "--course", ".", "--student", "s13-swapped-draw")
    assert run.returncode == 1 and "DRAW MISMATCH" in run.output, run.output


@pytest.mark.nbgrader
def test_huge_output_is_capped(pipeline):
    path = pipeline.course.dir / "autograded" / "s10-prints-10mb" / A1 / f"{A1}.ipynb"
    # Autograde runs no trainee code: the 10 MB print never happens (LimitOutputSize stays
    # as a second line of defence, tested in test_assessment.py).
    assert path.stat().st_size < 1_000_000
    assert "x" * 1000 not in path.read_text(encoding="utf-8")


@pytest.mark.nbgrader
def test_saved_answers_survive_into_autograded_and_are_not_overwritten(pipeline):
    course = pipeline.course
    for student in pipeline.students:
        saved = course.dir / "autograded" / student.id / A1 / "responses.json"
        if student.answers is None:
            assert not saved.exists(), f"{student.id}: got someone else's responses.json"
        elif student.expected is not None:
            data = json.loads(saved.read_text(encoding="utf-8"))
            assert data["answers"] == student.answers, student.id
            assert data["draw"]["student"] != INSTRUCTOR


@pytest.mark.nbgrader
def test_nothing_else_in_the_gradebook_is_lost(pipeline):
    with pipeline.course.gradebook() as gb:
        assert _grades(gb, A2, "s00-earlier") == pipeline.earlier_before
        assert gb.find_grade(TASK_A2, A2, A2, "s00-earlier").manual_score == 6
        assert gb.find_comment(TASK_A2, A2, A2, "s00-earlier").manual_comment == pipeline.earlier_comment
        assert gb.find_submission(A2, "s00-earlier").score == SIZE + 6
        assert gb.find_submission(A1, "s01-all-correct").score == SIZE + 7


# -- feedback and export ---------------------------------------------------------------------
@pytest.mark.nbgrader
def test_feedback_and_export(pipeline):
    course = pipeline.course
    assert pipeline.feedback.returncode == 0, pipeline.feedback.output[-3000:]
    for student in pipeline.students:
        page = course.dir / "feedback" / student.id / A1 / f"{A1}.html"
        assert page.exists() == (student.expected is not None), student.id
    assert pipeline.export.returncode == 0, pipeline.export.output[-3000:]
    with open(course.dir / "grades.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    totals = {(r["assignment"], r["student_id"]): float(r["score"]) for r in rows}
    expected = {s.id: (s.expected or 0.0) - s.penalty for s in pipeline.students}
    expected["s01-all-correct"] += 7  # the hand-graded task
    for sid, score in expected.items():
        assert totals[(A1, sid)] == pytest.approx(score), sid
        assert float(next(r for r in rows if r["student_id"] == sid and r["assignment"] == A1)
                     ["max_score"]) == _max_score(A1) == 30.0
    assert totals[(A2, "s00-earlier")] == SIZE + 6
    assert totals[(A3, "s00-earlier")] == 0.0
    assert len(rows) == len(ASSIGNMENTS) * (len(pipeline.students) + 1)


@pytest.mark.nbgrader
def test_feedback_shows_per_item_scores_and_the_trainees_own_answers(pipeline):
    page = pipeline.course.dir / "feedback" / "s02-partly-wrong" / A1 / f"{A1}.html"
    text = html_text(page.read_text(encoding="utf-8"))
    assert text.count("earned 0 of 1") == 2 and text.count("earned 1 of 1") == SIZE - 2, text[:3000]
    assert "hidden test" not in text.lower().replace("hidden tests are not shown", "")
    assert "Score: 0.0 / 1.0" in text and "Score: 1.0 / 1.0" in text
    assert "(saved quiz answer)" in text  # the status cell lists what was submitted
    assert "Anchor" not in text and "Model answer" not in text


# -- leaks -------------------------------------------------------------------------------------









def test_the_leak_finder_finds_leaks():
    # Negative controls: the source holds every rubric line, the pools every key.
    leaks = find_leaks(EXERCISES / "source")
    assert any("hidden/mark-scheme line" in leak for leak in leaks)
    pool_leaks = "\n".join(find_leaks(EXERCISES / "pools"))
    for item in POOL_ITEMS:
        assert f"pool {item.id}:" in pool_leaks, item.id


@pytest.mark.nbgrader
def test_no_leak_in_release_or_feedback(pipeline):
    course = pipeline.course
    assert find_leaks(course.dir / "release", encoded=True) == []
    # A trainee's own right answer may be shown back to them, nobody else's.
    # (The swapped-draw trainee's own responses.json holds their friend's right answers:
    # the file they handed in comes back to them, and only to them.)
    own = {s.id: {i for k, i in enumerate(s.draw) if s.per_position[k] == 1.0}
           | (set(s.answers or ()) if s.mismatch else set()) for s in pipeline.students}
    assert (course.dir / "feedback").is_dir()
    assert find_leaks(course.dir / "feedback", own, encoded=True) == []
    # The feedback of a trainee who got nothing right shows no key at all.
    assert find_leaks(course.dir / "feedback" / "s03-untouched-release") == []




def test_no_key_in_the_installed_package():
    for folder in _package_dirs():
        # The package legitimately names the delimiters (the feedback cleaner looks for them).
        assert find_leaks(folder, markers=False) == [], folder


@pytest.mark.book
def test_no_key_in_the_built_book(built_book):
    book = built_book
    # The instructor guide names the delimiters; what must never appear is their content.
    assert find_leaks(book, markers=False) == []


# -- the per-student wrapper ------------------------------------------------------------------
@pytest.mark.nbgrader
def test_autograde_each_reports_every_failure(pipeline):
    from powerdynamics.batch import autograde_each, format_outcomes

    course = pipeline.course
    outcomes = autograde_each(course.dir, A1, ["s08-malformed-ipynb", "s03-untouched-release"],
                              limit=120, extra_args=[f"--Execute.timeout={TIMEOUT}"],
                              log_dir=course.dir.parent / "logs")
    by_student = {o.student: o for o in outcomes}
    assert by_student["s08-malformed-ipynb"].status == "failed"
    assert "JSON" in by_student["s08-malformed-ipynb"].message
    assert by_student["s03-untouched-release"].status == "graded"
    report = format_outcomes(outcomes)
    assert "1 graded, 1 failed: s08-malformed-ipynb" in report
    with course.gradebook() as gb:  # still nothing lost
        assert gb.find_submission(A1, "s01-all-correct").score == SIZE + 7


@pytest.mark.nbgrader
def test_pipeline_report(pipeline):
    """Prints where the pipeline's time goes (every nbgrader command ran and exited).

    A time limit does not belong in a test (the course's rule: speed targets live in
    ``bench/``, which measures autograde against a one-cell notebook side by side)."""
    batch = pipeline.batch.seconds
    per = batch / len(pipeline.students)
    print(f"\npipeline {pipeline.seconds:.1f} s; autograde batch {batch:.1f} s "
          f"({per:.1f} s per submission, {len(pipeline.students)} submissions)")
    for run in pipeline.course.runs:
        print(f"  nbgrader {' '.join(run.args)[:70]:<70} {run.seconds:6.1f} s rc={run.returncode}")
    assert pipeline.course.runs and all(run.seconds > 0 for run in pipeline.course.runs)


# -- the instructor's first assignment without surprises (issue 13) -----------------------------
@pytest.mark.nbgrader
def test_nbgrader_runs_without_an_activated_venv_and_without_noise(pipeline):
    for run in pipeline.generate:  # `.venv/bin/nbgrader` with a PATH that lacks the venv
        assert run.returncode == 0 and "alembic" not in run.output, run.output[-2000:]
    for run in (pipeline.validate_source, pipeline.batch):
        assert "without encryption" not in run.output, run.output[-2000:]
        assert "SAWarning" not in run.output, run.output[-2000:]


@pytest.mark.nbgrader
def test_grade_check_lists_every_trainee_and_names_who_has_no_answer(pipeline):
    run = pipeline.course.powerdynamics("grade", "check", A1, "--course", ".")
    assert run.returncode == 1, run.output
    rows = {line.split()[0]: line for line in run.output.splitlines()
            if line.startswith("s") and not line.startswith("student ")}
    assert sorted(rows) == sorted(s.id for s in pipeline.students)
    untouched = rows["s03-untouched-release"].split()
    assert untouched[1:5] == ["yes", "missing", "0", "0"] and "NO ANSWER" in rows["s03-untouched-release"]
    assert rows["s09-missing-responses-file"].split()[1:5] == ["yes", "missing", "0", str(SIZE)]
    assert "typed answer(s) only" in rows["s09-missing-responses-file"]
    assert rows["s01-all-correct"].split()[1:5] == ["yes", "present", str(SIZE), "0"]
    assert "DRAW MISMATCH" in rows["s13-swapped-draw"]
    assert rows["s08-malformed-ipynb"].split()[1] == "NO"
    assert "1 with no answer at all: s03-untouched-release" in run.output
    ok = pipeline.course.powerdynamics("grade", "check", A1, "--course", ".", "--student", "s01-all-correct")
    assert ok.returncode == 0, ok.output


@pytest.mark.nbgrader
def test_lms_round_trip_late_flag_penalty_and_feedback_zip(pipeline, tmp_path):
    import zipfile

    course = pipeline.course
    stamp = (course.dir / "submitted" / "s12-late-via-lms" / A1 / "timestamp.txt").read_text(encoding="utf-8")
    assert stamp.startswith("2026-03-02 12:00:01"), stamp
    with course.gradebook() as gb:
        late = gb.find_submission(A1, "s12-late-via-lms")
        assert late.total_seconds_late == 1 and late.late_submission_penalty == pytest.approx(0.1 * SIZE)
        assert late.score - late.late_submission_penalty == pytest.approx(0.9 * SIZE)  # export's score
        on_time = gb.find_submission(A1, "s11-via-lms")
        assert on_time.total_seconds_late == 0 and on_time.score == SIZE
        assert gb.find_submission(A1, "s02-partly-wrong").late_submission_penalty == 0
    out = tmp_path / "upload" / "feedback.zip"
    run = course.powerdynamics("grade", "feedback-zip", A1, "--course", ".", "--out", str(out))
    assert run.returncode == 0, run.output
    with zipfile.ZipFile(out) as zf:
        names = sorted(zf.namelist())
        assert names == sorted(f"{prefix}{A1}.html" for prefix in LMS_NAMES.values())
        for student, prefix in LMS_NAMES.items():
            page = course.dir / "feedback" / student / A1 / f"{A1}.html"
            assert zf.read(f"{prefix}{A1}.html") == page.read_bytes()
    assert "return these by hand" in run.output and "s01-all-correct" in run.output
    default = course.powerdynamics("grade", "feedback-zip", A1, "--course", ".")
    assert (course.dir / "downloaded" / A1 / "feedback-upload.zip").is_file(), default.output
    assert not list(course.dir.glob("*.zip")) and not list(course.dir.parent.glob("*.zip"))


@pytest.mark.nbgrader
def test_run_all_in_a_release_reports_missing_answers_without_a_traceback(pipeline, tmp_path,
                                                                          monkeypatch):
    from nbclient import NotebookClient

    folder = tmp_path / "trainee"
    shutil.copytree(pipeline.course.dir / "release" / A1, folder)
    nb = nbformat.read(folder / f"{A1}.ipynb", as_version=4)
    monkeypatch.setenv("JUPYTERHUB_USER", "s99-hub-user")  # the login on the course's hub
    env_before = os.environ.pop("NBGRADER_EXECUTION", None)
    try:
        NotebookClient(nb, timeout=120, kernel_name="python3",
                       resources={"metadata": {"path": str(folder)}}).execute()  # raises on an error
    finally:
        if env_before is not None:
            os.environ["NBGRADER_EXECUTION"] = env_before
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    text = "\n".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    for number, item in enumerate(draw_of(A1, "s99-hub-user"), start=1):
        assert f"Question {number} ({item}) has no answer yet" in text
    assert f"Login s99-hub-user: 0 of {SIZE} questions answered." in text
    saved = json.loads((folder / "responses.json").read_text(encoding="utf-8"))
    assert saved["answers"] == {} and saved["draw"]["student"] == "s99-hub-user"


def _row_counts(db: Path) -> dict[str, int]:
    import sqlite3

    with sqlite3.connect(db) as conn:
        return {t: conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]  # noqa: S608
                for t in ("student", "submitted_assignment", "submitted_notebook", "grade", "comment")}


def _auto_scores(gb, students) -> dict[tuple[str, str], float | None]:
    return {(s, g.name): g.auto_score for s in students
            for nb in gb.find_submission(A1, s).notebooks for g in nb.grades}


@pytest.mark.nbgrader
def test_jobs_2_grades_like_the_sequential_batch(pipeline, tmp_path, monkeypatch):
    """``--jobs 2`` on every submission of the pipeline (12, two of which fail): the same
    scores and the same number of gradebook rows as the one sequential nbgrader batch."""
    from powerdynamics.grading.batch import _flag_answers, format_outcomes
    from powerdynamics.grading.parallel import autograde_parallel

    students = sorted(s.id for s in pipeline.students)
    assert len(students) >= 12
    copy = tmp_path / "course"
    shutil.copytree(pipeline.course.dir, copy, ignore=shutil.ignore_patterns("autograded", "feedback"))
    with pipeline.course.gradebook() as gb:
        sequential = _auto_scores(gb, students)
        totals = {s: gb.find_submission(A1, s).score for s in students}
    rows_before = _row_counts(pipeline.course.dir / "gradebook.db")
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{copy / 'gradebook.db'}", "power-dynamics") as gb:
        for student in students:
            gb.remove_submission(A1, student)
    assert _row_counts(copy / "gradebook.db")["submitted_assignment"] < rows_before["submitted_assignment"]
    for name, value in pipeline.course.env.items():
        monkeypatch.setenv(name, value)
    start = time.monotonic()
    outcomes = autograde_parallel(copy, A1, jobs=2, limit=120, extra_args=[f"--Execute.timeout={TIMEOUT}"],
                                  log_dir=tmp_path / "logs")
    seconds = time.monotonic() - start
    _flag_answers(copy, A1, outcomes)
    table = format_outcomes(outcomes)
    print(f"\n--jobs 2: {len(students)} submissions in {seconds:.1f} s "
          f"(sequential batch: {pipeline.batch.seconds:.1f} s)\n{table}")
    failed = sorted(s.id for s in pipeline.students if s.expected is None)
    assert sorted(o.student for o in outcomes if o.status == "failed") == failed, table
    assert _row_counts(copy / "gradebook.db") == rows_before
    with Gradebook(f"sqlite:///{copy / 'gradebook.db'}", "power-dynamics") as gb:
        assert _auto_scores(gb, students) == sequential
        for student in students:
            expected = totals[student] - (7 if student == "s01-all-correct" else 0)  # hand-graded
            assert gb.find_submission(A1, student).score == pytest.approx(expected), student
    assert "with no answer at all (no responses.json, nothing typed): s03-untouched-release" in table
    line = next(x for x in table.splitlines() if x.startswith("s09-missing-responses-file"))
    assert f"no responses.json: {SIZE} typed answer(s) only" in line
