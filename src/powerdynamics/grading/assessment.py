"""Assessment mode: the graded scenario quiz, the typed-answer route and the grading loader.

The practice quiz (:mod:`powerdynamics.quiz`) judges every answer on the spot.  An
assessment cannot: its keys must never reach a trainee's machine.  So this module
knows **no keys at all**.  An :class:`AssessmentQuiz` shows the same radio group per
scenario as the practice widget, but all it says after a choice is "Saved".  Every
choice is written at once, atomically, to a JSON file next to the notebook
(``responses.json`` by default), so the answers travel with the notebook when the
assignment is submitted or collected::

    {"assignment": "a1-bases-of-power",
     "answers": {"<item id>": "<label slug>", ...},
     "updated": "2026-01-31T10:15:00+00:00"}

Grading happens later, in nbgrader's autograde step, where hidden tests (kept only in
the instructor's ``exercises/source``) compare :func:`load_responses` with the key.

Trainees who cannot use the widget type their answers into a dict instead
(``typed_answers = {"<item id>": "<label>"}``).  :func:`check_format` checks that dict
for *format only* (unknown item ids, unknown labels with a did-you-mean suggestion,
empty answers) and never says whether an answer is right.

Which answer wins: for each item, a **typed answer wins over the saved widget answer**
when it is a non-empty string that names a known label (after forgiving case, spaces
and the display name, e.g. ``"Referent power"`` → ``referent``).  A typed entry that
names no known label does not override a saved widget answer (the problem is reported);
with no widget answer it is kept as typed and simply earns no point.

Nothing a trainee enters is lost: a responses file that cannot be read is moved aside
(``responses.json.corrupt-<time>``) with a warning before a new one is written, and
while nbgrader executes the notebook (``NBGRADER_EXECUTION`` is set) the quiz never
writes, moves or deletes anything.
"""

from __future__ import annotations

import contextlib
import difflib
import json
import os
import tempfile
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html import escape
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError, model_validator

from powerdynamics.bank.labels import CATEGORIES, label_for
from powerdynamics.display import bundle_with_widget
from powerdynamics.grading.data import DataError, check_answers, loads_bounded, read_text_bounded
from powerdynamics.kinds.base import ItemBase

__all__ = [
    "RESPONSES_FILE",
    "AssessmentItem",
    "AssessmentQuiz",
    "FormatReport",
    "Responses",
    "ResponsesError",
    "answer_status",
    "check_format",
    "load_responses",
    "normalise_label",
    "parse_items",
    "read_responses",
    "write_responses",
]

RESPONSES_FILE = "responses.json"
#: Set by nbgrader while it executes a notebook (``autograde``, ``validate``).
NBGRADER_EXECUTION_ENV = "NBGRADER_EXECUTION"
#: Fields that belong to practice items only; an assessment item carrying one would ship it.
_KEY_FIELDS = ("key", "explanation", "feedback", "answer", "solution")


# -- items ------------------------------------------------------------------------------
class AssessmentItem(ItemBase):
    """One graded scenario: what the trainee sees, and nothing that gives the answer away."""

    content_note: bool = False

    @model_validator(mode="before")
    @classmethod
    def _no_key(cls, data: Any) -> Any:
        if isinstance(data, Mapping):
            carried = [f for f in _KEY_FIELDS if f in data]
            if carried:
                raise ValueError(
                    f"{', '.join(carried)}: an assessment item must not carry "
                    f"{'/'.join(carried)} (it would ship to trainees); the key belongs only "
                    "in the hidden tests of exercises/source"
                )
        return data

    @model_validator(mode="after")
    def _options_in_category(self) -> AssessmentItem:
        problems = self.option_problems()
        if problems:
            raise ValueError("; ".join(problems))
        return self


def _as_mapping(item: Any) -> Any:
    if isinstance(item, AssessmentItem):
        return item
    if isinstance(item, BaseModel):  # e.g. a practice Scenario: rejected below if it has a key
        return item.model_dump()
    return item


