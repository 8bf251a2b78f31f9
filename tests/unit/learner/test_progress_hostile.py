"""The progress store on hostile storage (issue 17, item 7): every case builds its input
in a fixture and counts the answers reported saved against the answers stored.

"Reported saved" means recorded and not in ``store.unsaved`` (the in-memory queue).  The
promise under test: every answer reported saved is in the database, nothing healthy is
ever renamed, and answers that could not be saved are kept, with a notice naming why.

Permission cases need a user that permissions apply to: as root the test drops to
``nobody`` (effective uid) around the trainee's actions; as any other user chmod does.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
import textwrap
import time
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

from powerdynamics import cli, progress
from powerdynamics.learner.progress import ENV_VAR, Answer, ProgressStore, ProgressWarning

BIN = Path(sys.executable).parent
NOBODY = 65534
ASIDE = re.compile(r"^p\.sqlite3\.corrupt-\d{8}T\d{6}Z(-\d+)?$")


# -- fixtures and helpers -----------------------------------------------------------------
@pytest.fixture(autouse=True)
def _no_exit_flush() -> Iterator[None]:
    """Answers a test leaves in memory must not be written at pytest's exit."""
    yield
    progress._UNSAVED.clear()


@pytest.fixture
def shared() -> Iterator[Path]:
    """A folder the unprivileged trainee can enter (pytest's tmp_path is root-only)."""
    folder = Path(tempfile.mkdtemp(prefix="pd-hostile-"))
    folder.chmod(0o755)
    yield folder
    with contextlib.suppress(OSError):
        for path in [folder, *folder.rglob("*")]:
            if path.is_dir():
                path.chmod(0o755)
    subprocess.run(["rm", "-rf", str(folder)], check=False)


@contextlib.contextmanager
def as_trainee() -> Iterator[None]:
    """Run the block with a trainee's rights (root bypasses file permissions)."""
    if os.geteuid() != 0:
        yield
        return
    os.setegid(NOBODY)
    os.seteuid(NOBODY)
    try:
        yield
    finally:
        os.seteuid(0)
        os.setegid(0)


def healthy_db(path: Path, n: int = 20, *, journal: str = "WAL") -> list[Answer]:
    store = ProgressStore(path)
    made = [store.record(f"seed-{i}", "bases", "expert", i % 3 == 0) for i in range(n)]
    assert not store.unsaved
    with contextlib.closing(sqlite3.connect(path)) as conn:
        conn.execute(f"PRAGMA journal_mode = {journal}")
    for suffix in ("-wal", "-shm"):
        assert not Path(str(path) + suffix).exists()
    return made


def stored(path: Path) -> list[Answer]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ProgressWarning)
        return ProgressStore(path).answers()


def reported_saved(store: ProgressStore, recorded: list[Answer]) -> list[Answer]:
    unsaved = set(store.unsaved)
    return [a for a in recorded if a not in unsaved]


def assert_saved_are_stored(store: ProgressStore, recorded: list[Answer], path: Path) -> None:
    saved = reported_saved(store, recorded)
    kept = set(stored(path))
    lost = [a for a in saved if a not in kept]
    assert not lost, f"{len(lost)} of {len(saved)} answers reported saved are not stored"


def snapshot(folder: Path) -> dict[str, tuple[int, int, str]]:
    """Every file under ``folder``: mode, mtime and content hash."""
    out = {}
    for path in sorted(folder.rglob("*")):
        st = path.lstat()
        digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "dir"
        out[str(path.relative_to(folder))] = (st.st_mode, st.st_mtime_ns, digest)
    return out


def summary_text(capsys, db: Path) -> tuple[int, str, str]:
    code = cli.main(["progress", "--db", str(db)])
    out, err = capsys.readouterr()
    return code, out, err


def record_all(store: ProgressStore, n: int, prefix: str = "new") -> list[Answer]:
    return [store.record(f"{prefix}-{i}", "bases", "reward", i % 2 == 0) for i in range(n)]


