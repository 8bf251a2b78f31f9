"""Compatibility module: moved to :mod:`powerdynamics.learner.review` (released assignments and
configs that import ``powerdynamics.review`` keep working: this *is* that module)."""

import sys

from powerdynamics.learner.review import __name__ as _moved_name

sys.modules[__name__] = sys.modules[_moved_name]
