"""``powerdynamics grade check``: does every submission hold an answer, before grading?

A trainee who answered with the quiz but handed in only the notebook scores 0, and
nbgrader gives no hint why.  Trainees on the typed-answer route legitimately have no
``responses.json``, so "every folder holds both files" is no rule.  This check reads
each ``submitted/<student>/<assignment>/`` folder *without running anything* (the
typed answers are read with ``ast.literal_eval``) and lists per trainee: notebook
present, responses file present, answers saved in it, answers typed.  A trainee with
no answer at all is named; so is a submission autograde refuses (a symbolic link, FIFO,
device or oversized file, or an unsafe student id: ``refused`` and why, never opened).
The command exits with status 1 when there is one.

    powerdynamics grade check a1-bases-of-power --course .
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

RESPONSES_FILE = "responses.json"  # = powerdynamics.grading.assessment.RESPONSES_FILE


@dataclass
class SubmissionCheck:
    student: str
    notebook: bool  # <assignment>.ipynb present (and readable as JSON)
    responses: str  # "present", "missing", "unreadable" or "refused" (link, FIFO, too big)
    saved: int  # answers in responses.json
    typed: int  # non-empty typed answers in the notebook
    problem: str = ""
    draw: str = ""  # pooled assignments: why the saved draw is not this student's ("" = fine)
    refused: str = ""  # why autograde refuses the whole submission ("" = it does not)
    responses_why: str = ""  # why responses.json is refused (symbolic link, FIFO, too big)

    @property
    def answered(self) -> bool:
        return self.saved > 0 or self.typed > 0

    def summary(self) -> str:
        """One phrase for the batch table: empty when the submission looks normal."""
        if self.refused:
            return f"REFUSED (autograde will not grade it, nothing is copied): {self.refused}"
        if self.draw:
            return f"DRAW MISMATCH: {self.draw}"
        if not self.notebook:
            return f"notebook missing or unreadable{': ' + self.problem if self.problem else ''}"
        if not self.answered:
            return (f"NO ANSWER: no {RESPONSES_FILE} and no typed answers" if self.responses == "missing"
                    else f"NO ANSWER: {RESPONSES_FILE} {self.responses}"
                    + (f" ({self.responses_why})" if self.responses == "refused" else "")
                    + ", no typed answers")
        if self.responses == "missing":
            return f"no {RESPONSES_FILE}: {self.typed} typed answer(s) only"
        if self.responses == "unreadable":
            return f"{RESPONSES_FILE} unreadable; {self.typed} typed answer(s)"
        if self.responses == "refused":
            return f"{RESPONSES_FILE} refused ({self.responses_why}); {self.typed} typed answer(s)"
        return ""


def _typed_count(notebook: Path) -> tuple[bool, int, str]:
    from powerdynamics.grading.data import DataError, literal_assignment, read_text_bounded
    from powerdynamics.grading.safety import MAX_FILE_BYTES, file_problem

    if not notebook.exists() and not notebook.is_symlink():
        return False, 0, "not submitted"
    why = file_problem(notebook)
    if why:  # never follow a link or open a FIFO (reading one would wait for ever)
        return False, 0, f"refused: {why}"
    try:
        nb = json.loads(read_text_bounded(notebook, max_bytes=MAX_FILE_BYTES, follow_symlinks=False))
    except FileNotFoundError:
        return False, 0, "not submitted"
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        return False, 0, f"not a readable notebook ({type(exc).__name__})"
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        return False, 0, "not a notebook (no cells)"
    for cell in nb["cells"]:
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else str(source)
        try:
            value = literal_assignment(source, "typed_answers")
        except DataError:  # not a plain literal: no typed answers to count
            continue
        if isinstance(value, dict):
            return True, sum(1 for v in value.values() if answer_given(v)), ""
    return True, 0, ""


def answer_given(value: Any) -> bool:
    """An answer of any kind that is not empty (a label, a case's marking, a path)."""
    return bool(value.strip()) if isinstance(value, str) else bool(value)


def check_submission(folder: Path, assignment: str, items: dict[str, Any] | None = None) -> SubmissionCheck:
    """What one submission holds; with the assignment's ``items`` file (pooled
    assignments), also whether its saved draw is the submitting student's."""
    from powerdynamics.grading.data import MAX_RESPONSES_BYTES, loads_bounded, read_text_bounded
    from powerdynamics.grading.safety import file_problem, student_id_problem, submission_problems

    student = folder.parent.name
    bad_id = student_id_problem(student)
    refused = (([bad_id] if bad_id else []) + submission_problems(folder)
               if os.path.lexists(folder) else [])  # no folder: "not submitted" below
    notebook_ok, typed, problem = _typed_count(folder / f"{assignment}.ipynb")
    path = folder / RESPONSES_FILE
    saved = 0
    data: Any = None
    why = None if not path.exists() and not path.is_symlink() else \
        file_problem(path, max_file=MAX_RESPONSES_BYTES)
    if not path.exists() and not path.is_symlink():
        responses = "missing"
    elif why:  # a link, FIFO, device or oversized file: refused, never opened
        responses = "refused"
    else:
        responses = "unreadable"
        try:
            if path.is_file() and not path.is_symlink():
                data = loads_bounded(read_text_bounded(path, follow_symlinks=False))
                answers = data.get("answers") if isinstance(data, dict) else None
                if isinstance(answers, dict):
                    responses = "present"
                    saved = sum(1 for v in answers.values() if answer_given(v))
        except (OSError, UnicodeDecodeError, ValueError):
            data = None
    check = SubmissionCheck(student, notebook_ok, responses, saved, typed, problem,
                            refused="; ".join(refused), responses_why=why or "")
    if items is not None:
        check.draw = _draw_flag(folder.parent.name, data, items)
    return check


def _draw_flag(student: str, data: Any, items: dict[str, Any]) -> str:
    from powerdynamics.grading.draws import draw_for
    from powerdynamics.grading.pool_grading import draw_mismatch

    try:
        expected = draw_for(items["assignment"], student, items["forms"])
    except ValueError as exc:
        return str(exc)
    saved = data.get("draw") if isinstance(data, dict) else None
    answers = data.get("answers") if isinstance(data, dict) else None
    pool_ids = {str(i["id"]) for i in items.get("items", []) if isinstance(i, dict) and i.get("id")}
    return draw_mismatch(saved if isinstance(saved, dict) else None, expected, student,
                         answers if isinstance(answers, dict) else {}, pool_ids) or ""


def _items_of(course: Path, assignment: str) -> dict[str, Any] | None:
    from powerdynamics.grading.pools import PoolError, items_path, read_items_file

    path = items_path(course, assignment)
    if not path.is_file():
        return None
    try:
        return read_items_file(path)
    except PoolError:
        return None


def check_assignment(course: str | Path, assignment: str,
                     students: Sequence[str] | None = None) -> list[SubmissionCheck]:
    submitted = Path(course) / "submitted"
    if students is None:
        students = sorted(p.name for p in submitted.iterdir() if (p / assignment).is_dir()) \
            if submitted.is_dir() else []
    items = _items_of(Path(course), assignment)
    return [check_submission(submitted / s / assignment, assignment, items) for s in students]


def format_checks(checks: Sequence[SubmissionCheck]) -> str:
    lines = [f"{'student':<32} {'notebook':<9} {'responses':<11} {'saved':>5} {'typed':>5}  note"]
    for c in checks:
        lines.append(f"{c.student:<32} {'yes' if c.notebook else 'NO':<9} {c.responses:<11} "
                     f"{c.saved:>5} {c.typed:>5}  {c.summary()}")
    none = [c.student for c in checks if not c.answered]
    lines.append(f"{len(checks)} submission(s); {len(none)} with no answer at all"
                 + (f": {', '.join(none)}" if none else ""))
    refused = [c.student for c in checks if c.refused]
    if refused:
        lines.append(f"Refused: {', '.join(refused)} (links, FIFOs, devices, oversized files or an "
                     "unsafe student id: autograde refuses these before copying anything; ask for a "
                     "plain copy of the files)")
    swapped = [c.student for c in checks if c.draw]
    if swapped:
        lines.append(f"Draw mismatch: {', '.join(swapped)} (the saved draw is not the student's own: "
                     "autograde flags every question DrawMismatch with 0 points; check with "
                     "powerdynamics grade draw <assignment> --student ID before grading)")
    if none:
        lines.append(f"These score 0 at autograde. Ask each for the {RESPONSES_FILE} saved next to "
                     "their notebook (see the instructor guide, 'A late or forgotten responses.json').")
    return "\n".join(lines)


def _cmd_check(args: argparse.Namespace) -> int:
    course = Path(args.course)
    submitted = course / "submitted"
    checks = check_assignment(course, args.assignment, args.student or None)
    if not checks:
        print(f"{submitted}: no submissions of {args.assignment!r}", file=sys.stderr)
        return 2
    print(format_checks(checks))
    return 1 if any(not c.answered or c.draw or c.refused for c in checks) else 0


def register(grade_sub: Any) -> None:
    """Add ``grade check`` under ``powerdynamics grade``."""
    cmd = grade_sub.add_parser(
        "check", help="list per trainee: notebook, responses file, answers saved, answers typed; "
                      "exit 1 if any trainee has no answer at all")
    cmd.add_argument("assignment")
    cmd.add_argument("--course", default=".", help="course directory (default: .)")
    cmd.add_argument("--student", action="append", help="only this student (repeatable)")
    cmd.set_defaults(func=_cmd_check)
