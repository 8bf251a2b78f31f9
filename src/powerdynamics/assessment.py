"""Compatibility module: moved to :mod:`powerdynamics.grading.assessment` (released assignments and
configs that import ``powerdynamics.assessment`` keep working: this *is* that module)."""

import sys

from powerdynamics.grading.assessment import __name__ as _moved_name

sys.modules[__name__] = sys.modules[_moved_name]
