"""Grading a per-trainee draw from data (issue 12): pool mode of :class:`GradeFromData`.

The notebook of an assignment with a pool has graded cells ``q01`` ... ``q12``, one per
position of the trainee's draw.  At autograde:

* the keys come from the course's pool, ``<course>/pools/<assignment>.yaml`` (instructor
  only; never in the notebook, the release or the submission);
* the forms come from the instructor's ``source/<assignment>/<pool name>-items.json``
  (never from the submitted copy);
* the draw is recomputed with :func:`powerdynamics.grading.draws.draw_for` from the
  nbgrader student id, and compared with the ``draw`` record the trainee's quiz saved in
  ``responses.json``: when they differ, every ``q`` cell gets a ``DrawMismatch`` error
  (0 points) and ``powerdynamics grade check`` lists the flag, so the instructor looks
  before anything is graded;
* position k is judged by the one scoring rule ``kinds.grade(item, answer)``; its score
  times the cell's points is written as nbgrader partial credit (an ``execute_result``
  whose ``text/plain`` is the points earned: ``nbgrader.utils.determine_grade``), with a
  line that shows the trainee's own answer and the points, never the key.

Nothing here runs trainee code: ``responses.json`` is bounded JSON, the typed answers a
literal read with ``ast.literal_eval``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from powerdynamics.grading.data import (
    MAX_RESPONSES_BYTES,
    DataError,
    loads_bounded,
    read_text_bounded,
)
from powerdynamics.grading.draws import Draw, normalise_login

DRAW_MISMATCH = "DrawMismatch"
Q_CELL = re.compile(r"^q(\d{2,3})$")
ITEMS_FILE_IN_SOURCE = re.compile(r"[\"']([\w.-]+-items\.json)[\"']")
#: One answer (a case's marking, a session's path) as JSON: far below this.
MAX_ANSWER_CHARS = 2_000
MAX_ANSWERS = 500

_POOL_CACHE: dict[tuple[str, float], dict[str, Any]] = {}


@dataclass
class PoolResponses:
    """``responses.json`` of a pooled assignment: answers of any kind and the saved draw."""

    status: str  # "ok", "missing" or "corrupt"
    answers: dict[str, Any] = field(default_factory=dict)
    draw: dict[str, Any] | None = None
    problem: str = ""


def _check_value(value: Any, what: str) -> Any:
    try:
        text = json.dumps(value, ensure_ascii=False)
        text.encode("utf-8")  # a lone surrogate ("\ud800") is not text: refuse it here
    except UnicodeEncodeError:
        raise DataError(f"{what} holds text that is not valid Unicode") from None
    except (TypeError, ValueError, RecursionError):
        raise DataError(f"{what} is not plain data") from None
    if len(text) > MAX_ANSWER_CHARS:
        raise DataError(f"{what} is longer than {MAX_ANSWER_CHARS} characters")
    return value


def parse_pool_responses(data: Any) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """Answers (item id -> any kind's answer) and the ``draw`` record, checked for shape."""
    if not isinstance(data, dict):
        raise DataError(f"top level must be a JSON object, got {type(data).__name__}")
    answers = data.get("answers", {})
    if answers is None:
        answers = {}
    if not isinstance(answers, dict):
        raise DataError("field 'answers' must be an object of item id -> answer")
    if len(answers) > MAX_ANSWERS:
        raise DataError(f"field 'answers' has {len(answers)} entries; at most {MAX_ANSWERS}")
    checked = {}
    for key, value in answers.items():
        if not isinstance(key, str) or len(key) > 200:
            raise DataError("an item id in field 'answers' is not a short string")
        _check_value(key, "an item id in field 'answers'")
        checked[key] = _check_value(value, f"the answer to {key[:40]!r}")
    draw = data.get("draw")
    if draw is not None:
        if not isinstance(draw, dict):
            raise DataError("field 'draw' must be an object")
        _check_value(draw, "field 'draw'")
    return checked, draw


def read_pool_responses(path: Path) -> PoolResponses:
    """Read ``responses.json`` without following a link; never raises."""
    try:
        text = read_text_bounded(path, max_bytes=MAX_RESPONSES_BYTES, follow_symlinks=False)
        answers, draw = parse_pool_responses(loads_bounded(text))
    except FileNotFoundError:
        return PoolResponses("missing", problem=f"{path.name} was not handed in")
    except DataError as exc:
        return PoolResponses("corrupt", problem=f"{path.name} could not be read: {exc}")
    except OSError as exc:
        return PoolResponses("corrupt", problem=f"{path.name} could not be read ({exc.strerror})")
    return PoolResponses("ok", answers, draw)


# -- the course's data ----------------------------------------------------------------------------
def load_keys(pool_file: Path) -> dict[str, Any]:
    """item id -> keyed item, cached per file version (one autograde batch loads it once)."""
    from powerdynamics.grading.pools import load_pool

    stamp = (str(pool_file.resolve()), pool_file.stat().st_mtime)
    if stamp not in _POOL_CACHE:
        _POOL_CACHE.clear()
        _POOL_CACHE[stamp] = {item.id: item for item in load_pool(pool_file)}
    return _POOL_CACHE[stamp]


def items_file_named(source: str) -> str | None:
    """The items file a quiz cell names (``"a1-items.json"``), if any."""
    match = ITEMS_FILE_IN_SOURCE.search(source)
    return match.group(1) if match else None


def draw_mismatch(saved: Mapping[str, Any] | None, expected: Draw, student: str,
                  answers: Mapping[str, Any], pool_ids: set[str]) -> str | None:
    """Why the saved draw is not ``student``'s (``None`` when it is, or when nothing says
    otherwise)."""
    if saved is not None:
        login = saved.get("student")
        items = saved.get("items")
        if not isinstance(login, str) or normalise_login(login) != expected.student:
            return (f"this notebook holds the draw of login {str(login)[:60]!r}, not of student "
                    f"{student!r}: check before grading")
        if not isinstance(items, list) or [str(i) for i in items] != list(expected.items):
            return (f"the draw saved in this notebook (login {login!r}) lists other items than the "
                    f"draw of student {student!r}: check before grading")
        return None
    foreign = sorted(i for i in answers if i in pool_ids and i not in expected.items)
    if foreign:
        return (f"this notebook answers item(s) {', '.join(foreign[:6])} that are not in the draw "
                f"of student {student!r}: check before grading")
    return None


# -- answers -----------------------------------------------------------------------------------------
def normalise_answer(item: Any, value: Any) -> Any:
    """A trainee's answer in the form ``kinds.grade`` reads (``None`` when empty)."""
    from powerdynamics.grading.assessment import normalise_label

    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, Mapping) and not value:
        return None
    kind = getattr(item, "kind", "choice")
    if kind == "choice" and isinstance(value, str):
        return normalise_label(value) or value.strip()
    if kind == "case" and isinstance(value, Mapping) and "marked" not in value and "present" in value:
        return {"marked": value.get("present") or [], "decisive": value.get("decisive")}
    return value


