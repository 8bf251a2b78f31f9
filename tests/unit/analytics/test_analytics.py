"""Instructor analytics: item statistics, the confusion matrix and ``powerdynamics report``.

The main fixture builds a small nbgrader course for real: a source notebook with hidden
tests, and a gradebook filled through nbgrader's own Gradebook API (assignment,
notebook, grade cells, students, submissions, grades), plus saved answers written by
``assessment.write_responses``.  Ten trainees, five items, answers chosen so that
every figure below was worked out by hand (see ``MATRIX``).  The keys are synthetic
(item ids ``t1-0N``): the course's real keys are never written in a test.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import subprocess
import sys
from fractions import Fraction
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest

from powerdynamics import analytics as an
from powerdynamics.analytics import NO_ANSWER, Item, Submission
from tests.support.paths import ROOT
from tests.support.pool_course import copy_exercises, course_env

A = "t1-quiz"
# nbgrader's own add_submission triggers SQLAlchemy autoflush warnings; not ours to fix.
pytestmark = pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning")
COURSE_ID = "test-course"

# item id -> (category, options, key)
ITEMS = {
    "t1-01": ("bases", ["coercive", "legitimate", "expert"], "legitimate"),
    "t1-02": ("bases", ["reward", "legitimate", "referent"], "referent"),
    "t1-03": ("bases", ["legitimate", "coercive", "reward"], "coercive"),
    "t1-04": ("control", ["control", "coercive-control", "power"], "coercive-control"),
    "t1-05": ("modes", ["power-over", "power-with", "power-to"], "power-with"),
}
IDS = list(ITEMS)
# What each trainee chose; "=" means the key, None means no answer.  Grades follow the
# answers (1 point when the key was chosen).
MATRIX = {
    #        t1-01  t1-02         t1-03         t1-04      t1-05
    "s01": ["=", "=", "=", "=", "power-over"],
    "s02": ["=", "=", "=", "control", "power-over"],
    "s03": ["=", "=", "=", "control", "power-to"],
    "s04": ["=", "=", "legitimate", "=", "power-over"],
    "s05": ["=", "legitimate", "=", "power", "power-over"],
    "s06": ["=", "=", "legitimate", "control", "power-to"],
    "s07": ["=", "reward", "legitimate", "control", "="],
    "s08": ["=", "reward", "reward", "power", "="],
    "s09": ["=", "reward", "legitimate", None, None],
    "s10": ["=", None, "legitimate", "control", "="],
}
# Totals: s01 4; s02 s03 s04 3; s05 s06 s07 s08 s10 2; s09 1.  N = 10, groups of
# round(2.7) = 3.  Upper: s01 fully, then 2 places shared by the 3 trainees on 3 (2/3
# each).  Lower: s09 fully, then 2 places shared by the 5 trainees on 2 (2/5 each).
EXPECTED = {
    #        correct, difficulty, p_upper, p_lower
    "t1-01": (10, 1.0, Fraction(1), Fraction(1)),
    "t1-02": (5, 0.5, Fraction(1), Fraction(2, 15)),
    "t1-03": (4, 0.4, Fraction(7, 9), Fraction(2, 15)),
    "t1-04": (2, 0.2, Fraction(5, 9), Fraction(0)),
    "t1-05": (3, 0.3, Fraction(0), Fraction(2, 5)),
}
EXPECTED_FLAGS = {"t1-01": "too easy", "t1-02": "", "t1-03": "", "t1-04": "too hard",
                  "t1-05": "negative discrimination"}  # 0.3 is not "too hard" (< 0.3)
EXPECTED_CONFUSION = {
    ("legitimate", "legitimate"): 10,
    ("referent", "referent"): 5, ("referent", "legitimate"): 1, ("referent", "reward"): 3,
    ("referent", NO_ANSWER): 1,
    ("coercive", "coercive"): 4, ("coercive", "legitimate"): 5, ("coercive", "reward"): 1,
    ("coercive-control", "coercive-control"): 2, ("coercive-control", "control"): 5,
    ("coercive-control", "power"): 2, ("coercive-control", NO_ANSWER): 1,
    ("power-with", "power-with"): 3, ("power-with", "power-over"): 4,
    ("power-with", "power-to"): 2, ("power-with", NO_ANSWER): 1,
}


def chosen_of(student: str) -> dict[str, str]:
    row = MATRIX[student]
    return {i: (ITEMS[i][2] if v == "=" else v) for i, v in zip(IDS, row, strict=True) if v is not None}


def score_of(student: str) -> dict[str, float]:
    return {i: 1.0 if v == "=" else 0.0 for i, v in zip(IDS, MATRIX[student], strict=True)}


# =====================================================================================
# Pure functions
# =====================================================================================
def test_group_size_is_27_percent_rounded_half_up():
    assert [an.group_size(n) for n in (0, 1, 2, 3, 10, 100, 1000)] == [0, 0, 1, 1, 3, 27, 270]
    assert an.group_size(50) == 14  # 13.5 rounds up, not to even


def test_tied_trainees_share_the_boundary_places():
    totals = {"a": 5, "b": 4, "c": 4, "d": 4, "e": 1}
    upper = an.group_weights(totals, 2, top=True)
    assert upper == {"a": 1, "b": Fraction(1, 3), "c": Fraction(1, 3), "d": Fraction(1, 3)}
    assert an.group_weights(totals, 2, top=False) == {
        "e": 1, "b": Fraction(1, 3), "c": Fraction(1, 3), "d": Fraction(1, 3)}
    # Names and reading order do not matter.
    renamed = {"z": 5, "y": 4, "x": 4, "w": 4, "v": 1}
    assert sorted(an.group_weights(renamed, 2, top=True).values()) == sorted(upper.values())


def test_everybody_tied_gives_zero_discrimination():
    totals = dict.fromkeys("abcd", 2.0)
    d, upper, lower = an.discrimination(totals, {"a": True, "b": False, "c": True, "d": False})
    assert (d, upper, lower) == (0.0, 0.5, 0.5)
    assert an.discrimination({"a": 1.0}, {"a": True}) is None


def test_revise_flags_use_the_named_thresholds():
    assert an.revise_flags(an.TOO_EASY, 0.1) == ()
    assert an.revise_flags(0.95, 0.1) == ("too easy",)
    assert an.revise_flags(an.TOO_HARD, 0.0) == ()
    assert an.revise_flags(0.1, -0.01) == ("too hard", "negative discrimination")
    assert an.revise_flags(None, None) == ()


def pure_inputs() -> tuple[list[Item], list[Submission]]:
    items = [Item(i, 1.0, c, tuple(o), k) for i, (c, o, k) in ITEMS.items()]
    subs = [Submission(s, score_of(s), chosen_of(s)) for s in MATRIX]
    return items, subs


def test_analyse_matches_the_hand_computed_values():
    items, subs = pure_inputs()
    result = an.analyse(items, subs)
    assert result.group_size == 3
    for stats in result.items:
        correct, difficulty, p_upper, p_lower = EXPECTED[stats.item.id]
        assert stats.correct == correct and stats.difficulty == difficulty, stats.item.id
        assert stats.p_upper == float(p_upper) and stats.p_lower == float(p_lower), stats.item.id
        assert stats.discrimination == float(p_upper - p_lower), stats.item.id
        assert ", ".join(stats.flags) == EXPECTED_FLAGS[stats.item.id]
    assert dict(result.confusion.counts) == EXPECTED_CONFUSION
    t102 = next(s for s in result.items if s.item.id == "t1-02")
    assert t102.choices == (("reward", 3), ("legitimate", 1), ("referent", 5)) and t102.no_answer == 1
    assert [(c.category, c.correct, c.answers) for c in result.categories] == [
        ("bases", 19, 30), ("control", 2, 10), ("modes", 3, 10)]
    assert [s.student for s in result.follow_up] == ["s09", "s10", "s05", "s06", "s07", "s08"]
    s09 = next(s for s in result.students if s.student == "s09")
    assert s09.unanswered == 2 and "2 of 5 items unanswered" in s09.reasons
    assert s09.weakest_category == "control"  # 0 of 1 right; modes also 0 of 1: course order
    assert result.disagreements == ()


def test_the_statistics_can_fail():
    # Negative control: one changed answer changes the figures the tests check.
    items, subs = pure_inputs()
    subs[0] = Submission("s01", {**score_of("s01"), "t1-05": 1.0}, {**chosen_of("s01"), "t1-05": "power-with"})
    result = an.analyse(items, subs)
    t105 = next(s for s in result.items if s.item.id == "t1-05")
    assert t105.difficulty == 0.4 and t105.discrimination != float(EXPECTED["t1-05"][2] - EXPECTED["t1-05"][3])
    assert dict(result.confusion.counts) != EXPECTED_CONFUSION


def test_ungraded_submissions_are_left_out_and_disagreements_found():
    items, subs = pure_inputs()
    subs.append(Submission("s11", dict.fromkeys(IDS), {}))
    subs.append(Submission("s12", {**score_of("s01"), "t1-02": None}, chosen_of("s01")))
    subs[0] = Submission("s01", score_of("s01"), {**chosen_of("s01"), "t1-05": "power-with"})
    result = an.analyse(items, subs)
    assert result.ungraded == ("s11", "s12")
    assert len(result.graded) == 10
    assert result.disagreements == (("s01", "t1-05"),)


# -- the instructor's source ----------------------------------------------------------
def source_notebook(items: dict = ITEMS, *, drop_key: str | None = None):
    """A source notebook shaped like exercises/source (quiz cell, one grade cell per item)."""
    nb = nbformat.v4.new_notebook()
    literal = [{"id": i, "category": c, "vignette": f"A fictional vignette for {i}.", "options": o}
               for i, (c, o, _k) in items.items()]
    nb.cells.append(nbformat.v4.new_code_cell(
        "from powerdynamics.assessment import AssessmentQuiz\n\nITEMS = " + json.dumps(literal, indent=4)
        + f'\n\nquiz = AssessmentQuiz(ITEMS, assignment="{A}")\nquiz', id="quiz"))
    nb.cells.append(nbformat.v4.new_code_cell('typed_answers = {\n    ### BEGIN SOLUTION\n    ### END SOLUTION\n}',
                                              id="typed-answers",
                                              metadata={"nbgrader": {"solution": True, "grade": False,
                                                                     "grade_id": "typed-answers"}}))
    for i, (_c, _o, key) in items.items():
        hidden = "" if i == drop_key else f'assert answers.get("{i}") == "{key}"\n'
        nb.cells.append(nbformat.v4.new_code_cell(
            "from powerdynamics.assessment import load_responses\n\n"
            'answers = load_responses(typed=globals().get("typed_answers"), quiet=True)\n'
            f'assert "{i}" in answers, "no answer yet"\n### BEGIN HIDDEN TESTS\n{hidden}### END HIDDEN TESTS',
            id=i, metadata={"nbgrader": {"grade": True, "solution": False, "locked": True,
                                         "grade_id": i, "points": 1}}))
    nb.cells.append(nbformat.v4.new_markdown_cell(
        "### BEGIN SOLUTION\nmark scheme\n### END SOLUTION", id="reflection",
        metadata={"nbgrader": {"grade": True, "solution": True, "grade_id": "reflection", "points": 4}}))
    return nb


def test_parse_source_notebook_reads_items_and_keys_without_running_them():
    items, problems = an.parse_source_notebook(json.loads(nbformat.writes(source_notebook())))
    assert problems == []
    assert [(i.id, i.category, list(i.options), i.key) for i in items] == [
        (i, c, o, k) for i, (c, o, k) in ITEMS.items()]
    _items, problems = an.parse_source_notebook(json.loads(nbformat.writes(source_notebook(drop_key="t1-03"))))
    assert problems == ["t1-03: no key found in the hidden tests"]


def _raw_pool(assignment: str) -> list[dict]:
    """The keyed pool of a real assignment read as plain YAML (independently of the loader
    the report uses): exercises/pools/<a1>.yaml."""
    import yaml

    path = ROOT / "exercises" / "pools" / f"{assignment.split('-')[0]}.yaml"
    return yaml.safe_load(path.read_text(encoding="utf-8"))["items"]


def _raw_key(raw: dict) -> str:
    """The one key label of a raw pool item: a choice's or cue's key, a case's decisive source."""
    return raw["decisive"] if raw["kind"] == "case" else raw["key"]


