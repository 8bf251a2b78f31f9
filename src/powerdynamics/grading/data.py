"""Reading a trainee's answers as data: bounded JSON and literals, never code.

Everything a submission contains is hostile until read: ``responses.json`` may be
nested 200,000 levels deep, be 1 GB, repeat keys, hold ``NaN`` or be a symbolic link to
the instructor's source notebook; the typed-answer cell may hold any Python.  These
readers never execute anything, never follow a link when asked not to, and turn every
problem into a :class:`DataError` with a sentence a trainee or instructor can act on.

Only the standard library is used (nbgrader's process and the quiz both import it).
"""

from __future__ import annotations

import ast
import json
import os
import re
import stat
from pathlib import Path
from typing import Any

#: A responses file holds a few dozen short strings; 1 MB is 1000 times that.
MAX_RESPONSES_BYTES = 1_000_000
#: {"answers": {...}} is two levels deep; anything past this is not a responses file.
MAX_JSON_DEPTH = 16
#: A typed-answer cell is a dict of a few dozen entries.
MAX_TYPED_SOURCE_CHARS = 100_000
#: Item ids and labels are short; a longer string is not an answer.
MAX_TEXT_CHARS = 200
MAX_ANSWERS = 500

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKETS = re.compile(r"[\[\]{}]")


class DataError(ValueError):
    """A file or cell that cannot be read as the data it should hold."""


def json_depth(text: str) -> int:
    """The deepest bracket nesting of JSON ``text`` (strings skipped), without parsing."""
    depth = deepest = 0
    for match in _BRACKETS.finditer(_STRING.sub("", text)):
        if match.group(0) in "[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise DataError(f"the key {key[:40]!r} appears twice")
        result[key] = value
    return result


def _no_constant(name: str) -> Any:
    raise DataError(f"{name} is not allowed")


def loads_bounded(text: str, *, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """``json.loads`` with a depth cap, no duplicate keys, no NaN/Infinity, and every
    parser failure (recursion, huge integers, memory) as a :class:`DataError`."""
    if json_depth(text) > max_depth:
        raise DataError(f"nested more than {max_depth} levels deep")
    try:
        return json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constant)
    except DataError:
        raise
    except json.JSONDecodeError as exc:
        raise DataError(f"not valid JSON ({exc.msg} at line {exc.lineno})") from None
    except (ValueError, RecursionError, MemoryError, TypeError) as exc:
        raise DataError(f"not usable JSON ({type(exc).__name__}: {str(exc)[:80]})") from None


def read_text_bounded(path: str | os.PathLike[str], *, max_bytes: int = MAX_RESPONSES_BYTES,
                      follow_symlinks: bool = True) -> str:
    """A small regular file's text.  Raises ``FileNotFoundError`` when it is absent and
    :class:`DataError` for a link (when not followed), a folder, a FIFO, a device, a file
    over ``max_bytes`` or text that is not UTF-8.  Never blocks on a FIFO."""
    path = Path(path)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    if not follow_symlinks:
        flags |= getattr(os, "O_NOFOLLOW", 0)
        if path.is_symlink():
            raise DataError("it is a symbolic link, not a file (refused)")
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise
    except OSError as exc:
        if path.is_symlink():
            raise DataError("it is a symbolic link, not a file (refused)") from None
        raise DataError(f"cannot be opened ({exc.strerror or exc})") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            kind = "a folder" if stat.S_ISDIR(info.st_mode) else "not a regular file"
            raise DataError(f"it is {kind} (refused)")
        if info.st_size > max_bytes:
            raise DataError(f"it is {info.st_size:,} bytes; at most {max_bytes:,} are read")
        with os.fdopen(os.dup(fd), "rb") as handle:
            raw = handle.read(max_bytes + 1)
    finally:
        os.close(fd)
    if len(raw) > max_bytes:
        raise DataError(f"it is over {max_bytes:,} bytes; at most {max_bytes:,} are read")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise DataError("it is not UTF-8 text") from None


