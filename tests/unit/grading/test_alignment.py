"""Every lesson objective is graded somewhere; no graded cell names an unknown objective
(issue 12).  The guide's table is what ``powerdynamics grade alignment`` generates."""

from __future__ import annotations

import json
import shutil

from powerdynamics.grading.alignment import (
    NOT_GRADED,
    generated_block,
    graded_cells,
    lesson_objectives,
    problems,
    table,
)
from tests.support.paths import ROOT

COURSE = ROOT / "exercises"
NOTEBOOKS = ROOT / "notebooks"
GUIDE = ROOT / "book" / "instructor-guide.md"


def test_lessons_declare_their_objectives():
    objectives = lesson_objectives(NOTEBOOKS)
    for lesson in range(1, 8):
        assert f"L{lesson}.1" in objectives, lesson
    assert len(objectives) >= 25
    assert all(len(o.text) > 20 for o in objectives.values())


def test_every_objective_has_a_graded_task_and_every_graded_cell_a_known_objective():
    objectives = lesson_objectives(NOTEBOOKS)
    cells = graded_cells(COURSE / "source")
    assert len(cells) >= 3 * (12 + 2)
    assert problems(objectives, cells) == []
    assert set(NOT_GRADED) <= set(objectives)


def test_the_check_fails_on_an_ungraded_objective_and_an_unknown_one(tmp_path):
    source = tmp_path / "source"
    shutil.copytree(COURSE / "source", source)
    path = source / "a1-bases-of-power" / "a1-bases-of-power.ipynb"
    nb = json.loads(path.read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        meta = cell["metadata"].get("powerdynamics")
        if cell["metadata"].get("nbgrader", {}).get("grade") and meta:
            # L1.2 is graded only by a1's short answers; L9.9 is no lesson's objective
            meta["objectives"] = [o for o in meta["objectives"] if o != "L1.2"]
            if cell["id"] == "a1-formulation":
                meta["objectives"].append("L9.9")
    path.write_text(json.dumps(nb), encoding="utf-8")
    found = problems(lesson_objectives(NOTEBOOKS), graded_cells(source))
    assert any(f.startswith("L1.2: no graded task assesses it") for f in found), found
    assert "a1-bases-of-power: a1-formulation: unknown objective L9.9" in found


def test_the_guide_shows_the_generated_table():
    block = generated_block(GUIDE)
    assert block is not None, "the guide lost its alignment markers"
    assert block == table(COURSE, NOTEBOOKS), (
        "run: powerdynamics grade alignment --write book/instructor-guide.md")


def test_run_from_the_wrong_folder_it_says_where_to_run_it(tmp_path):
    """From inside exercises/ (as instructors often are) the defaults name nothing; the
    command says so instead of printing two empty tables."""
    import subprocess
    import sys

    run = subprocess.run([sys.executable, "-m", "powerdynamics", "grade", "alignment"], cwd=COURSE,
                         capture_output=True, text=True, check=False)
    assert run.returncode == 2 and "run this from the course repository's root" in run.stderr, run
    assert "| Objective |" not in run.stdout
    run = subprocess.run([sys.executable, "-m", "powerdynamics", "grade", "alignment", "--course", ".",
                          "--notebooks", str(tmp_path)], cwd=COURSE, capture_output=True, text=True,
                         check=False)
    assert run.returncode == 2 and f"no lesson objectives found in {tmp_path}" in run.stderr, run
    run = subprocess.run([sys.executable, "-m", "powerdynamics", "grade", "alignment", "--course", ".",
                          "--notebooks", str(NOTEBOOKS)], cwd=COURSE, capture_output=True, text=True,
                         check=False)
    assert run.returncode == 0 and "| L2.2 |" in run.stdout, run