def test_parse_source_agrees_with_an_independent_reading_of_the_real_course():
    """The real assignments are pooled (issue 12): the source notebook holds no item and no
    key, the report takes the draws from ``<pool>-items.json`` and the keys from
    ``pools/<pool>.yaml``; what it reads there agrees with a plain YAML/JSON reading."""
    from powerdynamics.analytics.pairs import answered_label
    from powerdynamics.grading.pools import items_path, load_pool, pool_path, read_items_file
    from tests.support.nbgrader_course import ASSIGNMENTS, read_secrets
    from tests.support.pool_course import best_answer

    secrets = read_secrets()  # the nbgrader test's own line-by-line regex
    exercises = ROOT / "exercises"
    for name in ASSIGNMENTS:
        nb = json.loads((exercises / "source" / name / f"{name}.ipynb").read_text(encoding="utf-8"))
        items, problems = an.parse_source_notebook(nb)
        assert items == [] and secrets.keys[name] == {}, f"{name}: a key is back in the source notebook"
        assert not [p for p in problems if "key" in p], (name, problems)

        raw = _raw_pool(name)
        raw_by_id = {r["id"]: r for r in raw}
        # The items file the report reads the draws from (as _pooled finds it) ...
        found = items_path(exercises, name)
        assert found == exercises / "source" / name / f"{name.split('-')[0]}-items.json"
        document = read_items_file(found)
        on_disk = json.loads(found.read_text(encoding="utf-8"))
        assert document["forms"] == on_disk["forms"] and document["assignment"] == on_disk["assignment"]
        assert [v["id"] for v in document["items"]] == sorted(raw_by_id), name
        assert all(set(form) <= set(raw_by_id) for form in document["forms"]), name
        for view in document["items"]:  # key-free: options and category as in the pool
            assert view["category"] == raw_by_id[view["id"]]["category"], view["id"]
            if "options" in raw_by_id[view["id"]]:
                assert view["options"] == raw_by_id[view["id"]]["options"], view["id"]
        # ... and the pool it reads the keys from (as _answer_stats finds it).
        pool_file = pool_path(exercises / "pools", name)
        assert pool_file == exercises / "pools" / f"{name.split('-')[0]}.yaml"
        pool = {it.id: it for it in load_pool(pool_file)}
        assert sorted(pool) == sorted(raw_by_id), name
        for item_id, item in pool.items():
            r = raw_by_id[item_id]
            assert (item.kind, item.category) == (r["kind"], r["category"]), item_id
            assert getattr(item, "pair", None) == r.get("pair"), item_id
            if item.kind == "session":
                continue
            assert list(item.options) == r["options"] and item.key_label == _raw_key(r), item_id
            assert answered_label(item, best_answer(item)) == _raw_key(r), item_id
            if item.kind == "case":
                assert sorted(item.present) == sorted(r["present"]), item_id


