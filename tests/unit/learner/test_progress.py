"""The progress store: durable, concurrent, and never fatal to a lesson."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from powerdynamics.learner.progress import (
    ENV_VAR,
    ProgressError,
    ProgressStore,
    ProgressWarning,
    default_path,
)

BIN = Path(sys.executable).parent

WRITER = textwrap.dedent("""
    import os, sys, time
    from powerdynamics.learner.progress import ProgressStore
    go = sys.argv[4] if len(sys.argv) > 4 else None
    while go and not os.path.exists(go):  # start together: the first writes race
        time.sleep(0.001)
    store = ProgressStore(sys.argv[1])
    for i in range(int(sys.argv[3])):
        store.record(f"{sys.argv[2]}-{i}", "bases", "expert", i % 2 == 0)
""")


def test_env_var_overrides_path(monkeypatch, tmp_path):
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "x.sqlite3"))
    assert default_path() == tmp_path / "x.sqlite3"
    monkeypatch.delenv(ENV_VAR)
    assert default_path().name == "progress.sqlite3"
    assert "powerdynamics" in default_path().parts


def test_record_and_summary(tmp_path):
    store = ProgressStore(tmp_path / "deep" / "dir" / "p.sqlite3")
    store.record("a", "bases", "expert", True)
    store.record("a", "bases", "referent", False, attempt=2)
    store.record("b", "bases", "reward", False)
    store.record("c", "modes", "power-with", True)
    answers = store.answers()
    assert [(a.item_id, a.chosen, a.correct, a.attempt) for a in answers] == [
        ("a", "expert", True, 1), ("a", "referent", False, 2), ("b", "reward", False, 1),
        ("c", "power-with", True, 1)]
    assert answers[0].answered_at.endswith("+00:00")
    assert store.summary() == {
        "bases": {"items": 2, "first_correct": 1, "answers": 3},
        "modes": {"items": 1, "first_correct": 1, "answers": 1},
    }


def test_answers_survive_a_killed_process(tmp_path):
    db = tmp_path / "p.sqlite3"
    script = WRITER + "import os; os._exit(9)\n"  # die without any cleanup
    result = subprocess.run([sys.executable, "-c", script, str(db), "k", "5"])
    assert result.returncode == 9
    assert len(ProgressStore(db).answers()) == 5


@pytest.mark.parametrize("round_", range(3))
def test_processes_writing_at_once_lose_nothing(tmp_path, round_):
    """Several kernels start on a new database at the same moment (the journal-mode switch
    is where SQLite reports "locked" without waiting) and keep writing."""
    db = tmp_path / "p.sqlite3"
    n, names = 120, ("left", "right", "middle")
    go = tmp_path / "go"
    procs = [subprocess.Popen([sys.executable, "-W", "error::UserWarning", "-c", WRITER, str(db),
                               name, str(n), str(go)], stderr=subprocess.PIPE, text=True)
             for name in names]
    time.sleep(1.0)  # let every interpreter finish importing
    go.touch()
    results = [(p.wait(timeout=120), p.stderr.read()) for p in procs]
    assert [code for code, _ in results] == [0, 0, 0], results  # a ProgressWarning would fail
    answers = ProgressStore(db).answers()
    assert len(answers) == len(names) * n
    ids = {a.item_id for a in answers}
    assert all({f"{name}-{i}" for i in range(n)} <= ids for name in names)


def test_answers_kept_in_memory_are_saved_when_storage_recovers(tmp_path):
    blocker = tmp_path / "data"
    blocker.write_text("a file where the data folder should be")
    store = ProgressStore(blocker / "p.sqlite3")
    with pytest.warns(ProgressWarning):
        store.record("a", "bases", "expert", True)
    blocker.unlink()  # the folder can be made now
    store.record("b", "bases", "reward", False)
    assert [a.item_id for a in ProgressStore(blocker / "p.sqlite3").answers()] == ["a", "b"]


def test_corrupt_database_is_moved_aside(tmp_path):
    db = tmp_path / "p.sqlite3"
    db.write_bytes(b"this is not a database, it was damaged" * 100)
    store = ProgressStore(db)
    with pytest.warns(ProgressWarning, match="moved to"):
        store.record("a", "bases", "expert", True)
    aside = [p for p in tmp_path.iterdir() if ".corrupt-" in p.name]
    assert len(aside) == 1
    assert aside[0].read_bytes().startswith(b"this is not a database")  # nothing destroyed
    assert [a.item_id for a in ProgressStore(db).answers()] == ["a"]


def test_truncated_database_is_moved_aside(tmp_path):
    db = tmp_path / "p.sqlite3"
    good = ProgressStore(db)
    for i in range(50):
        good.record(f"i{i}", "bases", "expert", True)
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = db.read_bytes()
    db.write_bytes(data[: len(data) // 2] + b"\x00" * 37)
    with pytest.warns(ProgressWarning):
        ProgressStore(db).record("new", "bases", "expert", True)
    assert [a.item_id for a in ProgressStore(db).answers()] == ["new"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write anywhere")
def test_unwritable_location_keeps_answers_in_memory(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        store = ProgressStore(folder / "p.sqlite3")
        with pytest.warns(ProgressWarning, match="kept in memory"):
            store.record("a", "bases", "expert", True)
        assert [a.item_id for a in store.answers()] == ["a"]
    finally:
        folder.chmod(0o700)


def test_storage_error_keeps_answers_in_memory(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("a file where a directory should be")
    store = ProgressStore(blocker / "p.sqlite3")
    with pytest.warns(ProgressWarning, match="kept in memory"):
        store.record("a", "bases", "expert", True)
    store.record("b", "bases", "expert", False)  # warned once, still works
    assert [a.item_id for a in store.answers()] == ["a", "b"]


def test_cli_progress_summary(tmp_path):
    db = tmp_path / "p.sqlite3"
    store = ProgressStore(db)
    store.record("a", "bases", "expert", True)
    store.record("b", "bases", "reward", False)
    env = {**os.environ, ENV_VAR: str(db)}
    out = subprocess.run([str(BIN / "powerdynamics"), "progress"], capture_output=True, text=True,
                         env=env)
    assert out.returncode == 0, out.stderr
    assert str(db) in out.stdout
    assert "Individual and relational bases of power" in out.stdout
    assert "1 (50%)" in out.stdout
    js = subprocess.run([str(BIN / "powerdynamics"), "progress", "--json"], capture_output=True,
                        text=True, env=env)
    assert json.loads(js.stdout)["by_category"]["bases"] == {
        "items": 2, "first_correct": 1, "answers": 2}
    empty = subprocess.run([str(BIN / "powerdynamics"), "progress", "--db",
                            str(tmp_path / "none.sqlite3")], capture_output=True, text=True)
    assert "No answers recorded yet" in empty.stdout


# -- export and import ---------------------------------------------------------------------
def _filled(path, n=6, prefix="d"):
    store = ProgressStore(path)
    return store, [store.record(f"{prefix}-{i}", "bases", "expert", i % 2 == 0, attempt=1 + i % 2)
                   for i in range(n)]


@pytest.mark.parametrize("name", ["out.json", "out.sqlite3", "out.db"])
def test_export_import_round_trip(tmp_path, name):
    source, given = _filled(tmp_path / "a.sqlite3")
    target = tmp_path / name
    assert source.export_to(target) == 6
    fresh = ProgressStore(tmp_path / "b.sqlite3")
    report = fresh.import_from(target)
    assert (report.added, report.present, report.invalid) == (6, 0, 0)
    assert fresh.answers() == given
    again = fresh.import_from(target)  # importing twice adds nothing
    assert (again.added, again.present) == (0, 6)
    assert fresh.answers() == given


def test_import_merges_never_changes_or_drops_answers(tmp_path):
    home, old = _filled(tmp_path / "home.sqlite3", 4, "h")
    laptop = ProgressStore(tmp_path / "laptop.sqlite3")
    laptop.import_from(_export(home, tmp_path / "h.json"))
    newer = [laptop.record(f"l-{i}", "modes", "power-with", True) for i in range(3)]
    twin = laptop.record("l-0", "modes", "power-with", True)  # an identical answer, kept twice
    home_new = home.record("h-late", "bases", "reward", False)
    report = laptop.import_from(_export(home, tmp_path / "h2.json"))
    assert (report.added, report.present) == (1, 4)
    assert sorted(laptop.answers(), key=repr) == sorted([*old, *newer, twin, home_new], key=repr)
    report = home.import_from(_export(laptop, tmp_path / "l.sqlite3"))
    assert (report.added, report.present) == (4, 5)
    assert sorted(home.answers(), key=repr) == sorted(laptop.answers(), key=repr)


def _export(store, path):
    store.export_to(path, overwrite=True)
    return path


def test_import_skips_malformed_entries_and_normalises_times(tmp_path):
    good = {"item_id": "a", "category": "bases", "chosen": "expert", "correct": True,
            "attempt": 1, "quiz": "", "answered_at": "2025-03-01T12:00:00+01:00"}
    bad = [{**good, "item_id": ""}, {**good, "correct": "yes"}, {**good, "attempt": 0},
           {**good, "attempt": True}, {**good, "answered_at": "yesterday"}, "x", None,
           {**good, "chosen": "x" * 5000}, {k: v for k, v in good.items() if k != "category"}]
    path = tmp_path / "in.json"
    path.write_text(json.dumps({"answers": [good, *bad]}))
    store = ProgressStore(tmp_path / "p.sqlite3")
    report = store.import_from(path)
    assert (report.added, report.present, report.invalid) == (1, 0, len(bad))
    assert store.answers()[0].answered_at == "2025-03-01T11:00:00+00:00"


@pytest.mark.parametrize("content", [b"[" * 200_000, b"{\"answers\": 3}", b"\xff\xfe\x00",
                                     b"SQLite format 3\x00" + b"\x00" * 200, b""])
def test_import_of_a_hostile_file_is_a_clear_error(tmp_path, content):
    path = tmp_path / "in.json"
    path.write_bytes(content)
    store = ProgressStore(tmp_path / "p.sqlite3")
    with pytest.raises(ProgressError, match="could not be read|no list of answers"):
        store.import_from(path)
    assert store.answers() == []


def test_export_refuses_to_overwrite_and_to_target_the_store(tmp_path):
    store, _ = _filled(tmp_path / "p.sqlite3", 2)
    (tmp_path / "x.json").write_text("keep me")
    with pytest.raises(ProgressError, match="exists already"):
        store.export_to(tmp_path / "x.json")
    assert (tmp_path / "x.json").read_text() == "keep me"
    with pytest.raises(ProgressError, match="exists already|database itself"):
        store.export_to(tmp_path / "p.sqlite3", overwrite=True)
    with pytest.raises(ProgressError, match="database itself"):
        store.import_from(tmp_path / "p.sqlite3")


def test_cli_export_and_import(tmp_path):
    db = tmp_path / "p.sqlite3"
    _filled(db, 5)
    env = {**os.environ, ENV_VAR: str(db)}
    pd = str(BIN / "powerdynamics")
    out = subprocess.run([pd, "progress", "export", str(tmp_path / "x.json")], capture_output=True,
                         text=True, env=env)
    assert out.returncode == 0 and "Exported 5 answers" in out.stdout, out.stderr
    again = subprocess.run([pd, "progress", "export", str(tmp_path / "x.json")],
                           capture_output=True, text=True, env=env)
    assert again.returncode == 1 and "exists already" in again.stderr
    other = tmp_path / "other.sqlite3"
    imp = subprocess.run([pd, "progress", "import", str(tmp_path / "x.json"), "--db", str(other)],
                         capture_output=True, text=True, env=env)
    assert imp.returncode == 0, imp.stderr
    assert "Imported 5 new answers" in imp.stdout and "0 already there" in imp.stdout
    imp = subprocess.run([pd, "progress", "--db", str(other), "import", str(tmp_path / "x.json")],
                         capture_output=True, text=True, env=env)
    assert "Imported 0 new answers" in imp.stdout and "5 already there" in imp.stdout
    (tmp_path / "bad.json").write_text("[" * 100_000)
    bad = subprocess.run([pd, "progress", "import", str(tmp_path / "bad.json")],
                         capture_output=True, text=True, env=env)
    assert bad.returncode == 1 and "could not be read" in bad.stderr
    assert "Traceback" not in bad.stderr
    summary = subprocess.run([pd, "progress", "--db", str(other), "--json"], capture_output=True,
                             text=True, env=env)
    assert json.loads(summary.stdout)["by_category"]["bases"]["answers"] == 5
