"""Saved progress: every practice answer given in JupyterLab (or JupyterLite), kept in SQLite.

Why SQLite: each answer is committed in its own transaction (WAL journal, full sync),
so a kernel crash or a closed laptop loses nothing already saved, and two notebooks
(two kernels) can write at the same time.  The database lives in the user's data
directory (platformdirs); ``POWERDYNAMICS_PROGRESS_DB`` overrides the path for tests
and shared machines.

A lesson must never fail because of its progress store, and the store never destroys
or hides what it cannot use:

* **Damaged** (SQLite reports a corrupt file, or the integrity check fails): the file is
  set aside as ``<name>.corrupt-<time>`` (nothing in it is deleted), a new database is
  started, and the answers of this session are written to it, at the first answer or
  whenever the damage is found mid-session.
* **Not damaged, only unusable** (read-only file or folder, a folder where the file should
  be, a full disk, any other open error): nothing is renamed.  Reading still works where
  the file can be read, new answers are kept in memory, a notice says why, and they are
  saved with the next answer that can be saved, or when the kernel exits.
* **Wrong schema** (an ``answers`` table from elsewhere): missing optional columns are
  added; a table that cannot be used is kept under another name in the same file with a
  notice, and a new ``answers`` table is used, so later answers are stored.
* **Busy** (another kernel is writing): a Check click waits at most
  :data:`CLICK_WAIT_SECONDS`, then the answer is queued and saved with the next answer, or
  at exit (waiting up to :data:`EXIT_WAIT_SECONDS`).  Being busy is not an error: no
  notice.
* **Reading never changes files**: the database is opened read-only (``mode=ro``); a
  WAL database nobody has open is read ``immutable`` so no ``-wal``/``-shm`` files appear.

**Browser edition (Pyodide, JupyterLite).**  SQLite works there in memory but not on the
browser-backed ``/drive``.  In *copy mode* (automatic when ``sys.platform`` is
``"emscripten"``, or ``POWERDYNAMICS_PROGRESS_MODE=copy``) each write loads the whole
database file from the drive into a local temporary file, adds the answers this session
has given that are not in it yet (so two notebooks writing in turn never drop each
other's answers), and copies the whole file back atomically (temporary file, then
``os.replace``), checking what was written.  The file lives in a hidden folder,
``/drive/.powerdynamics/progress.sqlite3``, and so does any damaged copy set aside, so
no ``.corrupt-*`` file ever shows in the trainee's file browser.

``export_to`` and ``import_from`` (``powerdynamics progress export|import FILE``) move
answers between stores as JSON or as an SQLite file.  The store is an append-only log,
so importing only adds answers it does not hold yet (identical answers are counted, not
duplicated) and never changes or removes an answer already there.
"""

from __future__ import annotations

import atexit
import contextlib
import errno
import json
import os
import shutil
import sqlite3
import sys
import tempfile
import threading
import time
import warnings
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import quote

import platformdirs

if TYPE_CHECKING:
    from powerdynamics.kinds import KeyedItem

ENV_VAR = "POWERDYNAMICS_PROGRESS_DB"
#: ``copy`` (browser edition: whole-file copies to and from the drive) or ``direct``.
MODE_ENV_VAR = "POWERDYNAMICS_PROGRESS_MODE"
#: How long a Check click waits for another kernel's write before queuing the answer.
CLICK_WAIT_SECONDS = 0.2
#: How long reading, import and the flush at exit wait for another kernel's write.
EXIT_WAIT_SECONDS = 15.0
#: Files larger than this are not imported (a year of daily practice is well under 5 MB).
MAX_IMPORT_BYTES = 32 * 1024 * 1024
#: Longest text accepted in an imported answer field (ids and labels are far shorter).
MAX_FIELD_CHARS = 1000
#: Where the browser edition keeps its database (a hidden folder of the JupyterLite drive).
DRIVE_PATH = Path("/drive/.powerdynamics/progress.sqlite3")
JSON_FORMAT = "powerdynamics-progress"