# =====================================================================================
# A real course: nbgrader's Gradebook API, saved answers, the report command
# =====================================================================================
CONFIG = '''import os
c = get_config()  # noqa: F821
HERE = os.path.dirname(os.path.abspath(__file__))
c.CourseDirectory.course_id = "test-course"
c.CourseDirectory.root = HERE
c.CourseDirectory.db_url = "sqlite:///" + os.path.join(HERE, "gradebook.db")
'''


def build_course(base: Path, students: dict[str, list] = MATRIX) -> Path:
    """Source notebook, gradebook (through nbgrader's API) and saved answers."""
    from nbgrader.api import Gradebook

    from powerdynamics.assessment import write_responses

    course = base / "course"
    (course / "source" / A).mkdir(parents=True)
    (course / "nbgrader_config.py").write_text(CONFIG, encoding="utf-8")
    nbformat.write(source_notebook(), course / "source" / A / f"{A}.ipynb")
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", COURSE_ID) as gb:
        gb.add_assignment(A)
        gb.add_notebook(A, A)
        for item in IDS:
            gb.add_grade_cell(item, A, A, max_score=1, cell_type="code")
        gb.add_grade_cell("reflection", A, A, max_score=4, cell_type="markdown")
        for student in students:
            gb.add_student(student)
            gb.add_submission(A, student)
            for item, score in score_of(student).items():
                grade = gb.find_grade(item, A, A, student)
                grade.auto_score = score
                grade.needs_manual_grade = False
            folder = course / "autograded" / student / A
            folder.mkdir(parents=True)
            write_responses(folder / "responses.json", A, chosen_of(student))
        # Hand-graded reflection: not an item, must not change totals or groups.
        gb.find_grade("reflection", A, A, "s09").manual_score = 4
        # A manual score wins over the autograder's (nbgrader's rule): still 0 for s01.
        gb.find_grade("t1-05", A, A, "s01").auto_score = 1
        gb.find_grade("t1-05", A, A, "s01").manual_score = 0
        gb.db.commit()
    return course


