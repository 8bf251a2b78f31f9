"""``powerdynamics grade lite ASSIGNMENT``: a released assignment as a JupyterLite bundle.

For the LMS route without any install: the instructor hosts the bundle (or uploads its
zip to the LMS); a trainee opens the assignment in the browser, answers in the quiz
(saved to ``responses.json`` next to the notebook, in the browser's storage), then
downloads the notebook and ``responses.json`` from the file browser and hands both in.
They autograde like any submission.

Only nbgrader's *release* goes in (``release/ASSIGNMENT/``, written by
``nbgrader generate_assignment``), never ``source/``.  Before the site is built, every
released file is scanned for what only the source holds (hidden tests, solution and
mark-scheme regions); one hit and nothing is built.  The built site is scanned again.
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path
from typing import Any

from powerdynamics.lite_build import BuildReport, build

#: Text that exists only in an assignment's source (nbgrader's markers and the hidden
#: tests' key lines); none of it may reach a trainee.
LEAK_MARKERS = ("BEGIN HIDDEN TESTS", "END HIDDEN TESTS", "BEGIN SOLUTION", "END SOLUTION",
                "BEGIN MARK SCHEME", "END MARK SCHEME", "assert answers.get(")
#: Instructor files that must never ship even if found in a release folder.
NEVER_SHIP = ("responses.json", "gradebook.db", "nbgrader_config.py")


class LeakError(RuntimeError):
    pass


def leaks(name: str, data: bytes) -> list[str]:
    text = data.decode("utf-8", "replace")
    return [f"{name}: holds {marker!r}" for marker in LEAK_MARKERS if marker in text]


def released_files(course: Path, assignment: str) -> dict[str, bytes]:
    """The released files of ``assignment``, notebooks set to the Pyodide kernel."""
    release = course / "release" / assignment
    if not (release / f"{assignment}.ipynb").is_file():
        raise FileNotFoundError(f"{release / (assignment + '.ipynb')} is missing: release the "
                                f"assignment first (nbgrader generate_assignment {assignment})")
    files: dict[str, bytes] = {}
    for path in sorted(release.rglob("*")):
        rel = path.relative_to(release).as_posix()
        if not path.is_file() or path.name in NEVER_SHIP or "/." in f"/{rel}" or "__pycache__" in rel:
            continue
        if "/" in rel:
            continue  # a release is one flat folder; anything nested stays out
        data = path.read_bytes()
        if path.suffix == ".ipynb":
            nb = json.loads(data)
            nb.setdefault("metadata", {})["kernelspec"] = {
                "name": "python", "display_name": "Python (Pyodide)", "language": "python"}
            data = (json.dumps(nb, indent=1, ensure_ascii=False) + "\n").encode()
        files[rel] = data
    return files


def build_bundle(course: Path, assignment: str, out: Path | None = None, log=print) -> BuildReport:
    files = released_files(course, assignment)
    problems = [p for name, data in files.items() for p in leaks(name, data)]
    if problems:
        raise LeakError("the release holds source-only text; nothing was built:\n  " + "\n  ".join(problems))
    out = out or course / "lite" / assignment
    report = build(out=out, log=log, contents=files)
    problems = [p for path in sorted((out / "files").rglob("*")) if path.is_file()
                for p in leaks(str(path.relative_to(out)), path.read_bytes())]
    if problems:
        shutil.rmtree(out)
        raise LeakError("the built bundle holds source-only text (removed):\n  " + "\n  ".join(problems))
    return report


def _cmd_lite(args: argparse.Namespace) -> int:
    course = Path(args.course).resolve()
    out = Path(args.out).resolve() if args.out else None
    try:
        report = build_bundle(course, args.assignment, out, log=lambda m: print(m, flush=True))
    except (FileNotFoundError, LeakError) as exc:
        print(f"grade lite: {exc}")
        return 1
    archive = shutil.make_archive(str(report.site), "zip", root_dir=report.site)
    print(f"The browser bundle of {args.assignment} is built: {report.summary()}")
    print(f"  host the folder (or upload {archive}) and send trainees to "
          f"notebooks/index.html?path={args.assignment}.ipynb")
    print("  trainees hand in the notebook and responses.json (file browser: Download)")
    return 0


def register(grade_sub: Any) -> None:
    lite = grade_sub.add_parser(
        "lite", help="build a JupyterLite bundle (no install) of a released assignment for the LMS")
    lite.add_argument("assignment")
    lite.add_argument("--course", default=".", help="course directory (default: .)")
    lite.add_argument("--out", help="output folder (default: COURSE/lite/ASSIGNMENT)")
    lite.set_defaults(func=_cmd_lite)
