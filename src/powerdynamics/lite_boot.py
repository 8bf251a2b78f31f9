"""Warm-up run by the browser edition's Pyodide kernel as it starts.

The kernel changes into the browser-backed ``/drive`` folder once it has started, and
from then on every ``import`` first looks in that folder, which the browser answers
through its service worker (slow).  Importing the course's heavy dependencies and
reading the scenario bank here, before that, makes the first quiz of a lesson appear
seconds sooner.  Nothing here may stop the kernel from starting: failures are ignored
(the lesson then imports as usual).
"""

from __future__ import annotations

import importlib

WARM = ("ipywidgets", "pydantic", "jinja2", "yaml")


def warm() -> None:
    for name in WARM:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001, S112 - a warm-up only
            continue
    try:
        import powerdynamics

        powerdynamics.default_bank()
    except Exception:  # noqa: BLE001, S110 - the lesson reports bank problems itself
        pass


warm()
