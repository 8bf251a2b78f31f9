"""Compatibility module: moved to :mod:`powerdynamics.quiz.static_page` (released assignments and
configs that import ``powerdynamics.static_html`` keep working: this *is* that module)."""

import sys

from powerdynamics.quiz.static_page import __name__ as _moved_name

sys.modules[__name__] = sys.modules[_moved_name]