@pytest.fixture(autouse=True)
def alembic_on_path(monkeypatch):
    """nbgrader runs the ``alembic`` executable when it creates a gradebook: find the venv's."""
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    """Built once: creating a gradebook runs nbgrader's alembic check (about 2 s)."""
    path = tmp_path_factory.mktemp("template")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
        return build_course(path)


@pytest.fixture
def course(template, tmp_path) -> Path:
    """A fresh copy of the course for each test (tests change it)."""
    return Path(shutil.copytree(template, tmp_path / "course"))


def run_report(capsys, *args: str) -> tuple[int, str]:
    from powerdynamics.cli import main

    code = main(["report", *args])
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return code, err


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


class Page(HTMLParser):
    """Text, images and tables of the report, for checks a reader would make."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.images: list[dict] = []
        self.tags: list[tuple[str, dict]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag == "img":
            self.images.append(dict(attrs))

    def handle_data(self, data):
        self.text.append(data)

    @property
    def plain(self) -> str:
        return " ".join(" ".join(self.text).split())


def test_report_equals_the_hand_computed_values(course, tmp_path, capsys):
    out = tmp_path / "out" / "report.html"
    code, err = run_report(capsys, str(course), "--out", str(out))
    assert code == 0, err
    assert sorted(p.name for p in out.parent.iterdir()) == sorted(["report.html", *an_csvs()])

    items = {r["item"]: r for r in read_csv(out.parent / "items.csv")}
    assert list(items) == IDS
    for item, (correct, difficulty, p_upper, p_lower) in EXPECTED.items():
        row = items[item]
        assert (int(row["graded"]), int(row["correct"])) == (10, correct), item
        assert float(row["difficulty"]) == difficulty, item
        assert float(row["discrimination"]) == float(p_upper - p_lower), item
        assert (float(row["p_upper"]), float(row["p_lower"])) == (float(p_upper), float(p_lower)), item
        assert row["flags"] == EXPECTED_FLAGS[item]
        assert row["key"] == ITEMS[item][2] and row["category"] == ITEMS[item][0]
    assert items["t1-02"]["choices"] == "reward=3; legitimate=1; referent=5"
    assert items["t1-02"]["no_answer"] == "1"

    confusion = {(r["key"], r["chosen"]): int(r["count"]) for r in read_csv(out.parent / "confusion.csv")}
    assert {k: v for k, v in confusion.items() if v} == EXPECTED_CONFUSION
    assert confusion[("legitimate", "expert")] == 0  # every label of the category is a column

    categories = {r["category"]: r for r in read_csv(out.parent / "categories.csv")}
    assert float(categories["bases"]["accuracy"]) == 19 / 30
    assert (categories["control"]["correct"], categories["modes"]["correct"]) == ("2", "3")

    students = {r["student"]: r for r in read_csv(out.parent / "students.csv")}
    assert float(students["s09"]["quiz_score"]) == 1.0  # the reflection's 4 points are not an item
    assert float(students["s09"]["hand_graded_score"]) == 4.0
    assert float(students["s09"]["total_score"]) == 5.0 and students["s09"]["total_max_score"] == "9.0"
    assert students["s01"]["hand_graded_score"] == "" and students["s01"]["total_score"] == ""
    assert float(students["s01"]["quiz_score"]) == 4.0  # manual 0 beat auto 1 on t1-05
    assert [s for s, r in students.items() if r["follow_up"] == "yes"] == ["s05", "s06", "s07", "s08", "s09", "s10"]

    page = Page(out.read_text(encoding="utf-8"))
    assert "Instructor material" in page.plain
    assert "Only 10 graded trainee(s)" in page.plain and "Only 10 graded trainee(s)" in err


def an_csvs() -> list[str]:
    from powerdynamics.report import CSV_FILES

    return list(CSV_FILES)


def test_report_is_self_contained_and_accessible(course, tmp_path, capsys):
    out = tmp_path / "report.html"
    run_report(capsys, str(course), "--out", str(out))
    html = out.read_text(encoding="utf-8")
    page = Page(html)
    assert re.search(r"<html lang=\"en\">", html)
    assert not re.search(r"(src|href)=\"(https?:)?//", html), "an external request"
    assert "<script" not in html and "<link" not in html and "@import" not in html
    assert len(page.images) == 3  # confusion matrix, item map, categories
    for img in page.images:
        assert img["src"].startswith("data:image/png;base64,")
        assert len(img.get("alt", "")) > 40
    confusion_alt = page.images[0]["alt"]
    assert "Coercive power answered as Legitimate power 5 times" in confusion_alt
    assert "Power with answered as Power over 4 times" in confusion_alt
    tables = [a for t, a in page.tags if t == "table"]
    assert len(tables) >= 6
    assert html.count("<caption>") == html.count("<table>")
    assert 'scope="col"' in html and 'scope="row"' in html
    headings = [int(t[1]) for t, _a in page.tags if re.fullmatch(r"h[1-6]", t)]
    assert headings[0] == 1 and all(b <= a + 1 for a, b in zip(headings, headings[1:], strict=False))


def test_progress_bar_only_when_asked_or_on_a_terminal(course, tmp_path, capsys):
    _code, err = run_report(capsys, str(course), "--out", str(tmp_path / "r.html"))
    assert "reading gradebook" not in err  # stderr is not a terminal here
    _code, err = run_report(capsys, str(course), "--out", str(tmp_path / "r.html"), "--progress")
    assert f"reading gradebook: {A}" in err and "100% (50/50)" in err
    assert f"reading saved answers: {A}" in err and "100% (10/10)" in err


# -- edge cases: a message in the report and on stderr, never a traceback ---------------
def assert_message(out: Path, err: str, *phrases: str) -> None:
    plain = Page(out.read_text(encoding="utf-8")).plain
    flat_err = " ".join(err.split())
    for phrase in phrases:
        assert phrase in plain, (phrase, plain[:2000])
        assert phrase in flat_err, (phrase, flat_err[:2000])


def test_empty_course_without_a_gradebook(tmp_path, capsys):
    course = tmp_path / "empty"
    (course / "source").mkdir(parents=True)
    (course / "nbgrader_config.py").write_text(CONFIG, encoding="utf-8")
    out = tmp_path / "report.html"
    code, err = run_report(capsys, str(course), "--out", str(out))
    assert code == 0
    assert_message(out, err, "No gradebook yet at")
    assert "nothing to analyse" in Page(out.read_text(encoding="utf-8")).plain
    assert not (course / "gradebook.db").exists(), "the report must not create a gradebook"
    assert [len(read_csv(tmp_path / name)) for name in an_csvs()] == [0, 0, 0, 0]


def test_empty_gradebook_and_assignment_without_submissions(tmp_path, capsys):
    from nbgrader.api import Gradebook

    course = tmp_path / "course"
    (course / "source").mkdir(parents=True)
    (course / "nbgrader_config.py").write_text(CONFIG, encoding="utf-8")
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", COURSE_ID):
        pass
    out = tmp_path / "report.html"
    code, err = run_report(capsys, str(course), "--out", str(out))
    assert code == 0
    assert_message(out, err, "The gradebook has no assignments yet")
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", COURSE_ID) as gb:
        gb.add_assignment(A)
        gb.add_notebook(A, A)
        gb.add_grade_cell("t1-01", A, A, max_score=1, cell_type="code")
    code, err = run_report(capsys, str(course), "--out", str(out))
    assert code == 0
    assert_message(out, err, f"No submission of '{A}' is in the gradebook yet",
                   "does not exist: keys, options and categories are unknown")


def test_partly_graded_assignment(course, tmp_path, capsys):
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", COURSE_ID) as gb:
        gb.add_student("s11")
        gb.add_submission(A, "s11")  # collected, autograde failed: no score at all
        gb.add_student("s12")
        gb.add_submission(A, "s12")  # graded except one item
        for item, score in score_of("s01").items():
            if item != "t1-03":
                gb.find_grade(item, A, A, "s12").auto_score = score
        gb.db.commit()
    (course / "submitted" / "s13" / A).mkdir(parents=True)  # collected, never autograded
    out = tmp_path / "report.html"
    code, err = run_report(capsys, str(course), "--out", str(out))
    assert code == 0
    assert_message(out, err, "2 of 12 submission(s) are not fully graded", "s11, s12",
                   "1 collected submission(s) are not in the gradebook yet: s13")
    items = {r["item"]: r for r in read_csv(tmp_path / "items.csv")}
    for item, (correct, difficulty, p_upper, p_lower) in EXPECTED.items():  # unchanged
        assert (int(items[item]["correct"]), float(items[item]["difficulty"])) == (correct, difficulty)
        assert float(items[item]["discrimination"]) == float(p_upper - p_lower)


def test_items_removed_or_added_since_grading(course, tmp_path, capsys):
    changed = {k: v for k, v in ITEMS.items() if k != "t1-05"}
    changed["t1-06"] = ("bases", ["expert", "referent", "reward"], "expert")
    nbformat.write(source_notebook(changed), course / "source" / A / f"{A}.ipynb")
    out = tmp_path / "report.html"
    code, err = run_report(capsys, str(course), "--out", str(out))
    assert code == 0
    assert_message(out, err, "1 graded item(s) are no longer in", "t1-05",
                   "1 item(s) in", "have no grade cell in the gradebook: t1-06")
    items = {r["item"]: r for r in read_csv(tmp_path / "items.csv")}
    assert items["t1-05"]["key"] == "" and float(items["t1-05"]["difficulty"]) == 0.3
    assert float(items["t1-05"]["discrimination"]) == float(Fraction(-2, 5))  # still from grades
    confusion = read_csv(tmp_path / "confusion.csv")
    assert {r["category"] for r in confusion} == {"bases", "control"}
    assert "t1-06" not in items


def test_submissions_without_saved_answers(course, tmp_path, capsys):
    folder = course / "autograded"
    (folder / "s03" / A / "responses.json").unlink()  # nothing saved, nothing typed
    (folder / "s04" / A / "responses.json").unlink()  # typed into the notebook instead
    typed = nbformat.v4.new_notebook()
    typed.cells.append(nbformat.v4.new_code_cell(
        "typed_answers = " + json.dumps({k: v.upper() for k, v in chosen_of("s04").items()}), id="typed-answers"))
    nbformat.write(typed, folder / "s04" / A / f"{A}.ipynb")
    (folder / "s05" / A / "responses.json").write_text("{not json", encoding="utf-8")
    out = tmp_path / "report.html"
    code, err = run_report(capsys, str(course), "--out", str(out))
    assert code == 0
    assert_message(out, err, "1 graded submission(s) have no saved answers file", "no typed answers: s03",
                   "used the typed-answer route", "1 saved answers file(s) could not be read: s05")
    assert "info: t1-quiz: 1 graded submission(s) used the typed-answer route" in err
    assert "warning: t1-quiz: 1 graded submission(s) used the typed" not in err
    confusion = {(r["key"], r["chosen"]): int(r["count"]) for r in read_csv(tmp_path / "confusion.csv")}
    # s03's five answers and s05's five are unknown; s04's typed answers count as before.
    assert confusion[("coercive", "legitimate")] == 5
    assert confusion[("legitimate", NO_ANSWER)] == 2 and confusion[("legitimate", "legitimate")] == 8
    students = {r["student"]: r for r in read_csv(tmp_path / "students.csv")}
    assert students["s03"]["follow_up"] == "yes" and "no saved answers file" in students["s03"]["reasons"]
    assert students["s04"]["follow_up"] == "no" and students["s04"]["responses"] == "typed"
    items = {r["item"]: r for r in read_csv(tmp_path / "items.csv")}
    assert float(items["t1-02"]["difficulty"]) == 0.5  # scores still come from the gradebook


def test_follow_up_counts_hand_graded_marks_and_one_assignment_keeps_the_course_files(
        course, tmp_path, capsys, monkeypatch):
    from nbgrader.api import Gradebook

    # s02: 3 of 5 items (60 %, above the threshold), then a blank reflection: 0 of 4.
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", COURSE_ID) as gb:
        gb.find_grade("reflection", A, A, "s02").manual_score = 0
        gb.db.commit()
    monkeypatch.chdir(tmp_path)
    code, err = run_report(capsys, str(course))
    assert code == 0, err
    course_wide = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()}
    assert sorted(course_wide) == sorted(["report.html", *an_csvs()])
    students = {r["student"]: r for r in read_csv(tmp_path / "students.csv")}
    assert students["s02"]["follow_up"] == "yes", students["s02"]
    assert "hand-graded part (written tasks) scored 0 of 4" in students["s02"]["reasons"]
    assert "total 3 of 9 with the hand-graded part" in students["s02"]["reasons"]
    assert (students["s02"]["quiz_score"], students["s02"]["total_score"]) == ("3.0", "3.0")
    assert students["s03"]["follow_up"] == "no"  # same quiz score, reflection not graded yet
    assert "s02" in Page((tmp_path / "report.html").read_text(encoding="utf-8")).plain

    code, err = run_report(capsys, str(course), "--assignment", A)
    assert code == 0, err
    assert f"report-{A}.html" in err
    for name in ["report.html", *an_csvs()]:
        assert (tmp_path / name).read_bytes() == course_wide[name], f"{name} was overwritten"
        own = tmp_path / name.replace(".", f"-{A}.")
        assert own.exists(), own


def test_unknown_assignment_and_missing_course(course, tmp_path, capsys):
    out = tmp_path / "report.html"
    code, err = run_report(capsys, str(course), "--assignment", "nope", "--out", str(out))
    assert code == 1
    assert_message(out, err, "No assignment 'nope' in this course (known: t1-quiz)")
    code, err = run_report(capsys, str(tmp_path / "missing"), "--out", str(out))
    assert code == 2 and "is not a directory" in err


def test_source_folder_missing(course, tmp_path, capsys):
    shutil.rmtree(course / "source" / A)
    out = tmp_path / "report.html"
    code, err = run_report(capsys, str(course), "--assignment", A, "--out", str(out))
    assert code == 0
    assert_message(out, err, "does not exist: keys, options and categories are unknown")
    assert "No confusion matrix: no item has a known key" in Page(out.read_text(encoding="utf-8")).plain
    items = {r["item"]: r for r in read_csv(tmp_path / f"items-{A}.csv")}
    assert float(items["t1-04"]["difficulty"]) == 0.2


def test_nothing_in_the_package_holds_a_key():
    """The analytics code reads keys at run time; none of the course's keys is in it."""
    from powerdynamics.grading.pools import key_leaks
    from tests.support.nbgrader_course import POOL_ITEMS

    assert len(POOL_ITEMS) >= 3 * 24, "the course's pools were not read"
    paths = sorted((ROOT / "src" / "powerdynamics").rglob("*.py"))
    text = "".join(path.read_text(encoding="utf-8") for path in paths)
    for item in POOL_ITEMS:
        assert item.id not in text, item.id
    analytics = "".join(p.read_text(encoding="utf-8") for p in paths if p.parent.name == "analytics")
    assert key_leaks(analytics, POOL_ITEMS) == []
    # Negative control: the same scan finds a key written into the code.
    planted = analytics + f"\nKEY = {{{POOL_ITEMS[0].id!r}: {POOL_ITEMS[0].key_label!r}}}\n"
    assert key_leaks(planted, POOL_ITEMS)


