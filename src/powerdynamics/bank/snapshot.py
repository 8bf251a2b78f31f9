"""A pre-parsed copy of the shipped bank, so that the first quiz does not wait for YAML.

Why: the bank's YAML is read with a bounded pure-Python composer (line numbers for every
problem, limits against hostile files).  That takes about 1.5 s here on CPython, and
several times longer in the browser edition, where PyYAML has no compiled loader and
the whole of it runs in WebAssembly before the first quiz can show.  The items are
the package's own, already checked, data: a wheel can carry them once more as JSON,
which loads and validates in about 20 ms.

The snapshot (``bank/data/bank.json``) is written when a wheel is built (``setup.py``,
and the browser edition's build) and never kept in the repository.  It records the
SHA-256 of every YAML file it was made from; :func:`load_snapshot` returns nothing
unless the files beside it are exactly those, so an edited bank is never shadowed by
a stale copy.  Every item still goes through the schema (``validate_item``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from ..kinds import KeyedItem, validate_item

__all__ = ["SNAPSHOT_NAME", "load_snapshot", "snapshot_json", "write_snapshot"]

SNAPSHOT_NAME = "bank.json"
FORMAT = "powerdynamics-bank-snapshot"


def _digests(files: Iterable[Path]) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(files, key=lambda p: p.name)}


def snapshot_json(files: Sequence[Path]) -> str:
    """The snapshot of the bank in ``files`` (raises ``BankError`` if they have problems)."""
    from .collection import Bank

    bank = Bank.from_files(files)
    items = [item.model_dump(mode="json", by_alias=True, exclude_none=True) for item in bank]
    return json.dumps({"format": FORMAT, "version": 1, "files": _digests(files), "items": items},
                      ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def write_snapshot(files: Sequence[Path], target: Path) -> Path:
    target.write_text(snapshot_json(files), encoding="utf-8")
    return target


def load_snapshot(path: Path, files: Sequence[Path]) -> list[KeyedItem] | None:
    """The items of the snapshot at ``path`` if it was made from exactly ``files``, else
    ``None`` (no snapshot, another format, or any file added, removed or changed)."""
    try:
        data: Any = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("format") != FORMAT or data.get("version") != 1:
        return None
    if data.get("files") != _digests(files):
        return None
    try:
        return [validate_item(item) for item in data.get("items", [])]
    except ValueError:  # pydantic's ValidationError: not what this package writes
        return None
