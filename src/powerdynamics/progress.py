"""Saved progress: every practice answer given in JupyterLab, kept in SQLite.

Why SQLite: each answer is committed in its own transaction (WAL journal, full sync),
so a kernel crash or a closed laptop loses nothing already answered, and two notebooks
(two kernels) can write at the same time.  The database lives in the user's data
directory (platformdirs); ``POWERDYNAMICS_PROGRESS_DB`` overrides the path for tests
and shared machines.

A lesson must never fail because of its progress store: a corrupt database is moved
aside with a warning and a fresh one is used; any other storage error is reported once
and the answers of this session are kept in memory so the quiz still works.
"""

from __future__ import annotations

import os
import sqlite3
import warnings
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import platformdirs

ENV_VAR = "POWERDYNAMICS_PROGRESS_DB"
SCHEMA = """
CREATE TABLE IF NOT EXISTS answers (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    item_id     TEXT    NOT NULL,
    category    TEXT    NOT NULL,
    chosen      TEXT    NOT NULL,
    correct     INTEGER NOT NULL CHECK (correct IN (0, 1)),
    attempt     INTEGER NOT NULL DEFAULT 1,
    quiz        TEXT    NOT NULL DEFAULT '',
    answered_at TEXT    NOT NULL
);
CREATE INDEX IF NOT EXISTS answers_item ON answers (item_id);
"""


class ProgressWarning(UserWarning):
    """Progress could not be stored as usual; the lesson goes on."""


@dataclass(frozen=True)
class Answer:
    """One recorded answer."""

    item_id: str
    category: str
    chosen: str
    correct: bool
    attempt: int
    quiz: str
    answered_at: str


def default_path() -> Path:
    """Where progress is stored: $POWERDYNAMICS_PROGRESS_DB or the user data directory."""
    override = os.environ.get(ENV_VAR, "").strip()
    if override:
        return Path(override).expanduser()
    return platformdirs.user_data_path("powerdynamics", appauthor=False) / "progress.sqlite3"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class ProgressStore:
    """Append-only log of answers with per-category summaries."""

    def __init__(self, path: Path | str | None = None) -> None:
        self.path = Path(path) if path is not None else default_path()
        self._ready = False
        self._memory: list[Answer] = []
        self._warned = False

    # -- connection management ----------------------------------------------------------
    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        try:
            conn.execute("PRAGMA busy_timeout = 30000")
            yield conn
        finally:
            conn.close()

    def _prepare(self) -> None:
        """Create the database on first use; move a corrupt one aside."""
        if self._ready:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._init_schema()
        except sqlite3.DatabaseError as exc:
            if isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc):
                raise
            aside = self._move_aside()
            warnings.warn(
                f"The progress database {self.path} could not be read ({exc}); it was moved to "
                f"{aside} and a fresh one was started. Earlier answers are in that file.",
                ProgressWarning,
                stacklevel=3,
            )
            self._init_schema()
        self._ready = True

    def _init_schema(self) -> None:
        with self._connect() as conn:
            check = conn.execute("PRAGMA quick_check").fetchone()
            if check and check[0] != "ok":
                raise sqlite3.DatabaseError(f"integrity check failed: {check[0]}")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.executescript(SCHEMA)

    def _move_aside(self) -> Path:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        aside = self.path.with_name(f"{self.path.name}.corrupt-{stamp}")
        counter = 1
        while aside.exists():
            counter += 1
            aside = self.path.with_name(f"{self.path.name}.corrupt-{stamp}-{counter}")
        self.path.rename(aside)
        for suffix in ("-wal", "-shm"):
            companion = self.path.with_name(self.path.name + suffix)
            if companion.exists():
                companion.rename(aside.with_name(aside.name + suffix))
        return aside

    def _warn_once(self, exc: Exception) -> None:
        if not self._warned:
            self._warned = True
            warnings.warn(
                f"Progress could not be saved to {self.path} ({exc}). Your answers in this "
                "session are kept in memory; the quiz works as usual.",
                ProgressWarning,
                stacklevel=3,
            )

    # -- writing ------------------------------------------------------------------------
    def record(
        self,
        item_id: str,
        category: str,
        chosen: str,
        correct: bool,
        *,
        attempt: int = 1,
        quiz: str = "",
    ) -> Answer:
        """Store one answer durably (its own transaction); never raises on storage errors."""
        answer = Answer(item_id, category, chosen, bool(correct), attempt, quiz, _now())
        try:
            self._prepare()
            with self._connect() as conn:
                conn.execute("PRAGMA synchronous = FULL")
                conn.execute(
                    "INSERT INTO answers (item_id, category, chosen, correct, attempt, quiz,"
                    " answered_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (answer.item_id, answer.category, answer.chosen, int(answer.correct),
                     answer.attempt, answer.quiz, answer.answered_at),
                )
        except (sqlite3.Error, OSError) as exc:
            self._memory.append(answer)
            self._warn_once(exc)
        return answer

    # -- reading ------------------------------------------------------------------------
    def answers(self) -> list[Answer]:
        """All answers, oldest first (plus any kept in memory after a storage error)."""
        stored: list[Answer] = []
        if self.path.exists():
            try:
                self._prepare()
                with self._connect() as conn, closing(conn.execute(
                    "SELECT item_id, category, chosen, correct, attempt, quiz, answered_at"
                    " FROM answers ORDER BY id"
                )) as cursor:
                    stored = [Answer(r[0], r[1], r[2], bool(r[3]), r[4], r[5], r[6]) for r in cursor]
            except (sqlite3.Error, OSError) as exc:
                self._warn_once(exc)
        return stored + self._memory

    def summary(self) -> dict[str, dict[str, int]]:
        """Per category: items answered, first answers correct, answers given in all."""
        per: dict[str, dict[str, int]] = {}
        seen: set[str] = set()
        for answer in self.answers():
            row = per.setdefault(answer.category, {"items": 0, "first_correct": 0, "answers": 0})
            row["answers"] += 1
            if answer.item_id not in seen:
                seen.add(answer.item_id)
                row["items"] += 1
                row["first_correct"] += answer.correct
        return dict(sorted(per.items()))