# =====================================================================================
# End to end with the real nbgrader CLI and the real course (slow: marked)
# =====================================================================================
A1 = "a1-bases-of-power"


class RealCourse:
    """A temporary copy of exercises/ with an isolated HOME and Jupyter config, and nbgrader
    run as the instructor runs it (``python -m nbgrader`` in the course folder)."""

    def __init__(self, base: Path) -> None:
        self.dir = base / "course"
        copy_exercises(self.dir)
        home = base / "home"
        home.mkdir()
        env = course_env(home)
        self.env = env
        self.seconds = 0.0

    def nbgrader(self, *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
        import time

        start = time.monotonic()
        proc = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=self.dir, env=self.env,
                              capture_output=True, text=True, timeout=timeout)
        self.seconds += time.monotonic() - start
        assert proc.returncode == 0, (args, (proc.stdout + proc.stderr)[-3000:])
        return proc


def _partial_answer(item):
    """An answer worth part of the marks: every source marked but the wrong decisive one
    (case), the right label on the wrong sentence (cue)."""
    from tests.support.pool_course import best_answer

    if item.kind == "case":
        other = next(p for p in item.present if p != item.decisive)
        return {"marked": sorted(item.present), "decisive": other}
    if item.kind == "cue":
        return {"label": item.key, "sentence": (item.decisive_index + 1) % len(item.sentences)}
    return best_answer(item)


