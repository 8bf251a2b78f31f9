"""Compatibility module: moved to :mod:`powerdynamics.book.sphinx_offline` (released assignments and
configs that import ``powerdynamics.sphinx_offline`` keep working: this *is* that module)."""

import sys

from powerdynamics.book.sphinx_offline import __name__ as _moved_name

sys.modules[__name__] = sys.modules[_moved_name]
