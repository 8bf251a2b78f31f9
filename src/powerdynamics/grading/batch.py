"""Autograde each submission in its own process, with a time limit, and report.

``nbgrader autograde <assignment>`` grades submissions one after another in one
process.  In nbgrader 0.9.6 that batch survives an infinite loop (interrupted), a loop
that ignores SIGINT (``CellTimeoutError``: that submission fails, the rest go on) and a
malformed notebook; the course's tests check exactly that.  This runner is the belt
and braces for what a single process cannot survive (a kernel that wedges nbgrader
itself, memory exhaustion): submissions are graded in worker processes, a submission
still running after ``limit`` seconds has its worker killed with its kernel, and a
table of outcomes (graded with score, failed or refused with the reason) covers every
student.  Unsafe submissions (links, FIFOs, oversized files, bad ids) are refused
before nbgrader sees them.

    powerdynamics grade autograde a1-bases-of-power --course exercises --limit 300
    powerdynamics grade autograde a1-bases-of-power --course exercises --jobs 2
    powerdynamics grade autograde a1-bases-of-power --course exercises --isolate

``--jobs N`` runs N workers at a time and ``--isolate`` starts a fresh nbgrader process
for every submission (:mod:`powerdynamics.grading.parallel`, which keeps the gradebook
intact).  The table also says which submissions have no
``responses.json`` (:mod:`powerdynamics.grading.checks`, also ``grade check``).

Only the standard library is imported at module level, so ``register`` can be wired
into the ``powerdynamics`` command without the course extra installed.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any


@dataclass
class Outcome:
    """What happened to one submission."""

    student: str
    status: str  # "graded", "failed" or "refused" (not a safe submission; nothing was copied)
    seconds: float
    returncode: int | None
    message: str
    score: float | None = None
    max_score: float | None = None
    no_answer: bool = False  # the submission holds no saved and no typed answer (scores 0)


def _last_error(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if "[ERROR]" in line or "Error" in line]
    for line in reversed(lines):
        if "There was an error processing" not in line and "Please see" not in line:
            return line[-300:]
    return lines[-1][-300:] if lines else text.strip()[-300:]


def submitted_students(course: Path, assignment: str) -> list[str]:
    folder = course / "submitted"
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir() if (p / assignment).is_dir())


def _scores(course: Path, assignment: str) -> dict[str, tuple[float, float]]:
    from nbgrader.api import Gradebook, MissingEntry

    db = course / "gradebook.db"
    result: dict[str, tuple[float, float]] = {}
    if not db.exists():
        return result
    with Gradebook(f"sqlite:///{db}") as gb:
        try:
            found = gb.find_assignment(assignment)
        except MissingEntry:
            return result
        for submission in found.submissions:
            result[submission.student.id] = (submission.score, submission.max_score)
    return result


def refused_outcomes(course: Path, assignment: str, students: Sequence[str]) -> dict[str, Outcome]:
    """The submissions that must not reach nbgrader (a bad student id, a link, a FIFO, an
    oversized file...), each with its reasons; every grading path checks this first."""
    from powerdynamics.grading.safety import student_id_problem, submission_problems

    refused: dict[str, Outcome] = {}
    for student in students:
        why = student_id_problem(student)
        problems = ([why] if why else []) + submission_problems(
            course / "submitted" / student / assignment)
        if problems:
            refused[student] = Outcome(student, "refused", 0.0, None, "; ".join(problems))
    return refused


def add_scores(course: Path, assignment: str, outcomes: Sequence[Outcome]) -> list[Outcome]:
    """Fill in each graded outcome's score from the gradebook."""
    scores = _scores(course, assignment)
    for outcome in outcomes:
        if outcome.student in scores and outcome.status == "graded":
            outcome.score, outcome.max_score = scores[outcome.student]
    return list(outcomes)


def autograde_each(
    course: str | os.PathLike[str],
    assignment: str,
    students: Sequence[str] | None = None,
    *,
    limit: float = 600.0,
    extra_args: Sequence[str] = (),
    log_dir: str | os.PathLike[str] | None = None,
) -> list[Outcome]:
    """Autograde every submission of ``assignment`` in its own ``nbgrader autograde``
    process, one after another, killed (with its kernel) after ``limit`` seconds.  A
    failure is reported for that student only; the others are graded all the same."""
    from powerdynamics.grading.parallel import autograde_processes

    return autograde_processes(course, assignment, students, jobs=1, limit=limit,
                               extra_args=extra_args, log_dir=log_dir)


