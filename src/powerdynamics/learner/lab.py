"""``powerdynamics lab [FOLDER]``: the trainee's JupyterLab, opened at lesson 1.

The lessons are copied into FOLDER first (see :mod:`powerdynamics.learner.workspace`).
JupyterLab then runs on 127.0.0.1 with a fresh token, rooted at FOLDER, with:

- nbgrader off, if it is installed at all: its instructor tools (formgrader, create
  assignment, course list, the Nbgrader menu), both the server extensions and the
  ``@jupyter/nbgrader`` lab plugins, and its trainee tools, which need a JupyterHub
  exchange (see ``NBGRADER_SERVER_EXTENSIONS_OFF``);
- the news and update checks off for real: ``--LabApp.news_url=None`` alone still
  shows the "official Jupyter news?" pop-up, which the lab setting
  ``@jupyterlab/apputils-extension:notification`` (``fetchNews: "false"``,
  ``checkForUpdates: false``) stops;
- this Python's ``bin`` folder first on PATH, so ``powerdynamics progress`` works in
  JupyterLab's terminal (a non-login shell, which keeps that PATH).

The settings live in a temporary Jupyter configuration folder added to
``JUPYTER_CONFIG_PATH`` for this server only; nothing in the user's own Jupyter
configuration, or in the Python environment, is changed.
"""

from __future__ import annotations

import errno
import importlib.util
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

from powerdynamics.learner.workspace import WorkspaceError, default_workspace, shipped_lessons, sync_lessons

MIN_PYTHON = (3, 11)
DEFAULT_PORT = 8888

# nbgrader in the trainee's desktop JupyterLab. The instructor tools (formgrader, create
# assignment, course list, and the Nbgrader menu that leads to them) must not show; the
# trainee's tools (assignment list, validate) need an exchange that a desktop has not
# (a cohort's JupyterHub configures its own servers), and importing nbgrader costs
# about 10 s of start-up, so every part is off. Module names from nbgrader 0.9's
# jupyter_server_config.d/nbgrader.json; plugin ids from its lab extension.
NBGRADER_SERVER_EXTENSIONS_OFF = (
    "nbgrader.server_extensions.formgrader",
    "nbgrader.server_extensions.course_list",
    "nbgrader.server_extensions.assignment_list",
    "nbgrader.server_extensions.validate_assignment",
)
NBGRADER_LAB_PLUGINS_OFF = (
    "@jupyter/nbgrader:formgrader",
    "@jupyter/nbgrader:create-assignment",
    "@jupyter/nbgrader:course-list",
    "@jupyter/nbgrader:menu",
    "@jupyter/nbgrader:assignment-list",
    "@jupyter/nbgrader:validate-assignment",
)
LAB_SETTING_OVERRIDES = {
    "@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": False},
}


class LabError(WorkspaceError):
    """A problem starting JupyterLab, worded for the trainee."""


def check_python(version: tuple[int, ...] | None = None) -> None:
    version = tuple(sys.version_info[:3] if version is None else version)
    if version[:2] < MIN_PYTHON:
        found = ".".join(str(v) for v in version)
        raise LabError(f"the course needs Python {MIN_PYTHON[0]}.{MIN_PYTHON[1]} or newer; this is Python "
                       f"{found}. Install a newer Python (python.org), create a new virtual environment "
                       "with it and install the course there.")


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((host, port))
        except OSError as exc:
            if exc.errno in (errno.EADDRINUSE, errno.EACCES):
                return False
            raise
    return True


def choose_port(port: int | None) -> int:
    """The port asked for (which must be free), or 8888, or any free port."""
    if port is not None:
        if port == 0:
            return _any_free_port()
        if not 1 <= port <= 65535:
            raise LabError(f"{port} is not a port number (1-65535).")
        if not port_is_free(port):
            raise LabError(f"port {port} on 127.0.0.1 is in use (perhaps another JupyterLab is "
                           "running). Stop that one, or choose another port, e.g. --port 0 for "
                           "any free port. Your lessons were not changed.")
        return port
    return DEFAULT_PORT if port_is_free(DEFAULT_PORT) else _any_free_port()


