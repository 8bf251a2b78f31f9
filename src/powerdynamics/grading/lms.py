"""The LMS route: late flags at ``zip_collect``, a late penalty, and feedback zipped for upload.

nbgrader's ``zip_collect`` reads each downloaded file's name with
``FileNameCollectorPlugin.named_regexp``.  Canvas names a file
``<login>_[LATE_]<user id>_<submission id>_<original name>``: it marks a late
submission with ``LATE_`` but gives no time, and nbgrader drops the flag, so
``late_submission_penalty`` stays 0.  :class:`LmsFileNameCollector` keeps it: a
file whose name matches the pattern's ``late`` group gets the timestamp *due date +
``late_by`` seconds* (the due date is the assignment's, in the gradebook: ``nbgrader db
assignment add <assignment> --duedate "..."``), so nbgrader's ``AssignLatePenalties``
sees it late.  A pattern with a ``timestamp`` group (LMSs that put the time in the
name) keeps the real time.  :class:`LatePenalty` turns lateness into points.

:func:`feedback_zip` goes the other way: every trainee's
``feedback/<student>/<assignment>/<assignment>.html`` into one zip, each entry named
with the LMS prefix of that trainee's downloaded files (read again from
``downloaded/<assignment>/extracted/`` with the same pattern), e.g.
``doejane_LATE_123456_7890123_a1-bases-of-power.html``, the form Canvas's
"Re-upload submissions" matches to a trainee.

    powerdynamics grade feedback-zip a1-bases-of-power --course .

Only the standard library is imported at module level; nbgrader's plugin classes are
imported by the functions that build the nbgrader classes (see ``__getattr__``).
"""

from __future__ import annotations

import argparse
import math
import re
import sys
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

__all__ = ["FeedbackZip", "feedback_zip", "lms_prefixes"]  # and LatePenalty, LmsFileNameCollector

#: The course's pattern (Canvas): login, optional LATE_, user id, submission id, original name.
CANVAS_PATTERN = (
    r".*/(?P<student_id>[^/_]+)_(?P<late>LATE_)?[0-9]+_[0-9]+_(?P<file_id>[^/]+)$"
)


def _duedate(db_url: str, course_id: str, assignment: str) -> datetime | None:
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(db_url, course_id) as gb:
        try:
            found = gb.find_assignment(assignment)
        except MissingEntry:
            return None
        due = found.duedate
    if due is not None and due.tzinfo is None:
        due = due.replace(tzinfo=UTC)  # nbgrader stores due dates in UTC, naive
    return due


def _build_collector() -> type:
    from nbgrader.plugins import FileNameCollectorPlugin
    from traitlets import Float

    class LmsFileNameCollector(FileNameCollectorPlugin):
        """``FileNameCollectorPlugin`` that keeps the LMS's late flag as a timestamp."""

        late_by = Float(
            1.0,
            help="Seconds after the due date recorded for a file flagged late (the pattern's "
                 "'late' group) when its name carries no time; 1 s counts as late by any rule.",
        ).tag(config=True)

        _due: Any = None

        def _due_date(self) -> datetime | None:
            if self._due is None:
                coursedir = getattr(self.parent, "coursedir", None)
                due = None
                if coursedir is not None:
                    due = _duedate(coursedir.db_url, coursedir.course_id, coursedir.assignment_id)
                self._due = due or False
            return self._due or None

        def collect(self, submitted_file: str) -> dict | None:
            info = super().collect(submitted_file)
            if info is None:
                return None
            late = bool(info.pop("late", None))
            if late and not info.get("timestamp"):
                due = self._due_date()
                if due is None:
                    self.log.warning(
                        "%s is flagged late, but the assignment has no due date in the gradebook, "
                        "so no late penalty can apply: set one with nbgrader db assignment add "
                        "<assignment> --duedate '<date time zone>' and collect again.",
                        Path(submitted_file).name)
                else:
                    info["timestamp"] = (due + timedelta(seconds=self.late_by)).isoformat(" ")
                    self.log.info("%s is flagged late: timestamp %s (due %s)",
                                  Path(submitted_file).name, info["timestamp"], due)
            return info

    return LmsFileNameCollector


def _build_penalty() -> type:
    from nbgrader.plugins import LateSubmissionPlugin
    from traitlets import Float

    class LatePenalty(LateSubmissionPlugin):
        """A share of the score off per started day late (``share_per_day``), capped at the
        score.  ``share_per_day = 0`` is no penalty; nbgrader's ``penalty_method = 'zero'``
        still works."""

        share_per_day = Float(
            0.0, help="Share of the notebook's score taken off per started day late (0.1 = 10 %)."
        ).tag(config=True)

        def late_submission_penalty(self, student_id: str, score: float,
                                    total_seconds_late: float) -> float | None:
            if self.penalty_method == "zero":
                return score
            if total_seconds_late <= 0 or self.share_per_day <= 0:
                return None
            days = math.ceil(total_seconds_late / 86400)
            penalty = min(score, round(score * self.share_per_day * days, 6))
            self.log.info("%s: %d started day(s) late, penalty %g of %g", student_id, days,
                          penalty, score)
            return penalty

    return LatePenalty


