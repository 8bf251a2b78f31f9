"""Compatibility module: moved to :mod:`powerdynamics.analytics.charts` (released assignments and
configs that import ``powerdynamics.report_charts`` keep working: this *is* that module)."""

import sys

from powerdynamics.analytics.charts import __name__ as _moved_name

sys.modules[__name__] = sys.modules[_moved_name]
