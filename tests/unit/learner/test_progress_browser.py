"""The browser edition's progress store (copy mode), tested on CPython with a temp drive.

In Pyodide SQLite works in memory but not on JupyterLite's browser-backed ``/drive``.  So
copy mode never opens SQLite on the drive: it reads the whole file into a local temporary
file, writes there, and copies the whole file back.  These tests make any SQLite open on
the drive fail, as it does in the browser.
"""

from __future__ import annotations

import errno
import json
import os
import sqlite3
import sys
from pathlib import Path

import pytest

from powerdynamics import progress
from powerdynamics.learner.progress import (
    ENV_VAR,
    MODE_ENV_VAR,
    Answer,
    ProgressStore,
    ProgressWarning,
    default_mode,
    default_path,
)


@pytest.fixture(autouse=True)
def _no_exit_flush():
    yield
    progress._UNSAVED.clear()


@pytest.fixture
def drive(tmp_path, monkeypatch) -> Path:
    """A JupyterLite drive: a lesson folder, and SQLite refusing to open anything on it."""
    root = tmp_path / "drive"
    (root / "lessons").mkdir(parents=True)
    (root / "lessons" / "01-bases.ipynb").write_text("{}")
    real_connect = sqlite3.connect

    def connect(database, *args, **kwargs):
        name = str(database)
        if str(root) in name:
            raise sqlite3.OperationalError(f"disk I/O error (SQLite on the browser drive: {name})")
        return real_connect(database, *args, **kwargs)

    monkeypatch.setattr(progress.sqlite3, "connect", connect)
    monkeypatch.setattr(progress, "DRIVE_PATH", root / ".powerdynamics" / "progress.sqlite3")
    return root


def store_on(drive: Path) -> ProgressStore:
    return ProgressStore(drive / ".powerdynamics" / "progress.sqlite3", mode="copy")


def visible(drive: Path) -> list[str]:
    """What the trainee's file browser lists: everything not under a hidden name."""
    return sorted(str(p.relative_to(drive)) for p in drive.rglob("*")
                  if not any(part.startswith(".") for part in p.relative_to(drive).parts))


def read_drive_file(path: Path) -> list[Answer]:
    return ProgressStore(path, mode="copy").answers()


def test_the_browser_uses_copy_mode_in_a_hidden_drive_folder(drive, monkeypatch):
    monkeypatch.delenv(ENV_VAR, raising=False)
    monkeypatch.delenv(MODE_ENV_VAR, raising=False)
    assert default_mode() == "direct"
    monkeypatch.setattr(sys, "platform", "emscripten")
    assert default_mode() == "copy"
    assert default_path() == drive / ".powerdynamics" / "progress.sqlite3"
    store = ProgressStore()
    assert store.mode == "copy" and store.path == default_path()
    monkeypatch.setenv(MODE_ENV_VAR, "direct")
    assert default_mode() == "direct"
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setenv(MODE_ENV_VAR, "copy")
    assert ProgressStore(drive / "x.sqlite3").mode == "copy"


def test_answers_persist_across_reloads_and_notebooks(drive):
    lesson1 = store_on(drive)
    with_warnings = [lesson1.record(f"l1-{i}", "bases", "expert", i != 1) for i in range(3)]
    assert not lesson1.unsaved
    db = drive / ".powerdynamics" / "progress.sqlite3"
    assert db.read_bytes().startswith(b"SQLite format 3\x00")
    assert sorted(p.name for p in db.parent.iterdir()) == ["progress.sqlite3"]  # no journal
    assert visible(drive) == ["lessons", "lessons/01-bases.ipynb"]
    reloaded = store_on(drive)  # a page reload is a new kernel
    assert reloaded.answers() == with_warnings
    lesson7 = store_on(drive)  # another notebook, open at the same time as lesson 1
    lesson7.answers()
    more = lesson1.record("l1-3", "bases", "reward", False)
    review = lesson7.record("l7-0", "control", "coercive", True)
    again = lesson1.record("l1-4", "bases", "reward", True)  # lesson 1's copy is stale now
    assert store_on(drive).answers() == [*with_warnings, more, review, again]


def test_reading_never_writes_the_drive(drive):
    store = store_on(drive)
    store.record("a", "bases", "expert", True)
    db = store.path
    before = (db.stat().st_mtime_ns, db.read_bytes())
    for _ in range(3):
        store_on(drive).answers()
        store_on(drive).summary()
    assert (db.stat().st_mtime_ns, db.read_bytes()) == before


def test_a_damaged_drive_file_is_set_aside_in_the_hidden_folder(drive):
    db = drive / ".powerdynamics" / "progress.sqlite3"
    db.parent.mkdir()
    db.write_bytes(b"half a download " * 300)
    store = store_on(drive)
    with pytest.warns(ProgressWarning, match="damaged") as caught:
        assert store.answers() == []  # reading says so, and changes nothing
    assert "set aside, keeping its contents, when the next answer is saved" in str(
        caught[0].message)
    with pytest.warns(ProgressWarning, match="set aside"):
        recorded = [store.record(f"x-{i}", "bases", "expert", True) for i in range(3)]
    assert not store.unsaved
    names = sorted(p.name for p in db.parent.iterdir())
    assert names[0] == "progress.sqlite3" and names[1].startswith("progress.sqlite3.corrupt-")
    assert (db.parent / names[1]).read_bytes() == b"half a download " * 300
    assert visible(drive) == ["lessons", "lessons/01-bases.ipynb"]  # no .corrupt-* in view
    assert read_drive_file(db) == recorded