def parse_items(items: Iterable[Any]) -> tuple[AssessmentItem, ...]:
    """Validate assessment items (dicts or models); errors name the item and the field."""
    parsed: list[AssessmentItem] = []
    problems: list[str] = []
    seen: set[str] = set()
    for number, raw in enumerate(items, start=1):
        raw = _as_mapping(raw)
        name = f"item {number}"
        if isinstance(raw, Mapping) and raw.get("id"):
            name += f" ({raw['id']})"
        elif isinstance(raw, AssessmentItem):
            name += f" ({raw.id})"
        try:
            item = raw if isinstance(raw, AssessmentItem) else AssessmentItem.model_validate(raw)
        except ValidationError as exc:
            for err in exc.errors():
                loc = ".".join(str(p) for p in err["loc"])
                msg = err["msg"].removeprefix("Value error, ")
                problems.append(f"{name}: {loc + ': ' if loc else ''}{msg}")
            continue
        if item.id in seen:
            problems.append(f"{name}: id: duplicate id {item.id!r}")
        seen.add(item.id)
        parsed.append(item)
    if problems:
        raise ValueError("invalid assessment items:\n  " + "\n  ".join(problems))
    if not parsed:
        raise ValueError("invalid assessment items: the list is empty")
    return tuple(parsed)


# -- labels -----------------------------------------------------------------------------
def _all_slugs() -> list[str]:
    return [slug for c in CATEGORIES.values() for slug in c.slugs]


def normalise_label(value: str) -> str | None:
    """The label slug a typed answer means, forgiving case, spaces and display names.

    ``"Referent"``, ``" referent "`` and ``"Referent power"`` all mean ``referent``;
    ``"power over"`` means ``power-over``.  Returns ``None`` when no label matches.
    """
    text = " ".join(str(value).split()).lower()
    if not text:
        return None
    slug = text.replace("_", "-").replace(" ", "-")
    slugs = _all_slugs()
    if slug in slugs:
        return slug
    for candidate in slugs:
        name = label_for(candidate).name.lower()
        if text == name or text == name.split(" (")[0]:
            return candidate
    return None


def _did_you_mean(value: str, candidates: Sequence[str]) -> str:
    text = str(value).strip().lower().replace(" ", "-").replace("_", "-")
    close = difflib.get_close_matches(text, list(candidates), n=1, cutoff=0.6)
    return f'; did you mean "{close[0]}"?' if close else ""


# -- the responses file -----------------------------------------------------------------
class ResponsesError(ValueError):
    """A responses file exists but cannot be used (not JSON, or not the expected shape)."""


@dataclass
class Responses:
    """What a responses file holds, and in what state it was found."""

    path: Path
    status: str  # "ok", "missing" or "corrupt"
    assignment: str | None = None
    answers: dict[str, str] = field(default_factory=dict)
    updated: str | None = None
    problem: str | None = None


def _parse_responses(text: str, path: Path) -> tuple[str | None, dict[str, str], str | None]:
    try:
        data = loads_bounded(text)
    except DataError as exc:
        raise ResponsesError(f"{path}: {exc}") from None
    if not isinstance(data, dict):
        raise ResponsesError(f"{path}: top level must be a JSON object, got {type(data).__name__}")
    try:
        answers = check_answers(data.get("answers"), "field 'answers'")
    except DataError as exc:
        raise ResponsesError(f"{path}: {exc}") from None
    assignment = data.get("assignment")
    if assignment is not None and (not isinstance(assignment, str) or len(assignment) > 200):
        raise ResponsesError(f"{path}: field 'assignment' must be a string")
    updated = data.get("updated")
    return assignment, answers, updated if isinstance(updated, str) and len(updated) < 64 else None


