"""Compatibility module: moved to :mod:`powerdynamics.learner.mastery` (released assignments and
configs that import ``powerdynamics.mastery`` keep working: this *is* that module)."""

import sys

from powerdynamics.learner.mastery import __name__ as _moved_name

sys.modules[__name__] = sys.modules[_moved_name]
