"""Answers to a graded item, checked against its *public view* only (no key needed).

The trainee's graded quiz (:mod:`.pooled_quiz`) and the typed-answer checker must refuse
an answer that cannot be an answer (an option the item does not have, a sentence number
out of range, a session path that leaves the graph) without knowing which answer is
right.  Everything here reads the key-free view that ``<pool>-items.json`` releases
(:func:`powerdynamics.grading.pools.public_view`), so it can run on a trainee's machine.

Answers have the shapes the one scoring rule (``kinds.grade``) reads at autograde:

* ``choice``: a label slug, ``"referent"``;
* ``case``: ``{"marked": [slugs], "decisive": slug}`` (the decisive one among those marked);
* ``cue``: ``{"label": slug, "sentence": index}`` (0-based);
* ``session``: ``{"path": [move index, ...]}`` from the start to an ending.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from powerdynamics.bank.labels import label_for
from powerdynamics.kinds import KINDS

SESSION_END = "end"


def _name(slug: str) -> str:
    try:
        return label_for(slug).name
    except (KeyError, ValueError):
        return slug


def _label(view: Mapping[str, Any], value: Any, what: str) -> str:
    from powerdynamics.grading.assessment import normalise_label

    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{what} must be one of the item's options ({', '.join(view['options'])})")
    slug = value if value in view["options"] else normalise_label(value)
    if slug not in view["options"]:
        raise ValueError(f"{value!r} is not an option of this item "
                         f"({', '.join(_name(o) for o in view['options'])})")
    return str(slug)


def session_path(view: Mapping[str, Any], value: Any) -> tuple[list[int], bool]:
    """``(path, finished)``: the move indices, checked node by node from the start."""
    raw = value.get("path") if isinstance(value, Mapping) else value
    if isinstance(raw, str):
        raw = [int(p) for p in raw.split(".") if p.strip().isdigit()]
    if not isinstance(raw, list | tuple) or not all(
            isinstance(i, int) and not isinstance(i, bool) for i in raw):
        raise ValueError("a session answer is the list of moves chosen, e.g. {\"path\": [0, 2, 1]}")
    nodes = view["nodes"]
    node = view["start"]
    for step, index in enumerate(raw, start=1):
        if node == SESSION_END or nodes[node].get("end") is not None:
            raise ValueError(f"move {step}: the session had already ended")
        moves = nodes[node]["moves"]
        if not 0 <= index < len(moves):
            raise ValueError(f"move {step}: there are {len(moves)} moves to choose from, "
                             f"numbered 0 to {len(moves) - 1}")
        node = moves[index]["next"]
    finished = node == SESSION_END or nodes[node].get("end") is not None
    return list(raw), finished


def check_answer(view: Mapping[str, Any], value: Any) -> Any:
    """``value`` as the scoring rule reads it, or :class:`ValueError` saying what is wrong.
    A session path must reach an ending."""
    kind = view.get("kind", "choice")
    if kind == "choice":
        return _label(view, value, "the answer")
    if not isinstance(value, Mapping):
        raise ValueError({
            "case": "a case answer is {\"marked\": [labels at work], \"decisive\": label}",
            "cue": "a cue answer is {\"label\": label, \"sentence\": sentence number}",
            "session": "a session answer is {\"path\": [moves chosen]}",
        }.get(kind, f"kind {kind!r} is not known"))
    if kind == "case":
        marked_raw = value.get("marked", value.get("present"))
        if not isinstance(marked_raw, list | tuple) or not marked_raw:
            raise ValueError("mark at least one source at work (\"marked\": [...])")
        marked = sorted({_label(view, m, "each marked source") for m in marked_raw})
        decisive = _label(view, value.get("decisive"), "the decisive source")
        if decisive not in marked:
            raise ValueError(f"the decisive source ({_name(decisive)}) must be one you marked")
        return {"marked": marked, "decisive": decisive}
    if kind == "cue":
        label = _label(view, value.get("label"), "the label")
        sentence = value.get("sentence")
        count = len(view["sentences"])
        if not isinstance(sentence, int) or isinstance(sentence, bool) or not 0 <= sentence < count:
            raise ValueError(f"the sentence must be a number from 0 to {count - 1}")
        return {"label": label, "sentence": sentence}
    if kind == "session":
        path, finished = session_path(view, value)
        if not finished:
            raise ValueError("the session has not reached an ending yet")
        return {"path": path}
    raise ValueError(f"kind {kind!r} is not known")


def token_of(view: Mapping[str, Any], answer: Any) -> str:
    """The answer token the front end uses (the same as ``kinds.answer_token``)."""
    kind = view.get("kind", "choice")
    if kind == "session":
        answer = answer.get("path", []) if isinstance(answer, Mapping) else answer
    return str(KINDS[kind].answer_token(answer))


def describe(view: Mapping[str, Any], answer: Any) -> str:
    """The trainee's own answer in words (never a verdict)."""
    kind = view.get("kind", "choice")
    if kind == "choice":
        return _name(answer)
    if kind == "case":
        marked = ", ".join(_name(m) for m in answer["marked"])
        return f"marked {marked}; decisive: {_name(answer['decisive'])}"
    if kind == "cue":
        return f"{_name(answer['label'])}; sentence {answer['sentence'] + 1}"
    path = answer.get("path", []) if isinstance(answer, Mapping) else answer
    return "moves " + ", ".join(str(i + 1) for i in path)
