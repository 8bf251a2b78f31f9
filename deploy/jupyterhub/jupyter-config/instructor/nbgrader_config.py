"""An instructor's nbgrader: the course directory the hub created in their home.

Loading the course's own nbgrader_config.py here (not only CourseDirectory.root) matters:
formgrader reads its configuration from the Jupyter config path, not from the course folder,
and without the course's settings its feedback would skip StripHiddenTests (and leak keys).
"""

import os

COURSE = os.path.join(os.path.expanduser("~"), "power-dynamics-course", "nbgrader_config.py")
if os.path.isfile(COURSE):
    load_subconfig(COURSE)  # noqa: F821  (provided by traitlets when it loads this file)
