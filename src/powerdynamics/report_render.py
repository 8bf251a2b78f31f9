"""Compatibility module: moved to :mod:`powerdynamics.analytics.render` (released assignments and
configs that import ``powerdynamics.report_render`` keep working: this *is* that module)."""

import sys

from powerdynamics.analytics.render import __name__ as _moved_name

sys.modules[__name__] = sys.modules[_moved_name]
