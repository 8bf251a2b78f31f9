"""Compatibility module: moved to :mod:`powerdynamics.quiz.ordering` (released assignments and
configs that import ``powerdynamics.ordering`` keep working: this *is* that module)."""

import sys

from powerdynamics.quiz.ordering import __name__ as _moved_name

sys.modules[__name__] = sys.modules[_moved_name]
