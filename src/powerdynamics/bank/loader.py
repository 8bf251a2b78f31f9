"""Bank files (YAML) to validated items, with every problem located.

Why so careful: every rendering, the lessons, the review queue and the analytics read
these items, so a bad item must fail loudly, once, as ``file:line: item-id: field:
message``, instead of surfacing later as a broken quiz. Hostile files are bounded (see
:mod:`.safe_yaml`): one bad file never hides the problems of the others.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from ..kinds import KINDS, KeyedItem, validate_item
from . import safe_yaml

Scenario = KeyedItem  # what the loader returns: an item of any kind

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
    error: ValidationError, file: str, item_line: int, item_id: str, lines: dict[str, int],
    node: yaml.Node | None = None,
) -> Iterator[Problem]:
    for detail in error.errors():
        loc = [str(part) for part in detail["loc"]]
        if loc and loc[0] in KINDS:  # the union's tag: where the kind's own fields start
            loc = loc[1:]
        message = detail["msg"].removeprefix("Value error, ")
        if not loc:
            # Model-level rules report "field: message; field: message".
            for part in message.split("; "):
                field, _, text = part.partition(": ")
                yield Problem(file, lines.get(field, item_line), item_id, field, text or part)
            continue
        field = ".".join(loc)
        line = _line_of(node, loc) if node is not None else lines.get(loc[0], item_line)
        yield Problem(file, line or lines.get(loc[0], item_line), item_id, field, message)


def _line_of(node: yaml.Node, loc: Sequence[str]) -> int | None:
    """The line of a nested field (``nodes.b.moves.2.text``) in the composed YAML."""
    line = None
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            found = next(((k, v) for k, v in node.value if getattr(k, "value", None) == part), None)
            if found is None:
                break
            line, node = found[0].start_mark.line + 1, found[1]
        elif isinstance(node, yaml.SequenceNode) and part.isdigit() and int(part) < len(node.value):
            node = node.value[int(part)]
            line = node.start_mark.line + 1
        else:
            break
    return line


def _scalar_id(node: yaml.MappingNode) -> str | None:
    """The item's id as written, if it is a short plain scalar (never a constructed value)."""
    for key_node, value_node in node.value:
        if getattr(key_node, "value", None) == "id" and isinstance(value_node, yaml.ScalarNode):
            return str(value_node.value)[:80]
    return None


def load_file(path: Path | str, display_name: str | None = None) -> tuple[list[Scenario], list[Problem]]:
    """Parse and validate one bank file; return its valid items and every problem found."""
    located, problems = _load_located(Path(path), display_name or str(path))
    return [item for item, _ in located], problems


def _load_located(path: Path, display_name: str) -> tuple[list[tuple[Scenario, int]], list[Problem]]:
    """Like :func:`load_file`, with the line of each item's ``id`` (for duplicate ids)."""
    name = display_name
    try:
        root = safe_yaml.compose(safe_yaml.read_text(path))
    except safe_yaml.YamlProblem as exc:
        return [], [Problem(name, exc.line, "-", exc.field, exc.message)]
    if root is None:
        return [], [Problem(name, 1, "-", "items", "file is empty")]
    if not isinstance(root, yaml.MappingNode) or "items" not in _field_lines(root):
        return [], [Problem(name, root.start_mark.line + 1, "-", "items",
                            "top level must be a mapping with an 'items' list")]
    items_node = next(v for k, v in root.value if k.value == "items")
    if not isinstance(items_node, yaml.SequenceNode):
        return [], [Problem(name, items_node.start_mark.line + 1, "-", "items", "must be a list")]

    scenarios: list[tuple[Scenario, int]] = []
    problems: list[Problem] = []
    for index, node in enumerate(items_node.value):
        item_line = node.start_mark.line + 1
        if not isinstance(node, yaml.MappingNode):
            problems.append(Problem(name, item_line, f"#{index + 1}", "item", "must be a mapping"))
            continue
        lines = _field_lines(node)
        item_id = _scalar_id(node) or f"#{index + 1}"
        try:
            data: Any = safe_yaml.construct(node)
        except safe_yaml.YamlProblem as exc:
            problems.append(Problem(name, exc.line, item_id, exc.field, exc.message))
            continue
        try:
            scenarios.append((validate_item(data), lines.get("id", item_line)))
        except ValidationError as exc:
            problems.extend(_problems_from_validation(exc, name, item_line, item_id, lines, node))
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
    folder = resources.files("powerdynamics") / "bank" / "data"
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


