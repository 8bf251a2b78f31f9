"""The ``powerdynamics`` command: the scenario bank, saved progress, grading and reports.

Every expected failure (bad bank file, unreadable database) is reported as a message
with the file, item and field named, and a non-zero exit code; never a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path


def _bank_check(args: argparse.Namespace) -> int:
    from powerdynamics.bank.loader import bank_files, check_files

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


def _bank_casting(args: argparse.Namespace) -> int:
    from powerdynamics.bank.audit import casting_page
    from powerdynamics.bank.collection import default_bank
    from powerdynamics.bank.loader import BankError

    try:
        print(casting_page(default_bank().items), end="")
    except BankError as exc:
        print(exc, file=sys.stderr)
        return 1
    return 0


def _bank_stats(args: argparse.Namespace) -> int:
    from powerdynamics.bank.collection import default_bank
    from powerdynamics.bank.loader import BankError

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


def _progress_store(args: argparse.Namespace):
    from powerdynamics.learner.progress import ProgressStore

    return ProgressStore(args.db) if args.db else ProgressStore()


@contextmanager
def _notices() -> Iterator[None]:
    """Print the progress store's notices as plain lines on stderr (no file:line)."""
    from powerdynamics.learner.progress import ProgressWarning

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ProgressWarning)
        try:
            yield
        finally:
            for item in caught:
                if issubclass(item.category, ProgressWarning):
                    print(f"note: {item.message}", file=sys.stderr)
                else:
                    warnings.showwarning(item.message, item.category, item.filename, item.lineno)


def _progress(args: argparse.Namespace) -> int:
    from powerdynamics.bank.labels import CATEGORIES

    if getattr(args, "progress_command", None) == "export":
        return _progress_export(args)
    if getattr(args, "progress_command", None) == "import":
        return _progress_import(args)
    store = _progress_store(args)
    with _notices():  # reading only: the database is opened read-only and never changed
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


def _progress_export(args: argparse.Namespace) -> int:
    from powerdynamics.learner.progress import ProgressError

    store = _progress_store(args)
    try:
        with _notices():
            count = store.export_to(args.file, overwrite=args.force)
    except ProgressError as exc:
        print(f"progress export: {exc}", file=sys.stderr)
        return 1
    print(f"Exported {count} answer{'s' * (count != 1)} from {store.path} to {args.file}")
    return 0


def _progress_import(args: argparse.Namespace) -> int:
    from powerdynamics.learner.progress import ProgressError

    store = _progress_store(args)
    try:
        with _notices():
            report = store.import_from(args.file)
    except ProgressError as exc:
        print(f"progress import: {exc}", file=sys.stderr)
        return 1
    print(f"{report} Progress stored in {store.path}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="powerdynamics", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    bank = sub.add_parser("bank", help="check or describe the scenario bank")
    bank_sub = bank.add_subparsers(dest="bank_command", required=True)
    check = bank_sub.add_parser("check", help="validate bank files (default: the shipped bank)")
    check.add_argument("paths", nargs="*", metavar="PATH")
    check.set_defaults(func=_bank_check)
    stats = bank_sub.add_parser("stats", help="counts per kind, category, key, tier, setting, region and pair group")
    stats.add_argument("--json", action="store_true", help="print JSON")
    stats.set_defaults(func=_bank_stats)
    casting = bank_sub.add_parser("casting", help="print the identity x role x key page (Markdown)")
    casting.set_defaults(func=_bank_casting)

    progress = sub.add_parser("progress", help="summary of your saved practice answers; "
                              "export or import them")
    db_help = "progress database (default: $POWERDYNAMICS_PROGRESS_DB or the user data directory)"
    progress.add_argument("--db", help=db_help)
    progress.add_argument("--json", action="store_true", help="print JSON")
    progress.set_defaults(func=_progress)
    progress_sub = progress.add_subparsers(dest="progress_command", metavar="{export,import}")
    export = progress_sub.add_parser(
        "export", help="write every saved answer to FILE (.json, or .sqlite3/.sqlite/.db)")
    export.add_argument("file", metavar="FILE")
    export.add_argument("--force", action="store_true", help="replace FILE if it exists")
    imported = progress_sub.add_parser(
        "import", help="add the answers in FILE (a JSON export or a progress database) that "
        "are not saved yet; nothing saved is changed or removed")
    imported.add_argument("file", metavar="FILE")
    for command in (export, imported):
        command.add_argument("--db", default=argparse.SUPPRESS, help=db_help)

    # Instructor commands register themselves; their modules import heavy libraries
    # (nbgrader, matplotlib) only when a command runs.
    from powerdynamics.analytics.report import register as register_report
    from powerdynamics.grading.batch import register as register_grading
    from powerdynamics.learner.lab import register as register_lab

    register_grading(sub)
    register_report(sub)
    register_lab(sub)
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
