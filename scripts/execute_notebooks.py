"""Execute lesson notebooks top to bottom in a fresh kernel and store clean outputs.

Usage: python scripts/execute_notebooks.py [NOTEBOOK ...]   (default: notebooks/*.ipynb)

Progress is written to a throwaway database so stored outputs never depend on the
author's own answers.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from powerdynamics.notebook_outputs import clean_notebook

ROOT = Path(__file__).resolve().parent.parent


def execute(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=300, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    client.execute()
    clean_notebook(nb)
    nbformat.validate(nb)
    nbformat.write(nb, path)


def main(argv: list[str]) -> int:
    paths = [Path(a) for a in argv] or sorted((ROOT / "notebooks").glob("*.ipynb"))
    with tempfile.TemporaryDirectory() as scratch:
        os.environ["POWERDYNAMICS_PROGRESS_DB"] = str(Path(scratch) / "progress.sqlite3")
        os.environ["MPLBACKEND"] = "Agg"
        for number, path in enumerate(paths, start=1):
            print(f"[{number}/{len(paths)}] executing {path.name}", flush=True)
            try:
                execute(path)
            except Exception as exc:  # report which notebook and go on with the rest
                print(f"  FAILED: {path}: {type(exc).__name__}: {str(exc)[-2000:]}", file=sys.stderr)
                return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
