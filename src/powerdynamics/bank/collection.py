"""A validated, ordered collection of items with look-ups by id, tag, category and kind."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from functools import cache
from pathlib import Path
from typing import Any

from ..kinds import KeyedItem
from .labels import CATEGORIES
from .loader import BankError, bank_files, check_files


class Bank:
    """A validated, ordered collection of scenarios with look-ups by id, tag and category."""

    def __init__(self, items: Iterable[KeyedItem]):
        self.items: tuple[KeyedItem, ...] = tuple(items)
        self._by_id = {item.id: item for item in self.items}
        if len(self._by_id) != len(self.items):
            raise ValueError("duplicate scenario ids")

    @classmethod
    def from_files(cls, paths: Iterable[Path | str]) -> Bank:
        items, problems = check_files(paths)
        if problems:
            raise BankError(problems)
        return cls(items)

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self) -> Iterator[KeyedItem]:
        return iter(self.items)

    def __contains__(self, item_id: object) -> bool:
        return item_id in self._by_id

    def get(self, item_id: str) -> KeyedItem:
        try:
            return self._by_id[item_id]
        except KeyError:
            raise KeyError(f"no scenario with id {item_id!r} in the bank") from None

    def select(
        self,
        ids: Sequence[str] | None = None,
        *,
        category: str | None = None,
        lesson: int | None = None,
        setting: str | None = None,
        keys: Sequence[str] | None = None,
        exclude_content_note: bool = False,
    ) -> list[KeyedItem]:
        """Items chosen by ids (in that order) or by filters (in bank order)."""
        if category is not None and category not in CATEGORIES:
            raise ValueError(f"unknown category {category!r}; use one of {', '.join(CATEGORIES)}")
        chosen = [self.get(i) for i in ids] if ids is not None else list(self.items)
        return [
            item
            for item in chosen
            if (category is None or item.category == category)
            and (lesson is None or item.tags.lesson == lesson)
            and (setting is None or item.tags.setting == setting)
            and (keys is None or item.key in keys)
            and not (exclude_content_note and item.tags.content_note)
        ]

    def stats(self) -> dict[str, Any]:
        """Item counts per category, per key label, per setting and with a content note."""
        by_category: dict[str, int] = {c: 0 for c in CATEGORIES}
        by_key: dict[str, int] = {lab: 0 for c in CATEGORIES.values() for lab in c.slugs}
        by_setting: dict[str, int] = {}
        content_note = 0
        for item in self.items:
            by_category[item.category] += 1
            by_key[item.key] += 1
            by_setting[item.tags.setting] = by_setting.get(item.tags.setting, 0) + 1
            content_note += item.tags.content_note
        return {
            "total": len(self.items),
            "by_category": by_category,
            "by_key": by_key,
            "by_setting": dict(sorted(by_setting.items())),
            "content_note": content_note,
            "without_content_note": len(self.items) - content_note,
        }


@cache
def default_bank() -> Bank:
    """The practice bank shipped with the package (loaded once per process)."""
    return Bank.from_files(bank_files())
