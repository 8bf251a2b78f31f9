"""Compatibility module: moved to :mod:`powerdynamics.quiz.widget` (released assignments and
configs that import ``powerdynamics.widget`` keep working: this *is* that module)."""

import sys

from powerdynamics.quiz.widget import __name__ as _moved_name

sys.modules[__name__] = sys.modules[_moved_name]
