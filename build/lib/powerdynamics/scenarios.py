"""The scenario bank: practice items stored as YAML, validated with a pydantic schema.

Why a schema: every rendering (widget, static HTML), the lessons, the review queue and
the analytics read the same items, so a bad item must fail loudly, once, with the file,
line, item id and field named, instead of surfacing later as a broken quiz.

A bank file looks like::

    items:
      - id: bases-expert-01
        category: bases
        vignette: >-
          ...
        options: [expert, legitimate, referent]
        key: expert
        explanation: >-
          The decisive cue ...
        feedback:
          legitimate: ...
          referent: ...
        tags: {lesson: 2, setting: healthcare, content_note: false}
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .labels import CATEGORIES, SETTINGS

ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
CategorySlug = Literal["bases", "systemic", "control", "modes"]


class Tags(BaseModel):
    """Where an item belongs and who it suits."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    lesson: int = Field(ge=1, le=7, description="Lesson notebook number (1-7) that uses it.")
    setting: str = Field(description="Where the vignette takes place.")
    content_note: bool = Field(
        default=False,
        description="True when the vignette depicts abuse, violence or coercive control; "
        "trainees can opt out of these items.",
    )

    @field_validator("setting")
    @classmethod
    def _known_setting(cls, value: str) -> str:
        if value not in SETTINGS:
            raise ValueError(f"unknown setting {value!r}; use one of {', '.join(SETTINGS)}")
        return value


class ItemBase(BaseModel):
    """What every scenario item shows a trainee: practice items and graded ones alike.

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
        return " ".join(value.split())

    def option_problems(self) -> list[str]:
        """Options outside the item's category, or listed twice ("field: message")."""
        labels = CATEGORIES[self.category].slugs
        problems: list[str] = []
        unknown = [o for o in self.options if o not in labels]
        if unknown:
            problems.append(
                f"options: {', '.join(map(repr, unknown))} not in category {self.category!r} "
                f"(labels: {', '.join(labels)})"
            )
        if len(set(self.options)) != len(self.options):
            problems.append("options: an option is listed twice")
        return problems


class Scenario(ItemBase):
    """One practice item: a vignette, options, the key and feedback for every distractor."""

    key: str
    explanation: str = Field(min_length=20, description="Why the key is right: the decisive cue.")
    feedback: dict[str, str] = Field(
        description="For every distractor: the reasoning the learner probably used and the "
        "rule that separates it from the key."
    )
    tags: Tags

    @field_validator("explanation")
    @classmethod
    def _tidy_text(cls, value: str) -> str:
        value = " ".join(value.split())
        if not value:
            raise ValueError("must not be empty")
        return value

    @field_validator("feedback")
    @classmethod
    def _tidy_feedback(cls, value: dict[str, str]) -> dict[str, str]:
        return {label: " ".join(str(text).split()) for label, text in value.items()}

    @model_validator(mode="after")
    def _options_key_feedback(self) -> Scenario:
        problems = self.option_problems()
        if self.key not in self.options:
            problems.append(f"key: {self.key!r} is not among the options")
            raise ValueError("; ".join(problems))  # feedback cannot be judged without a key
        distractors = [o for o in self.options if o != self.key]
        missing = [d for d in distractors if not self.feedback.get(d, "").strip()]
        if missing:
            problems.append(f"feedback: no feedback for distractor(s) {', '.join(map(repr, missing))}")
        extra = [k for k in self.feedback if k not in distractors]
        if extra:
            problems.append(
                f"feedback: feedback given for {', '.join(map(repr, extra))}, which is not a "
                "distractor of this item"
            )
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @property
    def distractors(self) -> tuple[str, ...]:
        return tuple(o for o in self.options if o != self.key)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a bank file, located for a human to fix."""

    file: str
    line: int
    item_id: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.item_id}: {self.field}: {self.message}"


class BankError(Exception):
    """Raised when the bank has problems; ``problems`` lists every one of them."""

    def __init__(self, problems: Sequence[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


def _field_lines(node: yaml.MappingNode) -> dict[str, int]:
    lines: dict[str, int] = {}
    for key_node, _ in node.value:
        if isinstance(key_node, yaml.ScalarNode):
            lines[str(key_node.value)] = key_node.start_mark.line + 1
    return lines


def _problems_from_validation(
    error: ValidationError, file: str, item_line: int, item_id: str, lines: dict[str, int]
) -> Iterator[Problem]:
    for detail in error.errors():
        loc = [str(part) for part in detail["loc"]]
        message = detail["msg"].removeprefix("Value error, ")
        if not loc:
            # Model-level rules report "field: message; field: message".
            for part in message.split("; "):
                field, _, text = part.partition(": ")
                yield Problem(file, lines.get(field, item_line), item_id, field, text or part)
            continue
        field = ".".join(loc)
        yield Problem(file, lines.get(loc[0], item_line), item_id, field, message)


def load_file(path: Path | str, display_name: str | None = None) -> tuple[list[Scenario], list[Problem]]:
    """Parse and validate one bank file; return its valid items and every problem found."""
    located, problems = _load_located(Path(path), display_name or str(path))
    return [item for item, _ in located], problems


def _load_located(path: Path, display_name: str) -> tuple[list[tuple[Scenario, int]], list[Problem]]:
    """Like :func:`load_file`, with the line of each item's ``id`` (for duplicate ids)."""
    name = display_name
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return [], [Problem(name, 1, "-", "file", f"cannot read: {exc}")]
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else 1
        return [], [Problem(name, line, "-", "yaml", str(getattr(exc, "problem", exc)))]
    if root is None:
        return [], [Problem(name, 1, "-", "items", "file is empty")]
    if not isinstance(root, yaml.MappingNode) or "items" not in _field_lines(root):
        return [], [Problem(name, root.start_mark.line + 1, "-", "items",
                            "top level must be a mapping with an 'items' list")]
    items_node = next(v for k, v in root.value if k.value == "items")
    if not isinstance(items_node, yaml.SequenceNode):
        return [], [Problem(name, items_node.start_mark.line + 1, "-", "items", "must be a list")]

    loader = yaml.SafeLoader("")
    scenarios: list[tuple[Scenario, int]] = []
    problems: list[Problem] = []
    for index, node in enumerate(items_node.value):
        item_line = node.start_mark.line + 1
        if not isinstance(node, yaml.MappingNode):
            problems.append(Problem(name, item_line, f"#{index + 1}", "item", "must be a mapping"))
            continue
        lines = _field_lines(node)
        data: Any = loader.construct_document(node)
        item_id = str(data.get("id") or f"#{index + 1}")
        try:
            scenarios.append((Scenario.model_validate(data), lines.get("id", item_line)))
        except ValidationError as exc:
            problems.extend(_problems_from_validation(exc, name, item_line, item_id, lines))
    return scenarios, problems


