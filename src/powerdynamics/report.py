"""Compatibility module: moved to :mod:`powerdynamics.analytics.report` (released assignments and
configs that import ``powerdynamics.report`` keep working: this *is* that module)."""

import sys

from powerdynamics.analytics.report import __name__ as _moved_name

sys.modules[__name__] = sys.modules[_moved_name]
