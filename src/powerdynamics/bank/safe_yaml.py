"""Read a bank file's YAML with bounds, so a hostile or broken file fails located.

Bank files are plain data written by people: they need no aliases, no custom tags, no
deep nesting and no megabytes. So a file is refused, with a located message, when it
is not a regular file (a FIFO would hang, ``/dev/zero`` never ends), is larger than
:data:`MAX_BYTES`, uses an alias (``*name``: the "billion laughs" bomb works through
aliases), nests deeper than :data:`MAX_DEPTH`, has more than :data:`MAX_NODES` nodes,
or repeats a key in one mapping (YAML keeps the last silently; a repeated ``key:``
would change an answer key without a word).

Why these numbers: the largest bank file is about 30 kB, 1,100 lines and nests 4
deep; 1 MB, depth 20 and 100,000 nodes leave room for 30 times that and still bound
the work (parsing 1 MB takes well under a second, a few tens of MB of memory).
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

MAX_BYTES = 1_000_000
MAX_DEPTH = 20
MAX_NODES = 100_000


@dataclass(frozen=True)
class YamlProblem(Exception):
    """Where a file's YAML cannot be used, and why."""

    line: int
    field: str
    message: str


def read_text(path: Path) -> str:
    """The file's text, refusing non-regular and oversized files without blocking."""
    try:
        info = os.stat(path)  # follows symlinks: a link to /dev/zero is judged by its target
    except OSError as exc:
        raise YamlProblem(1, "file", f"cannot read: {exc.strerror or exc}") from None
    if not stat.S_ISREG(info.st_mode):
        raise YamlProblem(1, "file", "not a regular file (a FIFO, device or folder is refused)")
    if info.st_size > MAX_BYTES:
        raise YamlProblem(1, "file", f"{info.st_size:,} bytes is over the {MAX_BYTES:,}-byte limit "
                                     "for a bank file; split it")
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        raise YamlProblem(1, "file", f"cannot read: {exc.strerror or exc}") from None
    if len(data) > MAX_BYTES:
        raise YamlProblem(1, "file", f"over the {MAX_BYTES:,}-byte limit for a bank file; split it")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise YamlProblem(line, "file", "not valid UTF-8 text") from None


class _BoundedLoader(yaml.SafeLoader):
    """SafeLoader whose composer refuses aliases and counts depth and nodes."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._nodes = 0

    def compose_node(self, parent: Any, index: Any) -> Any:  # type: ignore[override]
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise YamlProblem(event.start_mark.line + 1, "yaml",
                              f"aliases (*{event.anchor}) are not allowed in bank files; write the value out")
        self._nodes += 1
        if self._nodes > MAX_NODES:
            mark = self.peek_event().start_mark
            raise YamlProblem(mark.line + 1, "yaml", f"more than {MAX_NODES:,} YAML nodes in one file")
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                mark = self.peek_event().start_mark
                raise YamlProblem(mark.line + 1, "yaml", f"nested deeper than {MAX_DEPTH} levels")
            node = super().compose_node(parent, index)
        finally:
            self._depth -= 1
        if isinstance(node, yaml.MappingNode):
            _refuse_duplicate_keys(node)
        return node


def _refuse_duplicate_keys(node: yaml.MappingNode) -> None:
    seen: set[str] = set()
    for key_node, _ in node.value:
        if isinstance(key_node, yaml.ScalarNode):
            if key_node.value in seen:
                raise YamlProblem(key_node.start_mark.line + 1, str(key_node.value),
                                  f"the key {key_node.value!r} appears twice in one mapping")
            seen.add(key_node.value)


def compose(text: str) -> yaml.Node | None:
    """Compose the document's node tree within the bounds (no Python objects yet)."""
    loader = _BoundedLoader(text)
    try:
        return loader.get_single_node()
    except YamlProblem:
        raise
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise YamlProblem(mark.line + 1 if mark else 1, "yaml", str(getattr(exc, "problem", None) or exc)) from None
    except RecursionError:
        raise YamlProblem(1, "yaml", "nested too deeply") from None
    finally:
        loader.dispose()


def construct(node: yaml.Node) -> Any:
    """Python data from a composed node, every constructor failure located."""
    loader = yaml.SafeLoader("")
    try:
        return loader.construct_document(node)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or node.start_mark
        raise YamlProblem(mark.line + 1, "yaml", str(getattr(exc, "problem", None) or exc)) from None
    except (ValueError, TypeError, OverflowError, RecursionError) as exc:
        # !!int 'abc', a bad !!timestamp, 100,000-digit ints, unhashable keys ...
        raise YamlProblem(node.start_mark.line + 1, "yaml", f"cannot read a value: {exc}"[:300]) from None
