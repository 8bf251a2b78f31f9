"""Graded work: the assessment quiz trainees answer (``assessment``), the nbgrader
preprocessors the course adds (``preprocessors``) and batch autograding (``batch``).

``nbgrader_config.py`` imports the preprocessors from here, as before. They are loaded
on first use only: importing nbconvert costs seconds, and every ``powerdynamics``
command imports this package to register its subcommands."""

from __future__ import annotations

from typing import Any

__all__ = ["LimitOutputSize", "StripHiddenTests", "remove_from_release"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from powerdynamics.grading import preprocessors

        return getattr(preprocessors, name)
    raise AttributeError(f"module 'powerdynamics.grading' has no attribute {name!r}")
