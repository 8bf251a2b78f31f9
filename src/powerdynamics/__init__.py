"""Power Dynamics course engine: scenario bank, scenario quizzes and saved progress.

``import powerdynamics`` stays cheap: ipywidgets, pydantic and the bank are loaded
only when ``ScenarioQuiz`` (or another engine object) is first used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from powerdynamics._version import __version__

__all__ = ["ScenarioQuiz", "default_bank", "ProgressStore", "__version__"]

if TYPE_CHECKING:
    from powerdynamics.bank.collection import default_bank
    from powerdynamics.learner.progress import ProgressStore
    from powerdynamics.quiz.plan import ScenarioQuiz

_LAZY = {
    "ScenarioQuiz": ("powerdynamics.quiz.plan", "ScenarioQuiz"),
    "default_bank": ("powerdynamics.bank.collection", "default_bank"),
    "ProgressStore": ("powerdynamics.learner.progress", "ProgressStore"),
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from importlib import import_module

        module, attr = _LAZY[name]
        value = getattr(import_module(module), attr)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'powerdynamics' has no attribute {name!r}")