@pytest.fixture(scope="module")
def real_a1(tmp_path_factory):
    """The real a1 released and autograded: three trainees, each answering their own draw in
    the real PooledQuiz under their login (responses.json with the draw record)."""
    from powerdynamics.grading.pool_grading import load_keys
    from powerdynamics.grading.pooled_quiz import PooledQuiz
    from tests.support.pool_course import best_answer, wrong_answer

    course = RealCourse(tmp_path_factory.mktemp("real-a1"))
    course.nbgrader("generate_assignment", A1)
    keys = load_keys(ROOT / "exercises" / "pools" / "a1.yaml")  # instructor only, read at run time
    release = course.dir / "release" / A1
    plan: dict[str, dict[str, str]] = {}  # student -> item id -> "best", "wrong", "partial" (absent: none)
    for student in ("r1-all-right", "r2-some-wrong", "r3-half"):
        folder = course.dir / "submitted" / student / A1
        shutil.copytree(release, folder)
        quiz = PooledQuiz(folder / "a1-items.json", folder / "responses.json", login=student)
        draw = list(quiz.draw.items)
        kinds = [keys[i].kind for i in draw]
        how = dict.fromkeys(draw, "best")
        if student == "r2-some-wrong":
            for i in [i for i, k in zip(draw, kinds, strict=True) if k == "choice"][:2]:
                how[i] = "wrong"
            for kind in ("case", "cue"):
                how[draw[kinds.index(kind)]] = "partial"
        elif student == "r3-half":
            how = {i: "best" for i in draw[:6]}
        answer = {"best": best_answer, "wrong": wrong_answer, "partial": _partial_answer}
        for item_id, what in how.items():
            quiz.save(item_id, answer[what](keys[item_id]))
        plan[student] = how
    course.nbgrader("autograde", A1, "--Execute.timeout=30")
    return course, plan, keys


