"""The course's gates in nbgrader: what a submission must be before nbgrader copies it.

nbgrader copies every extra file of a submission with ``shutil.copy``, which follows
symbolic links (a link to ``source/…ipynb`` or ``/etc/passwd`` becomes a copy of it in
``autograded/`` and then in ``feedback/``), blocks on nothing but reads ``/dev/zero``
for ever, and takes any folder name as a student id (formgrader's templates print ids
unescaped).  nbgrader's ``pre_convert_hook`` cannot refuse (its errors are logged and
ignored), so :func:`install`, called from ``nbgrader_config.py``, puts a check in front
of ``Autograde.init_assignment`` and ``GenerateFeedback.init_assignment``: a refused
submission fails for that student only, with the reason in the log, before anything is
copied or any gradebook row is written.  Feedback gets only the notebooks' HTML and the
trainee's own regular files (never a file that came from ``source/``).

Collecting gets the same rules: :class:`SafeCollect` (``nbgrader collect``, the
exchange) skips a submission with links, FIFOs, devices, oversized files, an unsafe
student id or, with ``refuse_foreign_owner``, a folder not owned by the student it
names; on the LMS route (``nbgrader zip_collect``) :class:`SafeExtractorPlugin` copies
no link, FIFO or device out of ``archive/`` and :class:`SafeFileNameCollector` skips
every file of a student with such a file or an unsafe id.  Each refusal is one log line
naming the student and the file.
:class:`SafeCsvExportPlugin` is ``nbgrader export`` with spreadsheet-safe cells.
"""

from __future__ import annotations

import csv
import functools
import os
import shutil
from pathlib import Path
from typing import Any

from nbgrader.exchange.default.collect import ExchangeCollect
from nbgrader.plugins import CsvExportPlugin, ExtractorPlugin, FileNameCollectorPlugin
from traitlets import Bool

from powerdynamics.grading.safety import (
    MAX_FILE_BYTES,
    file_problem,
    safe_row,
    student_id_problem,
    submission_problems,
)


def _template_dirs() -> list[str]:
    import nbgrader

    ours = Path(__file__).resolve().parent / "templates"
    theirs = Path(nbgrader.__file__).resolve().parent / "server_extensions" / "formgrader" / "templates"
    return [str(ours), str(theirs)]


#: ``HTMLExporter.extra_template_basedirs`` for the course's feedback template: nbgrader's
#: ``feedback`` without MathJax from a CDN, under the same name so that it shadows
#: nbgrader's (ours is searched first) without setting ``template_name``, which would
#: also replace formgrader's ``formgrade`` template.
FEEDBACK_TEMPLATES = _template_dirs()


class SubmissionRefused(RuntimeError):
    """A submission the course does not grade (see the message)."""


def refusal(student: str, folder: str | os.PathLike[str]) -> list[str]:
    problems = []
    why = student_id_problem(student)
    if why:
        problems.append(why)
    problems += submission_problems(folder)
    return problems


def _guard_autograde(original):
    @functools.wraps(original)
    def init_assignment(self, assignment_id: str, student_id: str) -> None:
        folder = self.coursedir.format_path(self.coursedir.submitted_directory, student_id,
                                            assignment_id)
        problems = refusal(student_id, folder)
        if problems:
            message = (f"[powerdynamics] refused submission of {assignment_id!r} by "
                       f"{student_id[:80]!r}: " + "; ".join(problems))
            self.log.error(message)
            raise SubmissionRefused(message)
        return original(self, assignment_id, student_id)

    init_assignment._powerdynamics_guard = True  # type: ignore[attr-defined]
    return init_assignment


def _feedback_init_assignment(self, assignment_id: str, student_id: str) -> None:
    """Copy to feedback only the trainee's own regular files (besides the HTML)."""
    why = student_id_problem(student_id)
    graded = Path(self._format_source(assignment_id, student_id))
    problems = ([why] if why else []) + submission_problems(graded)
    if problems:
        message = (f"[powerdynamics] no feedback for {student_id[:80]!r}: " + "; ".join(problems))
        self.log.error(message)
        raise SubmissionRefused(message)
    submitted = Path(self.coursedir.format_path(self.coursedir.submitted_directory, student_id,
                                                assignment_id))
    dest = Path(self._format_dest(assignment_id, student_id))
    for path in sorted(graded.rglob("*")):
        rel = path.relative_to(graded)
        if path.suffix == ".ipynb" or path.is_symlink() or not path.is_file():
            continue
        if any(Path(rel.as_posix()).match(p) for p in self.coursedir.ignore):
            continue
        own = submitted / rel
        if own.is_symlink() or not own.is_file():
            self.log.info("[powerdynamics] not in feedback (not the trainee's file): %s", rel)
            continue
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, dest / rel, follow_symlinks=False)


