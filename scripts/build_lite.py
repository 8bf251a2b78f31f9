"""Build the browser edition (JupyterLite, offline) into _build/html/lite/.

Run by `make book` after `jupyter-book build`. The first run fetches the pinned files
of lite/lock.json into .cache/lite/ (pip and npm); later runs need no network.
See powerdynamics.lite_build for the steps.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from powerdynamics.lite_build import main  # noqa: E402

if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
