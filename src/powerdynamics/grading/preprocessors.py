"""Instructor-side pieces of the nbgrader course that must ship in the package.

None of this knows an answer key: keys live only in the hidden tests of the
instructor's private ``exercises/source``.

* :class:`StripHiddenTests` - a feedback preprocessor.  nbgrader 0.9.6 restores hidden
  tests into the autograded notebooks, and its ``ClearHiddenTests`` removes them from
  cell sources but not from the *outputs*: a failing hidden ``assert`` still shows its
  source line in the traceback of the feedback HTML.  This preprocessor removes
  hidden-test regions and mark schemes from sources and replaces every error output
  of a hidden-test cell (traceback, message) with a neutral sentence.
* :class:`LimitOutputSize` - an autograde preprocessor.  nbgrader's ``LimitOutput``
  counts *lines*, so one ``print`` of 10 MB without a newline passes through; this caps
  the characters kept per cell.
* :func:`remove_from_release` - a ``GenerateAssignment.post_convert_hook`` that deletes
  files which must never be released (an instructor's own ``responses.json`` written
  while trying the quiz in ``source/`` would otherwise ship, answers and all).

The per-student batch runner (``powerdynamics grade autograde``) is in
:mod:`powerdynamics.batch`, which does not import nbconvert.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from nbconvert.preprocessors import Preprocessor
from traitlets import Bool, Integer, List, Unicode

#: Cell metadata key GradeFromData sets on the cells whose outputs it wrote.
GRADED_FROM_DATA_KEY = "powerdynamics"
HIDDEN_NOTICE = "(Hidden tests are not shown in feedback.)"
FAILED_NOTICE = (
    "This item's hidden test did not pass, so this cell earned no points. "
    "The test itself is not shown."
)


def _strip_regions(source: str, begin: str, end: str, replacement: str | None) -> tuple[str, list[str]]:
    """Remove every begin..end region (delimiter lines included); an unterminated region
    runs to the end of the cell.  Returns the new source and the removed lines."""
    kept: list[str] = []
    removed: list[str] = []
    inside = False
    for line in source.split("\n"):
        if not inside and begin in line:
            inside = True
            removed.append(line)
            if replacement is not None:
                indent = line[: len(line) - len(line.lstrip())]
                kept.append(indent + replacement)
            continue
        if inside:
            removed.append(line)
            if end in line:
                inside = False
            continue
        kept.append(line)
    return "\n".join(kept), removed


class StripHiddenTests(Preprocessor):
    """Remove hidden tests, their tracebacks and mark schemes from notebooks before feedback."""

    enabled = Bool(True).tag(config=True)  # nbconvert preprocessors are off by default

    begin_hidden = Unicode("BEGIN HIDDEN TESTS").tag(config=True)
    end_hidden = Unicode("END HIDDEN TESTS").tag(config=True)
    begin_mark_scheme = Unicode("BEGIN MARK SCHEME").tag(config=True)
    end_mark_scheme = Unicode("END MARK SCHEME").tag(config=True)
    code_notice = Unicode("# " + HIDDEN_NOTICE).tag(config=True)
    failed_notice = Unicode(FAILED_NOTICE).tag(config=True)

    def preprocess_cell(self, cell: Any, resources: dict, index: int) -> tuple[Any, dict]:
        source = cell.get("source", "")
        if isinstance(source, list):
            source = "".join(source)
        notice = self.code_notice if cell.get("cell_type") == "code" else None
        source, hidden = _strip_regions(source, self.begin_hidden, self.end_hidden, notice)
        source, _ = _strip_regions(source, self.begin_mark_scheme, self.end_mark_scheme, None)
        cell["source"] = source
        if hidden and cell.get("cell_type") == "code":
            if cell.get("metadata", {}).get(GRADED_FROM_DATA_KEY, {}).get("graded_from_data"):
                # Written by GradeFromData (no trainee code ran): the trainee's own answer and
                # points, never the key; its "no answer" is not a failed hidden test.
                cell["outputs"] = self._verdict_outputs(cell.get("outputs", []))
            else:
                cell["outputs"] = self._clean_outputs(cell.get("outputs", []), hidden)
        return cell, resources

    @staticmethod
    def _verdict_outputs(outputs: Sequence[Any]) -> list[Any]:
        from nbformat.v4 import new_output

        kept: list[Any] = []
        for output in outputs:
            if output.get("output_type") == "error":
                kept.append(new_output("stream", name="stderr",
                                       text=str(output.get("evalue", "")) + "\n"))
            elif output.get("output_type") == "stream":
                kept.append(output)
        return kept

    def _clean_outputs(self, outputs: Sequence[Any], hidden: Sequence[str]) -> list[Any]:
        from nbformat.v4 import new_output

        secrets = [line.strip() for line in hidden if len(line.strip()) >= 6]
        literals = [m.group(2) for line in hidden for m in re.finditer(r"([\"'])(.{3,}?)\1", line)]
        cleaned: list[Any] = []
        failed = False
        reasons: list[str] = []
        for output in outputs:
            if output.get("output_type") == "error":
                failed = True
                # A visible check's message (e.g. "Question 3 has no answer yet") may stay;
                # anything written inside the hidden region may not.
                evalue = str(output.get("evalue", "")).strip()
                if evalue and "\n" not in evalue and not any(evalue in line for line in hidden) \
                        and not any(lit in evalue for lit in literals):
                    reasons.append(f"{output.get('ename', 'Error')}: {evalue}")
                continue
            if output.get("output_type") == "stream":
                output["text"] = self._scrub(output.get("text", ""), secrets, literals)
            else:
                data = output.get("data", {})
                for mime, value in list(data.items()):
                    if isinstance(value, str) and any(s in value for s in [*secrets, *literals]):
                        del data[mime]
                if not data:
                    continue
            cleaned.append(output)
        if failed:
            text = self.failed_notice + "".join(f"\n{r}" for r in reasons) + "\n"
            cleaned.append(new_output("stream", name="stderr", text=text))
        return cleaned

    @staticmethod
    def _scrub(text: Any, secrets: Sequence[str], literals: Sequence[str]) -> str:
        """Hide output lines that quote a hidden line (or part of one) or one of its strings."""
        if isinstance(text, list):
            text = "".join(text)

        def secret(line: str) -> bool:
            bare = line.strip()
            return (any(s in line for s in secrets) or any(lit in line for lit in literals)
                    or (len(bare) >= 6 and any(bare in s for s in secrets)))

        return "\n".join("[hidden]" if secret(line) else line for line in text.split("\n"))


class LimitOutputSize(Preprocessor):
    """Cap the characters of output kept per code cell (streams, rich data, tracebacks)."""

    enabled = Bool(True).tag(config=True)

    max_chars = Integer(
        100_000, help="Characters of output kept per cell; -1 means no limit."
    ).tag(config=True)
    keep_mimes = List(
        ["text/plain", "text/html", "text/markdown", "text/latex"],
        help="Text formats that are truncated; other (binary) formats over the limit are dropped.",
    ).tag(config=True)

    def _note(self, dropped: int) -> str:
        return (f"\n... output truncated: {dropped} characters not shown "
                f"(limit {self.max_chars} per cell) ...\n")

    def preprocess_cell(self, cell: Any, resources: dict, index: int) -> tuple[Any, dict]:
        if self.max_chars < 0 or cell.get("cell_type") != "code":
            return cell, resources
        budget = self.max_chars
        for output in cell.get("outputs", []):
            kind = output.get("output_type")
            if kind == "stream":
                text = output.get("text", "")
                text = "".join(text) if isinstance(text, list) else text
                if len(text) > budget:
                    output["text"] = text[:budget] + self._note(len(text) - budget)
                    budget = 0
                else:
                    budget -= len(text)
            elif kind == "error":
                tb = output.get("traceback", [])
                size = sum(len(line) for line in tb)
                if size > max(budget, 2_000):
                    keep = max(budget, 2_000)
                    text = "\n".join(tb)
                    output["traceback"] = [text[:keep] + self._note(len(text) - keep)]
                budget = max(budget - size, 0)
            elif kind in ("display_data", "execute_result"):
                data = output.get("data", {})
                for mime in list(data):
                    value = data[mime]
                    size = len(value) if isinstance(value, str) else len(json.dumps(value))
                    if size <= budget:
                        budget -= size
                        continue
                    if mime in self.keep_mimes and isinstance(value, str):
                        data[mime] = value[:budget] + self._note(size - budget)
                        budget = 0
                    else:
                        del data[mime]
                        data.setdefault("text/plain", self._note(size).strip())
        return cell, resources


def remove_from_release(names: Iterable[str] = ("responses.json",), release: str | os.PathLike[str] = "release"):
    """A ``GenerateAssignment.post_convert_hook`` that deletes ``names`` (globs) from the
    released assignment, e.g. an instructor's own saved quiz answers.  ``release`` is the
    release directory (absolute, or relative to the course root)."""
    patterns = tuple(names)

    def hook(assignment: str | None = None, student: str | None = None,
             notebooks: Sequence[str] = (), **_: Any) -> None:
        roots = {Path(nb).resolve().parent.parent.parent for nb in notebooks}
        for root in roots:
            base = Path(release) if Path(release).is_absolute() else root / release
            for folder in ([base / assignment] if assignment and "*" not in assignment
                           else [p for p in base.glob(assignment or "*") if p.is_dir()]):
                for pattern in patterns:
                    for path in folder.rglob(pattern):
                        path.unlink()
                        print(f"[powerdynamics] removed {path} from the release "
                              "(it must not be given to trainees)", file=sys.stderr)

    return hook
