"""Compatibility module: moved to :mod:`powerdynamics.learner.progress` (lessons, released
assignments and the browser edition that import ``powerdynamics.progress`` keep working:
this *is* that module)."""

import sys

from powerdynamics.learner.progress import __name__ as _moved_name

sys.modules[__name__] = sys.modules[_moved_name]