def judge(item: Any, value: Any) -> tuple[Any, str | None]:
    """``(verdict, None)`` or ``(None, why the answer cannot be read)``."""
    from powerdynamics import kinds

    try:
        return kinds.grade(item, value), None
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        return None, str(exc)[:200]


def shown(item: Any, value: Any) -> str:
    """The trainee's answer in words (their own answer only: never the key)."""
    from powerdynamics.bank.labels import label_for

    def name(slug: Any) -> str:
        try:
            return label_for(str(slug)).name
        except Exception:  # noqa: BLE001 - shown as typed
            return repr(slug)

    kind = getattr(item, "kind", "choice")
    try:
        if kind == "choice":
            return name(value)
        if kind == "case":
            from powerdynamics.kinds.case import parse_answer as parse_case

            marked, decisive = parse_case(item, value)
            marks = ", ".join(name(m) for m in item.options if m in marked) or "nothing"
            return f"marked {marks}; decisive: {name(decisive) if decisive else 'none chosen'}"
        if kind == "cue":
            from powerdynamics.kinds.cue import parse_answer as parse_cue

            label, sentence = parse_cue(item, value)
            return f"{name(label)}; sentence {'none chosen' if sentence is None else sentence + 1}"
        if kind == "session":
            from powerdynamics.kinds.session import parse_answer as parse_path

            path = parse_path(value)
            return f"moves {', '.join(str(i + 1) for i in path) or 'none'}"
    except (ValueError, TypeError, AttributeError):
        pass
    return repr(value)[:80]


@dataclass
class Chosen:
    value: Any
    source: str  # "typed" or "saved quiz answer"
    verdict: Any = None
    problem: str | None = None


def choose(item: Any, saved: Any, typed: Any, notes: list[str]) -> Chosen | None:
    """The answer that counts for ``item``: a typed answer that can be read wins over the
    saved quiz answer; an unreadable typed one does not override a readable saved one."""
    typed_value = normalise_answer(item, typed)
    saved_value = normalise_answer(item, saved)
    first = None
    for value, source in ((typed_value, "typed"), (saved_value, "saved quiz answer")):
        if value is None:
            continue
        verdict, problem = judge(item, value)
        if problem is None:
            if first is not None:
                notes.append(f"{item.id}: the typed answer could not be read ({first.problem}); "
                             "the saved quiz answer is used")
            return Chosen(value, source, verdict)
        first = first or Chosen(value, source, None, problem)
    return first
