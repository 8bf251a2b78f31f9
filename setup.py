"""Build step that puts the lesson notebooks and the bank snapshot into the wheel.

``notebooks/`` stays the only copy of the lessons in the repository; building a wheel
copies ``notebooks/*.ipynb`` into the package as ``powerdynamics/lessons/`` (read by
``powerdynamics.learner.workspace``). Everything else is in ``pyproject.toml``;
``MANIFEST.in`` keeps instructor material (``exercises/``, key-check records) out of
the sdist.  It also writes ``powerdynamics/bank/data/bank.json``, the pre-parsed bank
(``powerdynamics.bank.snapshot``: the first quiz does not wait for the YAML parser).
"""

import sys
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
        self.write_bank_snapshot(Path(self.build_lib) / "powerdynamics" / "bank" / "data")

    def write_bank_snapshot(self, data: Path) -> None:
        sys.path.insert(0, str(ROOT / "src"))
        try:
            from powerdynamics.bank.snapshot import SNAPSHOT_NAME, write_snapshot
        except ImportError as exc:  # a build environment without the package's dependencies
            print(f"setup.py: no bank snapshot in this wheel ({exc}); the bank loads from YAML",
                  file=sys.stderr)
            return
        finally:
            sys.path.pop(0)
        write_snapshot(sorted(data.glob("*.yaml")), data / SNAPSHOT_NAME)


setup(cmdclass={"build_py": build_py_with_lessons})
