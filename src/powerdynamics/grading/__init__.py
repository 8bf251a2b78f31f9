"""Graded work: the assessment quiz trainees answer (``assessment``), reading answers as
data (``data``), the nbgrader steps the course adds (``preprocessors``, ``from_data``), the
gates in front of nbgrader's copying (``guard``), submission and CSV checks (``safety``) and
batch autograding (``batch``).

``nbgrader_config.py`` imports the preprocessors from here, as before. They are loaded
on first use only: importing nbconvert costs seconds, and every ``powerdynamics``
command imports this package to register its subcommands."""

from __future__ import annotations

from typing import Any

_HOMES = {
    "LimitOutputSize": "preprocessors",
    "StripHiddenTests": "preprocessors",
    "remove_from_release": "preprocessors",
    "GradeFromData": "from_data",
    "RestoreReleasedHiddenTests": "from_data",
    "SanitizeTraineeHTML": "from_data",
}
__all__ = sorted(_HOMES)


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        import importlib

        return getattr(importlib.import_module(f"powerdynamics.grading.{_HOMES[name]}"), name)
    raise AttributeError(f"module 'powerdynamics.grading' has no attribute {name!r}")