def test_damage_found_mid_session_keeps_the_session(drive):
    store = store_on(drive)
    early = [store.record(f"e-{i}", "bases", "expert", True) for i in range(5)]
    store.path.write_bytes(b"\0" * 4096)  # the browser storage lost the file's contents
    with pytest.warns(ProgressWarning, match="damaged"):
        late = store.record("late", "bases", "expert", True)
    assert not store.unsaved
    assert read_drive_file(store.path) == [*early, late]


def test_a_failed_copy_keeps_answers_in_memory_and_says_why(drive, monkeypatch):
    store = store_on(drive)
    first = store.record("a", "bases", "expert", True)
    real_publish = progress._publish

    def full(target, data):
        raise OSError(errno.ENOSPC, "No space left on device (browser storage quota)")

    monkeypatch.setattr(progress, "_publish", full)
    with pytest.warns(ProgressWarning, match="is full"):
        second = store.record("b", "bases", "expert", True)
    assert store.unsaved == (second,)
    assert read_drive_file(store.path) == [first]  # the last good copy is untouched
    monkeypatch.setattr(progress, "_publish", real_publish)
    third = store.record("c", "bases", "expert", True)
    assert not store.unsaved
    assert read_drive_file(store.path) == [first, second, third]


def test_a_copy_interrupted_before_the_rename_leaves_the_old_file(drive, monkeypatch):
    store = store_on(drive)
    first = store.record("a", "bases", "expert", True)
    real_replace = os.replace

    def crash(src, dst):
        raise KeyboardInterrupt  # the tab closes between writing the copy and renaming it

    monkeypatch.setattr(progress.os, "replace", crash)
    with pytest.raises(KeyboardInterrupt):
        store.record("b", "bases", "expert", True)
    monkeypatch.setattr(progress.os, "replace", real_replace)
    assert read_drive_file(store.path) == [first]
    assert sorted(p.name for p in store.path.parent.iterdir()) == ["progress.sqlite3"]


def test_a_drive_without_rename_still_gets_the_whole_file(drive, monkeypatch):
    def no_rename(src, dst):
        raise OSError(errno.ENOSYS, "rename not supported")

    monkeypatch.setattr(progress.os, "replace", no_rename)
    store = store_on(drive)
    recorded = [store.record(f"x-{i}", "bases", "expert", True) for i in range(3)]
    assert not store.unsaved
    assert read_drive_file(store.path) == recorded


def test_wrong_schema_on_the_drive_is_repaired(drive, tmp_path):
    local = tmp_path / "odd.sqlite3"
    with sqlite3.connect(local) as conn:
        conn.execute("CREATE TABLE answers (x)")
    db = drive / ".powerdynamics" / "progress.sqlite3"
    db.parent.mkdir()
    db.write_bytes(local.read_bytes())
    store = store_on(drive)
    with pytest.warns(ProgressWarning, match="not a progress table"):
        recorded = [store.record(f"x-{i}", "bases", "expert", True) for i in range(3)]
    assert read_drive_file(db) == recorded


def test_download_from_the_browser_and_import_on_the_desktop_and_back(drive, tmp_path):
    browser = store_on(drive)
    given = [browser.record(f"b-{i}", "bases", "expert", i % 2 == 0) for i in range(4)]
    download = drive / "lessons" / "my-progress.json"  # the trainee downloads this file
    assert browser.export_to(download) == 4
    assert json.loads(download.read_text())["format"] == "powerdynamics-progress"
    desktop = ProgressStore(tmp_path / "desktop.sqlite3")
    local = desktop.record("d-0", "modes", "power-with", True)
    report = desktop.import_from(download)
    assert (report.added, report.present, report.invalid) == (4, 0, 0)
    assert sorted(desktop.answers(), key=lambda a: a.item_id) == sorted(
        [*given, local], key=lambda a: a.item_id)
    back = tmp_path / "desktop-export.sqlite3"
    desktop.export_to(back)
    upload = drive / "lessons" / "desktop-export.sqlite3"
    upload.write_bytes(back.read_bytes())  # uploaded into the browser's drive
    report = browser.import_from(upload)
    assert (report.added, report.present) == (1, 4)
    assert sorted(store_on(drive).answers(), key=lambda a: a.item_id) == sorted(
        [*given, local], key=lambda a: a.item_id)


def test_env_var_selects_copy_mode(tmp_path, monkeypatch):
    folder = tmp_path / "fake-drive" / ".powerdynamics"
    monkeypatch.setenv(MODE_ENV_VAR, "copy")
    monkeypatch.setenv(ENV_VAR, str(folder / "progress.sqlite3"))
    store = ProgressStore()
    assert store.mode == "copy"
    store.record("a", "bases", "expert", True)
    assert os.listdir(folder) == ["progress.sqlite3"]
    with pytest.raises(ValueError):
        ProgressStore(mode="memory")