# -- a folder where the database should be ------------------------------------------------
def test_a_directory_is_never_renamed(shared, monkeypatch, capsys):
    folder = shared / "progress-folder"
    folder.mkdir()
    (folder / "notes.txt").write_text("the trainee's own files")
    before = snapshot(shared)
    monkeypatch.setenv(ENV_VAR, str(folder))
    store = ProgressStore()
    with pytest.warns(ProgressWarning, match="is a folder, not a progress database") as caught:
        recorded = record_all(store, 3)
    assert len([w for w in caught if issubclass(w.category, ProgressWarning)]) == 1  # once
    assert snapshot(shared) == before  # nothing renamed, nothing created
    assert not any(".corrupt-" in p.name for p in shared.rglob("*"))
    assert store.unsaved == tuple(recorded)  # none reported saved, all kept
    assert store.answers() == recorded
    assert not store.flush(timeout=0.05)  # the exit flush would not touch it either
    assert snapshot(shared) == before
    code, out, err = summary_text(capsys, folder)
    assert code == 0 and "No answers recorded yet" in out and "is a folder" in err
    assert snapshot(shared) == before


# -- read-only database and read-only folder ----------------------------------------------
def test_read_only_database_in_delete_mode_is_read_not_renamed(shared, capsys):
    folder = shared / "data"
    folder.mkdir()
    db = folder / "p.sqlite3"
    seeds = healthy_db(db, 20, journal="DELETE")
    db.chmod(0o444)
    if os.geteuid() == 0:
        os.chown(folder, NOBODY, NOBODY)  # the folder is the trainee's; the file is not
    before = snapshot(folder)
    with as_trainee():
        store = ProgressStore(db)
        with pytest.warns(ProgressWarning, match="the file is read-only") as caught:
            recorded = record_all(store, 5)
        notice = str(caught[0].message)
        assert "kept in memory" in notice and "earlier answers can still be read" in notice
        assert store.answers() == seeds + recorded  # reading works; new ones from memory
        code, out, err = summary_text(capsys, db)
    assert code == 0 and "No answers recorded yet" not in out
    assert re.search(r"Individual and relational bases of power\s+20\s+7 \(35%\)\s+20", out)
    assert snapshot(folder) == before  # not renamed, not changed, no journal left
    assert store.unsaved == tuple(recorded)
    assert_saved_are_stored(store, recorded, db)
    assert stored(db) == seeds


@pytest.mark.parametrize("journal", ["WAL", "DELETE"])
def test_read_only_folder_reads_all_answers_and_keeps_new_ones(shared, capsys, journal):
    folder = shared / "data"
    folder.mkdir()
    db = folder / "p.sqlite3"
    seeds = healthy_db(db, 20, journal=journal)
    folder.chmod(0o555)
    before = snapshot(shared)
    with as_trainee():
        code, out, _err = summary_text(capsys, db)
        assert code == 0 and "No answers recorded yet" not in out
        assert re.search(r"bases of power\s+20\s+7 \(35%\)\s+20", out)
        store = ProgressStore(db)
        with pytest.warns(ProgressWarning, match=f"the folder {folder} cannot be written"):
            recorded = record_all(store, 5)
        assert store.answers() == seeds + recorded
        assert store.unsaved == tuple(recorded)
    assert snapshot(shared) == before
    assert not any(".corrupt-" in p.name for p in shared.rglob("*"))
    assert_saved_are_stored(store, recorded, db)
    folder.chmod(0o755)  # the folder becomes writable: the queue is saved with the next one
    if os.geteuid() == 0:
        os.chown(folder, NOBODY, NOBODY)
        os.chown(db, NOBODY, NOBODY)
    with as_trainee():
        recorded.append(store.record("later", "bases", "expert", True))
    assert not store.unsaved
    assert stored(db) == seeds + recorded


# -- reading never changes a file -----------------------------------------------------------
def _damaged(db: Path) -> None:
    db.write_bytes(b"damaged " * 512)


def _wrong_schema(db: Path) -> None:
    with contextlib.closing(sqlite3.connect(db)) as conn:
        conn.execute("CREATE TABLE answers (x TEXT)")
        conn.execute("INSERT INTO answers VALUES ('not ours')")
        conn.commit()