def _saved(course: RealCourse, student: str) -> dict:
    return json.loads((course.dir / "autograded" / student / A1 / "responses.json").read_text(encoding="utf-8"))


@pytest.mark.nbgrader
def test_report_after_real_autograde(real_a1, tmp_path, capsys):
    """``powerdynamics report`` on the real pooled a1: positions q01..q12 in items.csv, each
    pool item over the trainees who saw it in pooled-items.csv, minimal pairs, case sources
    and cue sentences from the trainees' own saved answers, all worked out here from the
    gradebook, the raw pool and the draw each trainee's quiz saved."""
    from nbgrader.api import Gradebook

    course, plan, keys = real_a1
    out = tmp_path / "report" / "report.html"
    code, err = run_report(capsys, str(course.dir), "--assignment", A1, "--out", str(out))
    assert code == 0, err
    assert "are positions, not items" in err

    # Expected values, independently of the report: the gradebook's score of each position,
    # mapped to items through the draw the trainee's quiz saved.
    positions = [f"q{k:02d}" for k in range(1, 13)]
    scores: dict[str, dict[str, float]] = {}
    by_position: dict[str, list[float]] = {q: [] for q in positions}
    with Gradebook(f"sqlite:///{course.dir / 'gradebook.db'}", "power-dynamics") as gb:
        for student, how in plan.items():
            saved = _saved(course, student)
            assert saved["draw"]["student"] == student and len(saved["draw"]["items"]) == 12
            grades = {g.name: g.score for nb in gb.find_submission(A1, student).notebooks for g in nb.grades}
            scores[student] = {}
            for q, item_id in zip(positions, saved["draw"]["items"], strict=True):
                score, what = grades[q], how.get(item_id)
                if what == "best":
                    assert score == 1.0, (student, q, item_id)
                elif what == "partial":
                    assert 0 < score < 1, (student, q, item_id, score)
                else:  # a wrong choice, or no answer
                    assert score == 0.0, (student, q, item_id, what)
                scores[student][item_id] = score
                by_position[q].append(score)
    assert sum(scores["r1-all-right"].values()) == 12.0 and sum(scores["r3-half"].values()) == 6.0
    assert 8 < sum(scores["r2-some-wrong"].values()) < 10  # two wrong, two with part marks

    students = {r["student"]: r for r in read_csv(out.parent / f"students-{A1}.csv")}
    assert [float(students[s]["quiz_score"]) for s in plan] == pytest.approx(
        [sum(scores[s].values()) for s in plan])
    assert {s: students[s]["quiz_max_score"] for s in plan} == dict.fromkeys(plan, "12.0")
    rows = {r["item"]: r for r in read_csv(out.parent / f"items-{A1}.csv")}
    assert list(rows) == positions
    for q in positions:  # a position's difficulty: the share with full marks (stats.py)
        assert int(rows[q]["correct"]) == by_position[q].count(1.0), q
        assert float(rows[q]["difficulty"]) == pytest.approx(by_position[q].count(1.0) / 3), q

    raw = {r["id"]: r for r in _raw_pool(A1)}
    pooled = {r["item"]: r for r in read_csv(out.parent / f"pooled-items-{A1}.csv")}
    assert sorted(pooled) == sorted(raw)
    for item_id in raw:
        seen = [s[item_id] for s in scores.values() if item_id in s]
        row = pooled[item_id]
        assert (int(row["n"]), int(row["correct"])) == (len(seen), seen.count(1.0)), item_id
        if seen:
            assert float(row["difficulty"]) == pytest.approx(sum(seen) / len(seen)), item_id
        else:
            assert row["difficulty"] == "", item_id
    assert sum(int(r["n"]) for r in pooled.values()) == 3 * 12

    answers = {s: _saved(course, s)["answers"] for s in plan}
    assert {s: set(a) for s, a in answers.items()} == {s: set(h) for s, h in plan.items()}

    def given_label(item_id: str, answer) -> str | None:
        if answer is None:
            return None
        return {"choice": lambda: answer, "cue": lambda: answer["label"],
                "case": lambda: answer["decisive"]}[raw[item_id]["kind"]]()

    groups: dict[str, list[str]] = {}
    for item_id, r in raw.items():
        if r.get("pair") and r["kind"] != "session":
            groups.setdefault(r["pair"], []).append(item_id)
    pairs = {r["item"]: r for r in read_csv(out.parent / f"pairs-{A1}.csv")}
    assert sorted(pairs) == sorted(i for members in groups.values() if len(members) > 1 for i in members)
    for pair, members in groups.items():
        for item_id in members:
            own = _raw_key(raw[item_id])
            partners = {_raw_key(raw[m]) for m in members if m != item_id} - {own}
            want = {"n": 0, "own_key": 0, "partner_key": 0, "other": 0}
            for student in plan:
                if item_id not in scores[student]:
                    continue
                want["n"] += 1
                label = given_label(item_id, answers[student].get(item_id))
                want["own_key" if label == own else "partner_key" if label in partners else "other"] += 1
            got = pairs[item_id]
            assert {k: int(got[k]) for k in want} == want, (item_id, got)
            assert got["pair"] == pair and got["key"] == own

    labels = read_csv(out.parent / f"case-labels-{A1}.csv")
    cases = [i for i, r in raw.items() if r["kind"] == "case"]
    assert [(r["item"], r["label"]) for r in labels] == [(i, o) for i in cases for o in raw[i]["options"]]
    for r in labels:
        saw = [s for s in plan if r["item"] in scores[s]]
        given = [answers[s][r["item"]] for s in saw if r["item"] in answers[s]]
        assert (int(r["n"]), int(r["answered"])) == (len(saw), len(given)), r
        assert int(r["marked"]) == sum(r["label"] in a["marked"] for a in given), r
        assert int(r["chosen_decisive"]) == sum(a["decisive"] == r["label"] for a in given), r
        assert (r["at_work"] == "yes") == (r["label"] in raw[r["item"]]["present"]), r
        assert (r["decisive"] == "yes") == (r["label"] == raw[r["item"]]["decisive"]), r

    sentences = read_csv(out.parent / f"cue-sentences-{A1}.csv")
    cues = [i for i, r in raw.items() if r["kind"] == "cue"]
    assert [(r["item"], int(r["sentence"])) for r in sentences] == [
        (i, k + 1) for i in cues for k in range(len(raw[i]["sentences"]))]
    for r in sentences:
        given = [answers[s][r["item"]] for s in plan if r["item"] in answers[s]]
        assert int(r["pointed"]) == sum(a["sentence"] == int(r["sentence"]) - 1 for a in given), r
    assert sum(int(r["pointed"]) for r in sentences) == sum(
        1 for s in plan for i in answers[s] if raw[i]["kind"] == "cue")
    print(f"\nreal autograde of 3 pooled submissions: {course.seconds:.1f} s", file=sys.stderr)


