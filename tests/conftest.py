"""Shared fixtures: an isolated progress database, the built book, Chromium.

The environment is set at import time so that every process the tests start
(nbval's kernels, JupyterLab, nbgrader) writes progress to a scratch database and
never to the developer's own data directory.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.localweb import CHROMIUM, CHROMIUM_ARGS, serve_directory
from tests.support.paths import ROOT

BIN = Path(sys.executable).parent
_SCRATCH = Path(tempfile.mkdtemp(prefix="powerdynamics-tests-"))
os.environ["POWERDYNAMICS_PROGRESS_DB"] = str(_SCRATCH / "session-progress.sqlite3")
os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.pop("POWERDYNAMICS_SKIP_CONTENT_NOTES", None)


def pytest_sessionfinish(session, exitstatus) -> None:  # noqa: ARG001
    shutil.rmtree(_SCRATCH, ignore_errors=True)


def _once_per_run(name: str, tmp_path_factory, make):
    """Run ``make`` once per test run, also under pytest-xdist (make test runs two
    workers): the first worker to get here does it under a file lock, the others wait and
    reuse the result, or fail with the same message.  Needed for what is written into the
    working tree (_build/html), which two workers must never build at the same time."""
    shared = tmp_path_factory.getbasetemp().parent  # one folder for all workers of a run
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return make()
    with open(shared / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        done = shared / f"{name}.done"
        if done.exists():
            outcome = done.read_text(encoding="utf-8")
            if outcome.startswith("failed:"):
                pytest.fail(outcome)
            return Path(outcome)
        try:
            result = make()
        except BaseException as exc:
            done.write_text(f"failed: {name} (on another worker): {exc}", encoding="utf-8")
            raise
        done.write_text(str(result), encoding="utf-8")
        return result


def _build_book() -> Path:
    shutil.rmtree(ROOT / "_build" / "html", ignore_errors=True)
    result = subprocess.run(
        [str(BIN / "jupyter-book"), "build", "--all", "--warningiserror", "--keep-going", str(ROOT)],
        capture_output=True, text=True, cwd=ROOT, timeout=900,
    )
    if result.returncode != 0:
        pytest.fail(f"jupyter-book build failed:\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}")
    html = ROOT / "_build" / "html"
    assert (html / "index.html").exists()
    return html


@pytest.fixture(scope="session")
def built_book(tmp_path_factory) -> Path:
    """Build the real Jupyter Book once per run, from scratch (warnings are errors).

    The old HTML is removed first so that no page left over from an earlier build can
    hide a problem (or be blamed for one)."""
    return _once_per_run("built-book", tmp_path_factory, _build_book)


@pytest.fixture(scope="session")
def trainee_install(tmp_path_factory):
    """The trainee wheel built and installed without extras in a scratch virtualenv,
    once per session (tests/support/trainee_env.py)."""
    from tests.support.trainee_env import build_and_install

    return build_and_install(tmp_path_factory.mktemp("trainee-dist"))


@pytest.fixture(scope="session")
def lite_site(built_book, tmp_path_factory) -> Path:
    """The browser edition (JupyterLite), built once per run into the built book.

    The first build on a machine fetches the pinned files of lite/lock.json into
    .cache/lite/; later builds are offline."""
    from powerdynamics.lite_build import build

    def make() -> Path:
        try:
            report = build(ROOT, built_book / "lite", ROOT / ".cache" / "lite", log=lambda _msg: None)
        except Exception as exc:  # noqa: BLE001 - the message says what failed
            pytest.fail(f"the browser edition did not build: {exc}")
        return report.site

    return _once_per_run("lite-site", tmp_path_factory, make)


@pytest.fixture(scope="session")
def serve():
    """Serve a directory over HTTP on 127.0.0.1; returns a function dir -> base URL."""
    servers = []

    def _serve(directory: Path) -> str:
        base, server = serve_directory(directory)
        servers.append(server)
        return base

    yield _serve
    for server in servers:
        server.shutdown()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Debian's Chromium driven by Playwright (never a downloaded browser)."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (see .ci/run)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


class RequestLog:
    """Every request a page made, and which of them left the machine."""

    def __init__(self) -> None:
        self.urls: list[str] = []
        self.failed: list[str] = []

    @property
    def external(self) -> list[str]:
        local = ("http://127.0.0.1", "file://", "data:", "about:", "blob:")
        return [u for u in self.urls if not u.startswith(local)]


@pytest.fixture
def page(browser):
    """A fresh browser context and page that blocks and records off-machine requests."""
    context = browser.new_context()
    log = RequestLog()

    def _route(route):
        url = route.request.url
        log.urls.append(url)
        if url.startswith(("http://127.0.0.1", "file://", "data:", "blob:")):
            route.continue_()
        else:
            route.abort()

    context.route("**/*", _route)
    pg = context.new_page()
    pg.request_log = log
    pg.console_errors = []
    pg.on("console", lambda m: m.type == "error" and pg.console_errors.append(m.text))
    pg.on("pageerror", lambda e: pg.console_errors.append(str(e)))
    pg.on("requestfailed", lambda r: log.failed.append(r.url))
    yield pg
    context.close()
