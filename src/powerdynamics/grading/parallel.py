"""Autograde submissions concurrently, in worker processes, with the gradebook intact.

nbgrader's gradebook is SQLite, and nbgrader (0.9.6) opens it with SQLAlchemy's
defaults: two ``nbgrader autograde`` processes writing at once can fail with
``database is locked`` (a lost row).  Most of a submission's time is spent with no
gradebook open: the kernel starts and runs the notebook.  So only the gradebook step is
serialised: in every worker, each ``nbgrader.api.Gradebook`` holds an exclusive lock on
``<gradebook>.lock`` from creation to ``close()`` (re-entrant within the process,
released by the OS if the process dies).  A database that is not a SQLite file (a
server) is left to its own locking.

Two ways to run the workers:

* :func:`autograde_parallel` (``--jobs N``): N long-lived worker processes, each started
  once (Python and nbgrader take seconds to import, more than grading a submission), each
  grading one submission at a time through nbgrader's own ``NbGraderAPI.autograde`` (what
  formgrader calls), as the parent hands them out.  A submission that runs past ``limit``
  gets its worker killed with its kernel and reported as failed; a fresh worker takes
  over the rest of the queue.
* :func:`autograde_processes` (``--isolate``): one ``nbgrader autograde --student``
  process per submission, N at a time (the strongest isolation, slower by one start-up,
  about 3 s, per submission).

Both refuse unsafe submissions first (:func:`powerdynamics.grading.batch.refused_outcomes`).

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
from typing import Any

from powerdynamics.grading.batch import (
    Outcome,
    _last_error,
    add_scores,
    refused_outcomes,
    submitted_students,
)
from powerdynamics.grading.reaper import marked_env, new_marker, reap, run_limited

__all__ = ["autograde_parallel", "autograde_processes", "install_gradebook_lock", "worker_main"]

RESULT = "@@powerdynamics-autograde-result "

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
    state: dict[str, Any] = {"depth": 0, "fd": None, "mutex": threading.RLock()}

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
    gradebook lock installed; ``serve <assignment> [--force] [nbgrader options]``: a
    worker that grades the student ids it reads on stdin, one per line, and answers each
    with one ``RESULT`` line of JSON on stdout."""
    install_gradebook_lock()
    if argv and argv[0] == "serve":
        return _serve(argv[1], [a for a in argv[2:] if a != "--force"], "--force" in argv[2:])
    from nbgrader.apps.nbgraderapp import NbGraderApp

    sys.argv = ["nbgrader", *argv]
    NbGraderApp.launch_instance(argv=list(argv))
    return 0


def _serve(assignment: str, options: list[str], force: bool) -> int:
    import json

    from nbgrader.apps import NbGraderAPI
    from nbgrader.apps.autogradeapp import AutogradeApp

    app = AutogradeApp()
    app.initialize(options)  # nbgrader_config.py of the working directory, then the options
    api = NbGraderAPI(coursedir=app.coursedir, config=app.config)
    out = sys.stdout
    sys.stdout = sys.stderr  # only result lines on the real stdout
    for line in sys.stdin:
        student = line.strip()
        if not student:
            continue
        result = api.autograde(assignment, student, force=force, create=True)
        text = (result.get("log") or "") + (result.get("error") or "")
        out.write(RESULT + json.dumps({"student": student, "success": bool(result.get("success")),
                                       "log": text}) + "\n")
        out.flush()
    return 0


def _grade_one(course: Path, assignment: str, student: str, limit: float,
               extra_args: Sequence[str], logs: Path) -> Outcome:
    cmd = [sys.executable, "-m", "powerdynamics.grading.parallel", "autograde", assignment,
           "--student", student, *extra_args]
    start = time.monotonic()
    out, returncode, timed_out = run_limited(cmd, course, limit)
    seconds = time.monotonic() - start
    (logs / f"{assignment}--{student}.log").write_text(out or "", encoding="utf-8")
    if timed_out:
        return Outcome(student, "failed", seconds, None,
                       f"killed after {limit:.0f} s (the submission hangs the kernel)")
    if returncode != 0 or not (course / "autograded" / student / assignment).is_dir():
        return Outcome(student, "failed", seconds, returncode,
                       _last_error(out or "") or "nbgrader autograde failed")
    return Outcome(student, "graded", seconds, 0, "ok")


