"""``powerdynamics report``: the instructor's item analysis as one HTML file plus CSV files.

Why a command and not only formgrader: nbgrader shows scores per trainee; it does not
say which items fail to separate stronger from weaker trainees, or which bases a cohort
confuses.  This module reads what the course already has, and nothing else:

* the nbgrader gradebook (nbgrader's :class:`~nbgrader.api.Gradebook` over the database
  named by ``CourseDirectory.db_url`` in the course's ``nbgrader_config.py``): the score
  of every autograded grade cell (one per item);
* the saved answers of autograded submissions,
  ``autograded/<student>/<assignment>/responses.json`` (read with
  :func:`powerdynamics.assessment.read_responses`), merged with any answers typed into
  the notebook's ``typed_answers`` cell exactly as the hidden tests merged them;
* the instructor's ``source/<assignment>`` notebook for categories, options and keys
  (hidden tests).  Keys are read at run time and never stored in the package.

It writes ONE self-contained HTML page (figures embedded as base64 PNG with alt text,
inline CSS, no script, no external request) and ``items.csv``, ``categories.csv``,
``confusion.csv`` and ``students.csv`` beside it.  The report holds answer keys and
trainees' scores: it is instructor material, like the gradebook.

Expected problems (no gradebook yet, an assignment nobody has submitted, submissions
that are not graded, items removed from the source since grading, submissions without
saved answers) become messages in the report and on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import base64
import csv
import json
import os
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from .analytics import (
    FOLLOW_UP_SCORE,
    FOLLOW_UP_UNANSWERED,
    GROUP_SHARE,
    MIN_DISCRIMINATION,
    NO_ANSWER,
    OTHER,
    SMALL_COHORT,
    TOO_EASY,
    TOO_HARD,
    AssignmentAnalysis,
    Confusion,
    Item,
    SourceItem,
    Submission,
    analyse,
    literal_assignment,
    parse_source_notebook,
)
from .labels import CATEGORIES, label_for

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = [
    "AssignmentReport",
    "CourseReport",
    "Note",
    "Progress",
    "category_figure",
    "collect",
    "confusion_alt_text",
    "confusion_figure",
    "figure_data_uri",
    "items_table_html",
    "register",
    "render_html",
    "section_html",
    "write_csvs",
    "write_report",
]

CSV_FILES = ("items.csv", "categories.csv", "confusion.csv", "students.csv")
_LIST_MAX = 12  # names listed in a message before "and N more"


# =====================================================================================
# Messages and progress
# =====================================================================================
@dataclass(frozen=True)
class Note:
    """A message for the instructor: shown in the report and printed on stderr."""

    level: str  # "warning" or "info"
    text: str


def _names(names: Sequence[str]) -> str:
    shown = ", ".join(names[:_LIST_MAX])
    return shown + (f" and {len(names) - _LIST_MAX} more" if len(names) > _LIST_MAX else "")


class Progress:
    """A one-line progress bar on stderr; silent unless enabled (a TTY or ``--progress``).

    Why so plain: the report must run where only the course's own dependencies are
    installed, and a log file should not fill up with carriage returns.
    """

    def __init__(self, total: int, label: str, *, enabled: bool, stream: IO[str] | None = None,
                 width: int = 30) -> None:
        self.total = max(total, 0)
        self.label = label
        self.enabled = enabled and self.total > 0
        self.stream = stream if stream is not None else sys.stderr
        self.width = width
        self.done = 0
        self._shown = -1

    def advance(self, n: int = 1) -> None:
        self.done += n
        if not self.enabled:
            return
        percent = min(100, 100 * self.done // self.total)
        if percent != self._shown:
            self._shown = percent
            filled = self.width * percent // 100
            bar = "#" * filled + "." * (self.width - filled)
            self.stream.write(f"\r{self.label} [{bar}] {percent:3d}% ({self.done}/{self.total})")
            self.stream.flush()

    def close(self) -> None:
        if self.enabled and self._shown >= 0:
            self.stream.write("\n")
            self.stream.flush()


# =====================================================================================
# Reading the course
# =====================================================================================
@dataclass
class CourseSettings:
    """Where the course keeps things, as its nbgrader_config.py says (or nbgrader's defaults)."""

    root: Path
    db_url: str
    course_id: str = "default_course"
    source: str = "source"
    submitted: str = "submitted"
    autograded: str = "autograded"


def course_settings(course_dir: Path, notes: list[Note]) -> CourseSettings:
    """Read ``CourseDirectory`` settings from the course's ``nbgrader_config.py``."""
    settings = CourseSettings(course_dir, "sqlite:///" + str(course_dir / "gradebook.db"))
    config_file = course_dir / "nbgrader_config.py"
    if not config_file.exists():
        notes.append(Note("info", f"{config_file} not found: using nbgrader's defaults "
                                  f"(gradebook {course_dir / 'gradebook.db'})."))
        return settings
    try:
        from traitlets.config.loader import PyFileConfigLoader

        config = PyFileConfigLoader(config_file.name, path=str(course_dir)).load_config()
    except Exception as exc:  # any error in the instructor's config file: report, go on
        notes.append(Note("warning", f"{config_file} could not be loaded ({type(exc).__name__}: "
                                     f"{exc}); using nbgrader's defaults."))
        return settings
    cd = config.get("CourseDirectory", {})
    settings.db_url = str(cd.get("db_url") or settings.db_url)
    settings.course_id = str(cd.get("course_id") or settings.course_id)
    for attr, trait in (("source", "source_directory"), ("submitted", "submitted_directory"),
                        ("autograded", "autograded_directory")):
        if cd.get(trait):
            setattr(settings, attr, str(cd.get(trait)))
    return settings


def _sqlite_path(db_url: str, root: Path) -> Path | None:
    prefix = "sqlite:///"
    if not db_url.startswith(prefix):
        return None
    path = Path(db_url[len(prefix):])
    return path if path.is_absolute() else root / path


@dataclass
class GradebookAssignment:
    """What the gradebook holds for one assignment (plain values, session closed)."""

    name: str
    cells: list[tuple[str, float]] = field(default_factory=list)  # item id, max score
    manual_cells: int = 0
    scores: dict[str, dict[str, float | None]] = field(default_factory=dict)  # student -> item


def _grade_score(auto: float | None, manual: float | None, extra: float | None) -> float | None:
    """nbgrader's rule (``Grade.score``): a manual score wins over the autograder's, extra
    credit is added; ``None`` (not 0) when neither is set, so "not graded" stays visible."""
    base = manual if manual is not None else auto
    return None if base is None else base + (extra or 0.0)


def read_gradebook(db_url: str, course_id: str, wanted: str | None,
                   *, progress: bool = False) -> tuple[list[str], dict[str, GradebookAssignment]]:
    """All assignment names, and item scores of ``wanted`` (or of every assignment).

    One query per assignment streams the grades (``yield_per``), so a gradebook with
    tens of thousands of grades is read in about a second and never held as ORM objects.
    """
    from nbgrader.api import (
        Grade,
        Gradebook,
        GradeCell,
        Notebook,
        SubmittedAssignment,
        SubmittedNotebook,
    )

    out: dict[str, GradebookAssignment] = {}
    with Gradebook(db_url, course_id) as gb:
        names = sorted(a.name for a in gb.assignments)
        for assignment in gb.assignments:
            if wanted is not None and assignment.name != wanted:
                continue
            found = GradebookAssignment(assignment.name)
            cell_names: list[tuple[str, str]] = []
            for notebook in assignment.notebooks:
                for cell in notebook.grade_cells:
                    if cell.cell_type == "code":
                        cell_names.append((notebook.name, cell.name))
                    else:
                        found.manual_cells += 1
            counts: dict[str, int] = {}
            for _nb, name in cell_names:
                counts[name] = counts.get(name, 0) + 1

            def item_id(nb: str, name: str, counts: dict[str, int] = counts) -> str:
                return name if counts[name] == 1 else f"{nb}/{name}"

            max_scores = {
                item_id(nb.name, c.name): float(c.max_score)
                for nb in assignment.notebooks for c in nb.grade_cells if c.cell_type == "code"}
            found.cells = [(item_id(nb, name), max_scores[item_id(nb, name)]) for nb, name in cell_names]
            for (student,) in gb.db.query(SubmittedAssignment.student_id).filter(
                    SubmittedAssignment.assignment_id == assignment.id):
                found.scores[student] = {}
            query = (
                gb.db.query(SubmittedAssignment.student_id, Notebook.name, GradeCell.name,
                            Grade.auto_score, Grade.manual_score, Grade.extra_credit)
                .select_from(Grade)
                .join(GradeCell, Grade.cell_id == GradeCell.id)
                .join(SubmittedNotebook, Grade.notebook_id == SubmittedNotebook.id)
                .join(Notebook, SubmittedNotebook.notebook_id == Notebook.id)
                .join(SubmittedAssignment, SubmittedNotebook.assignment_id == SubmittedAssignment.id)
                .filter(SubmittedAssignment.assignment_id == assignment.id)
                .filter(GradeCell.cell_type == "code")
            )
            bar = Progress(query.count() if progress else 0,
                           f"reading gradebook: {assignment.name}", enabled=progress)
            for student, nb_name, cell, auto, manual, extra in query.yield_per(5000):
                found.scores.setdefault(student, {})[item_id(nb_name, cell)] = _grade_score(
                    auto, manual, extra)
                bar.advance()
            bar.close()
            out[assignment.name] = found
    return names, out


def read_source(folder: Path) -> tuple[list[SourceItem], list[str]]:
    """Items and keys of every notebook in ``source/<assignment>`` (instructor side only)."""
    items: list[SourceItem] = []
    problems: list[str] = []
    notebooks = sorted(p for p in folder.glob("*.ipynb") if not p.name.startswith("."))
    if not notebooks:
        return [], [f"no notebook in {folder}"]
    for path in notebooks:
        try:
            nb = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            problems.append(f"{path.name}: cannot be read ({exc})")
            continue
        found, trouble = parse_source_notebook(nb)
        items += found
        problems += [f"{path.name}: {t}" for t in trouble]
    return items, problems


def _typed_answers(folder: Path) -> dict[str, Any] | None:
    """The ``typed_answers`` dict of the autograded notebook(s), read without running them."""
    for path in sorted(folder.glob("*.ipynb")):
        try:
            nb = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        for cell in nb.get("cells", []) if isinstance(nb, dict) else []:
            if cell.get("cell_type") != "code":
                continue
            source = cell.get("source", "")
            source = "".join(source) if isinstance(source, list) else str(source)
            if "typed_answers" in source:
                value = literal_assignment(source, "typed_answers")
                if isinstance(value, dict):
                    return value
    return None


@dataclass(frozen=True)
class SavedAnswers:
    """One trainee's answers as the hidden tests saw them, and where they came from."""

    answers: dict[str, str]
    status: str  # "ok", "missing" or "corrupt"
    typed: bool
    assignment: str | None
    problem: str | None


def read_saved_answers(folder: Path) -> SavedAnswers:
    """Saved widget answers merged with typed answers, as ``load_responses`` merges them."""
    from .assessment import RESPONSES_FILE, load_responses, read_responses

    found = read_responses(folder / RESPONSES_FILE)
    typed = _typed_answers(folder) if folder.is_dir() else None
    typed_any = bool(typed) and any(isinstance(v, str) and v.strip() for v in typed.values())
    answers = load_responses(folder / RESPONSES_FILE, typed, quiet=True) if typed_any \
        else dict(found.answers)
    return SavedAnswers({str(k): v for k, v in answers.items()}, found.status, typed_any,
                        found.assignment, found.problem)


# =====================================================================================
# The report's model
# =====================================================================================
@dataclass
class AssignmentReport:
    """One assignment: its items, the analysis (``None`` when nothing is graded) and messages."""

    name: str
    items: list[Item] = field(default_factory=list)
    analysis: AssignmentAnalysis | None = None
    notes: list[Note] = field(default_factory=list)
    submissions: int = 0


@dataclass
class CourseReport:
    """The whole report: course-level messages and one section per assignment."""

    course_dir: Path
    gradebook: str | None
    course_id: str
    notes: list[Note] = field(default_factory=list)
    assignments: list[AssignmentReport] = field(default_factory=list)

    def all_notes(self) -> Iterator[tuple[str | None, Note]]:
        for note in self.notes:
            yield None, note
        for section in self.assignments:
            for note in section.notes:
                yield section.name, note


def _merge_items(gradebook_cells: Sequence[tuple[str, float]], source: Sequence[SourceItem],
                 notes: list[Note], source_dir: Path) -> list[Item]:
    """Gradebook cells with the source's category, options and key; report mismatches."""
    by_id = {s.id: s for s in source}
    graded_ids = [cell for cell, _ in gradebook_cells]
    max_scores = dict(gradebook_cells)
    items = [Item(s.id, max_scores[s.id], s.category, s.options, s.key)
             for s in source if s.id in max_scores]
    removed = [c for c in graded_ids if c not in by_id]
    items += [Item(c, max_scores[c]) for c in removed]
    if removed and source:
        notes.append(Note("warning", (
            f"{len(removed)} graded item(s) are no longer in {source_dir}: {_names(removed)}. "
            "They were removed since grading: their scores, difficulty and discrimination "
            "are shown, but without a key, options or category, so they are left out of the "
            "confusion matrix and the category accuracy.")))
    added = [s.id for s in source if s.id not in max_scores]
    if added:
        notes.append(Note("warning", (
            f"{len(added)} item(s) in {source_dir} have no grade cell in the gradebook: "
            f"{_names(added)}. They were added after grading; run nbgrader generate_assignment "
            "and autograde again to include them.")))
    return items


def _assignment_report(name: str, found: GradebookAssignment | None, settings: CourseSettings,
                       course_dir: Path, progress: bool = False) -> AssignmentReport:
    section = AssignmentReport(name)
    notes = section.notes
    source_dir = course_dir / settings.source / name
    source: list[SourceItem] = []
    if source_dir.is_dir():
        source, problems = read_source(source_dir)
        notes += [Note("warning", f"source: {p}") for p in problems]
    else:
        notes.append(Note("warning", (
            f"{source_dir} does not exist: keys, options and categories are unknown, so the "
            "confusion matrix and category accuracy cannot be computed.")))
    if found is None:
        notes.append(Note("warning", (
            f"{name!r} is not in the gradebook: it has not been released with nbgrader "
            "generate_assignment, or nothing has been graded yet.")))
        return section
    section.items = _merge_items(found.cells, source, notes, source_dir)
    section.submissions = len(found.scores)
    if not found.cells:
        notes.append(Note("warning", f"{name!r} has no autograded grade cells: nothing to analyse."))
        return section
    submitted_dir = course_dir / settings.submitted
    collected = sorted(p.name for p in submitted_dir.iterdir() if (p / name).is_dir()) \
        if submitted_dir.is_dir() else []
    not_in_gradebook = [s for s in collected if s not in found.scores]
    if not_in_gradebook:
        notes.append(Note("warning", (
            f"{len(not_in_gradebook)} collected submission(s) are not in the gradebook yet: "
            f"{_names(not_in_gradebook)}. Run nbgrader autograde {name} to include them.")))
    if not found.scores:
        notes.append(Note("warning", f"No submission of {name!r} is in the gradebook yet: "
                                     "collect and autograde submissions first."))
        return section

    ids = [i.id for i in section.items]
    submissions: list[Submission] = []
    missing: list[str] = []
    corrupt: list[str] = []
    typed: list[str] = []
    elsewhere: list[str] = []
    bar = Progress(len(found.scores), f"reading saved answers: {name}", enabled=progress)
    for student in sorted(found.scores):
        bar.advance()
        scores = found.scores[student]
        complete = all(scores.get(i) is not None for i in ids)
        if not complete:
            submissions.append(Submission(student, scores))
            continue
        saved = read_saved_answers(course_dir / settings.autograded / student / name)
        if saved.status == "missing":
            missing.append(student)
        elif saved.status == "corrupt":
            corrupt.append(student)
        if saved.typed:
            typed.append(student)
        if saved.assignment not in (None, name):
            elsewhere.append(student)
        status = "typed" if saved.typed and saved.status != "ok" else saved.status
        submissions.append(Submission(student, scores, saved.answers, status))
    bar.close()
    section.analysis = analysis = analyse(section.items, submissions)

    if analysis.ungraded:
        notes.append(Note("warning", (
            f"{len(analysis.ungraded)} of {len(submissions)} submission(s) are not fully graded "
            f"(autograde failed or has not run): {_names(list(analysis.ungraded))}. They are left "
            "out of every statistic below; check the autograde log, fix and autograde again.")))
    if not analysis.graded:
        notes.append(Note("warning", f"No submission of {name!r} is fully graded yet: no "
                                     "statistics can be computed."))
        return section
    no_saved = [s for s in missing if s not in typed]
    if missing:
        notes.append(Note("warning", (
            f"{len(missing)} graded submission(s) have no saved answers file "
            f"({settings.autograded}/<student>/{name}/responses.json): {_names(missing)}."
            + (f" Typed answers in the notebook were used for {_names([s for s in missing if s in typed])}."
               if len(no_saved) < len(missing) else "")
            + (f" For {_names(no_saved)} no answer is known: they count as '{NO_ANSWER}' in the "
               "option counts and the confusion matrix; their scores still count." if no_saved else ""))))
    if corrupt:
        notes.append(Note("warning", (
            f"{len(corrupt)} saved answers file(s) could not be read: {_names(corrupt)}. Their "
            "answers count as unknown; their scores still count.")))
    if elsewhere:
        notes.append(Note("info", (
            f"{len(elsewhere)} responses file(s) were saved for another assignment: "
            f"{_names(elsewhere)}; only answers to this assignment's item ids are used.")))
    if analysis.disagreements:
        shown = [f"{s} {i}" for s, i in analysis.disagreements]
        notes.append(Note("warning", (
            f"{len(shown)} saved answer(s) disagree with their grade: {_names(shown)}. The key may "
            "have changed since grading, or the answers file was changed after autograding; "
            "autograde again to make them agree.")))
    if analysis.small_cohort:
        notes.append(Note("info", (
            f"Only {len(analysis.graded)} graded trainee(s): with fewer than {SMALL_COHORT}, "
            "difficulty and discrimination are rough; read them as hints, not verdicts.")))
    return section


def collect(course_dir: str | os.PathLike[str], assignment: str | None = None,
            *, progress: bool | None = None) -> CourseReport:
    """Read the course and analyse ``assignment`` (default: every graded assignment).

    ``progress=None`` shows a progress bar only when stderr is a terminal.
    """
    course_dir = Path(course_dir).resolve()
    notes: list[Note] = []
    settings = course_settings(course_dir, notes)
    report = CourseReport(course_dir, None, settings.course_id, notes)
    show = sys.stderr.isatty() if progress is None else progress
    db_path = _sqlite_path(settings.db_url, course_dir)
    report.gradebook = str(db_path) if db_path else settings.db_url
    names: list[str] = []
    found: dict[str, GradebookAssignment] = {}
    if db_path is not None and not db_path.exists():
        notes.append(Note("warning", (
            f"No gradebook yet at {db_path}: this course has not released or graded anything. "
            "Run nbgrader generate_assignment, collect submissions and autograde them first.")))
    else:
        try:
            names, found = read_gradebook(settings.db_url, settings.course_id, assignment,
                                          progress=show)
        except Exception as exc:  # a locked, foreign or damaged database: say so, go on
            notes.append(Note("warning", f"The gradebook {report.gradebook} could not be read "
                                         f"({type(exc).__name__}: {exc})."))
        else:
            if not names:
                notes.append(Note("warning", "The gradebook has no assignments yet: run nbgrader "
                                             "generate_assignment first."))
    source_root = course_dir / settings.source
    in_source = sorted(p.name for p in source_root.iterdir()
                       if p.is_dir() and not p.name.startswith(".")) if source_root.is_dir() else []
    if assignment is not None:
        if assignment not in names and assignment not in in_source:
            known = sorted(set(names) | set(in_source))
            notes.append(Note("warning", f"No assignment {assignment!r} in this course"
                                         + (f" (known: {', '.join(known)})." if known else ".")))
            return report
        report.assignments.append(_assignment_report(assignment, found.get(assignment), settings,
                                                     course_dir, show))
        return report
    ungraded_source = [a for a in in_source if a not in names]
    if ungraded_source and names:
        notes.append(Note("info", f"In source/ but not in the gradebook yet: {_names(ungraded_source)}."))
    for name in names:
        report.assignments.append(_assignment_report(name, found.get(name), settings, course_dir, show))
    return report


# =====================================================================================
# Figures (matplotlib, no pyplot: nothing registered globally, nothing to close)
# =====================================================================================
def _short(label: str) -> str:
    if label in (NO_ANSWER, OTHER):
        return label
    try:
        return label_for(label).name.split(" (")[0]
    except KeyError:
        return label


def figure_data_uri(fig: Figure) -> str:
    """A PNG ``data:`` URI (no external file, no request), deterministic bytes."""
    from .practices import figure_png

    return "data:image/png;base64," + base64.b64encode(figure_png(fig)).decode("ascii")


def confusion_figure(confusion: Confusion, title: str = "") -> Figure | None:
    """Heatmaps of key (rows) against chosen label (columns), one panel per category.

    Every cell carries its count as text and the diagonal (right answers) is outlined,
    so the picture does not depend on telling colours apart; the sequential single-hue
    map (Blues) stays readable in greyscale and for colour-vision deficiencies.
    """
    from matplotlib.figure import Figure
    from matplotlib.patches import Rectangle

    panels = [c for c in confusion.rows if confusion.rows[c]]
    if not panels:
        return None
    widths = [len(confusion.columns[c]) for c in panels]
    heights = [len(confusion.rows[c]) for c in panels]
    fig = Figure(figsize=(max(6.0, 1.25 * max(widths) + 3), sum(0.6 * h + 2.2 for h in heights)),
                 dpi=100, layout="constrained")
    axes = fig.subplots(len(panels), 1, squeeze=False,
                        gridspec_kw={"height_ratios": [h + 2.5 for h in heights]})[:, 0]
    for ax, category in zip(axes, panels, strict=True):
        rows, cols = confusion.rows[category], confusion.columns[category]
        data = [[confusion.count(k, c) for c in cols] for k in rows]
        peak = max((v for row in data for v in row), default=0) or 1
        ax.imshow(data, cmap="Blues", vmin=0, vmax=peak, aspect="auto")
        for r, key in enumerate(rows):
            for c, chosen in enumerate(cols):
                value = data[r][c]
                ax.text(c, r, str(value), ha="center", va="center", fontsize=10,
                        color="white" if value > peak / 2 else "#1a1a1a",
                        fontweight="bold" if key == chosen else "normal")
                if key == chosen:
                    ax.add_patch(Rectangle((c - 0.5, r - 0.5), 1, 1, fill=False,
                                           edgecolor="#1a1a1a", linewidth=2))
        ax.set_xticks(range(len(cols)), [_short(c) for c in cols], rotation=30, ha="right")
        ax.set_yticks(range(len(rows)), [_short(k) for k in rows])
        ax.set_xlabel("label chosen")
        ax.set_ylabel("key (correct label)")
        name = CATEGORIES[category].name if category in CATEGORIES else category
        ax.set_title(name, fontsize=10, loc="left")
    if title:
        fig.suptitle(title, fontsize=11)
    return fig


def confusion_alt_text(confusion: Confusion, assignment: str, top: int = 5) -> str:
    """A text alternative that states what the picture shows: totals and top confusions."""
    total = confusion.total
    right = sum(n for (k, c), n in confusion.counts.items() if k == c)
    parts = [f"Confusion matrix for {assignment}: rows are the key, columns the label chosen; "
             f"{total} answers, {right} of them match the key."]
    worst = [(k, c, n) for k, c, n in confusion.confusions() if c != NO_ANSWER][:top]
    if worst:
        parts.append("Most frequent confusions: " + "; ".join(
            f"{_short(k)} answered as {_short(c)} {n} time{'s' * (n != 1)}" for k, c, n in worst) + ".")
    else:
        parts.append("No answer chose a wrong label.")
    missing = sum(n for (_k, c), n in confusion.counts.items() if c == NO_ANSWER)
    if missing:
        parts.append(f"{missing} answer{'s' * (missing != 1)} missing.")
    return " ".join(parts)


def item_map_figure(analysis: AssignmentAnalysis) -> Figure | None:
    """Difficulty (x) against discrimination (y), one labelled point per item.

    Threshold lines mark the revise zones; flagged items are drawn as labelled triangles
    and others as plain circles, so the flag is visible without colour and a cohort of
    60 items stays legible.
    """
    from matplotlib.figure import Figure

    points = [s for s in analysis.items if s.difficulty is not None and s.discrimination is not None]
    if not points:
        return None
    fig = Figure(figsize=(7.5, 4.8), dpi=100, layout="constrained")
    ax = fig.add_subplot()
    ax.axvspan(-0.05, TOO_HARD, color="#f2f2f2")
    ax.axvspan(TOO_EASY, 1.05, color="#f2f2f2")
    ax.axhspan(-1.05, MIN_DISCRIMINATION, color="#fbeee6")
    for s in points:
        flagged = bool(s.flags)
        ax.scatter([s.difficulty], [s.discrimination], marker="^" if flagged else "o", s=46,
                   color="#D55E00" if flagged else "#0072B2", zorder=3)
        if flagged:  # label the items to revise; the table names every item
            ax.annotate(s.item.id, (s.difficulty, s.discrimination), xytext=(4, 4),
                        textcoords="offset points", fontsize=8)
    ax.axvline(TOO_HARD, color="#555555", linestyle="--", linewidth=1)
    ax.axvline(TOO_EASY, color="#555555", linestyle="--", linewidth=1)
    ax.axhline(MIN_DISCRIMINATION, color="#555555", linestyle=":", linewidth=1)
    ax.text(TOO_HARD / 2, 1.0, "too hard", ha="center", va="top", fontsize=8)
    ax.text((TOO_EASY + 1.05) / 2, 1.0, "too easy", ha="center", va="top", fontsize=8)
    ax.text(0.5, -0.95, "negative discrimination", ha="center", va="bottom", fontsize=8)
    ax.set_xlim(-0.05, 1.05)
    ax.set_ylim(-1.05, 1.05)
    ax.set_xlabel("difficulty (share of trainees correct)")
    ax.set_ylabel("discrimination (upper - lower 27 %)")
    ax.set_title("Items to revise: labelled triangles in the shaded zones", fontsize=10, loc="left")
    return fig


def item_map_alt_text(analysis: AssignmentAnalysis, assignment: str) -> str:
    flagged = analysis.to_revise
    text = (f"Scatter plot of difficulty against discrimination for the {len(analysis.items)} "
            f"items of {assignment}. ")
    if flagged:
        return text + "Items to revise: " + "; ".join(
            f"{s.item.id} ({', '.join(s.flags)}; difficulty {s.difficulty:.2f}, "
            f"discrimination {s.discrimination:+.2f})" if s.discrimination is not None
            else f"{s.item.id} ({', '.join(s.flags)})" for s in flagged) + "."
    return text + "No item is flagged for revision."


def category_figure(analysis: AssignmentAnalysis) -> Figure | None:
    """Accuracy per category as labelled horizontal bars (value written on each bar)."""
    from matplotlib.figure import Figure

    cats = [c for c in analysis.categories if c.accuracy is not None]
    if not cats:
        return None
    fig = Figure(figsize=(7.5, 0.6 * len(cats) + 1.6), dpi=100, layout="constrained")
    ax = fig.add_subplot()
    y = list(range(len(cats)))[::-1]
    ax.barh(y, [100 * c.accuracy for c in cats], color="#0072B2", height=0.6)
    for yi, c in zip(y, cats, strict=True):
        ax.text(100 * c.accuracy + 1, yi, f"{100 * c.accuracy:.0f}% ({c.correct} of {c.answers})",
                va="center", fontsize=9)
    ax.set_yticks(y, [CATEGORIES[c.category].name if c.category in CATEGORIES else c.category
                      for c in cats])
    ax.set_xlim(0, 125)
    ax.set_xticks([0, 25, 50, 75, 100])
    ax.set_xlabel("answers correct (%)")
    ax.spines[["top", "right"]].set_visible(False)
    return fig


def category_alt_text(analysis: AssignmentAnalysis, assignment: str) -> str:
    return f"Bar chart of accuracy per category for {assignment}: " + "; ".join(
        f"{CATEGORIES[c.category].name if c.category in CATEGORIES else c.category} "
        f"{100 * c.accuracy:.0f}% ({c.correct} of {c.answers} answers)"
        for c in analysis.categories if c.accuracy is not None) + "."


# =====================================================================================
# HTML
# =====================================================================================
_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;line-height:1.5;color:#1a1a1a;
background:#fff;margin:0}
main{max-width:70rem;margin:0 auto;padding:1rem 1.5rem 3rem}
h1{font-size:1.7rem}h2{font-size:1.35rem;border-top:2px solid #ccc;padding-top:1rem;margin-top:2rem}
h3{font-size:1.1rem;margin-top:1.6rem}
table{border-collapse:collapse;margin:.5rem 0 1rem;font-size:.92rem}
caption{text-align:left;font-weight:600;padding:.3rem 0}
th,td{border:1px solid #999;padding:.25rem .5rem;text-align:left;vertical-align:top}
thead th{background:#e8eef5}td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
.private{border:2px solid #8a4b00;background:#fff6e6;padding:.6rem 1rem}
.warning{color:#7a2e00}.info{color:#1f3f66}
figure{margin:1rem 0}img{max-width:100%;height:auto}figcaption{font-size:.9rem;color:#333}
a{color:#0b4f8a}
"""


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.0f}%"


def _num(value: float | None, signed: bool = False) -> str:
    if value is None:
        return "n/a"
    return f"{value:+.2f}".replace("-", "\u2212") if signed else f"{value:.2f}"


def _table(caption: str, head: Sequence[str], rows: Iterable[Sequence[str]],
           numeric: Iterable[int] = (), row_header: bool = True) -> str:
    """An accessible table: a caption, column headers with scope, a header cell per row.
    Cell values must already be escaped."""
    numeric = set(numeric)
    out = [f"<table><caption>{escape(caption)}</caption><thead><tr>"]
    num = ' class="num"'
    out += [f'<th scope="col"{num if i in numeric else ""}>{escape(h)}</th>' for i, h in enumerate(head)]
    out.append("</tr></thead><tbody>")
    for row in rows:
        cells = []
        for i, value in enumerate(row):
            cls = ' class="num"' if i in numeric else ""
            if i == 0 and row_header:
                cells.append(f'<th scope="row"{cls}>{value}</th>')
            else:
                cells.append(f"<td{cls}>{value}</td>")
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def _figure(fig: Figure | None, alt: str, caption: str) -> str:
    if fig is None:
        return ""
    return (f'<figure><img src="{figure_data_uri(fig)}" alt="{escape(alt)}">'
            f"<figcaption>{escape(caption)}</figcaption></figure>")


def _choices_text(choices: Sequence[tuple[str, int]], no_answer: int) -> str:
    parts = [f"{_short(label)} {n}" for label, n in choices]
    if no_answer:
        parts.append(f"{NO_ANSWER} {no_answer}")
    return "; ".join(parts)


def items_table_html(section: AssignmentReport) -> str:
    """The per-item table (also used by the instructor notebook)."""
    analysis = section.analysis
    if analysis is None:
        return "<p>No graded submissions: no item statistics.</p>"
    rows = []
    for s in analysis.items:
        rows.append([
            escape(s.item.id),
            escape(CATEGORIES[s.item.category].name if s.item.category in CATEGORIES
                   else (s.item.category or "not in source")),
            escape(_short(s.item.key) if s.item.key else "unknown"),
            f"{s.correct} of {s.graded}",
            _num(s.difficulty),
            _num(s.discrimination, signed=True),
            escape(_choices_text(s.choices, s.no_answer)),
            escape(", ".join(s.flags) or "-"),
        ])
    return _table(f"Items of {section.name}: difficulty, discrimination and option counts",
                  ["Item", "Category", "Key", "Correct", "Difficulty", "Discrimination",
                   "Options chosen", "Revise?"], rows, numeric=(3, 4, 5))


def _confusion_tables(confusion: Confusion, assignment: str) -> str:
    out = []
    for category, rows in confusion.rows.items():
        cols = confusion.columns[category]
        name = CATEGORIES[category].name if category in CATEGORIES else category
        body = []
        for key in rows:
            cells = [escape(_short(key))]
            for chosen in cols:
                value = str(confusion.count(key, chosen))
                cells.append(f"<strong>{value}</strong>" if chosen == key else value)
            body.append(cells)
        out.append(_table(f"{assignment}, {name}: key (rows) against label chosen (columns); "
                          "right answers in bold",
                          ["Key / chosen", *[_short(c) for c in cols]], body,
                          numeric=range(1, len(cols) + 1)))
    return "".join(out)


def _notes_html(notes: Sequence[Note]) -> str:
    if not notes:
        return ""
    items = "".join(f'<li class="{n.level}"><strong>{n.level.capitalize()}:</strong> '
                    f"{escape(n.text)}</li>" for n in notes)
    return f'<ul role="list">{items}</ul>'


def section_html(section: AssignmentReport, anchor: str = "assignment") -> str:
    """One assignment's part of the report (the instructor notebook shows it as is)."""
    return _section_html(section, anchor)


def _section_html(section: AssignmentReport, anchor: str) -> str:
    out = [f'<section aria-labelledby="{anchor}"><h2 id="{anchor}">Assignment {escape(section.name)}</h2>']
    a = section.analysis
    graded = len(a.graded) if a else 0
    out.append(f"<p>{len(section.items)} autograded item(s); {section.submissions} submission(s) in "
               f"the gradebook, {graded} fully graded and analysed.</p>")
    if section.notes:
        out.append(f'<h3 id="{anchor}-messages">Messages</h3>' + _notes_html(section.notes))
    if a is None or not a.graded:
        out.append("<p>No statistics: nothing is graded yet.</p></section>")
        return "".join(out)
    out.append(f"<p>Upper and lower groups: {a.group_size} trainee(s) each "
               f"({float(GROUP_SHARE):.0%} of {graded}).</p>")

    out.append(f'<h3 id="{anchor}-confusion">Confusion matrix</h3>')
    if a.confusion.total:
        out.append(_figure(confusion_figure(a.confusion), confusion_alt_text(a.confusion, section.name),
                           "Key (rows) against the label chosen (columns). The outlined diagonal "
                           "holds right answers; large counts off the diagonal are confusions."))
        out.append(_confusion_tables(a.confusion, section.name))
    else:
        out.append("<p>No confusion matrix: no item has a known key (see the messages).</p>")

    out.append(f'<h3 id="{anchor}-items">Items</h3>')
    out.append(_figure(item_map_figure(a), item_map_alt_text(a, section.name),
                       "Each item's difficulty and discrimination; shaded areas are the revise zones."))
    out.append(items_table_html(section))
    out.append(f'<h3 id="{anchor}-revise">Items to revise</h3>')
    if a.to_revise:
        out.append("<ul>" + "".join(
            f"<li><strong>{escape(s.item.id)}</strong>: {escape(', '.join(s.flags))} "
            f"(difficulty {_num(s.difficulty)}, discrimination {_num(s.discrimination, True)})</li>"
            for s in a.to_revise) + "</ul>")
    else:
        out.append("<p>No item is flagged.</p>")

    out.append(f'<h3 id="{anchor}-categories">Categories</h3>')
    if a.categories:
        out.append(_figure(category_figure(a), category_alt_text(a, section.name),
                           "Share of answers correct per category."))
        out.append(_table(f"Accuracy per category, {section.name}",
                          ["Category", "Items", "Answers", "Correct", "Accuracy"],
                          ([escape(CATEGORIES[c.category].name if c.category in CATEGORIES else c.category),
                            str(c.items), str(c.answers), str(c.correct), _pct(c.accuracy)]
                           for c in a.categories), numeric=(1, 2, 3, 4)))
    else:
        out.append("<p>No category is known for these items.</p>")

    out.append(f'<h3 id="{anchor}-follow-up">Trainees who may need follow-up</h3>')
    if a.follow_up:
        out.append(_table(f"Trainees who may need follow-up, {section.name}",
                          ["Trainee", "Score", "Unanswered", "Review next", "Why"],
                          ([escape(s.student), f"{s.score:g} of {s.max_score:g}", str(s.unanswered),
                            escape(_category_name(s.weakest_category)), escape("; ".join(s.reasons))]
                           for s in a.follow_up), numeric=(1, 2)))
    else:
        out.append("<p>Nobody is below the follow-up thresholds.</p>")
    out.append("<details><summary>All graded trainees</summary>")
    out.append(_table(f"All graded trainees, {section.name}",
                      ["Trainee", "Score", "Correct", "Unanswered", "Saved answers", "Review next"],
                      ([escape(s.student), f"{s.score:g} of {s.max_score:g}", f"{s.correct} of {s.items}",
                        str(s.unanswered), escape(s.responses), escape(_category_name(s.weakest_category))]
                       for s in a.students), numeric=(1, 2, 3)))
    out.append("</details></section>")
    return "".join(out)


def _category_name(slug: str | None) -> str:
    if slug is None:
        return "-"
    return CATEGORIES[slug].name if slug in CATEGORIES else slug


def _definitions_html() -> str:
    return (
        '<section aria-labelledby="definitions"><h2 id="definitions">How the figures are computed</h2><ul>'
        "<li><strong>Difficulty</strong>: share of graded trainees with full marks on the item.</li>"
        f"<li><strong>Discrimination</strong>: share correct in the upper group minus share correct "
        f"in the lower group; each group is {float(GROUP_SHARE):.0%} of graded trainees by total "
        "item score (rounded half up, at least one). Trainees tied at a group boundary share the "
        "remaining places equally.</li>"
        f"<li><strong>Items to revise</strong>: difficulty above {TOO_EASY:.0%} (too easy), below "
        f"{TOO_HARD:.0%} (too hard), or discrimination below {MIN_DISCRIMINATION:g} (the weaker "
        "group does better: check the key and the vignette).</li>"
        f"<li><strong>Follow-up</strong>: a trainee below {FOLLOW_UP_SCORE:.0%} of the item points, "
        f"with at least {float(FOLLOW_UP_UNANSWERED):.0%} of items unanswered, or without a "
        "readable saved answers file. A flag is a prompt for a conversation, not a verdict.</li>"
        "<li>Only fully graded submissions are analysed; hand-graded cells (reflections) are not "
        "items and do not count towards totals.</li></ul></section>"
    )


def render_html(report: CourseReport) -> str:
    """The whole report as one self-contained HTML page (no script, no external request)."""
    anchors = {s.name: f"a-{i}" for i, s in enumerate(report.assignments, start=1)}
    nav = ""
    if report.assignments:
        nav = ('<nav aria-label="Assignments"><ul>' + "".join(
            f'<li><a href="#{anchors[s.name]}">{escape(s.name)}</a></li>' for s in report.assignments)
            + "</ul></nav>")
    course_notes = ""
    if report.notes:
        course_notes = '<h2 id="messages">Messages</h2>' + _notes_html(report.notes)
    if not report.assignments:
        course_notes += "<p>There is nothing to analyse in this course yet.</p>"
    body = "".join(_section_html(s, anchors[s.name]) for s in report.assignments)
    title = f"Item analysis: {report.course_id}"
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{_CSS}</style></head><body><main>"
        f"<h1>{escape(title)}</h1>"
        '<p class="private" role="note"><strong>Instructor material.</strong> This report shows '
        "answer keys and trainees' names and scores. Keep it with the gradebook; do not publish "
        "it or share it with trainees.</p>"
        f"<p>Course directory: <code>{escape(str(report.course_dir))}</code>; gradebook: "
        f"<code>{escape(str(report.gradebook))}</code>.</p>"
        f"{nav}{course_notes}{body}{_definitions_html()}</main></body></html>\n"
    )


# =====================================================================================
# CSV
# =====================================================================================
def _f(value: float | None) -> str:
    return "" if value is None else repr(float(value))


def write_csvs(report: CourseReport, folder: Path) -> list[Path]:
    """``items.csv``, ``categories.csv``, ``confusion.csv``, ``students.csv`` (headers always)."""
    folder.mkdir(parents=True, exist_ok=True)
    tables: dict[str, list[list[str]]] = {
        "items.csv": [["assignment", "item", "category", "key", "max_score", "graded", "correct",
                       "difficulty", "discrimination", "p_upper", "p_lower", "no_answer", "choices",
                       "flags"]],
        "categories.csv": [["assignment", "category", "name", "items", "answers", "correct",
                            "accuracy"]],
        "confusion.csv": [["assignment", "category", "key", "chosen", "count"]],
        "students.csv": [["assignment", "student", "score", "max_score", "share", "correct", "items",
                          "unanswered", "responses", "weakest_category", "follow_up", "reasons"]],
    }
    for section in report.assignments:
        a = section.analysis
        if a is None:
            continue
        for s in a.items:
            tables["items.csv"].append([
                section.name, s.item.id, s.item.category or "", s.item.key or "", _f(s.item.max_score),
                str(s.graded), str(s.correct), _f(s.difficulty), _f(s.discrimination), _f(s.p_upper),
                _f(s.p_lower), str(s.no_answer), "; ".join(f"{k}={n}" for k, n in s.choices),
                "; ".join(s.flags)])
        for c in a.categories:
            tables["categories.csv"].append([
                section.name, c.category, _category_name(c.category), str(c.items), str(c.answers),
                str(c.correct), _f(c.accuracy)])
        for category, rows in a.confusion.rows.items():
            for key in rows:
                for chosen in a.confusion.columns[category]:
                    tables["confusion.csv"].append([section.name, category, key, chosen,
                                                    str(a.confusion.count(key, chosen))])
        for s in a.students:
            tables["students.csv"].append([
                section.name, s.student, _f(s.score), _f(s.max_score), _f(s.share), str(s.correct),
                str(s.items), str(s.unanswered), s.responses, s.weakest_category or "",
                "yes" if s.follow_up else "no", "; ".join(s.reasons)])
    paths = []
    for name, rows in tables.items():
        path = folder / name
        with path.open("w", newline="", encoding="utf-8") as handle:
            csv.writer(handle).writerows(rows)
        paths.append(path)
    return paths


def write_report(course_dir: str | os.PathLike[str], out: str | os.PathLike[str] = "report.html",
                 assignment: str | None = None, *, progress: bool | None = None
                 ) -> tuple[CourseReport, list[Path]]:
    """Collect, render and write the HTML report and the CSV files beside it."""
    report = collect(course_dir, assignment, progress=progress)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render_html(report), encoding="utf-8")
    return report, [out, *write_csvs(report, out.parent)]


# =====================================================================================
# Command line
# =====================================================================================
def _cmd_report(args: argparse.Namespace) -> int:
    course = Path(args.course_dir)
    if not course.is_dir():
        print(f"powerdynamics report: {course} is not a directory: pass the nbgrader course "
              "directory (the folder with nbgrader_config.py)", file=sys.stderr)
        return 2
    try:
        report, paths = write_report(course, args.out, args.assignment,
                                     progress=True if args.progress else None)
    except OSError as exc:
        print(f"powerdynamics report: cannot write the report: {exc}", file=sys.stderr)
        return 2
    for assignment, note in report.all_notes():
        where = f"{assignment}: " if assignment else ""
        print(f"powerdynamics report: {note.level}: {where}{note.text}", file=sys.stderr)
    print(f"powerdynamics report: wrote {paths[0]} and {', '.join(p.name for p in paths[1:])} "
          "(instructor material: it shows answer keys)", file=sys.stderr)
    unknown = args.assignment is not None and not report.assignments
    return 1 if unknown else 0


def register(subparsers: Any) -> None:
    """Add ``report`` to the ``powerdynamics`` command."""
    parser = subparsers.add_parser(
        "report", help="item analysis of graded quizzes: one HTML report plus CSV files")
    parser.add_argument("course_dir", metavar="COURSE_DIR",
                        help="the nbgrader course directory (with nbgrader_config.py)")
    parser.add_argument("--assignment", metavar="NAME", help="only this assignment (default: all)")
    parser.add_argument("--out", default="report.html", metavar="PATH",
                        help="HTML file to write; the CSV files go beside it (default: report.html)")
    parser.add_argument("--progress", action="store_true",
                        help="show a progress bar even when stderr is not a terminal")
    parser.set_defaults(func=_cmd_report)