def read_responses(path: str | os.PathLike[str] = RESPONSES_FILE, *,
                   follow_symlinks: bool = True) -> Responses:
    """Read a responses file without changing anything on disk.

    Anything unusable (not a regular file, over 1 MB, not UTF-8, not JSON, nested too
    deeply, duplicate keys, wrong shape) gives status ``"corrupt"`` with a ``problem``
    sentence; this never raises.  Grading passes ``follow_symlinks=False``."""
    path = Path(path)
    try:
        text = read_text_bounded(path, follow_symlinks=follow_symlinks)
    except FileNotFoundError:
        return Responses(path, "missing", problem=f"{path} does not exist")
    except DataError as exc:
        return Responses(path, "corrupt", problem=f"{path}: could not be read: {exc}")
    except OSError as exc:
        return Responses(path, "corrupt", problem=f"{path}: could not be read ({exc})")
    try:
        assignment, answers, updated = _parse_responses(text, path)
    except ResponsesError as exc:
        problem = str(exc)
        if "could not be read" not in problem:
            problem = problem.replace(f"{path}: ", f"{path}: could not be read: ", 1)
        return Responses(path, "corrupt", problem=problem)
    return Responses(path, "ok", assignment, answers, updated)


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def write_responses(
    path: str | os.PathLike[str], assignment: str | None, answers: Mapping[str, Any], *,
    draw: Mapping[str, Any] | None = None,
) -> Path:
    """Write the responses file atomically: a temporary file in the same directory, then
    ``os.replace``.  A crash leaves either the old file or the new one, never half a file.
    ``draw`` (a pooled assignment) records whose draw the answers belong to."""
    path = Path(path)
    payload: dict[str, Any] = {"assignment": assignment, "answers": dict(sorted(answers.items()))}
    if draw is not None:
        payload["draw"] = dict(draw)
    payload["updated"] = _now()
    text = json.dumps(payload, indent=2, ensure_ascii=False) + "\n"
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return path


def move_aside(path: str | os.PathLike[str]) -> Path:
    """Rename an unusable responses file to ``<name>.corrupt-<UTC time>[-n]`` and return it."""
    path = Path(path)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = path.with_name(f"{path.name}.corrupt-{stamp}")
    counter = 1
    while target.exists():
        counter += 1
        target = path.with_name(f"{path.name}.corrupt-{stamp}-{counter}")
    os.replace(path, target)
    return target


def _under_nbgrader() -> bool:
    return bool(os.environ.get(NBGRADER_EXECUTION_ENV))


# -- the typed-answer route -------------------------------------------------------------
@dataclass
class FormatReport:
    """The result of :func:`check_format`: problems (if any) and notes, never correctness."""

    problems: list[str]
    notes: list[str]
    checked: int

    @property
    def ok(self) -> bool:
        return not self.problems

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        if self.ok and not self.checked:
            head = "No typed answers to check."
        elif self.ok:
            head = f"Format OK: {self.checked} typed answer(s) checked."
        else:
            count = len(self.problems)
            head = f"Format problems ({count}): fix {'these' if count > 1 else 'this'} and run the cell again."
        lines = [head, *(f"  - {p}" for p in self.problems), *(f"  * {n}" for n in self.notes)]
        lines.append("This check looks at the format only; it never says whether an answer is right.")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return str(self)

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(str(self))


_current_items: tuple[AssessmentItem, ...] | None = None


