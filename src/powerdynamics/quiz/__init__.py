"""Quizzes: the plan (which items, in which order), ordering, the live widget, the
static page for the book and the one front end they share (``assets/``).

``from powerdynamics.quiz import ScenarioQuiz`` keeps working; renderers take the plan.
"""

from powerdynamics.display import WIDGET_MIME
from powerdynamics.quiz.plan import PlannedItem, ScenarioQuiz, skip_content_notes_default

__all__ = ["WIDGET_MIME", "PlannedItem", "ScenarioQuiz", "skip_content_notes_default"]