@pytest.mark.parametrize("build", ["wal", "delete", "damaged", "wrong-schema", "live-wal"])
def test_cli_progress_never_changes_files(tmp_path, build):
    db = tmp_path / "p.sqlite3"
    holder = None
    if build in ("wal", "delete", "live-wal"):
        healthy_db(db, 20, journal="DELETE" if build == "delete" else "WAL")
    elif build == "damaged":
        _damaged(db)
    else:
        _wrong_schema(db)
    if build == "live-wal":  # another kernel has it open: -wal and -shm exist
        holder = sqlite3.connect(db)
        holder.execute("SELECT count(*) FROM answers").fetchone()
    before = snapshot(tmp_path)
    env = {**os.environ, ENV_VAR: str(db)}

    def unchanged() -> bool:
        if build != "live-wal":
            return snapshot(tmp_path) == before
        # the -shm of a database another process has open is shared memory, not data
        return ({k: v for k, v in snapshot(tmp_path).items() if not k.endswith("-shm")}
                == {k: v for k, v in before.items() if not k.endswith("-shm")})

    out = subprocess.run([str(BIN / "powerdynamics"), "progress"], capture_output=True, text=True,
                         env=env, check=False)  # the real command, once (it starts slowly)
    assert out.returncode == 0 and "Traceback" not in out.stderr, out.stderr
    assert unchanged()
    if build in ("wal", "delete", "live-wal"):
        assert re.search(r"bases of power\s+20\s+7 \(35%\)\s+20", out.stdout)
    for args in (["--json"], ["export", str(tmp_path / "x.json")]):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ProgressWarning)
            cli.main(["progress", "--db", str(db), *args])
        (tmp_path / "x.json").unlink(missing_ok=True)
        assert unchanged(), args
    if holder is not None:
        holder.close()


# -- wrong schema ---------------------------------------------------------------------------
def test_wrong_schema_table_is_set_aside_and_later_answers_are_stored(tmp_path):
    db = tmp_path / "p.sqlite3"
    _wrong_schema(db)
    store = ProgressStore(db)
    with pytest.warns(ProgressWarning, match="not a progress table .*kept, renamed to "
                      r"answers_set_aside_\d{8}T\d{6}Z"):
        recorded = record_all(store, 5)
    assert not store.unsaved
    assert stored(db) == recorded  # 5 of 5 stored (the red team saw 0 of 5)
    with contextlib.closing(sqlite3.connect(db)) as conn:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        kept = next(t for t in tables if t.startswith("answers_set_aside_"))
        assert conn.execute(f'SELECT x FROM "{kept}"').fetchall() == [("not ours",)]
    assert [p.name for p in tmp_path.iterdir()] == ["p.sqlite3"]  # the file is not renamed


def test_table_with_a_blocking_column_is_set_aside(tmp_path):
    db = tmp_path / "p.sqlite3"
    with contextlib.closing(sqlite3.connect(db)) as conn:
        conn.execute(progress.CREATE_TABLE)
        conn.execute("ALTER TABLE answers ADD COLUMN owner TEXT NOT NULL DEFAULT 'x'")
        conn.execute("CREATE TABLE t2 AS SELECT * FROM answers")
        conn.execute("DROP TABLE answers")
        conn.execute("CREATE TABLE answers (id INTEGER PRIMARY KEY, item_id TEXT, category TEXT,"
                     " chosen TEXT, correct INTEGER, answered_at TEXT, owner TEXT NOT NULL)")
        conn.commit()
    store = ProgressStore(db)
    with pytest.warns(ProgressWarning, match="owner cannot be filled"):
        recorded = record_all(store, 3)
    assert stored(db) == recorded


def test_older_table_without_optional_columns_is_migrated_in_place(tmp_path):
    db = tmp_path / "p.sqlite3"
    with contextlib.closing(sqlite3.connect(db)) as conn:
        conn.execute("CREATE TABLE answers (id INTEGER PRIMARY KEY AUTOINCREMENT, item_id TEXT "
                     "NOT NULL, category TEXT NOT NULL, chosen TEXT NOT NULL, correct INTEGER "
                     "NOT NULL, answered_at TEXT NOT NULL)")
        conn.execute("INSERT INTO answers (item_id, category, chosen, correct, answered_at) "
                     "VALUES ('old-1', 'bases', 'expert', 1, '2025-01-01T10:00:00+00:00')")
        conn.commit()
    assert [a.item_id for a in stored(db)] == ["old-1"]  # readable before the migration too
    store = ProgressStore(db)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ProgressWarning)  # a migration needs no notice
        recorded = record_all(store, 3)
    answers = stored(db)
    assert answers[0] == Answer("old-1", "bases", "expert", True, 1, "",
                                "2025-01-01T10:00:00+00:00")
    assert answers[1:] == recorded


