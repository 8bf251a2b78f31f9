"""Autograde submissions concurrently, each in its own process, with the gradebook intact.

nbgrader's gradebook is SQLite, and nbgrader (0.9.6) opens it with SQLAlchemy's
defaults: two ``nbgrader autograde`` processes writing at once can fail with
``database is locked`` (a lost row) or interleave one student's rows.  Most of a
submission's time is spent with no gradebook open: the kernel starts and runs the
notebook.  So each submission runs in its own process (``nbgrader autograde <a>
--student <s>``, as :func:`powerdynamics.grading.batch.autograde_each` does), and only
the gradebook step is serialised: in every worker, each ``nbgrader.api.Gradebook``
holds an exclusive lock on ``<gradebook>.lock`` from creation to ``close()``
(re-entrant within the process, released by the OS if the process dies).  A database
that is not a SQLite file (a server) is left to its own locking.

    powerdynamics grade autograde a1-bases-of-power --course . --jobs 2

Only the standard library is imported at module level.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from powerdynamics.grading.batch import Outcome, _last_error, _scores, submitted_students

__all__ = ["autograde_parallel", "install_gradebook_lock", "worker_main"]

_SQLITE = "sqlite:///"


def _lock_path(db_url: str) -> Path | None:
    if not db_url.startswith(_SQLITE):
        return None
    path = db_url[len(_SQLITE):].split("?", 1)[0]
    if not path or path == ":memory:":
        return None
    return Path(path + ".lock")


def install_gradebook_lock() -> None:
    """Make every ``nbgrader.api.Gradebook`` in this process hold an exclusive file lock
    on ``<database>.lock`` while it is open (POSIX ``flock``; a no-op elsewhere)."""
    try:
        import fcntl
    except ImportError:  # Windows: no flock; run with --jobs 1 there
        return
    from nbgrader import api

    gradebook = api.Gradebook
    if getattr(gradebook, "_pd_locked", False):
        return
    original_init = gradebook.__init__
    original_close = gradebook.close
    state = {"depth": 0, "fd": None, "mutex": threading.RLock()}

    def acquire(db_url: str) -> bool:
        path = _lock_path(db_url)
        if path is None:
            return False
        state["mutex"].acquire()
        if state["depth"] == 0:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
            fcntl.flock(fd, fcntl.LOCK_EX)
            state["fd"] = fd
        state["depth"] += 1
        return True

    def release() -> None:
        state["depth"] -= 1
        if state["depth"] == 0 and state["fd"] is not None:
            fcntl.flock(state["fd"], fcntl.LOCK_UN)
            os.close(state["fd"])
            state["fd"] = None
        state["mutex"].release()

    def __init__(self, db_url, *args, **kwargs):  # noqa: N807
        self._pd_lock = acquire(db_url)
        try:
            original_init(self, db_url, *args, **kwargs)
        except BaseException:
            if self._pd_lock:
                self._pd_lock = False
                release()
            raise

    def close(self):
        try:
            original_close(self)
        finally:
            if getattr(self, "_pd_lock", False):
                self._pd_lock = False
                release()

    gradebook.__init__ = __init__
    gradebook.close = close
    gradebook._pd_locked = True


def worker_main(argv: Sequence[str]) -> int:
    """``python -m powerdynamics.grading.parallel <nbgrader arguments>``: nbgrader with the
    gradebook lock installed."""
    install_gradebook_lock()
    from nbgrader.apps.nbgraderapp import NbGraderApp

    sys.argv = ["nbgrader", *argv]
    NbGraderApp.launch_instance(argv=list(argv))
    return 0


def _grade_one(course: Path, assignment: str, student: str, limit: float,
               extra_args: Sequence[str], logs: Path) -> Outcome:
    cmd = [sys.executable, "-m", "powerdynamics.grading.parallel", "autograde", assignment,
           "--student", student, *extra_args]
    start = time.monotonic()
    proc = subprocess.Popen(cmd, cwd=course, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, start_new_session=True)
    try:
        out, _ = proc.communicate(timeout=limit)
        timed_out = False
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, _ = proc.communicate()
        timed_out = True
    seconds = time.monotonic() - start
    (logs / f"{assignment}--{student}.log").write_text(out or "", encoding="utf-8")
    if timed_out:
        return Outcome(student, "failed", seconds, None,
                       f"killed after {limit:.0f} s (the submission hangs the kernel)")
    if proc.returncode != 0 or not (course / "autograded" / student / assignment).is_dir():
        return Outcome(student, "failed", seconds, proc.returncode,
                       _last_error(out or "") or "nbgrader autograde failed")
    return Outcome(student, "graded", seconds, 0, "ok")


def autograde_parallel(
    course: str | os.PathLike[str],
    assignment: str,
    students: Sequence[str] | None = None,
    *,
    jobs: int = 2,
    limit: float = 600.0,
    extra_args: Sequence[str] = (),
    log_dir: str | os.PathLike[str] | None = None,
) -> list[Outcome]:
    """Autograde ``students`` (default: every submission) ``jobs`` at a time, each in its
    own process killed after ``limit`` seconds; outcomes in the order of ``students``."""
    course = Path(course).resolve()
    students = list(students) if students is not None else submitted_students(course, assignment)
    logs = Path(log_dir) if log_dir else course / "autograde-logs"
    logs.mkdir(parents=True, exist_ok=True)
    if not students:
        return []
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        outcomes = list(pool.map(
            lambda s: _grade_one(course, assignment, s, limit, extra_args, logs), students))
    scores = _scores(course, assignment)
    for outcome in outcomes:
        if outcome.student in scores:
            outcome.score, outcome.max_score = scores[outcome.student]
    return outcomes


if __name__ == "__main__":
    sys.exit(worker_main(sys.argv[1:]))
