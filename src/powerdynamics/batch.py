"""Compatibility module: moved to :mod:`powerdynamics.grading.batch` (released assignments and
configs that import ``powerdynamics.batch`` keep working: this *is* that module)."""

import sys

from powerdynamics.grading.batch import __name__ as _moved_name

sys.modules[__name__] = sys.modules[_moved_name]