COLUMNS = ("item_id", "category", "chosen", "correct", "attempt", "quiz", "answered_at")
INSERT = f"INSERT INTO answers ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})"
CREATE_TABLE = """
CREATE TABLE IF NOT EXISTS answers (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    item_id     TEXT    NOT NULL,
    category    TEXT    NOT NULL,
    chosen      TEXT    NOT NULL,
    correct     INTEGER NOT NULL CHECK (correct IN (0, 1)),
    attempt     INTEGER NOT NULL DEFAULT 1,
    quiz        TEXT    NOT NULL DEFAULT '',
    answered_at TEXT    NOT NULL
)"""
CREATE_INDEX = "CREATE INDEX IF NOT EXISTS answers_item ON answers (item_id)"
SCHEMA = CREATE_TABLE + ";\n" + CREATE_INDEX + ";\n"
#: Columns an older table may lack; they are added with these definitions.
ADDABLE = {"attempt": "INTEGER NOT NULL DEFAULT 1", "quiz": "TEXT NOT NULL DEFAULT ''"}
REQUIRED = ("id", "item_id", "category", "chosen", "correct", "answered_at")
SQLITE_HEADER = b"SQLite format 3\x00"
T = TypeVar("T")

# SQLite primary result codes (https://sqlite.org/rescode.html)
_PERM, _BUSY, _LOCKED, _READONLY, _IOERR, _CORRUPT, _FULL, _CANTOPEN, _AUTH, _NOTADB = (
    3, 5, 6, 8, 10, 11, 13, 14, 23, 26)


class ProgressWarning(UserWarning):
    """Progress could not be stored as usual; the lesson goes on."""


class ProgressError(Exception):
    """An export or import could not be done (the message says why)."""


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

    def row(self) -> tuple[str, str, str, int, int, str, str]:
        return (self.item_id, self.category, self.chosen, int(self.correct), self.attempt,
                self.quiz, self.answered_at)


@dataclass(frozen=True)
class ImportReport:
    """What an import did: answers added, answers the store already held, entries refused."""

    added: int
    present: int
    invalid: int
    source: str

    def __str__(self) -> str:
        return (f"Imported {self.added} new answer{'s' * (self.added != 1)} from {self.source} "
                f"({self.present} already there, {self.invalid} skipped as invalid).")


def _caller_level() -> int:
    """The stack level of the first frame outside this module (where a warning belongs)."""
    frame: Any = sys._getframe(1)
    level = 1
    while frame is not None and frame.f_code.co_filename == __file__:
        frame, level = frame.f_back, level + 1
    return level


def _in_browser() -> bool:
    return sys.platform == "emscripten"


def default_path() -> Path:
    """Where progress is stored: $POWERDYNAMICS_PROGRESS_DB, the JupyterLite drive's hidden
    folder in the browser edition, or the user data directory."""
    override = os.environ.get(ENV_VAR, "").strip()
    if override:
        return Path(override).expanduser()
    if _in_browser() and DRIVE_PATH.parent.parent.is_dir():
        return DRIVE_PATH
    return platformdirs.user_data_path("powerdynamics", appauthor=False) / "progress.sqlite3"


def default_mode() -> str:
    """``copy`` in the browser edition (or when $POWERDYNAMICS_PROGRESS_MODE says so)."""
    mode = os.environ.get(MODE_ENV_VAR, "").strip().lower()
    if mode in ("copy", "direct"):
        return mode
    return "copy" if _in_browser() else "direct"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _stamp() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")


# -- telling problems apart ---------------------------------------------------------------
class _Damaged(Exception):
    """The file is not a usable progress database: set it aside."""


class _Retry(Exception):
    """Something changed under us (file replaced or recreated); try the write again."""


def _code(exc: BaseException) -> int | None:
    code = getattr(exc, "sqlite_errorcode", None)
    return code & 0xFF if isinstance(code, int) else None


def _kind(exc: BaseException, path: Path | None = None) -> str:
    """busy, damaged, readonly, full, missing (no table yet) or error."""
    if isinstance(exc, _Damaged):
        return "damaged"
    text = str(exc).lower()
    if isinstance(exc, sqlite3.Error):
        code = _code(exc)
        if code in (_BUSY, _LOCKED) or "locked" in text or "busy" in text:
            return "busy"
        if code in (_CORRUPT, _NOTADB) or "malformed" in text or "not a database" in text:
            return "damaged"
        if code == _FULL or "disk is full" in text:
            return "full"
        if "no such table: answers" in text:
            return "missing"
        if code in (_READONLY, _PERM, _AUTH) or "readonly" in text:
            return "readonly"
        if code == _CANTOPEN:  # read-only when something on the way cannot be written
            return "readonly" if path is not None and _blocked(path) else "cantopen"
    elif isinstance(exc, OSError):
        if exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
            return "full"
        if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
            return "readonly"
    if path is not None and _nearly_full(path):
        return "full"  # e.g. SQLite's "disk I/O error" when the -shm file cannot grow
    return "error"


