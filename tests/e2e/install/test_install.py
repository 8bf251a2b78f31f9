"""The package installed WITHOUT extras, in a scratch virtualenv, renders a quiz.

Dependencies come from the local pip cache or PyPI (the ordinary client); the course's
tools (Jupyter Book, nbgrader, JupyterHub) are extras and must not be needed.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

pytestmark = pytest.mark.install

RENDER = """
from powerdynamics import ScenarioQuiz
html = ScenarioQuiz(seed=1, limit=3, record_progress=False).to_html()
assert "Run this cell to start the quiz" in html and 'class="pdq-data"' in html, html[:500]
import powerdynamics.quiz.widget  # the live widget imports without the course extras
print("rendered", len(html))
"""


def test_install_without_extras_renders_a_quiz(trainee_install, tmp_path):
    # The session's one scratch virtualenv: the trainee wheel installed without extras
    # (tests/support/trainee_env.py). JupyterLab is a base dependency since issue 15 (the trainee
    # edition); the course team's tools are not.
    py = trainee_install.bin / "python"
    r = subprocess.run([str(py), "-c", RENDER], capture_output=True, text=True, timeout=120,
                       cwd=tmp_path, env={"PATH": str(trainee_install.bin), "HOME": str(tmp_path)})
    assert r.returncode == 0 and "rendered" in r.stdout, r.stderr[-3000:]
    for extra in ("nbgrader", "jupyter_book", "jupyterhub"):
        forbidden = subprocess.run([str(py), "-c", f"import {extra}"], capture_output=True)
        assert forbidden.returncode != 0, f"{extra}: an extra was installed without being asked for"
    assert sys.executable != str(py)