def check_format(answers: Any, items: Iterable[Any] | None = None) -> FormatReport:
    """Check typed answers for format only: a dict of item id -> label.

    Reports unknown item ids (with a did-you-mean), unknown labels (did you mean
    "referent"?), labels that are not options of that item, empty answers and values
    that are not text.  ``items`` defaults to the items of the last
    :class:`AssessmentQuiz` built in this session.  It never says whether an answer is
    correct: it cannot, because it does not know the key.
    """
    parsed = parse_items(items) if items is not None else _current_items
    problems: list[str] = []
    notes: list[str] = []
    if answers is None:
        answers = {}
    if not isinstance(answers, Mapping):
        problems.append(
            f"typed answers must be a dict like {{\"item-id\": \"label\"}}; got a "
            f"{type(answers).__name__}"
        )
        return FormatReport(problems, notes, 0)
    by_id = {item.id: item for item in parsed} if parsed else {}
    if not answers:
        notes.append(
            "no answers typed (empty dict): fine if you answered with the quiz; otherwise type "
            "one entry per item, e.g. {\"<item id>\": \"<label>\"}"
        )
    if parsed is None:
        notes.append("item ids were not checked: run the quiz cell first (or pass the items)")
    checked = 0
    for raw_id, value in answers.items():
        item_id = str(raw_id)
        item = by_id.get(item_id)
        if parsed is not None and item is None:
            problems.append(
                f"{item_id!r} is not an item of this assessment{_did_you_mean(item_id, list(by_id))}"
                f" (items: {', '.join(by_id)})"
            )
            continue
        checked += 1
        options = list(item.options) if item else _all_slugs()
        if not isinstance(value, str):
            problems.append(
                f"{item_id}: the answer must be a label in quotes (one of: {', '.join(options)}); "
                f"got {value!r} ({type(value).__name__})"
            )
            continue
        if not value.strip():
            problems.append(f"{item_id}: empty answer; type one of: {', '.join(options)}")
            continue
        slug = normalise_label(value)
        if slug is None:
            hint = _did_you_mean(value, options) or _did_you_mean(value, _all_slugs())
            problems.append(
                f"{item_id}: {value!r} is not a label{hint} (options: {', '.join(options)})"
            )
            continue
        if item is not None and slug not in item.options:
            problems.append(
                f"{item_id}: {slug!r} is not one of this item's options ({', '.join(options)})"
            )
            continue
        if slug != value:
            notes.append(f"{item_id}: {value!r} will be read as {slug!r}")
    if parsed is not None and answers:
        untyped = [i for i in by_id if i not in {str(k) for k in answers}]
        if untyped:
            notes.append(
                f"not typed: {', '.join(untyped)} (your saved quiz answers are used for these)"
            )
    return FormatReport(problems, notes, checked)


# -- the loader used by the hidden tests ------------------------------------------------
def _merge(saved: Mapping[str, str], typed: Any, say) -> dict[str, str]:
    merged = {str(k): v for k, v in saved.items()}
    if typed is None:
        return merged
    if not isinstance(typed, Mapping):
        say(f"typed answers ignored: expected a dict of item id -> label, got {type(typed).__name__}")
        return merged
    for raw_id, value in typed.items():
        item_id = str(raw_id)
        if not isinstance(value, str) or not value.strip():
            continue  # an empty typed entry never erases a saved answer
        slug = normalise_label(value)
        if slug is not None:
            merged[item_id] = slug
        elif item_id in merged:
            say(f"{item_id}: typed answer {value!r} is not a label; the saved quiz answer is used")
        else:
            merged[item_id] = value.strip()
    return merged


def load_responses(
    path: str | os.PathLike[str] = RESPONSES_FILE,
    typed: Any = None,
    *,
    assignment: str | None = None,
    quiet: bool = False,
) -> dict[str, str]:
    """Answers for grading: saved widget answers merged with typed answers.

    Typed answers win, item by item, when they name a known label (see the module
    docstring).  A missing file gives ``{}`` (plus any typed answers) and a message
    saying so; an unreadable file is reported and left where it is (grading never
    moves or changes submitted files).  ``quiet`` suppresses the messages.
    """

    def say(message: str) -> None:
        if not quiet:
            print(message)

    found = read_responses(path)
    if found.status == "missing":
        say(f"No saved quiz answers: {found.path} does not exist (no answer was saved with the "
            "quiz, or the file was not submitted). Typed answers, if any, are used.")
    elif found.status == "corrupt":
        say(f"Saved quiz answers could not be read: {found.problem}. Typed answers, if any, "
            "are used.")
    elif assignment is not None and found.assignment not in (None, assignment):
        say(f"{found.path} was saved for assignment {found.assignment!r}, not {assignment!r}; "
            "its answers are used only for items with matching ids.")
    return _merge(found.answers, typed, say)


