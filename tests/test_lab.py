"""A trainee in a real JupyterLab (127.0.0.1, token) runs a lesson and answers a quiz.

The answer must reach the progress database of the server's kernel.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest

from powerdynamics.progress import ProgressStore
from powerdynamics.scenarios import default_bank

pytestmark = [pytest.mark.lab, pytest.mark.browser]
ROOT = Path(__file__).resolve().parent.parent
LESSON = "01-what-power-dynamics-are.ipynb"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def lab(tmp_path):
    root = tmp_path / "course"
    root.mkdir()
    shutil.copy(ROOT / "notebooks" / LESSON, root / LESSON)
    db = tmp_path / "progress.sqlite3"
    token = secrets.token_hex(16)
    port = free_port()
    env = {
        **os.environ,
        "POWERDYNAMICS_PROGRESS_DB": str(db),
        "JUPYTER_CONFIG_DIR": str(tmp_path / "jupyter-config"),
        "JUPYTER_RUNTIME_DIR": str(tmp_path / "jupyter-runtime"),
        "JUPYTERLAB_SETTINGS_DIR": str(tmp_path / "lab-settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(tmp_path / "lab-workspaces"),
    }
    log = open(tmp_path / "lab.log", "w")  # noqa: SIM115
    proc = subprocess.Popen(
        [str(Path(sys.executable).parent / "jupyter"), "lab", "--no-browser",
         "--ip=127.0.0.1", f"--port={port}", f"--IdentityProvider.token={token}",
         f"--ServerApp.root_dir={root}", "--LabApp.expose_app_in_browser=True",
         "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
         "--LabApp.news_url=None", "--ServerApp.port_retries=0",
         *(["--allow-root"] if os.geteuid() == 0 else [])],
        env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2)
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    log.flush()
                    pytest.fail("JupyterLab did not start:\n" + (tmp_path / "lab.log").read_text())
                time.sleep(0.3)
        # The token is required: without it the API refuses.
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.urlopen(f"{base}/api/contents", timeout=5)
        yield {"base": base, "token": token, "db": db, "root": root}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def first_quiz_item(path: Path) -> str:
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            html = output.get("data", {}).get("text/html", "")
            match = re.search(r'data-pdq-item="([^"]+)"', html)
            if match:
                return match.group(1)
    raise AssertionError(f"no stored quiz output in {path}")


def test_run_lesson_answer_quiz_and_find_it_in_progress(lab, page):
    page.set_default_timeout(60_000)
    page.goto(f"{lab['base']}/lab/tree/{LESSON}?token={lab['token']}")
    page.wait_for_function("window.jupyterapp && window.jupyterapp.shell.currentWidget"
                           " && window.jupyterapp.shell.currentWidget.sessionContext"
                           " && window.jupyterapp.shell.currentWidget.sessionContext.session"
                           " && window.jupyterapp.shell.currentWidget.sessionContext.session.kernel")
    page.wait_for_function(
        "window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.status === 'idle'")
    page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")

    quiz = page.locator(".widget-vbox").filter(has_text="Question 1 of").first
    quiz.wait_for()
    shown = " ".join(quiz.inner_text().split())
    scenario = next(s for s in default_bank() if s.vignette in shown)
    stored = first_quiz_item(lab["root"] / LESSON)
    assert scenario.id == stored, "the live widget and the stored static quiz differ"
    wrong = scenario.distractors[0]
    from powerdynamics.labels import label_for

    quiz.locator("label").filter(has_text=label_for(wrong).name).locator("input").click()
    quiz.get_by_role("button", name="Check").click()
    quiz.get_by_text(scenario.feedback[wrong][:50]).wait_for()
    quiz.get_by_role("button", name="Try again").click()
    quiz.locator("label").filter(has_text=label_for(scenario.key).name).locator("input").click()
    quiz.get_by_role("button", name="Check").click()
    quiz.get_by_text(scenario.explanation[:50]).wait_for()
    assert "Score: 0 of 1" in quiz.inner_text()

    deadline = time.monotonic() + 20
    answers = []
    while time.monotonic() < deadline and len(answers) < 2:
        answers = ProgressStore(lab["db"]).answers()
        time.sleep(0.2)
    assert [(a.item_id, a.chosen, a.correct, a.attempt) for a in answers] == [
        (scenario.id, wrong, False, 1), (scenario.id, scenario.key, True, 2)]
    assert page.request_log.external == [], page.request_log.external
