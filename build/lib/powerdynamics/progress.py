"""Saved progress: every practice answer given in JupyterLab, kept in SQLite.

Why SQLite: each answer is committed in its own transaction (WAL journal, full sync),
so a kernel crash or a closed laptop loses nothing already answered, and two notebooks
(two kernels) can write at the same time.  The database lives in the user's data
directory (platformdirs); ``POWERDYNAMICS_PROGRESS_DB`` overrides the path for tests
and shared machines.

A lesson must never fail because of its progress store: a corrupt database is moved
aside with a warning and a fresh one is used; any other storage error is reported once
and the answers are kept in memory and written with the next answer that can be saved.
A database busy with another kernel's write is waited for (SQLite does not always call
its busy handler, e.g. while a journal mode changes), never treated as a failure.
"""

from __future__ import annotations

import os
import sqlite3
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

import platformdirs

ENV_VAR = "POWERDYNAMICS_PROGRESS_DB"
#: How long to wait for another process's write before keeping an answer in memory.
BUSY_SECONDS = 30.0
INSERT = (
    "INSERT INTO answers (item_id, category, chosen, correct, attempt, quiz, answered_at)"
    " VALUES (?, ?, ?, ?, ?, ?, ?)"
)
T = TypeVar("T")
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
        self._pending: list[Answer] = []  # answers not yet stored (after a storage error)
        self._warned = False

    # -- connection management ----------------------------------------------------------
    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        conn = sqlite3.connect(self.path, timeout=BUSY_SECONDS, isolation_level=None)
        try:
            yield conn
        finally:
            conn.close()

    @staticmethod
    def _busy(exc: BaseException) -> bool:
        return isinstance(exc, sqlite3.OperationalError) and (
            "locked" in str(exc) or "busy" in str(exc))

    def _retrying(self, action: Callable[[], T]) -> T:
        """Run ``action``, waiting out another process's lock for up to BUSY_SECONDS."""
        deadline = time.monotonic() + BUSY_SECONDS
        delay = 0.005
        while True:
            try:
                return action()
            except sqlite3.OperationalError as exc:
                if not self._busy(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(delay)
                delay = min(delay * 2, 0.2)

    def _prepare(self) -> None:
        """Create the database on first use; move a corrupt one aside."""
        if self._ready:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._retrying(self._init_schema)
        except sqlite3.DatabaseError as exc:
            if self._busy(exc):
                raise
            aside = self._move_aside()
            warnings.warn(
                f"The progress database {self.path} could not be read ({exc}); it was moved to "
                f"{aside} and a fresh one was started. Earlier answers are in that file.",
                ProgressWarning,
                stacklevel=3,
            )
            self._retrying(self._init_schema)
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
                f"Progress could not be saved to {self.path} ({exc}). Your answers are kept in "
                "memory and saved with the next answer that can be; the quiz works as usual.",
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
        """Store one answer durably (its own transaction); never raises on storage errors.

        Answers kept in memory after an earlier error are written first, in order."""
        answer = Answer(item_id, category, chosen, bool(correct), attempt, quiz, _now())
        self._pending.append(answer)
        try:
            self._prepare()
            self._retrying(self._flush)
        except (sqlite3.Error, OSError) as exc:
            self._warn_once(exc)
        return answer

    def _flush(self) -> None:
        rows = [(a.item_id, a.category, a.chosen, int(a.correct), a.attempt, a.quiz, a.answered_at)
                for a in self._pending]
        with self._connect() as conn:
            conn.execute("PRAGMA synchronous = FULL")
            conn.execute("BEGIN IMMEDIATE")
            try:
                conn.executemany(INSERT, rows)
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        self._pending.clear()

    # -- reading ------------------------------------------------------------------------
    def answers(self) -> list[Answer]:
        """All answers, oldest first (plus any still kept in memory after a storage error)."""
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
        return stored + self._pending

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