def answer_status(items: Iterable[Any], typed: Any = None,
                  path: str | os.PathLike[str] = RESPONSES_FILE) -> str:
    """Which items have an answer, and from which route; never whether it is right."""
    parsed = parse_items(items)
    found = read_responses(path)
    lines: list[str] = []
    if found.status == "missing":
        lines.append(f"No quiz answers saved yet ({found.path.name} not found next to this notebook).")
    elif found.status == "corrupt":
        lines.append(f"The saved quiz answers cannot be read: {found.problem}. Re-open the quiz "
                     "cell to start a new file (the old one is kept aside).")
    notes: list[str] = []
    merged = _merge(found.answers, typed if isinstance(typed, Mapping) else None, notes.append)
    answered = 0
    for number, item in enumerate(parsed, start=1):
        value = merged.get(item.id)
        typed_here = isinstance(typed, Mapping) and isinstance(typed.get(item.id), str) \
            and normalise_label(typed[item.id]) is not None
        if value is None:
            lines.append(f"Question {number} ({item.id}): no answer")
            continue
        answered += 1
        source = "typed" if typed_here else "saved quiz answer"
        shown = label_for(value).name if normalise_label(value) == value else repr(value)
        lines.append(f"Question {number} ({item.id}): {shown} ({source})")
    lines.extend(notes)
    lines.insert(0, f"{answered} of {len(parsed)} questions answered.")
    return "\n".join(lines)


# -- the widget -------------------------------------------------------------------------
def _p(text: str, cls: str = "") -> str:
    attr = f' class="{cls}"' if cls else ""
    return f"<p{attr}>{escape(text)}</p>"


