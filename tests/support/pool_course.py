"""A small nbgrader course with a graded pool (issue 12), for the tests and bench/.

``PoolCourse(base)`` builds ``<base>/course``: the course's real ``nbgrader_config.py``,
``pools/tp.yaml`` (the fixture pool, 12 items) and ``source/tp-pool/tp-pool.ipynb``,
a pool-mode notebook with ``q01`` ... ``q06`` (the quiz cell names the items file, as the
generated course notebooks do).  ``powerdynamics grade forms`` then writes the items file.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from tests.support.paths import ROOT

POOL_FIXTURE = ROOT / "tests" / "fixtures" / "pools" / "tp.yaml"
ASSIGNMENT = "tp-pool"  # the nbgrader assignment (folder)
POOL = "tp"  # the pool's name: pools/tp.yaml, source/tp-pool/tp-items.json, the draw's seed
ITEMS_FILE = f"{POOL}-items.json"
SIZE = 6


def course_env(home: Path) -> dict[str, str]:
    """The environment of a test course's commands: an isolated HOME and Jupyter config,
    this checkout's package first, and nothing inherited from the caller's Jupyter."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("JUPYTER", "NBGRADER", "IPYTHON")) and k != "PYTHONPATH"}
    env.update(HOME=str(home), JUPYTER_CONFIG_DIR=str(home / ".jupyter"),
               JUPYTER_DATA_DIR=str(home / ".local" / "share" / "jupyter"),
               JUPYTER_RUNTIME_DIR=str(home / "runtime"), IPYTHONDIR=str(home / ".ipython"),
               POWERDYNAMICS_PROGRESS_DB=str(home / "progress.sqlite3"),
               PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
               PYTHONWARNINGS="ignore::DeprecationWarning", PYTHONPATH=str(ROOT / "src"))
    return env


def copy_exercises(target: Path) -> None:
    """A copy of exercises/ without anything a run of the course wrote."""
    shutil.copytree(ROOT / "exercises", target, ignore=shutil.ignore_patterns(
        "release", "submitted", "autograded", "feedback", "gradebook.db", "*.csv", "__pycache__",
        ".ipynb_checkpoints"))


def _meta(grade_id: str, *, grade: bool = False, solution: bool = False, locked: bool = True,
          points: float | None = None) -> dict[str, Any]:
    meta = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": 3,
            "solution": solution, "task": False}
    if points is not None:
        meta["points"] = points
    return meta


def pool_notebook(assignment: str = ASSIGNMENT, size: int = SIZE):
    cells = []

    def add(cell, grade_id, **kw):
        cell["id"] = grade_id
        cell.metadata["nbgrader"] = _meta(grade_id, **kw)
        cells.append(cell)

    add(new_markdown_cell(f"# {assignment}\n\nA pooled assignment (test course)."), "intro")
    add(new_code_cell(f'ITEMS_FILE = "{ITEMS_FILE}"\n'
                      "# The trainee's quiz shows their draw of the items in ITEMS_FILE."), "quiz")
    add(new_code_cell("typed_answers = {\n    ### BEGIN SOLUTION\n    ### END SOLUTION\n}"),
        "typed-answers", solution=True, locked=False)
    add(new_code_cell('print("Answered questions are listed after grading.")'), "status")
    for k in range(1, size + 1):
        add(new_code_cell(f"# Question {k} of your draw, 1 point: graded after you submit from "
                          "your saved answers. Leave this cell as it is."),
            f"q{k:02d}", grade=True, points=1)
    add(new_markdown_cell("Write a short formulation."), "reflection-prompt")
    add(new_markdown_cell("### BEGIN SOLUTION\nMark scheme: 2 points for naming two sources.\n"
                          "### END SOLUTION"), "reflection", grade=True, solution=True,
        locked=False, points=2)
    return new_notebook(cells=cells, metadata={
        "kernelspec": {"name": "python3", "language": "python", "display_name": "Python 3 (ipykernel)"},
        "language_info": {"name": "python"}})


@dataclass
class Run:
    args: list[str]
    returncode: int
    output: str
    seconds: float


class PoolCourse:
    """A temporary course with an isolated HOME and Jupyter config."""

    def __init__(self, base: Path, assignment: str = ASSIGNMENT, size: int = SIZE) -> None:
        self.dir = base / "course"
        self.assignment = assignment
        (self.dir / "source" / assignment).mkdir(parents=True)
        (self.dir / "pools").mkdir()
        shutil.copy(ROOT / "exercises" / "nbgrader_config.py", self.dir / "nbgrader_config.py")
        shutil.copy(POOL_FIXTURE, self.dir / "pools" / f"{POOL}.yaml")
        nbformat.write(pool_notebook(assignment, size),
                       self.dir / "source" / assignment / f"{assignment}.ipynb")
        home = base / "home"
        home.mkdir()
        env = course_env(home)
        self.env = env
        self.runs: list[Run] = []

    def _run(self, cmd: list[str], label: list[str], timeout: float) -> Run:
        start = time.monotonic()
        proc = subprocess.run(cmd, cwd=self.dir, env=self.env, capture_output=True, text=True,
                              timeout=timeout)
        run = Run(label, proc.returncode, proc.stdout + proc.stderr, time.monotonic() - start)
        self.runs.append(run)
        return run

    def nbgrader(self, *args: str, timeout: float = 600) -> Run:
        return self._run([sys.executable, "-m", "nbgrader", *args], list(args), timeout)

    def powerdynamics(self, *args: str, timeout: float = 300) -> Run:
        return self._run([sys.executable, "-m", "powerdynamics", *args],
                         ["powerdynamics", *args], timeout)

    def gradebook(self):
        from nbgrader.api import Gradebook

        return Gradebook(f"sqlite:///{self.dir / 'gradebook.db'}", "power-dynamics")


# -- answers a trainee gives (computed from the keys: test code only) -------------------------
def best_answer(item: Any) -> Any:
    kind = getattr(item, "kind", "choice")
    if kind == "choice":
        return item.key
    if kind == "case":
        return {"marked": list(item.present), "decisive": item.decisive}
    if kind == "cue":
        return {"label": item.key, "sentence": item.decisive_index}
    path, name = [], item.start
    while name in item.nodes and item.nodes[name].end is None:
        index = next(i for i, m in enumerate(item.nodes[name].moves) if m.rating == "best")
        path.append(index)
        name = item.nodes[name].moves[index].next
    return {"path": path}


def wrong_answer(item: Any) -> Any:
    """An answer that scores 0 (choice) or less than full marks (other kinds)."""
    kind = getattr(item, "kind", "choice")
    if kind == "choice":
        return next(o for o in item.options if o != item.key)
    if kind == "case":
        absent = [o for o in item.options if o not in item.present]
        return {"marked": absent[:1], "decisive": absent[0]}
    if kind == "cue":
        wrong = next(o for o in item.options if o != item.key)
        return {"label": wrong, "sentence": (item.decisive_index + 1) % len(item.sentences)}
    path, name = [], item.start
    while name in item.nodes and item.nodes[name].end is None:
        index = next(i for i, m in enumerate(item.nodes[name].moves) if m.rating != "best")
        path.append(index)
        name = item.nodes[name].moves[index].next
    return {"path": path}
