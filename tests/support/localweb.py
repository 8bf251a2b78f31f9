"""Debian's Chromium and a local web server, as the tests and the benchmarks use them.

One place for the flags that keep Chromium off the network (this machine's closed
network refuses its background requests) and for serving a folder on 127.0.0.1.
"""

from __future__ import annotations

import functools
import http.server
import os
import threading
from pathlib import Path

CHROMIUM = os.environ.get("POWERDYNAMICS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
]


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002
        pass


def serve_directory(directory: Path | str) -> tuple[str, http.server.ThreadingHTTPServer]:
    """Serve ``directory`` on a free port of 127.0.0.1; returns the base URL and the server
    (call ``server.shutdown()`` when done)."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}", server


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(base: str, token: str, proc, log, log_path: Path, what: str) -> None:
    """Poll a Jupyter server's /api/status until it answers; a clear error with its log
    if the process ends or 60 s pass first."""
    import time
    import urllib.request

    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2)
            return
        except OSError as exc:
            if proc.poll() is not None or time.monotonic() > deadline:
                log.flush()
                raise RuntimeError(f"{what} did not start:\n" + log_path.read_text()) from exc
            time.sleep(0.3)


def start_lab(root: Path, scratch: Path, extra_env: dict[str, str] | None = None):
    """A real JupyterLab on 127.0.0.1 with a token; a context manager yielding
    ``{"base", "token"}`` (used by the Lab test and the benchmark)."""
    import contextlib
    import secrets
    import subprocess
    import sys

    @contextlib.contextmanager
    def _lab():
        token = secrets.token_hex(16)
        port = free_port()
        env = {**os.environ, **(extra_env or {}),
               "JUPYTER_CONFIG_DIR": str(scratch / "jupyter-config"),
               "JUPYTER_RUNTIME_DIR": str(scratch / "jupyter-runtime"),
               "JUPYTERLAB_SETTINGS_DIR": str(scratch / "lab-settings"),
               "JUPYTERLAB_WORKSPACES_DIR": str(scratch / "lab-workspaces")}
        log = open(scratch / "lab.log", "w")  # noqa: SIM115
        proc = subprocess.Popen(
            [str(Path(sys.executable).parent / "jupyter"), "lab", "--no-browser",
             "--ip=127.0.0.1", f"--port={port}", f"--IdentityProvider.token={token}",
             f"--ServerApp.root_dir={root}", "--LabApp.expose_app_in_browser=True",
             "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
             "--LabApp.news_url=None", "--ServerApp.port_retries=0",
             *(["--allow-root"] if os.geteuid() == 0 else [])],
            env=env, stdout=log, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:
            wait_until_up(base, token, proc, log, scratch / "lab.log", "JupyterLab")
            yield {"base": base, "token": token}
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
            log.close()

    return _lab()


def run_notebook_in_lab(page, lab: dict, name: str) -> None:
    """Open ``name`` in JupyterLab and run all its cells once the kernel is idle."""
    page.goto(f"{lab['base']}/lab/tree/{name}?token={lab['token']}")
    page.wait_for_function("window.jupyterapp && window.jupyterapp.shell.currentWidget"
                           " && window.jupyterapp.shell.currentWidget.sessionContext"
                           " && window.jupyterapp.shell.currentWidget.sessionContext.session"
                           " && window.jupyterapp.shell.currentWidget.sessionContext.session.kernel")
    page.wait_for_function(
        "window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.status === 'idle'")
    page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")


KINDS_NOTEBOOK_CODE = (
    "from powerdynamics import ScenarioQuiz\n"
    "from tests.support.kinds_fixture import one_of_each_kind\n"
    "ScenarioQuiz(bank=one_of_each_kind(), seed=None, title='Every kind')"
)
