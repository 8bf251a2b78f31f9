"""`pip install` of the package WITHOUT extras, in a scratch virtualenv, renders a quiz.

Dependencies come from the local pip cache or PyPI (the ordinary client); the course's
tools (JupyterLab, Jupyter Book, nbgrader) are extras and must not be needed.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.install

RENDER = """
from powerdynamics import ScenarioQuiz
html = ScenarioQuiz(seed=1, limit=3, record_progress=False).to_html()
assert "Run this cell to start the quiz" in html and 'class="pdq-data"' in html, html[:500]
import powerdynamics.quiz.widget  # the live widget imports without the course extras
print("rendered", len(html))
"""


def test_install_without_extras_renders_a_quiz(tmp_path):
    source = tmp_path / "source"  # a copy, so pip's build files stay out of the work tree
    shutil.copytree(ROOT / "src", source / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    py = env_dir / "bin" / "python"
    r = subprocess.run([str(py), "-m", "pip", "install", "-q", "--disable-pip-version-check", str(source)],
                       capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stderr[-3000:]
    r = subprocess.run([str(py), "-c", RENDER], capture_output=True, text=True, timeout=120,
                       cwd=tmp_path, env={"PATH": str(env_dir / "bin"), "HOME": str(tmp_path)})
    assert r.returncode == 0 and "rendered" in r.stdout, r.stderr[-3000:]
    forbidden = subprocess.run([str(py), "-c", "import jupyterlab"], capture_output=True)
    assert forbidden.returncode != 0, "an extra was installed without being asked for"
    assert sys.executable != str(py)
