"""``powerdynamics grade check``: does every submission hold an answer, before grading?

A trainee who answered with the quiz but handed in only the notebook scores 0, and
nbgrader gives no hint why.  Trainees on the typed-answer route legitimately have no
``responses.json``, so "every folder holds both files" is no rule.  This check reads
each ``submitted/<student>/<assignment>/`` folder *without running anything* (the
typed answers are read with ``ast.literal_eval``) and lists per trainee: notebook
present, responses file present, answers saved in it, answers typed.  A trainee with
no answer at all is named; the command exits with status 1 when there is one.

    powerdynamics grade check a1-bases-of-power --course .
"""

from __future__ import annotations

import argparse
import json
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
    responses: str  # "present", "missing" or "unreadable"
    saved: int  # answers in responses.json
    typed: int  # non-empty typed answers in the notebook
    problem: str = ""

    @property
    def answered(self) -> bool:
        return self.saved > 0 or self.typed > 0

    def summary(self) -> str:
        """One phrase for the batch table: empty when the submission looks normal."""
        if not self.notebook:
            return f"notebook missing or unreadable{': ' + self.problem if self.problem else ''}"
        if not self.answered:
            return (f"NO ANSWER: no {RESPONSES_FILE} and no typed answers" if self.responses == "missing"
                    else f"NO ANSWER: {RESPONSES_FILE} {self.responses}, no typed answers")
        if self.responses == "missing":
            return f"no {RESPONSES_FILE}: {self.typed} typed answer(s) only"
        if self.responses == "unreadable":
            return f"{RESPONSES_FILE} unreadable; {self.typed} typed answer(s)"
        return ""


def _typed_count(notebook: Path) -> tuple[bool, int, str]:
    from powerdynamics.grading.data import DataError, literal_assignment

    try:
        nb = json.loads(notebook.read_text(encoding="utf-8"))
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
            return True, sum(1 for v in value.values() if isinstance(v, str) and v.strip()), ""
    return True, 0, ""


def check_submission(folder: Path, assignment: str) -> SubmissionCheck:
    notebook_ok, typed, problem = _typed_count(folder / f"{assignment}.ipynb")
    path = folder / RESPONSES_FILE
    saved = 0
    if not path.exists() and not path.is_symlink():
        responses = "missing"
    else:
        responses = "unreadable"
        try:
            if path.is_file() and not path.is_symlink():
                data = json.loads(path.read_text(encoding="utf-8"))
                answers = data.get("answers") if isinstance(data, dict) else None
                if isinstance(answers, dict):
                    responses = "present"
                    saved = sum(1 for v in answers.values() if isinstance(v, str) and v.strip())
        except (OSError, UnicodeDecodeError, ValueError):
            pass
    return SubmissionCheck(folder.parent.name, notebook_ok, responses, saved, typed, problem)


def check_assignment(course: str | Path, assignment: str,
                     students: Sequence[str] | None = None) -> list[SubmissionCheck]:
    submitted = Path(course) / "submitted"
    if students is None:
        students = sorted(p.name for p in submitted.iterdir() if (p / assignment).is_dir()) \
            if submitted.is_dir() else []
    return [check_submission(submitted / s / assignment, assignment) for s in students]


def format_checks(checks: Sequence[SubmissionCheck]) -> str:
    lines = [f"{'student':<32} {'notebook':<9} {'responses':<11} {'saved':>5} {'typed':>5}  note"]
    for c in checks:
        lines.append(f"{c.student:<32} {'yes' if c.notebook else 'NO':<9} {c.responses:<11} "
                     f"{c.saved:>5} {c.typed:>5}  {c.summary()}")
    none = [c.student for c in checks if not c.answered]
    lines.append(f"{len(checks)} submission(s); {len(none)} with no answer at all"
                 + (f": {', '.join(none)}" if none else ""))
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
    return 1 if any(not c.answered for c in checks) else 0


def register(grade_sub: Any) -> None:
    """Add ``grade check`` under ``powerdynamics grade``."""
    cmd = grade_sub.add_parser(
        "check", help="list per trainee: notebook, responses file, answers saved, answers typed; "
                      "exit 1 if any trainee has no answer at all")
    cmd.add_argument("assignment")
    cmd.add_argument("--course", default=".", help="course directory (default: .)")
    cmd.add_argument("--student", action="append", help="only this student (repeatable)")
    cmd.set_defaults(func=_cmd_check)
