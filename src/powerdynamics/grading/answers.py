"""The visible check of an autograded question: an answer exists (never whether it is right).

In a released notebook, Run All (which the assignment's intro asks for) must not stop at
the first unanswered question with an ``AssertionError`` traceback: the check prints its
message and the notebook runs on.  While nbgrader executes the notebook (``validate``,
``autograde``: ``NBGRADER_EXECUTION`` is set) it raises, so a missing answer fails the
cell, ``nbgrader validate`` names it and the question scores 0.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

__all__ = ["require_answer"]


def require_answer(answers: Mapping[str, str], item_id: str, message: str) -> None:
    """Nothing when ``item_id`` has an answer; otherwise print ``message`` (in JupyterLab)
    or raise ``AssertionError(message)`` (under nbgrader).  Returns ``None`` so that, as
    the last line of a released cell, it shows no ``Out[...]``."""
    if item_id in answers:
        return
    if os.environ.get("NBGRADER_EXECUTION"):
        raise AssertionError(message)
    print(message)
