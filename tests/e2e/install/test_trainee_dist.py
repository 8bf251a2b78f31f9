"""The trainee edition end to end: build the wheel, install it in a scratch virtualenv,
run ``powerdynamics lab`` and use it in Chromium as a trainee would.

One scratch virtualenv per module (dependencies from pip's cache, or PyPI through the
ordinary client). The wheel is built with ``python -m build`` from a copy of the
repository that includes ``exercises/`` and ``docs/``, so that leaving them out is
tested, not assumed. The leak scan is the nbgrader course's (keys read from the hidden
tests of exercises/source at run time).
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import tarfile
import time
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

import pytest

from tests.support.leaks import find_leaks
from tests.support.localweb import free_port as _free_port
from tests.support.paths import ROOT
from tests.support.trainee_env import Dist, clean_env

LESSONS = sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb"))
LESSON_1 = LESSONS[0]
INSTRUCTOR_PARTS = ("exercises/", "keycheck", "nbgrader_config", "instructor-analytics")
NOT_FOR_TRAINEES = ("nbgrader", "jupyter_book", "jupyterhub", "pytest", "playwright", "nbval", "ruff")


def _clean_env(home: Path, **extra: str) -> dict[str, str]:
    return clean_env(home, **extra)


@pytest.fixture(scope="module")
def dist(trainee_install) -> Dist:
    return trainee_install


@pytest.mark.install
def test_wheel_and_sdist_hold_the_lessons_and_no_instructor_material(dist, tmp_path):
    with zipfile.ZipFile(dist.wheel) as wheel:
        names = wheel.namelist()
        lessons = sorted(n.split("/")[-1] for n in names if n.startswith("powerdynamics/lessons/"))
        assert lessons == LESSONS
        for name in LESSONS:  # byte for byte the repository's notebooks/
            assert wheel.read(f"powerdynamics/lessons/{name}") == (ROOT / "notebooks" / name).read_bytes()
    with tarfile.open(dist.sdist) as sdist:
        sdist_names = sdist.getnames()
        sdist.extractall(tmp_path / "sdist", filter="data")
    for name in names + sdist_names:
        assert not any(part in name for part in INSTRUCTOR_PARTS), f"instructor material shipped: {name}"
    assert find_leaks(tmp_path / "sdist", markers=False) == []
    print(f"\nwheel {dist.wheel.stat().st_size / 1e3:.0f} kB, sdist {dist.sdist.stat().st_size / 1e3:.0f} kB; "
          f"build {dist.build_seconds:.1f} s; pip install of the wheel {dist.install_seconds:.1f} s")


@pytest.mark.install
def test_installed_package_holds_the_lessons_and_no_key(dist):
    package = dist.site / "powerdynamics"
    assert sorted(p.name for p in (package / "lessons").glob("*.ipynb")) == LESSONS
    assert not any(part in str(p.relative_to(dist.site)) for p in package.rglob("*") for part in INSTRUCTOR_PARTS)
    # The existing leak scan over every installed file of the package (and its metadata).
    for folder in [package, *dist.site.glob("powerdynamics-*.dist-info")]:
        assert find_leaks(folder, markers=False) == [], folder
    where = subprocess.run(
        [str(dist.bin / "python"), "-c",
         "from powerdynamics.learner.workspace import shipped_lessons_dir as d; print(d())"],
        capture_output=True, text=True, cwd=dist.env, env=_clean_env(dist.env))
    assert where.stdout.strip() == str(package / "lessons"), where.stderr
    # The pre-parsed bank (powerdynamics.bank.snapshot) is there and is what loads.
    assert (package / "bank" / "data" / "bank.json").is_file()
    used = subprocess.run(
        [str(dist.bin / "python"), "-c",
         "from powerdynamics.bank import snapshot as s, loader as l; f = l.bank_files(); "
         "print(len(s.load_snapshot(f[0].parent / s.SNAPSHOT_NAME, f) or []))"],
        capture_output=True, text=True, cwd=dist.env, env=_clean_env(dist.env))
    assert int(used.stdout.strip() or 0) > 200, used.stderr


@pytest.mark.install
def test_base_install_is_what_a_trainee_needs(dist):
    modules = ("jupyterlab", "ipywidgets", "ipykernel", "jupyterlab_widgets", *NOT_FOR_TRAINEES)
    check = ("import importlib.util as u, json; "
             f"print(json.dumps({{m: u.find_spec(m) is not None for m in {modules!r}}}))")
    r = subprocess.run([str(dist.bin / "python"), "-c", check], capture_output=True, text=True,
                       cwd=dist.env, env=_clean_env(dist.env))
    found = json.loads(r.stdout)
    assert all(found[m] for m in ("jupyterlab", "ipywidgets", "ipykernel", "jupyterlab_widgets")), found
    assert [m for m in NOT_FOR_TRAINEES if found[m]] == [], "installed without being asked for"
    home = dist.env / "home-cli"
    home.mkdir(exist_ok=True)
    r = subprocess.run([str(dist.bin / "powerdynamics"), "progress"], capture_output=True, text=True,
                       env=_clean_env(home))
    assert r.returncode == 0 and "No answers recorded yet" in r.stdout, r.stderr


# -- the launcher, in a real JupyterLab ----------------------------------------------------
class Launcher:
    def __init__(self, command: list[str], env: dict[str, str], log: Path) -> None:
        self.log_path = log
        self._log = open(log, "w")  # noqa: SIM115
        self.proc = subprocess.Popen(command, env=env, stdout=self._log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        deadline = time.monotonic() + 120
        while True:
            text = log.read_text()
            match = re.search(r"Starting JupyterLab .*?(http://127\.0\.0\.1:(\d+))/lab/tree/(\S+)\?token=(\S+)", text)
            if match:
                self.base, self.lesson, self.token = match.group(1), match.group(3), match.group(4)
                try:
                    urllib.request.urlopen(f"{self.base}/api/status?token={self.token}", timeout=2)
                    break
                except OSError:
                    pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                pytest.fail(f"powerdynamics lab did not start:\n{log.read_text()[-4000:]}")
            time.sleep(0.3)

    @property
    def output(self) -> str:
        return self.log_path.read_text()

    def get(self, path: str) -> bytes:
        sep = "&" if "?" in path else "?"
        return urllib.request.urlopen(f"{self.base}{path}{sep}token={self.token}", timeout=10).read()

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self._log.close()


def open_lesson(page, url: str) -> None:
    page.goto(url)
    page.locator(".jp-NotebookPanel").first.wait_for()
    page.locator(".lm-TabBar-tab.lm-mod-current", has_text=LESSON_1).first.wait_for()
    page.locator("#jp-MainMenu .lm-MenuBar-itemLabel", has_text="Kernel").first.wait_for()


def answer_first_quiz(page) -> None:
    """As a trainee: wait for the kernel to be idle, Run > Run All Cells, then answer the
    first choice item wrongly and read its feedback (judged by the kernel)."""
    from powerdynamics import default_bank

    # The status bar reads "No Kernel | Initializing" at first; a Run All then clears the
    # prompts and runs nothing (JupyterLab 4), so wait as a trainee would for "| Idle".
    page.wait_for_function("() => { const t = document.querySelector('#jp-main-statusbar')?.textContent"
                           " || ''; return /\\| Idle/.test(t) && !/No Kernel/.test(t); }")
    page.locator("#jp-MainMenu .lm-MenuBar-itemLabel", has_text="Run").first.click()
    page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
    fs = page.locator(".pdq-live fieldset.pdq-kind-choice").first
    fs.wait_for()
    item = {s.id: s for s in default_bank()}[fs.get_attribute("data-pdq-item")]
    wrong = item.distractors[0]
    fs.locator(f"input[value='{wrong}']").click()
    fs.get_by_role("button", name="Check").click()
    fs.get_by_text(item.feedback[wrong][:50]).wait_for()


def menu_labels(page) -> list[str]:
    return [t.strip() for t in page.locator("#jp-MainMenu .lm-MenuBar-itemLabel").all_inner_texts()]


def assert_no_news_prompt(page, lab: Launcher) -> None:
    time.sleep(2)  # the prompt appears a moment after start-up when it is not switched off
    assert page.get_by_text("official Jupyter news").count() == 0
    settings = json.loads(lab.get("/lab/api/settings/@jupyterlab/apputils-extension:notification"))
    schema = settings["schema"]["properties"]
    assert schema["fetchNews"]["default"] == "false" and schema["checkForUpdates"]["default"] is False


@pytest.mark.install
@pytest.mark.lab
@pytest.mark.browser
def test_powerdynamics_lab_from_the_wheel(dist, page, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    recorder = tmp_path / "record-url"
    opened = tmp_path / "opened-url"
    recorder.write_text(f'#!/bin/sh\necho "$1" >> {opened}\n')
    recorder.chmod(0o755)
    folder = tmp_path / "My course"
    env = _clean_env(home, BROWSER=f"{recorder} %s")
    page.set_default_timeout(90_000)

    lab = Launcher([str(dist.bin / "powerdynamics"), "lab", str(folder), "--port", str(_free_port())],
                   env, tmp_path / "lab-1.log")
    try:
        assert sorted(p.name for p in folder.glob("*.ipynb")) == LESSONS
        deadline = time.monotonic() + 30
        while not opened.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        open_lesson(page, opened.read_text().split()[0])  # what JupyterLab asked the browser to open
        first_open = time.monotonic() - dist.installed_at
        assert page.url.startswith(f"{lab.base}/lab/tree/{LESSON_1}"), page.url
        labels = menu_labels(page)
        assert "Run" in labels and "Nbgrader" not in labels, labels
        assert_no_news_prompt(page, lab)
        with pytest.raises(urllib.error.HTTPError):  # the token is needed
            urllib.request.urlopen(f"{lab.base}/api/contents", timeout=5)
        assert sorted(i["name"] for i in json.loads(lab.get("/api/contents"))["content"]
                      if i["type"] == "notebook") == LESSONS

        answer_first_quiz(page)
        first_answer = time.monotonic() - dist.installed_at

        # The terminal's PATH: JupyterLab's environment (which its non-login terminals
        # inherit) starts with the venv's bin, although the PATH given had no venv.
        children = Path(f"/proc/{lab.proc.pid}/task/{lab.proc.pid}/children").read_text().split()
        environ = Path(f"/proc/{children[0]}/environ").read_bytes().split(b"\0")
        path = next(v for v in environ if v.startswith(b"PATH=")).decode()[5:].split(os.pathsep)
        assert path[0] == str(dist.bin) and (dist.bin / "powerdynamics").exists(), path
        assert page.request_log.external == [], page.request_log.external
    finally:
        lab.stop()
    print(f"\nafter `pip install` of the wheel (pip {dist.install_seconds:.1f} s): lesson 1 open in "
          f"JupyterLab at {first_open:.1f} s, first quiz answered at {first_answer:.1f} s")

    # The trainee edits lesson 1; the package meanwhile has a newer lesson 1 (simulated by
    # recording an older shipped version in the manifest). Running again keeps the edit.
    lesson = folder / LESSON_1
    nb = json.loads(lesson.read_text())
    nb["cells"].append({"cell_type": "markdown", "id": "my-notes", "metadata": {},
                        "source": ["My notes: the decisive cue is why the target complies."]})
    lesson.write_text(json.dumps(nb, indent=1))
    edited = lesson.read_bytes()
    manifest = folder / ".powerdynamics-lessons.json"
    data = json.loads(manifest.read_text())
    data["lessons"][LESSON_1] = "0" * 64
    manifest.write_text(json.dumps(data))

    lab = Launcher([str(dist.bin / "powerdynamics"), "lab", str(folder), "--no-browser", "--port", "0"],
                   env, tmp_path / "lab-2.log")
    try:
        assert lesson.read_bytes() == edited
        beside = LESSON_1.removesuffix(".ipynb") + " (updated 0.1.0).ipynb"
        assert f"you have changed {LESSON_1}, so it was kept as it is" in lab.output
        assert beside in lab.output
        assert (folder / beside).read_bytes() == (ROOT / "notebooks" / LESSON_1).read_bytes()
        served = json.loads(lab.get(f"/api/contents/{urllib.request.quote(LESSON_1)}"))
        assert any("My notes" in "".join(c["source"]) for c in served["content"]["cells"])
    finally:
        lab.stop()


@pytest.mark.lab
@pytest.mark.browser
def test_team_lab_has_no_instructor_tools(page, tmp_path):
    """The launcher in the course team's environment, where nbgrader is installed."""
    pytest.importorskip("nbgrader")
    env = {**os.environ, "HOME": str(tmp_path), "JUPYTER_CONFIG_DIR": str(tmp_path / "jupyter-config"),
           "JUPYTER_RUNTIME_DIR": str(tmp_path / "jupyter-runtime"),
           "JUPYTERLAB_SETTINGS_DIR": str(tmp_path / "lab-settings"),
           "JUPYTERLAB_WORKSPACES_DIR": str(tmp_path / "lab-workspaces")}
    lab = Launcher([sys.executable, "-m", "powerdynamics", "lab", str(tmp_path / "course"), "--no-browser",
                    "--port", "0"], env, tmp_path / "lab.log")
    try:
        page.set_default_timeout(90_000)
        open_lesson(page, f"{lab.base}/lab/tree/{LESSON_1}?token={lab.token}")
        labels = menu_labels(page)
        assert "Run" in labels and "Nbgrader" not in labels, labels
        create = "#jp-left-stack [title*='Create Assignment' i], .nbgrader-CreateAssignmentWidget"
        assert page.locator(create).count() == 0
        assert_no_news_prompt(page, lab)
        loaded = [ln for ln in lab.output.splitlines() if "successfully loaded" in ln]
        assert loaded and not [ln for ln in loaded if "nbgrader" in ln], loaded
        assert "nbgrader_config" not in lab.output
        html = lab.get(f"/lab/tree/{LESSON_1}").decode()
        config = json.loads(re.search(r'id="jupyter-config-data"[^>]*>(.*?)</script>', html, re.S).group(1))
        for plugin in ("formgrader", "create-assignment", "course-list", "menu"):
            assert f"@jupyter/nbgrader:{plugin}" in config["disabledExtensions"]
        for url in ("/formgrader", "/formgrader/api/assignments", "/formgrader/course_list"):
            with pytest.raises(urllib.error.HTTPError) as err:
                lab.get(url)
            assert err.value.code == 404, url
    finally:
        lab.stop()
