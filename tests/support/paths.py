"""Where things are, for every test and benchmark (one place, not a ``parent.parent``
per file, which breaks when a file moves)."""

from __future__ import annotations

from pathlib import Path

#: The checkout's root (pyproject.toml, exercises/, notebooks/, _build/).
ROOT = Path(__file__).resolve().parents[2]
EXERCISES = ROOT / "exercises"
FIXTURES = ROOT / "tests" / "fixtures"
