"""Graded work: the assessment quiz trainees answer (``assessment``), the nbgrader
preprocessors the course adds (``preprocessors``) and batch autograding (``batch``).

``nbgrader_config.py`` imports the preprocessors from here, as before."""

from powerdynamics.grading.preprocessors import LimitOutputSize, StripHiddenTests, remove_from_release

__all__ = ["LimitOutputSize", "StripHiddenTests", "remove_from_release"]
