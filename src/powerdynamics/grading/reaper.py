"""Leave no process behind: every grading subprocess carries a marker in its
environment, and when it ends (or is killed at ``--limit``) every process that still
carries the marker is killed.

Killing the subprocess's process group is not enough: a process started with
``start_new_session=True`` (``setsid``) leaves the group but keeps the environment it
inherited. The course's autograde runs no trainee code (``GradeFromData`` replaces
``Execute``), so nothing should ever be found; this is the second wall, for a course
that turns ``Execute`` back on or a tool that misbehaves. Linux reads ``/proc``; where
there is no ``/proc`` the sweep finds nothing and says so in its docstring only.
"""

from __future__ import annotations

import os
import signal
import uuid
from pathlib import Path

MARKER_VAR = "POWERDYNAMICS_GRADING_RUN"


def new_marker() -> str:
    """A fresh marker for one grading subprocess."""
    return uuid.uuid4().hex


def marked_env(marker: str, base: dict[str, str] | None = None) -> dict[str, str]:
    """``base`` (default: this process's environment) with the marker set."""
    env = dict(os.environ if base is None else base)
    env[MARKER_VAR] = marker
    return env


def marked_processes(marker: str, proc: Path = Path("/proc")) -> list[int]:
    """Pids of live processes whose environment carries ``marker`` (not this process)."""
    needle = f"{MARKER_VAR}={marker}".encode()
    found = []
    try:
        entries = list(proc.iterdir())
    except OSError:
        return []
    for entry in entries:
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            environ = (entry / "environ").read_bytes()
        except OSError:  # gone, or another user's process we may not read
            continue
        if needle in environ.split(b"\0"):
            found.append(int(entry.name))
    return found


def reap(marker: str) -> list[int]:
    """Kill (SIGKILL) every process still carrying ``marker``; the pids killed."""
    killed = []
    for pid in marked_processes(marker):
        try:
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)
        except (ProcessLookupError, PermissionError):
            continue
    return killed


#: How much of a grading subprocess's output :func:`run_limited` keeps (the end is kept).
MAX_OUTPUT_CHARS = 5_000_000


def run_limited(cmd: list[str], cwd: Path, limit: float) -> tuple[str, int | None, bool]:
    """Run one grading subprocess in its own session with a marker: killed with its
    group after ``limit`` seconds, and whatever still carries the marker afterwards
    killed too. Returns (output, exit status, timed out).

    The output goes to a temporary file, not a pipe: a process that left the group keeps
    the subprocess's stdout open, and waiting for a pipe's end would wait for it (a
    ``setsid`` daemon sleeping 300 s held ``communicate`` for 300 s, past ``limit``,
    and was only reaped after it ended by itself).  The subprocess's own exit is what
    ``limit`` measures."""
    import subprocess
    import tempfile

    marker = new_marker()
    with tempfile.TemporaryFile() as sink:
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=sink, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True,
                                env=marked_env(marker))
        try:
            proc.wait(timeout=limit)
            timed_out = False
        except subprocess.TimeoutExpired:
            try:
                os.killpg(proc.pid, signal.SIGKILL)  # not yet waited for: the group id is ours
            except ProcessLookupError:
                pass
            proc.wait()
            timed_out = True
        left = reap(marker)  # anything that left the process group (setsid) and lives on
        size = sink.seek(0, os.SEEK_END)
        sink.seek(max(0, size - MAX_OUTPUT_CHARS))
        out = sink.read().decode("utf-8", errors="replace")
    if left:
        out += f"\n[powerdynamics] killed {len(left)} process(es) left running: {left}\n"
    return out, proc.returncode, timed_out
