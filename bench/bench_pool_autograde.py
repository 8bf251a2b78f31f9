"""Autograde seconds per submission for a pooled assignment (a different draw per trainee,
issue 12), against a one-cell notebook, in the same run.

    python -m bench.bench_pool_autograde [--submissions 8] [--pool exercises/pools/a1.yaml --size 12]

Builds the test course of tests/support/pool_course.py (the course's nbgrader_config.py, a pool and
a pool-mode notebook with q01..qNN), runs ``powerdynamics grade forms``, releases it and a
one-cell notebook, hands in ``--submissions`` trainees with different logins (each
answering their own draw correctly, as the quiz saves it), and autogrades each assignment
as one ``nbgrader autograde`` batch.  It prints seconds per submission for both and their
ratio; the baseline is nbgrader's fixed cost (process, kernel start, database).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from bench.bench_autograde import BASELINE, _one_cell_source
from tests.support.pool_course import ASSIGNMENT, ITEMS_FILE, POOL, PoolCourse, best_answer

ROOT = Path(__file__).resolve().parent.parent



def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=8)
    parser.add_argument("--pool", help="pool file (default: tests/fixtures/pools/tp.yaml)")
    parser.add_argument("--size", type=int, default=6, help="items per draw (default 6)")
    args = parser.parse_args(argv)

    from powerdynamics.grading.draws import draw_for
    from powerdynamics.grading.pools import load_pool

    with tempfile.TemporaryDirectory(prefix="pd-bench-pool-") as tmp:
        course = PoolCourse(Path(tmp), size=args.size)
        if args.pool:
            shutil.copy(args.pool, course.dir / "pools" / f"{POOL}.yaml")
        pool = {it.id: it for it in load_pool(course.dir / "pools" / f"{POOL}.yaml")}
        _one_cell_source(course.dir)
        run = course.powerdynamics("grade", "forms", ASSIGNMENT, "--course", ".", "--size", str(args.size))
        if run.returncode:
            sys.exit(run.output)
        for name in (ASSIGNMENT, BASELINE):
            run = course.nbgrader("generate_assignment", name)
            if run.returncode:
                sys.exit(run.output[-3000:])
        doc = json.loads((course.dir / "release" / ASSIGNMENT / ITEMS_FILE).read_text())
        for i in range(1, args.submissions + 1):
            login = f"bench-{i:02d}"
            for name in (ASSIGNMENT, BASELINE):
                folder = course.dir / "submitted" / login / name
                folder.mkdir(parents=True)
                shutil.copy(course.dir / "release" / name / f"{name}.ipynb", folder)
            draw = draw_for(doc["assignment"], login, doc["forms"])
            record = {"student": draw.student, "seed": draw.seed, "form": draw.form, "items": list(draw.items)}
            answers = {item: best_answer(pool[item]) for item in draw.items}
            (course.dir / "submitted" / login / ASSIGNMENT / "responses.json").write_text(
                json.dumps({"assignment": ASSIGNMENT, "draw": record, "answers": answers}))
        figures = {}
        for name in (BASELINE, ASSIGNMENT):
            start = time.monotonic()
            run = course.nbgrader("autograde", name)
            figures[name] = (time.monotonic() - start) / args.submissions
            if run.returncode:
                sys.exit(run.output[-3000:])
        with course.gradebook() as gb:
            scores = [s.score for s in gb.find_assignment(ASSIGNMENT).submissions]
        if any(abs(s - args.size) > 1e-6 for s in scores):
            sys.exit(f"unexpected scores {scores}: every benchmark trainee answers their draw right")
    ratio = figures[ASSIGNMENT] / figures[BASELINE]
    print(f"autograde, {args.submissions} submissions per assignment, one batch each "
          f"(python {sys.version.split()[0]}, {os.cpu_count()} CPUs; pool of {len(pool)} items, "
          f"draws of {args.size})")
    print(f"  {BASELINE:<34} {figures[BASELINE]:6.2f} s per submission")
    print(f"  {ASSIGNMENT + ' (pooled draws)':<34} {figures[ASSIGNMENT]:6.2f} s per submission")
    print(f"  ratio pooled / one-cell: {ratio:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
