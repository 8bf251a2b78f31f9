"""``choice``: one vignette, 3-4 labels, one best answer.

Options may span categories (``category: mixed``), so the question need not announce
which family of power is at work. Scoring: 1 for the key, 0 otherwise.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from ..bank.labels import label_for
from .base import KeyedItem, Verdict, question_for, tidy


class ChoiceItem(KeyedItem):
    """One practice item: a vignette, options, the key and feedback for every distractor."""

    kind: Literal["choice"] = "choice"
    key: str
    question_text: str | None = Field(default=None, alias="question",
                                      description="A more specific question (never naming the key).")
    feedback: dict[str, str] = Field(
        description="For every distractor: the reasoning the learner probably used and the "
        "rule that separates it from the key."
    )

    model_config = KeyedItem.model_config | {"populate_by_name": True}

    @field_validator("feedback")
    @classmethod
    def _tidy_feedback(cls, value: dict[str, str]) -> dict[str, str]:
        return {label: tidy(text) for label, text in value.items()}

    @model_validator(mode="after")
    def _options_key_feedback(self) -> ChoiceItem:
        problems = self.option_problems()
        if self.key not in self.options:
            problems.append(f"key: {self.key!r} is not among the options")
            raise ValueError("; ".join(problems))  # feedback cannot be judged without a key
        problems.extend(distractor_feedback_problems(self.options, self.key, self.feedback))
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @property
    def question(self) -> str:
        return self.question_text or question_for(self.category, self.options)

    @property
    def distractors(self) -> tuple[str, ...]:
        return tuple(o for o in self.options if o != self.key)


def distractor_feedback_problems(options: tuple[str, ...], key: str, feedback: dict[str, str]) -> list[str]:
    """Every distractor has feedback; nothing else does (shared by choice and cue)."""
    problems: list[str] = []
    distractors = [o for o in options if o != key]
    missing = [d for d in distractors if not feedback.get(d, "").strip()]
    if missing:
        problems.append(f"feedback: no feedback for distractor(s) {', '.join(map(repr, missing))}")
    extra = [k for k in feedback if k not in distractors]
    if extra:
        problems.append(f"feedback: feedback given for {', '.join(map(repr, extra))}, which is not a "
                        "distractor of this item")
    return problems


def label_verdict(item_id: str, key: str, chosen: str, explanation: str,
                  feedback: dict[str, str]) -> Verdict:
    """The verdict on one chosen label (shared by choice and the first step of cue)."""
    if chosen == key:
        return Verdict(item_id, chosen, True, f"Correct: {label_for(key).name}.", explanation, 1.0)
    return Verdict(item_id, chosen, False, f"Not quite: {label_for(chosen).name} is not the best fit.",
                   feedback[chosen], 0.0)


def grade(item: ChoiceItem, answer: Any) -> Verdict:
    """Judge one answer (a label slug) and say why."""
    if not isinstance(answer, str) or answer not in item.options:
        raise ValueError(f"{answer!r} is not an option of item {item.id!r}")
    return label_verdict(item.id, item.key, answer, item.explanation, item.feedback)


def answer_token(answer: Any) -> str:
    """A stable text form of an answer (what progress stores and the page looks up)."""
    return str(answer)


def every_answer(item: ChoiceItem) -> Iterator[str]:
    yield from item.options


def view(item: ChoiceItem, options: tuple[str, ...]) -> dict[str, Any]:
    """What the front end needs to draw the item (no key, no verdicts)."""
    return {"kind": "choice", "vignette": item.vignette, "question": item.question,
            "options": [option_view(o) for o in options]}


def option_view(slug: str) -> dict[str, str]:
    label = label_for(slug)
    return {"value": slug, "name": label.name, "definition": label.definition}
