"""The test copy of the nbgrader course (exercises/ in a scratch folder with its own HOME),
the assignments' names, and what must stay instructor-only (the leak scans' secrets)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat

from powerdynamics.grading.data import hidden_region
from tests.support.paths import EXERCISES
from tests.support.pool_course import Run, copy_exercises, course_env

BIN = Path(sys.executable).parent
A1 = "a1-bases-of-power"
A2 = "a2-systemic-control-psychology"
A3 = "a3-relational-patterns-strategies"
ASSIGNMENTS = [A1, A2, A3]
SIZE = 12  # items per trainee
TIMEOUT = 3  # Execute.timeout in the test copy (the course uses 20)
HIDDEN_ASSERT = re.compile(r'^\s*assert answers\.get\("([^"]+)"\) == "([^"]+)"\s*$')


def pool_of(assignment: str) -> str:
    return assignment.split("-")[0]


@dataclass
class SourceSecrets:
    """Everything that must stay instructor-only, read from exercises/source."""

    keys: dict[str, dict[str, str]] = field(default_factory=dict)  # hidden-test keys (none now)
    hidden_lines: list[str] = field(default_factory=list)
    scheme_lines: list[str] = field(default_factory=list)  # rubric descriptors, anchors, model answers
    grade_cells: dict[str, list[str]] = field(default_factory=dict)

    @property
    def all_keys(self) -> dict[str, str]:
        return {item: label for keys in self.keys.values() for item, label in keys.items()}


def _regions(source: str, begin: str, end: str) -> list[str]:
    """The lines between ``begin`` and ``end`` markers (the course's own reader)."""
    return hidden_region(source, begin, end).splitlines()


TEMPLATE_LINES = ("*Criterion", "**Rubric for", "**Model answer**")


def read_secrets() -> SourceSecrets:
    secrets = SourceSecrets()
    for name in ASSIGNMENTS:
        nb = nbformat.read(EXERCISES / "source" / name / f"{name}.ipynb", as_version=4)
        keys: dict[str, str] = {}
        secrets.grade_cells[name] = []
        for cell in nb.cells:
            meta = cell.metadata.get("nbgrader", {})
            hidden = _regions(cell.source, "BEGIN HIDDEN TESTS", "END HIDDEN TESTS")
            if meta.get("grade") and not meta.get("solution"):
                secrets.grade_cells[name].append(meta["grade_id"])
            for line in hidden:
                match = HIDDEN_ASSERT.match(line)
                if match:
                    keys[match.group(1)] = match.group(2)
                if line.strip():
                    secrets.hidden_lines.append(line.strip())
            if cell.cell_type == "markdown":
                secrets.scheme_lines += [
                    ln.strip() for ln in _regions(cell.source, "BEGIN SOLUTION", "END SOLUTION")
                    # the template's own headings are not secrets; the rubric text is
                    if len(ln.strip()) >= 24 and not ln.strip().startswith(TEMPLATE_LINES)
                ]
        secrets.keys[name] = keys
    return secrets


SECRETS = read_secrets()


def read_pool_items() -> list:
    """Every keyed item of the course's graded pools (exercises/pools/<a>.yaml, issue 12):
    the leak scan looks for each one's key (labels, present/decisive, decisive sentence,
    session ratings, explanation and feedback prose)."""
    from powerdynamics.grading.pools import load_pool

    folder = EXERCISES / "pools"
    return [item for path in sorted(folder.glob("*.yaml")) if not path.name.endswith("-tasks.yaml")
            for item in load_pool(path)] if folder.is_dir() else []


POOL_ITEMS = read_pool_items()


POOL_KEYS: dict[str, dict[str, Any]] = {
    name: {it.id: it for it in POOL_ITEMS if it.id.startswith(pool_of(name) + "-")}
    for name in ASSIGNMENTS}


def _items_file(name: str) -> Path:
    return EXERCISES / "source" / name / f"{pool_of(name)}-items.json"


class Course:
    """A temporary copy of exercises/ with an isolated HOME and Jupyter config."""

    def __init__(self, base: Path) -> None:
        self.dir = base / "course"
        copy_exercises(self.dir)
        home = base / "home"
        home.mkdir()
        env = course_env(home)
        self.env = env
        self.runs: list[Run] = []

    def nbgrader(self, *args: str, timeout: float = 300, venv_off_path: bool = False) -> Run:
        """``python -m nbgrader``; with ``venv_off_path``, ``.venv/bin/nbgrader`` as a user
        without an activated venv runs it (PATH without the venv's bin directory)."""
        cmd = [sys.executable, "-m", "nbgrader", *args]
        env = self.env
        if venv_off_path:
            cmd = [str(BIN / "nbgrader"), *args]
            path = [p for p in os.environ.get("PATH", "").split(os.pathsep)
                    if p and Path(p).resolve() != BIN.resolve()]
            env = {**self.env, "PATH": os.pathsep.join(path or ["/usr/bin", "/bin"])}
            assert shutil.which("alembic", path=env["PATH"]) != str(BIN / "alembic")
        start = time.monotonic()
        proc = subprocess.run(cmd, cwd=self.dir, env=env, capture_output=True, text=True,
                              timeout=timeout)
        run = Run(list(args), proc.returncode, proc.stdout + proc.stderr, time.monotonic() - start)
        self.runs.append(run)
        return run

    def powerdynamics(self, *args: str, timeout: float = 600) -> Run:
        start = time.monotonic()
        proc = subprocess.run([sys.executable, "-m", "powerdynamics", *args], cwd=self.dir,
                              env=self.env, capture_output=True, text=True, timeout=timeout)
        run = Run(["powerdynamics", *args], proc.returncode, proc.stdout + proc.stderr,
                  time.monotonic() - start)
        self.runs.append(run)
        return run

    def gradebook(self):
        from nbgrader.api import Gradebook

        return Gradebook(f"sqlite:///{self.dir / 'gradebook.db'}", "power-dynamics")