class AssessmentQuiz:
    """The graded scenario quiz: a radio group per item, answers saved, nothing judged.

    >>> quiz = AssessmentQuiz(ITEMS, assignment="a1-bases-of-power")   # doctest: +SKIP

    ``items`` are dicts (or :class:`AssessmentItem`) with ``id``, ``category``,
    ``vignette``, ``options`` and optionally ``content_note``; an item with a ``key``
    is refused.  ``responses_path`` is resolved once, against the working directory
    (the notebook's folder in JupyterLab and in nbgrader).  ``stacked=True`` shows all
    questions at once instead of one at a time.
    """

    def __init__(
        self,
        items: Iterable[Any],
        responses_path: str | os.PathLike[str] = RESPONSES_FILE,
        assignment: str | None = None,
        *,
        title: str | None = None,
        stacked: bool = False,
    ) -> None:
        global _current_items
        self.items = parse_items(items)
        _current_items = self.items
        self.path = Path(responses_path).absolute()
        self.assignment = assignment
        self.title = title or (assignment or "Graded quiz")
        self.stacked = stacked
        self.read_only = _under_nbgrader()
        self.messages: list[str] = []
        self._answers: dict[str, str] = {}
        self._restore()
        self._widget: Any = None

    # -- state -----------------------------------------------------------------------
    def _warn(self, message: str) -> None:
        self.messages.append(message)
        warnings.warn(message, stacklevel=3)

    def _restore(self) -> None:
        found = read_responses(self.path)
        if found.status == "corrupt":
            if self.path.is_dir():
                self._warn(f"{self.path} is a folder, so answers cannot be saved there; rename it "
                           "or pass another responses_path.")
                self.read_only = True
                return
            if self.read_only:
                self.messages.append(f"Saved answers cannot be read: {found.problem}")
                return
            try:
                aside = move_aside(self.path)
            except OSError as exc:
                self._warn(f"{found.problem}. It could not be moved aside ({exc}); answers will "
                           "not be saved until it is fixed or removed.")
                self.read_only = True
                return
            self._warn(f"{found.problem}. The file was kept as {aside.name} and a new "
                       f"{self.path.name} will be started; tell your instructor if it held answers.")
            return
        if found.status == "ok":
            if self.assignment and found.assignment not in (None, self.assignment):
                self._warn(f"{self.path.name} was saved for assignment {found.assignment!r}, not "
                           f"{self.assignment!r}; only answers to this quiz's items are shown.")
            self._answers = dict(found.answers)

    @property
    def answers(self) -> dict[str, str]:
        """Answers to this quiz's items (what the widget shows)."""
        ids = {item.id for item in self.items}
        return {k: v for k, v in self._answers.items() if k in ids}

    @property
    def item_ids(self) -> list[str]:
        return [item.id for item in self.items]

    def __len__(self) -> int:
        return len(self.items)

    def __repr__(self) -> str:
        return (f"<AssessmentQuiz {self.title!r}: {len(self.items)} items, "
                f"{len(self.answers)} answered, saved to {self.path.name}>")

    def save(self, item_id: str, label: str) -> Path:
        """Record one answer and write the file (merging with what is on disk)."""
        item = next((i for i in self.items if i.id == item_id), None)
        if item is None:
            raise KeyError(f"{item_id!r} is not an item of this quiz ({', '.join(self.item_ids)})")
        if label not in item.options:
            raise ValueError(f"{item_id}: {label!r} is not an option ({', '.join(item.options)})")
        self._answers[item_id] = label
        if self.read_only:
            raise PermissionError(
                "answers are not written while nbgrader executes this notebook"
                if _under_nbgrader() else f"{self.path} cannot be used; answers are not saved"
            )
        on_disk = read_responses(self.path)
        if on_disk.status == "corrupt":
            aside = move_aside(self.path)
            self._warn(f"{on_disk.problem}. The file was kept as {aside.name}.")
        elif on_disk.status == "ok":
            # keep answers written meanwhile by another session, then apply ours
            self._answers = {**on_disk.answers, **self._answers}
        return write_responses(self.path, self.assignment, self._answers)

    def check_format(self, answers: Any) -> FormatReport:
        return check_format(answers, self.items)

    # -- renderings -----------------------------------------------------------------
    @property
    def widget(self) -> Any:
        if self._widget is None:
            self._widget = _AssessmentWidget(self)
        return self._widget

    def select(self, item_id: str, label: str) -> str:
        """Choose ``label`` for ``item_id`` in the widget, as a click would; returns the status."""
        return self.widget.select(item_id, label)

    def to_html(self) -> str:
        """A static, non-interactive rendering (for viewers without a kernel)."""
        parts = [
            '<div class="pd-assessment">',
            f"<p><strong>Graded quiz: {escape(self.title)}</strong></p>",
            _p("This graded quiz needs a running Python kernel: open the notebook in "
               "JupyterLab to answer, or use the typed-answer cell below."),
            "<ol>",
        ]
        for item in self.items:
            options = "".join(
                f"<li>{escape(label_for(o).name)}: {escape(label_for(o).definition)}</li>"
                for o in item.options
            )
            note = _p("Content note: this scenario describes controlling or abusive behaviour.") \
                if item.content_note else ""
            parts.append(
                f"<li>{note}{_p(item.vignette)}"
                f"<p><em>{escape(CATEGORIES[item.category].question)}</em> "
                f"(item <code>{escape(item.id)}</code>)</p><ul>{options}</ul></li>"
            )
        parts.append("</ol></div>")
        return "".join(parts)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        return bundle_with_widget(repr(self), self.to_html(), self.widget.box)


