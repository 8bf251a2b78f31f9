"""``python -m powerdynamics``: same as the ``powerdynamics`` command."""

import sys

from .cli import main

sys.exit(main())