def install() -> None:
    """Put the course's checks in front of nbgrader's copying (idempotent)."""
    from nbgrader.converters.autograde import Autograde
    from nbgrader.converters.generate_feedback import GenerateFeedback

    if not getattr(Autograde.init_assignment, "_powerdynamics_guard", False):
        Autograde.init_assignment = _guard_autograde(Autograde.init_assignment)
    if GenerateFeedback.init_assignment is not _feedback_init_assignment:
        GenerateFeedback.init_assignment = _feedback_init_assignment


class SafeCollect(ExchangeCollect):
    """``nbgrader collect`` that refuses what autograde would refuse, and (optionally)
    submissions whose folder is not owned by the user they claim to come from.

    A refused submission is dropped before nbgrader's copy loop, so nothing of it
    reaches ``submitted/``: no folder for its student id, and an earlier submission
    already collected there is kept (``--update`` would delete it first)."""

    refuse_foreign_owner = Bool(
        False, help="Skip (not just warn about) a submission whose folder in the inbound "
        "directory is not owned by the system user of its student id (hub deployments).",
    ).tag(config=True)

    def problems_of(self, student: str, src: str) -> list[str]:
        problems = refusal(student, src)
        if self.refuse_foreign_owner:
            import pwd

            try:
                owner = pwd.getpwuid(os.lstat(src).st_uid).pw_name
            except (KeyError, OSError):
                owner = "an unknown user"
            if owner != student:
                problems.append(f"the folder is owned by {owner}, not {student}")
        return problems

    def _refuse(self, student: str, src: str, problems: list[str]) -> None:
        self.log.error("[powerdynamics] not collected: submission of %r by %r (%s): %s",
                       self.coursedir.assignment_id, student[:80], Path(src).name[:120],
                       "; ".join(problems))

    def copy_files(self) -> None:
        kept = []
        records: list[dict[str, Any]] = self.src_records  # type: ignore[has-type]
        for rec in records:
            src = os.path.join(self.inbound_path, rec["filename"])
            problems = self.problems_of(rec["username"], src)
            if problems:
                self._refuse(rec["username"], src, problems)
            else:
                kept.append(rec)
        self.src_records = kept
        super().copy_files()

    def do_copy(self, src: str, dest: str, log: Any = None) -> None:
        student = Path(dest).parent.name
        problems = self.problems_of(student, src)  # again: the folder may have changed
        if problems:
            self._refuse(student, src, problems)
            return
        super().do_copy(src, dest, log)


class SafeExtractorPlugin(ExtractorPlugin):
    """``zip_collect``'s first step (``archive/`` to ``extracted/``) without following
    links: nbgrader's copy follows a symbolic link (a link to ``source/`` becomes a copy
    of it) and stops with a traceback on a FIFO.  Links, FIFOs, devices and plain files
    over the size limit in ``archive/`` are left there, each named in the log; archives
    are unpacked as nbgrader does (its unpacker writes only regular files and folders)."""

    def extract(self, archive_path: str, extracted_path: str) -> None:
        from nbgrader.utils import unzip

        if not os.listdir(archive_path):
            self.log.warning("No files found in directory: %s", archive_path)
            return
        for root, dirs, files in os.walk(archive_path):
            rel_root = os.path.relpath(root, archive_path)
            for name in [d for d in dirs if os.path.islink(os.path.join(root, d))]:
                self.log.error("[powerdynamics] not extracted: %s is a symbolic link (only "
                               "regular files are accepted)", os.path.join(rel_root, name))
            if not files:
                continue
            extract_to = os.path.normpath(os.path.join(extracted_path, rel_root))
            os.makedirs(extract_to, exist_ok=True)
            for name in files:
                path = os.path.join(root, name)
                stem, ext = os.path.splitext(name)
                archive = ext in self.zip_ext
                why = file_problem(path, os.path.normpath(os.path.join(rel_root, name)),
                                   max_file=10**15 if archive else MAX_FILE_BYTES)
                if why:
                    self.log.error("[powerdynamics] not extracted: %s", why)
                    continue
                if archive:
                    self.log.info("Extracting from: %s", path)
                    unzip(path, extract_to, zip_ext=self.zip_ext, create_own_folder=True, tree=True)
                else:
                    self.log.info("Copying from: %s", path)
                    shutil.copyfile(path, os.path.join(extract_to, name), follow_symlinks=False)