def autograde_processes(
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
    own ``nbgrader autograde --student`` process killed after ``limit`` seconds; outcomes
    in the order of ``students``."""
    course = Path(course).resolve()
    students = list(students) if students is not None else submitted_students(course, assignment)
    logs = Path(log_dir) if log_dir else course / "autograde-logs"
    logs.mkdir(parents=True, exist_ok=True)
    refused = refused_outcomes(course, assignment, students)
    todo = [s for s in students if s not in refused]
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        graded = dict(zip(todo, pool.map(
            lambda s: _grade_one(course, assignment, s, limit, extra_args, logs), todo), strict=True))
    return add_scores(course, assignment, [refused.get(s) or graded[s] for s in students])


class _Worker:
    """One ``serve`` process and a thread reading its result lines."""

    def __init__(self, course: Path, assignment: str, args: Sequence[str], log: Path) -> None:
        import queue

        self.log = log.open("a", encoding="utf-8")
        self.marker = new_marker()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "powerdynamics.grading.parallel", "serve", assignment, *args],
            cwd=course, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.log, text=True,
            start_new_session=True, env=marked_env(self.marker))
        self.results: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            if line.startswith(RESULT):
                self.results.put(line[len(RESULT):])
        self.results.put(None)  # the worker ended

    def grade(self, student: str, limit: float) -> dict | str:
        """The worker's result for ``student``, or a reason why there is none."""
        import json
        import queue

        assert self.proc.stdin is not None
        try:
            self.proc.stdin.write(student + "\n")
            self.proc.stdin.flush()
        except OSError:
            return "the worker process ended"
        try:
            line = self.results.get(timeout=limit)
        except queue.Empty:
            self.kill()
            return f"killed after {limit:.0f} s (the submission hangs the kernel)"
        if line is None:
            return f"the worker process ended (exit status {self.proc.wait()})"
        return json.loads(line)

    def kill(self) -> None:
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait()
        reap(self.marker)

    def close(self) -> None:
        if self.proc.poll() is None and self.proc.stdin is not None:
            try:
                self.proc.stdin.close()
                self.proc.wait(timeout=60)
            except (OSError, subprocess.TimeoutExpired):
                self.kill()
        reap(self.marker)  # a worker grades many submissions: its leftovers go when it ends
        self.log.close()


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
    """Autograde ``students`` (default: every submission) with ``jobs`` worker processes;
    a submission still running after ``limit`` seconds is failed and its worker replaced.
    ``extra_args`` are nbgrader options (``--force``, ``--Execute.timeout=...``).
    Outcomes in the order of ``students``."""
    import queue

    course = Path(course).resolve()
    students = list(students) if students is not None else submitted_students(course, assignment)
    logs = Path(log_dir) if log_dir else course / "autograde-logs"
    logs.mkdir(parents=True, exist_ok=True)
    results: dict[str, Outcome] = refused_outcomes(course, assignment, students)
    todo: queue.Queue[str] = queue.Queue()
    for student in students:
        if student not in results:
            todo.put(student)

    def run(number: int) -> None:
        worker: _Worker | None = None
        try:
            while True:
                try:
                    student = todo.get_nowait()
                except queue.Empty:
                    return
                if worker is None or worker.proc.poll() is not None:
                    worker = _Worker(course, assignment, extra_args, logs / f"worker-{number}.log")
                start = time.monotonic()
                got = worker.grade(student, limit)
                seconds = time.monotonic() - start
                text = got["log"] if isinstance(got, dict) else got
                (logs / f"{assignment}--{student}.log").write_text(text, encoding="utf-8")
                done = (course / "autograded" / student / assignment).is_dir()
                if isinstance(got, str):
                    results[student] = Outcome(student, "failed", seconds, None, got)
                elif not got["success"] or not done:
                    results[student] = Outcome(student, "failed", seconds, 1,
                                               _last_error(text) or "nbgrader autograde failed")
                else:
                    results[student] = Outcome(student, "graded", seconds, 0, "ok")
        finally:
            if worker is not None:
                worker.close()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(1, max(1, jobs) + 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return add_scores(course, assignment, [results[s] for s in students])


if __name__ == "__main__":
    sys.exit(worker_main(sys.argv[1:]))
