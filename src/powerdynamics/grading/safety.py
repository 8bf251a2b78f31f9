"""Checks on what trainees hand in, and on what the course writes for spreadsheets.

Standard library only: the batch runner, the report and nbgrader's configuration use it.

* :func:`student_id_problem` - a student id becomes a folder name, a gradebook key and
  text in formgrader's pages (whose templates do not escape it).  The course accepts
  letters, digits and ``. _ @ + = -`` (1-64 characters, starting with a letter or
  digit), which fits LMS logins and Unix user names, and refuses everything else.
* :func:`submission_problems` (:func:`file_problem` for one file) - a submission is
  regular files (and folders) only: no symbolic links (to the source notebook,
  ``/etc/passwd``), FIFOs (which hang a copy), devices (``/dev/zero`` never ends) or
  sockets; no file over :data:`MAX_FILE_BYTES`, no more than
  :data:`MAX_SUBMISSION_BYTES` or :data:`MAX_FILES` in all.
* :func:`spreadsheet_safe` - a CSV cell that starts with ``= + - @``, a tab or a
  carriage return is a formula to Excel, LibreOffice and Google Sheets; it gets a
  leading apostrophe (the OWASP advice, as ``defusedcsv`` does).  Numbers stay numbers.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path
from typing import Any

#: A notebook with its outputs cleared is well under 1 MB; 20 MB leaves room for images.
MAX_FILE_BYTES = 20_000_000
MAX_SUBMISSION_BYTES = 50_000_000
MAX_FILES = 200

SAFE_STUDENT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@+=-]{0,63}")


def student_id_problem(student: str) -> str | None:
    """Why ``student`` cannot be used as a student id, or ``None`` when it can."""
    if SAFE_STUDENT_ID.fullmatch(student or ""):
        return None
    return (f"student id {student[:80]!r} refused: use 1-64 letters, digits or . _ @ + = -, "
            "starting with a letter or digit")


def _kind(mode: int) -> str:
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def file_problem(path: str | os.PathLike[str], name: str | None = None, *,
                 max_file: int = MAX_FILE_BYTES) -> str | None:
    """Why the one file at ``path`` (called ``name`` in the message) is refused, or
    ``None``: it must be a regular file of at most ``max_file`` bytes.  Only ``lstat``."""
    label = name if name is not None else Path(path).name
    try:
        info = os.lstat(path)
    except OSError as exc:
        return f"{label} cannot be read ({exc.strerror})"
    if not stat.S_ISREG(info.st_mode):
        return f"{label} is {_kind(info.st_mode)} (only regular files are accepted)"
    if info.st_size > max_file:
        return f"{label} is {info.st_size:,} bytes (at most {max_file:,} per file)"
    return None


def submission_problems(folder: str | os.PathLike[str], *, max_file: int = MAX_FILE_BYTES,
                        max_total: int = MAX_SUBMISSION_BYTES, max_files: int = MAX_FILES) -> list[str]:
    """Every reason to refuse the submission in ``folder`` (empty list: it is fine).
    Nothing is followed or opened: only ``lstat``."""
    root = Path(folder)
    problems: list[str] = []
    try:
        top = os.lstat(root)
    except FileNotFoundError:
        return [f"{root}: no such folder"]
    if not stat.S_ISDIR(top.st_mode):
        return [f"{root.name}: the submission is {_kind(top.st_mode)}, not a folder"]
    total = files = 0
    stack = [root]
    while stack:
        here = stack.pop()
        try:
            entries = sorted(os.scandir(here), key=lambda e: e.name)
        except OSError as exc:
            problems.append(f"{here.relative_to(root) or '.'}: cannot be listed ({exc.strerror})")
            continue
        for entry in entries:
            rel = Path(entry.path).relative_to(root).as_posix()
            info = entry.stat(follow_symlinks=False)
            if stat.S_ISDIR(info.st_mode):
                stack.append(Path(entry.path))
                continue
            if not stat.S_ISREG(info.st_mode):
                problems.append(f"{rel} is {_kind(info.st_mode)} (only regular files are accepted)")
                continue
            files += 1
            total += info.st_size
            if info.st_size > max_file:
                problems.append(f"{rel} is {info.st_size:,} bytes (at most {max_file:,} per file)")
    if files > max_files:
        problems.append(f"{files} files (at most {max_files})")
    if total > max_total:
        problems.append(f"{total:,} bytes in all (at most {max_total:,})")
    return problems


_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: Any) -> Any:
    """``value`` made safe for a CSV cell opened in a spreadsheet (see the module docs)."""
    if value is None or isinstance(value, (int, float)):
        return value
    text = str(value)
    if not text or _NUMBER.fullmatch(text):
        return text
    if text.lstrip(" ").startswith(_TRIGGERS) or text.startswith(_TRIGGERS):
        return "'" + text
    return text


def safe_row(row: Any) -> list[Any]:
    return [spreadsheet_safe(v) for v in row]