def _nearly_full(path: Path) -> bool:
    for folder in (path.parent, *path.parents):
        if folder.is_dir():
            usage = getattr(shutil, "disk_usage", None)  # absent where os.statvfs is
            try:
                return usage is not None and usage(folder).free < 256 * 1024
            except OSError:
                return False
    return False


def _blocked(path: Path) -> bool:
    """The file or its folder exists but cannot be written by this process."""
    if path.exists():
        return not _writable(path) or not _writable(path.parent)
    return path.parent.is_dir() and not _writable(path.parent)


def _writable(path: Path) -> bool:
    effective = os.access in os.supports_effective_ids
    return os.access(path, os.W_OK, effective_ids=effective)


# -- exit flush ---------------------------------------------------------------------------
_UNSAVED: set[ProgressStore] = set()  # stores holding answers only in memory
_UNSAVED_LOCK = threading.Lock()
_WORKDIRS: list[Path] = []  # private temporary folders (copy mode, imports, exports)


@atexit.register  # registered first, so it runs after the flush below (atexit is LIFO)
def _remove_workdirs() -> None:
    for folder in _WORKDIRS:
        shutil.rmtree(folder, ignore_errors=True)



@atexit.register
def _flush_at_exit() -> None:
    with _UNSAVED_LOCK:
        stores = list(_UNSAVED)
    for store in stores:
        if not store.flush(timeout=EXIT_WAIT_SECONDS, create_folders=False, quiet=True):
            print(f"powerdynamics: {len(store.unsaved)} answer(s) kept in memory could not be "
                  f"saved to {store.path} at exit ({store.problem or 'locked by another program'})",
                  file=sys.stderr)


