"""Parallel autograde: ``--jobs 1`` against ``--jobs 2``, with and without ``--isolate``,
against plain ``nbgrader autograde``.

    python -m bench.bench_parallel [--submissions 40] [--jobs 2]

On a temporary copy of exercises/ (isolated HOME and Jupyter config), ``--submissions``
all-correct submissions of ``a1-bases-of-power`` (pooled: each trainee answers their own
draw in the real PooledQuiz, see bench_autograde.py) are graded five times in the same
run, from the same state (no autograded notebooks, no submission rows):

1. plain ``nbgrader autograde`` (one process, one submission after another);
2. ``powerdynamics grade autograde --jobs 1`` (one worker process);
3. ``powerdynamics grade autograde --jobs N`` (N worker processes);
4. ``--isolate --jobs 1`` (a fresh nbgrader process per submission, in turn);
5. ``--isolate --jobs N`` (N such processes at a time).

Speed-ups are printed like for like: ``--jobs N`` against ``--jobs 1`` on the same
path, and each against plain nbgrader.

After each run it checks every score (12 of 12, the questions of a draw) and the gradebook's row counts (the same
after every run: no row lost or duplicated), then prints seconds, seconds per
submission and the speed-ups.  The machine's load average is printed with the figures:
a shared machine gives slower, noisier figures.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.bench_autograde import ROOT, _env, _keys, _nbgrader, _submit

ASSIGNMENT = "a1-bases-of-power"
TABLES = ("student", "submitted_assignment", "submitted_notebook", "grade", "comment")


def _reset(course: Path) -> None:
    from nbgrader.api import Gradebook

    shutil.rmtree(course / "autograded", ignore_errors=True)
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", "power-dynamics") as gb:
        for submission in list(gb.find_assignment(ASSIGNMENT).submissions):
            gb.remove_submission(ASSIGNMENT, submission.student.id)


def _check(course: Path, n: int, expected: int) -> dict[str, int]:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", "power-dynamics") as gb:
        scores = sorted(s.score for s in gb.find_assignment(ASSIGNMENT).submissions)
    if scores != [expected] * n:
        sys.exit(f"unexpected scores {scores}: every submission is all correct")
    with sqlite3.connect(course / "gradebook.db") as conn:
        return {t: conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in TABLES}  # noqa: S608


def _powerdynamics(course: Path, env: dict[str, str], *options: str) -> float:
    start = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "powerdynamics", "grade", "autograde", ASSIGNMENT,
                           "--course", ".", *options], cwd=course, env=env,
                          capture_output=True, text=True, timeout=7200)
    seconds = time.monotonic() - start
    if proc.returncode != 0:
        sys.exit(f"{' '.join(options)} failed:\n{(proc.stdout + proc.stderr)[-3000:]}")
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=40)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args(argv)
    n = args.submissions
    load_before = os.getloadavg()

    with tempfile.TemporaryDirectory(prefix="pd-bench-parallel-") as tmp:
        base = Path(tmp)
        course = base / "course"
        shutil.copytree(ROOT / "exercises", course, ignore=shutil.ignore_patterns(
            "release", "submitted", "autograded", "feedback", "downloaded", "gradebook.db*", "*.csv",
            "__pycache__", "keycheck", "autograde-logs"))
        env = _env(base / "home")
        env["PYTHONPATH"] = str(ROOT / "src")
        _nbgrader(course, env, "generate_assignment", ASSIGNMENT)
        points = _submit(course, ASSIGNMENT, n, _keys(course, ASSIGNMENT))
        figures: dict[str, float] = {}
        rows: dict[str, dict[str, int]] = {}
        many = str(args.jobs)
        runs = [("plain nbgrader autograde", lambda: _nbgrader(course, env, "autograde", ASSIGNMENT)),
                ("--jobs 1", lambda: _powerdynamics(course, env, "--jobs", "1")),
                (f"--jobs {many}", lambda: _powerdynamics(course, env, "--jobs", many)),
                ("--isolate --jobs 1", lambda: _powerdynamics(course, env, "--isolate", "--jobs", "1")),
                (f"--isolate --jobs {many}",
                 lambda: _powerdynamics(course, env, "--isolate", "--jobs", many))]
        for name, run in runs:
            _reset(course)
            figures[name] = run()
            rows[name] = _check(course, n, points)
            print(f"  ... {name}: {figures[name]:.1f} s", file=sys.stderr, flush=True)
        if len({tuple(sorted(r.items())) for r in rows.values()}) != 1:
            sys.exit(f"gradebook row counts differ between runs: {rows}")

    load_after = os.getloadavg()
    plain, one, many, iso_one, iso_many = (figures[name] for name, _ in runs)
    print(f"autograde {n} all-correct submissions of {ASSIGNMENT} (python {sys.version.split()[0]}, "
          f"{os.cpu_count()} CPUs, load average {load_before[0]:.1f} before, {load_after[0]:.1f} after)")
    for name, _ in runs:
        print(f"  {name:<26} {figures[name]:8.1f} s  {figures[name] / n:6.2f} s per submission")
    j = args.jobs
    print(f"  speed-up --jobs {j} vs --jobs 1:                     {one / many:5.2f}x")
    print(f"  speed-up --isolate --jobs {j} vs --isolate --jobs 1: {iso_one / iso_many:5.2f}x")
    print(f"  speed-up --jobs {j} vs plain nbgrader autograde:       {plain / many:5.2f}x")
    print(f"  speed-up --jobs 1 vs plain nbgrader autograde:       {plain / one:5.2f}x")
    print(f"  gradebook rows after every run: {rows[runs[0][0]]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
