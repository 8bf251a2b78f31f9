"""Benchmark of ``powerdynamics report``: time and peak memory for a large synthetic course.

Builds (timed separately) a course with 1,000 trainees x 60 items: a source notebook with
synthetic keys in hidden tests, a gradebook written through nbgrader's own API and ORM
models (assignment, notebook, 60 autograded grade cells plus a hand-graded reflection,
students, submissions, 61,000 grades), and for every trainee an autograded folder with
``responses.json`` and a notebook of realistic size (quiz cell and its static output,
a ``typed_answers`` cell).  Then it measures the report:

1. the ``powerdynamics report`` command end to end in a fresh interpreter (imports
   included), with its peak resident memory (``resource.getrusage``);
2. the same work in-process, warm (median of three), split into reading + analysis,
   HTML with figures, and CSV;
3. peak Python memory during one in-process run (``tracemalloc``; slower, not timed).

Goal (issue 5): under 5 s for 1,000 trainees x 60 items.

Usage: python -m bench.bench_report [--students 1000] [--items 60] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from powerdynamics.labels import CATEGORIES

A = "bench-quiz"
GOAL_SECONDS = 5.0
CONFIG = '''import os
c = get_config()  # noqa: F821
HERE = os.path.dirname(os.path.abspath(__file__))
c.CourseDirectory.course_id = "bench-course"
c.CourseDirectory.root = HERE
c.CourseDirectory.db_url = "sqlite:///" + os.path.join(HERE, "gradebook.db")
'''
VIGNETTE = ("A fictional vignette of about the length of the course's own items, describing "
            "who asks what of whom and why the other person goes along with it. ") * 4


def make_items(n: int, rng: random.Random) -> list[dict]:
    """``n`` synthetic items spread over the four categories, 3-4 options, one key each."""
    cats = list(CATEGORIES)
    items = []
    for i in range(n):
        category = cats[i % len(cats)]
        labels = list(CATEGORIES[category].slugs)
        options = rng.sample(labels, min(len(labels), rng.choice((3, 4))))
        items.append({"id": f"bq-{i + 1:02d}", "category": category, "vignette": VIGNETTE,
                      "options": options, "key": rng.choice(options)})
    return items


def source_notebook(items: list[dict]) -> dict:
    public = [{k: v for k, v in it.items() if k != "key"} for it in items]
    cells = [{"cell_type": "code", "id": "quiz", "metadata": {}, "outputs": [], "execution_count": None,
              "source": "ITEMS = " + json.dumps(public, indent=4) + "\n\nquiz = AssessmentQuiz(ITEMS)\nquiz"}]
    for it in items:
        cells.append({
            "cell_type": "code", "id": it["id"], "outputs": [], "execution_count": None,
            "metadata": {"nbgrader": {"grade": True, "solution": False, "locked": True,
                                      "grade_id": it["id"], "points": 1, "schema_version": 3}},
            "source": ('answers = load_responses(typed=globals().get("typed_answers"), quiet=True)\n'
                       f'### BEGIN HIDDEN TESTS\nassert answers.get("{it["id"]}") == "{it["key"]}"\n'
                       "### END HIDDEN TESTS")})
    return {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


def autograded_notebook(items: list[dict]) -> str:
    """About the size of a real autograded notebook of this many items (source + static quiz)."""
    public = [{k: v for k, v in it.items() if k != "key"} for it in items]
    quiz_html = "".join(f"<li><p>{VIGNETTE}</p><ul>{''.join(f'<li>{o}</li>' for o in it['options'])}</ul></li>"
                        for it in items)
    nb = {"cells": [
        {"cell_type": "code", "id": "quiz", "metadata": {}, "execution_count": 1,
         "source": "ITEMS = " + json.dumps(public, indent=4),
         "outputs": [{"output_type": "execute_result", "execution_count": 1, "metadata": {},
                      "data": {"text/html": f"<ol>{quiz_html}</ol>", "text/plain": "<AssessmentQuiz>"}}]},
        {"cell_type": "code", "id": "typed-answers", "execution_count": 2, "outputs": [],
         "metadata": {"nbgrader": {"solution": True, "grade": False, "grade_id": "typed-answers"}},
         "source": "typed_answers = {\n}\n"},
    ], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    return json.dumps(nb)


def build(course: Path, students: int, n_items: int, seed: int) -> dict[str, float]:
    """Write the synthetic course; returns the seconds each part took."""
    from nbgrader.api import Grade, Gradebook, Student, SubmittedAssignment, SubmittedNotebook
    from sqlalchemy import insert

    rng = random.Random(seed)
    times: dict[str, float] = {}
    t0 = time.perf_counter()
    items = make_items(n_items, rng)
    (course / "source" / A).mkdir(parents=True)
    (course / "nbgrader_config.py").write_text(CONFIG, encoding="utf-8")
    (course / "source" / A / f"{A}.ipynb").write_text(json.dumps(source_notebook(items)), encoding="utf-8")

    t = time.perf_counter()
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", "bench-course") as gb:
        times["create gradebook (nbgrader runs alembic)"] = time.perf_counter() - t
        t = time.perf_counter()
        gb.add_assignment(A)
        notebook = gb.add_notebook(A, A)
        cells = [gb.add_grade_cell(it["id"], A, A, max_score=1, cell_type="code") for it in items]
        reflection = gb.add_grade_cell("reflection", A, A, max_score=4, cell_type="markdown")
        assignment = gb.find_assignment(A)
        subs = []
        for s in range(students):
            student = Student(id=f"trainee-{s + 1:04d}")
            sub = SubmittedAssignment(assignment=assignment, student=student)
            subs.append(SubmittedNotebook(notebook=notebook, assignment=sub))
        gb.db.add_all(subs)
        gb.db.flush()
        rows = []
        answers: list[dict[str, str]] = []
        for sub in subs:
            ability = rng.gauss(0.0, 1.0)
            chosen = {}
            for it, cell in zip(items, cells, strict=True):
                difficulty = (int(it["id"][3:]) % 7 - 3) / 2
                right = rng.random() < 1 / (1 + 2.718281828 ** (difficulty - ability))
                if rng.random() < 0.02:
                    score = 0.0  # unanswered
                else:
                    wrong = [o for o in it["options"] if o != it["key"]]
                    chosen[it["id"]] = it["key"] if right else rng.choice(wrong)
                    score = 1.0 if right else 0.0
                rows.append({"notebook_id": sub.id, "cell_id": cell.id, "auto_score": score,
                             "needs_manual_grade": False})
            rows.append({"notebook_id": sub.id, "cell_id": reflection.id, "manual_score": 3.0,
                         "needs_manual_grade": False})
            answers.append(chosen)
        gb.db.execute(insert(Grade), rows)
        gb.db.commit()
        ids = [sub.assignment.student_id for sub in subs]
    times[f"gradebook: {students} submissions, {len(rows):,} grades"] = time.perf_counter() - t

    t = time.perf_counter()
    nb_text = autograded_notebook(items)
    for n, (student, chosen) in enumerate(zip(ids, answers, strict=True)):
        folder = course / "autograded" / student / A
        folder.mkdir(parents=True)
        (folder / f"{A}.ipynb").write_text(nb_text, encoding="utf-8")
        if n % 100 == 7:
            continue  # about 1 % submitted without a responses file
        payload = {"assignment": A, "answers": dict(sorted(chosen.items())), "updated": "2026-03-02T09:00:00+00:00"}
        (folder / "responses.json").write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    times[f"responses.json + autograded notebooks ({len(nb_text) // 1024} KiB each)"] = time.perf_counter() - t
    times["build in all"] = time.perf_counter() - t0
    return times


RSS_PROBE = ("import resource, sys\nfrom powerdynamics.cli import main\nrc = main(sys.argv[1:])\n"
             "print('maxrss-kib', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)\n"
             "sys.exit(rc)\n")


def run_cli(course: Path, out: Path) -> tuple[float, float, str]:
    """The real command in a fresh interpreter: seconds, its own peak RSS (MiB) and stderr."""
    t = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", RSS_PROBE, "report", str(course), "--out", str(out)],
                          capture_output=True, text=True, env={**os.environ, "MPLBACKEND": "Agg"})
    seconds = time.perf_counter() - t
    if proc.returncode != 0:
        raise SystemExit(f"report failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    rss = next(int(line.split()[1]) for line in proc.stderr.splitlines() if line.startswith("maxrss-kib"))
    return seconds, rss / 1024, proc.stderr


def in_process(course: Path, out: Path) -> dict[str, float]:
    from powerdynamics.report import collect, render_html, write_csvs

    t = time.perf_counter()
    report = collect(course, progress=False)
    t1 = time.perf_counter()
    html = render_html(report)
    out.write_text(html, encoding="utf-8")
    t2 = time.perf_counter()
    write_csvs(report, out.parent)
    t3 = time.perf_counter()
    return {"read gradebook + responses, analyse": t1 - t, "figures + HTML": t2 - t1, "CSV": t3 - t2,
            "total": t3 - t}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=1000)
    parser.add_argument("--items", type=int, default=60)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--keep", metavar="DIR", help="build the course here and keep it")
    args = parser.parse_args()
    # nbgrader runs the ``alembic`` executable when it creates a gradebook.
    os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    os.environ.setdefault("MPLBACKEND", "Agg")
    base = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench-report-"))
    if args.keep and base.exists():
        shutil.rmtree(base)
    course, out = base / "course", base / "out" / "report.html"
    course.mkdir(parents=True)
    try:
        import warnings

        print(f"Synthetic course: {args.students} trainees x {args.items} items (seed {args.seed})")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            built = build(course, args.students, args.items, args.seed)
        print("\n1. Building the synthetic course (not part of the report time)")
        for name, seconds in built.items():
            print(f"   {name:<58} {seconds:6.2f} s")

        seconds, rss, stderr = run_cli(course, out)
        size = out.stat().st_size
        print("\n2. powerdynamics report, fresh interpreter (imports included)")
        print(f"   wall time                                                  {seconds:6.2f} s"
              f"   (goal < {GOAL_SECONDS:.0f} s: {'met' if seconds < GOAL_SECONDS else 'NOT met'})")
        print(f"   peak resident memory of the report process (getrusage)     {rss:6.1f} MiB")
        print(f"   report.html {size / 1024:,.0f} KiB; CSV: "
              + ", ".join(f"{p.name} {p.stat().st_size / 1024:,.1f} KiB" for p in sorted(out.parent.glob("*.csv"))))
        for line in stderr.splitlines():
            if line.startswith("powerdynamics report: ") and ("warning" in line or "info" in line):
                print(f"   message: {line.split(': ', 2)[-1][:150]}")

        runs = [in_process(course, out) for _ in range(3)]
        print("\n3. In-process, warm (median of 3 runs)")
        for key in runs[0]:
            print(f"   {key:<58} {statistics.median(r[key] for r in runs):6.2f} s")

        tracemalloc.start()
        in_process(course, out)
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print("\n4. Peak Python heap during one in-process run (tracemalloc)")
        print(f"   peak traced memory                                         {peak / 2**20:6.1f} MiB")
    finally:
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