class SafeFileNameCollector(FileNameCollectorPlugin):
    """``zip_collect``: refuse a student whose files are not all regular and within the
    size limit, or whose id is unsafe.  Every file of a refused student is skipped (not
    only the bad one), so nothing of that submission reaches ``submitted/``."""

    _refused: dict[str, list[str]] | None = None

    def _roots(self, submitted_file: str) -> list[str]:
        """``extracted/``, and ``archive/`` (where :class:`SafeExtractorPlugin` left the
        files it refused to copy)."""
        app = self.parent
        try:
            return [app._format_collect_path(app.extracted_directory),  # type: ignore[union-attr]
                    app._format_collect_path(app.archive_directory)]  # type: ignore[union-attr]
        except AttributeError:  # not run by ZipCollectApp
            return [str(Path(submitted_file).parent)]

    def _refused_students(self, submitted_file: str) -> dict[str, list[str]]:
        """student id -> what is wrong with their files, for every file that matches the
        naming pattern anywhere under ``extracted/`` or ``archive/`` (looked at once,
        with lstat only)."""
        if self._refused is None:
            import re

            refused: dict[str, list[str]] = {}
            for root in self._roots(submitted_file):
                for here, dirs, files in os.walk(root):
                    for name in files + [d for d in dirs if os.path.islink(os.path.join(here, d))]:
                        path = os.path.join(here, name)
                        match = re.match(self.named_regexp, path) if self.named_regexp else None
                        student = (match.groupdict().get("student_id") if match else None) or ""
                        why = file_problem(path, name)
                        if student and why and why not in refused.get(student, []):
                            refused.setdefault(student, []).append(why)
            self._refused = refused
        return self._refused

    def collect(self, submitted_file: str) -> dict | None:
        name = Path(submitted_file).name[:120]
        why = file_problem(submitted_file)
        info = super().collect(submitted_file)
        if info is None:
            return None
        student = str(info.get("student_id", ""))
        problems = [why] if why else []
        bad_id = student_id_problem(student)
        if bad_id:
            problems.append(bad_id)
        others = [p for p in self._refused_students(submitted_file).get(student, []) if p != why]
        if others:
            problems.append("another file of this submission is refused: " + "; ".join(others))
        if problems:
            self.log.error("[powerdynamics] not collected: %s of %r: %s", name, student[:80],
                           "; ".join(problems))
            return None
        return info


class SafeCsvExportPlugin(CsvExportPlugin):
    """``nbgrader export`` as a real CSV (quoted) whose cells are spreadsheet-safe."""

    def export(self, gradebook: Any) -> None:
        from nbgrader.api import MissingEntry

        dest = self.to or "grades.csv"
        keys = ["assignment", "duedate", "timestamp", "student_id", "last_name", "first_name",
                "email", "raw_score", "late_submission_penalty", "score", "max_score"]
        wanted_a = {str(a) for a in self.assignment}
        wanted_s = {str(s) for s in self.student}
        self.log.info("Exporting grades to %s (spreadsheet-safe cells)", dest)
        with open(dest, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(keys)
            for assignment in gradebook.assignments:
                if wanted_a and assignment.name not in wanted_a:
                    continue
                for student in gradebook.students:
                    if wanted_s and student.id not in wanted_s:
                        continue
                    row = {"assignment": assignment.name, "duedate": assignment.duedate,
                           "student_id": student.id, "last_name": student.last_name,
                           "first_name": student.first_name, "email": student.email,
                           "max_score": assignment.max_score}
                    try:
                        submission = gradebook.find_submission(assignment.name, student.id)
                    except MissingEntry:
                        row.update(timestamp="", raw_score=0.0, late_submission_penalty=0.0,
                                   score=0.0)
                    else:
                        penalty = submission.late_submission_penalty
                        row.update(timestamp=submission.timestamp, raw_score=submission.score,
                                   late_submission_penalty=penalty,
                                   score=max(0.0, submission.score - penalty))
                    writer.writerow(safe_row("" if row[k] is None else row[k] for k in keys))