def _check_unique(files: list[tuple[str, list[tuple[Scenario, int]]]]) -> list[Problem]:
    seen: dict[str, str] = {}
    problems: list[Problem] = []
    for name, located in files:
        for item, id_line in located:
            if item.id in seen:
                problems.append(Problem(name, id_line, item.id, "id",
                                        f"duplicate id (first defined in {seen[item.id]})"))
            else:
                seen[item.id] = name
    return problems


def bank_files() -> list[Path]:
    """The YAML files of the bank shipped with the package."""
    folder = resources.files("powerdynamics") / "bank"
    return sorted(Path(str(p)) for p in folder.iterdir() if p.name.endswith((".yaml", ".yml")))


def _display(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def check_files(paths: Iterable[Path | str]) -> tuple[list[Scenario], list[Problem]]:
    """Validate bank files together (ids are unique across files)."""
    all_items: list[Scenario] = []
    problems: list[Problem] = []
    per_file: list[tuple[str, list[tuple[Scenario, int]]]] = []
    for path in map(Path, paths):
        name = _display(path)
        located, file_problems = _load_located(path, name)
        problems.extend(file_problems)
        all_items.extend(item for item, _ in located)
        per_file.append((name, located))
    problems.extend(_check_unique(per_file))
    return all_items, problems


class Bank:
    """A validated, ordered collection of scenarios with look-ups by id, tag and category."""

    def __init__(self, items: Iterable[Scenario]):
        self.items: tuple[Scenario, ...] = tuple(items)
        self._by_id = {item.id: item for item in self.items}
        if len(self._by_id) != len(self.items):
            raise ValueError("duplicate scenario ids")

    @classmethod
    def from_files(cls, paths: Iterable[Path | str]) -> Bank:
        items, problems = check_files(paths)
        if problems:
            raise BankError(problems)
        return cls(items)

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self) -> Iterator[Scenario]:
        return iter(self.items)

    def __contains__(self, item_id: object) -> bool:
        return item_id in self._by_id

    def get(self, item_id: str) -> Scenario:
        try:
            return self._by_id[item_id]
        except KeyError:
            raise KeyError(f"no scenario with id {item_id!r} in the bank") from None

    def select(
        self,
        ids: Sequence[str] | None = None,
        *,
        category: str | None = None,
        lesson: int | None = None,
        setting: str | None = None,
        keys: Sequence[str] | None = None,
        exclude_content_note: bool = False,
    ) -> list[Scenario]:
        """Items chosen by ids (in that order) or by filters (in bank order)."""
        if category is not None and category not in CATEGORIES:
            raise ValueError(f"unknown category {category!r}; use one of {', '.join(CATEGORIES)}")
        chosen = [self.get(i) for i in ids] if ids is not None else list(self.items)
        return [
            item
            for item in chosen
            if (category is None or item.category == category)
            and (lesson is None or item.tags.lesson == lesson)
            and (setting is None or item.tags.setting == setting)
            and (keys is None or item.key in keys)
            and not (exclude_content_note and item.tags.content_note)
        ]

    def stats(self) -> dict[str, Any]:
        """Item counts per category, per key label, per setting and with a content note."""
        by_category: dict[str, int] = {c: 0 for c in CATEGORIES}
        by_key: dict[str, int] = {lab: 0 for c in CATEGORIES.values() for lab in c.slugs}
        by_setting: dict[str, int] = {}
        content_note = 0
        for item in self.items:
            by_category[item.category] += 1
            by_key[item.key] += 1
            by_setting[item.tags.setting] = by_setting.get(item.tags.setting, 0) + 1
            content_note += item.tags.content_note
        return {
            "total": len(self.items),
            "by_category": by_category,
            "by_key": by_key,
            "by_setting": dict(sorted(by_setting.items())),
            "content_note": content_note,
            "without_content_note": len(self.items) - content_note,
        }


@cache
def default_bank() -> Bank:
    """The practice bank shipped with the package (loaded once per process)."""
    return Bank.from_files(bank_files())
