"""Power Dynamics course engine: scenario bank, scenario quizzes and saved progress.

``import powerdynamics`` stays cheap: ipywidgets, pydantic and the bank are loaded
only when ``ScenarioQuiz`` (or another engine object) is first used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["ScenarioQuiz", "default_bank", "ProgressStore", "__version__"]

if TYPE_CHECKING:
    from .progress import ProgressStore
    from .quiz import ScenarioQuiz
    from .scenarios import default_bank

_LAZY = {
    "ScenarioQuiz": ("powerdynamics.quiz", "ScenarioQuiz"),
    "default_bank": ("powerdynamics.scenarios", "default_bank"),
    "ProgressStore": ("powerdynamics.progress", "ProgressStore"),
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from importlib import import_module

        module, attr = _LAZY[name]
        value = getattr(import_module(module), attr)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'powerdynamics' has no attribute {name!r}")
