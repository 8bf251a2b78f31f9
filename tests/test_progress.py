"""The progress store: durable, concurrent, and never fatal to a lesson."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from powerdynamics.progress import ENV_VAR, ProgressStore, ProgressWarning, default_path

BIN = Path(sys.executable).parent

WRITER = textwrap.dedent("""
    import sys
    from powerdynamics.progress import ProgressStore
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


def test_two_processes_writing_at_once(tmp_path):
    db = tmp_path / "p.sqlite3"
    n = 150
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, str(db), name, str(n)])
             for name in ("left", "right")]
    assert [p.wait(timeout=120) for p in procs] == [0, 0]
    answers = ProgressStore(db).answers()
    assert len(answers) == 2 * n
    ids = {a.item_id for a in answers}
    assert {f"left-{i}" for i in range(n)} <= ids and {f"right-{i}" for i in range(n)} <= ids


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