def format_outcomes(outcomes: Sequence[Outcome]) -> str:
    lines = [f"{'student':<24} {'status':<7} {'score':>11} {'seconds':>8}  message"]
    for o in outcomes:
        score = "-" if o.score is None or o.status != "graded" else f"{o.score:g}/{o.max_score:g}"
        lines.append(f"{o.student:<24} {o.status:<7} {score:>11} {o.seconds:>8.1f}  {o.message}")
    refused = [o.student for o in outcomes if o.status == "refused"]
    failed = [o.student for o in outcomes if o.status == "failed"]
    if refused:
        lines.append(f"refused (not graded, nothing copied): {', '.join(refused)}")
    lines.append(f"{len(outcomes) - len(failed) - len(refused)} graded, {len(failed)} failed"
                 + (f": {', '.join(failed)}" if failed else ""))
    empty = [o.student for o in outcomes if o.no_answer]
    if empty:
        lines.append(f"{len(empty)} with no answer at all (no responses.json, nothing typed): "
                     f"{', '.join(empty)}; see powerdynamics grade check")
    return "\n".join(lines)


def _flag_answers(course: Path, assignment: str, outcomes: Sequence[Outcome]) -> None:
    """Add what ``grade check`` sees (no responses.json, no answer at all) to each outcome."""
    from powerdynamics.grading.checks import check_assignment

    for outcome, check in zip(outcomes, check_assignment(course, assignment,
                                                         [o.student for o in outcomes]), strict=True):
        if outcome.status == "refused":  # its message already says why
            continue
        note = check.summary()
        outcome.no_answer = check.notebook and not check.answered
        if note:
            outcome.message = note if outcome.message == "ok" else f"{outcome.message}; {note}"


def _cmd_autograde(args: argparse.Namespace) -> int:
    course = Path(args.course)
    if not (course / "nbgrader_config.py").exists():
        print(f"{course}: no nbgrader_config.py here; pass the course directory with --course",
              file=sys.stderr)
        return 2
    students = args.student or None
    if students is None and not submitted_students(course, args.assignment):
        print(f"{course / 'submitted'}: no submissions of {args.assignment!r}", file=sys.stderr)
        return 2
    extra = ["--force"] if args.force else []
    from powerdynamics.grading.parallel import autograde_parallel, autograde_processes

    run = autograde_processes if args.isolate else autograde_parallel
    outcomes = run(course, args.assignment, students, jobs=max(1, args.jobs), limit=args.limit,
                   extra_args=extra)
    _flag_answers(course, args.assignment, outcomes)
    print(format_outcomes(outcomes))
    if args.json:
        Path(args.json).write_text(json.dumps([asdict(o) for o in outcomes], indent=2) + "\n",
                                   encoding="utf-8")
    return 1 if any(o.status != "graded" for o in outcomes) else 0


def register(subparsers: Any) -> None:
    """Add ``grade autograde`` to the ``powerdynamics`` command."""
    grade = subparsers.add_parser("grade", help="instructor tools for the nbgrader course")
    grade_sub = grade.add_subparsers(dest="grade_command", required=True)
    auto = grade_sub.add_parser(
        "autograde",
        help="autograde each submission in its own process, with a time limit, and report",
    )
    auto.add_argument("assignment")
    auto.add_argument("--course", default=".", help="course directory (default: .)")
    auto.add_argument("--student", action="append", help="only this student (repeatable)")
    auto.add_argument("--limit", type=float, default=600.0,
                      help="seconds allowed per submission before it is killed (default 600)")
    auto.add_argument("--force", action="store_true", help="re-grade already graded submissions")
    auto.add_argument("--jobs", type=int, default=1, metavar="N",
                      help="grade N submissions at a time, in N worker processes (default 1)")
    auto.add_argument("--isolate", action="store_true",
                      help="a fresh nbgrader process for every submission (slower by one "
                           "start-up, about 3 s, per submission)")
    auto.add_argument("--json", metavar="PATH", help="also write the outcomes as JSON")
    auto.set_defaults(func=_cmd_autograde)

    from powerdynamics.grading import alignment, checks, lite, lms, pools, source_build

    checks.register(grade_sub)
    lms.register(grade_sub)
    pools.register(grade_sub)
    source_build.register(grade_sub)
    alignment.register(grade_sub)
    lite.register(grade_sub)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m powerdynamics.batch autograde ...`` (same as ``powerdynamics grade autograde``)."""
    parser = argparse.ArgumentParser(prog="python -m powerdynamics.batch")
    sub = parser.add_subparsers(dest="command", required=True)
    register(sub)
    args = parser.parse_args(["grade", *(argv if argv is not None else sys.argv[1:])])
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