def test_a_view_named_answers_sets_the_file_aside(tmp_path):
    db = tmp_path / "p.sqlite3"
    with contextlib.closing(sqlite3.connect(db)) as conn:
        conn.execute("CREATE TABLE other (x)")
        conn.execute("CREATE VIEW answers AS SELECT x FROM other")
        conn.commit()
    store = ProgressStore(db)
    with pytest.warns(ProgressWarning, match="view named 'answers'.*moved to"):
        recorded = record_all(store, 3)
    asides = [p for p in tmp_path.iterdir() if p.name != "p.sqlite3"]
    assert len(asides) == 1 and ASIDE.match(asides[0].name)
    assert stored(db) == recorded


# -- corruption -----------------------------------------------------------------------------
def test_damaged_file_at_first_use_is_set_aside_with_a_timestamped_name(tmp_path):
    db = tmp_path / "p.sqlite3"
    _damaged(db)
    store = ProgressStore(db)
    with pytest.warns(ProgressWarning, match="damaged .*set aside"):
        recorded = record_all(store, 4)
    asides = [p for p in tmp_path.iterdir() if p.name != "p.sqlite3"]
    assert len(asides) == 1 and ASIDE.match(asides[0].name)
    assert asides[0].read_bytes() == b"damaged " * 512
    assert stored(db) == recorded


@pytest.mark.parametrize("damage", ["overwritten", "pages"])
def test_corruption_found_mid_session_loses_no_later_answer(tmp_path, damage):
    db = tmp_path / "p.sqlite3"
    store = ProgressStore(db)
    early = [store.record(f"early-{i}", "bases", "expert", True) for i in range(150)]
    assert not store.unsaved
    data = bytearray(db.read_bytes())
    if damage == "overwritten":
        data[:] = b"\x00junk" * (len(data) // 5)
    else:  # every page after the first: the header is intact, the b-trees are not
        for offset in range(4096, len(data), 4096):
            data[offset:offset + 100] = b"\xff" * 100
    db.write_bytes(bytes(data))
    with pytest.warns(ProgressWarning, match="damaged"):
        late = record_all(store, 10, "late")
    assert not store.unsaved  # every later answer reported saved ...
    now = stored(db)
    assert now == early + late  # ... and stored, with this session's earlier ones
    asides = [p for p in tmp_path.iterdir() if ASIDE.match(p.name)]
    assert len(asides) == 1 and asides[0].read_bytes() == bytes(data)  # kept as found


def test_a_healthy_database_replaced_by_another_kernel_is_not_set_aside(tmp_path):
    """Two kernels find the same damage: only the damaged file is renamed, never the new
    database the first one started."""
    db = tmp_path / "p.sqlite3"
    _damaged(db)
    first, second = ProgressStore(db), ProgressStore(db)
    with pytest.warns(ProgressWarning):
        a = first.record("a", "bases", "expert", True)
    b = second.record("b", "bases", "expert", True)  # the file is healthy now
    assert len([p for p in tmp_path.iterdir() if ASIDE.match(p.name)]) == 1
    assert stored(db) == [a, b]


# -- a lock held by another process ---------------------------------------------------------
HOLDER = textwrap.dedent("""
    import sqlite3, sys, time, pathlib
    conn = sqlite3.connect(sys.argv[1], isolation_level=None)
    conn.execute("BEGIN EXCLUSIVE")
    pathlib.Path(sys.argv[2]).touch()
    time.sleep(float(sys.argv[3]))
    conn.execute("COMMIT")
""")


@pytest.fixture
def locked(tmp_path) -> Iterator[tuple[Path, subprocess.Popen]]:
    """A database another process holds an exclusive lock on for 2.5 s."""
    db = tmp_path / "p.sqlite3"
    healthy_db(db, 3)
    ready = tmp_path / "locked"
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(db), str(ready), "2.5"])
    deadline = time.monotonic() + 20
    while not ready.exists():
        assert time.monotonic() < deadline and holder.poll() is None
        time.sleep(0.01)
    yield db, holder
    holder.kill()
    holder.wait()


