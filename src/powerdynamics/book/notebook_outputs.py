"""Keep stored notebook outputs clean and deterministic.

Why: lesson notebooks are committed executed (the book renders their stored outputs
and nbval re-runs them and compares).  A live widget's view output holds a random
model id and is useless without the kernel that made it, so it is dropped from stored
outputs: JupyterLab then shows the static quiz until the trainee runs the cell, and
the book shows the same static quiz.  Timing metadata and widget state are dropped too.
"""

from __future__ import annotations

from typing import Any

from powerdynamics.display import WIDGET_MIME

_VOLATILE_CELL_METADATA = ("execution", "collapsed", "scrolled")


def clean_notebook(nb: Any) -> Any:
    """Strip volatile parts of an executed notebook in place and return it."""
    nb.metadata.pop("widgets", None)
    count = 0
    for cell in nb.cells:
        for key in _VOLATILE_CELL_METADATA:
            cell.metadata.pop(key, None)
        if cell.cell_type != "code":
            continue
        count += 1
        cell.execution_count = count if cell.source.strip() else None
        for output in cell.get("outputs", []):
            if "execution_count" in output:
                output["execution_count"] = cell.execution_count
            data = output.get("data")
            if data is not None:
                data.pop(WIDGET_MIME, None)
            output.get("metadata", {}).pop("execution", None)
    return nb


def volatile_parts(nb: Any) -> list[str]:
    """Describe what would make a stored notebook non-deterministic (for tests)."""
    found: list[str] = []
    if "widgets" in nb.metadata:
        found.append("notebook metadata holds widget state")
    for index, cell in enumerate(nb.cells):
        if "execution" in cell.metadata:
            found.append(f"cell {index}: execution timing metadata")
        for output in cell.get("outputs", []):
            if WIDGET_MIME in output.get("data", {}):
                found.append(f"cell {index}: widget view output with a random model id")
    return found
