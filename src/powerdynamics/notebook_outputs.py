"""Compatibility module: moved to :mod:`powerdynamics.book.notebook_outputs` (released assignments and
configs that import ``powerdynamics.notebook_outputs`` keep working: this *is* that module)."""

import sys

from powerdynamics.book.notebook_outputs import __name__ as _moved_name

sys.modules[__name__] = sys.modules[_moved_name]