_BUILT: dict[str, type] = {}


def __getattr__(name: str) -> Any:
    builders = {"LmsFileNameCollector": _build_collector, "LatePenalty": _build_penalty}
    if name in builders:
        if name not in _BUILT:
            _BUILT[name] = builders[name]()
            _BUILT[name].__module__ = __name__
        return _BUILT[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# -- feedback for bulk upload -----------------------------------------------------------------
def _course_config(course: Path) -> dict[str, Any]:
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader("nbgrader_config.py", path=str(course)).load_config()
    return config


def lms_prefixes(course: Path, assignment: str, pattern: str | None = None) -> dict[str, str]:
    """Student id -> the LMS prefix of their downloaded files (``<login>_[LATE_]<id>_<id>_``),
    read from ``downloaded/<assignment>/extracted`` with the collector's pattern."""
    if pattern is None:
        config = _course_config(course)
        pattern = str(config.get("FileNameCollectorPlugin", {}).get("named_regexp") or CANVAS_PATTERN)
    regexp = re.compile(pattern)
    extracted = course / "downloaded" / assignment / "extracted"
    prefixes: dict[str, str] = {}
    if not extracted.is_dir():
        return prefixes
    for path in sorted(extracted.rglob("*")):
        if not path.is_file() or path.is_symlink():
            continue
        match = regexp.match(str(path))
        if not match or "file_id" not in match.groupdict() or not match.group("student_id"):
            continue
        name = str(path)[match.start("file_id"):]
        full = path.name
        prefix = full[: len(full) - len(name)] if full.endswith(name) else ""
        student = match.group("student_id")
        if prefix and (student not in prefixes or "LATE_" in prefix):
            prefixes[student] = prefix
    return prefixes


@dataclass
class FeedbackZip:
    path: Path
    entries: dict[str, str] = field(default_factory=dict)  # student -> entry name
    unmatched: list[str] = field(default_factory=list)  # feedback without an LMS name
    no_feedback: list[str] = field(default_factory=list)  # LMS name but no feedback file


def feedback_zip(course: str | Path, assignment: str, out: str | Path | None = None,
                 pattern: str | None = None) -> FeedbackZip:
    """Zip every trainee's feedback HTML under that trainee's LMS name."""
    course = Path(course).resolve()
    out = Path(out) if out else course / "downloaded" / assignment / "feedback-upload.zip"
    prefixes = lms_prefixes(course, assignment, pattern)
    result = FeedbackZip(out.resolve())
    root = course / "feedback"
    pages: dict[str, Path] = {}
    if root.is_dir():
        for student_dir in sorted(root.iterdir()):
            page = student_dir / assignment / f"{assignment}.html"
            if page.is_file() and not page.is_symlink():
                pages[student_dir.name] = page
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for student, page in pages.items():
            prefix = prefixes.get(student)
            if prefix is None:
                result.unmatched.append(student)
                continue
            name = f"{prefix}{assignment}.html"
            zf.write(page, name)
            result.entries[student] = name
    result.no_feedback = sorted(s for s in prefixes if s not in pages)
    return result


def _cmd_feedback_zip(args: argparse.Namespace) -> int:
    course = Path(args.course)
    if not (course / "nbgrader_config.py").exists():
        print(f"{course}: no nbgrader_config.py here; pass the course directory with --course",
              file=sys.stderr)
        return 2
    result = feedback_zip(course, args.assignment, args.out)
    for student, name in result.entries.items():
        print(f"{student:<24} {name}")
    print(f"wrote {result.path}: {len(result.entries)} feedback file(s) named for the LMS upload")
    if result.unmatched:
        print(f"not in the zip (no LMS file name in downloaded/{args.assignment}/extracted; "
              f"return these by hand): {', '.join(result.unmatched)}", file=sys.stderr)
    if result.no_feedback:
        print(f"collected from the LMS but no feedback yet (run nbgrader generate_feedback "
              f"{args.assignment}): {', '.join(result.no_feedback)}", file=sys.stderr)
    return 0 if result.entries else 1


def register(grade_sub: Any) -> None:
    """Add ``grade feedback-zip`` under ``powerdynamics grade``."""
    cmd = grade_sub.add_parser(
        "feedback-zip", help="zip every trainee's feedback HTML, named for the LMS's bulk upload")
    cmd.add_argument("assignment")
    cmd.add_argument("--course", default=".", help="course directory (default: .)")
    cmd.add_argument("--out", metavar="PATH",
                     help="zip to write (default: downloaded/<assignment>/feedback-upload.zip in "
                          "the course directory, beside the LMS download; git ignores it)")
    cmd.set_defaults(func=_cmd_feedback_zip)
