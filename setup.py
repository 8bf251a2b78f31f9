"""Build step that puts the lesson notebooks into the wheel.

``notebooks/`` stays the only copy of the lessons in the repository; building a wheel
copies ``notebooks/*.ipynb`` into the package as ``powerdynamics/lessons/`` (read by
``powerdynamics.learner.workspace``). Everything else is in ``pyproject.toml``;
``MANIFEST.in`` keeps instructor material (``exercises/``, key-check records) out of
the sdist.
"""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent


class build_py_with_lessons(build_py):  # noqa: N801 (setuptools command naming)
    def run(self):
        super().run()
        if self.editable_mode:  # an editable install reads notebooks/ in place
            return
        lessons = sorted((ROOT / "notebooks").glob("*.ipynb"))
        if not lessons:
            raise SystemExit("notebooks/*.ipynb not found: the lessons must be in the wheel")
        target = Path(self.build_lib) / "powerdynamics" / "lessons"
        target.mkdir(parents=True, exist_ok=True)
        for lesson in lessons:
            self.copy_file(str(lesson), str(target / lesson.name))


setup(cmdclass={"build_py": build_py_with_lessons})
