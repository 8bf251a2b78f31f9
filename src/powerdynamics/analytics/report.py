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
``confusion.csv`` and ``students.csv`` beside it; with per-trainee draws also
``pooled-items.csv`` (each pool item over those who saw it) and, when the pool has
minimal pairs, ``pairs.csv`` (:mod:`.pairs`: the partner's key given).  The report holds answer keys and
trainees' scores: it is instructor material, like the gradebook.

Expected problems (no gradebook yet, an assignment nobody has submitted, submissions
that are not graded, items removed from the source since grading, submissions without
saved answers) become messages in the report and on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from powerdynamics.analytics.charts import category_figure, confusion_alt_text, confusion_figure, figure_data_uri
from powerdynamics.analytics.render import CSV_FILES, items_table_html, render_html, section_html, write_csvs
from powerdynamics.analytics.stats import (
    NO_ANSWER,
    SMALL_COHORT,
    AssignmentAnalysis,
    Item,
    SourceItem,
    Submission,
    analyse,
    literal_assignment,
    parse_source_notebook,
)

__all__ = [
    "CSV_FILES",
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
    hand_max: float = 0.0  # hand-graded cells (reflections), out of
    hand: dict[str, float | None] = field(default_factory=dict)  # student -> total, None: ungraded


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
                        found.hand_max += float(cell.max_score)
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
            hand_cells = found.manual_cells
            hand_query = (
                gb.db.query(SubmittedAssignment.student_id, Grade.auto_score, Grade.manual_score,
                            Grade.extra_credit)
                .select_from(Grade)
                .join(GradeCell, Grade.cell_id == GradeCell.id)
                .join(SubmittedNotebook, Grade.notebook_id == SubmittedNotebook.id)
                .join(SubmittedAssignment, SubmittedNotebook.assignment_id == SubmittedAssignment.id)
                .filter(SubmittedAssignment.assignment_id == assignment.id)
                .filter(GradeCell.cell_type != "code")
            )
            seen: dict[str, int] = {}
            for student, auto, manual, extra in hand_query.yield_per(5000):
                score = _grade_score(auto, manual, extra)
                seen[student] = seen.get(student, 0) + 1
                before = found.hand.get(student, 0.0)
                found.hand[student] = None if score is None or before is None else before + score
            for student in found.scores:
                if hand_cells and seen.get(student, 0) < hand_cells:
                    found.hand[student] = None
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


def read_saved_answers(folder: Path, *, draw: Sequence[Mapping[str, Any]] | None = None
                       ) -> SavedAnswers:
    """Saved widget answers merged with typed answers, as ``load_responses`` merges them.

    ``draw`` (a pooled assignment: the public views of the items the student's draw
    shows, in order, from the items file): the
    file is read as a pooled one (answers of every kind, a draw record), so a case's
    marking is not taken for a damaged file, and the answers are returned by position
    (``q01`` ... as the gradebook's cells are named) as answer tokens; the per-item
    tables read them by item id, through the draw, in ``_answer_stats``."""
    from powerdynamics.grading.assessment import RESPONSES_FILE, load_responses, read_responses

    if draw is not None:
        from powerdynamics.grading.checks import answer_given
        from powerdynamics.grading.pool_grading import read_pool_responses
        from powerdynamics.grading.public_answers import token_of

        pool_found = read_pool_responses(folder / RESPONSES_FILE)
        typed_raw = _typed_answers(folder) if folder.is_dir() else None
        typed_by_id: dict[str, Any] = typed_raw if isinstance(typed_raw, dict) else {}
        typed_given = any(answer_given(v) for v in typed_by_id.values())
        by_position: dict[str, str] = {}
        for number, view in enumerate(draw, start=1):
            item_id = view["id"]
            value = typed_by_id.get(item_id) if answer_given(typed_by_id.get(item_id)) \
                else pool_found.answers.get(item_id)
            if not answer_given(value):
                continue
            try:
                token = token_of(view, value)
            except (TypeError, ValueError, AttributeError, KeyError):
                token = str(value)[:80]
            by_position[f"q{number:02d}"] = str(token)
        return SavedAnswers(by_position, pool_found.status, typed_given, None,
                            pool_found.problem or None)
    found = read_responses(folder / RESPONSES_FILE)
    typed = _typed_answers(folder) if folder.is_dir() else None
    typed_any = typed is not None and any(isinstance(v, str) and v.strip() for v in typed.values())
    answers = load_responses(folder / RESPONSES_FILE, typed, quiet=True) if typed_any \
        else dict(found.answers)
    return SavedAnswers({str(k): v for k, v in answers.items()}, found.status, typed_any,
                        found.assignment, found.problem)


# =====================================================================================
# The report's model
# =====================================================================================
@dataclass(frozen=True)
class AnswerStats:
    """What the cohort answered in a pooled assignment, item by item, from the saved
    answers and the instructor's pool file (keys): minimal pairs, case labels, cue
    sentences."""

    pairs: tuple = ()  # analytics.pairs.PairMember
    case_labels: tuple = ()  # analytics.kind_stats.CaseLabelRow
    cue_sentences: tuple = ()  # analytics.kind_stats.CueSentenceRow


@dataclass
class AssignmentReport:
    """One assignment: its items, the analysis (``None`` when nothing is graded) and messages."""

    name: str
    items: list[Item] = field(default_factory=list)
    analysis: AssignmentAnalysis | None = None
    notes: list[Note] = field(default_factory=list)
    submissions: int = 0
    #: per-trainee draws (issue 12): per-item statistics over those who saw each item
    pooled: tuple | None = None
    answer_stats: AnswerStats = field(default_factory=AnswerStats)  # pooled assignments only


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


def _pooled(name: str, found: GradebookAssignment, course_dir: Path, settings: CourseSettings,
            notes: list[Note]) -> tuple[tuple, AnswerStats] | None:
    """Per-item statistics and minimal-pair rows of an assignment with per-trainee draws,
    or ``None``."""
    from powerdynamics.analytics.pooled import analyse_pooled, per_item_scores
    from powerdynamics.grading.pools import PoolError, items_path, read_items_file

    path = items_path(course_dir, name)
    if settings.source != "source":
        path = course_dir / settings.source / name / path.name
    if not path.is_file():
        return None
    try:
        data = read_items_file(path)
    except PoolError as exc:
        notes.append(Note("warning", f"per-trainee draws: {exc}"))
        return None
    graded = {s: row for s, row in found.scores.items() if row and all(v is not None for v in row.values())}
    try:
        rows = per_item_scores(data["assignment"], data["forms"], graded)
    except ValueError as exc:
        notes.append(Note("warning", f"per-trainee draws: {exc}"))
        return None
    ids = [i["id"] for i in data.get("items", []) if isinstance(i, dict) and isinstance(i.get("id"), str)]
    notes.append(Note("info", (
        f"{name!r} shows each trainee a different draw ({path.name}): the graded cells q01, q02, "
        "... are positions, not items. Per-item n, difficulty and discrimination over the "
        "trainees who saw each item are in pooled-items.csv.")))
    return analyse_pooled(ids, rows), _answer_stats(name, data, graded, course_dir, settings, notes)


def _answer_stats(name: str, data: Mapping[str, Any], graded: Mapping[str, Any], course_dir: Path,
                  settings: CourseSettings, notes: list[Note]) -> AnswerStats:
    from powerdynamics.analytics.kind_stats import case_label_rows, cue_sentence_rows
    from powerdynamics.analytics.pairs import pair_confusion
    from powerdynamics.grading.draws import draw_for
    from powerdynamics.grading.pools import POOLS_DIR, PoolError, load_pool, pool_path

    found = pool_path(course_dir / POOLS_DIR, name)
    if found is None:
        return AnswerStats()
    try:
        pool = load_pool(found)
    except PoolError as exc:
        notes.append(Note("warning", f"answers per item: {exc}"))
        return AnswerStats()
    from powerdynamics.grading.assessment import RESPONSES_FILE
    from powerdynamics.grading.pool_grading import choose, draw_mismatch, read_pool_responses

    by_id = {it.id: it for it in pool}
    shown: dict[str, Sequence[str]] = {}
    answers: dict[str, dict[str, Any]] = {}
    mismatched = []
    for student in sorted(graded):
        draw = draw_for(data["assignment"], student, data["forms"])
        folder = course_dir / settings.autograded / student / name
        saved = read_pool_responses(folder / RESPONSES_FILE)
        if draw_mismatch(saved.draw, draw, student, saved.answers, set(by_id)):
            mismatched.append(student)  # someone else's draw: their answers say nothing here
            continue
        typed = _typed_answers(folder) or {}
        given = {}
        for item_id in draw.items:  # the answer that counted, as grading chose it
            chosen = choose(by_id[item_id], saved.answers.get(item_id), typed.get(item_id), []) \
                if item_id in by_id else None
            if chosen is not None and chosen.problem is None:
                given[item_id] = chosen.value
        shown[student], answers[student] = draw.items, given
    if mismatched:
        notes.append(Note("info", (
            f"{len(mismatched)} submission(s) hold another trainee's draw (DrawMismatch) and are "
            f"left out of the answers per item: {_names(mismatched)}.")))
    stats = AnswerStats(pair_confusion(pool, answers, shown), case_label_rows(pool, answers, shown),
                        cue_sentence_rows(pool, answers, shown))
    if stats.pairs:
        notes.append(Note("info", (
            f"{len({r.pair for r in stats.pairs})} minimal pair group(s) in {found.name}: per "
            "member, how many trainees gave the other member's key (the one changed detail "
            "missed) are in pairs.csv and the table below.")))
    return stats


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
    section.pooled, section.answer_stats = _pooled(name, found, course_dir, settings, notes) or (None, AnswerStats())
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
    forms: dict[str, Any] | None = None  # a pooled assignment: the items file's forms, to map positions to items
    if section.pooled is not None:
        from powerdynamics.grading.draws import draw_for
        from powerdynamics.grading.pools import PoolError, items_path, read_items_file

        try:
            forms = read_items_file(items_path(course_dir, name))
        except PoolError as exc:
            notes.append(Note("warning", f"the items file could not be read: {exc}"))
            forms = {"assignment": name, "forms": []}
    bar = Progress(len(found.scores), f"reading saved answers: {name}", enabled=progress)
    for student in sorted(found.scores):
        bar.advance()
        scores = found.scores[student]
        complete = all(scores.get(i) is not None for i in ids)
        hand = found.hand.get(student) if found.hand_max else None
        if not complete:
            submissions.append(Submission(student, scores, hand=hand, hand_max=found.hand_max))
            continue
        draw = None
        if forms is not None:
            views = {v["id"]: v for v in forms.get("items", ()) if isinstance(v, dict) and "id" in v}
            try:
                drawn = draw_for(forms["assignment"], student, forms["forms"]).items
            except ValueError:
                drawn = ()
            draw = [views.get(i, {"id": i, "kind": "choice"}) for i in drawn]
        saved = read_saved_answers(course_dir / settings.autograded / student / name, draw=draw)
        if saved.status == "missing":
            missing.append(student)
        elif saved.status == "corrupt":
            corrupt.append(student)
        if saved.typed:
            typed.append(student)
        if saved.assignment not in (None, name):
            elsewhere.append(student)
        status = "typed" if saved.typed and saved.status != "ok" else saved.status
        submissions.append(Submission(student, scores, saved.answers, status, hand, found.hand_max))
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
    typed_only = [s for s in missing if s in typed]
    if typed_only:
        notes.append(Note("info", (
            f"{len(typed_only)} graded submission(s) used the typed-answer route (answers typed "
            f"in the notebook, no responses.json, as expected on that route): {_names(typed_only)}.")))
    if no_saved:
        notes.append(Note("warning", (
            f"{len(no_saved)} graded submission(s) have no saved answers file "
            f"({settings.autograded}/<student>/{name}/responses.json) and no typed answers: "
            f"{_names(no_saved)}. No answer is known: they count as '{NO_ANSWER}' in the "
            "option counts and the confusion matrix; their scores still count. If they answered "
            "with the quiz, ask for the responses.json saved next to their notebook.")))
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


def write_report(course_dir: str | os.PathLike[str], out: str | os.PathLike[str] = "report.html",
                 assignment: str | None = None, *, progress: bool | None = None
                 ) -> tuple[CourseReport, list[Path]]:
    """Collect, render and write the HTML report and the CSV files beside it."""
    report = collect(course_dir, assignment, progress=progress)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render_html(report), encoding="utf-8")
    suffix = f"-{assignment}" if assignment else ""
    return report, [out, *write_csvs(report, out.parent, suffix)]


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
        out = args.out or ("report.html" if args.assignment is None
                           else f"report-{args.assignment}.html")
        report, paths = write_report(course, out, args.assignment,
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
    parser.add_argument("--out", default=None, metavar="PATH",
                        help="HTML file to write; the CSV files go beside it (default: report.html, "
                             "or report-NAME.html with --assignment NAME, whose CSV files are "
                             "named items-NAME.csv and so on: the course-wide files are kept)")
    parser.add_argument("--progress", action="store_true",
                        help="show a progress bar even when stderr is not a terminal")
    parser.set_defaults(func=_cmd_report)
