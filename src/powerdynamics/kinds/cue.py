"""``cue``: classify the situation, then point at the sentence that decides it.

The vignette is a list of sentences; exactly one is decisive. Every sentence has
feedback: why it decides, or which label it tempts and why it does not decide.
Scoring: the label is worth 1/2 and the decisive sentence 1/2.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from fractions import Fraction
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from .base import KeyedItem, Verdict, tidy
from .choice import distractor_feedback_problems, label_verdict, option_view


class Sentence(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    text: str = Field(min_length=5)
    decisive: bool = False
    feedback: str = Field(min_length=10)

    @field_validator("text", "feedback")
    @classmethod
    def _tidy(cls, value: str) -> str:
        return tidy(value)


def cue_score(label_right: bool, sentence_right: bool) -> Fraction:
    return Fraction(int(label_right) + int(sentence_right), 2)


class CueItem(KeyedItem):
    kind: Literal["cue"]
    vignette: str = ""
    sentences: tuple[Sentence, ...] = Field(min_length=3, max_length=6)
    key: str
    feedback: dict[str, str]

    @field_validator("feedback")
    @classmethod
    def _tidy_feedback(cls, value: dict[str, str]) -> dict[str, str]:
        return {label: tidy(text) for label, text in value.items()}

    @model_validator(mode="before")
    @classmethod
    def _vignette_from_sentences(cls, data: Any) -> Any:
        if isinstance(data, Mapping) and "sentences" in data and not data.get("vignette"):
            sentences = data["sentences"]
            if isinstance(sentences, list | tuple):
                texts = [s.get("text", "") if isinstance(s, Mapping) else "" for s in sentences]
                data = {**data, "vignette": " ".join(tidy(t) for t in texts)}
        return data

    @model_validator(mode="after")
    def _rules(self) -> CueItem:
        problems = self.option_problems()
        if self.key not in self.options:
            problems.append(f"key: {self.key!r} is not among the options")
        else:
            problems.extend(distractor_feedback_problems(self.options, self.key, self.feedback))
        decisive = [i for i, s in enumerate(self.sentences) if s.decisive]
        if len(decisive) != 1:
            problems.append(f"sentences: exactly one sentence must be decisive (found {len(decisive)})")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @property
    def decisive_index(self) -> int:
        return next(i for i, s in enumerate(self.sentences) if s.decisive)

    @property
    def distractors(self) -> tuple[str, ...]:
        return tuple(o for o in self.options if o != self.key)


def parse_answer(item: CueItem, answer: Any) -> tuple[str, int | None]:
    if isinstance(answer, str):
        text, _, index = answer.partition("@")
        answer = {"label": text, "sentence": int(index) if index.isdigit() else None}
    if not isinstance(answer, Mapping):
        raise ValueError(f"a cue answer is a mapping with 'label' and 'sentence', not {answer!r}")
    label, sentence = answer.get("label"), answer.get("sentence")
    if not isinstance(label, str) or label not in item.options:
        raise ValueError(f"{label!r} is not an option of item {item.id!r}")
    if sentence is not None and (not isinstance(sentence, int) or isinstance(sentence, bool)
                                 or not 0 <= sentence < len(item.sentences)):
        raise ValueError(f"sentence {sentence!r} is not a sentence number of item {item.id!r} "
                         f"(0-{len(item.sentences) - 1})")
    return label, sentence


def grade(item: CueItem, answer: Any) -> Verdict:
    label, sentence = parse_answer(item, answer)
    first = label_verdict(item.id, item.key, label, item.explanation, item.feedback)
    sentence_right = sentence == item.decisive_index
    score = cue_score(first.correct, sentence_right)
    parts = ((f"sentence-{sentence}", item.sentences[sentence].feedback),) if sentence is not None else ()
    return Verdict(item.id, answer_token({"label": label, "sentence": sentence}), score == 1,
                   first.headline, first.feedback, float(score), parts)


def answer_token(answer: Any) -> str:
    if isinstance(answer, str):
        return answer
    sentence = answer.get("sentence")
    return f"{answer.get('label')}@{'' if sentence is None else sentence}"


def every_answer(item: CueItem) -> Iterator[dict[str, Any]]:
    for label in item.options:
        for index in range(len(item.sentences)):
            yield {"label": label, "sentence": index}


def view(item: CueItem, options: tuple[str, ...]) -> dict[str, Any]:
    return {"kind": "cue", "sentences": [s.text for s in item.sentences], "question": item.question,
            "cue_question": "Which sentence decides it?",
            "options": [option_view(o) for o in options]}