class ProgressStore:
    """Append-only log of answers with per-category summaries."""

    def __init__(self, path: Path | str | None = None, *, mode: str | None = None) -> None:
        self.path = Path(path) if path is not None else default_path()
        self.mode = mode or default_mode()
        if self.mode not in ("copy", "direct"):
            raise ValueError(f"mode must be 'copy' or 'direct', not {self.mode!r}")
        self._ready = False
        self._pending: list[Answer] = []  # answers not yet stored
        self._session: list[Answer] = []  # every answer recorded through this store
        self._warned: set[str] = set()
        self._deadline = 0.0
        self._workdir: Path | None = None
        #: The last notice given (why answers are kept in memory, what was set aside).
        self.notice: str | None = None
        #: The last storage error, in a few words (None once everything is saved).
        self.problem: str | None = None

    def __repr__(self) -> str:
        return f"ProgressStore({str(self.path)!r}, mode={self.mode!r})"

    @property
    def unsaved(self) -> tuple[Answer, ...]:
        """Answers recorded but kept only in memory so far (saved later or at exit)."""
        return tuple(self._pending)

    # -- connection management ----------------------------------------------------------
    def _remaining(self) -> float:
        return max(self._deadline - time.monotonic(), 0.0)

    @contextlib.contextmanager
    def _connect(self, path: Path) -> Iterator[sqlite3.Connection]:
        conn = sqlite3.connect(path, timeout=self._remaining(), isolation_level=None)
        try:
            yield conn
        finally:
            conn.close()

    def _retrying(self, action: Callable[[], T]) -> T:
        """Run ``action``, waiting out another process's lock until the deadline (SQLite
        does not always call its busy handler, e.g. while a journal mode changes)."""
        delay = 0.002
        while True:
            try:
                return action()
            except sqlite3.OperationalError as exc:
                if _kind(exc) != "busy" or time.monotonic() + delay > self._deadline:
                    raise
                time.sleep(delay)
                delay = min(delay * 2, 0.05)

    # -- notices ------------------------------------------------------------------------
    def _warn(self, kind: str, message: str, *, quiet: bool = False) -> None:
        self.notice = message
        if kind not in self._warned and not quiet:
            self._warned.add(kind)
            warnings.warn(message, ProgressWarning, stacklevel=_caller_level())

    def _kept(self) -> str:
        return ("New answers are kept in memory and saved with the next answer that can be "
                "saved, or when the kernel stops; the quiz works as usual.")

    def _explain(self, kind: str, exc: BaseException) -> str:
        where = self.path
        if kind == "folder":
            return (f"Progress cannot be saved: {where} is a folder, not a progress database "
                    f"(nothing in it was changed; point {ENV_VAR} at a file). {self._kept()}")
        if kind == "full":
            return (f"Progress cannot be saved: the disk holding {where} is full ({exc}). Free "
                    f"some space. {self._kept()}")
        if kind == "readonly":
            reasons = []
            if where.exists() and not _writable(where):
                reasons.append("the file is read-only")
            if where.parent.is_dir() and not _writable(where.parent):
                reasons.append(f"the folder {where.parent} cannot be written")
            why = " and ".join(reasons) or "it is read-only"
            return (f"Progress cannot be saved to {where}: {why} ({exc}). Your earlier answers "
                    f"can still be read. {self._kept()}")
        if kind == "cantopen":
            parent = next((p for p in where.parents if p.exists()), None)
            why = (f"{parent} is a file, not a folder" if parent is not None and not parent.is_dir()
                   else "it cannot be opened")
            return f"Progress cannot be saved to {where}: {why} ({exc}). {self._kept()}"
        return f"Progress could not be saved to {where} ({exc}). {self._kept()}"

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

        Waits at most CLICK_WAIT_SECONDS for another kernel; answers kept in memory after
        an earlier problem are written first, in order (see :attr:`unsaved`)."""
        answer = Answer(item_id, category, chosen, bool(correct), attempt, quiz, _now())
        self._session.append(answer)
        self._pending.append(answer)
        self.flush(timeout=CLICK_WAIT_SECONDS)
        return answer

    def flush(self, timeout: float = EXIT_WAIT_SECONDS, *, create_folders: bool = True,
              quiet: bool = False) -> bool:
        """Save the answers kept in memory; True when none is left.  Never raises."""
        if not self._pending:
            return True
        self._deadline = time.monotonic() + timeout
        self.problem = None
        try:
            self._save(create_folders)
        except (sqlite3.Error, OSError, _Damaged, _Folder) as exc:
            self.problem = str(exc)
            kind = "folder" if isinstance(exc, _Folder) else _kind(exc, self.path)
            if kind != "busy":
                self._warn(kind, self._explain(kind, exc), quiet=quiet)
        with _UNSAVED_LOCK:
            if self._pending:
                _UNSAVED.add(self)
            else:
                _UNSAVED.discard(self)
        return not self._pending

    def _save(self, create_folders: bool) -> None:
        if self.path.is_dir():
            raise _Folder(self.path)
        if create_folders:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        for attempt in range(4):
            inode = _inode(self.path)
            try:
                if self.mode == "copy":
                    self._save_copy()
                else:
                    self._save_direct()
                return
            except (sqlite3.Error, _Damaged) as exc:
                kind = _kind(exc)
                if attempt == 3 or kind not in ("damaged", "missing"):
                    raise
                self._ready = False
                if kind == "damaged" and _inode(self.path) == inode:  # not replaced meanwhile
                    self._set_aside(self.path, exc)
            except _Retry:
                self._ready = False
                if attempt == 3:
                    raise sqlite3.OperationalError("the database kept changing") from None

    def _save_direct(self) -> None:
        if not self._ready:
            self._retrying(lambda: self._prepare(self.path, wal=True))
            self._ready = True
        self._retrying(self._insert_pending)

    def _insert_pending(self) -> None:
        rows = [a.row() for a in self._pending]
        with self._connect(self.path) as conn:
            conn.execute("PRAGMA synchronous = FULL")
            conn.execute("BEGIN IMMEDIATE")
            try:
                conn.executemany(INSERT, rows)
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:  # SQLite may have rolled back already (full disk)
                    with contextlib.suppress(sqlite3.Error):
                        conn.execute("ROLLBACK")
                raise
        self._pending.clear()

    def _prepare(self, path: Path, *, wal: bool) -> None:
        """Check the file, switch to the journal mode, create or repair the schema."""
        with self._connect(path) as conn:
            check = conn.execute("PRAGMA quick_check").fetchone()
            if check and check[0] != "ok":
                raise _Damaged(f"integrity check failed: {check[0]}")
            kind = conn.execute(
                "SELECT type FROM sqlite_master WHERE name = 'answers'").fetchone()
            if kind is not None and kind[0] != "table":
                raise _Damaged(f"it holds a {kind[0]} named 'answers', not a progress table")
            if wal:
                conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("BEGIN IMMEDIATE")
            try:
                notice = self._ensure_schema(conn, path)
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    with contextlib.suppress(sqlite3.Error):
                        conn.execute("ROLLBACK")
                raise
        if notice:
            self._warn("schema", notice)

    def _ensure_schema(self, conn: sqlite3.Connection, path: Path) -> str | None:
        columns = {row[1]: row for row in conn.execute("PRAGMA table_info(answers)")}
        if not columns:
            conn.execute(CREATE_TABLE)
            conn.execute(CREATE_INDEX)
            return None
        missing = [c for c in REQUIRED if c not in columns]
        # a column we do not fill that refuses NULL and has no default blocks every insert
        blocking = [name for name, (_cid, _n, _type, notnull, default, pk) in columns.items()
                    if name not in ("id", *COLUMNS) and notnull and default is None and not pk]
        if missing or blocking:
            aside = f"answers_set_aside_{_stamp()}"
            conn.execute(f'ALTER TABLE answers RENAME TO "{aside}"')
            conn.execute(CREATE_TABLE)
            conn.execute(CREATE_INDEX)
            why = (f"it lacks {', '.join(missing)}" if missing
                   else f"its column(s) {', '.join(blocking)} cannot be filled")
            return (f"The answers table in {self.path} is not a progress table ({why}). It was "
                    f"kept, renamed to {aside} in the same file, and a new answers table was "
                    "started: your answers are saved again from now on.")
        for name, definition in ADDABLE.items():
            if name not in columns:  # an older table: add the column, keep every row
                conn.execute(f"ALTER TABLE answers ADD COLUMN {name} {definition}")
        conn.execute(CREATE_INDEX)
        return None

    def _set_aside(self, path: Path, exc: BaseException) -> None:
        """Rename a damaged database (and its -wal/-shm) to <name>.corrupt-<time>."""
        stamp = _stamp()
        aside = path.with_name(f"{path.name}.corrupt-{stamp}")
        counter = 1
        while aside.exists():
            counter += 1
            aside = path.with_name(f"{path.name}.corrupt-{stamp}-{counter}")
        try:
            path.rename(aside)
        except FileNotFoundError:
            return  # another kernel set it aside first
        for suffix in ("-wal", "-shm", "-journal"):
            companion = path.with_name(path.name + suffix)
            if companion.exists():
                with contextlib.suppress(OSError):
                    companion.rename(aside.with_name(aside.name + suffix))
        # the answers of this session are in the damaged file; write them to the new one
        self._pending = list(self._session)
        self._warn("damaged", (
            f"The progress database {path} is damaged ({exc}); it was set aside (moved to "
            f"{aside}; nothing in it was deleted) and a new one was started. The answers given in this "
            "session are saved in the new one, and so is every answer from now on."))

    # -- copy mode (browser edition) ----------------------------------------------------
    def _work_file(self, name: str) -> Path:
        if self._workdir is None or not self._workdir.is_dir():
            self._workdir = Path(tempfile.mkdtemp(prefix="powerdynamics-progress-"))
            _WORKDIRS.append(self._workdir)
        work = self._workdir / name
        for suffix in ("", "-journal", "-wal", "-shm"):
            Path(str(work) + suffix).unlink(missing_ok=True)
        return work

    def _save_copy(self) -> None:
        work = self._work_file("work.sqlite3")
        before = _signature(self.path)
        if before is not None:
            shutil.copyfile(self.path, work)
        self._retrying(lambda: self._prepare(work, wal=False))
        with self._connect(work) as conn:
            conn.execute("BEGIN IMMEDIATE")
            _insert_missing(conn, self._session)
            conn.execute("COMMIT")
        data = work.read_bytes()
        if _signature(self.path) != before:
            raise _Retry  # another notebook saved meanwhile: merge with its file
        _publish(self.path, data)
        self._pending.clear()

    # -- reading ------------------------------------------------------------------------
    def answers(self) -> list[Answer]:
        """All answers, oldest first (plus any still kept in memory).  Never changes a file."""
        stored: list[Answer] = []
        if self.path.is_dir():
            self._warn("folder", self._explain("folder", _Folder(self.path)))
        elif self.path.exists():
            self._deadline = time.monotonic() + EXIT_WAIT_SECONDS
            try:
                stored = self._retrying(lambda: self._read(self.path))
            except (sqlite3.Error, OSError, _Damaged) as exc:
                kind = _kind(exc)
                if kind == "damaged":
                    self._warn("damaged-read", (
                        f"The progress database {self.path} could not be read: it is damaged "
                        f"({exc}). It will be set aside, keeping its contents, when the next "
                        "answer is saved."))
                else:
                    self._warn("read", f"The progress database {self.path} could not be read "
                                       f"({exc}).")
        missing = Counter(a.row() for a in self._pending) - Counter(a.row() for a in stored)
        return stored + [a for a in self._pending if missing.pop(a.row(), 0)]

    def _read(self, path: Path) -> list[Answer]:
        if self.mode == "copy":
            work = self._work_file("read.sqlite3")
            shutil.copyfile(path, work)
            return _read_file(work, immutable=False)
        try:
            return _read_file(path, immutable=_quiescent_wal(path))
        except sqlite3.OperationalError as exc:
            if _kind(exc) not in ("readonly", "cantopen", "error"):
                raise
        # e.g. a hot journal in a read-only folder: read a private copy
        work = self._work_file("read.sqlite3")
        for suffix in ("", "-wal", "-journal"):
            source = Path(str(path) + suffix)
            if source.exists():
                shutil.copyfile(source, Path(str(work) + suffix))
        return _read_file(work, immutable=False)

    def summary(self, items: Iterable[KeyedItem] | None = None) -> dict[str, dict[str, int]]:
        """Per category: items answered, first answers correct, answers given in all.

        An item's first answer in the store decides whether it was right at the first
        try; every answer counts in "answers".  A ``choice``, ``cue`` or ``session`` item
        counts in its own category (``answer.category``), right or wrong as graded.  A
        ``case`` counts once in each category among its option labels, right there when
        every label of that category was judged rightly
        (:func:`powerdynamics.kinds.case.mastery_counts`, which says why): its labels can
        come from several categories, and each label's hit, miss or false alarm is
        evidence about that label's category.

        ``items`` are the bank items to find the cases among (default: the course's bank,
        loaded only when there are answers); an answer to an item not among them counts
        in its recorded category."""
        from powerdynamics.kinds.case import CaseItem, mastery_counts

        answers = self.answers()
        if items is None and answers:
            from powerdynamics.bank.collection import default_bank

            items = default_bank().items
        cases = {item.id: item for item in items or () if isinstance(item, CaseItem)}
        per: dict[str, dict[str, int]] = {}
        seen: set[str] = set()
        for answer in answers:
            case = cases.get(answer.item_id)
            counts = ({answer.category: answer.correct} if case is None
                      else mastery_counts(case, answer.chosen, answer.correct))
            first = answer.item_id not in seen
            seen.add(answer.item_id)
            for category, right in counts.items():
                row = per.setdefault(category, {"items": 0, "first_correct": 0, "answers": 0})
                row["answers"] += 1
                if first:
                    row["items"] += 1
                    row["first_correct"] += right
        return dict(sorted(per.items()))

    # -- export and import --------------------------------------------------------------
    def export_to(self, target: Path | str, *, overwrite: bool = False) -> int:
        """Write every answer to ``target``: SQLite for .sqlite/.sqlite3/.db, else JSON.
        Returns the number of answers written.  Never changes the store."""
        target = Path(target)
        if target.exists() and not overwrite:
            raise ProgressError(f"{target} exists already (use --force to replace it)")
        if _same_file(target, self.path):
            raise ProgressError(f"{target} is the progress database itself")
        answers = self.answers()
        if target.suffix.lower() in (".sqlite", ".sqlite3", ".db"):
            work = self._work_file("export.sqlite3")
            with contextlib.closing(sqlite3.connect(work, isolation_level=None)) as conn:
                conn.execute(CREATE_TABLE)
                conn.execute(CREATE_INDEX)
                conn.execute("BEGIN")
                conn.executemany(INSERT, [a.row() for a in answers])
                conn.execute("COMMIT")
            data = work.read_bytes()
        else:
            data = json.dumps({"format": JSON_FORMAT, "version": 1, "exported_at": _now(),
                               "answers": [asdict(a) for a in answers]}, indent=1).encode()
        try:
            _publish(target, data)
        except OSError as exc:
            raise ProgressError(f"could not write {target}: {exc}") from exc
        return len(answers)

    def import_from(self, source: Path | str) -> ImportReport:
        """Add the answers in ``source`` (a JSON export or an SQLite progress file) that the
        store does not hold yet.  Raises ProgressError when nothing could be imported."""
        source = Path(source)
        answers, invalid = self._load(source)
        if _same_file(source, self.path):
            raise ProgressError(f"{source} is the progress database itself")
        self._deadline = time.monotonic() + EXIT_WAIT_SECONDS
        added = self._merge(answers)
        return ImportReport(added, len(answers) - added, invalid, str(source))

    def _load(self, source: Path) -> tuple[list[Answer], int]:
        try:
            if not source.is_file():
                raise ProgressError(f"{source} is not a file")
            if source.stat().st_size > MAX_IMPORT_BYTES:
                raise ProgressError(f"{source} is larger than {MAX_IMPORT_BYTES >> 20} MB")
            with source.open("rb") as handle:
                head = handle.read(len(SQLITE_HEADER))
            if head == SQLITE_HEADER:
                work = self._work_file("import.sqlite3")
                for suffix in ("", "-wal"):
                    if Path(str(source) + suffix).is_file():
                        shutil.copyfile(Path(str(source) + suffix), Path(str(work) + suffix))
                entries: Any = [asdict(a) for a in _read_file(work, immutable=False)]
            else:
                data = json.loads(source.read_bytes())
                entries = data.get("answers") if isinstance(data, dict) else data
                if not isinstance(entries, list):
                    raise ProgressError(f"{source} holds no list of answers")
        except ProgressError:
            raise
        except (OSError, ValueError, RecursionError, sqlite3.Error, _Damaged) as exc:
            raise ProgressError(f"{source} could not be read ({type(exc).__name__}: "
                                f"{str(exc)[:200]})") from None
        valid = [a for a in map(_valid_answer, entries) if a is not None]
        return valid, len(entries) - len(valid)

    def _merge(self, answers: list[Answer]) -> int:
        """Add the answers the store lacks (counted, so identical answers stay distinct)."""
        held = Counter(a.row() for a in self.answers())
        new = []
        for answer in answers:
            if held[answer.row()] > 0:
                held[answer.row()] -= 1
            else:
                new.append(answer)
        if not new:
            return 0
        self._session.extend(new)
        self._pending.extend(new)
        if self.flush(timeout=EXIT_WAIT_SECONDS):
            return len(new)
        del self._session[-len(new):]  # one transaction (or one file copy): nothing was written
        del self._pending[-len(new):]
        with _UNSAVED_LOCK:
            if not self._pending:
                _UNSAVED.discard(self)
        raise ProgressError(self.notice or f"{self.path} stayed busy; nothing was imported")


class _Folder(Exception):
    def __str__(self) -> str:
        return f"{self.args[0]} is a folder"


def _signature(path: Path) -> tuple[int, int, int] | None:
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns)


def _inode(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_dev, st.st_ino)


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and a.samefile(b)
    except OSError:
        return False


def _publish(target: Path, data: bytes) -> None:
    """Write ``data`` to ``target`` atomically (temporary file, then replace) and check it."""
    target.parent.mkdir(parents=True, exist_ok=True)
    temp = target.with_name(f".{target.name}.tmp-{os.getpid()}-{threading.get_ident()}")
    try:
        with temp.open("wb") as handle:
            handle.write(data)
            handle.flush()
            with contextlib.suppress(OSError):
                os.fsync(handle.fileno())
        try:
            os.replace(temp, target)
        except OSError:  # a drive without rename: write in place (still whole-file)
            target.write_bytes(data)
    finally:
        with contextlib.suppress(OSError):
            temp.unlink(missing_ok=True)
    if target.read_bytes() != data:
        raise OSError(errno.EIO, f"{target} did not keep what was written")


def _quiescent_wal(path: Path) -> bool:
    """A WAL database nobody has open: read it immutable so no -wal/-shm file appears."""
    try:
        with path.open("rb") as handle:
            header = handle.read(20)
    except OSError:
        return False
    return (len(header) == 20 and header[18] == 2
            and not Path(str(path) + "-wal").exists() and not Path(str(path) + "-shm").exists())


def _read_file(path: Path, *, immutable: bool) -> list[Answer]:
    """Every answer in the SQLite file at ``path``, opened read-only."""
    for _ in range(5):
        before = _signature(path)
        uri = f"file:{quote(str(path.absolute()))}?mode=ro" + ("&immutable=1" if immutable else "")
        try:
            with contextlib.closing(sqlite3.connect(uri, uri=True, timeout=1.0)) as conn:
                answers = _select(conn)
        except sqlite3.DatabaseError:
            if not immutable or _signature(path) == before:
                raise
            continue  # a writer changed the file while it was read: read again
        if not immutable or (_signature(path) == before and _quiescent_wal(path)):
            return answers
        immutable = _quiescent_wal(path)
    raise sqlite3.OperationalError("database is locked")  # it never stopped changing


def _select(conn: sqlite3.Connection) -> list[Answer]:
    kind = conn.execute("SELECT type FROM sqlite_master WHERE name = 'answers'").fetchone()
    if kind is None:
        return []
    columns = {row[1] for row in conn.execute("PRAGMA table_info(answers)")}
    if not set(REQUIRED) - {"id"} <= columns:
        return []  # not a progress table: the next save sets it aside with a notice
    fields = [c if c in columns else ("1" if c == "attempt" else "''") for c in COLUMNS]
    order = "answered_at, id" if "id" in columns else "answered_at"
    with contextlib.closing(conn.execute(
            f"SELECT {', '.join(fields)} FROM answers ORDER BY {order}")) as cursor:
        return [Answer(str(r[0]), str(r[1]), str(r[2]), bool(r[3]), int(r[4] or 1), str(r[5]),
                       str(r[6])) for r in cursor]


def _insert_missing(conn: sqlite3.Connection, answers: Iterable[Answer]) -> int:
    """Insert the answers ``conn``'s table lacks, counting identical answers; in order."""
    have = Counter(conn.execute(f"SELECT {', '.join(COLUMNS)} FROM answers"))
    rows = []
    for answer in answers:
        row = answer.row()
        if have[row] > 0:
            have[row] -= 1
        else:
            rows.append(row)
    conn.executemany(INSERT, rows)
    return len(rows)


def _valid_answer(entry: Any) -> Answer | None:
    """An imported entry as an Answer, or None when it is not a well-formed answer."""
    if not isinstance(entry, dict):
        return None
    texts = [t for t in (entry.get(k) for k in ("item_id", "category", "chosen"))
             if isinstance(t, str) and 0 < len(t) <= MAX_FIELD_CHARS]
    quiz = entry.get("quiz", "")
    if len(texts) != 3:
        return None
    if not isinstance(quiz, str) or len(quiz) > MAX_FIELD_CHARS:
        return None
    correct, attempt = entry.get("correct"), entry.get("attempt", 1)
    if correct not in (True, False, 0, 1) or isinstance(attempt, bool):
        return None
    if not isinstance(attempt, int) or not 1 <= attempt <= 10_000:
        return None
    when = entry.get("answered_at")
    if not isinstance(when, str) or len(when) > 64:
        return None
    try:
        stamp = datetime.fromisoformat(when)
    except ValueError:
        return None
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=UTC)
    return Answer(texts[0], texts[1], texts[2], bool(correct), attempt, quiz,
                  stamp.astimezone(UTC).isoformat(timespec="seconds"))
