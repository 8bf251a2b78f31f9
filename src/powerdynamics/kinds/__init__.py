"""Item kinds: one module per kind, each with the same lifecycle (see :mod:`.base`).

``Item`` is the discriminated union the loader validates against (on ``kind``; an item
without ``kind`` is a ``choice``, so bank 1's YAML loads unchanged). ``KINDS`` maps a
kind's name to its module, so callers dispatch without knowing the kinds.
"""

from __future__ import annotations

from types import ModuleType
from typing import Annotated, Any

from pydantic import Discriminator, Tag, TypeAdapter

from . import case, choice, cue, session
from .base import ItemBase, KeyedItem, Tags, Verdict
from .case import CaseItem
from .choice import ChoiceItem
from .cue import CueItem
from .session import SessionItem

KINDS: dict[str, ModuleType] = {"choice": choice, "case": case, "cue": cue, "session": session}


def _kind_of(value: Any) -> str:
    if isinstance(value, dict):
        return str(value.get("kind", "choice"))
    return str(getattr(value, "kind", "choice"))


Item = Annotated[
    Annotated[ChoiceItem, Tag("choice")] | Annotated[CaseItem, Tag("case")]
    | Annotated[CueItem, Tag("cue")] | Annotated[SessionItem, Tag("session")],
    Discriminator(_kind_of),
]
ITEM_ADAPTER: TypeAdapter[Any] = TypeAdapter(Item)


def validate_item(data: Any) -> KeyedItem:
    """Validate one mapping as the item kind it names (pydantic ``ValidationError`` if bad)."""
    return ITEM_ADAPTER.validate_python(data)


def module_for(item: Any) -> ModuleType:
    return KINDS[getattr(item, "kind", "choice")]


def grade(item: Any, answer: Any) -> Verdict:
    """The one scoring rule of every kind: dispatch to the item's kind."""
    return module_for(item).grade(item, answer)


def answer_token(item: Any, answer: Any) -> str:
    return module_for(item).answer_token(answer)


__all__ = ["KINDS", "Item", "ItemBase", "KeyedItem", "Tags", "Verdict", "ChoiceItem", "CaseItem",
           "CueItem", "SessionItem", "validate_item", "grade", "answer_token", "module_for"]
