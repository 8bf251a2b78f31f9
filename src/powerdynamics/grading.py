"""Instructor-side pieces of the nbgrader course that must ship in the package.

None of this knows an answer key: keys live only in the hidden tests of the
instructor's private ``exercises/source``.

* :class:`StripHiddenTests` - a feedback preprocessor.  nbgrader 0.9.6 restores hidden
  tests into the autograded notebooks, and its ``ClearHiddenTests`` removes them from
  cell sources but not from the *outputs*: a failing hidden ``assert`` still shows its
  source line in the traceback of the feedback HTML.  This preprocessor removes
  hidden-test regions and mark schemes from sources and replaces every error output
  of a hidden-test cell (traceback, message) with a neutral sentence.
* :class:`LimitOutputSize` - an autograde preprocessor.  nbgrader's ``LimitOutput``
  counts *lines*, so one ``print`` of 10 MB without a newline passes through; this caps
  the characters kept per cell.
* :func:`remove_from_release` - a ``GenerateAssignment.post_convert_hook`` that deletes
  files which must never be released (an instructor's own ``responses.json`` written
  while trying the quiz in ``source/`` would otherwise ship, answers and all).
* :func:`autograde_each` and ``powerdynamics grade autograde`` - autograde one
  submission per process with a wall-clock limit, so a submission that hangs the
  kernel cannot hold up the others; every student gets a reported outcome.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from nbconvert.preprocessors import Preprocessor
from traitlets import Bool, Integer, List, Unicode

HIDDEN_NOTICE = "(Hidden tests are not shown in feedback.)"
FAILED_NOTICE = (
    "This item's hidden test did not pass, so this cell earned no points. "
    "The test itself is not shown."
)


def _strip_regions(source: str, begin: str, end: str, replacement: str | None) -> tuple[str, list[str]]:
    """Remove every begin..end region (delimiter lines included); an unterminated region
    runs to the end of the cell.  Returns the new source and the removed lines."""
    kept: list[str] = []
    removed: list[str] = []
    inside = False
    for line in source.split("\n"):
        if not inside and begin in line:
            inside = True
            removed.append(line)
            if replacement is not None:
                indent = re.match(r"\s*", line).group(0)
                kept.append(indent + replacement)
            continue
        if inside:
            removed.append(line)
            if end in line:
                inside = False
            continue
        kept.append(line)
    return "\n".join(kept), removed


class StripHiddenTests(Preprocessor):
    """Remove hidden tests, their tracebacks and mark schemes from notebooks before feedback."""

    enabled = Bool(True).tag(config=True)  # nbconvert preprocessors are off by default

    begin_hidden = Unicode("BEGIN HIDDEN TESTS").tag(config=True)
    end_hidden = Unicode("END HIDDEN TESTS").tag(config=True)
    begin_mark_scheme = Unicode("BEGIN MARK SCHEME").tag(config=True)
    end_mark_scheme = Unicode("END MARK SCHEME").tag(config=True)
    code_notice = Unicode("# " + HIDDEN_NOTICE).tag(config=True)
    failed_notice = Unicode(FAILED_NOTICE).tag(config=True)

    def preprocess_cell(self, cell: Any, resources: dict, index: int) -> tuple[Any, dict]:
        source = cell.get("source", "")
        if isinstance(source, list):
            source = "".join(source)
        notice = self.code_notice if cell.get("cell_type") == "code" else None
        source, hidden = _strip_regions(source, self.begin_hidden, self.end_hidden, notice)
        source, _ = _strip_regions(source, self.begin_mark_scheme, self.end_mark_scheme, None)
        cell["source"] = source
        if hidden and cell.get("cell_type") == "code":
            cell["outputs"] = self._clean_outputs(cell.get("outputs", []), hidden)
        return cell, resources

    def _clean_outputs(self, outputs: Sequence[Any], hidden: Sequence[str]) -> list[Any]:
        from nbformat.v4 import new_output

        secrets = [line.strip() for line in hidden if len(line.strip()) >= 6]
        literals = [m.group(2) for line in hidden for m in re.finditer(r"([\"'])(.{3,}?)\1", line)]
        cleaned: list[Any] = []
        failed = False
        reasons: list[str] = []
        for output in outputs:
            if output.get("output_type") == "error":
                failed = True
                # A visible check's message (e.g. "Question 3 has no answer yet") may stay;
                # anything written inside the hidden region may not.
                evalue = str(output.get("evalue", "")).strip()
                if evalue and "\n" not in evalue and not any(evalue in line for line in hidden) \
                        and not any(lit in evalue for lit in literals):
                    reasons.append(f"{output.get('ename', 'Error')}: {evalue}")
                continue
            if output.get("output_type") == "stream":
                output["text"] = self._scrub(output.get("text", ""), secrets, literals)
            else:
                data = output.get("data", {})
                for mime, value in list(data.items()):
                    if isinstance(value, str) and any(s in value for s in [*secrets, *literals]):
                        del data[mime]
                if not data:
                    continue
            cleaned.append(output)
        if failed:
            text = self.failed_notice + "".join(f"\n{r}" for r in reasons) + "\n"
            cleaned.append(new_output("stream", name="stderr", text=text))
        return cleaned

    @staticmethod
    def _scrub(text: Any, secrets: Sequence[str], literals: Sequence[str]) -> str:
        """Hide output lines that quote a hidden line (or part of one) or one of its strings."""
        if isinstance(text, list):
            text = "".join(text)

        def secret(line: str) -> bool:
            bare = line.strip()
            return (any(s in line for s in secrets) or any(lit in line for lit in literals)
                    or (len(bare) >= 6 and any(bare in s for s in secrets)))

        return "\n".join("[hidden]" if secret(line) else line for line in text.split("\n"))


class LimitOutputSize(Preprocessor):
    """Cap the characters of output kept per code cell (streams, rich data, tracebacks)."""

    enabled = Bool(True).tag(config=True)

    max_chars = Integer(
        100_000, help="Characters of output kept per cell; -1 means no limit."
    ).tag(config=True)
    keep_mimes = List(
        ["text/plain", "text/html", "text/markdown", "text/latex"],
        help="Text formats that are truncated; other (binary) formats over the limit are dropped.",
    ).tag(config=True)

    def _note(self, dropped: int) -> str:
        return (f"\n... output truncated: {dropped} characters not shown "
                f"(limit {self.max_chars} per cell) ...\n")

    def preprocess_cell(self, cell: Any, resources: dict, index: int) -> tuple[Any, dict]:
        if self.max_chars < 0 or cell.get("cell_type") != "code":
            return cell, resources
        budget = self.max_chars
        for output in cell.get("outputs", []):
            kind = output.get("output_type")
            if kind == "stream":
                text = output.get("text", "")
                text = "".join(text) if isinstance(text, list) else text
                if len(text) > budget:
                    output["text"] = text[:budget] + self._note(len(text) - budget)
                    budget = 0
                else:
                    budget -= len(text)
            elif kind == "error":
                tb = output.get("traceback", [])
                size = sum(len(line) for line in tb)
                if size > max(budget, 2_000):
                    keep = max(budget, 2_000)
                    text = "\n".join(tb)
                    output["traceback"] = [text[:keep] + self._note(len(text) - keep)]
                budget = max(budget - size, 0)
            elif kind in ("display_data", "execute_result"):
                data = output.get("data", {})
                for mime in list(data):
                    value = data[mime]
                    size = len(value) if isinstance(value, str) else len(json.dumps(value))
                    if size <= budget:
                        budget -= size
                        continue
                    if mime in self.keep_mimes and isinstance(value, str):
                        data[mime] = value[:budget] + self._note(size - budget)
                        budget = 0
                    else:
                        del data[mime]
                        data.setdefault("text/plain", self._note(size).strip())
        return cell, resources


def remove_from_release(names: Iterable[str] = ("responses.json",), release: str | os.PathLike[str] = "release"):
    """A ``GenerateAssignment.post_convert_hook`` that deletes ``names`` (globs) from the
    released assignment, e.g. an instructor's own saved quiz answers.  ``release`` is the
    release directory (absolute, or relative to the course root)."""
    patterns = tuple(names)

    def hook(assignment: str | None = None, student: str | None = None,
             notebooks: Sequence[str] = (), **_: Any) -> None:
        roots = {Path(nb).resolve().parent.parent.parent for nb in notebooks}
        for root in roots:
            base = Path(release) if Path(release).is_absolute() else root / release
            for folder in ([base / assignment] if assignment and "*" not in assignment
                           else [p for p in base.glob(assignment or "*") if p.is_dir()]):
                for pattern in patterns:
                    for path in folder.rglob(pattern):
                        path.unlink()
                        print(f"[powerdynamics] removed {path} from the release "
                              "(it must not be given to trainees)", file=sys.stderr)

    return hook


# -- batch autograde, one process per submission ---------------------------------------
@dataclass
class Outcome:
    """What happened to one submission."""

    student: str
    status: str  # "graded" or "failed"
    seconds: float
    returncode: int | None
    message: str
    score: float | None = None
    max_score: float | None = None


def _nbgrader_command() -> list[str]:
    return [sys.executable, "-m", "nbgrader"]


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
    process, killed (with its kernel) after ``limit`` seconds.  A failure is reported
    for that student only; the others are graded all the same."""
    course = Path(course).resolve()
    students = list(students) if students is not None else submitted_students(course, assignment)
    logs = Path(log_dir) if log_dir else course / "autograde-logs"
    logs.mkdir(parents=True, exist_ok=True)
    outcomes: list[Outcome] = []
    for student in students:
        cmd = [*_nbgrader_command(), "autograde", assignment, "--student", student, *extra_args]
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
        notebook_done = (course / "autograded" / student / assignment).is_dir()
        if timed_out:
            outcomes.append(Outcome(student, "failed", seconds, None,
                                    f"killed after {limit:.0f} s (the submission hangs the kernel)"))
        elif proc.returncode != 0 or not notebook_done:
            outcomes.append(Outcome(student, "failed", seconds, proc.returncode,
                                    _last_error(out or "") or "nbgrader autograde failed"))
        else:
            outcomes.append(Outcome(student, "graded", seconds, 0, "ok"))
    scores = _scores(course, assignment)
    for outcome in outcomes:
        if outcome.student in scores:
            outcome.score, outcome.max_score = scores[outcome.student]
    return outcomes


def format_outcomes(outcomes: Sequence[Outcome]) -> str:
    lines = [f"{'student':<24} {'status':<7} {'score':>11} {'seconds':>8}  message"]
    for o in outcomes:
        score = "-" if o.score is None or o.status != "graded" else f"{o.score:g}/{o.max_score:g}"
        lines.append(f"{o.student:<24} {o.status:<7} {score:>11} {o.seconds:>8.1f}  {o.message}")
    failed = [o.student for o in outcomes if o.status != "graded"]
    lines.append(f"{len(outcomes) - len(failed)} graded, {len(failed)} failed"
                 + (f": {', '.join(failed)}" if failed else ""))
    return "\n".join(lines)


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
    outcomes = autograde_each(course, args.assignment, students, limit=args.limit,
                              extra_args=["--force"] if args.force else [])
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
    auto.add_argument("--json", metavar="PATH", help="also write the outcomes as JSON")
    auto.set_defaults(func=_cmd_autograde)