def _clean_text(value: Any, what: str) -> str:
    if not isinstance(value, str):
        raise DataError(f"{what} is not a string")
    if len(value) > MAX_TEXT_CHARS:
        raise DataError(f"{what} is longer than {MAX_TEXT_CHARS} characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise DataError(f"{what} is not valid text") from None
    return value


def check_answers(answers: Any, what: str = "answers") -> dict[str, str]:
    """A dict of item id -> label with short, encodable strings (else :class:`DataError`)."""
    if not isinstance(answers, dict):
        raise DataError(f"{what} must be an object of item id -> label")
    if len(answers) > MAX_ANSWERS:
        raise DataError(f"{what} has {len(answers)} entries; at most {MAX_ANSWERS}")
    result: dict[str, str] = {}
    for key, value in answers.items():
        item = _clean_text(key, f"an item id in {what}")
        result[item] = _clean_text(value, f"{what}: value for {item[:40]!r}")
    return result


# -- literals in code cells -----------------------------------------------------------
def _parse(source: str) -> ast.Module | None:
    if len(source) > MAX_TYPED_SOURCE_CHARS:
        raise DataError(f"the cell is over {MAX_TYPED_SOURCE_CHARS:,} characters")
    try:
        return ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        raise DataError(f"the cell is not valid Python ({type(exc).__name__})") from None


def literal_assignment(source: str, name: str) -> Any:
    """The literal last assigned to ``name`` at the top level of ``source``, read with
    ``ast.literal_eval`` (never executed).  ``None`` when nothing is assigned;
    :class:`DataError` when the value is not a plain literal."""
    if name not in source:
        return None
    tree = _parse(source)
    value: Any = None
    found = False
    for node in tree.body if tree else []:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name
                                                for t in node.targets):
            try:
                value = ast.literal_eval(node.value)
            except (ValueError, SyntaxError, TypeError, RecursionError, MemoryError):
                raise DataError(f"{name} is not a plain dict of strings (it is never run, "
                                "only read)") from None
            found = True
    return value if found else None


def typed_answers_of(cells: list[Any], name: str = "typed_answers") -> dict[str, Any] | None:
    """The typed answers of a notebook: the last top-level literal ``typed_answers = {...}``
    in its code cells, read as data.  ``None`` when there is none."""
    result: dict[str, Any] | None = None
    for cell in cells:
        if cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else str(source)
        value = literal_assignment(source, name)
        if value is None:
            continue
        if not isinstance(value, dict):
            raise DataError(f"{name} must be a dict like {{\"item-id\": \"label\"}}")
        result = value
    return result


def hidden_region(source: str, begin: str = "BEGIN HIDDEN TESTS",
                  end: str = "END HIDDEN TESTS") -> str:
    lines, inside = [], False
    for line in source.splitlines():
        if begin in line:
            inside = True
        elif end in line:
            inside = False
        elif inside:
            lines.append(line)
    return "\n".join(lines)


def key_of(source: str) -> tuple[str, str] | None:
    """``(item id, key label)`` from a graded cell's hidden test
    ``assert answers.get("<item>") == "<label>"`` (parsed, not run); ``None`` if absent."""
    try:
        tree = ast.parse(hidden_region(source).strip() or "pass")
    except SyntaxError:
        return None
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Compare) and len(node.ops) == 1
                and isinstance(node.ops[0], ast.Eq)):
            continue
        left, right = node.left, node.comparators[0]
        item = None
        if isinstance(left, ast.Call) and isinstance(left.func, ast.Attribute) \
                and left.func.attr == "get" and isinstance(left.func.value, ast.Name) \
                and left.func.value.id == "answers" and left.args \
                and isinstance(left.args[0], ast.Constant):
            item = left.args[0].value
        elif isinstance(left, ast.Subscript) and isinstance(left.value, ast.Name) \
                and left.value.id == "answers" and isinstance(left.slice, ast.Constant):
            item = left.slice.value
        if isinstance(item, str) and isinstance(right, ast.Constant) \
                and isinstance(right.value, str):
            return item, right.value
    return None