class _AssessmentWidget:
    """ipywidgets view: the practice widget's look, with "Saved" instead of a verdict."""

    def __init__(self, quiz: AssessmentQuiz) -> None:
        import ipywidgets as w

        self.quiz = quiz
        self.index = 0
        self.radios: dict[str, Any] = {}
        self.statuses: dict[str, Any] = {}
        self.panels: list[Any] = []
        total = len(quiz.items)
        saved = quiz.answers
        for number, item in enumerate(quiz.items, start=1):
            note = _p("Content note: this scenario describes controlling or abusive behaviour.") \
                if item.content_note else ""
            vignette = w.HTML(
                _p(f"Question {number} of {total}") + note + _p(item.vignette)
                + f"<p><em>{escape(CATEGORIES[item.category].question)}</em></p>",
                layout=w.Layout(max_width="48em"),
            )
            options = [(f"{label_for(o).name}: {label_for(o).definition}", o) for o in item.options]
            value = saved.get(item.id)
            radio = w.RadioButtons(options=options, value=value if value in item.options else None,
                                   layout=w.Layout(width="auto"))
            status = w.HTML(self._status_text(item.id, value, restored=True))
            radio.observe(lambda change, item_id=item.id: self._on_select(item_id, change),
                          names="value")
            self.radios[item.id] = radio
            self.statuses[item.id] = status
            self.panels.append(w.VBox([vignette, radio, status]))

        header = [w.HTML(f"<strong>Graded quiz: {escape(quiz.title)}</strong>"),
                  w.HTML(_p("Your choice is saved as soon as you click it, in "
                            f"{quiz.path.name} next to this notebook, and is submitted with "
                            "it. You can change it until you submit. This quiz does not show "
                            "whether an answer is right; your feedback will."))]
        header += [w.HTML(f'<p role="alert">{escape(m)}</p>') for m in quiz.messages]
        self.progress = w.HTML()
        if quiz.stacked:
            body = list(self.panels)
            nav: list[Any] = []
        else:
            self.holder = w.VBox([self.panels[0]])
            self.prev = w.Button(description="Previous question")
            self.next = w.Button(description="Next question")
            self.prev.on_click(lambda _b: self.go(self.index - 1))
            self.next.on_click(lambda _b: self.go(self.index + 1))
            body = [self.holder]
            nav = [w.HBox([self.prev, self.next])]
        self.box = w.VBox(
            header + body + nav + [self.progress],
            layout=w.Layout(border="1px solid #8a8a8a", padding="0.5em 1em", margin="1em 0"),
        )
        self._update_nav()

    def _status_text(self, item_id: str, value: str | None, restored: bool = False) -> str:
        if value is None:
            return _p("Not answered yet.")
        name = label_for(value).name if value in _all_slugs() else value
        if restored:
            return _p(f"Saved earlier: {name}.")
        return f'<p role="status" aria-live="polite">{escape(f"Saved: {name}.")}</p>'

    def _update_nav(self) -> None:
        answered = len(self.quiz.answers)
        self.progress.value = _p(f"Answered {answered} of {len(self.quiz.items)}.")
        if not self.quiz.stacked:
            self.prev.disabled = self.index == 0
            self.next.disabled = self.index == len(self.panels) - 1

    def go(self, index: int) -> None:
        if self.quiz.stacked or not 0 <= index < len(self.panels):
            return
        self.index = index
        self.holder.children = [self.panels[index]]
        self._update_nav()

    def _on_select(self, item_id: str, change: Mapping[str, Any]) -> None:
        value = change["new"]
        status = self.statuses[item_id]
        if value is None:
            return
        try:
            self.quiz.save(item_id, value)
        except PermissionError as exc:
            status.value = _p(f"Not saved: {exc}.")
        except OSError as exc:
            advice = ("Your choice is kept in this session; click it again, or type it in the "
                      "typed-answer cell.")
            status.value = (f'<p role="alert" style="color:#b42318">'
                            f"{escape(f'Not saved: {exc}. {advice}')}</p>")
        else:
            status.value = self._status_text(item_id, value)
        self._update_nav()

    def select(self, item_id: str, label: str) -> str:
        if item_id not in self.radios:
            raise KeyError(f"{item_id!r} is not an item of this quiz")
        if not self.quiz.stacked:
            self.go(self.quiz.item_ids.index(item_id))
        radio = self.radios[item_id]
        if radio.value == label:
            self._on_select(item_id, {"new": label})
        else:
            radio.value = label
        return self.statuses[item_id].value
