"""The real runners leave no process behind (issue 17, case 8), end to end.

``reaper.run_limited`` (``grade autograde --isolate``) and the ``--jobs`` workers
(``parallel._Worker``: ``kill`` at the time limit, ``close`` at the end) are run on
commands that start a ``start_new_session=True`` daemon sleeping 300 s, which leaves the
process group (so a group kill misses it) and keeps the runner's stdout open.  Afterwards
no process with the daemon's tag may be left in /proc, whether the command ended by
itself or was killed at the limit, and the runner must return within the limit (not when
the daemon would have ended).
"""

from __future__ import annotations

import os
import sys
import textwrap
import time
import uuid
from pathlib import Path

import pytest

from powerdynamics.grading.reaper import run_limited

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")


def _daemon_starter(tag: str, then: str = "") -> str:
    """Python source: start a daemon in a new session (stdout inherited), print its pid,
    then run ``then``."""
    return textwrap.dedent(f"""\
        import subprocess, sys, time
        p = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(300)  # {tag}'],
                             start_new_session=True)
        print('daemon', p.pid, flush=True)
        {then}
        """)


def _tagged(tag: str) -> list[int]:
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes()
            state = (proc / "stat").read_text().rsplit(") ", 1)[-1][:1]
        except OSError:
            continue
        if tag.encode() in cmdline and state != "Z":
            found.append(int(proc.name))
    return found


def _gone(tag: str, seconds: float = 5.0) -> list[int]:
    deadline = time.monotonic() + seconds
    while (left := _tagged(tag)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return left


def _cleanup(tag: str) -> None:
    for pid in _tagged(tag):
        try:
            os.kill(pid, 9)
        except OSError:
            pass


def test_run_limited_reaps_a_daemon_when_the_command_exits(tmp_path):
    tag = f"pd-reaper-test-{uuid.uuid4().hex}"
    try:
        start = time.monotonic()
        out, status, timed_out = run_limited([sys.executable, "-c", _daemon_starter(tag)],
                                             tmp_path, limit=60)
        seconds = time.monotonic() - start
        assert status == 0 and not timed_out, out
        assert seconds < 30, f"run_limited waited {seconds:.0f} s for the daemon's stdout"
        daemon = int(out.split("daemon", 1)[1].split()[0])
        assert f"killed 1 process(es) left running: [{daemon}]" in out
        assert _gone(tag) == []
    finally:
        _cleanup(tag)


def test_run_limited_reaps_the_command_and_its_daemon_at_the_limit(tmp_path):
    tag = f"pd-reaper-test-{uuid.uuid4().hex}"
    script = _daemon_starter(tag, then=f"time.sleep(300)  # {tag}-parent")
    try:
        start = time.monotonic()
        out, status, timed_out = run_limited([sys.executable, "-c", script], tmp_path, limit=3)
        seconds = time.monotonic() - start
        assert timed_out and status == -9, out
        assert seconds < 30, f"run_limited took {seconds:.0f} s with a 3 s limit"
        assert "daemon" in out and "killed 1 process(es) left running" in out
        assert _gone(tag) == []  # the daemon and the command itself
    finally:
        _cleanup(tag)


def _fake_worker(tmp_path: Path, tag: str, monkeypatch) -> Path:
    """An executable that stands in for ``python -m powerdynamics.grading.parallel serve``:
    it starts the daemon, then reads students from stdin and never answers (a hung
    kernel), ending when stdin closes."""
    fake = tmp_path / f"fake-python-{tag}"  # the tag is in its command line
    fake.write_text(f"#!{sys.executable}\n" + _daemon_starter(tag, then=textwrap.dedent(f"""\
        for line in sys.stdin:  # {tag}-worker
            pass
        """).replace("\n", "\n        ")), encoding="utf-8")
    fake.chmod(0o755)
    from powerdynamics.grading import parallel

    monkeypatch.setattr(parallel.sys, "executable", str(fake))
    return fake


def test_a_worker_killed_at_the_limit_leaves_no_process(tmp_path, monkeypatch):
    from powerdynamics.grading.parallel import _Worker

    tag = f"pd-reaper-test-{uuid.uuid4().hex}"
    _fake_worker(tmp_path, tag, monkeypatch)
    worker = _Worker(tmp_path, "a1", [], tmp_path / "worker.log")
    try:
        deadline = time.monotonic() + 20
        while len(_tagged(tag)) < 2 and time.monotonic() < deadline:  # worker and daemon
            time.sleep(0.1)
        assert len(_tagged(tag)) == 2, _tagged(tag)
        start = time.monotonic()
        assert worker.grade("s01", limit=2).startswith("killed after 2 s")
        assert time.monotonic() - start < 30
        assert _gone(tag) == []
    finally:
        worker.log.close()
        _cleanup(tag)


def test_a_worker_closed_at_the_end_leaves_no_process(tmp_path, monkeypatch):
    from powerdynamics.grading.parallel import _Worker

    tag = f"pd-reaper-test-{uuid.uuid4().hex}"
    _fake_worker(tmp_path, tag, monkeypatch)
    worker = _Worker(tmp_path, "a1", [], tmp_path / "worker.log")
    try:
        deadline = time.monotonic() + 20
        while len(_tagged(tag)) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(_tagged(tag)) == 2, _tagged(tag)
        start = time.monotonic()
        worker.close()  # stdin closed: the worker ends by itself; its daemon is reaped
        assert time.monotonic() - start < 30
        assert worker.proc.returncode == 0
        assert _gone(tag) == []
    finally:
        _cleanup(tag)
