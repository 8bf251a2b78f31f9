"""The grading sweep kills what a process group kill misses: a process that called
setsid (``start_new_session=True``) but kept the grading run's marker."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from powerdynamics.grading.reaper import marked_env, marked_processes, new_marker, reap

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")

ESCAPE = ("import subprocess, sys\n"
          "p = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(300)'],"
          " start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
          "print(p.pid, flush=True)\n")


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().split(") ")[-1][0] != "Z"
    except OSError:
        return False


def test_a_process_that_left_the_group_is_found_and_killed():
    marker = new_marker()
    out = subprocess.run([sys.executable, "-c", ESCAPE], env=marked_env(marker),
                         capture_output=True, text=True, timeout=30, check=True).stdout
    escaped = int(out.split()[0])
    try:
        assert _alive(escaped), "the escaping process should outlive its parent"
        assert marked_processes(marker) == [escaped]
        assert reap(marker) == [escaped]
        for _ in range(50):
            if not _alive(escaped):
                break
            time.sleep(0.1)
        assert not _alive(escaped)
        assert marked_processes(marker) == []
    finally:
        subprocess.run(["kill", "-9", str(escaped)], capture_output=True)


def test_other_runs_are_left_alone():
    mine, theirs = new_marker(), new_marker()
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)"],
                            env=marked_env(theirs))
    try:
        time.sleep(0.3)
        assert reap(mine) == []
        assert proc.poll() is None
        assert marked_processes(theirs) == [proc.pid]
    finally:
        proc.kill()
        proc.wait()
