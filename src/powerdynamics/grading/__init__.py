"""Graded work: the assessment quiz trainees answer (``assessment``), reading answers as
data (``data``), the nbgrader steps the course adds (``preprocessors``, ``from_data``), the
gates in front of nbgrader's copying (``guard``), submission and CSV checks (``safety``) and
batch autograding (``batch``).

``nbgrader_config.py`` imports the preprocessors from here, as before."""

from powerdynamics.grading.from_data import GradeFromData, RestoreReleasedHiddenTests, SanitizeTraineeHTML
from powerdynamics.grading.preprocessors import LimitOutputSize, StripHiddenTests, remove_from_release

__all__ = [
    "GradeFromData",
    "LimitOutputSize",
    "RestoreReleasedHiddenTests",
    "SanitizeTraineeHTML",
    "StripHiddenTests",
    "remove_from_release",
]
