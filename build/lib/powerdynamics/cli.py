"""The ``powerdynamics`` command: the scenario bank, saved progress, grading and reports.

Every expected failure (bad bank file, unreadable database) is reported as a message
with the file, item and field named, and a non-zero exit code; never a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path


def _bank_check(args: argparse.Namespace) -> int:
    from .scenarios import bank_files, check_files

    paths = [Path(p) for p in args.paths] or bank_files()
    missing = [p for p in paths if not p.exists()]
    for path in missing:
        print(f"{path}:1: -: file: no such file", file=sys.stderr)
    items, problems = check_files([p for p in paths if p.exists()])
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems or missing:
        count = len(problems) + len(missing)
        print(f"bank check: {count} problem{'s' * (count != 1)} in {len(paths)} file(s)",
              file=sys.stderr)
        return 1
    print(f"bank check: {len(items)} items in {len(paths)} file(s), no problems")
    return 0


def _bank_stats(args: argparse.Namespace) -> int:
    from .scenarios import BankError, default_bank

    try:
        stats = default_bank().stats()
    except BankError as exc:
        print(exc, file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(stats, indent=2))
        return 0
    print(f"{stats['total']} items ({stats['content_note']} with a content note)")
    for name in ("by_category", "by_key", "by_setting"):
        print(f"{name.replace('_', ' ')}:")
        for key, count in stats[name].items():
            print(f"  {key:<18} {count:>4}")
    return 0


def _progress(args: argparse.Namespace) -> int:
    from .labels import CATEGORIES
    from .progress import ProgressStore

    store = ProgressStore(args.db) if args.db else ProgressStore()
    summary = store.summary()
    if args.json:
        print(json.dumps({"path": str(store.path), "by_category": summary}, indent=2))
        return 0
    print(f"Progress stored in {store.path}")
    if not summary:
        print("No answers recorded yet: open a lesson notebook and answer a practice quiz.")
        return 0
    print(f"{'category':<44} {'items':>5} {'first try right':>16} {'answers':>8}")
    for slug, row in summary.items():
        name = CATEGORIES[slug].name if slug in CATEGORIES else slug
        share = f"{row['first_correct']} ({100 * row['first_correct'] // max(row['items'], 1)}%)"
        print(f"{name:<44} {row['items']:>5} {share:>16} {row['answers']:>8}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="powerdynamics", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    bank = sub.add_parser("bank", help="check or describe the scenario bank")
    bank_sub = bank.add_subparsers(dest="bank_command", required=True)
    check = bank_sub.add_parser("check", help="validate bank files (default: the shipped bank)")
    check.add_argument("paths", nargs="*", metavar="PATH")
    check.set_defaults(func=_bank_check)
    stats = bank_sub.add_parser("stats", help="item counts per category and per key label")
    stats.add_argument("--json", action="store_true", help="print JSON")
    stats.set_defaults(func=_bank_stats)

    progress = sub.add_parser("progress", help="summary of your saved practice answers")
    progress.add_argument("--db", help="progress database (default: $POWERDYNAMICS_PROGRESS_DB "
                          "or the user data directory)")
    progress.add_argument("--json", action="store_true", help="print JSON")
    progress.set_defaults(func=_progress)
    # Instructor commands register themselves; their modules import heavy libraries
    # (nbgrader, matplotlib) only when a command runs.
    from .batch import register as register_grading
    from .report import register as register_report

    register_grading(sub)
    register_report(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
