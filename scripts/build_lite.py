"""Build the browser edition (JupyterLite, offline) into _build/html/lite/.

Run by `make book` after `jupyter-book build`. The first run fetches the pinned files
of lite/lock.json into .cache/lite/ (pip and npm); later runs need no network.
See powerdynamics.lite_build for the steps.
"""

from __future__ import annotations

import sys

from powerdynamics.lite_build import main

if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