def test_a_click_waits_well_under_a_second_for_a_lock_and_queues(locked):
    db, holder = locked
    store = ProgressStore(db)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ProgressWarning)  # busy is not an error: no notice
        started = time.monotonic()
        first = store.record("clicked", "bases", "expert", True)
        waited = time.monotonic() - started
    assert waited < 0.5, f"a Check click waited {waited:.2f} s"
    assert store.unsaved == (first,)
    assert len(store.answers()) == 4  # reading is not blocked by the writer (WAL)
    assert holder.wait(timeout=20) == 0
    second = store.record("next", "bases", "expert", False)
    assert not store.unsaved
    assert stored(db)[-2:] == [first, second]


def test_an_answer_queued_behind_a_lock_is_saved_at_exit(locked, tmp_path):
    db, holder = locked
    child = textwrap.dedent("""
        import sys, time
        from powerdynamics.learner.progress import ProgressStore
        store = ProgressStore(sys.argv[1])
        start = time.monotonic()
        store.record("at-exit", "bases", "expert", True)
        print(round(time.monotonic() - start, 3), len(store.unsaved))
    """)
    out = subprocess.run([sys.executable, "-W", "error::UserWarning", "-c", child, str(db)],
                         capture_output=True, text=True, timeout=60, check=False)
    assert out.returncode == 0, out.stderr
    waited, queued = out.stdout.split()
    assert float(waited) < 0.5 and queued == "1"
    assert holder.poll() == 0  # the child outlived the lock: its exit flush waited for it
    assert [a.item_id for a in stored(db)][-1] == "at-exit"


# -- a full disk ------------------------------------------------------------------------------
class _SmallDisk(ProgressStore):
    """SQLite's max_page_count: the database cannot grow past ``pages`` (SQLITE_FULL)."""

    pages = 6

    @contextlib.contextmanager
    def _connect(self, path):
        with super()._connect(path) as conn:
            conn.execute(f"PRAGMA max_page_count = {self.pages}")
            yield conn


def _fill(store: ProgressStore, limit: int = 3000) -> list[Answer]:
    recorded = []
    with pytest.warns(ProgressWarning) as caught:
        for i in range(limit):
            recorded.append(store.record(f"fill-{i}-" + "x" * 300, "bases", "expert", True))
            if store.unsaved:
                break
    assert store.unsaved, "the disk never filled"
    notices = [str(w.message) for w in caught if issubclass(w.category, ProgressWarning)]
    assert len(notices) == 1 and "is full" in notices[0], notices
    assert "rollback" not in notices[0]  # the red team saw "cannot rollback"
    return recorded


def test_a_full_database_says_the_disk_is_full(tmp_path):
    db = tmp_path / "p.sqlite3"
    store = _SmallDisk(db)
    recorded = _fill(store)
    recorded += record_all(store, 3, "more")
    assert_saved_are_stored(store, recorded, db)
    _SmallDisk.pages = 1000
    try:
        recorded.append(store.record("after", "bases", "expert", True))
    finally:
        _SmallDisk.pages = 6
    assert not store.unsaved
    assert stored(db) == recorded


@pytest.fixture
def tiny_disk(tmp_path) -> Iterator[Path]:
    """A 256 KiB tmpfs (root only), nearly filled by a ballast file."""
    mount = tmp_path / "disk"
    mount.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs",
                                             str(mount)], capture_output=True).returncode:
        pytest.skip("needs root to mount a small tmpfs (the max_page_count test covers this)")
    try:
        (mount / "ballast").write_bytes(b"\0" * (180 * 1024))
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_full_filesystem_says_the_disk_is_full(tiny_disk):
    db = tiny_disk / "p.sqlite3"
    store = ProgressStore(db)
    recorded = _fill(store)
    assert_saved_are_stored(store, recorded, db)
    (tiny_disk / "ballast").unlink()  # space is freed: the queue goes with the next answer
    recorded.append(store.record("after", "bases", "expert", True))
    assert not store.unsaved
    assert stored(db) == recorded
