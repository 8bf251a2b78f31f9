"""Autograde from data: the course's nbgrader steps that grade the quiz without running
any trainee code.

nbgrader's ``Execute`` runs the submitted notebook, hidden tests included, in one kernel:
trainee code then runs next to the keys, with the instructor's rights.  The course
replaces ``Execute`` with these steps (one transform each, nbgrader style):

* :class:`RestoreReleasedHiddenTests` (sanitize stage, before ``OverwriteCells``): a
  locked cell that is exactly what was released (hidden tests stripped) gets its
  gradebook source back quietly, so an untouched release gives no "checksum has
  changed" warning; an edited locked cell still warns and is restored by nbgrader.
* :class:`GradeFromData` (autograde stage, instead of ``Execute``): reads
  ``responses.json`` (bounded JSON, no links) and the ``typed_answers`` literal
  (``ast.literal_eval``), takes each graded cell's key from the gradebook's copy of the
  hidden test (parsed, never run) and writes the graded cells' outputs: a line per
  question with the trainee's answer and points, an error output when it earns none.
  ``SaveAutoGrades`` then scores those outputs as usual.  Every other code cell keeps
  no output: nothing a trainee wrote is executed.
* :class:`SanitizeTraineeHTML`: nbconvert's ``SanitizeHTML`` (bleach), enabled, for
  the autograded notebook (what formgrader shows) and for feedback.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from nbconvert.preprocessors import Preprocessor
from nbconvert.preprocessors.sanitize import SanitizeHTML
from nbformat.v4 import new_output
from traitlets import Bool, Unicode

from powerdynamics.bank.labels import label_for
from powerdynamics.grading.assessment import RESPONSES_FILE, _merge, normalise_label, read_responses
from powerdynamics.grading.data import DataError, key_of, literal_assignment, typed_answers_of
from powerdynamics.grading.preprocessors import GRADED_FROM_DATA_KEY

#: ``ename`` of the error outputs GradeFromData writes (StripHiddenTests keeps them).
NO_ANSWER = "NoAnswer"
WRONG_ANSWER = "AnswerNotAccepted"
NOT_GRADABLE = "NotGradableFromData"
VERDICTS = (NO_ANSWER, WRONG_ANSWER, NOT_GRADABLE)


def _meta(cell: Any) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {}) or {}


def _source(cell: Any) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def _name(label: str) -> str:
    try:
        return label_for(label).name if normalise_label(label) == label else repr(label)
    except Exception:  # noqa: BLE001 - an unknown label is shown as typed
        return repr(label)


class RestoreReleasedHiddenTests(Preprocessor):
    """Give locked cells that match the release their gradebook source (hidden tests
    included) before ``OverwriteCells`` compares checksums."""

    enabled = Bool(True).tag(config=True)
    begin_hidden = Unicode("BEGIN HIDDEN TESTS").tag(config=True)
    end_hidden = Unicode("END HIDDEN TESTS").tag(config=True)

    def preprocess(self, nb: Any, resources: dict) -> tuple[Any, dict]:
        from nbgrader.api import Gradebook, MissingEntry
        from nbgrader.preprocessors import ClearHiddenTests

        info = resources.get("nbgrader", {})
        clear = ClearHiddenTests(begin_test_delimeter=self.begin_hidden,
                                 end_test_delimeter=self.end_hidden)
        with Gradebook(info["db_url"]) as gb:
            for cell in nb.cells:
                grade_id = _meta(cell).get("grade_id")
                if not grade_id or not _meta(cell).get("locked"):
                    continue
                try:
                    stored = gb.find_source_cell(grade_id, info["notebook"], info["assignment"])
                except MissingEntry:
                    continue
                if not stored.locked or self.begin_hidden not in (stored.source or ""):
                    continue
                released = type(cell)(cell_type=stored.cell_type, source=stored.source,
                                      metadata={})
                try:
                    clear._remove_hidden_test_region(released)
                except RuntimeError:
                    continue
                if _source(cell).rstrip() == released.source.rstrip():
                    cell.source = stored.source
        return nb, resources


class GradeFromData(Preprocessor):
    """Judge the quiz answers (data) against the keys and write the graded cells' outputs."""

    enabled = Bool(True).tag(config=True)
    responses_file = Unicode(RESPONSES_FILE).tag(config=True)
    typed_name = Unicode("typed_answers").tag(config=True)
    items_name = Unicode("ITEMS").tag(config=True)
    status_cell = Unicode("status", help="grade id of the 'Before you submit' cell").tag(config=True)
    quiz_cell = Unicode("quiz", help="grade id of the quiz cell").tag(config=True)

    def _keys(self, nb: Any, resources: dict) -> dict[str, tuple[str, str] | None]:
        """grade id -> (item, key) from the gradebook's source cells (instructor data)."""
        from nbgrader.api import Gradebook, MissingEntry

        info = resources.get("nbgrader", {})
        keys: dict[str, tuple[str, str] | None] = {}
        with Gradebook(info["db_url"]) as gb:
            for cell in nb.cells:
                meta = _meta(cell)
                if cell.cell_type != "code" or not meta.get("grade") or meta.get("solution"):
                    continue
                try:
                    stored = gb.find_source_cell(meta["grade_id"], info["notebook"],
                                                 info["assignment"])
                except MissingEntry:
                    keys[meta["grade_id"]] = None
                    continue
                keys[meta["grade_id"]] = key_of(stored.source or "")
        return keys

    def preprocess(self, nb: Any, resources: dict) -> tuple[Any, dict]:
        folder = Path(resources.get("metadata", {}).get("path") or ".")
        found = read_responses(folder / self.responses_file, follow_symlinks=False)
        notes: list[str] = []
        if found.status == "missing":
            notes.append(f"No saved quiz answers: {self.responses_file} was not handed in. "
                         "Typed answers, if any, are used.")
        elif found.status == "corrupt":
            problem = (found.problem or "").replace(str(folder) + "/", "")
            notes.append(f"Saved quiz answers could not be read ({problem}). Typed answers, "
                         "if any, are used.")
        try:
            typed = typed_answers_of(nb.cells, self.typed_name)
        except DataError as exc:
            typed = None
            notes.append(f"Typed answers could not be read: {exc}.")
        merged = _merge(found.answers, typed, notes.append)
        items = self._items(nb)
        numbers = {item["id"]: n for n, item in enumerate(items, start=1)}
        keys = self._keys(nb, resources)
        graded_order = [gid for gid in keys]
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            cell.outputs = []
            cell.execution_count = None
            meta = _meta(cell)
            grade_id = meta.get("grade_id")
            if grade_id in keys:
                cell.metadata[GRADED_FROM_DATA_KEY] = {"graded_from_data": True}
                number = numbers.get((keys[grade_id] or (grade_id,))[0],
                                     graded_order.index(grade_id) + 1)
                cell.outputs = self._verdict(number, grade_id, keys[grade_id], merged, typed,
                                             float(meta.get("points", 0) or 0), notes)
            elif grade_id == self.status_cell:
                cell.outputs = [new_output("stream", name="stdout",
                                           text=self._status(items, merged, typed, notes))]
            elif grade_id == self.quiz_cell and items:
                cell.outputs = [self._listing(items, merged)]
        return nb, resources

    def _items(self, nb: Any) -> list[dict]:
        for cell in nb.cells:
            if cell.cell_type == "code" and _meta(cell).get("grade_id") == self.quiz_cell:
                try:
                    value = literal_assignment(_source(cell), self.items_name)
                except DataError:
                    return []
                if isinstance(value, list):
                    return [i for i in value if isinstance(i, dict) and isinstance(i.get("id"), str)]
        return []

    @staticmethod
    def _typed_here(typed: Any, item: str) -> bool:
        return isinstance(typed, dict) and isinstance(typed.get(item), str) \
            and normalise_label(typed[item]) is not None

    def _verdict(self, number: int, grade_id: str, key: tuple[str, str] | None,
                 merged: dict[str, str], typed: Any, points: float, notes: list[str]) -> list[Any]:
        outputs = [new_output("stream", name="stdout", text="".join(f"{n}\n" for n in notes))] \
            if notes else []
        if key is None:
            text = (f"Question {number} ({grade_id}) has no quiz key the course can read, so it "
                    "was not graded automatically: grade it by hand.")
            return [*outputs, new_output("error", ename=NOT_GRADABLE, evalue=text, traceback=[text])]
        item, label = key
        answer = merged.get(item)
        head = f"Question {number} ({item})"
        if answer is None:
            text = (f"{head} has no answer: nothing was chosen in the quiz or typed in "
                    f"typed_answers, so this cell earned no points.")
            return [*outputs, new_output("error", ename=NO_ANSWER, evalue=text, traceback=[text])]
        source = "typed" if self._typed_here(typed, item) else "saved quiz answer"
        if answer == label:
            text = f"{head}: your answer, {_name(answer)} ({source}), earned {points:g} of {points:g}."
            return [*outputs, new_output("stream", name="stdout", text=text + "\n")]
        text = (f"{head}: your answer, {_name(answer)} ({source}), is not the expected one, so "
                "this cell earned no points.")
        return [*outputs, new_output("error", ename=WRONG_ANSWER, evalue=text, traceback=[text])]

    def _status(self, items: list[dict], merged: dict[str, str], typed: Any,
                notes: list[str]) -> str:
        lines = []
        answered = 0
        for number, item in enumerate(items, start=1):
            value = merged.get(item["id"])
            if value is None:
                lines.append(f"Question {number} ({item['id']}): no answer")
                continue
            answered += 1
            source = "typed" if self._typed_here(typed, item["id"]) else "saved quiz answer"
            lines.append(f"Question {number} ({item['id']}): {_name(value)} ({source})")
        return "\n".join([f"{answered} of {len(items)} questions answered.", *lines, *notes]) + "\n"

    @staticmethod
    def _listing(items: list[dict], merged: dict[str, str]) -> Any:
        rows, text = [], []
        for number, item in enumerate(items, start=1):
            vignette = " ".join(str(item.get("vignette", "")).split())
            answer = merged.get(item["id"])
            shown = _name(answer) if answer else "no answer"
            rows.append(f"<li><p>{html.escape(vignette)}</p><p>Your answer: "
                        f"<strong>{html.escape(shown)}</strong></p></li>")
            text.append(f"Question {number} ({item['id']}): {vignette}\n  Your answer: {shown}")
        body = ('<div class="pd-assessment-feedback"><p><strong>The quiz as you answered '
                f"it</strong></p><ol>{''.join(rows)}</ol></div>")
        return new_output("display_data", data={"text/html": body, "text/plain": "\n".join(text)})


class SanitizeTraineeHTML(SanitizeHTML):
    """nbconvert's ``SanitizeHTML`` (bleach), switched on: trainee markdown, raw cells and
    HTML outputs keep their text but lose scripts, event handlers and ``javascript:``."""

    enabled = Bool(True).tag(config=True)
