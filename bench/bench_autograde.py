"""Autograde seconds per submission for one course assignment, against a one-cell notebook.

    .venv/bin/python bench/bench_autograde.py [--assignment a1-bases-of-power] [--submissions 6]

Works on a temporary copy of exercises/ with an isolated HOME and Jupyter config.  Both
assignments are autograded in the same run, each as one ``nbgrader autograde`` batch of
``--submissions`` all-correct submissions (answers clicked in the real AssessmentQuiz),
and the script prints seconds per submission for each and their ratio.  The one-cell
baseline is mostly nbgrader's fixed cost (process start-up, kernel start, database), so
the ratio shows what the course's notebook adds on top.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

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


def _key(course: Path, assignment: str) -> dict[str, str]:
    nb = nbformat.read(course / "source" / assignment / f"{assignment}.ipynb", as_version=4)
    text = "\n".join(c.source for c in nb.cells)
    return dict(re.findall(r'assert answers\.get\("([^"]+)"\) == "([^"]+)"', text))


def _submit(course: Path, assignment: str, n: int, answers: dict[str, str] | None) -> None:
    from powerdynamics.assessment import AssessmentQuiz

    release = course / "release" / assignment / f"{assignment}.ipynb"
    nb = nbformat.read(release, as_version=4)
    items = None
    if answers:
        code = next(c.source for c in nb.cells if c.get("id") == "quiz")
        namespace: dict = {}
        exec(code.split("\n\nquiz = ")[0], namespace)
        items = namespace["ITEMS"]
    for i in range(1, n + 1):
        folder = course / "submitted" / f"bench-{i:02d}" / assignment
        folder.mkdir(parents=True)
        shutil.copy(release, folder / release.name)
        if items:
            quiz = AssessmentQuiz(items, responses_path=folder / "responses.json", assignment=assignment)
            for item_id, label in answers.items():
                quiz.select(item_id, label)


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
        key = _key(course, args.assignment)
        _submit(course, args.assignment, args.submissions, key)
        _submit(course, BASELINE, args.submissions, None)
        figures = {}
        for name in (BASELINE, args.assignment):
            figures[name] = _nbgrader(course, env, "autograde", name) / args.submissions
        from nbgrader.api import Gradebook

        with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
            scores = [s.score for s in gb.find_assignment(args.assignment).submissions]
        if scores != [len(key)] * args.submissions:
            sys.exit(f"unexpected scores {scores}: the benchmark's submissions should be all correct")

    ratio = figures[args.assignment] / figures[BASELINE]
    print(f"autograde, {args.submissions} submissions per assignment, one batch each (python {sys.version.split()[0]}, "
          f"{os.cpu_count()} CPUs)")
    print(f"  {BASELINE:<34} {figures[BASELINE]:6.2f} s per submission")
    print(f"  {args.assignment:<34} {figures[args.assignment]:6.2f} s per submission "
          f"({len(key)} graded items + reflection)")
    print(f"  ratio {args.assignment} / {BASELINE}: {ratio:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