@pytest.mark.nbgrader
def test_report_reads_the_pooled_saved_answers_after_real_autograde(real_a1, tmp_path, capsys):
    """What a trainee saved with the real PooledQuiz counts as saved answers in students.csv:
    read, and unanswered only where the trainee gave no answer to a question of their draw."""
    course, plan, _keys = real_a1
    out = tmp_path / "report.html"
    code, err = run_report(capsys, str(course.dir), "--assignment", A1, "--out", str(out))
    assert code == 0, err
    flat = " ".join(err.split())
    assert "could not be read" not in flat, flat
    assert "no ITEMS list found" not in flat, flat
    students = {r["student"]: r for r in read_csv(tmp_path / f"students-{A1}.csv")}
    assert {s: students[s]["responses"] for s in plan} == dict.fromkeys(plan, "ok")
    assert [int(students[s]["unanswered"]) for s in plan] == [0, 0, 6]
    assert "6 of 12 items unanswered" in students["r3-half"]["reasons"]
    assert "unanswered" not in students["r1-all-right"]["reasons"]


# =====================================================================================
# The instructor notebook
# =====================================================================================
NOTEBOOK = ROOT / "exercises" / "instructor-analytics.ipynb"


def test_instructor_notebook_is_stored_unexecuted_and_holds_no_key():
    from tests.support.leaks import find_leaks

    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    assert set(nb.metadata) <= {"kernelspec", "language_info"}
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, cell.id
    assert find_leaks(NOTEBOOK) == []


def test_instructor_notebook_runs_and_shows_the_analysis(course, tmp_path):
    # A fresh interpreter drives the kernel: in a process that has imported nbgrader.api
    # (as this one has), nbclient's ZMQ wake-ups are sometimes missed and a cell's reply
    # then waits for the full cell timeout (measured: ~1 run in 3 stalls 120 s).
    script = (
        "import sys, nbformat\n"
        "from nbclient import NotebookClient\n"
        "nb = nbformat.read(sys.argv[1], as_version=4)\n"
        "NotebookClient(nb, timeout=120, kernel_name='python3',\n"
        "               resources={'metadata': {'path': sys.argv[2]}}).execute()\n"
        "nbformat.write(nb, sys.argv[3])\n"
    )
    executed = tmp_path / "executed.ipynb"
    proc = subprocess.run([sys.executable, "-c", script, str(NOTEBOOK), str(course), str(executed)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    nb = nbformat.read(executed, as_version=4)
    printed = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    assert f"Gradebook: {course / 'gradebook.db'}" in printed
    shown = json.dumps(nb.metadata.get("widgets", {}))  # what the Output widget displayed
    assert "Confusion matrix for t1-quiz" in shown and "Items of t1-quiz" in shown
    assert "Coercive power answered as Legitimate power 5 times" in shown
