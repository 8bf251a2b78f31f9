"""What every item kind shares: identity, category, tier, minimal-pair group and tags.

Each kind (:mod:`.choice`, :mod:`.case`, :mod:`.cue`, :mod:`.session`) is a module with
the same lifecycle, so the loader, the quiz, the learner records and the analytics can
treat items alike:

* **validate**: a pydantic model whose rules report ``field: message``;
* **plan**: :meth:`ItemBase.option_order` - what the trainee sees, in which order;
* **grade**: a pure function ``grade(item, answer) -> Verdict`` (the one scoring rule);
* **view data**: ``view(item, options) -> dict`` for the one front end, with every
  verdict embedded where the page has no kernel;
* **self-test**: ``every_answer(item)`` enumerates the answers a trainee can give, so a
  test (and the browser test) can check Python and page agree on all of them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from ..bank.labels import CATEGORIES, DEPICTS, IDENTITY_CUES, REGIONS, SETTINGS, category_of

ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
CategorySlug = Literal["bases", "systemic", "control", "modes", "mixed"]
Tier = Literal["worked", "core", "stretch"]
ALL_LABELS: tuple[str, ...] = tuple(s for c in CATEGORIES.values() for s in c.slugs)


def tidy(text: str) -> str:
    """YAML folded text to one line of single spaces (what every rendering shows)."""
    return " ".join(str(text).split())


class Tags(BaseModel):
    """Where an item belongs, where it is set, who is in it and what it depicts."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    lesson: int = Field(ge=1, le=7, description="Lesson notebook number (1-7) that uses it.")
    setting: str = Field(description="Where the vignette takes place.")
    region: str = Field(default="uk", description="Where in the world it is set.")
    statutory: bool = Field(default=False, description="A statutory social-work context.")
    content_note: bool = Field(
        default=False,
        description="True when the vignette depicts abuse, violence, coercive control or "
        "identity-based harm; trainees can opt out of these items.",
    )
    depicts: tuple[str, ...] = Field(default=(), description="What the content note warns of.")
    agent: tuple[str, ...] = Field(default=(), description="Identity cues given about the agent.")
    target: tuple[str, ...] = Field(default=(), description="Identity cues given about the target.")
    objectives: tuple[Annotated[str, StringConstraints(pattern=r"^L[1-7]\.[1-9]$")], ...] = Field(
        default=(),
        description="Lesson objective ids (L<lesson>.<n>) the item assesses; graded pools "
        "need at least one, so the alignment table can be built from data.",
    )

    @field_validator("setting")
    @classmethod
    def _known_setting(cls, value: str) -> str:
        if value not in SETTINGS:
            raise ValueError(f"unknown setting {value!r}; use one of {', '.join(SETTINGS)}")
        return value

    @field_validator("region")
    @classmethod
    def _known_region(cls, value: str) -> str:
        if value not in REGIONS:
            raise ValueError(f"unknown region {value!r}; use one of {', '.join(REGIONS)}")
        return value

    @field_validator("depicts")
    @classmethod
    def _known_depicts(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [v for v in value if v not in DEPICTS]
        if unknown:
            raise ValueError(f"unknown {', '.join(map(repr, unknown))}; use any of {', '.join(DEPICTS)}")
        return value

    @field_validator("agent", "target")
    @classmethod
    def _known_cues(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [v for v in value if v not in IDENTITY_CUES]
        if unknown:
            raise ValueError(f"unknown identity cue(s) {', '.join(map(repr, unknown))}; "
                             f"use any of {', '.join(IDENTITY_CUES)}")
        return value

    @model_validator(mode="after")
    def _note_matches_depicts(self) -> Tags:
        if self.depicts and not self.content_note:
            raise ValueError(f"content_note: must be true when depicts lists {', '.join(self.depicts)}")
        return self


@dataclass(frozen=True)
class Verdict:
    """What a trainee is told after one answer, and what it scores (0 to 1).

    ``correct`` means full marks; ``score`` carries partial credit for kinds that have
    it; ``parts`` holds per-part feedback (a case's labels, a cue's sentence)."""

    item_id: str
    chosen: str
    correct: bool
    headline: str
    feedback: str
    score: float = 0.0
    parts: tuple[tuple[str, str], ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {"correct": self.correct, "headline": self.headline, "feedback": self.feedback,
                "score": round(self.score, 4), "parts": [list(p) for p in self.parts]}


class ItemBase(BaseModel):
    """The fields every shown item has: practice items and graded (keyless) ones alike.

    The rules that do not depend on a key live here once, so the practice bank and the
    graded assessment items (which must never carry a key) validate the same way."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    category: CategorySlug
    vignette: str = Field(min_length=40)
    options: tuple[str, ...] = Field(min_length=3, max_length=4)

    @field_validator("id")
    @classmethod
    def _id_form(cls, value: str) -> str:
        if not ID_PATTERN.match(value):
            raise ValueError("use lower-case letters, digits and single hyphens, e.g. 'expert-01'")
        return value

    @field_validator("vignette")
    @classmethod
    def _tidy_vignette(cls, value: str) -> str:
        return tidy(value)

    def option_problems(self) -> list[str]:
        """Options outside the item's category, or listed twice ("field: message")."""
        return label_problems("options", self.options, self.category)

    @property
    def question(self) -> str:
        return question_for(self.category, self.options)


def label_problems(field: str, labels: tuple[str, ...], category: str) -> list[str]:
    """Unknown or repeated labels; a single-category item must stay in its category."""
    allowed = ALL_LABELS if category == "mixed" else CATEGORIES[category].slugs
    problems: list[str] = []
    unknown = [o for o in labels if o not in allowed]
    if unknown:
        where = "any category" if category == "mixed" else f"category {category!r}"
        problems.append(f"{field}: {', '.join(map(repr, unknown))} not in {where} "
                        f"(labels: {', '.join(allowed)})")
    if len(set(labels)) != len(labels):
        problems.append(f"{field}: a label is listed twice")
    if category == "mixed" and not unknown and len({category_of(o) for o in labels}) < 2:
        problems.append(f"{field}: a 'mixed' item needs labels from at least two categories "
                        f"(all are {category_of(labels[0])!r}: use that category)")
    return problems


def question_for(category: str, options: tuple[str, ...] = ()) -> str:
    """The question a trainee is asked: the category's, or one that names no category."""
    from ..bank.labels import MIXED_QUESTION

    if category == "mixed":
        return MIXED_QUESTION
    return CATEGORIES[category].question


class KeyedItem(ItemBase):
    """Fields of every practice item with a key: tier, pair group, tags, explanation."""

    kind: str = "choice"
    tier: Tier = "core"
    pair: str | None = Field(default=None, description="Minimal pair/triad group id.")
    explanation: str = Field(min_length=20, description="Why the key is right: the decisive cue.")
    tags: Tags

    @field_validator("explanation")
    @classmethod
    def _tidy_text(cls, value: str) -> str:
        value = tidy(value)
        if not value:
            raise ValueError("must not be empty")
        return value

    @field_validator("pair")
    @classmethod
    def _pair_form(cls, value: str | None) -> str | None:
        if value is not None and not ID_PATTERN.match(value):
            raise ValueError("use lower-case letters, digits and single hyphens")
        return value

    # -- what every kind answers for the rest of the engine -------------------------------
    @property
    def labels_at_work(self) -> tuple[str, ...]:
        """Labels the item teaches as present (the key; a case's present labels)."""
        return (self.key,)  # type: ignore[attr-defined]

    @property
    def key_label(self) -> str:
        """The one label the item is filed under (the key, or a case's decisive label)."""
        return self.key  # type: ignore[attr-defined]
