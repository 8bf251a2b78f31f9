"""Autograde seconds per submission for one course assignment, against a one-cell notebook.

    python -m bench.bench_autograde [--assignment a1-bases-of-power] [--submissions 6]

Works on a temporary copy of exercises/ with an isolated HOME and Jupyter config.  Both
assignments are autograded in the same run, each as one ``nbgrader autograde`` batch of
``--submissions`` all-correct submissions.  The course's assignments are pooled (issue 12):
each trainee (login ``bench-01``, ``bench-02``, ...) answers their own draw, every question
with its best answer, saved by the real PooledQuiz as the quiz widget saves it (the keys
come from the instructor's exercises/pools at run time).  The script prints seconds per
submission for each and their ratio.  The one-cell
baseline is mostly nbgrader's fixed cost (process start-up, kernel start, database), so
the ratio shows what the course's notebook adds on top.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import nbformat
from nbformat.v4 import new_code_cell, new_notebook

ROOT = Path(__file__).resolve().parent.parent
BASELINE = "bench-one-cell"


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "NBGRADER", "IPYTHON"))}
    env.update(HOME=str(home), JUPYTER_CONFIG_DIR=str(home / ".jupyter"),
               JUPYTER_DATA_DIR=str(home / "data"), JUPYTER_RUNTIME_DIR=str(home / "runtime"),
               IPYTHONDIR=str(home / ".ipython"), POWERDYNAMICS_PROGRESS_DB=str(home / "p.sqlite3"),
               PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    return env


def _nbgrader(course: Path, env: dict[str, str], *args: str) -> float:
    start = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course, env=env,
                          capture_output=True, text=True, timeout=1800)
    seconds = time.monotonic() - start
    if proc.returncode != 0:
        sys.exit(f"nbgrader {' '.join(args)} failed:\n{(proc.stdout + proc.stderr)[-3000:]}")
    return seconds


def _one_cell_source(course: Path) -> None:
    cell = new_code_cell("assert 1 + 1 == 2")
    cell["id"] = "only-cell"
    cell.metadata["nbgrader"] = {"grade": True, "grade_id": "only-cell", "locked": True, "points": 1,
                                 "schema_version": 3, "solution": False, "task": False}
    nb = new_notebook(cells=[cell], metadata={"kernelspec": {"name": "python3", "language": "python",
                                                             "display_name": "Python 3 (ipykernel)"}})
    folder = course / "source" / BASELINE
    folder.mkdir(parents=True)
    nbformat.write(nb, folder / f"{BASELINE}.ipynb")


def _keys(course: Path, assignment: str) -> dict[str, Any]:
    """The keyed pool of ``assignment`` (instructor only): item id -> keyed item."""
    from powerdynamics.grading.pool_grading import load_keys
    from powerdynamics.grading.pools import POOLS_DIR, pool_path

    path = pool_path(course / POOLS_DIR, assignment)
    if path is None:
        sys.exit(f"{course / POOLS_DIR}: no pool for {assignment}: the benchmark needs a pooled assignment")
    return load_keys(path)


def _submit(course: Path, assignment: str, n: int, keys: dict[str, Any] | None) -> int | None:
    """Hand in ``n`` copies of the release as trainees ``bench-01`` ...; with ``keys``, each
    answers their own draw all correctly in the real PooledQuiz.  Returns the points every
    such submission must get (the questions of a draw), ``None`` without ``keys``."""
    from powerdynamics.grading.pooled_quiz import PooledQuiz
    from tests.support.pool_course import best_answer

    release = course / "release" / assignment
    points = None
    for i in range(1, n + 1):
        login = f"bench-{i:02d}"
        folder = course / "submitted" / login / assignment
        shutil.copytree(release, folder)
        if keys:
            items_file = next(folder.glob("*-items.json"))
            quiz = PooledQuiz(items_file, folder / "responses.json", login=login)
            for item_id in quiz.draw.items:
                quiz.save(item_id, best_answer(keys[item_id]))
            if points not in (None, len(quiz.draw.items)):
                sys.exit("draws of different sizes: the benchmark expects one size")
            points = len(quiz.draw.items)
    return points


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assignment", default="a1-bases-of-power")
    parser.add_argument("--submissions", type=int, default=6)
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="pd-bench-") as tmp:
        base = Path(tmp)
        course = base / "course"
        shutil.copytree(ROOT / "exercises", course, ignore=shutil.ignore_patterns(
            "release", "submitted", "autograded", "feedback", "gradebook.db", "*.csv", "__pycache__"))
        if not (course / "source" / args.assignment).is_dir():
            sys.exit(f"exercises/source/{args.assignment}: no such assignment")
        _one_cell_source(course)
        env = _env(base / "home")
        for name in (args.assignment, BASELINE):
            _nbgrader(course, env, "generate_assignment", name)
        points = _submit(course, args.assignment, args.submissions, _keys(course, args.assignment))
        _submit(course, BASELINE, args.submissions, None)
        figures = {}
        for name in (BASELINE, args.assignment):
            figures[name] = _nbgrader(course, env, "autograde", name) / args.submissions
        from nbgrader.api import Gradebook

        with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
            scores = [s.score for s in gb.find_assignment(args.assignment).submissions]
        if scores != [points] * args.submissions:
            sys.exit(f"unexpected scores {scores}: the benchmark's submissions should be all correct")

    ratio = figures[args.assignment] / figures[BASELINE]
    print(f"autograde, {args.submissions} submissions per assignment, one batch each (python {sys.version.split()[0]}, "
          f"{os.cpu_count()} CPUs)")
    print(f"  {BASELINE:<34} {figures[BASELINE]:6.2f} s per submission")
    print(f"  {args.assignment:<34} {figures[args.assignment]:6.2f} s per submission "
          f"({points} graded questions of each trainee's own draw + hand-graded tasks)")
    print(f"  ratio {args.assignment} / {BASELINE}: {ratio:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