def _any_free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def write_config(config_dir: Path, shell: str | None = None) -> Path:
    """Write the trainee JupyterLab's settings into ``config_dir`` (a folder for
    ``JUPYTER_CONFIG_PATH``)."""
    labconfig = config_dir / "labconfig"
    labconfig.mkdir(parents=True, exist_ok=True)
    server: dict = {
        "ServerApp": {"jpserver_extensions": {name: False for name in NBGRADER_SERVER_EXTENSIONS_OFF}},
        "LabApp": {"news_url": None, "check_for_updates_class": "jupyterlab.NeverCheckForUpdate"},
    }
    if shell:
        # A non-login shell: a login shell would run /etc/profile, which resets PATH.
        server["ServerApp"]["terminado_settings"] = {"shell_command": [shell]}
    (config_dir / "jupyter_server_config.json").write_text(json.dumps(server, indent=1), encoding="utf-8")
    page = {"disabledExtensions": {name: True for name in NBGRADER_LAB_PLUGINS_OFF}}
    (labconfig / "page_config.json").write_text(json.dumps(page, indent=1), encoding="utf-8")
    (labconfig / "default_setting_overrides.json").write_text(
        json.dumps(LAB_SETTING_OVERRIDES, indent=1), encoding="utf-8")
    return config_dir


def lab_environment(config_dir: Path, base: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ if base is None else base)
    bin_dir = str(Path(sys.executable).parent)  # the venv's bin (not resolved: keep the venv)
    path = env.get("PATH", "")
    if path.split(os.pathsep)[:1] != [bin_dir]:
        env["PATH"] = bin_dir + (os.pathsep + path if path else "")
    extra = env.get("JUPYTER_CONFIG_PATH")
    env["JUPYTER_CONFIG_PATH"] = str(config_dir) + (os.pathsep + extra if extra else "")
    return env


def lab_command(folder: Path, lesson: str, port: int, token: str, open_browser: bool) -> list[str]:
    command = [
        sys.executable, "-m", "jupyterlab",
        "--ip=127.0.0.1", f"--port={port}", "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={folder}",
        "--LabApp.news_url=None", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]
    if not open_browser:
        command.append("--no-browser")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")
    command.append(str(folder / lesson))  # opens the browser at this lesson
    return command


def run(folder: str | os.PathLike[str] | None = None, port: int | None = None, open_browser: bool = True,
        extra_args: list[str] | None = None) -> int:
    """Copy the lessons, then run JupyterLab until it is stopped; returns its exit code."""
    check_python()
    if importlib.util.find_spec("jupyterlab") is None:
        raise LabError("JupyterLab is not installed in this Python environment: run "
                       f"`{sys.executable} -m pip install powerdynamics` again.")
    chosen = choose_port(port)  # before anything is written
    target = Path(folder) if folder is not None else default_workspace()
    report = sync_lessons(target)
    for line in report.notices():
        print(line, flush=True)
    first = shipped_lessons()[0].name
    token = secrets.token_urlsafe(24)
    url = f"http://127.0.0.1:{chosen}/lab/tree/{first}?token={token}"
    with tempfile.TemporaryDirectory(prefix="powerdynamics-lab-") as scratch:
        shell = None if os.name == "nt" else (os.environ.get("SHELL") or "/bin/sh")
        config_dir = write_config(Path(scratch), shell=shell)
        env = lab_environment(config_dir)
        print(f"Your course folder: {report.folder}", flush=True)
        print(f"Starting JupyterLab at lesson 1 (stop it with Ctrl+C twice): {url}", flush=True)
        proc = subprocess.Popen([*lab_command(report.folder, first, chosen, token, open_browser),
                                 *(extra_args or [])], env=env)
        if hasattr(signal, "SIGTERM"):  # stopping the launcher stops JupyterLab (and its kernels)
            signal.signal(signal.SIGTERM, lambda *_: proc.terminate())
        while True:
            try:
                return proc.wait()
            except KeyboardInterrupt:
                continue  # JupyterLab handles Ctrl+C itself (asks, then shuts down)


def register(sub) -> None:
    """Add ``lab`` to the ``powerdynamics`` command."""
    lab = sub.add_parser(
        "lab", help="copy the lessons into a folder and open them in JupyterLab (127.0.0.1, with a token)",
        description="Copy the lessons into FOLDER (default: a PowerDynamics folder in your documents "
        "or home folder) and open JupyterLab there at lesson 1. Lessons you have changed are never "
        "overwritten: an updated lesson goes beside yours.")
    lab.add_argument("folder", nargs="?", metavar="FOLDER", help="course folder (created if missing)")
    lab.add_argument("--port", type=int, default=None,
                     help=f"port on 127.0.0.1 (default {DEFAULT_PORT}, or any free port if it is taken; 0: any)")
    lab.add_argument("--no-browser", action="store_true", help="do not open a web browser")
    lab.set_defaults(func=_command)


def _command(args) -> int:
    try:
        return run(args.folder, port=args.port, open_browser=not args.no_browser)
    except WorkspaceError as exc:
        print(f"powerdynamics lab: {exc}", file=sys.stderr)
        return 2
